//! What a resident's uploads may hold on the server's disk: a quota of outstanding
//! (unfinished, or finished but on no ticket) uploads, refused at creation with a way out, and
//! housekeeping that deletes what no ticket will hold, on the server's (test) clock.

use crate::uploads::{create, head, header, patch, photo};
use crate::{Fixture, access, expect_problem};
use linli_server::seed::LI_QIANG_PHONE;
use linli_wire::limits::{UPLOAD_QUOTA_BYTES, UPLOAD_QUOTA_COUNT};
use reqwest::{Method, StatusCode};
use std::time::Duration;
use uuid::Uuid;

/// The largest upload the server takes.
const BIG: u64 = linli_server::features::uploads::MAX_UPLOAD;

/// Announces an upload of `length` bytes (no bytes sent).
async fn reserve(fx: &Fixture, token: &str, length: u64) -> reqwest::Response {
    fx.request(Method::POST, "/v1/uploads", Some(token))
        .header("Tus-Resumable", "1.0.0")
        .header("Upload-Length", length.to_string())
        .send()
        .await
        .expect("create")
}

async fn terminate(fx: &Fixture, token: &str, location: &str) -> StatusCode {
    fx.request(Method::DELETE, location, Some(token))
        .header("Tus-Resumable", "1.0.0")
        .send()
        .await
        .expect("delete")
        .status()
}

