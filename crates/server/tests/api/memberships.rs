//! Leaving a home: the membership ends, the member's passes for it are revoked and reach the
//! gates' revocation list, the home's data leaves the member's lists (its tickets stay with
//! the home), writes for it are refused, and leaving is repeatable.

use crate::passes::{create as create_pass, first_membership, gate_get, pass_body};
use crate::tickets::{create as create_ticket, repair};
use crate::{Fixture, access, expect_problem};
use linli_server::features::gate::add_gate;
use linli_server::seed::LI_QIANG_PHONE;
use reqwest::{Method, StatusCode};
use serde_json::Value;

async fn leave(fx: &Fixture, token: &str, membership: &str) -> reqwest::Response {
    fx.request(
        Method::DELETE,
        &format!("/v1/memberships/{membership}"),
        Some(token),
    )
    .send()
    .await
    .expect("leave")
}

async fn items(fx: &Fixture, token: &str, path: &str) -> Vec<Value> {
    let list: Value = fx.get(path, token).await.json().await.expect("list");
    list["items"].as_array().expect("items").clone()
}

#[tokio::test]
async fn leaving_a_home_ends_it_revokes_its_passes_and_empties_its_lists() {
    let fx = Fixture::start().await;
    let token = access(&fx.login(LI_QIANG_PHONE).await);
    let home = first_membership(&fx, &token).await;
    let home_id = home["id"].as_str().expect("id").to_owned();
    let pass: Value = create_pass(
        &fx,
        &token,
        &pass_body(&fx, &home),
        &uuid::Uuid::now_v7().to_string(),
    )
    .await
    .json()
    .await
    .expect("pass");
    let report = create_ticket(&fx, &token, repair(&fx, &home_id, &[])).await;
    assert_eq!(report.status(), StatusCode::CREATED);
    let (_, gate) = add_gate(
        &fx.server.state.db,
        "翠湖花园",
        "pedestrian",
        "东门",
        fx.clock.now_ms(),
    )
    .await
    .expect("gate");
    let before: Value = gate_get(&fx, &gate, "/v1/gate/revocations")
        .await
        .json()
        .await
        .expect("delta");

    assert_eq!(
        leave(&fx, &token, &home_id).await.status(),
        StatusCode::NO_CONTENT
    );

    let me: Value = fx.get("/v1/me", &token).await.json().await.expect("me");
    let ended = me["memberships"]
        .as_array()
        .expect("memberships")
        .iter()
        .find(|m| m["id"] == home_id.as_str())
        .expect("the home is still named, as ended");
    assert_eq!(ended["state"], "ended");
    let since = before["next"].as_str().expect("next");
    let delta: Value = gate_get(&fx, &gate, &format!("/v1/gate/revocations?since={since}"))
        .await
        .json()
        .await
        .expect("delta");
    assert_eq!(
        delta["revoked"],
        serde_json::json!([pass["id"]]),
        "gates learn the revocation"
    );
    assert!(
        items(&fx, &token, "/v1/passes").await.is_empty(),
        "no passes for a home left"
    );
    assert!(
        items(&fx, &token, "/v1/tickets").await.is_empty(),
        "no tickets listed for it"
    );
    let bills = fx
        .get(&format!("/v1/bills?membership_id={home_id}"), &token)
        .await;
    expect_problem(bills, 403, "membership-required").await;
    let kept = fx
        .count(
            "SELECT COUNT(*) FROM tickets WHERE membership_id = ?",
            &home_id,
        )
        .await;
    assert_eq!(kept, 1, "the ticket stays with the home");
    let feed = fx
        .count(
            "SELECT COUNT(*) FROM change_log WHERE kind = 'membership' AND entity_id = ?",
            &home_id,
        )
        .await;
    assert_eq!(
        feed, 2,
        "the seed's row and the leaving: the app learns it at its next sync"
    );

    let again = create_pass(
        &fx,
        &token,
        &pass_body(&fx, &home),
        &uuid::Uuid::now_v7().to_string(),
    )
    .await;
    expect_problem(again, 403, "membership-required").await;
    assert_eq!(
        leave(&fx, &token, &home_id).await.status(),
        StatusCode::NO_CONTENT,
        "leaving again is fine"
    );
    let revocations = fx
        .count(
            "SELECT COUNT(*) FROM pass_revocations WHERE pass_id = ?",
            pass["id"].as_str().expect("id"),
        )
        .await;
    assert_eq!(revocations, 1, "and revokes nothing twice");
}

#[tokio::test]
async fn nobody_leaves_for_another_resident() {
    let fx = Fixture::start().await;
    let li = access(&fx.login(LI_QIANG_PHONE).await);
    let wang = fx.wang_fang().await;
    let hers = first_membership(&fx, &wang).await;
    let hers = hers["id"].as_str().expect("id");
    expect_problem(leave(&fx, &li, hers).await, 404, "not-found").await;
    let state: Vec<String> = sqlx::query_scalar("SELECT state FROM memberships WHERE id = ?")
        .bind(hers)
        .fetch_all(&fx.server.state.db)
        .await
        .expect("state");
    assert_eq!(state, ["active"], "her home is hers");
}
