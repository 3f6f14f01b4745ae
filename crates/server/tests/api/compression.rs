//! Compressed answers: negotiated by `Accept-Encoding`, never forced on a client that did not
//! ask, and never applied twice to a body that is already compressed (a JPEG attachment).

use crate::Fixture;
use crate::tickets::{create, household, jpeg, photo, repair};
use reqwest::StatusCode;
use serde_json::Value;
use std::io::Read as _;

/// A client of the fixture's server that decodes nothing itself, so the test sees the wire.
fn raw_client(fx: &Fixture) -> reqwest::Client {
    let ca = std::fs::read(&fx.server.ca_path).expect("ca");
    reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(&ca).expect("pem"))
        .no_gzip()
        .no_brotli()
        .build()
        .expect("client")
}

async fn fetch(fx: &Fixture, path: &str, token: &str, encoding: Option<&str>) -> reqwest::Response {
    let mut request = raw_client(fx).get(fx.url(path)).bearer_auth(token);
    if let Some(encoding) = encoding {
        request = request.header("Accept-Encoding", encoding);
    }
    let response = request.send().await.expect("GET");
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    response
}

fn encoding(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get("content-encoding")
        .map(|v| v.to_str().expect("ascii").to_owned())
}

#[tokio::test]
async fn answers_are_compressed_only_when_the_client_asks() {
    let fx = Fixture::start().await;
    let token = fx.wang_fang().await;
    let plain = fetch(&fx, "/v1/notices", &token, None).await;
    assert_eq!(encoding(&plain), None, "no Accept-Encoding: identity");
    let plain = plain.bytes().await.expect("body");
    let plain: Value = serde_json::from_slice(&plain).expect("identity JSON");

    let gzipped = fetch(&fx, "/v1/notices", &token, Some("gzip")).await;
    assert_eq!(
        encoding(&gzipped).as_deref(),
        Some("gzip"),
        "asked for gzip"
    );
    assert_eq!(
        gzipped.headers()["vary"].to_str().expect("vary"),
        "accept-encoding",
        "a cache must not hand the gzip body to a client that did not ask"
    );
    let wire = gzipped.bytes().await.expect("body");
    let mut json = Vec::new();
    flate2::read::GzDecoder::new(wire.as_ref())
        .read_to_end(&mut json)
        .expect("a gzip stream");
    assert!(
        wire.len() * 3 < json.len(),
        "JSON compresses well: {} -> {} bytes",
        json.len(),
        wire.len()
    );
    let decoded: Value = serde_json::from_slice(&json).expect("gzip decodes to JSON");
    assert_eq!(decoded, plain, "the same answer either way");

    let brotli = fetch(&fx, "/v1/notices", &token, Some("br;q=1.0, gzip;q=0.5")).await;
    assert_eq!(
        encoding(&brotli).as_deref(),
        Some("br"),
        "the client's preference"
    );
}

#[tokio::test]
async fn a_jpeg_attachment_is_not_compressed_again() {
    let fx = Fixture::start().await;
    let token = fx.wang_fang().await;
    let membership = household(&fx, &token).await;
    let shown = photo(&fx, &token).await;
    let created = create(&fx, &token, repair(&fx, &membership, &[shown])).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let got = fetch(
        &fx,
        &format!("/v1/attachments/{shown}"),
        &token,
        Some("gzip, br"),
    )
    .await;
    assert_eq!(got.headers()["content-type"], "image/jpeg");
    assert_eq!(encoding(&got), None, "a JPEG gains nothing from gzip");
    assert_eq!(
        got.bytes().await.expect("bytes").as_ref(),
        jpeg().as_slice()
    );
}

#[tokio::test]
async fn an_entity_tag_is_weak_and_the_same_for_every_coding_and_its_304() {
    let fx = Fixture::start().await;
    let token = fx.wang_fang().await;
    let plain = fetch(&fx, "/v1/me", &token, None).await;
    let tag = plain.headers()["etag"].to_str().expect("etag").to_owned();
    assert!(
        tag.starts_with("W/\""),
        "weak: one tag for the identity and the encoded bodies (RFC 9110 §8.8.3): {tag}"
    );
    let gzipped = fetch(&fx, "/v1/me", &token, Some("gzip")).await;
    assert_eq!(encoding(&gzipped).as_deref(), Some("gzip"));
    assert_eq!(
        gzipped.headers()["etag"],
        tag.as_str(),
        "the same tag gzip-encoded"
    );
    let again = raw_client(&fx)
        .get(fx.url("/v1/me"))
        .bearer_auth(&token)
        .header("Accept-Encoding", "gzip")
        .header("If-None-Match", &tag)
        .send()
        .await
        .expect("GET");
    assert_eq!(
        again.status(),
        StatusCode::NOT_MODIFIED,
        "the tag revalidates"
    );
    assert_eq!(
        again.headers()["etag"],
        tag.as_str(),
        "and the 304 names it again"
    );
    let notice = fetch(&fx, "/v1/notices", &token, Some("gzip")).await;
    let notice_tag = notice.headers()["etag"].to_str().expect("etag").to_owned();
    assert!(
        notice_tag.starts_with("W/\""),
        "a handler's own tag too: {notice_tag}"
    );
    let again = raw_client(&fx)
        .get(fx.url("/v1/notices"))
        .bearer_auth(&token)
        .header("If-None-Match", &notice_tag)
        .send()
        .await
        .expect("GET");
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(
        again.headers()["etag"],
        notice_tag.as_str(),
        "the notices' 304 names it again"
    );
}
