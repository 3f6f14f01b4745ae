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
