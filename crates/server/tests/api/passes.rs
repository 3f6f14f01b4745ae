//! Visitor passes: issuing, privacy, idempotency, isolation, revocation, and the gate side.

use crate::{Fixture, access, expect_problem};
use base64::Engine;
use linli_server::features::gate::add_gate;
use linli_server::seed::LI_QIANG_PHONE;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

pub(crate) async fn first_membership(fx: &Fixture, token: &str) -> Value {
    let me: Value = fx.get("/v1/me", token).await.json().await.expect("me");
    me["memberships"][0].clone()
}

pub(crate) fn pass_body(fx: &Fixture, membership: &Value) -> Value {
    let from = fx.clock.now();
    json!({
        "id": uuid::Uuid::now_v7(),
        "membership_id": membership["id"],
        "visitor_name": "张建国",
        "visitor_phone": "13912345678",
        "plate": "浙A12345",
        "purpose": "探亲访友",
        "valid_from": from,
        "valid_until": from + chrono::Duration::hours(6),
        "max_entries": 2,
    })
}

pub(crate) async fn create(
    fx: &Fixture,
    token: &str,
    body: &Value,
    key: &str,
) -> reqwest::Response {
    fx.request(Method::POST, "/v1/passes", Some(token))
        .header("idempotency-key", format!("\"{key}\""))
        .json(body)
        .send()
        .await
        .expect("create")
}

pub(crate) async fn gate_get(fx: &Fixture, token: &str, path: &str) -> reqwest::Response {
    fx.request(Method::GET, path, Some(token))
        .send()
        .await
        .expect("gate get")
}

fn key_set(keys: &Value) -> linli_pass::KeySet {
    let mut set = linli_pass::KeySet::new();
    for key in keys["keys"].as_array().expect("keys") {
        let x = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(key["x"].as_str().expect("x"))
            .expect("b64");
        let public = ed25519_dalek::VerifyingKey::from_bytes(&x.try_into().expect("32 bytes"))
            .expect("a public key");
        set.insert(key["kid"].as_str().expect("kid").as_bytes(), public);
    }
    set
}

/// Verifies `payload` at a 翠湖花园 pedestrian gate that knows `keys`, with nothing revoked or
/// used yet.
fn at_gate(
    payload: &str,
    keys: &Value,
    community: uuid::Uuid,
    now: i64,
) -> Result<linli_pass::Verified, linli_pass::Rejection> {
    let no = |_| false;
    let none = |_| 0;
    linli_pass::verify(
        payload,
        &key_set(keys),
        &linli_pass::GateContext {
            community_id: community,
            gate_group: "pedestrian",
            now,
            skew: 120,
            revoked: &no,
            entries_used: &none,
        },
    )
}

#[tokio::test]
async fn an_issued_pass_verifies_at_the_gate_and_carries_no_personal_data() {
    let fx = Fixture::start().await;
    let token = fx.wang_fang().await;
    let household = first_membership(&fx, &token).await;
    let body = pass_body(&fx, &household);
    let response = create(&fx, &token, &body, "k1").await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let pass: Value = response.json().await.expect("pass");
    assert_eq!(pass["state"], "active");
    assert_eq!(
        pass["gate_groups"],
        json!(["pedestrian", "vehicle"]),
        "a plate opens the car gate"
    );
    assert_eq!(pass["visitor_phone_masked"], "139****5678");
    let code = pass["short_code"].as_str().expect("code");
    assert!(
        code.len() == 8 && code.bytes().all(|b| b.is_ascii_digit()),
        "{code}"
    );

    let payload = pass["credential"]["payload"].as_str().expect("payload");
    let raw = linli_pass::base45::decode(&payload[4..]).expect("base45");
    let raw_text = String::from_utf8_lossy(&raw);
    for secret in ["13912345678", "张建国", "建国", "浙A12345"] {
        assert!(
            !raw_text.contains(secret),
            "{secret} must not be in the credential"
        );
    }

    let (_, gate_token) = add_gate(
        &fx.server.state.db,
        "翠湖花园",
        "pedestrian",
        "东门",
        fx.clock.now_ms(),
    )
    .await
    .expect("gate");
    let keys: Value = gate_get(&fx, &gate_token, "/v1/gate/keys")
        .await
        .json()
        .await
        .expect("keys");
    let community = household["community"]["id"]
        .as_str()
        .expect("id")
        .parse()
        .expect("uuid");
    let verified = at_gate(payload, &keys, community, fx.clock.now().timestamp())
        .expect("the gate accepts it offline with the published keys");
    assert_eq!(verified.claims.initials, "张*");
    assert_eq!(
        verified.claims.pass_id.to_string(),
        pass["id"].as_str().expect("id")
    );
}

