//! Where tokens live between runs: the OS keyring, one entry per account, never a file.
//!
//! A locked keyring is `keyring-locked` and a missing one `keyring-unavailable`; there is no
//! plaintext fallback. Calls are blocking (D-Bus, Keychain): the core runs them on the blocking
//! pool.

use crate::error::Error;
use crate::secret::{Secret, TokenPair};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Mutex;

/// Keyring service name of every Linli entry.
pub const KEYRING_SERVICE: &str = "app.linli";

/// Why the token store failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TokenStoreError {
    /// The store exists but is locked (the resident must unlock it).
    #[error("{0}")]
    Locked(String),
    /// No usable store (no Secret Service on Linux, a platform failure).
    #[error("{0}")]
    Unavailable(String),
}

impl From<TokenStoreError> for Error {
    fn from(err: TokenStoreError) -> Self {
        match err {
            TokenStoreError::Locked(message) => Error::KeyringLocked(message),
            TokenStoreError::Unavailable(message) => Error::KeyringUnavailable(message),
        }
    }
}

/// Keeps token pairs, keyed by account (`"<user_id>@<backend host:port>"`).
pub trait TokenStore: Send + Sync {
    /// The pair of `account`, or `None` when there is none.
    fn load(&self, account: &str) -> Result<Option<TokenPair>, TokenStoreError>;
    /// Replaces the pair of `account`.
    fn save(&self, account: &str, tokens: &TokenPair) -> Result<(), TokenStoreError>;
    /// Removes the pair of `account`; removing a missing entry succeeds.
    fn delete(&self, account: &str) -> Result<(), TokenStoreError>;
}

/// What one keyring entry holds (JSON). Built only from exposed secrets, right here.
#[derive(Serialize, Deserialize)]
struct StoredPair {
    access: String,
    refresh: String,
    access_expires_at: DateTime<Utc>,
}

impl StoredPair {
    fn from_pair(pair: &TokenPair) -> Self {
        Self {
            access: pair.access.expose().to_owned(),
            refresh: pair.refresh.expose().to_owned(),
            access_expires_at: pair.access_expires_at,
        }
    }

    fn into_pair(self) -> TokenPair {
        TokenPair {
            access: Secret::new(self.access),
            refresh: Secret::new(self.refresh),
            access_expires_at: self.access_expires_at,
        }
    }
}

const LOCKED_MESSAGE: &str = "The OS keyring is locked. Unlock your login keyring (GNOME \
    Keyring or KWallet on Linux, Keychain on macOS, Credential Manager on Windows) and try again.";

const UNAVAILABLE_MESSAGE: &str = "No OS keyring is available to keep the sign-in safe. On \
    Linux, install and start a Secret Service provider such as gnome-keyring (with a D-Bus \
    session), then try again.";

/// Tokens in the OS keyring via the `keyring` crate (Secret Service, Keychain, Credential
/// Manager). One entry per account under service [`KEYRING_SERVICE`], holding the pair as JSON.
#[derive(Clone, Debug)]
pub struct KeyringTokenStore {
    service: String,
}

impl Default for KeyringTokenStore {
    fn default() -> Self {
        Self::new()
    }
}

impl KeyringTokenStore {
    /// The store under the service name `app.linli`.
    pub fn new() -> Self {
        Self {
            service: KEYRING_SERVICE.to_owned(),
        }
    }

    fn entry(&self, account: &str) -> Result<keyring::Entry, TokenStoreError> {
        keyring::Entry::new(&self.service, account).map_err(map_keyring_error)
    }
}

fn map_keyring_error(err: keyring::Error) -> TokenStoreError {
    match err {
        keyring::Error::NoStorageAccess(source) => {
            tracing::warn!("keyring locked: {source}");
            TokenStoreError::Locked(LOCKED_MESSAGE.to_owned())
        }
        keyring::Error::PlatformFailure(source) => {
            tracing::warn!("keyring platform failure: {source}");
            TokenStoreError::Unavailable(UNAVAILABLE_MESSAGE.to_owned())
        }
        other => {
            tracing::warn!("keyring failure: {other}");
            TokenStoreError::Unavailable(format!("The OS keyring refused the entry: {other}"))
        }
    }
}

