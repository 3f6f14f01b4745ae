//! Linli end to end: the real `linli-core` against the real `linli-server` over HTTPS, trusting
//! only the test server's CA. Every test starts its own server and its own data folder, uses an
//! in-memory token store and a fixed client clock; server time moves with `advance_clock`.
//! No sleeps: most tests drive `sync_now` themselves (the background loop is off); those of
//! the loop, real flushes and `follow_payment` run on a [`clock::ManualClock`] whose pauses
//! end only when the test moves it, and count requests at the proxy ([`proxy::CuttingProxy`]).

mod clock;
mod rig;
mod support;

mod auth;
mod background;
mod bills;
mod compaction;
mod delta;
mod flush;
mod follow;
mod gate;
mod homes;
mod invitations;
mod join;
mod join_leaf;
mod keyring;
mod kill;
mod members;
mod moving_out;
mod notice_search;
mod offline;
mod outbox;
mod passes;
mod payments;
mod photos;
mod private_files;
mod proxy;
mod push;
mod refresh;
mod sms;
mod sync;
mod tickets;
mod tus;

/// The real OS keyring, only with `LINLI_KEYRING_TESTS=1` (CI sets it inside
/// `dbus-run-session` with gnome-keyring unlocked).
#[test]
fn keyring_token_store_roundtrip_when_enabled() {
    use linli_core::{KeyringTokenStore, Secret, TokenPair, TokenStore};
    if std::env::var("LINLI_KEYRING_TESTS").as_deref() != Ok("1") {
        eprintln!("skipped: set LINLI_KEYRING_TESTS=1 to use the real OS keyring");
        return;
    }
    let store = KeyringTokenStore::new();
    let account = format!("e2e-{}@127.0.0.1:1", uuid::Uuid::now_v7());
    let pair = TokenPair {
        access: Secret::new("access-e2e"),
        refresh: Secret::new("refresh-e2e"),
        access_expires_at: chrono::Utc::now(),
    };
    store.save(&account, &pair).expect("save to the OS keyring");
    assert_eq!(
        store.load(&account).expect("load"),
        Some(pair),
        "a fresh entry reads back the saved pair"
    );
    store.delete(&account).expect("delete");
    assert_eq!(
        store.load(&account).expect("load"),
        None,
        "the entry is gone"
    );
}
