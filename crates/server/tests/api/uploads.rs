//! tus 1.0.0 at /v1/uploads, spoken by hand so every header and status is pinned.

use crate::{Fixture, access, expect_problem};
use base64::Engine as _;
use linli_server::seed::LI_QIANG_PHONE;
use reqwest::{Method, StatusCode};
use sha2::Digest as _;
use uuid::Uuid;

pub(crate) fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

pub(crate) fn photo() -> Vec<u8> {
    let image = image::RgbImage::from_fn(320, 240, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
    });
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(image)
        .write_to(
            &mut std::io::Cursor::new(&mut out),
            image::ImageFormat::Jpeg,
        )
        .expect("jpeg");
    out
}

pub(crate) fn header(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

pub(crate) async fn create(fx: &Fixture, token: &str, id: Uuid, bytes: &[u8]) -> reqwest::Response {
    announcing(
        fx,
        token,
        id,
        bytes.len(),
        &hex(&sha2::Sha256::digest(bytes)),
    )
    .await
}

/// Creates an upload of `length` bytes announcing `sha` (hex) as the whole photo's SHA-256.
pub(crate) async fn announcing(
    fx: &Fixture,
    token: &str,
    id: Uuid,
    length: usize,
    sha: &str,
) -> reqwest::Response {
    fx.request(Method::POST, "/v1/uploads", Some(token))
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", length.to_string())
        .header(
            "Upload-Metadata",
            format!(
                "attachment_id {},filename {},content_type {},sha256 {}",
                b64(id.to_string().as_bytes()),
                b64("门锁.jpg".as_bytes()),
                b64(b"image/jpeg"),
                b64(sha.as_bytes())
            ),
        )
        .send()
        .await
        .expect("create")
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) async fn patch(
    fx: &Fixture,
    token: &str,
    id: Uuid,
    offset: usize,
    chunk: &[u8],
    checksum: Option<String>,
) -> reqwest::Response {
    let mut request = fx
        .request(Method::PATCH, &format!("/v1/uploads/{id}"), Some(token))
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Offset", offset.to_string())
        .header("Content-Type", "application/offset+octet-stream");
    if let Some(checksum) = checksum {
        request = request.header("Upload-Checksum", checksum);
    }
    request.body(chunk.to_vec()).send().await.expect("patch")
}

pub(crate) async fn head(fx: &Fixture, token: &str, id: Uuid) -> reqwest::Response {
    fx.request(Method::HEAD, &format!("/v1/uploads/{id}"), Some(token))
        .header("Tus-Resumable", "1.0.0")
        .send()
        .await
        .expect("head")
}

#[tokio::test]
async fn options_advertise_tus_and_its_extensions() {
    let fx = Fixture::start().await;
    let response = fx
        .request(Method::OPTIONS, "/v1/uploads", None)
        .send()
        .await
        .expect("options");
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(header(&response, "tus-version").as_deref(), Some("1.0.0"));
    let extensions = header(&response, "tus-extension").expect("extensions");
    for ext in [
        "creation",
        "creation-with-upload",
        "expiration",
        "checksum",
        "termination",
    ] {
        assert!(
            extensions.split(',').any(|e| e == ext),
            "{ext} in {extensions}"
        );
    }
    assert!(
        header(&response, "tus-checksum-algorithm")
            .expect("algorithms")
            .contains("sha1"),
        "sha1 is mandatory"
    );
    assert!(header(&response, "tus-max-size").is_some());
}

#[tokio::test]
async fn an_upload_in_chunks_with_checksums_completes_once_and_says_so_on_head() {
    let fx = Fixture::start().await;
    let token = fx.wang_fang().await;
    let bytes = photo();
    let id = Uuid::now_v7();
    let created = create(&fx, &token, id, &bytes).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    assert_eq!(header(&created, "tus-resumable").as_deref(), Some("1.0.0"));
    assert_eq!(
        header(&created, "location").as_deref(),
        Some(format!("/v1/uploads/{id}").as_str())
    );
    assert!(
        header(&created, "upload-expires").is_some_and(|v| v.ends_with("GMT")),
        "an HTTP-date"
    );
    let again = create(&fx, &token, id, &bytes).await;
    assert_eq!(
        again.status(),
        StatusCode::OK,
        "a retried creation finds the same upload"
    );

    let third = bytes.len() / 3;
    let mut offset = 0;
    for (n, chunk) in [
        &bytes[..third],
        &bytes[third..2 * third],
        &bytes[2 * third..],
    ]
    .into_iter()
    .enumerate()
    {
        let sum = format!("sha256 {}", b64(&sha2::Sha256::digest(chunk)));
        let response = patch(&fx, &token, id, offset, chunk, Some(sum)).await;
        assert_eq!(response.status(), StatusCode::NO_CONTENT, "chunk {n}");
        offset += chunk.len();
        assert_eq!(header(&response, "upload-offset"), Some(offset.to_string()));
        if n < 2 {
            assert!(header(&response, "attachment-status").is_none());
        } else {
            assert_eq!(
                header(&response, "attachment-status").as_deref(),
                Some("complete")
            );
            assert_eq!(header(&response, "attachment-id"), Some(id.to_string()));
        }
    }
    let state = head(&fx, &token, id).await;
    assert_eq!(state.status(), StatusCode::OK);
    assert_eq!(header(&state, "cache-control").as_deref(), Some("no-store"));
    assert_eq!(
        header(&state, "upload-offset"),
        Some(bytes.len().to_string())
    );
    assert_eq!(
        header(&state, "upload-length"),
        Some(bytes.len().to_string())
    );
    assert_eq!(
        header(&state, "attachment-status").as_deref(),
        Some("complete"),
        "a lost final response costs nothing"
    );
    let stored = std::fs::read(fx.server.state.uploads_dir.join(id.to_string())).expect("stored");
    assert_eq!(stored, bytes, "byte for byte");
}

#[tokio::test]
async fn wrong_offsets_checksums_versions_and_types_are_refused_without_moving() {
    let fx = Fixture::start().await;
    let token = fx.wang_fang().await;
    let bytes = photo();
    let id = Uuid::now_v7();
    assert_eq!(
        create(&fx, &token, id, &bytes).await.status(),
        StatusCode::CREATED
    );

    let mismatch = patch(&fx, &token, id, 10, &bytes[..100], None).await;
    assert_eq!(
        header(&mismatch, "upload-offset").as_deref(),
        Some("0"),
        "the right offset to resume from"
    );
    expect_problem(mismatch, 409, "upload-offset-mismatch").await;

    let wrong = format!("sha1 {}", b64(&[0u8; 20]));
    expect_problem(
        patch(&fx, &token, id, 0, &bytes[..100], Some(wrong)).await,
        460,
        "checksum-mismatch",
    )
    .await;
    let unknown = format!("md5 {}", b64(&[0u8; 16]));
    expect_problem(
        patch(&fx, &token, id, 0, &bytes[..100], Some(unknown)).await,
        400,
        "bad-request",
    )
    .await;
    assert_eq!(
        header(&head(&fx, &token, id).await, "upload-offset").as_deref(),
        Some("0"),
        "nothing was kept"
    );

    let good_sha1 = format!("sha1 {}", b64(&sha1::Sha1::digest(&bytes[..100])));
    assert_eq!(
        patch(&fx, &token, id, 0, &bytes[..100], Some(good_sha1))
            .await
            .status(),
        StatusCode::NO_CONTENT,
        "sha1 works"
    );

    let no_version = fx
        .request(Method::PATCH, &format!("/v1/uploads/{id}"), Some(&token))
        .header("Upload-Offset", "100")
        .header("Content-Type", "application/offset+octet-stream")
        .body(vec![1, 2, 3])
        .send()
        .await
        .expect("patch");
    assert_eq!(header(&no_version, "tus-version").as_deref(), Some("1.0.0"));
    expect_problem(no_version, 412, "tus-version-unsupported").await;
    let wrong_type = fx
        .request(Method::PATCH, &format!("/v1/uploads/{id}"), Some(&token))
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Offset", "100")
        .header("Content-Type", "image/jpeg")
        .body(vec![1, 2, 3])
        .send()
        .await
        .expect("patch");
    expect_problem(wrong_type, 415, "unsupported-media-type").await;
    let too_big = fx
        .request(Method::POST, "/v1/uploads", Some(&token))
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", (200 * 1024 * 1024).to_string())
        .send()
        .await
        .expect("post");
    expect_problem(too_big, 413, "payload-too-large").await;
    let overflow = patch(&fx, &token, id, 100, &vec![0u8; bytes.len()], None).await;
    expect_problem(overflow, 413, "payload-too-large").await;
    assert_eq!(
        header(&head(&fx, &token, id).await, "upload-offset").as_deref(),
        Some("100")
    );
}

#[tokio::test]
async fn bytes_past_the_recorded_offset_are_never_part_of_the_upload() {
    // A PATCH whose client vanishes can be dropped by the server after its bytes reach the
    // file but before the new offset is recorded (the kill -9 test met exactly this). The file
    // then holds more than the offset says; the next PATCH must write at the offset, not after
    // the stray bytes, or the photo ends up corrupt and refused.
    let fx = Fixture::start().await;
    let token = fx.wang_fang().await;
    let bytes = photo();
    let id = Uuid::now_v7();
    assert_eq!(
        create(&fx, &token, id, &bytes).await.status(),
        StatusCode::CREATED
    );
    let half = bytes.len() / 2;
    let first = patch(&fx, &token, id, 0, &bytes[..half], None).await;
    assert_eq!(first.status(), StatusCode::NO_CONTENT);
    let file = fx.server.state.uploads_dir.join(id.to_string());
    let mut stray = std::fs::OpenOptions::new()
        .append(true)
        .open(&file)
        .expect("the upload's file");
    std::io::Write::write_all(&mut stray, &bytes[half..half + 1000]).expect("stray bytes");
    drop(stray);
    assert_eq!(
        header(&head(&fx, &token, id).await, "upload-offset"),
        Some(half.to_string()),
        "HEAD answers the recorded offset, not the file's length"
    );
    let sum = format!("sha256 {}", b64(&sha2::Sha256::digest(&bytes[half..])));
    let last = patch(&fx, &token, id, half, &bytes[half..], Some(sum)).await;
    assert_eq!(last.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        header(&last, "attachment-status").as_deref(),
        Some("complete"),
        "the announced sha256 matches: nothing stray got in"
    );
    assert_eq!(
        std::fs::read(&file).expect("stored"),
        bytes,
        "byte for byte"
    );
}

#[tokio::test]
async fn creation_with_upload_termination_expiry_privacy_and_content_checks() {
    let fx = Fixture::start().await;
    let token = fx.wang_fang().await;
    let bytes = photo();

    // The whole photo in the creation request.
    let id = Uuid::now_v7();
    let response = fx
        .request(Method::POST, "/v1/uploads", Some(&token))
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", bytes.len().to_string())
        .header(
            "Upload-Metadata",
            format!("attachment_id {}", b64(id.to_string().as_bytes())),
        )
        .header("Content-Type", "application/offset+octet-stream")
        .body(bytes.clone())
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(
        header(&response, "upload-offset"),
        Some(bytes.len().to_string())
    );
    assert_eq!(
        header(&response, "attachment-status").as_deref(),
        Some("complete")
    );

    // Another resident cannot see it, nor take its id.
    let li = access(&fx.login(LI_QIANG_PHONE).await);
    assert_eq!(head(&fx, &li, id).await.status(), StatusCode::NOT_FOUND);
    expect_problem(create(&fx, &li, id, &bytes).await, 409, "already-exists").await;

    // Termination.
    let deleted = fx
        .request(Method::DELETE, &format!("/v1/uploads/{id}"), Some(&token))
        .header("Tus-Resumable", "1.0.0")
        .send()
        .await
        .expect("delete");
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert_eq!(head(&fx, &token, id).await.status(), StatusCode::NOT_FOUND);

    // Text pretending to be a photo is refused once complete.
    let text = b"not a picture at all, just text".to_vec();
    let id = Uuid::now_v7();
    assert_eq!(
        create(&fx, &token, id, &text).await.status(),
        StatusCode::CREATED
    );
    let done = patch(&fx, &token, id, 0, &text, None).await;
    assert_eq!(
        header(&done, "attachment-status").as_deref(),
        Some("rejected")
    );
    assert_eq!(
        header(&done, "attachment-reason").as_deref(),
        Some("not-a-picture")
    );

    // An upload left unfinished expires after a day.
    let id = Uuid::now_v7();
    assert_eq!(
        create(&fx, &token, id, &bytes).await.status(),
        StatusCode::CREATED
    );
    fx.clock.advance(std::time::Duration::from_secs(25 * 3600));
    let token = fx.wang_fang().await;
    assert_eq!(head(&fx, &token, id).await.status(), StatusCode::NOT_FOUND);
    let purged = linli_server::features::uploads::purge_expired(&fx.server.state)
        .await
        .expect("purge");
    assert_eq!(
        purged, 2,
        "the expired unfinished upload and the rejected text go (upload_quota.rs pins the rest)"
    );
    assert!(
        !fx.server.state.uploads_dir.join(id.to_string()).exists(),
        "its bytes are gone"
    );
}
