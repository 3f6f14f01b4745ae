//! Signing in over HTTPS, silent refresh, refresh reuse, signing out.

use crate::support::Env;
use linli_core::{Core, TokenStore};
use linli_server::testing::{DEMO_PASSWORD, WANG_FANG_PHONE};
use linli_wire::ErrorCode;
use linli_wire::ipc::CoreEvent;
use std::time::Duration;

#[tokio::test]
async fn sign_in_over_https_trusting_the_test_ca() {
    let env = Env::start().await;
    let (core, account) = env.signed_in().await;
    assert!(
        !account.memberships.is_empty(),
        "Wang Fang has households in the demo data"
    );
    assert!(
        account.current_membership_id.is_some(),
        "the first active one is chosen"
    );

    let session = core.session().await.expect("session");
    assert_eq!(
        session.account,
        Some(account.clone()),
        "session shows the signed-in account"
    );
    assert_eq!(session.ended_because, None);
    assert!(
        env.tokens
            .load(&env.account_key(&account))
            .expect("load")
            .is_some(),
        "tokens are in the token store under <user>@<host:port>"
    );
    assert!(
        core.status().await.online,
        "the sign-in reached the backend"
    );
    assert!(
        !core.notices().await.expect("notices").is_empty(),
        "the first sync after sign-in filled the cache"
    );
    core.shutdown().await;
}

#[tokio::test]
async fn a_core_without_the_test_ca_refuses_the_server() {
    let env = Env::start().await;
    let mut config = env.config();
    config.extra_root_ca_pem = None;
    let core = Core::open(config, env.deps()).await.expect("open");
    let err = core
        .sign_in(WANG_FANG_PHONE, DEMO_PASSWORD)
        .await
        .expect_err("an untrusted certificate must not be accepted");
    assert_eq!(err.code(), ErrorCode::TlsError, "{err}");
    core.shutdown().await;
}

#[tokio::test]
async fn wrong_password_is_invalid_credentials() {
    let env = Env::start().await;
    let core = env.open_core().await;
    let err = core
        .sign_in(WANG_FANG_PHONE, "not-the-password")
        .await
        .expect_err("wrong password");
    assert_eq!(err.code(), ErrorCode::InvalidCredentials);
    assert_eq!(core.session().await.expect("session").account, None);
    core.shutdown().await;
}

#[tokio::test]
async fn expired_access_token_is_refreshed_without_the_resident_noticing() {
    let env = Env::start().await;
    let (core, account) = env.signed_in().await;
    let key = env.account_key(&account);
    let before = env.tokens.load(&key).expect("load").expect("tokens");
    let mut events = core.subscribe();

    env.server.advance_clock(Duration::from_secs(16 * 60));
    let community = Env::current_community_name(&account);
    env.server
        .publish_notice(&community, "电梯维保通知（刷新测试）")
        .await;
    let status = core
        .sync_now()
        .await
        .expect("sync after the access token expired");
    assert!(status.online);

    let titles: Vec<String> = core
        .notices()
        .await
        .expect("notices")
        .into_iter()
        .map(|n| n.title)
        .collect();
    assert!(
        titles.iter().any(|t| t == "电梯维保通知（刷新测试）"),
        "the sync went through with a refreshed token: {titles:?}"
    );
    let after = env.tokens.load(&key).expect("load").expect("tokens");
    assert_ne!(
        before.refresh, after.refresh,
        "the rotated pair was persisted to the token store"
    );
    while let Ok(event) = events.try_recv() {
        assert!(
            !matches!(event, CoreEvent::SessionEnded { .. }),
            "a refresh must not end the session"
        );
    }
    core.shutdown().await;
}

#[tokio::test]
async fn replayed_refresh_token_ends_the_session() {
    let env = Env::start().await;
    let (core, account) = env.signed_in().await;
    let key = env.account_key(&account);
    let original = env.tokens.load(&key).expect("load").expect("tokens");

    // Rotate once, then let the grace window pass.
    env.server.advance_clock(Duration::from_secs(16 * 60));
    core.sync_now().await.expect("sync with a refresh");
    env.server.advance_clock(Duration::from_secs(2 * 60));
    core.shutdown().await;

    // A stale copy of the first pair comes back (a restored backup, a stolen token).
    env.tokens.save(&key, &original).expect("save");
    let core = env.open_core().await;
    let mut events = core.subscribe();
    env.server.advance_clock(Duration::from_secs(16 * 60));
    let err = core
        .sync_now()
        .await
        .expect_err("the old refresh token is refused");
    assert_eq!(err.code(), ErrorCode::SessionExpired, "{err}");

    let mut ended = None;
    while let Ok(event) = events.try_recv() {
        if let CoreEvent::SessionEnded { code } = event {
            ended = Some(code);
        }
    }
    assert_eq!(ended, Some(ErrorCode::RefreshReused), "the UI is told why");
    let session = core.session().await.expect("session");
    assert_eq!(session.account, None, "nobody is signed in any more");
    assert_eq!(session.ended_because, Some(ErrorCode::RefreshReused));
    assert_eq!(env.tokens.load(&key).expect("load"), None, "tokens deleted");
    assert!(
        !env.account_dir(&account).exists(),
        "the account's cache is deleted"
    );
    assert_eq!(
        core.notices().await.expect_err("signed out").code(),
        ErrorCode::SessionExpired
    );
    core.shutdown().await;
}

#[tokio::test]
async fn sign_out_deletes_the_account_folder_and_the_token_entry() {
    let env = Env::start().await;
    let (core, account) = env.signed_in().await;
    let key = env.account_key(&account);
    assert!(env.account_dir(&account).join("cache.db").exists());

    core.sign_out().await.expect("sign out");
    assert_eq!(
        env.tokens.load(&key).expect("load"),
        None,
        "token entry deleted"
    );
    assert!(
        !env.account_dir(&account).exists(),
        "account folder deleted"
    );
    let session = core.session().await.expect("session");
    assert_eq!(session.account, None);
    assert_eq!(
        session.ended_because, None,
        "the resident asked: no reason to show"
    );
    assert_eq!(
        core.notices().await.expect_err("signed out").code(),
        ErrorCode::NotSignedIn
    );
    core.shutdown().await;
}
