//! The sign-in throttle: one mechanism for every guess at a secret, a password or an SMS code.
//!
//! An attempt is *reserved* before its secret is checked, in the same `BEGIN IMMEDIATE`
//! transaction that counts the attempts already standing: a row of `sign_in_attempts` (kind,
//! phone, client address, time). A reservation counts as a failure until the check succeeds
//! and [`release`]s it; a wrong secret (or a crash half-way) simply leaves it standing. So
//! however many guesses arrive at once, at most the budget is ever checked, and argon2 never
//! runs for a refused one. A check that could not run at all (no hashing capacity) is
//! [`cancel`]led: that attempt never happened.
//!
//! Budgets, all within [`FAILURE_WINDOW`], for password attempts; failures of both kinds
//! count toward them:
//! - per (phone, client address): [`MAX_FAILURES`], then 429 `rate-limited` with
//!   `Retry-After` until the oldest failure leaves the window. A stranger spends only the
//!   budget of their own pair, so the owner, from her own address, is never locked out by them.
//! - per client address, across all phones: [`ADDRESS_FAILURES`], so one password tried over
//!   many phones is slowed.
//! - per phone across all addresses, password failures only: past [`PHONE_SLOW_AFTER`] the
//!   phone's password attempts are spaced ([`phone_spacing`]: 10 s doubling up to
//!   [`PHONE_MAX_SPACING`]). That slows a guesser with many addresses and never blocks: the
//!   owner waits at most the spacing.
//!
//! A code attempt is reserved the same way but meets no budget here: the code's own tries
//! (`SMS_CODE_MAX_TRIES`, counted by `sms` from these rows: its phone's code attempts since it
//! was made) and the caps on asking for codes (per phone and per address, each code a text
//! message to the owner's phone) already bound guessing at a million codes, so a right code
//! always signs in, from any address, however many wrong passwords came before.
//!
//! What always stays open: a right SMS code, and every device already signed in (refreshing a
//! token family is never throttled). The trade-off: residents behind one carrier NAT address
//! share its password budget; their codes are never held back by it. The client address is
//! [`crate::extract::ClientAddr`]: the socket peer, or a trusted proxy's header when the
//! operator configured one.

use super::rules::{ADDRESS_FAILURES, FAILURE_WINDOW, MAX_FAILURES, ms};
use crate::error::{ApiError, ApiResult};
use linli_wire::ErrorCode;
use sqlx::{SqliteConnection, SqlitePool};
use std::time::Duration;

/// Password failures on one phone (all addresses together) after which its attempts are spaced.
pub const PHONE_SLOW_AFTER: i64 = 20;
/// The longest spacing between a phone's password attempts.
pub const PHONE_MAX_SPACING: Duration = Duration::from_secs(5 * 60);
/// The first spacing, doubled for each failure past [`PHONE_SLOW_AFTER`].
const FIRST_SPACING: Duration = Duration::from_secs(10);

/// The kind of secret an attempt guesses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Secret {
    /// An account's password (checked with argon2).
    Password,
    /// The phone's newest SMS code.
    SmsCode,
}

impl Secret {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Password => "password",
            Self::SmsCode => "sms-code",
        }
    }
}

/// A standing attempt: it counts as a failure until [`release`]d or [`cancel`]led.
#[derive(Debug)]
#[must_use = "a reservation is released on success, or left standing as a failure"]
pub(crate) struct Reservation(i64);

/// Who tries and what: the phone and the client address the budgets are counted by.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Attempt<'a> {
    pub(crate) secret: Secret,
    pub(crate) phone: &'a str,
    pub(crate) client: &'a str,
}

/// Reserves an attempt in `tx` (a `BEGIN IMMEDIATE` transaction, so counting and reserving
/// are one step), or answers `rate-limited` with `Retry-After` when a password budget is spent.
pub(crate) async fn reserve(
    tx: &mut SqliteConnection,
    attempt: Attempt<'_>,
    now: i64,
) -> ApiResult<Reservation> {
    if attempt.secret == Secret::Password {
        password_budgets(tx, attempt, now).await?;
    }
    let id = sqlx::query_scalar(
        "INSERT INTO sign_in_attempts (kind, phone, client, at) VALUES (?, ?, ?, ?) RETURNING id",
    )
    .bind(attempt.secret.as_str())
    .bind(attempt.phone)
    .bind(attempt.client)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    Ok(Reservation(id))
}

