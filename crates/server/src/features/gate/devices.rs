//! Gate devices: registering one (`linli-server gate-add`, the token shown once and stored as
//! SHA-256, valid for a term: [`GATE_TOKEN_TTL`] unless `--valid-days` says otherwise),
//! revoking one (`linli-server gate-revoke`), and the [`Gate`] extractor that authenticates a
//! device's requests: an unknown or revoked token is `unauthenticated`, an expired one
//! `token-expired`, on every request.

use crate::AppState;
use crate::error::ApiError;
use crate::tokens::{DeviceToken, GATE_TOKEN_TTL, term_ms};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use linli_wire::ErrorCode;
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::SqlitePool;
use std::time::Duration;
use uuid::Uuid;

/// The gate making the request.
#[derive(Clone, Debug)]
pub struct Gate {
    /// Gate id.
    pub id: String,
    /// Its community.
    pub community_id: Uuid,
    /// Its group (`pedestrian`, `vehicle`).
    pub group: String,
}

impl FromRequestParts<AppState> for Gate {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = crate::extract::bearer(parts)?;
        let row: Option<(String, String, String, i64, Option<i64>)> = sqlx::query_as(
            "SELECT id, community_id, gate_group, expires_at, revoked_at FROM gates \
             WHERE token_hash = ?",
        )
        .bind(Sha256::digest(token.trim().as_bytes()).to_vec())
        .fetch_optional(&state.db)
        .await?;
        let (id, community, group, expires_at, revoked_at) =
            row.ok_or_else(|| ApiError::new(ErrorCode::Unauthenticated))?;
        crate::extract::admit_device(expires_at, revoked_at, state.clock.now_ms())?;
        Ok(Self {
            id,
            community_id: crate::db::parse_id(&community)?,
            group,
        })
    }
}

/// Registers a gate with the default term ([`GATE_TOKEN_TTL`]); returns its id and its token
/// (shown once).
pub async fn add_gate(
    db: &SqlitePool,
    community_name: &str,
    group: &str,
    name: &str,
    now_ms: i64,
) -> anyhow::Result<(String, String)> {
    let issued = enrol_gate(db, community_name, group, name, now_ms, GATE_TOKEN_TTL).await?;
    Ok((issued.id, issued.token))
}

/// Registers a gate whose token is valid for `term`.
pub async fn enrol_gate(
    db: &SqlitePool,
    community_name: &str,
    group: &str,
    name: &str,
    now_ms: i64,
    term: Duration,
) -> anyhow::Result<DeviceToken> {
    let community: String = sqlx::query_scalar("SELECT id FROM communities WHERE name = ?")
        .bind(community_name)
        .fetch_optional(db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no community named {community_name}"))?;
    let mut secret = [0_u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut secret);
    let token = format!("gate_{}", B64.encode(secret));
    let id = Uuid::now_v7().to_string();
    let expires_at_ms = now_ms.saturating_add(term_ms(term));
    sqlx::query(
        "INSERT INTO gates (id, community_id, gate_group, name, token_hash, created_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&id)
    .bind(&community)
    .bind(group)
    .bind(name)
    .bind(Sha256::digest(token.as_bytes()).to_vec())
    .bind(now_ms)
    .bind(expires_at_ms)
    .execute(db)
    .await?;
    Ok(DeviceToken {
        id,
        token,
        expires_at_ms,
    })
}

/// Revokes a gate's token: its next request is refused. `false` when there is no such gate.
pub async fn revoke_gate(db: &SqlitePool, id: &str, now_ms: i64) -> anyhow::Result<bool> {
    let done = sqlx::query("UPDATE gates SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?")
        .bind(now_ms)
        .bind(id)
        .execute(db)
        .await?;
    if done.rows_affected() > 0 {
        tracing::info!(gate = %id, "gate token revoked");
    }
    Ok(done.rows_affected() > 0)
}
