//! Idempotency-Key behaviour the contract documents, against the real server and database:
//! a key whose write is still running is answered 409 `idempotency-in-progress` with
//! `Retry-After`; a 5xx is never stored, so the same key applies the write once the server can;
//! housekeeping forgets outcomes exactly [`RETENTION`] after they were stored, on the server's
//! clock. Counts are of what the backend applied (outcome rows, ticket `created` events),
//! never of rows a primary key folds together.

use crate::tickets::{create, household, repair};
use crate::{Fixture, expect_problem};
use linli_server::idempotency::RETENTION;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

/// What the backend applied for the ticket `id`: stored outcomes of its key and `created`
/// events. (A resident's ticket write records no change-log row, only the demo seed does, so
/// there is none to count.)
async fn applied(fx: &Fixture, id: &str) -> (i64, i64) {
    (
        fx.count("SELECT COUNT(*) FROM idempotency_keys WHERE key = ?", id)
            .await,
        fx.count(
            "SELECT COUNT(*) FROM ticket_events WHERE ticket_id = ? AND action = 'created'",
            id,
        )
        .await,
    )
}

/// A server, Wang Fang's token, a repair report's body for her household and its id.
async fn signed_in_with_a_repair() -> (Fixture, String, Value, String) {
    let fx = Fixture::start().await;
    let token = fx.wang_fang().await;
    let membership = household(&fx, &token).await;
    let body = repair(&fx, &membership, &[]);
    let id = body["id"].as_str().expect("id").to_owned();
    (fx, token, body, id)
}

fn replayed(response: &reqwest::Response) -> bool {
    response
        .headers()
        .get("idempotent-replayed")
        .is_some_and(|v| v == "true")
}

#[tokio::test]
async fn a_key_whose_write_is_still_running_is_answered_409_with_retry_after() {
    let (fx, token, body, id) = signed_in_with_a_repair().await;

    // A second writer of our own holds SQLite's write lock: whichever request claims the key
    // first then waits inside its write (`BEGIN IMMEDIATE`) for as long as we hold it.
    let mut blocker = fx.own_connection().await;
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut blocker)
        .await
        .expect("the test holds the write lock");
    let mut one = tokio::spawn({
        let (fx_client, url, token, body) = (
            fx.client.clone(),
            fx.url("/v1/tickets"),
            token.clone(),
            body.clone(),
        );
        async move { send(&fx_client, &url, &token, &body).await }
    });
    let mut two = tokio::spawn({
        let (fx_client, url, token, body) = (
            fx.client.clone(),
            fx.url("/v1/tickets"),
            token.clone(),
            body.clone(),
        );
        async move { send(&fx_client, &url, &token, &body).await }
    });
    // Neither can finish its write while the lock is held, so the first answer to arrive is
    // the one refused for the key in flight; the other is still waiting inside its write.
    let (refused, mut running) = tokio::select! {
        done = &mut one => (done.expect("request task"), two),
        done = &mut two => (done.expect("request task"), one),
    };
    assert!(
        !running.is_finished(),
        "the request that claimed the key is still inside its write"
    );
    assert_eq!(
        refused
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("1"),
        "Retry-After says when to try again"
    );
    let problem = expect_problem(refused, 409, "idempotency-in-progress").await;
    assert_eq!(
        problem["retry_after_s"], 1,
        "mirrored in the body: {problem}"
    );

    sqlx::query("ROLLBACK")
        .execute(&mut blocker)
        .await
        .expect("the test lets go of the write lock");
    let first = (&mut running).await.expect("request task");
    assert_eq!(
        first.status(),
        StatusCode::CREATED,
        "the write that held the key is applied once the database lets it"
    );
    assert!(!replayed(&first), "it was the original, not a replay");
    let again = create(&fx, &token, body.clone()).await;
    assert_eq!(
        again.status(),
        StatusCode::CREATED,
        "the retry after Retry-After"
    );
    assert!(replayed(&again), "…answers the stored outcome");
    assert_eq!(
        applied(&fx, &id).await,
        (1, 1),
        "one outcome and one ticket created for three requests with one key"
    );
}