#[tokio::test]
async fn creating_is_idempotent_and_ids_are_unique() {
    let fx = Fixture::start().await;
    let token = fx.wang_fang().await;
    let household = first_membership(&fx, &token).await;
    let body = pass_body(&fx, &household);
    let first: Value = create(&fx, &token, &body, "a")
        .await
        .json()
        .await
        .expect("json");
    let again = create(&fx, &token, &body, "a").await;
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    let again: Value = again.json().await.expect("json");
    assert_eq!(again, first, "the same answer, not a second pass");
    let other_key = create(&fx, &token, &body, "b").await;
    expect_problem(other_key, 409, "already-exists").await;
    let list: Value = fx
        .get("/v1/passes", &token)
        .await
        .json()
        .await
        .expect("list");
    assert_eq!(list["items"].as_array().expect("items").len(), 1);
}

#[tokio::test]
async fn bad_windows_and_other_households_are_refused() {
    let fx = Fixture::start().await;
    let wang = fx.wang_fang().await;
    let li = access(&fx.login(LI_QIANG_PHONE).await);
    let wang_home = first_membership(&fx, &wang).await;
    let mut body = pass_body(&fx, &wang_home);
    body["valid_until"] = json!(fx.clock.now() + chrono::Duration::days(8));
    let problem = expect_problem(
        create(&fx, &wang, &body, "x").await,
        422,
        "validation-failed",
    )
    .await;
    assert_eq!(problem["errors"][0]["pointer"], "/valid_until");

    let body = pass_body(&fx, &wang_home);
    expect_problem(
        create(&fx, &li, &body, "y").await,
        403,
        "membership-required",
    )
    .await;

    let pass: Value = create(&fx, &wang, &body, "z")
        .await
        .json()
        .await
        .expect("pass");
    let id = pass["id"].as_str().expect("id");
    expect_problem(
        fx.get(&format!("/v1/passes/{id}"), &li).await,
        404,
        "not-found",
    )
    .await;
    let revoke = fx
        .request(Method::POST, &format!("/v1/passes/{id}/revoke"), Some(&li))
        .send()
        .await
        .expect("revoke");
    expect_problem(revoke, 404, "not-found").await;
    let li_list: Value = fx.get("/v1/passes", &li).await.json().await.expect("list");
    assert!(li_list["items"].as_array().expect("items").is_empty());
}

