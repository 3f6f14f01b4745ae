//! The communities' pass signing keys: made on first use, rotated by the command line
//! (`linli-server pass rotate-key`); the gate feature serves the public halves that gates
//! must trust ([`trusted`]).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use ed25519_dalek::SigningKey;
use linli_wire::CommunityId;
use linli_wire::passes::GateKey;
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

/// How long gates keep trusting a retired pass key: the longest a pass may last (a recurring
/// one, 90 days), so every pass it signed keeps opening until it ends.
pub const RETIRED_KEY_TRUST_MS: i64 = 90 * 24 * 3600 * 1000;

/// The keys a gate of `community` must trust now, as the contract shows them: the current one
/// (made if the community has none yet) and retired ones still within
/// [`RETIRED_KEY_TRUST_MS`].
pub(crate) async fn trusted(
    conn: &mut SqliteConnection,
    community: Uuid,
    now_ms: i64,
) -> sqlx::Result<Vec<GateKey>> {
    // A community without passes yet still has a key to hand out.
    signing_key(&mut *conn, community, now_ms).await?;
    // Retired keys stay trusted as long as a pass they signed can still be valid.
    let rows: Vec<(String, Vec<u8>, i64, Option<i64>)> = sqlx::query_as(
        "SELECT kid, seed, created_at, retired_at FROM pass_keys WHERE community_id = ?
           AND (retired_at IS NULL OR retired_at > ?)
         ORDER BY created_at",
    )
    .bind(community.to_string())
    .bind(now_ms - RETIRED_KEY_TRUST_MS)
    .fetch_all(&mut *conn)
    .await?;
    let keys = rows
        .into_iter()
        .filter_map(|(kid, seed, created_at, retired_at)| {
            let seed = <[u8; 32]>::try_from(seed.as_slice()).ok()?;
            let public = SigningKey::from_bytes(&seed).verifying_key();
            Some(GateKey {
                kid,
                kty: "OKP".to_owned(),
                crv: "Ed25519".to_owned(),
                alg: "EdDSA".to_owned(),
                x: B64.encode(public.as_bytes()),
                community_id: CommunityId(community),
                not_before: crate::clock::from_ms(created_at),
                // A retired key still verifies the passes it signed, for up to 7 days.
                not_after: retired_at.map(|at| crate::clock::from_ms(at + RETIRED_KEY_TRUST_MS)),
            })
        })
        .collect();
    Ok(keys)
}
