//! Staff reach only the communities they serve, in their role: another community's ticket
//! and its photos are not found; a step outside the role is forbidden; a community of another
//! company cannot be given to them at all.

use crate::tickets::{create, enrol, household, photo, post, repair};
use crate::{Fixture, expect_problem};
use linli_server::extract::StaffRole;
use linli_server::features::tickets::{Enrolment, add_staff};
use linli_server::seed::{DEMO_COMPANY, LI_QIANG_PHONE};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Li Qiang (翠湖花园) reports a repair with a photo; (ticket id, photo id).
async fn li_qiangs_repair(fx: &Fixture) -> (String, uuid::Uuid) {
    let token = crate::access(&fx.login(LI_QIANG_PHONE).await);
    let membership = household(fx, &token).await;
    let shot = photo(fx, &token).await;
    let created = create(fx, &token, repair(fx, &membership, &[shot])).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let ticket: Value = created.json().await.expect("ticket");
    (ticket["id"].as_str().expect("id").to_owned(), shot)
}

async fn act(fx: &Fixture, staff: &str, ticket: &str, action: Value) -> reqwest::Response {
    post(
        fx,
        staff,
        &format!("/v1/staff/tickets/{ticket}/actions"),
        Some(action),
    )
    .await
}

#[tokio::test]
async fn another_communitys_tickets_and_photos_do_not_exist_for_staff() {
    let fx = Fixture::start().await;
    let (ticket, shot) = li_qiangs_repair(&fx).await;
    let elsewhere = enrol(&fx, StaffRole::Manager, &["锦绣江南"]).await;
    let exists = fx
        .count("SELECT COUNT(*) FROM tickets WHERE id = ?", &ticket)
        .await;
    assert_eq!(
        exists, 1,
        "the ticket exists: the 404 below is the scope, not a typo"
    );

    let refused = act(&fx, &elsewhere, &ticket, json!({"action": "accept"})).await;
    expect_problem(refused, 404, "not-found").await;
    let by_number: String = sqlx::query_scalar("SELECT number FROM tickets WHERE id = ?")
        .bind(&ticket)
        .fetch_one(&fx.server.state.db)
        .await
        .expect("number");
    let refused = act(&fx, &elsewhere, &by_number, json!({"action": "accept"})).await;
    expect_problem(refused, 404, "not-found").await;
    let photo = fx.get(&format!("/v1/attachments/{shot}"), &elsewhere).await;
    expect_problem(photo, 404, "not-found").await;
    let events = fx
        .count(
            "SELECT COUNT(*) FROM ticket_events WHERE ticket_id = ? AND actor = 'staff'",
            &ticket,
        )
        .await;
    assert_eq!(events, 0, "nothing was done to the ticket");

    let here = enrol(&fx, StaffRole::Service, &["翠湖花园"]).await;
    assert_eq!(
        fx.get(&format!("/v1/attachments/{shot}"), &here)
            .await
            .status(),
        StatusCode::OK,
        "staff of the ticket's community see its photos"
    );
    let accepted = act(&fx, &here, &by_number, json!({"action": "accept"})).await;
    assert_eq!(
        accepted.status(),
        StatusCode::OK,
        "and take it in by its number"
    );
}

#[tokio::test]
async fn each_role_takes_only_its_own_steps() {
    let fx = Fixture::start().await;
    let (ticket, _) = li_qiangs_repair(&fx).await;
    let desk = enrol(&fx, StaffRole::Service, &["翠湖花园"]).await;
    let engineer = enrol(&fx, StaffRole::Engineering, &["翠湖花园"]).await;

    let refused = act(&fx, &engineer, &ticket, json!({"action": "accept"})).await;
    let body = expect_problem(refused, 403, "forbidden").await;
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("accept")),
        "{body}"
    );
    assert_eq!(
        act(&fx, &desk, &ticket, json!({"action": "accept"}))
            .await
            .status(),
        StatusCode::OK
    );
    let assign = json!({"action": "assign", "assignee": "王师傅（水电工）"});
    assert_eq!(
        act(&fx, &desk, &ticket, assign).await.status(),
        StatusCode::OK
    );
    let refused = act(&fx, &desk, &ticket, json!({"action": "start"})).await;
    expect_problem(refused, 403, "forbidden").await;
    assert_eq!(
        act(&fx, &engineer, &ticket, json!({"action": "start"}))
            .await
            .status(),
        StatusCode::OK
    );
    let finish = json!({"action": "complete", "note": "已更换阀门"});
    expect_problem(
        act(&fx, &desk, &ticket, finish.clone()).await,
        403,
        "forbidden",
    )
    .await;
    assert_eq!(
        act(&fx, &engineer, &ticket, finish).await.status(),
        StatusCode::OK
    );
    let states: Vec<String> = sqlx::query_scalar("SELECT state FROM tickets WHERE id = ?")
        .bind(&ticket)
        .fetch_all(&fx.server.state.db)
        .await
        .expect("state");
    assert_eq!(
        states,
        ["completed"],
        "the refused steps changed nothing on the way"
    );
}

#[tokio::test]
async fn staff_are_enrolled_only_for_their_own_companys_communities() {
    let fx = Fixture::start().await;
    sqlx::query(
        "INSERT INTO communities (id, name, address, property_company, service_phone) \
         VALUES ('0193a000-0000-7000-8000-0000000000cc', '碧水湾', '西湖区', '别家物业', '0571-1')",
    )
    .execute(&fx.server.state.db)
    .await
    .expect("another company's community");
    for communities in [
        vec!["翠湖花园".to_owned(), "碧水湾".to_owned()],
        vec!["不存在".to_owned()],
    ] {
        let who = Enrolment {
            name: "王五",
            post: "客服",
            role: StaffRole::Manager,
            company: DEMO_COMPANY,
            communities: &communities,
        };
        let refused = add_staff(&fx.server.state.db, &who, fx.clock.now_ms()).await;
        assert!(refused.is_err(), "{communities:?} is refused");
    }
    let staff = fx
        .count("SELECT COUNT(*) FROM staff WHERE name = ?", "王五")
        .await;
    assert_eq!(
        staff, 0,
        "a refused enrolment leaves no staff member behind"
    );
}