#[tokio::test]
async fn revocations_reach_gates_as_deltas_and_entries_count_once() {
    let fx = Fixture::start().await;
    let token = fx.wang_fang().await;
    let household = first_membership(&fx, &token).await;
    let pass: Value = create(&fx, &token, &pass_body(&fx, &household), "r")
        .await
        .json()
        .await
        .expect("pass");
    let id = pass["id"].as_str().expect("id").to_owned();
    let (_, gate) = add_gate(
        &fx.server.state.db,
        "翠湖花园",
        "pedestrian",
        "东门",
        fx.clock.now_ms(),
    )
    .await
    .expect("gate");
    let (_, elsewhere) = add_gate(
        &fx.server.state.db,
        "锦绣江南",
        "pedestrian",
        "南门",
        fx.clock.now_ms(),
    )
    .await
    .expect("gate");

    let entry =
        json!({"entries": [{"id": uuid::Uuid::now_v7(), "pass_id": id, "at": fx.clock.now()}]});
    for _ in 0..2 {
        let sent = fx
            .request(Method::POST, "/v1/gate/entries", Some(&gate))
            .json(&entry)
            .send()
            .await
            .expect("entries");
        assert_eq!(sent.status(), StatusCode::OK, "recorded, with the outcome");
    }
    let foreign = fx
        .request(Method::POST, "/v1/gate/entries", Some(&elsewhere))
        .json(&entry)
        .send()
        .await
        .expect("entries");
    expect_problem(foreign, 422, "validation-failed").await;
    let seen: Value = fx
        .get(&format!("/v1/passes/{id}"), &token)
        .await
        .json()
        .await
        .expect("pass");
    assert_eq!(
        seen["entries"].as_array().expect("entries").len(),
        1,
        "a re-sent batch counts once"
    );

    let before: Value = gate_get(&fx, &gate, "/v1/gate/revocations")
        .await
        .json()
        .await
        .expect("delta");
    assert!(before["revoked"].as_array().expect("revoked").is_empty());
    for _ in 0..2 {
        let revoked: Value = fx
            .request(
                Method::POST,
                &format!("/v1/passes/{id}/revoke"),
                Some(&token),
            )
            .send()
            .await
            .expect("revoke")
            .json()
            .await
            .expect("json");
        assert_eq!(revoked["state"], "revoked", "revoking twice is fine");
    }
    let since = before["next"].as_str().expect("next");
    let delta: Value = gate_get(&fx, &gate, &format!("/v1/gate/revocations?since={since}"))
        .await
        .json()
        .await
        .expect("delta");
    assert_eq!(delta["revoked"], json!([id]));
    let after: Value = gate_get(
        &fx,
        &gate,
        &format!(
            "/v1/gate/revocations?since={}",
            delta["next"].as_str().expect("next")
        ),
    )
    .await
    .json()
    .await
    .expect("delta");
    assert!(
        after["revoked"].as_array().expect("revoked").is_empty(),
        "deltas only"
    );
    let other: Value = gate_get(&fx, &elsewhere, "/v1/gate/revocations")
        .await
        .json()
        .await
        .expect("delta");
    assert!(
        other["revoked"].as_array().expect("revoked").is_empty(),
        "per community"
    );
}

