//! The outbox in real flushes: the background loop, not `sync_now`, sends what is due, on the
//! injected clock. Backoff (full jitter, `next_attempt_at` respected), `Retry-After`, and a 401
//! during a flush (one refresh, then the write; a refused refresh ends the session cleanly).
//! Requests are counted at the proxy, by `Idempotency-Key`.

use crate::rig::{OutboxRow, Rig};
use chrono::TimeDelta;
use hyper::Method;
use linli_server::testing::WANG_FANG_PHONE;
use linli_wire::ErrorCode;
use linli_wire::ipc::{AccountView, CoreEvent, NewPass};
use std::time::Duration;

const MARKS: &str = "/v1/notices/read-marks";

/// A valid pass at the client's `now`: a second write, used only to poke the loop.
pub fn pass_at(now: chrono::DateTime<chrono::Utc>) -> NewPass {
    NewPass {
        visitor_name: "陈静".to_owned(),
        visitor_phone: None,
        plate: None,
        purpose: "探亲访友".to_owned(),
        valid_from: now - TimeDelta::minutes(5),
        valid_until: now + TimeDelta::hours(4),
        max_entries: 1,
        schedule: None,
    }
}

async fn first_unread(core: &linli_core::Core) -> linli_wire::NoticeId {
    core.notices()
        .await
        .expect("notices")
        .into_iter()
        .find(|n| n.read_at.is_none())
        .expect("an unread notice in the demo data")
        .id
}

/// The first outbox row (the read mark, queued before anything else).
async fn mark_row(rig: &Rig, account: &AccountView) -> OutboxRow {
    rig.outbox_rows(account)
        .await
        .into_iter()
        .next()
        .expect("the read mark is queued")
}

/// Marks a notice read with the loop parked and waits until the round it started is over.
async fn mark_and_wait(rig: &Rig, core: &linli_core::Core) {
    let asked = rig.clock.view().asked.len();
    let notice = first_unread(core).await;
    core.mark_notice_read(notice).await.expect("mark read");
    rig.clock.parked_after(asked).await;
}

#[tokio::test]
async fn a_failed_write_waits_out_its_jittered_backoff_and_goes_when_due() {
    let rig = Rig::start().await;
    let (core, account) = rig.signed_in_with_loop().await;
    rig.proxy.answer(Method::POST, MARKS, 503, None, 3);
    mark_and_wait(&rig, &core).await;
    let id = mark_row(&rig, &account).await.id;

    let mut checked_before_due = 0;
    for attempt in 1..=3_i64 {
        let row = mark_row(&rig, &account).await;
        assert_eq!(
            row.attempts, attempt,
            "attempt {attempt} was made and failed"
        );
        assert_eq!(row.state, "pending", "a 503 is retried later");
        assert_eq!(
            rig.proxy.with_key(&id).len(),
            usize::try_from(attempt).expect("small"),
            "the backend saw each attempt once"
        );
        let now = rig.clock.now_at();
        let wait = row.next_attempt_at - now;
        let ceiling = TimeDelta::seconds(2 << (attempt - 1));
        assert!(
            wait >= TimeDelta::milliseconds(-1) && wait <= ceiling,
            "full jitter keeps attempt {attempt}'s wait within [0, {ceiling}]: {wait}"
        );
        if wait > TimeDelta::milliseconds(1) {
            // Just before its time, a real flush (poked by another write) leaves it alone.
            rig.clock
                .set(row.next_attempt_at - TimeDelta::milliseconds(1));
            let asked = rig.clock.view().asked.len();
            core.create_pass(pass_at(rig.clock.now_at()))
                .await
                .expect("queue a pass");
            rig.clock.parked_after(asked).await;
            assert_eq!(
                rig.proxy.with_key(&id).len(),
                usize::try_from(attempt).expect("small"),
                "not sent again before next_attempt_at ({wait} after the failure)"
            );
            checked_before_due += 1;
        }
        // The loop sleeps until the item is due (never less than its 1 s floor).
        let now = rig.clock.now_at();
        let due = row.next_attempt_at.max(now + TimeDelta::seconds(1));
        let parked = rig.clock.view();
        assert_eq!(
            parked.waiting,
            vec![due],
            "the loop wakes when the write is due"
        );
        let asked = parked.asked.len();
        rig.clock.set(due);
        rig.clock.parked_after(asked).await;
    }
    assert!(
        checked_before_due >= 1,
        "at least one backoff was long enough to look just before it"
    );
    let row = mark_row(&rig, &account).await;
    assert_eq!(row.state, "done", "the fourth attempt went through");
    let statuses = rig.proxy.with_key(&id);
    assert_eq!(
        statuses.len(),
        4,
        "three refusals, one success: {statuses:?}"
    );
    assert!(
        statuses[..3].iter().all(|s| *s == 503) && (200..300).contains(&statuses[3]),
        "{statuses:?}"
    );
    core.shutdown().await;
}

