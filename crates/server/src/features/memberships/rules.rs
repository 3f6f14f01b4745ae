//! The rights matrix: what each role may do in its home (docs/rights.md is the same table in
//! words). This is the one place it is written: every endpoint that acts for a home asks
//! [`allows`], and the `allowed` list a membership carries on the wire is [`allowed`], so the
//! app's buttons and the backend's refusals cannot disagree.
//!
//! A bill is *the tenant's* when every line of it is a utility or parking item
//! ([`TENANT_FEE_ITEMS`]); a bill with a property-fee line (or an item this table does not
//! know) belongs to those holding [`Action::PayPropertyFee`]. A tenant neither sees nor pays
//! it, and sees only the receipts whose lines are all of the tenant's items.

use linli_wire::ErrorCode;
use linli_wire::bills::FeeItem;
use linli_wire::me::{Action, MembershipRole, MembershipState};

use crate::error::ApiError;

/// Every action, in the order the wire lists them.
pub const ACTIONS: &[Action] = &[
    Action::ReportRepair,
    Action::Complain,
    Action::IssuePasses,
    Action::ReadNotices,
    Action::PayBills,
    Action::PayPropertyFee,
    Action::Invite,
    Action::SeeMembers,
    Action::ManageMembers,
    Action::DecideHomeRequests,
    Action::MoveOut,
];

/// The fee items whose bills a tenant sees and pays.
pub const TENANT_FEE_ITEMS: &[FeeItem] = &[
    FeeItem::Water,
    FeeItem::Electricity,
    FeeItem::SharedArea,
    FeeItem::Parking,
];

/// Whether `role` may take `action` in its home. Owner: everything. Family: everything but
/// inviting, removing members and deciding others' requests (they see who lives there).
/// Tenant: repairs, complaints, passes, notices, the tenant's bills, moving out.
pub fn allows(role: MembershipRole, action: Action) -> bool {
    use Action as A;
    match role {
        MembershipRole::Owner => action != A::Other,
        MembershipRole::Family => matches!(
            action,
            A::ReportRepair
                | A::Complain
                | A::IssuePasses
                | A::ReadNotices
                | A::PayBills
                | A::PayPropertyFee
                | A::SeeMembers
                | A::MoveOut
        ),
        MembershipRole::Tenant => matches!(
            action,
            A::ReportRepair
                | A::Complain
                | A::IssuePasses
                | A::ReadNotices
                | A::PayBills
                | A::MoveOut
        ),
        MembershipRole::Other => false,
    }
}

/// What a membership allows, as the wire lists it: nothing unless it is active.
pub fn allowed(role: MembershipRole, state: MembershipState) -> Vec<Action> {
    if state != MembershipState::Active {
        return Vec::new();
    }
    ACTIONS
        .iter()
        .copied()
        .filter(|a| allows(role, *a))
        .collect()
}

/// The role as stored (`owner`, `family`, `tenant`; anything else is [`MembershipRole::Other`],
/// which allows nothing).
pub fn role(stored: &str) -> MembershipRole {
    serde_json::from_value(serde_json::Value::String(stored.to_owned()))
        .unwrap_or(MembershipRole::Other)
}

/// [`allows`] for a stored role, as a refusal: 403 `role-forbidden` naming the action.
pub fn require(stored_role: &str, action: Action) -> Result<(), ApiError> {
    if allows(role(stored_role), action) {
        Ok(())
    } else {
        Err(refusal(stored_role, action))
    }
}

/// The 403 `role-forbidden` for a member in `stored_role` asking for `action`.
pub fn refusal(stored_role: &str, action: Action) -> ApiError {
    ApiError::new(ErrorCode::RoleForbidden).detail(format!(
        "a {stored_role} of this home may not {}",
        action_words(action)
    ))
}

fn action_words(action: Action) -> &'static str {
    match action {
        Action::ReportRepair => "report repairs",
        Action::Complain => "send feedback",
        Action::IssuePasses => "issue visitor passes",
        Action::ReadNotices => "read notices",
        Action::PayBills => "pay bills",
        Action::PayPropertyFee => "see or pay the property fee",
        Action::Invite => "invite",
        Action::SeeMembers => "see the home's members",
        Action::ManageMembers => "manage the home's members",
        Action::DecideHomeRequests => "decide requests to bind the home",
        Action::MoveOut => "move out",
        Action::Other => "do this",
    }
}

/// Whether a bill whose lines have these items is the tenant's.
pub fn is_tenants_bill(items: impl IntoIterator<Item = FeeItem>) -> bool {
    items.into_iter().all(|i| TENANT_FEE_ITEMS.contains(&i))
}

/// The stored names of [`TENANT_FEE_ITEMS`] as an SQL list (`'water', …`), for queries that
/// filter a tenant's bills and receipts in the database.
pub fn tenant_items_sql() -> String {
    TENANT_FEE_ITEMS
        .iter()
        .map(|i| {
            let name = serde_json::to_value(i)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            format!("'{name}'")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The stored names of the roles that may take `action`, as an SQL list (`'owner', …`), for
/// queries over all of a resident's homes at once.
pub fn roles_sql(action: Action) -> String {
    [
        (MembershipRole::Owner, "owner"),
        (MembershipRole::Family, "family"),
        (MembershipRole::Tenant, "tenant"),
    ]
    .iter()
    .filter(|(r, _)| allows(*r, action))
    .map(|(_, name)| format!("'{name}'"))
    .collect::<Vec<_>>()
    .join(", ")
}

/// Whether a member in `stored_role` sees every bill of the home (else only the tenant's).
pub fn sees_all_bills(stored_role: &str) -> bool {
    allows(role(stored_role), Action::PayPropertyFee)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_matrix_as_documented() {
        use Action as A;
        let owner = allowed(MembershipRole::Owner, MembershipState::Active);
        assert_eq!(owner, ACTIONS, "an owner may do everything");
        let family = allowed(MembershipRole::Family, MembershipState::Active);
        for a in [A::Invite, A::ManageMembers, A::DecideHomeRequests] {
            assert!(!family.contains(&a), "family may not {a:?}");
        }
        assert!(family.contains(&A::PayPropertyFee), "family pay every bill");
        let tenant = allowed(MembershipRole::Tenant, MembershipState::Active);
        assert_eq!(
            tenant,
            [
                A::ReportRepair,
                A::Complain,
                A::IssuePasses,
                A::ReadNotices,
                A::PayBills,
                A::MoveOut
            ],
            "a tenant's rights"
        );
        assert!(
            allowed(MembershipRole::Owner, MembershipState::Ended).is_empty(),
            "an ended membership allows nothing"
        );
        assert!(
            !allows(MembershipRole::Other, A::ReadNotices),
            "unknown roles get nothing"
        );
    }

    #[test]
    fn a_tenants_bill_is_utilities_and_parking_only() {
        assert!(is_tenants_bill([FeeItem::Water, FeeItem::Parking]));
        assert!(!is_tenants_bill([FeeItem::Water, FeeItem::PropertyFee]));
        assert!(
            !is_tenants_bill([FeeItem::Other]),
            "unknown items are not the tenant's"
        );
        assert_eq!(roles_sql(Action::PayPropertyFee), "'owner', 'family'");
        assert_eq!(
            tenant_items_sql(),
            "'water', 'electricity', 'shared_area', 'parking'"
        );
    }
}
