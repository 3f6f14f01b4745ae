//! The sign-in rules that need no HTTP: how passwords are hashed and checked (argon2id, with
//! a decoy hash for unknown phones so timing does not reveal which numbers have accounts),
//! which phone numbers are accepted, and how many failures a phone is allowed. The seed and
//! the passes feature (a visitor's phone) use these too.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use std::sync::LazyLock;
use std::time::Duration;

/// Failed logins allowed per phone within [`FAILURE_WINDOW`].
pub const MAX_FAILURES: i64 = 5;
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

/// Whether `password` matches `hash` (off the async threads: argon2 is slow on purpose).
pub(crate) async fn verify_password(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash).is_ok_and(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
    })
    .await
    .unwrap_or(false)
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
