//! Read marks made offline reach the server exactly once.

use crate::support::Env;
use linli_server::testing::WANG_FANG_PHONE;

#[tokio::test]
async fn read_mark_made_offline_is_sent_once_after_the_server_returns() {
    let env = Env::start().await;
    let (core, _account) = env.signed_in().await;
    let notice = core
        .notices()
        .await
        .expect("notices")
        .into_iter()
        .find(|n| n.read_at.is_none())
        .expect("an unread notice in the demo data");
    let marks_before = env.server.read_mark_count(WANG_FANG_PHONE).await;

    env.server.stop().await;
    let marked = core
        .mark_notice_read(notice.id)
        .await
        .expect("mark offline");
    assert!(marked.read_at.is_some(), "shown read at once");
    let again = core.mark_notice_read(notice.id).await.expect("mark twice");
    assert_eq!(
        again.read_at, marked.read_at,
        "marking twice changes nothing"
    );
    let listed = core.notices().await.expect("notices");
    assert!(
        listed
            .iter()
            .any(|n| n.id == notice.id && n.read_at.is_some()),
        "the list projects the pending mark"
    );
    let status = core.sync_now().await.expect("offline sync");
    assert!(!status.online);
    assert_eq!(status.outbox_pending, 1, "one write waits");

    env.server.restart().await;
    let status = core.sync_now().await.expect("sync after restart");
    assert!(status.online);
    assert_eq!(status.outbox_pending, 0, "the write went out");
    assert_eq!(
        env.server.read_mark_count(WANG_FANG_PHONE).await,
        marks_before + 1,
        "exactly one read mark reached the server"
    );
    core.sync_now().await.expect("another sync");
    assert_eq!(
        env.server.read_mark_count(WANG_FANG_PHONE).await,
        marks_before + 1,
        "no duplicate after another sync"
    );
    let after = core.notice(notice.id).await.expect("notice");
    assert!(after.read_at.is_some(), "the server's state says read too");
    core.shutdown().await;
}

#[tokio::test]
async fn queued_write_survives_a_restart_of_the_app() {
    let env = Env::start().await;
    let (core, _account) = env.signed_in().await;
    let notice = core
        .notices()
        .await
        .expect("notices")
        .into_iter()
        .find(|n| n.read_at.is_none())
        .expect("an unread notice in the demo data");
    let marks_before = env.server.read_mark_count(WANG_FANG_PHONE).await;

    env.server.stop().await;
    core.mark_notice_read(notice.id)
        .await
        .expect("mark offline");
    core.shutdown().await;
    drop(core);

    env.server.restart().await;
    let core = env.open_core().await;
    assert_eq!(
        core.status().await.outbox_pending,
        1,
        "the queue is on disk"
    );
    let status = core.sync_now().await.expect("sync");
    assert_eq!(status.outbox_pending, 0);
    core.sync_now().await.expect("sync again");
    assert_eq!(
        env.server.read_mark_count(WANG_FANG_PHONE).await,
        marks_before + 1,
        "replayed exactly once"
    );
    core.shutdown().await;
}
