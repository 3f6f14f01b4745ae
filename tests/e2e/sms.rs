//! Signing in with an SMS code through the core: the code read from what the backend's sender
//! sent, a wrong code refused by its code, and a new number registered with no home, whose
//! session and empty screens work like any other.

use crate::support::Env;
use linli_core::TokenStore;
use linli_server::testing::WANG_FANG_PHONE;
use linli_wire::ErrorCode;

const NEW_PHONE: &str = "13900000088";

#[tokio::test]
async fn a_resident_signs_in_with_the_code_the_phone_received() {
    let env = Env::start().await;
    let core = env.open_core().await;
    let sent = core
        .request_sign_in_code(WANG_FANG_PHONE)
        .await
        .expect("a code is sent");
    assert_eq!(sent.expires_in_s, 300, "the backend says how long it lasts");
    let code = env.server.sms_code(WANG_FANG_PHONE).await;

    let wrong = format!(
        "{:06}",
        (code.parse::<u32>().expect("digits") + 1) % 1_000_000
    );
    let err = core
        .sign_in_with_code(WANG_FANG_PHONE, &wrong)
        .await
        .expect_err("a wrong code does not sign in");
    assert_eq!(err.code(), ErrorCode::SmsCodeInvalid, "{err}");
    assert!(core.session().await.expect("session").account.is_none());

    let account = core
        .sign_in_with_code(WANG_FANG_PHONE, &code)
        .await
        .expect("the right code signs in");
    assert!(
        !account.memberships.is_empty(),
        "Wang Fang's homes come with her"
    );
    assert!(
        !core.notices().await.expect("notices").is_empty(),
        "the first sync after sign-in filled the cache"
    );
    assert!(
        env.tokens
            .load(&env.account_key(&account))
            .expect("load")
            .is_some(),
        "tokens are in the token store, as after a password sign-in"
    );
    core.shutdown().await;
}

#[tokio::test]
async fn a_new_number_gets_an_account_with_no_home() {
    let env = Env::start().await;
    let core = env.open_core().await;
    core.request_sign_in_code(NEW_PHONE).await.expect("sent");
    let code = env.server.sms_code(NEW_PHONE).await;
    let account = core
        .sign_in_with_code(NEW_PHONE, &code)
        .await
        .expect("a new number signs in");
    assert!(account.memberships.is_empty(), "no home until one is bound");
    assert_eq!(account.current_membership_id, None, "nothing to choose");
    assert_eq!(account.user.phone_masked, "139****0088");
    let session = core.session().await.expect("session");
    assert_eq!(session.account, Some(account), "the session is kept");
    assert!(
        core.notices().await.expect("notices").is_empty(),
        "no community, no notices"
    );
    core.sync_now().await.expect("a sync with no home works");
    core.shutdown().await;

    let reopened = env.open_core().await;
    let session = reopened.session().await.expect("session after restart");
    assert!(session.account.is_some(), "still signed in after a restart");
    reopened.shutdown().await;
}
