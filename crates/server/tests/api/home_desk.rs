//! The property's side of home requests: the desk (staff API) sees and decides only the
//! pending requests of the communities it serves, in a role that may (service staff and
//! managers); the command line records owners and decides for every community.

use crate::homes::{
    NEWCOMER, ROOM_601, ROOM_801, SECOND, ask, by_code, json_of, made, roles_in_me, room, unit,
};
use crate::tickets::{enrol, post};
use crate::{Fixture, expect_problem};
use linli_server::extract::StaffRole;
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn the_desk_decides_within_its_communities_and_role() {
    let fx = Fixture::start().await;
    let token = by_code(&fx, NEWCOMER).await;
    let here = made(
        ask(&fx, &token, json!({"unit_id": unit(&fx, &token, ROOM_801).await, "relation": "owner", "owner_name": "陈晶"})).await,
    )
    .await;
    let there = made(
        ask(
            &fx,
            &token,
            json!({"unit_id": unit(&fx, &token, ROOM_601).await, "relation": "family"}),
        )
        .await,
    )
    .await;
    assert_eq!(
        there["waits_for"], "desk",
        "601 has a tenant and no owner bound: the desk"
    );
    let cuihu = enrol(&fx, StaffRole::Service, &["翠湖花园"]).await;
    let list = json_of(&fx, "/v1/staff/home-requests", &cuihu).await;
    let ids: Vec<&Value> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|r| &r["id"])
        .collect();
    assert_eq!(
        ids,
        [&here["id"]],
        "only the requests of the communities served"
    );

    let far = there["id"].as_str().expect("id");
    let outside = post(
        &fx,
        &cuihu,
        &format!("/v1/staff/home-requests/{far}/approve"),
        None,
    )
    .await;
    expect_problem(outside, 404, "not-found").await;
    let engineer = enrol(&fx, StaffRole::Engineering, &["翠湖花园"]).await;
    let id = here["id"].as_str().expect("id");
    let not_theirs = post(
        &fx,
        &engineer,
        &format!("/v1/staff/home-requests/{id}/approve"),
        None,
    )
    .await;
    expect_problem(not_theirs, 403, "forbidden").await;

    let approved = post(
        &fx,
        &cuihu,
        &format!("/v1/staff/home-requests/{id}/approve"),
        None,
    )
    .await;
    assert_eq!(approved.status(), StatusCode::OK);
    let approved: Value = approved.json().await.expect("json");
    assert_eq!(
        (&approved["state"], &approved["decided_by"]),
        (&json!("approved"), &json!("desk"))
    );
    assert_eq!(
        roles_in_me(&fx, &token).await,
        [("801".to_owned(), "owner".to_owned(), "active".to_owned())],
        "the desk's approval binds the owner"
    );
    let jinxiu = enrol(&fx, StaffRole::Manager, &["锦绣江南"]).await;
    let refused = post(
        &fx,
        &jinxiu,
        &format!("/v1/staff/home-requests/{far}/refuse"),
        Some(json!({"reason": "业主不认识申请人"})),
    )
    .await;
    assert_eq!(
        refused.status(),
        StatusCode::OK,
        "the desk decides a family request too"
    );
}

/// `linli-server …` on the running server's data folder, as the property runs it; its
/// standard output, or the failure's standard error.
fn cli(fx: &Fixture, args: &[&str]) -> Result<String, String> {
    let data_dir = fx._dir.path().join("server");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_linli-server"))
        .args(&args[..1])
        .arg("--data-dir")
        .arg(&data_dir)
        .args(&args[1..])
        .output()
        .expect("run linli-server");
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

#[tokio::test]
async fn the_property_records_owners_and_decides_requests_from_the_command_line() {
    let fx = Fixture::start().await;
    let recorded = cli(
        &fx,
        &[
            "owner-record",
            "--community",
            "翠湖花园",
            "--building",
            "1栋",
            "--entrance",
            "2单元",
            "--room",
            "1101",
            "--name",
            "孙 磊",
        ],
    );
    assert!(recorded.is_ok(), "{recorded:?}");
    let missing = cli(
        &fx,
        &[
            "owner-record",
            "--community",
            "翠湖花园",
            "--building",
            "9栋",
            "--room",
            "1",
            "--name",
            "孙磊",
        ],
    );
    assert!(
        missing.as_ref().is_err_and(|e| e.contains("no room")),
        "a room that does not exist is said so: {missing:?}"
    );

    let token = by_code(&fx, NEWCOMER).await;
    let room = room(&fx, &token, ("翠湖花园", "1栋", "2单元", "1101")).await;
    assert_eq!(room["owner_hint"], "孙*", "the new record is hinted");
    let bound = made(
        ask(
            &fx,
            &token,
            json!({"unit_id": room["unit"]["id"], "relation": "owner", "owner_name": "孙磊"}),
        )
        .await,
    )
    .await;
    assert_eq!(
        bound["state"], "approved",
        "the recorded owner binds at once"
    );

    let other = by_code(&fx, SECOND).await;
    let asked = made(
        ask(&fx, &other, json!({"unit_id": unit(&fx, &other, ROOM_801).await, "relation": "owner", "owner_name": "陈晶"})).await,
    )
    .await;
    let id = asked["id"].as_str().expect("id");
    let listed = cli(&fx, &["home-requests", "list"]).expect("list");
    assert!(
        listed.contains(id),
        "the desk lists the pending request: {listed}"
    );
    let refused = cli(&fx, &["home-requests", "refuse", id, "证件与登记不符"]).expect("refuse");
    let refused: Value = serde_json::from_str(refused.trim()).expect("json");
    assert_eq!(
        (&refused["state"], &refused["decided_by"]),
        (&json!("refused"), &json!("desk"))
    );
    let again = cli(&fx, &["home-requests", "approve", id]);
    assert!(
        again
            .as_ref()
            .is_err_and(|e| e.contains("invalid-transition")),
        "decided once: {again:?}"
    );
    let mine = json_of(&fx, "/v1/home-requests", &other).await;
    assert_eq!(
        mine["items"][0]["reason"], "证件与登记不符",
        "the resident reads the desk's reason"
    );
}
