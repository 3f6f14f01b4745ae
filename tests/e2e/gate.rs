//! The gate verifier against the real server: a pass issued to a resident opens the gate
//! offline, counts down, and is refused for each reason with its own answer.

use linli_gate::{Enrolment, Gate, ScanOutcome};
use linli_server::testing::{DEMO_PASSWORD, TestServer, WANG_FANG_PHONE, ZHANG_WEI_PHONE};
use serde_json::{Value, json};

const SKEW: i64 = 300;

/// A resident's HTTPS client (what the app's core will do for passes).
struct Resident {
    client: reqwest::Client,
    base: String,
    token: String,
}

impl Resident {
    async fn sign_in(server: &TestServer, phone: &str) -> Self {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .use_rustls_tls()
            .add_root_certificate(
                reqwest::Certificate::from_pem(server.ca_pem().as_bytes()).expect("ca"),
            )
            .build()
            .expect("client");
        let base = server.base_url();
        let tokens: Value = client
            .post(format!("{base}/v1/auth/login"))
            .json(&json!({"phone": phone, "password": DEMO_PASSWORD}))
            .send()
            .await
            .expect("login")
            .json()
            .await
            .expect("tokens");
        Self {
            client,
            base,
            token: tokens["access_token"].as_str().expect("token").to_owned(),
        }
    }

    async fn get(&self, path: &str) -> Value {
        self.client
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("get")
            .json()
            .await
            .expect("json")
    }

    async fn post(&self, path: &str, body: &Value) -> Value {
        let response = self
            .client
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .header("idempotency-key", format!("\"{}\"", uuid::Uuid::now_v7()))
            .json(body)
            .send()
            .await
            .expect("post");
        assert!(response.status().is_success(), "{}", response.status());
        response.json().await.expect("json")
    }

    /// A pass for two entries, valid for the 6 hours from `now` (the server's clock), for the
    /// first household.
    async fn pass(&self, now: chrono::DateTime<chrono::Utc>) -> Value {
        let me = self.get("/v1/me").await;
        self.post(
            "/v1/passes",
            &json!({
                "id": uuid::Uuid::now_v7(),
                "membership_id": me["memberships"][0]["id"],
                "visitor_name": "刘洋",
                "purpose": "送货",
                "valid_from": now,
                "valid_until": now + chrono::Duration::hours(6),
                "max_entries": 2,
            }),
        )
        .await
    }
}

async fn gate(server: &TestServer, community: &str, dir: &std::path::Path) -> Gate {
    let gate = Gate::open(dir).await.expect("gate state");
    gate.enrol(&Enrolment {
        server: server.base_url(),
        ca_pem: Some(server.ca_pem()),
        token: server.add_gate(community, "pedestrian").await,
        group: "pedestrian".to_owned(),
    })
    .await
    .expect("enrol");
    gate.sync().await.expect("first sync");
    gate
}

fn rejected(outcome: &ScanOutcome) -> &str {
    match outcome {
        ScanOutcome::Rejected { reason, .. } => reason,
        ScanOutcome::Accepted { .. } => "accepted",
    }
}

#[tokio::test]
async fn a_pass_opens_offline_counts_down_and_its_entries_reach_the_resident() {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let wang = Resident::sign_in(&server, WANG_FANG_PHONE).await;
    let pass = wang.pass(server.now()).await;
    let payload = pass["credential"]["payload"].as_str().expect("payload");
    let gate = gate(&server, "翠湖花园", dir.path()).await;

    server.stop().await;
    let now = server.now().timestamp();
    let first = gate.scan(payload, now, SKEW).await.expect("scan");
    assert!(
        matches!(&first, ScanOutcome::Accepted { entries_left: 1, initials, .. } if initials == "刘*"),
        "opens with the uplink down: {first:?}"
    );
    let second = gate.scan(payload, now, SKEW).await.expect("scan");
    assert!(
        matches!(
            second,
            ScanOutcome::Accepted {
                entries_left: 0,
                ..
            }
        ),
        "{second:?}"
    );
    let third = gate.scan(payload, now, SKEW).await.expect("scan");
    assert_eq!(rejected(&third), "used_up");
    assert!(
        gate.sync().await.is_err(),
        "no uplink: the sync fails and nothing is lost"
    );
    assert_eq!(gate.unsent().await.expect("count"), 2);

    server.restart().await;
    let report = gate.sync().await.expect("sync");
    assert_eq!(report.uploaded, 2);
    assert_eq!(gate.unsent().await.expect("count"), 0);
    let id = pass["id"].as_str().expect("id");
    let seen = wang.get(&format!("/v1/passes/{id}")).await;
    assert_eq!(
        seen["entries"].as_array().expect("entries").len(),
        2,
        "the resident sees the gate's entries"
    );
}

