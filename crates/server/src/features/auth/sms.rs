//! Sign-in by SMS code (`POST /v1/auth/sms-codes`, `POST /v1/auth/sms-login`), no HTTP.
//!
//! A code is 6 digits drawn uniformly from the OS RNG. Only its HMAC (keyed by a server
//! secret, over phone and code) is stored, so a copy of the database does not give the codes
//! away, even though a million codes could be tried against a plain hash. A code lives
//! [`SMS_CODE_TTL_S`], allows [`SMS_CODE_MAX_TRIES`] wrong tries (counted, like every guess at
//! a secret, by the sign-in [`throttle`], which also limits the tries per address), is used
//! once, and asking for
//! a new one voids the old (only a phone's newest code is ever checked). Sends are spaced
//! [`SMS_RESEND_S`] per phone and capped per day (Beijing) per phone and per client address.
//!
//! Nothing here reveals whether a phone has an account: asking for a code answers the same
//! for every valid number, and signing in with a right code either finds the account or makes
//! one (with no home; binding one is a later step). Every refusal is a problem code, with
//! `Retry-After` where waiting helps.
//!
//! Codes leave through an [`SmsSender`]: the built-in [`OutboxSender`] writes them to the
//! `sms_outbox` table (`linli-server sms-outbox` prints it; the demo and the tests read it), and
//! a real provider plugs in at that seam.

use super::session::start_family;
use super::throttle::{self, Attempt, Secret};
use crate::AppState;
use crate::clock::community_today;
use crate::error::{ApiError, ApiResult, Lang};
use linli_wire::ErrorCode;
use linli_wire::auth::{SmsCodeSent, SmsLoginRequest, TokenResponse};
use linli_wire::limits::{
    SMS_CODE_DIGITS, SMS_CODE_MAX_TRIES, SMS_CODE_TTL_S, SMS_DAILY_PER_CLIENT, SMS_DAILY_PER_PHONE,
    SMS_RESEND_S,
};
use rand::Rng;
use sqlx::SqlitePool;
use std::future::Future;
use std::pin::Pin;
use uuid::Uuid;

/// Delivers a text message. A provider's failure is an error: the code is then forgotten and
/// the resident may ask again at once.
pub trait SmsSender: Send + Sync + std::fmt::Debug {
    /// Sends `text` to the mainland mobile `phone` (11 digits).
    fn send<'a>(
        &'a self,
        phone: &'a str,
        text: &'a str,
    ) -> Pin<Box<dyn Future<Output = anyhow::Result<()>> + Send + 'a>>;
}

/// The reference backend's sender: keeps each message in `sms_outbox` instead of sending it.
#[derive(Debug, Clone)]
pub struct OutboxSender {
    db: SqlitePool,
    clock: std::sync::Arc<crate::clock::ServerClock>,
}

impl OutboxSender {
    /// A sender writing into `db`'s outbox, stamped by `clock`.
    pub fn new(db: SqlitePool, clock: std::sync::Arc<crate::clock::ServerClock>) -> Self {
        Self { db, clock }
    }
}

impl SmsSender for OutboxSender {
    fn send<'a>(
        &'a self,
        phone: &'a str,
        text: &'a str,
    ) -> Pin<Box<dyn Future<Output = anyhow::Result<()>> + Send + 'a>> {
        Box::pin(async move {
            sqlx::query("INSERT INTO sms_outbox (phone, body, sent_at) VALUES (?, ?, ?)")
                .bind(phone)
                .bind(text)
                .bind(self.clock.now_ms())
                .execute(&self.db)
                .await?;
            Ok(())
        })
    }
}

/// One message in the built-in sender's outbox.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct SmsMessage {
    /// The phone it went to.
    pub phone: String,
    /// The text, code included.
    pub body: String,
    /// When, in Unix milliseconds.
    pub sent_at: i64,
}

/// The built-in sender's messages, oldest first, for one phone or all.
pub async fn outbox(db: &SqlitePool, phone: Option<&str>) -> anyhow::Result<Vec<SmsMessage>> {
    let rows = sqlx::query_as(
        "SELECT phone, body, sent_at FROM sms_outbox WHERE ?1 IS NULL OR phone = ?1 ORDER BY id",
    )
    .bind(phone)
    .fetch_all(db)
    .await?;
    Ok(rows)
}

/// The code in a message of ours (its first run of 6 digits).
pub fn code_in(body: &str) -> Option<&str> {
    body.as_bytes()
        .windows(SMS_CODE_DIGITS)
        .position(|w| w.iter().all(u8::is_ascii_digit))
        .map(|at| &body[at..at + SMS_CODE_DIGITS])
}

const MS: i64 = 1000;

