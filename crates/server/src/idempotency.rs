//! The Idempotency-Key store for writes that are not naturally idempotent (POST).
//!
//! A write is an [`IdempotentWrite`]: one `BEGIN IMMEDIATE` transaction that first looks up
//! `(user, key)` and at the end records the outcome, so the stored outcome and the change commit
//! together or not at all. While a write runs, its `(user, key)` is claimed in [`InFlight`]: a
//! second request with the same key meanwhile is answered 409 `idempotency-in-progress` with
//! `Retry-After` at once, instead of queueing behind the first on the database's write lock
//! (where it would hold a connection and could time out as a 5xx). Once the first has finished,
//! a retry sees its stored outcome. The fingerprint is the SHA-256 of method, path and the
//! canonical JSON of the parsed body, so whitespace or key order does not make a retry look
//! different. A replay answers as the first time even when the request would no longer pass
//! its checks (a visit or pass window that has ended meanwhile), so handlers check time-bound
//! fields only for a fresh write. Outcomes are kept at least [`RETENTION`]; 5xx outcomes roll
//! back with the transaction and are never stored.

use crate::error::ApiError;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use linli_wire::ErrorCode;
use linli_wire::headers::IDEMPOTENT_REPLAYED;
use sha2::{Digest, Sha256};
use sqlx::SqliteConnection;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use uuid::Uuid;

/// How long outcomes are kept (the contract promises at least 7 days).
pub const RETENTION: Duration = Duration::from_secs(8 * 24 * 3600);

/// How long a client told `idempotency-in-progress` should wait before retrying.
pub const IN_PROGRESS_RETRY_AFTER_S: u64 = 1;

/// The `(user, key)` pairs whose write is running now.
#[derive(Debug, Default)]
pub struct InFlight(Mutex<HashSet<(Uuid, String)>>);

impl InFlight {
    /// Claims `(user, key)` for one write; `None` if another request holds it.
    fn claim(self: &Arc<Self>, user: Uuid, key: &str) -> Option<Claim> {
        let mut held = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        held.insert((user, key.to_owned())).then(|| Claim {
            registry: Arc::clone(self),
            user,
            key: key.to_owned(),
        })
    }
}

/// A held `(user, key)`, released when the write ends however it ends.
struct Claim {
    registry: Arc<InFlight>,
    user: Uuid,
    key: String,
}

impl Drop for Claim {
    fn drop(&mut self) {
        let mut held = self
            .registry
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        held.remove(&(self.user, std::mem::take(&mut self.key)));
    }
}

/// The fingerprint of a request.
fn fingerprint(method: &str, path: &str, body: &impl serde::Serialize) -> Vec<u8> {
    let mut hash = Sha256::new();
    hash.update(method.as_bytes());
    hash.update(b" ");
    hash.update(path.as_bytes());
    hash.update(b"\n");
    hash.update(serde_json::to_vec(body).unwrap_or_default());
    hash.finalize().to_vec()
}

/// A stored outcome, replayed as it was first answered.
#[derive(Debug)]
pub struct Stored {
    status: u16,
    content_type: Option<String>,
    body: Vec<u8>,
}

impl IntoResponse for Stored {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::OK);
        let mut response = (status, self.body).into_response();
        let headers = response.headers_mut();
        if let Some(value) = self
            .content_type
            .and_then(|ct| HeaderValue::from_str(&ct).ok())
        {
            headers.insert(header::CONTENT_TYPE, value);
        }
        headers.insert(IDEMPOTENT_REPLAYED, HeaderValue::from_static("true"));
        response
    }
}

/// fingerprint, status, content type, body.
type StoredRow = (Vec<u8>, i64, Option<String>, Vec<u8>);

/// The outcome stored for `(user, key)`, if any; a different fingerprint is
/// `idempotency-key-reused`.
async fn lookup(
    conn: &mut SqliteConnection,
    user: Uuid,
    key: &str,
    fingerprint: &[u8],
) -> Result<Option<Stored>, ApiError> {
    let row: Option<StoredRow> = sqlx::query_as(
        "SELECT fingerprint, status, content_type, body FROM idempotency_keys
         WHERE user_id = ? AND key = ?",
    )
    .bind(user.to_string())
    .bind(key)
    .fetch_optional(&mut *conn)
    .await?;
    match row {
        None => Ok(None),
        Some((stored, _, _, _)) if stored != fingerprint => {
            Err(ApiError::new(ErrorCode::IdempotencyKeyReused)
                .detail("this Idempotency-Key was used for a different request"))
        }
        Some((_, status, content_type, body)) => Ok(Some(Stored {
            status: u16::try_from(status).unwrap_or(200),
            content_type,
            body,
        })),
    }
}

