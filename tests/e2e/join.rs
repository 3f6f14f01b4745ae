//! Joining a community through the core against the real server: a fresh core has no backend;
//! a pinned join link is checked against the CA the server presents, kept in `app.db` and
//! used at once (sign-in works) and after a restart; a wrong pin, no pin with the private CA,
//! and an unknown community keep nothing; leaving needs a signed-out core; the link's QR code
//! picture reads back through the core.

use crate::support::Env;
use linli_core::{Core, CoreConfig};
use linli_server::testing::{DEMO_PASSWORD, WANG_FANG_PHONE};
use linli_wire::ErrorCode;
use linli_wire::join::{JoinLink, Pin};

fn joining_config(env: &Env) -> CoreConfig {
    let mut config = CoreConfig::joining(env.dir.path());
    config.user_agent = "linli-e2e".to_owned();
    config.background = false;
    config
}

async fn open_joining(env: &Env) -> Core {
    Core::open(joining_config(env), env.deps())
        .await
        .expect("a core with no configured backend opens")
}

#[tokio::test]
async fn a_pinned_join_link_is_kept_and_survives_a_restart() {
    let env = Env::start().await;
    let core = open_joining(&env).await;
    let session = core.session().await.expect("session");
    assert_eq!(
        session.backend, None,
        "a fresh app has no backend: 加入小区"
    );
    let err = core
        .sign_in(WANG_FANG_PHONE, DEMO_PASSWORD)
        .await
        .expect_err("nothing to sign in to yet");
    assert_eq!(err.code(), ErrorCode::NoBackend, "{err}");

    let link = env.server.join_link("翠湖花园").await;
    let preview = core.preview_join(&link).await.expect("the pin matches");
    assert_eq!(preview.community.name, "翠湖花园");
    assert!(
        !preview.community.address.is_empty(),
        "the backend's description"
    );
    assert!(preview.pinned, "the private CA was matched against the pin");
    assert_eq!(
        core.session().await.expect("session").backend,
        None,
        "a preview keeps nothing"
    );

    core.join(&link).await.expect("joined");
    let backend = core
        .session()
        .await
        .expect("session")
        .backend
        .expect("a backend now");
    assert_eq!(backend.url, env.server.base_url());
    assert_eq!(backend.community_name.as_deref(), Some("翠湖花园"));
    assert!(backend.pinned && backend.can_switch, "{backend:?}");
    let account = core
        .sign_in(WANG_FANG_PHONE, DEMO_PASSWORD)
        .await
        .expect("the joined backend is used at once, trusting the pinned CA");
    let err = core
        .leave_backend()
        .await
        .expect_err("an account belongs to its backend");
    assert_eq!(err.code(), ErrorCode::InvalidTransition, "{err}");
    assert!(
        !core
            .session()
            .await
            .expect("session")
            .backend
            .expect("backend")
            .can_switch,
        "the session says switching waits for a sign-out"
    );
    core.shutdown().await;

    let core = open_joining(&env).await;
    let session = core.session().await.expect("session");
    assert_eq!(
        session.account.map(|a| a.user.id),
        Some(account.user.id),
        "the same account, on the kept backend"
    );
    core.sync_now()
        .await
        .expect("the kept pinned CA is trusted after a restart");
    core.sign_out().await.expect("out");
    core.leave_backend()
        .await
        .expect("signed out, the resident may switch");
    assert_eq!(core.session().await.expect("session").backend, None);
    core.shutdown().await;
    let core = open_joining(&env).await;
    assert_eq!(
        core.session().await.expect("session").backend,
        None,
        "leaving is kept too"
    );
    core.shutdown().await;
}

#[tokio::test]
async fn a_wrong_pin_no_pin_or_an_unknown_community_keeps_nothing() {
    let env = Env::start().await;
    let core = open_joining(&env).await;
    let good = JoinLink::parse(&env.server.join_link("翠湖花园").await).expect("link");

    let mut wrong = good.clone();
    wrong.pin = Some(Pin([0x5a; 32]));
    let err = core.join(&wrong.to_string()).await.expect_err("wrong pin");
    assert_eq!(err.code(), ErrorCode::PinMismatch, "{err}");

    let mut unpinned = good.clone();
    unpinned.pin = None;
    let err = core
        .join(&unpinned.to_string())
        .await
        .expect_err("the private CA is not a public root");
    assert_eq!(
        err.code(),
        ErrorCode::TlsError,
        "the ordinary TLS error: {err}"
    );

    let mut unknown = good.clone();
    unknown.community_id = linli_wire::CommunityId(uuid::Uuid::now_v7());
    let err = core
        .join(&unknown.to_string())
        .await
        .expect_err("no such community");
    assert_eq!(err.code(), ErrorCode::NotFound, "{err}");

    let err = core
        .join("https://127.0.0.1/not-a-join-link")
        .await
        .expect_err("not a link");
    assert_eq!(err.code(), ErrorCode::JoinLinkInvalid, "{err}");

    assert_eq!(
        core.session().await.expect("session").backend,
        None,
        "nothing was kept by any refusal"
    );
    core.join(&good.to_string())
        .await
        .expect("the right link still joins");
    core.shutdown().await;
}

#[tokio::test]
async fn the_join_qr_picture_reads_back_and_a_configured_backend_is_fixed() {
    let env = Env::start().await;
    let link = env.server.join_link("翠湖花园").await;
    let png = env.dir.path().join("join.png");
    linli_server::features::communities::write_qr_png(&link, &png).expect("QR PNG");
    let core = open_joining(&env).await;
    let read = core
        .read_join_qr(std::fs::read(&png).expect("png"))
        .await
        .expect("the picture holds the join link");
    assert_eq!(read, link, "the same link as printed");
    core.shutdown().await;

    // LINLI_BACKEND_URL's core: joining is not offered.
    let core = env.open_core().await;
    let backend = core
        .session()
        .await
        .expect("session")
        .backend
        .expect("the configured backend");
    assert!(!backend.can_switch, "a configured backend is fixed");
    let err = core.join(&link).await.expect_err("fixed");
    assert_eq!(err.code(), ErrorCode::InvalidTransition, "{err}");
    core.shutdown().await;
}
