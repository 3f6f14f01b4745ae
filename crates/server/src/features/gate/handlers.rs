//! The gate side (`/v1/gate/…`): what a gate device needs to verify passes offline.
//!
//! A gate authenticates with its own bearer token (made by `linli-server gate add`, stored as
//! SHA-256), bound to one community and one gate group. It fetches the community's public
//! keys (all unretired ones, so a rotation never strands a pass), the revocation list as
//! deltas (`since` is the last `next` it saw), uploads its entry log in batches (entry ids
//! are the gate's, so a re-sent batch counts once; entries of passes of other communities are
//! refused), and may look up a short code online. Failed code lookups are throttled per gate:
//! an 8-digit code cannot be guessed at the rate a gate is allowed to ask.

use super::devices::Gate;
use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::AppJson;
use crate::features::passes::FORMAT;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use ed25519_dalek::SigningKey;
use linli_wire::passes::{
    CodeLookup, Credential, GateEntries, GateKey, GateKeySet, RevocationDelta,
};
use linli_wire::{CommunityId, ErrorCode, PassId, Problem};
use serde::Deserialize;
use utoipa::IntoParams;

/// How long gates keep trusting a retired pass key: the longest a pass may last (a recurring
/// one, 90 days), so every pass it signed keeps opening until it ends.
pub const RETIRED_KEY_TRUST_MS: i64 = 90 * 24 * 3600 * 1000;

/// Failed code lookups a gate may make in [`CODE_WINDOW_MS`].
const MAX_CODE_FAILURES: i64 = 5;
const CODE_WINDOW_MS: i64 = 10 * 60 * 1000;

/// The public keys that sign the gate's community's passes.
#[utoipa::path(get, path = "/v1/gate/keys", tag = "gate", security(("gate" = [])),
    responses(
        (status = 200, description = "Keys to trust", body = GateKeySet),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn keys(State(state): State<AppState>, gate: Gate) -> ApiResult<Json<GateKeySet>> {
    let mut conn = state.db.acquire().await?;
    // A community without passes yet still has a key to hand out.
    crate::features::passes::keys::signing_key(&mut conn, gate.community_id, state.clock.now_ms())
        .await?;
    // Retired keys stay trusted as long as a pass they signed can still be valid.
    let rows: Vec<(String, Vec<u8>, i64, Option<i64>)> = sqlx::query_as(
        "SELECT kid, seed, created_at, retired_at FROM pass_keys WHERE community_id = ?
           AND (retired_at IS NULL OR retired_at > ?)
         ORDER BY created_at",
    )
    .bind(gate.community_id.to_string())
    .bind(state.clock.now_ms() - RETIRED_KEY_TRUST_MS)
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
                community_id: CommunityId(gate.community_id),
                not_before: crate::clock::from_ms(created_at),
                // A retired key still verifies the passes it signed, for up to 7 days.
                not_after: retired_at.map(|at| crate::clock::from_ms(at + RETIRED_KEY_TRUST_MS)),
            })
        })
        .collect();
    Ok(Json(GateKeySet { keys }))
}

/// Query of the revocation delta.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SinceQuery {
    /// `next` of the previous answer; absent for the whole list.
    pub since: Option<String>,
}