#[tokio::test]
async fn offline_gates_of_one_group_reconcile_at_the_backend_up_to_max_entries() {
    let server = TestServer::start().await;
    let (east_dir, west_dir) = (
        tempfile::tempdir().expect("tempdir"),
        tempfile::tempdir().expect("tempdir"),
    );
    let wang = Resident::sign_in(&server, WANG_FANG_PHONE).await;
    let pass = wang.pass(server.now()).await;
    let payload = pass["credential"]["payload"].as_str().expect("payload");
    let east = gate(&server, "翠湖花园", east_dir.path()).await;
    let west = gate(&server, "翠湖花园", west_dir.path()).await;

    // Offline, each gate sees only its own entries: both let the visitor in twice.
    server.stop().await;
    let now = server.now().timestamp();
    for gate in [&east, &west] {
        for _ in 0..2 {
            let outcome = gate.scan(payload, now, SKEW).await.expect("scan");
            assert!(
                matches!(outcome, ScanOutcome::Accepted { .. }),
                "{outcome:?}"
            );
        }
    }

    server.restart().await;
    let first = east.sync().await.expect("sync");
    assert_eq!(
        (first.uploaded, first.refused),
        (2, 0),
        "the first to sync is counted"
    );
    let second = west.sync().await.expect("sync");
    assert_eq!(
        (second.uploaded, second.refused),
        (2, 2),
        "the backend counts max_entries and refuses the rest"
    );
    assert_eq!(
        west.unsent().await.expect("count"),
        0,
        "refused entries are settled too: the sync never sticks on them"
    );
    let id = pass["id"].as_str().expect("id");
    let seen = wang.get(&format!("/v1/passes/{id}")).await;
    assert_eq!(
        seen["entries"].as_array().expect("entries").len(),
        2,
        "max_entries, not four"
    );
}

#[tokio::test]
async fn each_refusal_has_its_own_reason() {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let wang = Resident::sign_in(&server, WANG_FANG_PHONE).await;
    let pass = wang.pass(server.now()).await;
    let payload = pass["credential"]["payload"]
        .as_str()
        .expect("payload")
        .to_owned();
    let gate = gate(&server, "翠湖花园", dir.path()).await;
    let now = server.now().timestamp();

    let late = now + 6 * 3600 + SKEW + 60;
    assert_eq!(
        rejected(&gate.scan(&payload, late, SKEW).await.expect("scan")),
        "expired"
    );
    let early = now - SKEW - 60;
    assert_eq!(
        rejected(&gate.scan(&payload, early, SKEW).await.expect("scan")),
        "not_yet_valid"
    );

    let mut bytes = linli_pass::base45::decode(&payload[4..]).expect("b45");
    let last = bytes.len() - 1;
    bytes[last] ^= 0x40; // inside the signature
    let tampered = format!("VP1:{}", linli_pass::base45::encode(&bytes));
    assert_eq!(
        rejected(&gate.scan(&tampered, now, SKEW).await.expect("scan")),
        "bad_signature"
    );
    assert_eq!(
        rejected(&gate.scan("VP1:not base45!", now, SKEW).await.expect("scan")),
        "malformed"
    );

    let zhang = Resident::sign_in(&server, ZHANG_WEI_PHONE).await;
    let elsewhere = zhang.pass(server.now()).await;
    let other = elsewhere["credential"]["payload"]
        .as_str()
        .expect("payload");
    assert_eq!(
        rejected(&gate.scan(other, now, SKEW).await.expect("scan")),
        "unknown_key",
        "锦绣江南's key is not trusted at 翠湖花园's gate"
    );

    let id = pass["id"].as_str().expect("id");
    wang.post(&format!("/v1/passes/{id}/revoke"), &json!({}))
        .await;
    assert!(
        matches!(
            gate.scan(&payload, now, SKEW).await.expect("scan"),
            ScanOutcome::Accepted { .. }
        ),
        "before the gate syncs it cannot know"
    );
    let report = gate.sync().await.expect("sync");
    assert_eq!(report.newly_revoked, 1);
    assert_eq!(
        rejected(&gate.scan(&payload, now, SKEW).await.expect("scan")),
        "revoked"
    );
}

#[tokio::test]
async fn a_short_code_is_looked_up_online_and_verified() {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let wang = Resident::sign_in(&server, WANG_FANG_PHONE).await;
    let pass = wang.pass(server.now()).await;
    let gate = gate(&server, "翠湖花园", dir.path()).await;
    let code = pass["short_code"].as_str().expect("code");
    let outcome = gate
        .code(code, server.now().timestamp(), SKEW)
        .await
        .expect("lookup");
    assert!(
        matches!(outcome, ScanOutcome::Accepted { .. }),
        "{outcome:?}"
    );
}
