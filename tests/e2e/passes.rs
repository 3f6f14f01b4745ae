//! Visitor passes through the core: written offline, issued once the backend is back, shown
//! from the cache, revoked online.

use crate::support::Env;
use linli_wire::ErrorCode;
use linli_wire::ipc::{NewPass, PassViewState};

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
    let (core, _) = env.signed_in().await;
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
