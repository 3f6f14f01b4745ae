//! Visitor passes through the core: written offline, issued once the backend is back, shown
//! from the cache, revoked online; a pass whose answer is lost after the backend committed is
//! sent again and issued once, counted on the backend (its rows and the writes it applied)
//! and at the proxy (the requests it received), not from the app's own list.

use crate::proxy::CuttingProxy;
use crate::support::Env;
use linli_server::testing::{DEMO_PASSWORD, WANG_FANG_PHONE};
use linli_wire::ErrorCode;
use linli_wire::ipc::{NewPass, PassViewState};
use reqwest::Method;

/// The resident's passes on the backend and the idempotent writes it applied for them.
async fn backend_passes(env: &Env, user: &str) -> (i64, i64) {
    let passes = env
        .server
        .count(&format!(
            "SELECT COUNT(*) FROM passes WHERE user_id = '{user}'"
        ))
        .await;
    let outcomes = env
        .server
        .count(&format!(
            "SELECT COUNT(*) FROM idempotency_keys WHERE user_id = '{user}'"
        ))
        .await;
    (passes, outcomes)
}

/// A pass around the server's now (its clock, not the wall clock).
fn new_pass(env: &Env) -> NewPass {
    let now = env.server.now();
    NewPass {
        visitor_name: "陈静".to_owned(),
        visitor_phone: Some("13700001111".to_owned()),
        plate: None,
        purpose: "探亲访友".to_owned(),
        // Started a little before the test's fixed client clock.
        valid_from: now - chrono::TimeDelta::minutes(5),
        valid_until: now + chrono::TimeDelta::hours(4),
        max_entries: 2,
        schedule: None,
    }
}

#[tokio::test]
async fn a_pass_written_offline_is_issued_once_when_online() {
    let env = Env::start().await;
    let (core, account) = env.signed_in().await;
    let user = account.user.id.to_string();
    let before = backend_passes(&env, &user).await;
    env.server.stop().await;
    let pending = core
        .create_pass(new_pass(&env))
        .await
        .expect("queued offline");
    assert_eq!(
        pending.state,
        PassViewState::Pending,
        "will be issued when online"
    );
    assert!(pending.payload.is_none());
    assert_eq!(core.passes().await.expect("passes").len(), 1);

    env.server.restart().await;
    core.sync_now().await.expect("sync");
    core.sync_now().await.expect("sync again");
    let passes = core.passes().await.expect("passes");
    assert_eq!(passes.len(), 1, "issued exactly once: {passes:?}");
    let after = backend_passes(&env, &user).await;
    assert_eq!(
        (after.0 - before.0, after.1 - before.1),
        (1, 1),
        "the backend holds one new pass and applied one write"
    );
    let issued = &passes[0];
    assert_eq!(issued.id, pending.id, "the client's id is the pass id");
    assert_eq!(issued.state, PassViewState::Active);
    assert!(
        issued
            .payload
            .as_deref()
            .is_some_and(|p| p.starts_with("VP1:"))
    );
    assert_eq!(issued.short_code.as_deref().map(str::len), Some(8));
    let payload = issued.payload.as_deref().expect("payload");
    let (version, level) = linli_core::passes::qr_version(payload).expect("fits a QR code");
    eprintln!(
        "pass payload: {} characters, QR version {version}-{level}",
        payload.len()
    );
    assert!(
        version <= 13,
        "stays scannable from a phone screen: version {version}"
    );

    env.server.stop().await;
    let cached = core.passes().await.expect("offline");
    assert_eq!(
        cached[0].payload, issued.payload,
        "shown from the cache offline"
    );
    let qr = core.pass_qr(issued.id).await.expect("QR drawn offline");
    let png = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        qr.strip_prefix("data:image/png;base64,")
            .expect("a PNG data URL"),
    )
    .expect("base64");
    let mut picture =
        rqrr::PreparedImage::prepare(image::load_from_memory(&png).expect("png").to_luma8());
    let grids = picture.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code");
    let (_, decoded) = grids[0].decode().expect("a QR decoder reads it");
    assert_eq!(
        Some(decoded.as_str()),
        issued.payload.as_deref(),
        "exactly the issued credential"
    );
    let err = core
        .revoke_pass(issued.id)
        .await
        .expect_err("revoking needs the network");
    assert_eq!(err.code(), ErrorCode::Offline);

    env.server.restart().await;
    let revoked = core.revoke_pass(issued.id).await.expect("revoke");
    assert_eq!(revoked.state, PassViewState::Revoked);
    assert_eq!(
        core.passes().await.expect("passes")[0].state,
        PassViewState::Revoked
    );
    core.shutdown().await;
}