/// The budgets a password attempt must find room in (failures of both kinds count).
async fn password_budgets(
    tx: &mut SqliteConnection,
    attempt: Attempt<'_>,
    now: i64,
) -> ApiResult<()> {
    let since = now - ms(FAILURE_WINDOW);
    let (pair, oldest): (i64, Option<i64>) = sqlx::query_as(
        "SELECT COUNT(*), MIN(at) FROM sign_in_attempts WHERE phone = ? AND client = ? AND at > ?",
    )
    .bind(attempt.phone)
    .bind(attempt.client)
    .bind(since)
    .fetch_one(&mut *tx)
    .await?;
    if pair >= MAX_FAILURES {
        return Err(limited(
            oldest,
            now,
            "too many failed sign-ins for this number; try again later, or sign in by SMS code",
        ));
    }
    let (from_client, oldest): (i64, Option<i64>) = sqlx::query_as(
        "SELECT COUNT(*), MIN(at) FROM sign_in_attempts WHERE client = ? AND at > ?",
    )
    .bind(attempt.client)
    .bind(since)
    .fetch_one(&mut *tx)
    .await?;
    if from_client >= ADDRESS_FAILURES {
        return Err(limited(
            oldest,
            now,
            "too many failed sign-ins from this address; try again later, or sign in by SMS code",
        ));
    }
    let (on_phone, last): (i64, Option<i64>) = sqlx::query_as(
        "SELECT COUNT(*), MAX(at) FROM sign_in_attempts \
         WHERE phone = ? AND kind = 'password' AND at > ?",
    )
    .bind(attempt.phone)
    .bind(since)
    .fetch_one(&mut *tx)
    .await?;
    let wait_ms = phone_spacing(on_phone)
        .zip(last)
        .map_or(0, |(spacing, last)| last + ms(spacing) - now);
    if wait_ms > 0 {
        return Err(ApiError::new(ErrorCode::RateLimited)
            .detail(
                "this number has had many failed sign-ins; wait a little, or sign in by SMS code",
            )
            .retry_after(u64::try_from((wait_ms + 999) / 1000).unwrap_or(1)));
    }
    Ok(())
}

/// How far apart a phone's password attempts must be after `failures` of them in the window:
/// none up to [`PHONE_SLOW_AFTER`], then 10 s doubling per failure, at most
/// [`PHONE_MAX_SPACING`].
pub fn phone_spacing(failures: i64) -> Option<Duration> {
    let past = u32::try_from(failures - PHONE_SLOW_AFTER).ok()?;
    let factor = 1_u32.checked_shl(past.min(16)).unwrap_or(u32::MAX);
    Some((FIRST_SPACING * factor).min(PHONE_MAX_SPACING))
}

/// `rate-limited` until the oldest counted failure leaves the window.
fn limited(oldest: Option<i64>, now: i64, detail: &str) -> ApiError {
    let free_at = oldest.unwrap_or(now) + ms(FAILURE_WINDOW);
    let wait_s = u64::try_from((free_at - now).div_euclid(1000) + 1).unwrap_or(1);
    ApiError::new(ErrorCode::RateLimited)
        .detail(detail)
        .retry_after(wait_s)
}

/// The secret was right: this attempt no longer counts, nor do the earlier failures of the same
/// (phone, address) pair (the owner mistyping before getting it right).
pub(crate) async fn release(
    tx: &mut SqliteConnection,
    reservation: Reservation,
    attempt: Attempt<'_>,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM sign_in_attempts WHERE id = ? OR (phone = ? AND client = ?)")
        .bind(reservation.0)
        .bind(attempt.phone)
        .bind(attempt.client)
        .execute(tx)
        .await?;
    Ok(())
}

/// The secret could not be checked at all (the server was busy): the attempt never happened.
pub(crate) async fn cancel(db: &SqlitePool, reservation: Reservation) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM sign_in_attempts WHERE id = ?")
        .bind(reservation.0)
        .execute(db)
        .await?;
    Ok(())
}

/// Forgets attempts older than a day (the window looks back 15 minutes).
pub async fn forget_old(db: &SqlitePool, now: i64) -> anyhow::Result<u64> {
    let done = sqlx::query("DELETE FROM sign_in_attempts WHERE at < ?")
        .bind(now - 24 * 3600 * 1000)
        .execute(db)
        .await?;
    Ok(done.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_phone_spacing_starts_past_the_ceiling_and_doubles_to_its_cap() {
        assert_eq!(
            phone_spacing(PHONE_SLOW_AFTER - 1),
            None,
            "below: no spacing"
        );
        assert_eq!(
            phone_spacing(PHONE_SLOW_AFTER),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            phone_spacing(PHONE_SLOW_AFTER + 2),
            Some(Duration::from_secs(40))
        );
        assert_eq!(
            phone_spacing(PHONE_SLOW_AFTER + 40),
            Some(PHONE_MAX_SPACING),
            "capped, never a lockout"
        );
    }
}
