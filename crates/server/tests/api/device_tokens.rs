//! Gate and staff tokens, as the operator hands them out with the CLI: they expire
//! (`token-expired`) and `linli-server gate-revoke` / `staff-revoke` stops one at once.

use crate::{Fixture, expect_problem};
use linli_server::seed::DEMO_COMPANY;
use reqwest::StatusCode;
use serde_json::Value;
use std::time::Duration;

/// Runs `linli-server <args> --data-dir <the fixture's>` and answers the JSON it printed.
fn cli(fx: &Fixture, args: &[&str]) -> Value {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_linli-server"))
        .args(args)
        .arg("--data-dir")
        .arg(fx.data_dir())
        .output()
        .expect("run linli-server");
    assert!(
        output.status.success(),
        "linli-server {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("one JSON line")
}

async fn as_bearer(fx: &Fixture, path: &str, token: &Value) -> reqwest::Response {
    fx.get(path, token["token"].as_str().expect("a token"))
        .await
}

fn days_from_now(fx: &Fixture, printed: &Value) -> i64 {
    let expires: chrono::DateTime<chrono::Utc> = printed["expires_at"]
        .as_str()
        .expect("the expiry is printed with the token")
        .parse()
        .expect("RFC 3339");
    (expires - fx.clock.now()).num_hours().div_euclid(24)
}

#[tokio::test]
async fn a_gate_token_expires_after_a_year_and_revocation_is_immediate() {
    let fx = Fixture::start().await;
    let gate = cli(&fx, &["gate-add", "--community", "翠湖花园"]);
    assert_eq!(days_from_now(&fx, &gate), 364, "a year by default: {gate}");
    let ok = as_bearer(&fx, "/v1/gate/keys", &gate).await;
    assert_eq!(ok.status(), StatusCode::OK, "a fresh gate token works");
    fx.clock.advance(Duration::from_secs(365 * 86_400 + 1));
    let late = as_bearer(&fx, "/v1/gate/keys", &gate).await;
    expect_problem(late, 401, "token-expired").await;

    let other = cli(
        &fx,
        &[
            "gate-add",
            "--community",
            "翠湖花园",
            "--valid-days",
            "3650",
        ],
    );
    assert_eq!(
        as_bearer(&fx, "/v1/gate/keys", &other).await.status(),
        StatusCode::OK
    );
    let revoked = cli(
        &fx,
        &["gate-revoke", other["gate_id"].as_str().expect("id")],
    );
    assert_eq!(revoked["revoked"], true, "{revoked}");
    let refused = as_bearer(&fx, "/v1/gate/keys", &other).await;
    expect_problem(refused, 401, "unauthenticated").await;
}

#[tokio::test]
async fn a_staff_token_expires_and_can_be_revoked() {
    let fx = Fixture::start().await;
    let enrol = |days: &str| {
        cli(
            &fx,
            &[
                "staff-add",
                "--name",
                "李娜",
                "--company",
                DEMO_COMPANY,
                "--community",
                "翠湖花园",
                "--valid-days",
                days,
            ],
        )
    };
    let staff = enrol("1");
    assert_eq!(days_from_now(&fx, &staff), 0, "one day, as asked: {staff}");
    let ok = as_bearer(&fx, "/v1/staff/home-requests", &staff).await;
    assert_eq!(ok.status(), StatusCode::OK, "a fresh staff token works");
    let lasting = enrol("30");
    fx.clock.advance(Duration::from_secs(86_400 + 1));
    let late = as_bearer(&fx, "/v1/staff/home-requests", &staff).await;
    expect_problem(late, 401, "token-expired").await;
    assert_eq!(
        as_bearer(&fx, "/v1/staff/home-requests", &lasting)
            .await
            .status(),
        StatusCode::OK
    );
    let revoked = cli(
        &fx,
        &["staff-revoke", lasting["staff_id"].as_str().expect("id")],
    );
    assert_eq!(revoked["revoked"], true, "{revoked}");
    let refused = as_bearer(&fx, "/v1/staff/home-requests", &lasting).await;
    expect_problem(refused, 401, "unauthenticated").await;
}

#[tokio::test]
async fn a_manager_lists_the_gates_of_her_communities_and_revokes_one_at_once() {
    let fx = Fixture::start().await;
    let staff = |role: &str| {
        cli(
            &fx,
            &[
                "staff-add",
                "--name",
                "周敏",
                "--company",
                DEMO_COMPANY,
                "--community",
                "翠湖花园",
                "--role",
                role,
            ],
        )
    };
    let (manager, service) = (staff("manager"), staff("service"));
    let here = cli(
        &fx,
        &["gate-add", "--community", "翠湖花园", "--name", "东门"],
    );
    let elsewhere = cli(
        &fx,
        &["gate-add", "--community", "锦绣江南", "--name", "南门"],
    );

    let refused = as_bearer(&fx, "/v1/staff/gates", &service).await;
    expect_problem(refused, 403, "forbidden").await;
    let listed: Value = as_bearer(&fx, "/v1/staff/gates", &manager)
        .await
        .json()
        .await
        .expect("gates");
    let ids: Vec<&str> = listed["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|g| g["id"].as_str().expect("id"))
        .collect();
    assert_eq!(
        ids,
        [here["gate_id"].as_str().expect("id")],
        "only the gates of the communities she serves: {listed}"
    );
    assert_eq!(listed["items"][0]["name"], "东门");
    let listed_expiry: chrono::DateTime<chrono::Utc> = listed["items"][0]["expires_at"]
        .as_str()
        .expect("expires_at")
        .parse()
        .expect("RFC 3339");
    let printed_expiry: chrono::DateTime<chrono::Utc> = here["expires_at"]
        .as_str()
        .expect("expires_at")
        .parse()
        .expect("RFC 3339");
    assert_eq!(listed_expiry, printed_expiry, "the expiry the CLI printed");

    let revoke = |gate: &Value| {
        let path = format!(
            "/v1/staff/gates/{}/revoke",
            gate["gate_id"].as_str().expect("id")
        );
        fx.request(
            reqwest::Method::POST,
            &path,
            Some(manager["token"].as_str().expect("token")),
        )
        .send()
    };
    let other = revoke(&elsewhere).await.expect("revoke");
    expect_problem(other, 404, "not-found").await;
    assert_eq!(
        as_bearer(&fx, "/v1/gate/keys", &elsewhere).await.status(),
        StatusCode::OK,
        "another community's gate is untouched"
    );
    let revoked = revoke(&here).await.expect("revoke");
    assert_eq!(revoked.status(), StatusCode::OK);
    let revoked: Value = revoked.json().await.expect("gate");
    assert!(revoked["revoked_at"].is_string(), "{revoked}");
    let refused = as_bearer(&fx, "/v1/gate/keys", &here).await;
    expect_problem(refused, 401, "unauthenticated").await;
    let again: Value = revoke(&here)
        .await
        .expect("revoke")
        .json()
        .await
        .expect("gate");
    assert_eq!(again["revoked_at"], revoked["revoked_at"], "revoked once");
}
