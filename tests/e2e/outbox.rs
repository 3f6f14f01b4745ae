//! Read marks made offline reach the server exactly once. The app talks to the server through
//! the proxy, whose log is what the server received and applied: the read-mark table's key
//! (user, notice) would fold any number of repeats into one row.

use crate::proxy::CuttingProxy;
use crate::support::Env;
use linli_core::Core;
use linli_server::testing::{DEMO_PASSWORD, WANG_FANG_PHONE};
use reqwest::Method;

const READ_MARKS: &str = "/v1/notices/read-marks";

/// Wang Fang signed in through a proxy in front of the test server.
async fn behind_proxy(env: &Env) -> (Core, CuttingProxy) {
    let proxy = CuttingProxy::start(&env.server.base_url(), &env.server.ca_pem()).await;
    let core = env.open_core_via(&proxy).await;
    core.sign_in(WANG_FANG_PHONE, DEMO_PASSWORD)
        .await
        .expect("signed in through the proxy");
    (core, proxy)
}

/// The server received exactly one read-mark request and acted on it.
fn one_read_mark_on_the_wire(proxy: &CuttingProxy, why: &str) {
    assert_eq!(
        proxy.received(&Method::POST, READ_MARKS),
        1,
        "{why}: the server received one read-mark request"
    );
    assert_eq!(
        proxy.applied(&Method::POST, READ_MARKS),
        1,
        "{why}: and applied it once"
    );
}

#[tokio::test]
async fn read_mark_made_offline_is_sent_once_after_the_server_returns() {
    let env = Env::start().await;
    let (core, proxy) = behind_proxy(&env).await;
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
    one_read_mark_on_the_wire(&proxy, "marked twice offline, synced twice");
    let after = core.notice(notice.id).await.expect("notice");
    assert!(after.read_at.is_some(), "the server's state says read too");
    core.shutdown().await;
}

#[tokio::test]
async fn queued_write_survives_a_restart_of_the_app() {
    let env = Env::start().await;
    let (core, proxy) = behind_proxy(&env).await;
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
    let core = env.open_core_via(&proxy).await;
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
    one_read_mark_on_the_wire(&proxy, "queued, app restarted, synced twice");
    core.shutdown().await;
}