#[tokio::test]
async fn five_full_size_reservations_at_once_are_refused_at_the_fifth_with_the_way_out() {
    let fx = Fixture::start().await;
    let token = fx.wang_fang().await;
    let fit = UPLOAD_QUOTA_BYTES / BIG;
    assert_eq!(fit, 4, "the quota holds four uploads of the largest size");
    let mut locations = Vec::new();
    for _ in 0..fit {
        let response = reserve(&fx, &token, BIG).await;
        assert_eq!(response.status(), StatusCode::CREATED, "within the quota");
        locations.push(header(&response, "location").expect("Location"));
    }
    let refused = reserve(&fx, &token, BIG).await;
    let retry_after = header(&refused, "retry-after").expect("Retry-After on the refusal");
    let wait: u64 = retry_after.parse().expect("seconds");
    assert!(
        wait > 23 * 3600 && wait <= 24 * 3600,
        "the first reservation lapses in a day: {wait}"
    );
    assert_eq!(
        header(&refused, "tus-resumable").as_deref(),
        Some("1.0.0"),
        "a tus answer"
    );
    let body = expect_problem(refused, 429, "upload-quota-exceeded").await;
    let detail = body["detail"].as_str().expect("detail");
    assert!(
        detail.contains("DELETE /v1/uploads/{id}") && detail.contains("100 of 100 MiB"),
        "the detail says what is held and how to free it: {detail}"
    );
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM uploads")
        .fetch_one(&fx.server.state.db)
        .await
        .expect("count");
    assert_eq!(
        rows,
        i64::try_from(fit).expect("count"),
        "the refused creation left no row"
    );

    // Someone else's quota is their own.
    let li = access(&fx.login(LI_QIANG_PHONE).await);
    assert_eq!(reserve(&fx, &li, BIG).await.status(), StatusCode::CREATED);

    // Terminating one frees its room at once.
    assert_eq!(
        terminate(&fx, &token, &locations[0]).await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        reserve(&fx, &token, BIG).await.status(),
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn the_quota_counts_uploads_too_and_finished_unattached_ones_hold_their_room() {
    let fx = Fixture::start().await;
    let token = fx.wang_fang().await;
    let bytes = photo();
    // Finished photos waiting for their ticket count like unfinished ones.
    for _ in 0..UPLOAD_QUOTA_COUNT {
        let id = Uuid::now_v7();
        assert_eq!(
            create(&fx, &token, id, &bytes).await.status(),
            StatusCode::CREATED
        );
        let done = patch(&fx, &token, id, 0, &bytes, None).await;
        assert_eq!(
            header(&done, "attachment-status").as_deref(),
            Some("complete")
        );
    }
    expect_problem(reserve(&fx, &token, 10).await, 429, "upload-quota-exceeded").await;
}

#[tokio::test]
async fn parallel_creations_never_take_more_than_the_quota() {
    let fx = Fixture::start().await;
    let token = fx.wang_fang().await;
    let tries = (0..10).map(|_| reserve(&fx, &token, BIG));
    let answers = futures::future::join_all(tries).await;
    let created = answers
        .iter()
        .filter(|r| r.status() == StatusCode::CREATED)
        .count();
    let refused = answers
        .iter()
        .filter(|r| r.status() == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(
        (created, refused),
        (4, 6),
        "check and insert are one statement: ten at once take exactly the four rooms"
    );
}

#[tokio::test]
async fn housekeeping_deletes_rejected_at_once_and_unattached_after_a_day() {
    let fx = Fixture::start().await;
    let token = fx.wang_fang().await;
    let file = |id: Uuid| fx.server.state.uploads_dir.join(id.to_string());
    let rows = |id: Uuid| {
        let id = id.to_string();
        let fx = &fx;
        async move {
            fx.count("SELECT COUNT(*) FROM uploads WHERE id = ?", &id)
                .await
        }
    };

    // A refused upload's bytes go with the verdict; HEAD still tells it until housekeeping.
    let text = b"not a picture at all".to_vec();
    let rejected = Uuid::now_v7();
    assert_eq!(
        create(&fx, &token, rejected, &text).await.status(),
        StatusCode::CREATED
    );
    let done = patch(&fx, &token, rejected, 0, &text, None).await;
    assert_eq!(
        header(&done, "attachment-status").as_deref(),
        Some("rejected")
    );
    assert!(
        !file(rejected).exists(),
        "a rejected upload's bytes are deleted at once"
    );
    assert_eq!(
        header(&head(&fx, &token, rejected).await, "attachment-status").as_deref(),
        Some("rejected"),
        "a client that lost the last answer learns the verdict"
    );

    // A finished photo on no ticket, and one left unfinished.
    let bytes = photo();
    let finished = Uuid::now_v7();
    assert_eq!(
        create(&fx, &token, finished, &bytes).await.status(),
        StatusCode::CREATED
    );
    patch(&fx, &token, finished, 0, &bytes, None).await;
    let unfinished = Uuid::now_v7();
    assert_eq!(
        create(&fx, &token, unfinished, &bytes).await.status(),
        StatusCode::CREATED
    );
    patch(&fx, &token, unfinished, 0, &bytes[..100], None).await;

    fx.server
        .state
        .clock
        .advance(Duration::from_secs(23 * 3600));
    linli_server::serve::tidy(&fx.server.state)
        .await
        .expect("housekeeping");
    assert_eq!(
        rows(rejected).await,
        0,
        "housekeeping deletes rejected uploads whatever their age"
    );
    assert_eq!(
        rows(finished).await,
        1,
        "a finished photo waits a day for its ticket"
    );
    assert!(file(finished).exists());
    assert_eq!(
        rows(unfinished).await,
        1,
        "an unfinished one lives until Upload-Expires"
    );

    fx.server.state.clock.advance(Duration::from_secs(2 * 3600));
    linli_server::serve::tidy(&fx.server.state)
        .await
        .expect("housekeeping");
    for (id, what) in [
        (finished, "the never-attached photo"),
        (unfinished, "the unfinished upload"),
    ] {
        assert_eq!(rows(id).await, 0, "{what} is deleted after a day");
        assert!(!file(id).exists(), "{what}'s bytes are deleted too");
    }
}

#[tokio::test]
async fn an_upload_that_expired_before_housekeeping_is_created_afresh_under_its_id() {
    let fx = Fixture::start().await;
    let token = fx.wang_fang().await;
    let bytes = photo();
    let id = Uuid::now_v7();
    assert_eq!(
        create(&fx, &token, id, &bytes).await.status(),
        StatusCode::CREATED
    );
    patch(&fx, &token, id, 0, &bytes[..100], None).await;
    fx.server
        .state
        .clock
        .advance(Duration::from_secs(25 * 3600));
    let token = fx.wang_fang().await;
    assert_eq!(head(&fx, &token, id).await.status(), StatusCode::NOT_FOUND);
    // The client (crates/core/src/tus.rs) starts over on 404 with the same attachment id.
    let again = create(&fx, &token, id, &bytes).await;
    assert_eq!(
        again.status(),
        StatusCode::CREATED,
        "a new upload, not the dead one handed back (which every PATCH would answer 404)"
    );
    assert_eq!(header(&again, "upload-offset").as_deref(), Some("0"));
    let done = patch(&fx, &token, id, 0, &bytes, None).await;
    assert_eq!(done.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        header(&done, "attachment-status").as_deref(),
        Some("complete")
    );
}