impl TokenStore for KeyringTokenStore {
    fn load(&self, account: &str) -> Result<Option<TokenPair>, TokenStoreError> {
        match self.entry(account)?.get_password() {
            Ok(json) => match serde_json::from_str::<StoredPair>(&json) {
                Ok(stored) => Ok(Some(stored.into_pair())),
                Err(err) => {
                    // Not ours or from an incompatible build: as good as no entry.
                    tracing::warn!("ignoring an unreadable keyring entry: {err}");
                    Ok(None)
                }
            },
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(err) => Err(map_keyring_error(err)),
        }
    }

    fn save(&self, account: &str, tokens: &TokenPair) -> Result<(), TokenStoreError> {
        let json = serde_json::to_string(&StoredPair::from_pair(tokens))
            .map_err(|err| TokenStoreError::Unavailable(format!("cannot encode tokens: {err}")))?;
        self.entry(account)?
            .set_password(&json)
            .map_err(map_keyring_error)
    }

    fn delete(&self, account: &str) -> Result<(), TokenStoreError> {
        match self.entry(account)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(err) => Err(map_keyring_error(err)),
        }
    }
}

/// Tokens in memory. For tests only: nothing survives the process, which is exactly wrong for
/// the app.
#[derive(Debug, Default)]
pub struct MemoryTokenStore {
    pairs: Mutex<HashMap<String, TokenPair>>,
}

impl MemoryTokenStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn pairs(&self) -> std::sync::MutexGuard<'_, HashMap<String, TokenPair>> {
        // A panic while holding this lock cannot leave the map half-written.
        self.pairs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl TokenStore for MemoryTokenStore {
    fn load(&self, account: &str) -> Result<Option<TokenPair>, TokenStoreError> {
        Ok(self.pairs().get(account).cloned())
    }

    fn save(&self, account: &str, tokens: &TokenPair) -> Result<(), TokenStoreError> {
        self.pairs().insert(account.to_owned(), tokens.clone());
        Ok(())
    }

    fn delete(&self, account: &str) -> Result<(), TokenStoreError> {
        self.pairs().remove(account);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair() -> TokenPair {
        TokenPair {
            access: Secret::new("access"),
            refresh: Secret::new("refresh"),
            access_expires_at: DateTime::<Utc>::UNIX_EPOCH,
        }
    }

    #[test]
    fn memory_store_roundtrip() {
        let store = MemoryTokenStore::new();
        assert_eq!(store.load("a@h:1").expect("load"), None);
        store.save("a@h:1", &pair()).expect("save");
        assert_eq!(store.load("a@h:1").expect("load"), Some(pair()));
        store.delete("a@h:1").expect("delete");
        store.delete("a@h:1").expect("deleting twice is fine");
        assert_eq!(store.load("a@h:1").expect("load"), None);
    }

    #[test]
    fn keyring_errors_map_to_codes_with_guidance() {
        let locked = map_keyring_error(keyring::Error::NoStorageAccess("locked".into()));
        assert!(matches!(locked, TokenStoreError::Locked(ref m) if m.contains("Unlock")));
        let missing = map_keyring_error(keyring::Error::PlatformFailure("no dbus".into()));
        assert!(
            matches!(missing, TokenStoreError::Unavailable(ref m) if m.contains("gnome-keyring")),
            "the message says what to install"
        );
        assert_eq!(
            Error::from(locked).code(),
            linli_wire::ErrorCode::KeyringLocked
        );
    }

    /// Real OS keyring; runs only with `LINLI_KEYRING_TESTS=1` (CI sets it inside
    /// `dbus-run-session` with gnome-keyring unlocked).
    #[test]
    fn keyring_roundtrip_when_enabled() {
        if std::env::var("LINLI_KEYRING_TESTS").as_deref() != Ok("1") {
            eprintln!("skipped: set LINLI_KEYRING_TESTS=1 to use the real OS keyring");
            return;
        }
        let store = KeyringTokenStore::new();
        let account = format!("test-{}@127.0.0.1:1", uuid::Uuid::now_v7());
        store
            .save(&account, &pair())
            .expect("save to the OS keyring");
        assert_eq!(
            store.load(&account).expect("load"),
            Some(pair()),
            "a fresh entry reads back the saved pair"
        );
        store.delete(&account).expect("delete");
        assert_eq!(
            store.load(&account).expect("load"),
            None,
            "deleted for good"
        );
    }
}
