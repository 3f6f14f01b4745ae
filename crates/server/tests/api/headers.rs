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

/// An HTTP/1.1 client of the fixture's server (as schemathesis speaks it): the unread-body
/// problem is HTTP/1.1's; h2 streams end on their own.
fn http1_client(fx: &Fixture) -> reqwest::Client {
    let ca = std::fs::read(&fx.server.ca_path).expect("ca");
    reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(&ca).expect("pem"))
        .http1_only()
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .expect("client")
}

/// A body of read marks naming `count` notices (about 40 bytes each).
fn marks(fx: &Fixture, count: usize) -> String {
    let ids: Vec<uuid::Uuid> = (0..count).map(|_| uuid::Uuid::now_v7()).collect();
    serde_json::json!({"notice_ids": ids, "read_at": fx.clock.now()}).to_string()
}

/// One HTTP/1.1 answer read off `stream`: its status line and headers, its body skipped.
fn read_answer(stream: &mut impl std::io::Read) -> String {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        let n = stream.read(&mut byte).expect("the answer arrives");
        assert_eq!(n, 1, "the connection ended before the answer: {head:?}");
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length: "))
        .map_or(0, |n| n.trim().parse().expect("length"));
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body).expect("the body");
    head
}

#[tokio::test]
async fn a_body_answered_before_it_was_read_does_not_break_the_connection() {
    // A 401 is decided from the headers, before the body is read. The server reads the rest
    // after answering, so the connection carries the next request (before: hyper closed it,
    // and a client sending on it, or still sending a large body, saw it dropped).
    let fx = Fixture::start().await;
    let ca = std::fs::read(&fx.server.ca_path).expect("ca");
    let addr = fx.url("").trim_start_matches("https://").to_owned();
    let body = marks(&fx, 500);
    tokio::task::spawn_blocking(move || {
        use rustls::pki_types::pem::PemObject as _;
        use std::io::Write as _;
        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(rustls::pki_types::CertificateDer::from_pem_slice(&ca).expect("pem"))
            .expect("root");
        let config = rustls::ClientConfig::builder()
            .with_root_certificates(roots)
            .with_no_client_auth();
        let name = rustls::pki_types::ServerName::try_from("127.0.0.1").expect("name");
        let tls = rustls::ClientConnection::new(std::sync::Arc::new(config), name).expect("tls");
        let tcp = std::net::TcpStream::connect(&addr).expect("connect");
        tcp.set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .expect("timeout");
        let mut stream = rustls::StreamOwned::new(tls, tcp);
        write!(
            stream,
            "POST /v1/notices/read-marks HTTP/1.1\r\nhost: {addr}\r\nauthorization: Bearer \
             not-a-token\r\nidempotency-key: \"k\"\r\ncontent-type: application/json\r\n\
             content-length: {}\r\n\r\n{body}",
            body.len()
        )
        .expect("send");
        let refused = read_answer(&mut stream);
        assert!(refused.starts_with("HTTP/1.1 401"), "{refused}");
        assert!(
            !refused.contains("connection: close"),
            "the unread body was read after the answer: the connection stays\n{refused}"
        );
        write!(stream, "GET /v1/health HTTP/1.1\r\nhost: {addr}\r\n\r\n").expect("send");
        let health = read_answer(&mut stream);
        assert!(
            health.starts_with("HTTP/1.1 200"),
            "the same connection answers the next request: {health}"
        );
    })
    .await
    .expect("the raw client");
}

#[tokio::test]
async fn a_body_too_large_to_read_after_the_answer_closes_the_connection() {
    let fx = Fixture::start().await;
    let refused = http1_client(&fx)
        .post(fx.url("/v1/notices/read-marks"))
        .bearer_auth("not-a-token")
        .header("Idempotency-Key", "\"k\"")
        .header("Content-Type", "application/json")
        .body(marks(&fx, 8000))
        .send()
        .await
        .expect("the refusal arrives");
    assert_eq!(refused.status().as_u16(), 401);
    assert_eq!(
        refused.headers().get("connection").map(|v| v.as_bytes()),
        Some(&b"close"[..]),
        "a body past what is read after the answer ends the connection, and the answer says so"
    );
}