/// Stores the outcome of a write (call inside the write's transaction).
async fn record(
    conn: &mut SqliteConnection,
    user: Uuid,
    key: &str,
    fingerprint: &[u8],
    status: StatusCode,
    body: Option<&serde_json::Value>,
    now_ms: i64,
) -> Result<(), ApiError> {
    debug_assert!(!status.is_server_error(), "5xx outcomes are never stored");
    let (content_type, body) = match body {
        Some(value) => (
            Some("application/json"),
            serde_json::to_vec(value).unwrap_or_default(),
        ),
        None => (None, Vec::new()),
    };
    sqlx::query(
        "INSERT INTO idempotency_keys (user_id, key, fingerprint, status, content_type, body, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(user.to_string())
    .bind(key)
    .bind(fingerprint)
    .bind(i64::from(status.as_u16()))
    .bind(content_type)
    .bind(body)
    .bind(now_ms)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// One idempotent write in its `BEGIN IMMEDIATE` transaction: [`IdempotentWrite::begin`] looks
/// the key up first (a replay answers the stored outcome), and [`IdempotentWrite::created`] or
/// [`IdempotentWrite::no_content`] stores the outcome and commits with the change. Dropping it
/// (an error on the way) rolls everything back and stores nothing.
pub struct IdempotentWrite {
    /// The write's transaction: do the change in it.
    pub tx: sqlx::Transaction<'static, sqlx::Sqlite>,
    user: Uuid,
    key: String,
    fingerprint: Vec<u8>,
    /// Dropped after the transaction (fields drop in order), so nobody retrying sees the key
    /// free before the outcome is committed or rolled back.
    _claim: Claim,
}

/// What beginning an idempotent write found.
pub enum Begun {
    /// The key was used before for this request: answer as the first time.
    Replay(Stored),
    /// A new write.
    Fresh(IdempotentWrite),
}

impl IdempotentWrite {
    /// Claims `(user, key)` (409 `idempotency-in-progress` if a request with it is still
    /// running), opens the write's transaction and looks the key up for `method path body`.
    pub async fn begin(
        state: &crate::AppState,
        user: Uuid,
        key: &str,
        (method, path): (&str, &str),
        body: &impl serde::Serialize,
    ) -> Result<Begun, ApiError> {
        let fingerprint = fingerprint(method, path, body);
        let Some(claim) = state.idempotency_in_flight.claim(user, key) else {
            return Err(ApiError::new(ErrorCode::IdempotencyInProgress)
                .detail("a request with this Idempotency-Key is still running")
                .retry_after(IN_PROGRESS_RETRY_AFTER_S));
        };
        let mut tx = state.db.begin_with("BEGIN IMMEDIATE").await?;
        if let Some(stored) = lookup(&mut tx, user, key, &fingerprint).await? {
            return Ok(Begun::Replay(stored));
        }
        Ok(Begun::Fresh(Self {
            tx,
            user,
            key: key.to_owned(),
            fingerprint,
            _claim: claim,
        }))
    }

    /// Stores `201 Created` with `body` and commits; the response.
    pub async fn created<T: serde::Serialize>(
        mut self,
        body: T,
        now_ms: i64,
    ) -> Result<Response, ApiError> {
        let value = serde_json::to_value(&body).map_err(ApiError::internal)?;
        record(
            &mut self.tx,
            self.user,
            &self.key,
            &self.fingerprint,
            StatusCode::CREATED,
            Some(&value),
            now_ms,
        )
        .await?;
        self.tx.commit().await?;
        Ok((StatusCode::CREATED, axum::Json(body)).into_response())
    }

    /// Stores `204 No Content` and commits; the response.
    pub async fn no_content(mut self, now_ms: i64) -> Result<Response, ApiError> {
        record(
            &mut self.tx,
            self.user,
            &self.key,
            &self.fingerprint,
            StatusCode::NO_CONTENT,
            None,
            now_ms,
        )
        .await?;
        self.tx.commit().await?;
        Ok(StatusCode::NO_CONTENT.into_response())
    }
}

/// Drops outcomes older than [`RETENTION`].
pub async fn purge(db: &sqlx::SqlitePool, now_ms: i64) -> sqlx::Result<u64> {
    let horizon = now_ms - i64::try_from(RETENTION.as_millis()).unwrap_or(i64::MAX);
    let done = sqlx::query("DELETE FROM idempotency_keys WHERE created_at < ?")
        .bind(horizon)
        .execute(db)
        .await?;
    Ok(done.rows_affected())
}
