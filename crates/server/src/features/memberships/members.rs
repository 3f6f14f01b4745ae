//! A home's members as its owner manages them, no HTTP: the list (owner and family see it;
//! names and phones masked, the caller's own name in full) and the owner removing a family
//! member or tenant. Removing ends the membership exactly as leaving does ([`store::end`]):
//! passes revoked, lists emptied, the change reaching the removed member's app. An owner is
//! never removed here (they move out themselves), nor is the caller.

use chrono::NaiveDate;
use linli_wire::ErrorCode;
use linli_wire::MembershipId;
use linli_wire::me::{Action, HomeMember, MembershipRole};
use sqlx::SqliteConnection;
use uuid::Uuid;

use super::render::mask_phone;
use super::rules;
use super::store::{self, Left};
use crate::clock::from_ms;
use crate::db::parse_id;
use crate::error::{ApiError, ApiResult};

/// The caller's active membership `id` with the right `action`: (unit, stored role).
async fn acting(
    conn: &mut SqliteConnection,
    user: Uuid,
    id: Uuid,
    action: Action,
) -> ApiResult<(String, String)> {
    let (unit, role, state) = store::own(conn, user, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    if state != "active" {
        return Err(ApiError::new(ErrorCode::MembershipRequired));
    }
    rules::require(&role, action)?;
    Ok((unit, role))
}

/// Hides all but a name's first character: 王芳 → 王*.
pub fn mask_name(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) if chars.next().is_some() => format!("{first}*"),
        Some(first) => first.to_string(),
        None => String::new(),
    }
}

/// Whether a member in `role` may be removed by a manager (owners may not).
fn removable_role(role: MembershipRole) -> bool {
    matches!(role, MembershipRole::Family | MembershipRole::Tenant)
}

/// The active members of the home of `user`'s membership `id`.
pub async fn list(conn: &mut SqliteConnection, user: Uuid, id: Uuid) -> ApiResult<Vec<HomeMember>> {
    let (unit, my_role) = acting(conn, user, id, Action::SeeMembers).await?;
    let manages = rules::allows(rules::role(&my_role), Action::ManageMembers);
    let rows: Vec<(String, String, String, String, Option<String>, i64)> = sqlx::query_as(
        "SELECT m.id, u.display_name, u.phone, m.role, m.ends_on, m.created_at
         FROM memberships m JOIN users u ON u.id = m.user_id
         WHERE m.unit_id = ? AND m.state = 'active'
         ORDER BY (m.role = 'owner') DESC, m.created_at, m.id",
    )
    .bind(&unit)
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|(member, name, phone, role, ends_on, since)| {
            let is_me = member == id.to_string();
            let role = rules::role(&role);
            Ok(HomeMember {
                membership_id: MembershipId(parse_id(&member)?),
                name: if is_me { name } else { mask_name(&name) },
                phone_masked: mask_phone(&phone),
                role,
                ends_on: ends_on
                    .map(|d| d.parse::<NaiveDate>())
                    .transpose()
                    .map_err(|e| ApiError::internal(format!("a stored end date: {e}")))?,
                since: from_ms(since),
                is_me,
                removable: manages && !is_me && removable_role(role),
            })
        })
        .collect()
}

/// `user` (through their membership `id`) removes the member `member` from the home. Removing
/// one who has left already changes nothing (`Ok(false)`).
pub async fn remove(
    conn: &mut SqliteConnection,
    user: Uuid,
    id: Uuid,
    member: Uuid,
    now: i64,
) -> ApiResult<bool> {
    let (unit, _) = acting(conn, user, id, Action::ManageMembers).await?;
    let target: Option<(String, String)> =
        sqlx::query_as("SELECT role, state FROM memberships WHERE id = ? AND unit_id = ?")
            .bind(member.to_string())
            .bind(&unit)
            .fetch_optional(&mut *conn)
            .await?;
    let (role, state) = target.ok_or_else(ApiError::not_found)?;
    if member == id {
        return Err(ApiError::new(ErrorCode::InvalidTransition)
            .transition(state, Vec::new())
            .detail("you do not remove yourself: move out of the home instead"));
    }
    if !removable_role(rules::role(&role)) {
        return Err(ApiError::new(ErrorCode::InvalidTransition)
            .transition(state, Vec::new())
            .detail("an owner is not removed by another member"));
    }
    match store::end(conn, member, now).await? {
        Left::Now { passes_revoked } => {
            tracing::info!(%member, passes_revoked, "an owner removed a member");
            Ok(true)
        }
        Left::Already => Ok(false),
        Left::NotFound => Err(ApiError::not_found()),
    }
}

/// Ends every tenancy whose last day is before `today` (Beijing), as removal does
/// (housekeeping). Answers how many ended.
pub async fn end_tenancies(
    conn: &mut SqliteConnection,
    today: NaiveDate,
    now: i64,
) -> sqlx::Result<usize> {
    let due: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM memberships
         WHERE role = 'tenant' AND state = 'active' AND ends_on IS NOT NULL AND ends_on < ?",
    )
    .bind(today.to_string())
    .fetch_all(&mut *conn)
    .await?;
    let mut ended = 0;
    for id in due {
        if let Left::Now { passes_revoked } = store::end(conn, parse_id(&id)?, now).await? {
            tracing::info!(membership = %id, passes_revoked, "a tenancy reached its end date");
            ended += 1;
        }
    }
    Ok(ended)
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_keep_their_first_character() {
        assert_eq!(super::mask_name("王芳"), "王*");
        assert_eq!(super::mask_name("欧阳娜娜"), "欧*");
        assert_eq!(super::mask_name("王"), "王");
    }
}
