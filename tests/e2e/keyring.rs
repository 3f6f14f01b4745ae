//! A locked or missing keyring: a clear error code, cached reads still work, and no token
//! ever lands in the data folder (every file under it is searched for the token strings).

use crate::support::Env;
use linli_core::{
    Core, CoreDeps, MemoryTokenStore, TokenPair, TokenStore, TokenStoreError, UuidV7Gen,
};
use linli_server::testing::{DEMO_PASSWORD, WANG_FANG_PHONE};
use linli_wire::ErrorCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

const OPEN: u8 = 0;
const LOCKED: u8 = 1;
const MISSING: u8 = 2;

/// A keyring the test locks or takes away, failing as the OS keyring does then.
#[derive(Default)]
struct SwitchedKeyring {
    pairs: MemoryTokenStore,
    mode: AtomicU8,
}

impl SwitchedKeyring {
    fn set(&self, mode: u8) {
        self.mode.store(mode, Ordering::SeqCst);
    }

    fn check(&self) -> Result<(), TokenStoreError> {
        match self.mode.load(Ordering::SeqCst) {
            LOCKED => Err(TokenStoreError::Locked(
                "the login keyring is locked".into(),
            )),
            MISSING => Err(TokenStoreError::Unavailable("no Secret Service".into())),
            _ => Ok(()),
        }
    }
}

impl TokenStore for SwitchedKeyring {
    fn load(&self, account: &str) -> Result<Option<TokenPair>, TokenStoreError> {
        self.check()?;
        self.pairs.load(account)
    }
    fn save(&self, account: &str, tokens: &TokenPair) -> Result<(), TokenStoreError> {
        self.check()?;
        self.pairs.save(account, tokens)
    }
    fn delete(&self, account: &str) -> Result<(), TokenStoreError> {
        self.check()?;
        self.pairs.delete(account)
    }
}

async fn open_with(env: &Env, tokens: Arc<dyn TokenStore>) -> Core {
    let deps = CoreDeps {
        clock: env.clock.clone(),
        ids: Arc::new(UuidV7Gen),
        tokens,
    };
    Core::open(env.config(), deps).await.expect("open")
}

/// Every file under `dir` that holds one of `needles` (as bytes), with the needle's label.
pub fn files_holding(dir: &std::path::Path, needles: &[(&str, &str)]) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    let mut files = 0;
    while let Some(path) = stack.pop() {
        if path.is_dir() {
            for entry in std::fs::read_dir(&path).expect("read dir") {
                stack.push(entry.expect("entry").path());
            }
            continue;
        }
        // SQLite removes a database's -wal and -shm files when its last connection closes,
        // which may happen between listing a folder and reading it: a file gone holds nothing.
        let bytes = match std::fs::read(&path) {
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => continue,
            read => read.expect("read file"),
        };
        files += 1;
        for (label, needle) in needles {
            if bytes.windows(needle.len()).any(|w| w == needle.as_bytes()) {
                found.push(format!("{label} in {}", path.display()));
            }
        }
    }
    assert!(
        files >= 2,
        "the data folder holds the databases ({files} files)"
    );
    found
}

fn needles(pairs: &[TokenPair]) -> Vec<(&str, &str)> {
    pairs
        .iter()
        .flat_map(|p| {
            [
                ("access", p.access.expose()),
                ("refresh", p.refresh.expose()),
            ]
        })
        .collect()
}

#[tokio::test]
async fn a_locked_keyring_fails_the_sign_in_with_its_code_and_keeps_nothing() {
    let env = Env::start().await;
    let keyring = Arc::new(SwitchedKeyring::default());
    keyring.set(LOCKED);
    let core = open_with(&env, keyring.clone()).await;
    let err = core
        .sign_in(WANG_FANG_PHONE, DEMO_PASSWORD)
        .await
        .expect_err("no place for the tokens");
    assert_eq!(err.code(), ErrorCode::KeyringLocked, "{err}");
    assert_eq!(core.session().await.expect("session").account, None);
    assert!(
        !env.dir.path().join("accounts").exists(),
        "no account folder for a session that cannot be kept"
    );
    keyring.set(MISSING);
    let err = core
        .sign_in(WANG_FANG_PHONE, DEMO_PASSWORD)
        .await
        .expect_err("no keyring at all");
    assert_eq!(err.code(), ErrorCode::KeyringUnavailable, "{err}");
    core.shutdown().await;
}