#[tokio::test]
async fn retry_after_holds_a_write_back_until_then_even_against_a_manual_sync() {
    let rig = Rig::start().await;
    let (core, account) = rig.signed_in_with_loop().await;
    rig.proxy.answer(Method::POST, MARKS, 503, Some(120), 1);
    let failed_at = rig.clock.now_at();
    mark_and_wait(&rig, &core).await;
    let row = mark_row(&rig, &account).await;
    let id = row.id.clone();
    let wait = row.next_attempt_at - failed_at;
    assert!(
        wait > TimeDelta::milliseconds(119_998) && wait <= TimeDelta::seconds(120),
        "Retry-After: 120 beats the 2 s jitter ceiling: {wait}"
    );

    let forced = core.sync_now().await.expect("a manual sync");
    assert_eq!(forced.outbox_pending, 1, "still waiting");
    assert_eq!(
        rig.proxy.with_key(&id),
        vec![503],
        "a manual sync does not jump a wait the server asked for"
    );
    loop {
        let parked = rig.clock.view();
        let [wake] = parked.waiting[..] else {
            panic!("the loop waits in one pause: {parked:?}");
        };
        assert!(
            wake <= row.next_attempt_at,
            "the loop never sleeps past the time the write is due"
        );
        rig.clock.set(wake);
        rig.clock.parked_after(parked.asked.len()).await;
        if wake < row.next_attempt_at {
            assert_eq!(
                rig.proxy.with_key(&id),
                vec![503],
                "not sent at {} of the 120 s",
                wake - failed_at
            );
        } else {
            break;
        }
    }
    let statuses = rig.proxy.with_key(&id);
    assert_eq!(statuses.len(), 2, "sent again once, when due: {statuses:?}");
    assert!((200..300).contains(&statuses[1]), "{statuses:?}");
    assert_eq!(mark_row(&rig, &account).await.state, "done");
    core.shutdown().await;
}

#[tokio::test]
async fn an_expired_token_during_a_flush_is_refreshed_once_then_the_write_goes() {
    let rig = Rig::start().await;
    let (core, account) = rig.signed_in_with_loop().await;
    let marks_before = rig.env.server.read_mark_count(WANG_FANG_PHONE).await;
    // The backend's time moves past the access token's life; the app does not know.
    rig.env.server.advance_clock(Duration::from_secs(16 * 60));
    mark_and_wait(&rig, &core).await;
    let row = mark_row(&rig, &account).await;
    let statuses = rig.proxy.with_key(&row.id);
    assert_eq!(
        statuses.len(),
        2,
        "refused once, sent once more: {statuses:?}"
    );
    assert_eq!(statuses[0], 401, "{statuses:?}");
    assert!((200..300).contains(&statuses[1]), "{statuses:?}");
    assert_eq!(
        rig.proxy.count(&Method::POST, "/v1/auth/refresh"),
        1,
        "exactly one refresh"
    );
    assert_eq!(row.state, "done");
    assert_eq!(
        rig.env.server.read_mark_count(WANG_FANG_PHONE).await,
        marks_before + 1,
        "the backend applied the mark"
    );
    assert!(
        core.session().await.expect("session").account.is_some(),
        "still signed in"
    );
    core.shutdown().await;
}

#[tokio::test]
async fn a_refused_refresh_during_a_flush_ends_the_session_without_a_loop() {
    let rig = Rig::start().await;
    let (core, account) = rig.signed_in_with_loop().await;
    let key = rig.account_key(&account);
    let pair = linli_core::TokenStore::load(&*rig.env.tokens, &key)
        .expect("load")
        .expect("tokens");
    // The family is revoked on the backend (signed out elsewhere) and the access token ends.
    let signed_out = reqwest::Client::builder()
        .add_root_certificate(
            reqwest::Certificate::from_pem(rig.env.server.ca_pem().as_bytes()).expect("pem"),
        )
        .build()
        .expect("client")
        .post(format!("{}/v1/auth/logout", rig.env.server.base_url()))
        .json(&serde_json::json!({ "refresh_token": pair.refresh.expose() }))
        .send()
        .await
        .expect("logout");
    assert_eq!(signed_out.status().as_u16(), 204);
    rig.env.server.advance_clock(Duration::from_secs(16 * 60));
    let mut events = core.subscribe();

    mark_and_wait(&rig, &core).await;
    assert_eq!(
        rig.proxy.count(&Method::POST, "/v1/auth/refresh"),
        1,
        "one refresh, refused, and no other"
    );
    assert_eq!(
        rig.proxy.count(&Method::POST, MARKS),
        1,
        "the write was not sent again after the refused refresh"
    );
    let mut ended = None;
    while let Ok(event) = events.try_recv() {
        if let CoreEvent::SessionEnded { code } = event {
            ended = Some(code);
        }
    }
    assert_eq!(ended, Some(ErrorCode::Unauthenticated), "the UI is told");
    let session = core.session().await.expect("session");
    assert_eq!(session.account, None, "signed out");
    assert_eq!(session.ended_because, Some(ErrorCode::Unauthenticated));
    assert_eq!(
        linli_core::TokenStore::load(&*rig.env.tokens, &key).expect("load"),
        None,
        "tokens deleted"
    );
    assert!(!rig.env.account_dir(&account).exists(), "cache deleted");

    // The loop lives on and asks nothing of the backend without an account.
    let seen = rig.proxy.seen().len();
    let parked = rig.clock.view();
    rig.clock.set(parked.waiting[0]);
    rig.clock.parked_after(parked.asked.len()).await;
    assert_eq!(rig.proxy.seen().len(), seen, "no requests after the end");
    core.shutdown().await;
}