/// Passes of the gate's community revoked since `since`.
#[utoipa::path(get, path = "/v1/gate/revocations", tag = "gate", security(("gate" = [])),
    params(SinceQuery),
    responses(
        (status = 200, description = "Newly revoked passes", body = RevocationDelta),
        (status = 400, description = "`bad-request`: not a cursor of ours", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn revocations(
    State(state): State<AppState>,
    gate: Gate,
    Query(query): Query<SinceQuery>,
) -> ApiResult<Json<RevocationDelta>> {
    let since: i64 = match query.since.as_deref() {
        None | Some("") => 0,
        Some(raw) => raw
            .parse()
            .map_err(|_| ApiError::bad_request("since must be a previous `next`"))?,
    };
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "SELECT seq, pass_id FROM pass_revocations WHERE community_id = ? AND seq > ?
         ORDER BY seq LIMIT 5000",
    )
    .bind(gate.community_id.to_string())
    .bind(since)
    .fetch_all(&state.db)
    .await?;
    let next = rows.last().map_or(since, |(seq, _)| *seq);
    let revoked = rows
        .into_iter()
        .map(|(_, id)| crate::db::parse_id(&id).map(PassId))
        .collect::<Result<_, _>>()?;
    Ok(Json(RevocationDelta {
        revoked,
        next: next.to_string(),
    }))
}

/// Uploads entries the gate let in. Re-sent entries are ignored.
#[utoipa::path(post, path = "/v1/gate/entries", tag = "gate", security(("gate" = [])),
    request_body = GateEntries,
    responses(
        (status = 204, description = "Recorded"),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation-failed`: a pass of another community, or too many entries", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn entries(
    State(state): State<AppState>,
    gate: Gate,
    AppJson(batch): AppJson<GateEntries>,
) -> ApiResult<StatusCode> {
    if batch.entries.len() > 1000 {
        return Err(ApiError::invalid(
            "/entries",
            "too-many",
            "at most 1000 entries per batch",
        ));
    }
    let mut tx = state.db.begin_with("BEGIN IMMEDIATE").await?;
    for (i, entry) in batch.entries.iter().enumerate() {
        let ours: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM passes WHERE id = ? AND community_id = ?)",
        )
        .bind(entry.pass_id.to_string())
        .bind(gate.community_id.to_string())
        .fetch_one(&mut *tx)
        .await?;
        if !ours {
            return Err(ApiError::invalid(
                &format!("/entries/{i}/pass_id"),
                "unknown-pass",
                "not a pass of this gate's community",
            ));
        }
        sqlx::query(
            "INSERT OR IGNORE INTO pass_entries (id, pass_id, gate_id, gate_group, at)
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(entry.id.to_string())
        .bind(entry.pass_id.to_string())
        .bind(&gate.id)
        .bind(&gate.group)
        .bind(entry.at.timestamp_millis())
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Looks up a short code (online only); the answer is verified like a scanned QR.
#[utoipa::path(get, path = "/v1/gate/codes/{code}", tag = "gate", security(("gate" = [])),
    params(("code" = String, Path, description = "The 8-digit code")),
    responses(
        (status = 200, description = "The pass behind the code", body = CodeLookup),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`rate-limited`: too many wrong codes from this gate", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn code(
    State(state): State<AppState>,
    gate: Gate,
    Path(code): Path<String>,
) -> ApiResult<Json<CodeLookup>> {
    let now = state.clock.now_ms();
    let failures: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM code_failures WHERE gate_id = ? AND at > ?")
            .bind(&gate.id)
            .bind(now - CODE_WINDOW_MS)
            .fetch_one(&state.db)
            .await?;
    if failures >= MAX_CODE_FAILURES {
        return Err(ApiError::new(ErrorCode::RateLimited).retry_after(600));
    }
    let found: Option<(String, String, String)> = sqlx::query_as(
        "SELECT id, credential, kid FROM passes
         WHERE community_id = ? AND short_code = ? AND revoked_at IS NULL",
    )
    .bind(gate.community_id.to_string())
    .bind(code.trim())
    .fetch_optional(&state.db)
    .await?;
    let Some((id, payload, kid)) = found else {
        sqlx::query("INSERT INTO code_failures (gate_id, at) VALUES (?, ?)")
            .bind(&gate.id)
            .bind(now)
            .execute(&state.db)
            .await?;
        return Err(ApiError::not_found());
    };
    Ok(Json(CodeLookup {
        pass_id: PassId(crate::db::parse_id(&id)?),
        credential: Credential {
            format: FORMAT.to_owned(),
            payload,
            kid,
        },
    }))
}
