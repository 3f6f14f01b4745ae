//! The sign-in rules that need no HTTP: how passwords are hashed and checked (argon2id, with
//! a decoy hash for unknown phones so timing does not reveal which numbers have accounts),
//! which phone numbers are accepted, how many failures the throttle allows, and how many
//! argon2 checks may run at once ([`PasswordChecks`]). The seed and the passes feature (a
//! visitor's phone) use these too.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::Duration;
use tokio::sync::Semaphore;

/// Failed sign-ins allowed per (phone, client address) within [`FAILURE_WINDOW`].
pub const MAX_FAILURES: i64 = 5;
/// Failed sign-ins allowed per client address within [`FAILURE_WINDOW`], across all phones.
pub const ADDRESS_FAILURES: i64 = 20;
/// The window failed logins are counted in.
pub const FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);

/// Milliseconds of a duration (the stored times' unit).
pub(crate) fn ms(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

/// Hashes a password with argon2id (default parameters) and a random salt.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|err| anyhow::anyhow!("hash a password: {err}"))
}

/// Compared against when the phone has no account, so both paths cost the same.
pub(crate) static DECOY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_password("decoy password").unwrap_or_default());

/// How long a sign-in waits for hashing capacity before it is told to come back.
pub const HASH_WAIT: Duration = Duration::from_secs(1);

/// The server's capacity for argon2 checks: at most `permits` run at once (each takes ~19 MiB
/// and a core for a while), and a sign-in that finds none free within its wait is refused
/// (`service-unavailable`, `Retry-After`) rather than queued without bound. Unauthenticated
/// requests can therefore not exhaust memory or CPU, however many arrive.
#[derive(Debug)]
pub struct PasswordChecks {
    permits: Arc<Semaphore>,
    size: u32,
    wait: Duration,
    done: AtomicU64,
}

/// No hashing capacity came free in time.
#[derive(Debug)]
pub struct Busy;

impl PasswordChecks {
    /// At most `permits` (at least one) concurrent checks; a sign-in waits `wait` for one.
    pub fn new(permits: usize, wait: Duration) -> Self {
        let size = u32::try_from(permits.max(1)).unwrap_or(u32::MAX);
        Self {
            permits: Arc::new(Semaphore::new(size as usize)),
            size,
            wait,
            done: AtomicU64::new(0),
        }
    }

    /// One check per core this process may use.
    pub fn for_this_host(wait: Duration) -> Self {
        Self::new(
            std::thread::available_parallelism().map_or(2, std::num::NonZero::get),
            wait,
        )
    }

    /// Whether `password` matches `hash` (`None`: the decoy, for an account with none), or
    /// [`Busy`]. The check runs off the async threads and keeps its permit until argon2 is
    /// done, even if the request is dropped meanwhile; so does the decoy's one-time hashing.
    pub(crate) async fn verify(
        &self,
        password: String,
        hash: Option<String>,
    ) -> Result<bool, Busy> {
        let permit = tokio::time::timeout(self.wait, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| Busy)?
            .map_err(|_| Busy)?;
        self.done.fetch_add(1, Ordering::Relaxed);
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let hash = hash.as_deref().unwrap_or(DECOY_HASH.as_str());
            PasswordHash::new(hash).is_ok_and(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
        })
        .await
        .map_err(|_| Busy)
    }

    /// How many argon2 checks have run (what a throttle test counts).
    pub fn checked(&self) -> u64 {
        self.done.load(Ordering::Relaxed)
    }

    /// Takes every permit until the guard is dropped (a test's way to keep the server busy).
    pub async fn hold_all(&self) -> tokio::sync::OwnedSemaphorePermit {
        self.permits
            .clone()
            .acquire_many_owned(self.size)
            .await
            .expect("the semaphore is never closed")
    }
}

/// Accepts `13800000001`, `+86 138 0000 0001`, `138-0000-0001`; mainland mobiles only.
pub fn normalize_phone(raw: &str) -> Option<String> {
    let digits: String = raw.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    let digits = digits
        .strip_prefix("+86")
        .or_else(|| digits.strip_prefix("0086"))
        .unwrap_or(&digits);
    let valid =
        digits.len() == 11 && digits.starts_with('1') && digits.bytes().all(|b| b.is_ascii_digit());
    valid.then(|| digits.to_owned())
}

#[cfg(test)]
mod tests {
    use super::normalize_phone;

    #[test]
    fn phone_numbers_are_normalised() {
        for raw in [
            "13800000001",
            "+86 138 0000 0001",
            "138-0000-0001",
            "008613800000001",
        ] {
            assert_eq!(
                normalize_phone(raw).as_deref(),
                Some("13800000001"),
                "{raw}"
            );
        }
        for raw in [
            "",
            "1380000000",
            "23800000001",
            "1380000000a",
            "+1 13800000001",
        ] {
            assert_eq!(normalize_phone(raw), None, "{raw} is not a mainland mobile");
        }
    }
}
