//! The headers every answer carries, from one layer: `X-Content-Type-Options: nosniff`,
//! `Cache-Control: no-store` unless the answer chose its caching (notices keep `private,
//! no-cache` and their 304), and `Strict-Transport-Security` on the HTTPS listener.

use crate::Fixture;
use crate::problems::header;
use reqwest::header::CACHE_CONTROL;
use reqwest::{Method, StatusCode};

#[tokio::test]
async fn a_personal_answer_is_not_stored_nor_sniffed_and_demands_https() {
    let fx = Fixture::start().await;
    let token = fx.wang_fang().await;
    let me = fx.get("/v1/me", &token).await;
    assert_eq!(me.status(), StatusCode::OK);
    assert_eq!(
        header(&me, CACHE_CONTROL.as_str()),
        "no-store",
        "a resident's data is kept by no HTTP cache"
    );
    assert_eq!(header(&me, "x-content-type-options"), "nosniff");
    assert!(
        header(&me, "strict-transport-security").starts_with("max-age="),
        "the HTTPS listener asks for HTTPS next time"
    );
    let problem = fx.get("/v1/notices/not-a-uuid", &token).await;
    assert_eq!(
        header(&problem, "x-content-type-options"),
        "nosniff",
        "problems too"
    );
    assert_eq!(header(&problem, CACHE_CONTROL.as_str()), "no-store");
}

#[tokio::test]
async fn notices_keep_their_revalidated_caching_and_their_304() {
    let fx = Fixture::start().await;
    let token = fx.wang_fang().await;
    let first = fx.get("/v1/notices?limit=5", &token).await;
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(
        header(&first, CACHE_CONTROL.as_str()),
        "private, no-cache",
        "a notice list chooses its own caching: kept privately, always revalidated"
    );
    assert_eq!(header(&first, "x-content-type-options"), "nosniff");
    let etag = header(&first, "etag").to_owned();
    let again = fx
        .request(Method::GET, "/v1/notices?limit=5", Some(&token))
        .header("if-none-match", &etag)
        .send()
        .await
        .expect("send");
    assert_eq!(
        again.status(),
        StatusCode::NOT_MODIFIED,
        "the ETag still earns a 304"
    );
    assert_eq!(header(&again, CACHE_CONTROL.as_str()), "private, no-cache");
}

#[tokio::test]
async fn an_answer_given_before_the_body_was_read_closes_the_connection() {
    // A 401 decided from the headers leaves the body unread: hyper will not reuse the
    // connection, so the answer says so, and a pooling client does not send on it again.
    // HTTP/1.1 only (as schemathesis speaks it): h2 streams have no such header or problem.
    let fx = Fixture::start().await;
    let ca = std::fs::read(&fx.server.ca_path).expect("ca");
    let http1 = reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(&ca).expect("pem"))
        .http1_only()
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .expect("client");
    let post = |token: &str, key: &str| {
        let body =
            serde_json::json!({"notice_ids": [uuid::Uuid::now_v7()], "read_at": fx.clock.now()});
        http1
            .post(fx.url("/v1/notices/read-marks"))
            .bearer_auth(token)
            .header("Idempotency-Key", format!("\"{key}\""))
            .json(&body)
            .send()
    };
    let refused = post("not-a-token", "k1").await.expect("send");
    assert_eq!(refused.status().as_u16(), 401);
    assert_eq!(
        refused.headers().get("connection").map(|v| v.as_bytes()),
        Some(&b"close"[..]),
        "an unread body ends the connection, and the answer says so"
    );
    let token = fx.wang_fang().await;
    let read = post(&token, "k2").await.expect("send");
    assert_eq!(read.status().as_u16(), 204);
    assert!(
        read.headers().get("connection").is_none(),
        "a body read to its end keeps the connection"
    );
}