#[tokio::test]
async fn a_bad_window_is_refused_before_anything_is_queued() {
    let env = Env::start().await;
    let (core, _) = env.signed_in().await;
    let mut input = new_pass(&env);
    input.valid_until = input.valid_from - chrono::TimeDelta::hours(1);
    let err = core.create_pass(input).await.expect_err("invalid");
    assert_eq!(err.code(), ErrorCode::ValidationFailed);
    assert_eq!(core.status().await.outbox_pending, 0);
    core.shutdown().await;
}

#[tokio::test]
async fn a_pass_whose_answer_is_lost_after_commit_is_issued_once() {
    let env = Env::start().await;
    let proxy = CuttingProxy::start(&env.server.base_url(), &env.server.ca_pem()).await;
    let core = env.open_core_via(&proxy).await;
    let account = core
        .sign_in(WANG_FANG_PHONE, DEMO_PASSWORD)
        .await
        .expect("signed in through the proxy");
    let user = account.user.id.to_string();
    let before = backend_passes(&env, &user).await;
    // The backend issues the pass, and the answer is lost on the way back, twice running.
    proxy.cut_after_commit(Method::POST, "/v1/passes", 2);
    let pending = core.create_pass(new_pass(&env)).await.expect("queued");
    let mut syncs = 0;
    while proxy.cuts_left() > 0 || core.status().await.outbox_pending > 0 {
        assert!(
            syncs < 10,
            "the pass was never answered after {syncs} syncs: {:?}",
            proxy.seen()
        );
        core.sync_now().await.expect("sync");
        syncs += 1;
    }
    let after = backend_passes(&env, &user).await;
    assert_eq!(
        after.0 - before.0,
        1,
        "one pass on the backend, though it was sent three times"
    );
    assert_eq!(
        env.server
            .count(&format!(
                "SELECT COUNT(*) FROM passes WHERE id = '{}' AND user_id = '{user}'",
                pending.id
            ))
            .await,
        1,
        "and it is the app's pass"
    );
    assert_eq!(
        after.1 - before.1,
        1,
        "the backend applied one write: the two re-sends replayed its outcome"
    );
    // The wire: three requests with the pass's own key, one applied, two replayed.
    let posts: Vec<_> = proxy
        .seen()
        .into_iter()
        .filter(|s| s.method == Method::POST && s.path.starts_with("/v1/passes"))
        .collect();
    let key = pending.id.0.to_string();
    assert_eq!(posts.len(), 3, "sent once and re-sent twice: {posts:?}");
    assert!(
        posts.iter().all(|s| s.key.as_deref() == Some(key.as_str())),
        "always with the pass's own key {key}: {posts:?}"
    );
    assert_eq!(
        proxy.received(&Method::POST, "/v1/passes"),
        3,
        "the backend had all three"
    );
    assert_eq!(
        proxy.applied(&Method::POST, "/v1/passes"),
        1,
        "and acted on one: {posts:?}"
    );
    assert!(
        posts.iter().skip(1).all(|s| s.replayed),
        "the re-sends were answered `Idempotent-Replayed: true`: {posts:?}"
    );
    let passes = core.passes().await.expect("passes");
    assert_eq!(passes.len(), 1, "the app shows it once: {passes:?}");
    assert_eq!(passes[0].state, PassViewState::Active, "issued");
    core.shutdown().await;
}