async fn send(client: &reqwest::Client, url: &str, token: &str, body: &Value) -> reqwest::Response {
    client
        .post(url)
        .bearer_auth(token)
        .header(
            "Idempotency-Key",
            format!("\"{}\"", body["id"].as_str().expect("id")),
        )
        .json(body)
        .send()
        .await
        .expect("create")
}

#[tokio::test]
async fn a_5xx_is_never_stored_and_the_same_key_applies_the_write_once_the_server_can() {
    let (fx, token, body, id) = signed_in_with_a_repair().await;

    // The database refuses the write itself: a real failure inside the write's transaction,
    // after the key was looked up and before its outcome is recorded.
    let mut admin = fx.own_connection().await;
    sqlx::query(
        "CREATE TRIGGER refuse_tickets BEFORE INSERT ON tickets
         BEGIN SELECT RAISE(ABORT, 'refused by the test'); END",
    )
    .execute(&mut admin)
    .await
    .expect("install the refusing trigger");
    let failed = create(&fx, &token, body.clone()).await;
    expect_problem(failed, 500, "internal-error").await;
    assert_eq!(
        applied(&fx, &id).await,
        (0, 0),
        "nothing of the failed write was kept, its outcome least of all"
    );

    sqlx::query("DROP TRIGGER refuse_tickets")
        .execute(&mut admin)
        .await
        .expect("remove the trigger");
    let retried = create(&fx, &token, body.clone()).await;
    assert_eq!(
        retried.status(),
        StatusCode::CREATED,
        "the same key is applied now"
    );
    assert!(!replayed(&retried), "applied, not a replay of the 500");
    let ticket: Value = retried.json().await.expect("ticket");
    assert_eq!(ticket["id"], id.as_str(), "the ticket the key names");
    let replay = create(&fx, &token, body).await;
    assert!(
        replayed(&replay),
        "from now on the 201 is what the key answers"
    );
    assert_eq!(replay.status(), StatusCode::CREATED);
    assert_eq!(applied(&fx, &id).await, (1, 1), "applied exactly once");
}

#[tokio::test]
async fn housekeeping_forgets_outcomes_exactly_at_the_retention_on_the_servers_clock() {
    assert!(
        RETENTION >= Duration::from_secs(7 * 24 * 3600),
        "the contract promises at least 7 days"
    );
    let fx = Fixture::start().await;
    fx.clock.freeze();
    let token = fx.wang_fang().await;
    let membership = household(&fx, &token).await;
    // No visit window: its replay days later must not depend on a window still lying ahead.
    let mut old = repair(&fx, &membership, &[]);
    old["visit_windows"] = json!([]);
    let old_id = old["id"].as_str().expect("id").to_owned();
    assert_eq!(
        create(&fx, &token, old.clone()).await.status(),
        StatusCode::CREATED
    );
    let stored_at: i64 =
        sqlx::query_scalar("SELECT created_at FROM idempotency_keys WHERE key = ?")
            .bind(&old_id)
            .fetch_one(&fx.server.state.db)
            .await
            .expect("the outcome is stored");
    assert_eq!(stored_at, fx.clock.now_ms(), "stored at the server's time");

    // A younger outcome, one hour later.
    fx.clock.advance(Duration::from_secs(3600));
    let token = fx.wang_fang().await;
    let young = repair(&fx, &membership, &[]);
    let young_id = young["id"].as_str().expect("id").to_owned();
    assert_eq!(
        create(&fx, &token, young).await.status(),
        StatusCode::CREATED
    );
    let kept = |fx: &Fixture, id: String| {
        let db = fx.server.state.db.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM idempotency_keys WHERE key = ?")
                .bind(id)
                .fetch_one(&db)
                .await
                .expect("count")
        }
    };

    // Exactly RETENTION old: still kept.
    fx.clock.advance(RETENTION - Duration::from_secs(3600));
    assert_eq!(fx.clock.now_ms() - stored_at, RETENTION.as_millis() as i64);
    linli_server::serve::tidy(&fx.server.state)
        .await
        .expect("housekeeping");
    assert_eq!(
        kept(&fx, old_id.clone()).await,
        1,
        "kept for the whole retention"
    );
    let token = fx.wang_fang().await;
    let replay = create(&fx, &token, old.clone()).await;
    assert!(replayed(&replay), "and still replayed at its last moment");

    // One millisecond later: gone; the younger one stays.
    fx.clock.advance(Duration::from_millis(1));
    linli_server::serve::tidy(&fx.server.state)
        .await
        .expect("housekeeping");
    assert_eq!(
        kept(&fx, old_id.clone()).await,
        0,
        "forgotten past the retention"
    );
    assert_eq!(
        kept(&fx, young_id.clone()).await,
        1,
        "an outcome younger than the retention stays"
    );
    let token = fx.wang_fang().await;
    let fresh = create(&fx, &token, old).await;
    assert!(!replayed(&fresh), "the key is new to the server again");
    expect_problem(fresh, 409, "already-exists").await;

    // The younger one goes at its own boundary.
    fx.clock
        .advance(Duration::from_secs(3600) - Duration::from_millis(1));
    linli_server::serve::tidy(&fx.server.state)
        .await
        .expect("housekeeping");
    assert_eq!(
        kept(&fx, young_id.clone()).await,
        1,
        "exactly RETENTION old: kept"
    );
    fx.clock.advance(Duration::from_millis(1));
    linli_server::serve::tidy(&fx.server.state)
        .await
        .expect("housekeeping");
    assert_eq!(
        kept(&fx, young_id).await,
        0,
        "one millisecond past it: gone"
    );
}