#[tokio::test]
async fn with_the_keyring_locked_cached_reads_work_and_the_network_says_why_not() {
    let env = Env::start().await;
    let keyring = Arc::new(SwitchedKeyring::default());
    let core = open_with(&env, keyring.clone()).await;
    let account = core
        .sign_in(WANG_FANG_PHONE, DEMO_PASSWORD)
        .await
        .expect("sign in");
    let notices = core.notices().await.expect("notices");
    assert!(!notices.is_empty(), "the first sync filled the cache");
    core.shutdown().await;

    // The next start finds the keyring locked (and later gone).
    for (mode, code) in [
        (LOCKED, ErrorCode::KeyringLocked),
        (MISSING, ErrorCode::KeyringUnavailable),
    ] {
        keyring.set(mode);
        let core = open_with(&env, keyring.clone()).await;
        let session = core.session().await.expect("session without the keyring");
        assert_eq!(
            session.account.map(|a| a.user.id),
            Some(account.user.id),
            "the resident still shows"
        );
        assert_eq!(
            core.notices().await.expect("cached notices"),
            notices,
            "reads come from the cache"
        );
        let err = core.sync_now().await.expect_err("no token to send");
        assert_eq!(err.code(), code, "{err}");
        let session = core.session().await.expect("session");
        assert!(
            session.account.is_some() && session.ended_because.is_none(),
            "a locked keyring does not end the session"
        );
        core.shutdown().await;
    }
    keyring.set(OPEN);
    let core = open_with(&env, keyring.clone()).await;
    core.sync_now().await.expect("unlocked: syncs again");
    core.shutdown().await;
}

#[tokio::test]
async fn no_token_is_written_to_the_data_folder() {
    let env = Env::start().await;
    let (core, account) = env.signed_in().await;
    let key = env.account_key(&account);
    let first = env.tokens.load(&key).expect("load").expect("tokens");
    env.server.advance_clock(Duration::from_secs(16 * 60));
    let notice = core.notices().await.expect("notices")[0].id;
    core.mark_notice_read(notice).await.expect("mark");
    core.sync_now().await.expect("sync with a refresh");
    let second = env.tokens.load(&key).expect("load").expect("tokens");
    assert_ne!(first.refresh, second.refresh, "the pair was rotated");
    let pairs = [first, second];
    let found = files_holding(env.dir.path(), &needles(&pairs));
    assert!(found.is_empty(), "tokens on disk while running: {found:?}");
    core.shutdown().await;
    let found = files_holding(env.dir.path(), &needles(&pairs));
    assert!(found.is_empty(), "tokens on disk after closing: {found:?}");
}

/// Locks the Secret Service's login collection, as the desktop does on screen lock.
fn lock_login_collection() {
    let out = std::process::Command::new("gdbus")
        .args([
            "call",
            "--session",
            "--dest",
            "org.freedesktop.secrets",
            "--object-path",
            "/org/freedesktop/secrets",
            "--method",
            "org.freedesktop.Secret.Service.Lock",
            "[objectpath '/org/freedesktop/secrets/collection/login']",
        ])
        .output()
        .expect("gdbus (libglib2.0-bin) is installed");
    assert!(
        out.status.success(),
        "lock: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The real `KeyringTokenStore` under gnome-keyring, only with `LINLI_KEYRING_TESTS=1`. The
/// test runs itself again in a D-Bus session of its own, because locking the collection
/// would fail the other keyring tests running beside it in the shared session.
#[test]
fn the_real_keyring_keeps_tokens_off_disk_and_locked_says_keyring_locked() {
    if std::env::var("LINLI_KEYRING_TESTS").as_deref() != Ok("1") {
        eprintln!("skipped: set LINLI_KEYRING_TESTS=1 to use the real OS keyring");
        return;
    }
    if std::env::var("LINLI_KEYRING_CHILD").as_deref() == Ok("1") {
        tokio::runtime::Runtime::new()
            .expect("runtime")
            .block_on(real_keyring_child());
        return;
    }
    let home = tempfile::tempdir().expect("keyring home");
    let exe = std::env::current_exe().expect("this test binary");
    let out = std::process::Command::new("dbus-run-session")
        .args([
            "--",
            "sh",
            "-c",
            "printf %s linli-child | gnome-keyring-daemon --unlock --components=secrets \
             >/dev/null && exec \"$@\"",
            "sh",
        ])
        .arg(exe)
        .args([
            "--exact",
            "keyring::the_real_keyring_keeps_tokens_off_disk_and_locked_says_keyring_locked",
            "--nocapture",
        ])
        .env("LINLI_KEYRING_CHILD", "1")
        .env("XDG_DATA_HOME", home.path())
        .output()
        .expect("dbus-run-session and gnome-keyring-daemon are installed");
    let report = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "the child run failed:\n{report}");
    assert!(
        report.contains("1 passed"),
        "the child ran the test:\n{report}"
    );
}

async fn real_keyring_child() {
    let env = Env::start().await;
    let store = Arc::new(linli_core::KeyringTokenStore::new());
    let core = open_with(&env, store.clone()).await;
    let account = core
        .sign_in(WANG_FANG_PHONE, DEMO_PASSWORD)
        .await
        .expect("sign in with the real keyring");
    let key = env.account_key(&account);
    let pair = store
        .load(&key)
        .expect("load")
        .expect("the pair is in the keyring");
    let notices = core.notices().await.expect("notices");
    core.shutdown().await;
    let found = files_holding(env.dir.path(), &needles(std::slice::from_ref(&pair)));
    assert!(found.is_empty(), "tokens on disk: {found:?}");

    lock_login_collection();
    let core = open_with(&env, store.clone()).await;
    assert_eq!(
        core.notices()
            .await
            .expect("cached notices with the keyring locked"),
        notices
    );
    let err = core.sync_now().await.expect_err("the keyring is locked");
    assert_eq!(err.code(), ErrorCode::KeyringLocked, "{err}");
    core.shutdown().await;
}
