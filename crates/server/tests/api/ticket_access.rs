//! Who may see and use what in tickets, over HTTPS: nobody reads or uses another resident's
//! tickets or photos, and a complaint may name only a line of its own household's bill.

use crate::tickets::{create, household, photo, post, repair, staff};
use crate::{Fixture, access, expect_problem};
use linli_server::seed::LI_QIANG_PHONE;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

#[tokio::test]
async fn nobody_reads_or_uses_another_residents_tickets_or_photos() {
    let fx = Fixture::start().await;
    let token = fx.wang_fang().await;
    let membership = household(&fx, &token).await;
    let mine = photo(&fx, &token).await;
    let ticket: Value = create(&fx, &token, repair(&fx, &membership, &[mine]))
        .await
        .json()
        .await
        .expect("ticket");
    let id = ticket["id"].as_str().expect("id");
    let li = access(&fx.login(LI_QIANG_PHONE).await);
    expect_problem(
        fx.get(&format!("/v1/tickets/{id}"), &li).await,
        404,
        "not-found",
    )
    .await;
    expect_problem(
        post(&fx, &li, &format!("/v1/tickets/{id}/cancel"), None).await,
        404,
        "not-found",
    )
    .await;
    let li_membership = household(&fx, &li).await;
    let stolen = create(&fx, &li, repair(&fx, &li_membership, &[mine])).await;
    expect_problem(stolen, 422, "validation-failed").await;
    let reused = create(&fx, &token, repair(&fx, &membership, &[mine])).await;
    expect_problem(reused, 422, "validation-failed").await;
    let list: Value = fx.get("/v1/tickets", &li).await.json().await.expect("list");
    assert_eq!(list["items"].as_array().expect("items").len(), 0);

    expect_problem(
        fx.get(&format!("/v1/attachments/{mine}"), &li).await,
        404,
        "not-found",
    )
    .await;
    let staff = staff(&fx).await;
    assert_eq!(
        fx.get(&format!("/v1/attachments/{mine}"), &staff)
            .await
            .status(),
        StatusCode::OK,
        "staff see the photos of a ticket they work on"
    );
    let deleted = fx
        .request(Method::DELETE, &format!("/v1/uploads/{mine}"), Some(&token))
        .header("Tus-Resumable", "1.0.0")
        .send()
        .await
        .expect("delete");
    expect_problem(deleted, 403, "forbidden").await;
    assert_eq!(
        fx.get(&format!("/v1/attachments/{mine}"), &token)
            .await
            .status(),
        StatusCode::OK,
        "a photo on a ticket stays"
    );

    // Staff attach only their own uploads: not a resident's, not one that is already used.
    let loose = photo(&fx, &token).await;
    for action in [
        json!({"action": "accept"}),
        json!({"action": "assign", "assignee": "王师傅（水电工）"}),
        json!({"action": "start"}),
    ] {
        let response = post(
            &fx,
            &staff,
            &format!("/v1/staff/tickets/{id}/actions"),
            Some(action),
        )
        .await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    for taken in [loose, mine] {
        let refused = post(
            &fx,
            &staff,
            &format!("/v1/staff/tickets/{id}/actions"),
            Some(json!({"action": "complete", "note": "已处理", "attachment_ids": [taken]})),
        )
        .await;
        expect_problem(refused, 422, "validation-failed").await;
    }
    let li_sees = fx.get(&format!("/v1/attachments/{loose}"), &li).await;
    expect_problem(li_sees, 404, "not-found").await;
}

#[tokio::test]
async fn a_complaint_may_name_a_line_of_its_own_households_bill_and_nothing_else() {
    let fx = Fixture::start().await;
    let token = fx.wang_fang().await;
    let membership = household(&fx, &token).await;
    let bills: Value = fx
        .get(&format!("/v1/bills?membership_id={membership}"), &token)
        .await
        .json()
        .await
        .expect("bills");
    let line = bills["items"][0]["lines"][0]["id"]
        .as_str()
        .expect("a bill line")
        .to_owned();
    let complaint = |line: &str, kind: &str| {
        json!({
            "id": Uuid::now_v7(),
            "membership_id": membership,
            "kind": kind,
            "category": if kind == "complaint" { "fees" } else { "pipes" },
            "place": "unit",
            "urgency": "normal",
            "description": "本月水费读数不对，上月读数与账单不一致。",
            "bill_line_id": line,
        })
    };
    let created = create(&fx, &token, complaint(&line, "complaint")).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let ticket: Value = created.json().await.expect("ticket");
    assert_eq!(ticket["bill_line_id"], line.as_str());
    assert!(ticket["number"].as_str().expect("number").starts_with("TS"));

    let repair = create(&fx, &token, complaint(&line, "repair")).await;
    expect_problem(repair, 422, "validation-failed").await;

    let li = access(&fx.login(LI_QIANG_PHONE).await);
    let li_membership = household(&fx, &li).await;
    let mut theirs = complaint(&line, "complaint");
    theirs["membership_id"] = json!(li_membership);
    expect_problem(create(&fx, &li, theirs).await, 422, "validation-failed").await;
}
