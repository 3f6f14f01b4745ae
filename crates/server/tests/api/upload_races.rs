//! tus failure paths the happy tests do not reach: a wrong SHA-256 (per chunk in
//! `Upload-Checksum`, and for the whole photo in the `sha256` metadata) and two PATCHes of one
//! upload at the same offset at the same time. The file on disk and the upload's row are what
//! is checked, not the client's idea of what it sent.

use crate::tickets::{create as create_ticket, household, repair};
use crate::uploads::{announcing, b64, create, head, header, hex, patch, photo};
use crate::{Fixture, expect_problem};
use reqwest::StatusCode;
use rustls::pki_types::pem::PemObject as _;
use sha2::Digest as _;
use std::io::{Read as _, Write as _};
use std::time::{Duration, Instant};
use uuid::Uuid;

fn stored(fx: &Fixture, id: Uuid) -> Vec<u8> {
    std::fs::read(fx.server.state.uploads_dir.join(id.to_string())).unwrap_or_default()
}

/// The upload's row as the server recorded it: offset and status.
async fn row(fx: &Fixture, id: Uuid) -> (i64, String) {
    sqlx::query_as("SELECT offset, status FROM uploads WHERE id = ?")
        .bind(id.to_string())
        .fetch_one(&fx.server.state.db)
        .await
        .expect("the upload's row")
}

#[tokio::test]
async fn a_wrong_sha256_is_refused_per_chunk_and_for_the_whole_photo() {
    let fx = Fixture::start().await;
    let token = fx.wang_fang().await;
    let bytes = photo();
    let half = bytes.len() / 2;

    // Per chunk: the digest of other bytes than those sent.
    let id = Uuid::now_v7();
    assert_eq!(
        create(&fx, &token, id, &bytes).await.status(),
        StatusCode::CREATED
    );
    let wrong = format!("sha256 {}", b64(&sha2::Sha256::digest(&bytes[1..=half])));
    let refused = patch(&fx, &token, id, 0, &bytes[..half], Some(wrong)).await;
    assert_eq!(
        header(&refused, "upload-offset"),
        None,
        "a refused chunk does not announce a new offset"
    );
    expect_problem(refused, 460, "checksum-mismatch").await;
    assert_eq!(row(&fx, id).await.0, 0, "the offset did not move");
    assert!(
        stored(&fx, id).is_empty(),
        "the refused bytes were discarded from the file"
    );
    let right = format!("sha256 {}", b64(&sha2::Sha256::digest(&bytes[..half])));
    assert_eq!(
        patch(&fx, &token, id, 0, &bytes[..half], Some(right))
            .await
            .status(),
        StatusCode::NO_CONTENT,
        "the same bytes with their own digest are taken"
    );
    assert_eq!(stored(&fx, id), bytes[..half], "exactly those bytes");

    // Whole photo: the announced SHA-256 is of a photo that differs in one byte.
    let mut other = bytes.clone();
    other[bytes.len() - 3] ^= 0x01;
    let id = Uuid::now_v7();
    let announced = hex(&sha2::Sha256::digest(&other));
    assert_eq!(
        announcing(&fx, &token, id, bytes.len(), &announced)
            .await
            .status(),
        StatusCode::CREATED
    );
    let sum = format!("sha256 {}", b64(&sha2::Sha256::digest(&bytes)));
    let done = patch(&fx, &token, id, 0, &bytes, Some(sum)).await;
    assert_eq!(done.status(), StatusCode::NO_CONTENT, "every chunk matched");
    assert_eq!(
        header(&done, "attachment-status").as_deref(),
        Some("rejected"),
        "but the photo is not the one announced"
    );
    assert_eq!(
        header(&done, "attachment-reason").as_deref(),
        Some("sha256-mismatch")
    );
    assert_eq!(
        header(&head(&fx, &token, id).await, "attachment-status").as_deref(),
        Some("rejected"),
        "HEAD says so too"
    );
    assert_eq!(
        row(&fx, id).await,
        (bytes.len() as i64, "rejected".to_owned()),
        "recorded as rejected"
    );
    let membership = household(&fx, &token).await;
    let ticket = create_ticket(&fx, &token, repair(&fx, &membership, &[id])).await;
    expect_problem(ticket, 422, "validation-failed").await;
}

/// A PATCH at offset 0 spoken by hand over a TLS connection of its own, so the test decides
/// when the rest of its body leaves (reqwest, without its `stream` feature, hands a body over
/// all at once). Blocking: run it off the runtime's thread.
struct HandPatch {
    tls: rustls::StreamOwned<rustls::ClientConnection, std::net::TcpStream>,
}