/// Sends a new code to `phone` unless a limit says wait; `client` is the caller's address.
pub(crate) async fn request_code(
    state: &AppState,
    phone: &str,
    client: &str,
    lang: Lang,
) -> ApiResult<SmsCodeSent> {
    let now = state.clock.now_ms();
    let code = format!("{:06}", rand::rngs::OsRng.gen_range(0..1_000_000u32));
    let id = Uuid::now_v7();
    let mut tx = state.db.begin_with("BEGIN IMMEDIATE").await?;
    check_limits(&mut tx, phone, client, now).await?;
    sqlx::query(
        "INSERT INTO sms_codes (id, phone, code_mac, client, created_at, expires_at) \
         VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(id.to_string())
    .bind(phone)
    .bind(state.keys.code_mac(phone, &code))
    .bind(client)
    .bind(now)
    .bind(now + i64::from(SMS_CODE_TTL_S) * MS)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;

    if let Err(err) = state.sms.send(phone, &text(&code, lang)).await {
        tracing::error!("the SMS provider refused a code: {err:#}");
        sqlx::query("DELETE FROM sms_codes WHERE id = ?")
            .bind(id.to_string())
            .execute(&state.db)
            .await?;
        return Err(ApiError::new(ErrorCode::ServiceUnavailable)
            .detail("the text message could not be sent; try again")
            .retry_after(u64::from(SMS_RESEND_S)));
    }
    Ok(SmsCodeSent {
        resend_after_s: SMS_RESEND_S,
        expires_in_s: SMS_CODE_TTL_S,
    })
}

/// The spacing and the daily caps, counted over the codes stored (used or not).
async fn check_limits(
    tx: &mut sqlx::SqliteConnection,
    phone: &str,
    client: &str,
    now: i64,
) -> ApiResult<()> {
    let day_start = beijing_day_start(now);
    let next_day_s = u64::try_from((day_start + 86_400 * MS - now) / MS + 1).unwrap_or(1);
    let (sent_today, last): (i64, Option<i64>) = sqlx::query_as(
        "SELECT COUNT(*), MAX(created_at) FROM sms_codes WHERE phone = ? AND created_at >= ?",
    )
    .bind(phone)
    .bind(day_start)
    .fetch_one(&mut *tx)
    .await?;
    if let Some(last) = last {
        let wait_ms = last + i64::from(SMS_RESEND_S) * MS - now;
        if wait_ms > 0 {
            return Err(ApiError::new(ErrorCode::RateLimited)
                .detail("a code was just sent to this number; wait before asking again")
                .retry_after(u64::try_from((wait_ms + MS - 1) / MS).unwrap_or(1)));
        }
    }
    if sent_today >= i64::from(SMS_DAILY_PER_PHONE) {
        return Err(ApiError::new(ErrorCode::RateLimited)
            .detail("this number has had today's codes; try again tomorrow")
            .retry_after(next_day_s));
    }
    let (from_client,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM sms_codes WHERE client = ? AND created_at >= ?")
            .bind(client)
            .bind(day_start)
            .fetch_one(&mut *tx)
            .await?;
    if from_client >= i64::from(SMS_DAILY_PER_CLIENT) {
        return Err(ApiError::new(ErrorCode::RateLimited)
            .detail("too many codes were asked from this address today")
            .retry_after(next_day_s));
    }
    Ok(())
}

/// Unix milliseconds of the start of the Beijing day at `now`.
fn beijing_day_start(now: i64) -> i64 {
    let midnight = community_today(now)
        .and_hms_opt(0, 0, 0)
        .map_or(0, |t| t.and_utc().timestamp_millis());
    midnight - 8 * 3_600 * MS
}

/// The message, in the caller's language.
fn text(code: &str, lang: Lang) -> String {
    let minutes = SMS_CODE_TTL_S / 60;
    match lang {
        Lang::Zh => format!("【邻里】验证码 {code}，{minutes} 分钟内有效。请勿告诉他人。"),
        Lang::En => format!(
            "[Linli] Your code is {code}. It is valid for {minutes} minutes. Do not share it."
        ),
    }
}

#[derive(sqlx::FromRow)]
struct Stored {
    id: String,
    code_mac: Vec<u8>,
    created_at: i64,
    expires_at: i64,
    used_at: Option<i64>,
}

/// Signs in from `client` with the phone's newest code, making the account when the phone has
/// none. The try is reserved from the [`throttle`] in the same transaction that checks it, and
/// the code's own tries are the phone's code attempts since it was made (the same rows).
pub(crate) async fn sign_in(
    state: &AppState,
    phone: &str,
    client: &str,
    request: &SmsLoginRequest,
) -> ApiResult<TokenResponse> {
    let code = request.code.trim();
    let well_formed = code.len() == SMS_CODE_DIGITS && code.bytes().all(|b| b.is_ascii_digit());
    if !well_formed {
        return Err(ApiError::invalid(
            "/code",
            "invalid-code",
            "the code is the 6 digits of the text message",
        ));
    }
    let now = state.clock.now_ms();
    let attempt = Attempt {
        secret: Secret::SmsCode,
        phone,
        client,
    };
    let mut tx = state.db.begin_with("BEGIN IMMEDIATE").await?;
    let reservation = throttle::reserve(&mut tx, attempt, now).await?;
    let stored: Option<Stored> = sqlx::query_as(
        "SELECT id, code_mac, created_at, expires_at, used_at FROM sms_codes \
         WHERE phone = ? ORDER BY created_at DESC, id DESC LIMIT 1",
    )
    .bind(phone)
    .fetch_optional(&mut *tx)
    .await?;
    // This try included: the reservation is one of the phone's code attempts.
    let tries: i64 = match &stored {
        Some(stored) => {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM sign_in_attempts \
                 WHERE phone = ? AND kind = ? AND at >= ?",
            )
            .bind(phone)
            .bind(Secret::SmsCode.as_str())
            .bind(stored.created_at)
            .fetch_one(&mut *tx)
            .await?
        }
        None => 0,
    };
    let max_tries = i64::from(SMS_CODE_MAX_TRIES);
    let usable = stored.filter(|s| s.used_at.is_none() && s.expires_at > now && tries <= max_tries);
    let Some(stored) = usable else {
        // The reservation stands: a guess at a void code is a guess all the same.
        tx.commit().await?;
        return Err(ApiError::new(ErrorCode::SmsCodeInvalid)
            .detail("there is no valid code for this number: ask for a new one"));
    };
    if !state.keys.code_mac_matches(phone, code, &stored.code_mac) {
        tx.commit().await?;
        let left = max_tries - tries;
        let detail = if left > 0 {
            format!("wrong code; {left} tries left")
        } else {
            "wrong code; this code is void now: ask for a new one".to_owned()
        };
        return Err(ApiError::new(ErrorCode::SmsCodeInvalid).detail(detail));
    }
    throttle::release(&mut tx, reservation, attempt).await?;
    sqlx::query("UPDATE sms_codes SET used_at = ? WHERE id = ?")
        .bind(now)
        .bind(&stored.id)
        .execute(&mut *tx)
        .await?;
    let user = account_for(&mut tx, phone, now).await?;
    let tokens = start_family(state, &mut tx, user, now).await?;
    tx.commit().await?;
    tracing::info!(%user, "signed in by SMS code");
    Ok(tokens)
}

/// The phone's account, made now (no password, no home) when it has none.
async fn account_for(tx: &mut sqlx::SqliteConnection, phone: &str, now: i64) -> ApiResult<Uuid> {
    let found: Option<(String,)> = sqlx::query_as("SELECT id FROM users WHERE phone = ?")
        .bind(phone)
        .fetch_optional(&mut *tx)
        .await?;
    if let Some((id,)) = found {
        return Ok(crate::db::parse_id(&id)?);
    }
    let id = Uuid::now_v7();
    // The name is a placeholder until the resident sets one: 用户 and the number's last four.
    let name = format!("用户{}", &phone[phone.len() - 4..]);
    // An empty password hash means "no password": password sign-in is refused for it.
    sqlx::query(
        "INSERT INTO users (id, phone, display_name, password_hash, created_at) \
         VALUES (?, ?, ?, '', ?)",
    )
    .bind(id.to_string())
    .bind(phone)
    .bind(name)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tracing::info!(user = %id, "account registered by SMS code");
    Ok(id)
}

/// Forgets codes two days old (the daily caps look back one day at most).
pub async fn forget_old_codes(db: &SqlitePool, now: i64) -> anyhow::Result<u64> {
    let done = sqlx::query("DELETE FROM sms_codes WHERE created_at < ?")
        .bind(now - 2 * 86_400 * MS)
        .execute(db)
        .await?;
    Ok(done.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_is_found_in_either_language() {
        assert_eq!(code_in(&text("042917", Lang::Zh)), Some("042917"));
        assert_eq!(
            code_in(&text("000001", Lang::En)),
            Some("000001"),
            "leading zeros kept"
        );
    }

    #[test]
    fn the_day_starts_at_beijing_midnight() {
        // 2026-12-01 15:59:59 UTC is 23:59:59 in Beijing; one second later is the next day.
        let before = 1_796_140_799_000;
        assert_eq!(
            beijing_day_start(before),
            1_796_054_400_000,
            "2026-12-01 00:00 +08:00"
        );
        assert_eq!(
            beijing_day_start(before + 1000),
            1_796_140_800_000,
            "2026-12-02 00:00 +08:00"
        );
    }
}
