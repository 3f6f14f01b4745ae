//! How far a gate is trusted: a short code finds only passes of its group, and an entry counts
//! only for its group, inside the pass's window (on the server's clock), before a revocation
//! and at most `max_entries` times, however the entries arrive (re-sent, in parallel).

use crate::Fixture;
use crate::passes::{create, first_membership, gate_get, pass_body};
use chrono::{DateTime, Duration, Utc};
use linli_server::features::gate::add_gate;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

/// A pass of Wang Fang's household; `shape` adjusts the body first.
async fn pass(fx: &Fixture, token: &str, shape: impl FnOnce(&mut Value)) -> Value {
    let household = first_membership(fx, token).await;
    let mut body = pass_body(fx, &household);
    shape(&mut body);
    let response = create(fx, token, &body, &Uuid::now_v7().to_string()).await;
    assert_eq!(response.status(), StatusCode::CREATED, "a pass is issued");
    response.json().await.expect("pass")
}

async fn gate(fx: &Fixture, group: &str) -> String {
    add_gate(
        &fx.server.state.db,
        "翠湖花园",
        group,
        group,
        fx.clock.now_ms(),
    )
    .await
    .expect("gate")
    .1
}

/// Posts entries `(id, at)` of `pass`; the outcome.
async fn enter(fx: &Fixture, gate: &str, pass: &Value, entries: &[(Uuid, DateTime<Utc>)]) -> Value {
    let entries: Vec<Value> = entries
        .iter()
        .map(|(id, at)| json!({"id": id, "pass_id": pass["id"], "at": at}))
        .collect();
    let response = fx
        .request(Method::POST, "/v1/gate/entries", Some(gate))
        .json(&json!({ "entries": entries }))
        .send()
        .await
        .expect("entries");
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "a batch is judged entry by entry"
    );
    response.json().await.expect("outcome")
}

fn refusals(outcome: &Value) -> Vec<String> {
    outcome["refused"]
        .as_array()
        .expect("refused")
        .iter()
        .map(|r| r["code"].as_str().expect("code").to_owned())
        .collect()
}

async fn entries_seen(fx: &Fixture, token: &str, pass: &Value) -> usize {
    let id = pass["id"].as_str().expect("id");
    let seen: Value = fx
        .get(&format!("/v1/passes/{id}"), token)
        .await
        .json()
        .await
        .expect("pass");
    seen["entries"].as_array().expect("entries").len()
}

#[tokio::test]
async fn another_groups_gate_finds_no_code_and_its_entries_do_not_count() {
    let fx = Fixture::start().await;
    let token = fx.wang_fang().await;
    // No plate: a pedestrian pass only.
    let walk = pass(&fx, &token, |body| body["plate"] = Value::Null).await;
    assert_eq!(walk["gate_groups"], json!(["pedestrian"]));
    let code = walk["short_code"].as_str().expect("code");
    let vehicle = gate(&fx, "vehicle").await;
    let pedestrian = gate(&fx, "pedestrian").await;

    let looked = gate_get(&fx, &vehicle, &format!("/v1/gate/codes/{code}")).await;
    assert_eq!(
        looked.status(),
        StatusCode::NOT_FOUND,
        "the car gate does not find a pedestrian pass by its code"
    );
    let found = gate_get(&fx, &pedestrian, &format!("/v1/gate/codes/{code}")).await;
    assert_eq!(found.status(), StatusCode::OK, "its own group's gate does");

    let outcome = enter(&fx, &vehicle, &walk, &[(Uuid::now_v7(), fx.clock.now())]).await;
    assert_eq!(outcome["counted"], 0);
    assert_eq!(refusals(&outcome), ["pass-wrong-gate-group"]);
    assert_eq!(
        entries_seen(&fx, &token, &walk).await,
        0,
        "a refused entry is no entry"
    );
}