impl HandPatch {
    /// Sends the request head and the first `part` of a body of `length` bytes to the server
    /// at `addr` whose CA certificate is at `ca`.
    fn open(
        ca: &std::path::Path,
        addr: std::net::SocketAddr,
        token: &str,
        id: Uuid,
        length: usize,
        part: &[u8],
    ) -> Self {
        let ca = std::fs::read(ca).expect("the test CA");
        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(rustls::pki_types::CertificateDer::from_pem_slice(&ca).expect("pem"))
            .expect("trust the test CA");
        let config = rustls::ClientConfig::builder()
            .with_root_certificates(roots)
            .with_no_client_auth();
        let name = rustls::pki_types::ServerName::from(addr.ip());
        let conn =
            rustls::ClientConnection::new(std::sync::Arc::new(config), name).expect("a TLS client");
        let tcp = std::net::TcpStream::connect(addr).expect("connect");
        let mut tls = rustls::StreamOwned::new(conn, tcp);
        let head = format!(
            "PATCH /v1/uploads/{id} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
             Tus-Resumable: 1.0.0\r\nUpload-Offset: 0\r\n\
             Content-Type: application/offset+octet-stream\r\nContent-Length: {length}\r\n\
             Connection: close\r\n\r\n"
        );
        tls.write_all(head.as_bytes()).expect("request head");
        tls.write_all(part).expect("first part of the body");
        tls.flush().expect("flush");
        Self { tls }
    }

    /// Sends the rest of the body; the answer's status and head.
    fn finish(mut self, rest: &[u8]) -> (u16, String) {
        self.tls.write_all(rest).expect("rest of the body");
        self.tls.flush().expect("flush");
        let mut answer = Vec::new();
        let mut buf = [0u8; 4096];
        while !answer.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = self.tls.read(&mut buf).expect("read the answer");
            assert!(n > 0, "the server closed before answering");
            answer.extend_from_slice(&buf[..n]);
        }
        let text = String::from_utf8_lossy(&answer).to_lowercase();
        let status = text
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .expect("a status line");
        (status, text)
    }
}

/// Waits (bounded) until `ready` holds: the server's state, not a guessed delay.
async fn until(what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !ready() {
        assert!(Instant::now() < deadline, "never happened: {what}");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

#[tokio::test]
async fn two_patches_at_the_same_offset_at_once_one_is_applied_the_other_is_409() {
    let fx = Fixture::start().await;
    let token = fx.wang_fang().await;
    let bytes = photo();
    let half = bytes.len() / 2;
    let id = Uuid::now_v7();
    assert_eq!(
        create(&fx, &token, id, &bytes).await.status(),
        StatusCode::CREATED
    );
    let locks = fx.server.state.upload_locks.clone();

    // The first PATCH is inside its write: it holds the upload and half its body is on disk.
    let opened = {
        let (ca, addr) = (fx.server.ca_path.clone(), fx.server.addr);
        let (token, part, len) = (token.clone(), bytes[..half].to_vec(), bytes.len());
        tokio::task::spawn_blocking(move || HandPatch::open(&ca, addr, &token, id, len, &part))
            .await
            .expect("first PATCH opened")
    };
    until("the first PATCH holds the upload and writes", || {
        locks.writers(id) == 1 && stored(&fx, id).len() >= half
    })
    .await;

    // The second, the whole photo at the same offset, arrives meanwhile and queues behind it.
    let second = {
        let (ca, addr) = (fx.server.ca_path.clone(), fx.server.addr);
        let (token, all) = (token.clone(), bytes.clone());
        tokio::task::spawn_blocking(move || {
            HandPatch::open(&ca, addr, &token, id, all.len(), &all).finish(&[])
        })
    };
    until("the second PATCH waits for the same upload", || {
        locks.writers(id) == 2
    })
    .await;
    assert!(
        !second.is_finished(),
        "nothing answers the second while the first writes"
    );

    let rest = bytes[half..].to_vec();
    let (first_status, first_head) = tokio::task::spawn_blocking(move || opened.finish(&rest))
        .await
        .expect("first PATCH");
    let (second_status, second_head) = second.await.expect("second PATCH");
    assert_eq!(
        first_status, 204,
        "the PATCH that had the upload is applied: {first_head}"
    );
    assert!(
        first_head.contains("attachment-status: complete"),
        "and completes the photo: {first_head}"
    );
    assert_eq!(
        second_status, 409,
        "the other finds the offset moved: {second_head}"
    );
    assert!(
        second_head.contains(&format!("upload-offset: {}", bytes.len())),
        "and is told where the upload stands: {second_head}"
    );
    assert_eq!(
        stored(&fx, id),
        bytes,
        "the file holds the bytes exactly once"
    );
    assert_eq!(
        row(&fx, id).await,
        (bytes.len() as i64, "complete".to_owned()),
        "recorded once, complete"
    );
}
