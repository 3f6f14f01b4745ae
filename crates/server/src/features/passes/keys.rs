//! The communities' pass signing keys: made on first use, rotated by the command line
//! (`linli-server pass rotate-key`); the gate feature serves the public halves
//! ([`crate::features::gate`] calls [`signing_key`]).

use ed25519_dalek::SigningKey;
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::SqliteConnection;
use uuid::Uuid;

/// The credential format this server issues.
pub const FORMAT: &str = "cwt-cose-base45";

/// The community's signing key, made on first use.
pub(crate) async fn signing_key(
    conn: &mut SqliteConnection,
    community: Uuid,
    now_ms: i64,
) -> sqlx::Result<(String, SigningKey)> {
    let current: Option<(String, Vec<u8>)> = sqlx::query_as(
        "SELECT kid, seed FROM pass_keys WHERE community_id = ? AND retired_at IS NULL
         ORDER BY created_at DESC LIMIT 1",
    )
    .bind(community.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    if let Some((kid, seed)) = current
        && let Ok(seed) = <[u8; 32]>::try_from(seed.as_slice())
    {
        return Ok((kid, SigningKey::from_bytes(&seed)));
    }
    let mut seed = [0_u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut seed);
    // Named after the public key itself (as a JWK thumbprint would be), so it is unique.
    let signing = SigningKey::from_bytes(&seed);
    let kid = hex::encode(&Sha256::digest(signing.verifying_key().as_bytes())[..8]);
    sqlx::query("INSERT INTO pass_keys (kid, community_id, seed, created_at) VALUES (?, ?, ?, ?)")
        .bind(&kid)
        .bind(community.to_string())
        .bind(seed.as_slice())
        .bind(now_ms)
        .execute(&mut *conn)
        .await?;
    Ok((kid, signing))
}

/// Rotates the signing key of the community named `community`: the current key is retired
/// (gates keep trusting it for 90 more days, so passes it signed still open) and the next pass
/// is signed with a new one. Returns the new key's id.
pub async fn rotate_key(
    db: &sqlx::SqlitePool,
    community: &str,
    now_ms: i64,
) -> anyhow::Result<String> {
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    let id: String = sqlx::query_scalar("SELECT id FROM communities WHERE name = ?")
        .bind(community)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no community named {community}"))?;
    sqlx::query(
        "UPDATE pass_keys SET retired_at = ? WHERE community_id = ? AND retired_at IS NULL",
    )
    .bind(now_ms)
    .bind(&id)
    .execute(&mut *tx)
    .await?;
    let (kid, _) = signing_key(&mut tx, crate::db::parse_id(&id)?, now_ms).await?;
    tx.commit().await?;
    Ok(kid)
}
