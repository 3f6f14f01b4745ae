//! The Idempotency-Key store for writes that are not naturally idempotent (POST).
//!
//! A write runs in one `BEGIN IMMEDIATE` transaction that first [`lookup`]s `(user, key)` and
//! at the end [`record`]s the outcome, so the stored outcome and the change commit together or
//! not at all. Because SQLite serialises those transactions, a second request with the same key
//! waits for the first and then sees its stored outcome; `idempotency-in-progress` is therefore
//! never needed here. The fingerprint is the SHA-256 of method, path and the canonical JSON
//! of the parsed body, so whitespace or key order does not make a retry look different.
//! 2xx and 4xx outcomes are kept at least [`RETENTION`]; 5xx outcomes roll back with the
//! transaction and are never stored.

use crate::error::ApiError;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use linli_wire::ErrorCode;
use linli_wire::headers::IDEMPOTENT_REPLAYED;
use sha2::{Digest, Sha256};
use sqlx::SqliteConnection;
use std::time::Duration;
use uuid::Uuid;

/// How long outcomes are kept (the contract promises at least 7 days).
pub const RETENTION: Duration = Duration::from_secs(8 * 24 * 3600);

/// The fingerprint of a request.
pub fn fingerprint(method: &str, path: &str, body: &impl serde::Serialize) -> Vec<u8> {
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
pub async fn lookup(
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
pub async fn record(
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

/// Drops outcomes older than [`RETENTION`].
pub async fn purge(db: &sqlx::SqlitePool, now_ms: i64) -> sqlx::Result<u64> {
    let horizon = now_ms - i64::try_from(RETENTION.as_millis()).unwrap_or(i64::MAX);
    let done = sqlx::query("DELETE FROM idempotency_keys WHERE created_at < ?")
        .bind(horizon)
        .execute(db)
        .await?;
    Ok(done.rows_affected())
}
