//! Gate devices: registering one (`linli-server gate add`, the token shown once and stored as
//! SHA-256) and the [`Gate`] extractor that authenticates a device's requests.

use crate::AppState;
use crate::error::ApiError;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use linli_wire::ErrorCode;
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::SqlitePool;
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
        let row: Option<(String, String, String)> =
            sqlx::query_as("SELECT id, community_id, gate_group FROM gates WHERE token_hash = ?")
                .bind(Sha256::digest(token.trim().as_bytes()).to_vec())
                .fetch_optional(&state.db)
                .await?;
        let (id, community, group) =
            row.ok_or_else(|| ApiError::new(ErrorCode::Unauthenticated))?;
        Ok(Self {
            id,
            community_id: crate::db::parse_id(&community)?,
            group,
        })
    }
}

/// Registers a gate; returns its id and its token (shown once).
pub async fn add_gate(
    db: &SqlitePool,
    community_name: &str,
    group: &str,
    name: &str,
    now_ms: i64,
) -> anyhow::Result<(String, String)> {
    let community: String = sqlx::query_scalar("SELECT id FROM communities WHERE name = ?")
        .bind(community_name)
        .fetch_optional(db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no community named {community_name}"))?;
    let mut secret = [0_u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut secret);
    let token = format!("gate_{}", B64.encode(secret));
    let id = Uuid::now_v7().to_string();
    sqlx::query(
        "INSERT INTO gates (id, community_id, gate_group, name, token_hash, created_at)
         VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(&id)
    .bind(&community)
    .bind(group)
    .bind(name)
    .bind(Sha256::digest(token.as_bytes()).to_vec())
    .bind(now_ms)
    .execute(db)
    .await?;
    Ok((id, token))
}
