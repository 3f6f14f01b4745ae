//! Sign-in, throttling, refresh rotation, grace, reuse detection, sign-out.

use crate::{Fixture, access, expect_problem};
use linli_server::seed::{LI_QIANG_PHONE, WANG_FANG_PHONE};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

async fn refresh(fx: &Fixture, token: &Value) -> reqwest::Response {
    fx.request(Method::POST, "/v1/auth/refresh", None)
        .json(&json!({"refresh_token": token["refresh_token"]}))
        .send()
        .await
        .expect("refresh")
}

#[tokio::test]
async fn login_answers_a_no_store_token_pair() {
    let fx = Fixture::start().await;
    let response = fx
        .request(Method::POST, "/v1/auth/login", None)
        .json(&json!({"phone": "+86 138 0000 0001", "password": "demo1234"}))
        .send()
        .await
        .expect("login");
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "+86 and spaces are accepted"
    );
    assert_eq!(
        response.headers()["cache-control"],
        "no-store",
        "RFC 6749 §5.1"
    );
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    let header = body["access_token"]
        .as_str()
        .expect("jwt")
        .split('.')
        .next()
        .expect("header");
    let header: Value = serde_json::from_slice(
        &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, header)
            .expect("b64"),
    )
    .expect("header json");
    assert_eq!(header["alg"], "EdDSA", "access tokens are Ed25519 JWTs");
}

#[tokio::test]
async fn wrong_password_is_refused_then_throttled_with_retry_after() {
    let fx = Fixture::start().await;
    for attempt in 0..5 {
        let response = fx
            .request(Method::POST, "/v1/auth/login", None)
            .header("accept-language", "en")
            .json(&json!({"phone": LI_QIANG_PHONE, "password": format!("wrong{attempt}")}))
            .send()
            .await
            .expect("login");
        let body = expect_problem(response, 401, "invalid-credentials").await;
        assert_eq!(
            body["title"], "Wrong phone number or password",
            "Accept-Language: en"
        );
    }
    let response = fx
        .request(Method::POST, "/v1/auth/login", None)
        .json(&json!({"phone": LI_QIANG_PHONE, "password": "demo1234"}))
        .send()
        .await
        .expect("login");
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("delta-seconds");
    assert!(
        (1..=900).contains(&retry_after),
        "within the 15-minute window: {retry_after}"
    );
    let body = expect_problem(response, 429, "rate-limited").await;
    assert_eq!(body["title"], "请求过于频繁", "Chinese by default");
    fx.clock.advance(Duration::from_secs(15 * 60 + 1));
    fx.login(LI_QIANG_PHONE).await;
    // Another phone was never throttled.
    fx.login(WANG_FANG_PHONE).await;
}

#[tokio::test]
async fn unknown_phone_and_malformed_bodies_are_problems() {
    let fx = Fixture::start().await;
    let response = fx
        .request(Method::POST, "/v1/auth/login", None)
        .json(&json!({"phone": "13900000000", "password": "demo1234"}))
        .send()
        .await
        .expect("login");
    expect_problem(response, 401, "invalid-credentials").await;
    let response = fx
        .request(Method::POST, "/v1/auth/login", None)
        .json(&json!({"phone": "12345", "password": "x"}))
        .send()
        .await
        .expect("login");
    let body = expect_problem(response, 422, "validation-failed").await;
    assert_eq!(
        body["errors"][0]["pointer"], "/phone",
        "the member is named"
    );
    let response = fx
        .request(Method::POST, "/v1/auth/login", None)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("login");
    expect_problem(response, 400, "bad-request").await;
}

#[tokio::test]
async fn expired_access_token_is_token_expired_with_a_bearer_challenge() {
    let fx = Fixture::start().await;
    let token = fx.wang_fang().await;
    fx.clock.advance(Duration::from_secs(15 * 60));
    let response = fx.get("/v1/me", &token).await;
    let challenge = response.headers()["www-authenticate"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(
        challenge.contains("invalid_token"),
        "RFC 6750 challenge: {challenge}"
    );
    expect_problem(response, 401, "token-expired").await;
    let response = fx.get("/v1/me", "not.a.jwt").await;
    expect_problem(response, 401, "unauthenticated").await;
}

#[tokio::test]
async fn refresh_rotates_and_a_lost_response_is_forgiven_within_the_grace() {
    let fx = Fixture::start().await;
    let first = fx.login(WANG_FANG_PHONE).await;
    let response = refresh(&fx, &first).await;
    assert_eq!(response.status(), StatusCode::OK);
    let second: Value = response.json().await.expect("json");
    assert_ne!(second["refresh_token"], first["refresh_token"], "rotated");
    // The client never saw `second` and retries with `first` 30 s later.
    fx.clock.advance(Duration::from_secs(30));
    let retried: Value = refresh(&fx, &first).await.json().await.expect("json");
    assert_eq!(
        retried["refresh_token"], second["refresh_token"],
        "within the grace window the same successor comes back"
    );
    let third = refresh(&fx, &second).await;
    assert_eq!(third.status(), StatusCode::OK, "the successor works");
}

#[tokio::test]
async fn replay_after_the_grace_revokes_the_whole_family() {
    let fx = Fixture::start().await;
    let first = fx.login(WANG_FANG_PHONE).await;
    let second: Value = refresh(&fx, &first).await.json().await.expect("json");
    fx.clock.advance(Duration::from_secs(61));
    expect_problem(refresh(&fx, &first).await, 401, "refresh-reused").await;
    expect_problem(refresh(&fx, &second).await, 401, "refresh-reused").await;
    let response = fx.get("/v1/me", &access(&second)).await;
    expect_problem(response, 401, "unauthenticated").await;
    // Another sign-in of the same resident is untouched.
    let other = fx.wang_fang().await;
    assert_eq!(fx.get("/v1/me", &other).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn replay_of_a_token_whose_successor_was_used_is_reuse_even_within_the_grace() {
    let fx = Fixture::start().await;
    let first = fx.login(WANG_FANG_PHONE).await;
    let second: Value = refresh(&fx, &first).await.json().await.expect("json");
    assert_eq!(refresh(&fx, &second).await.status(), StatusCode::OK);
    expect_problem(refresh(&fx, &first).await, 401, "refresh-reused").await;
}

#[tokio::test]
async fn logout_revokes_the_refresh_and_access_tokens() {
    let fx = Fixture::start().await;
    let tokens = fx.login(WANG_FANG_PHONE).await;
    let response = fx
        .request(Method::POST, "/v1/auth/logout", None)
        .json(&json!({"refresh_token": tokens["refresh_token"]}))
        .send()
        .await
        .expect("logout");
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    expect_problem(refresh(&fx, &tokens).await, 401, "unauthenticated").await;
    expect_problem(
        fx.get("/v1/me", &access(&tokens)).await,
        401,
        "unauthenticated",
    )
    .await;
}