#[tokio::test]
async fn short_codes_work_online_and_guessing_is_throttled() {
    let fx = Fixture::start().await;
    let token = fx.wang_fang().await;
    let household = first_membership(&fx, &token).await;
    let pass: Value = create(&fx, &token, &pass_body(&fx, &household), "c")
        .await
        .json()
        .await
        .expect("pass");
    let (_, gate) = add_gate(
        &fx.server.state.db,
        "翠湖花园",
        "pedestrian",
        "东门",
        fx.clock.now_ms(),
    )
    .await
    .expect("gate");
    let code = pass["short_code"].as_str().expect("code");
    let found: Value = gate_get(&fx, &gate, &format!("/v1/gate/codes/{code}"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(found["credential"], pass["credential"]);
    let wrong = if code == "00000000" {
        "00000001"
    } else {
        "00000000"
    };
    for _ in 0..5 {
        expect_problem(
            gate_get(&fx, &gate, &format!("/v1/gate/codes/{wrong}")).await,
            404,
            "not-found",
        )
        .await;
    }
    expect_problem(
        gate_get(&fx, &gate, &format!("/v1/gate/codes/{code}")).await,
        429,
        "rate-limited",
    )
    .await;
    expect_problem(
        gate_get(&fx, "gate_nonsense", "/v1/gate/keys").await,
        401,
        "unauthenticated",
    )
    .await;
    let resident_token_at_gate = gate_get(&fx, &token, "/v1/gate/keys").await;
    expect_problem(resident_token_at_gate, 401, "unauthenticated").await;
}

#[tokio::test]
async fn a_recurring_pass_carries_its_schedule_and_may_last_a_season() {
    let fx = Fixture::start().await;
    let token = fx.wang_fang().await;
    let household = first_membership(&fx, &token).await;
    let mut body = pass_body(&fx, &household);
    body["valid_until"] = json!(fx.clock.now() + chrono::Duration::days(60));
    let problem = expect_problem(
        create(&fx, &token, &body, "s1").await,
        422,
        "validation-failed",
    )
    .await;
    assert_eq!(
        problem["errors"][0]["pointer"], "/valid_until",
        "60 days only with a schedule"
    );
    body["schedule"] = json!({"weekdays": [1, 3, 5], "from_minute": 480, "until_minute": 720});
    let response = create(&fx, &token, &body, "s2").await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let pass: Value = response.json().await.expect("pass");
    assert_eq!(pass["schedule"]["weekdays"], json!([1, 3, 5]));
    let payload = pass["credential"]["payload"].as_str().expect("payload");
    let (_, gate_token) = add_gate(
        &fx.server.state.db,
        "翠湖花园",
        "pedestrian",
        "东门",
        fx.clock.now_ms(),
    )
    .await
    .expect("gate");
    let keys: Value = gate_get(&fx, &gate_token, "/v1/gate/keys")
        .await
        .json()
        .await
        .expect("keys");
    let community = household["community"]["id"]
        .as_str()
        .expect("id")
        .parse()
        .expect("uuid");
    // The next Tuesday 10:00 Beijing time after today, inside the window: not a scheduled day.
    let local_day = (fx.clock.now().timestamp() + 8 * 3600).div_euclid(86_400);
    let weekday_from_monday = (local_day + 3).rem_euclid(7); // 1970-01-01 was a Thursday
    let ahead = match (1 - weekday_from_monday).rem_euclid(7) {
        0 => 7,
        n => n,
    };
    let tuesday_10 = (local_day + ahead) * 86_400 + 10 * 3600 - 8 * 3600;
    let verdict = at_gate(payload, &keys, community, tuesday_10);
    assert_eq!(
        verdict.map(|_| ()),
        Err(linli_pass::Rejection::OutsideSchedule)
    );
    let monday_10 = tuesday_10 + 6 * 86_400;
    let verdict = at_gate(payload, &keys, community, monday_10);
    assert!(
        verdict.is_ok(),
        "a scheduled Monday morning opens: {verdict:?}"
    );
}

#[tokio::test]
async fn after_a_key_rotation_old_passes_still_open_and_new_ones_use_the_new_key() {
    let fx = Fixture::start().await;
    let token = fx.wang_fang().await;
    let household = first_membership(&fx, &token).await;
    let old: Value = create(&fx, &token, &pass_body(&fx, &household), "o")
        .await
        .json()
        .await
        .expect("pass");
    let new_kid = linli_server::features::passes::rotate_key(
        &fx.server.state.db,
        "翠湖花园",
        fx.clock.now_ms(),
    )
    .await
    .expect("rotate");
    let new: Value = create(&fx, &token, &pass_body(&fx, &household), "n")
        .await
        .json()
        .await
        .expect("pass");
    assert_eq!(new["credential"]["kid"], new_kid.as_str());
    assert_ne!(old["credential"]["kid"], new["credential"]["kid"]);
    let (_, gate) = add_gate(
        &fx.server.state.db,
        "翠湖花园",
        "pedestrian",
        "东门",
        fx.clock.now_ms(),
    )
    .await
    .expect("gate");
    let keys: Value = gate_get(&fx, &gate, "/v1/gate/keys")
        .await
        .json()
        .await
        .expect("keys");
    assert_eq!(
        keys["keys"].as_array().expect("keys").len(),
        2,
        "both trusted during the overlap"
    );
    let community = household["community"]["id"]
        .as_str()
        .expect("id")
        .parse()
        .expect("uuid");
    for pass in [&old, &new] {
        let verdict = at_gate(
            pass["credential"]["payload"].as_str().expect("payload"),
            &keys,
            community,
            fx.clock.now().timestamp(),
        );
        assert!(verdict.is_ok(), "{verdict:?}");
    }
    fx.clock
        .advance(std::time::Duration::from_secs(91 * 24 * 3600));
    let keys: Value = gate_get(&fx, &gate, "/v1/gate/keys")
        .await
        .json()
        .await
        .expect("keys");
    assert_eq!(
        keys["keys"].as_array().expect("keys").len(),
        1,
        "the retired key ages out"
    );
}
