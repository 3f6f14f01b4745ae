//! The rights matrix (docs/rights.md) against the real server: one home (王芳's 翠湖花园 3栋2单元1502)
//! with an owner, a family member and a tenant made through invitations, and one table of
//! (role, endpoint, expected status) in which every cell is checked; each failure names its
//! cell. The `allowed` list each of them reads in `/v1/me` is checked against the same matrix.

use crate::bills::{bills, create_order, due, unpaid};
use crate::passes::pass_body;
use crate::tickets::{create as create_ticket, repair};
use crate::{Fixture, access};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

/// The three roles of one home, and one more family member for the owner to remove.
pub(crate) struct Home {
    /// (role name, access token, their membership as `/v1/me` shows it).
    pub(crate) members: Vec<(&'static str, String, Value)>,
    /// The extra family member: (token, membership id).
    pub(crate) spare: (String, String),
}

impl Home {
    pub(crate) fn member(&self, role: &str) -> &(&'static str, String, Value) {
        self.members
            .iter()
            .find(|(r, _, _)| *r == role)
            .expect("a member in that role")
    }
    pub(crate) fn id(&self, role: &str) -> String {
        self.member(role).2["id"]
            .as_str()
            .expect("membership id")
            .to_owned()
    }
    pub(crate) fn token(&self, role: &str) -> String {
        self.member(role).1.clone()
    }
}

pub(crate) async fn invite(
    fx: &Fixture,
    token: &str,
    membership: &str,
    body: Value,
) -> reqwest::Response {
    fx.request(
        Method::POST,
        &format!("/v1/memberships/{membership}/invitations"),
        Some(token),
    )
    .header("Idempotency-Key", format!("\"{}\"", Uuid::now_v7()))
    .json(&body)
    .send()
    .await
    .expect("invite")
}

/// `phone` is invited by the owner in `role` (a tenant until `ends_on`), signs in by SMS code
/// and accepts: (token, the membership).
pub(crate) async fn join(
    fx: &Fixture,
    owner: &str,
    home: &str,
    phone: &str,
    role: &str,
    ends_on: Option<chrono::NaiveDate>,
) -> (String, Value) {
    let mut body = json!({"phone": phone, "role": role});
    if let Some(day) = ends_on {
        body["ends_on"] = json!(day);
    }
    let made = invite(fx, owner, home, body).await;
    assert_eq!(
        made.status(),
        StatusCode::CREATED,
        "the owner invites {role}"
    );
    let made: Value = made.json().await.expect("invitation");
    let token = access(&fx.sign_in_by_code(phone).await);
    let joined = fx
        .request(
            Method::POST,
            &format!(
                "/v1/invitations/{}/accept",
                made["id"].as_str().expect("id")
            ),
            Some(&token),
        )
        .send()
        .await
        .expect("accept");
    assert_eq!(joined.status(), StatusCode::OK, "{role} accepts");
    (token, joined.json().await.expect("membership"))
}

/// 王芳's owned home with family (13900000061), a tenant (13900000062, thirty days) and a
/// spare family member (13900000063).
pub(crate) async fn home(fx: &Fixture) -> Home {
    let owner = fx.wang_fang().await;
    let me: Value = fx.get("/v1/me", &owner).await.json().await.expect("me");
    let owned = me["memberships"]
        .as_array()
        .expect("memberships")
        .iter()
        .find(|m| m["role"] == "owner")
        .expect("王芳 owns a home")
        .clone();
    let id = owned["id"].as_str().expect("id").to_owned();
    let (family, family_m) = join(fx, &owner, &id, "13900000061", "family", None).await;
    let last = (fx.clock.now() + chrono::Duration::days(30)).date_naive();
    let (tenant, tenant_m) = join(fx, &owner, &id, "13900000062", "tenant", Some(last)).await;
    let (spare, spare_m) = join(fx, &owner, &id, "13900000063", "family", None).await;
    Home {
        members: vec![
            ("owner", owner, owned),
            ("family", family, family_m),
            ("tenant", tenant, tenant_m),
        ],
        spare: (spare, spare_m["id"].as_str().expect("id").to_owned()),
    }
}

fn has_item(bill: &Value, item: &str) -> bool {
    bill["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .any(|l| l["fee_item"] == item)
}

/// One endpoint of the table, called for a role.
#[derive(Clone, Copy, Debug)]
enum Call {
    Repair,
    Complaint,
    IssuePass,
    RevokePass,
    Notices,
    Bills,
    PropertyFeeBill,
    UtilityBill,
    PayPropertyFee,
    PayUtilities,
    PropertyFeeReceipt,
    UtilityReceipt,
    Ledger,
    Invite,
    Members,
    RemoveMember,
}

/// Context the calls need: ids of the home's bills and receipts.
struct Known {
    property_bill: Value,
    utility_bill: Value,
    property_receipt: String,
    utility_receipt: String,
    community: String,
}

async fn call(fx: &Fixture, home: &Home, known: &Known, role: &str, what: Call) -> StatusCode {
    let token = home.token(role);
    let membership = home.id(role);
    let get = |path: String| async move { fx.get(&path, &token).await.status() };
    match what {
        Call::Repair => create_ticket(fx, &home.token(role), repair(fx, &membership, &[]))
            .await
            .status(),
        Call::Complaint => {
            let body = json!({
                "id": Uuid::now_v7(), "membership_id": membership, "kind": "complaint",
                "category": "fees", "place": "unit", "urgency": "normal",
                "description": "楼道灯坏了一周还没有人来修。",
            });
            create_ticket(fx, &home.token(role), body).await.status()
        }
        Call::IssuePass | Call::RevokePass => {
            let made = crate::passes::create(
                fx,
                &home.token(role),
                &pass_body(fx, &home.member(role).2),
                &Uuid::now_v7().to_string(),
            )
            .await;
            if matches!(what, Call::IssuePass) || made.status() != StatusCode::CREATED {
                return made.status();
            }
            let pass: Value = made.json().await.expect("pass");
            fx.request(
                Method::POST,
                &format!("/v1/passes/{}/revoke", pass["id"].as_str().expect("id")),
                Some(&home.token(role)),
            )
            .send()
            .await
            .expect("revoke")
            .status()
        }
        Call::Notices => get(format!("/v1/notices?community_id={}", known.community)).await,
        Call::Bills => get(format!("/v1/bills?membership_id={membership}")).await,
        Call::PropertyFeeBill => {
            get(format!(
                "/v1/bills/{}",
                known.property_bill["id"].as_str().expect("id")
            ))
            .await
        }
        Call::UtilityBill => {
            get(format!(
                "/v1/bills/{}",
                known.utility_bill["id"].as_str().expect("id")
            ))
            .await
        }
        Call::PayPropertyFee | Call::PayUtilities => {
            let bill = if matches!(what, Call::PayPropertyFee) {
                &known.property_bill
            } else {
                &known.utility_bill
            };
            let key = Uuid::now_v7().to_string();
            let made = create_order(
                fx,
                &home.token(role),
                &membership,
                &[bill],
                due(&[bill]),
                &key,
            )
            .await;
            let status = made.status();
            if status == StatusCode::CREATED {
                // Let the next role pay the same bill: this order steps aside.
                let cancel = fx
                    .request(
                        Method::POST,
                        &format!("/v1/payment-orders/{key}/cancel"),
                        Some(&home.token(role)),
                    )
                    .send()
                    .await
                    .expect("cancel");
                assert_eq!(cancel.status(), StatusCode::OK, "the order is cancelled");
            }
            status
        }
        Call::PropertyFeeReceipt => get(format!("/v1/receipts/{}", known.property_receipt)).await,
        Call::UtilityReceipt => get(format!("/v1/receipts/{}", known.utility_receipt)).await,
        Call::Ledger => get(format!("/v1/ledger?membership_id={membership}")).await,
        Call::Invite => {
            let phone = format!("1370000{:04}", fastrand_digits());
            crate::roles::invite(
                fx,
                &home.token(role),
                &membership,
                json!({"phone": phone, "role": "family"}),
            )
            .await
            .status()
        }
        Call::Members => get(format!("/v1/memberships/{membership}/members")).await,
        Call::RemoveMember => fx
            .request(
                Method::DELETE,
                &format!("/v1/memberships/{membership}/members/{}", home.spare.1),
                Some(&home.token(role)),
            )
            .send()
            .await
            .expect("remove")
            .status(),
    }
}

/// Four digits that differ between calls (numbers to invite).
fn fastrand_digits() -> u16 {
    (Uuid::now_v7().as_u128() % 10_000) as u16
}

#[tokio::test]
async fn every_cell_of_the_rights_matrix() {
    let fx = Fixture::start().await;
    let home = home(&fx).await;
    let owner = home.token("owner");
    let all = bills(&fx, &owner, &home.id("owner")).await;
    let open = unpaid(&all);
    let property_bill = open
        .iter()
        .find(|b| has_item(b, "property_fee"))
        .expect("an unpaid property-fee bill")
        .clone();
    let utility_bill = open
        .iter()
        .find(|b| has_item(b, "water"))
        .expect("an unpaid water and power bill")
        .clone();
    let receipts: Value = fx
        .get(
            &format!("/v1/receipts?membership_id={}", home.id("owner")),
            &owner,
        )
        .await
        .json()
        .await
        .expect("receipts");
    let receipt_for = |item: &str| {
        let bill_ids: Vec<&Value> = all
            .iter()
            .filter(|b| has_item(b, item))
            .map(|b| &b["id"])
            .collect();
        receipts["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|r| bill_ids.contains(&&r["lines"][0]["bill_id"]))
            .and_then(|r| r["id"].as_str())
            .expect("a receipt of that item")
            .to_owned()
    };
    let known = Known {
        property_receipt: receipt_for("property_fee"),
        utility_receipt: receipt_for("water"),
        community: home.member("owner").2["community"]["id"]
            .as_str()
            .expect("community")
            .to_owned(),
        property_bill,
        utility_bill,
    };

    use Call as C;
    const OK: u16 = 200;
    const MADE: u16 = 201;
    const GONE: u16 = 204;
    const NO: u16 = 403;
    // (endpoint, [owner, family, tenant]).
    let table: &[(Call, [u16; 3])] = &[
        (C::Repair, [MADE, MADE, MADE]),
        (C::Complaint, [MADE, MADE, MADE]),
        (C::IssuePass, [MADE, MADE, MADE]),
        (C::RevokePass, [OK, OK, OK]),
        (C::Notices, [OK, OK, OK]),
        (C::Bills, [OK, OK, OK]),
        (C::PropertyFeeBill, [OK, OK, NO]),
        (C::UtilityBill, [OK, OK, OK]),
        (C::PayPropertyFee, [MADE, MADE, NO]),
        (C::PayUtilities, [MADE, MADE, MADE]),
        (C::PropertyFeeReceipt, [OK, OK, NO]),
        (C::UtilityReceipt, [OK, OK, OK]),
        (C::Ledger, [OK, OK, NO]),
        (C::Invite, [MADE, NO, NO]),
        (C::Members, [OK, OK, NO]),
        (C::RemoveMember, [GONE, NO, NO]),
    ];
    let mut wrong = Vec::new();
    for (what, expected) in table {
        // The removal cell runs family and tenant first: the owner's 204 ends the spare.
        let order: &[(usize, &str)] = if matches!(what, C::RemoveMember) {
            &[(1, "family"), (2, "tenant"), (0, "owner")]
        } else {
            &[(0, "owner"), (1, "family"), (2, "tenant")]
        };
        for (i, role) in order {
            let want = expected[*i];
            let got = call(&fx, &home, &known, role, *what).await;
            if got.as_u16() != want {
                wrong.push(format!("{role} × {what:?}: {got}, expected {want}"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "cells that disagree with the matrix: {wrong:#?}"
    );

    // A tenant's bill list holds only the tenant's bills; family see the property fee.
    let tenant_bills = bills(&fx, &home.token("tenant"), &home.id("tenant")).await;
    assert!(
        !tenant_bills.is_empty(),
        "the tenant sees the home's utility bills"
    );
    assert!(
        tenant_bills.iter().all(|b| !has_item(b, "property_fee")),
        "a tenant does not see property-fee bills"
    );
    let family_bills = bills(&fx, &home.token("family"), &home.id("family")).await;
    assert_eq!(
        family_bills.len(),
        all.len(),
        "family see every bill of the home"
    );
}

#[tokio::test]
async fn each_membership_lists_what_its_role_allows() {
    let fx = Fixture::start().await;
    let home = home(&fx).await;
    let expected = [
        (
            "owner",
            json!([
                "report_repair",
                "complain",
                "issue_passes",
                "read_notices",
                "pay_bills",
                "pay_property_fee",
                "invite",
                "see_members",
                "manage_members",
                "decide_home_requests",
                "move_out"
            ]),
        ),
        (
            "family",
            json!([
                "report_repair",
                "complain",
                "issue_passes",
                "read_notices",
                "pay_bills",
                "pay_property_fee",
                "see_members",
                "move_out"
            ]),
        ),
        (
            "tenant",
            json!([
                "report_repair",
                "complain",
                "issue_passes",
                "read_notices",
                "pay_bills",
                "move_out"
            ]),
        ),
    ];
    for (role, allowed) in expected {
        let me: Value = fx
            .get("/v1/me", &home.token(role))
            .await
            .json()
            .await
            .expect("me");
        let mine = me["memberships"]
            .as_array()
            .expect("memberships")
            .iter()
            .find(|m| m["id"].as_str() == Some(home.id(role).as_str()))
            .expect("the home")
            .clone();
        assert_eq!(
            mine["allowed"], allowed,
            "what a {role} may do, as /v1/me says"
        );
        assert_eq!(mine["role"], role);
    }
    let tenant: Value = fx
        .get("/v1/me", &home.token("tenant"))
        .await
        .json()
        .await
        .expect("me");
    assert!(
        tenant["memberships"][0]["ends_on"].is_string(),
        "a tenant's membership carries its last day"
    );
}