#[tokio::test]
async fn entries_count_only_inside_the_window_on_the_servers_clock() {
    let fx = Fixture::start().await;
    let token = fx.wang_fang().await;
    let now = fx.clock.now();
    let later = pass(&fx, &token, |body| {
        body["valid_from"] = json!(now + Duration::hours(1));
        body["valid_until"] = json!(now + Duration::hours(3));
    })
    .await;
    let gate = gate(&fx, "pedestrian").await;

    let early = enter(&fx, &gate, &later, &[(Uuid::now_v7(), now)]).await;
    assert_eq!(
        refusals(&early),
        ["pass-not-yet-valid"],
        "before its window"
    );
    // A gate whose clock runs two hours ahead claims a time inside the window: the server's
    // clock has not reached it.
    let ahead = enter(
        &fx,
        &gate,
        &later,
        &[(Uuid::now_v7(), now + Duration::hours(2))],
    )
    .await;
    assert_eq!(
        refusals(&ahead),
        ["pass-not-yet-valid"],
        "an entry from the future"
    );

    fx.clock.advance(std::time::Duration::from_secs(4 * 3600));
    let token = fx.wang_fang().await;
    let late = enter(
        &fx,
        &gate,
        &later,
        &[
            (Uuid::now_v7(), now + Duration::hours(2)),
            (Uuid::now_v7(), fx.clock.now()),
        ],
    )
    .await;
    assert_eq!(
        late["counted"], 1,
        "one let in inside the window, uploaded late, counts"
    );
    assert_eq!(
        refusals(&late),
        ["pass-expired"],
        "one after its window does not"
    );
    assert_eq!(entries_seen(&fx, &token, &later).await, 1);
}

#[tokio::test]
async fn the_entry_past_max_entries_is_refused_and_re_sending_changes_nothing() {
    let fx = Fixture::start().await;
    let token = fx.wang_fang().await;
    let two = pass(&fx, &token, |_| {}).await;
    assert_eq!(two["max_entries"], 2);
    let east = gate(&fx, "pedestrian").await;
    let west = gate(&fx, "pedestrian").await;
    let now = fx.clock.now();
    let batch = [(Uuid::now_v7(), now), (Uuid::now_v7(), now)];
    let first = enter(&fx, &east, &two, &batch).await;
    assert_eq!(
        (first["counted"].as_u64(), refusals(&first).len()),
        (Some(2), 0)
    );
    // The west gate, offline meanwhile, let the visitor in a third time.
    let third = (Uuid::now_v7(), now);
    let over = enter(&fx, &west, &two, &[third]).await;
    assert_eq!(refusals(&over), ["pass-used-up"], "the (max+1)th entry");
    assert_eq!(over["refused"][0]["id"], json!(third.0));

    let again = enter(&fx, &east, &two, &batch).await;
    assert_eq!(again["counted"], 2, "a re-sent batch answers as before");
    let over_again = enter(&fx, &west, &two, &[third]).await;
    assert_eq!(
        refusals(&over_again),
        ["pass-used-up"],
        "and so does a re-sent refusal"
    );
    assert_eq!(
        entries_seen(&fx, &token, &two).await,
        2,
        "counted once each"
    );
}

#[tokio::test]
async fn parallel_entries_at_the_limit_are_counted_at_most_max_entries_times() {
    let fx = Fixture::start().await;
    let token = fx.wang_fang().await;
    let two = pass(&fx, &token, |_| {}).await;
    let gates = [gate(&fx, "pedestrian").await, gate(&fx, "pedestrian").await];
    let now = fx.clock.now();
    let tries = (0..12).map(|i| {
        let gate = gates[i % 2].clone();
        let two = two.clone();
        let fx = &fx;
        async move { enter(fx, &gate, &two, &[(Uuid::now_v7(), now)]).await }
    });
    let outcomes = futures::future::join_all(tries).await;
    let counted: u64 = outcomes
        .iter()
        .map(|o| o["counted"].as_u64().expect("n"))
        .sum();
    let used_up = outcomes
        .iter()
        .flat_map(refusals)
        .filter(|code| code == "pass-used-up")
        .count();
    assert_eq!(
        (counted, used_up),
        (2, 10),
        "twelve at once: two counted, ten used up"
    );
    assert_eq!(entries_seen(&fx, &token, &two).await, 2);
}

#[tokio::test]
async fn an_entry_after_the_revocation_does_not_count_one_before_it_does() {
    let fx = Fixture::start().await;
    let token = fx.wang_fang().await;
    let pass = pass(&fx, &token, |_| {}).await;
    let gate = gate(&fx, "pedestrian").await;
    let before = fx.clock.now();
    fx.clock.advance(std::time::Duration::from_secs(60));
    let id = pass["id"].as_str().expect("id");
    let revoked = fx
        .request(
            Method::POST,
            &format!("/v1/passes/{id}/revoke"),
            Some(&token),
        )
        .send()
        .await
        .expect("revoke");
    assert_eq!(revoked.status(), StatusCode::OK);
    fx.clock.advance(std::time::Duration::from_secs(60));
    let outcome = enter(
        &fx,
        &gate,
        &pass,
        &[(Uuid::now_v7(), before), (Uuid::now_v7(), fx.clock.now())],
    )
    .await;
    assert_eq!(
        outcome["counted"], 1,
        "let in before the revocation, uploaded after"
    );
    assert_eq!(refusals(&outcome), ["pass-revoked"]);
}