#[tokio::test]
async fn a_replay_after_its_windows_have_passed_still_answers_the_first_outcome() {
    // The app lost the answer and stayed offline for days: its retry must learn the write was
    // applied, not be told 422 (which it would take as "refused" and drop the ticket or pass).
    let fx = Fixture::start().await;
    fx.clock.freeze();
    let token = fx.wang_fang().await;
    let membership = household(&fx, &token).await;
    let ticket = repair(&fx, &membership, &[]);
    let first = create(&fx, &token, ticket.clone()).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let pass_holder = crate::passes::first_membership(&fx, &token).await;
    let pass = crate::passes::pass_body(&fx, &pass_holder);
    let pass_key = pass["id"].as_str().expect("id").to_owned();
    let issued = crate::passes::create(&fx, &token, &pass, &pass_key).await;
    assert_eq!(issued.status(), StatusCode::CREATED);
    let issued: Value = issued.json().await.expect("pass");

    fx.clock.advance(Duration::from_secs(2 * 24 * 3600));
    let token = fx.wang_fang().await;
    let again = create(&fx, &token, ticket.clone()).await;
    assert_eq!(
        again.status(),
        StatusCode::CREATED,
        "the ticket's visit window has passed, yet the retry is its first answer"
    );
    assert!(replayed(&again), "replayed, not applied again");
    let reissued = crate::passes::create(&fx, &token, &pass, &pass_key).await;
    assert_eq!(
        reissued.status(),
        StatusCode::CREATED,
        "the pass's window has ended, yet the retry is its first answer"
    );
    assert!(replayed(&reissued), "replayed, not issued again");
    let reissued: Value = reissued.json().await.expect("pass");
    assert_eq!(
        reissued["credential"], issued["credential"],
        "the same credential"
    );
    let id = ticket["id"].as_str().expect("id");
    assert_eq!(applied(&fx, id).await, (1, 1), "one ticket applied");
    assert_eq!(
        fx.count("SELECT COUNT(*) FROM passes WHERE id = ?", &pass_key)
            .await,
        1,
        "one pass"
    );

    // A new write with such a window is still refused.
    let mut late = repair(&fx, &membership, &[]);
    late["visit_windows"] = ticket["visit_windows"].clone();
    expect_problem(create(&fx, &token, late).await, 422, "validation-failed").await;
}
