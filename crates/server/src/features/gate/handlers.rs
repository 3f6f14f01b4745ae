//! The gate side (`/v1/gate/…`): what a gate device needs to verify passes offline.
//!
//! A gate authenticates with its own bearer token (made by `linli-server gate add`, stored as
//! SHA-256), bound to one community and one gate group. It fetches the community's public
//! keys (all unretired ones, so a rotation never strands a pass), the revocation list as
//! deltas (`since` is the last `next` it saw), uploads its entry log in batches (entry ids
//! are the gate's, so a re-sent batch counts once; entries of passes of other communities are
//! refused), and may look up a short code online. Failed code lookups are throttled per gate:
//! an 8-digit code cannot be guessed at the rate a gate is allowed to ask.
//!
//! A gate is trusted only for its own community and group: a short code finds only passes
//! opening the gate's group, and an entry is counted only for the gate's group, inside the
//! pass's validity window and before its revocation, at the entry's time but never later
//! than the server's clock, and at most `max_entries` times (one atomic UPDATE,
//! [`passes::store::count_entry`]). Each entry is judged on its own: one the gate let in
//! offline but the backend does not count is kept with its code and listed in the answer, so
//! a batch never sticks on it.

use super::devices::Gate;
use super::store;
use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::AppJson;
use crate::features::passes;
use crate::features::passes::FORMAT;
use axum::Json;
use axum::extract::{Path, Query, State};
use linli_wire::limits;
use linli_wire::passes::{
    CodeLookup, Credential, GateEntries, GateEntriesOutcome, GateKeySet, RefusedEntry,
    RevocationDelta,
};
use linli_wire::{ErrorCode, PassId, Problem};
use serde::Deserialize;
use utoipa::IntoParams;

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
    let keys = passes::keys::trusted(&mut conn, gate.community_id, state.clock.now_ms()).await?;
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
    let rows = passes::store::revoked_since(&state.db, gate.community_id, since).await?;
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

/// Uploads entries the gate let in. Each is counted or refused on its own; a re-sent entry
/// answers as it did the first time.
#[utoipa::path(post, path = "/v1/gate/entries", tag = "gate", security(("gate" = [])),
    request_body = GateEntries,
    responses(
        (status = 200, description = "Recorded: how many were counted, and which were not and why (`pass-wrong-gate-group`, `pass-not-yet-valid`, `pass-expired`, `pass-revoked`, `pass-used-up`)", body = GateEntriesOutcome),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation-failed`: a pass of another community, or too many entries", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn entries(
    State(state): State<AppState>,
    gate: Gate,
    AppJson(batch): AppJson<GateEntries>,
) -> ApiResult<Json<GateEntriesOutcome>> {
    if batch.entries.len() > limits::GATE_ENTRIES_MAX {
        return Err(ApiError::invalid(
            "/entries",
            "too-many",
            format!("at most {} entries per batch", limits::GATE_ENTRIES_MAX),
        ));
    }
    let now = state.clock.now_ms();
    let mut outcome = GateEntriesOutcome {
        counted: 0,
        refused: Vec::new(),
    };
    let mut tx = state.db.begin_with("BEGIN IMMEDIATE").await?;
    for (i, entry) in batch.entries.iter().enumerate() {
        let ours =
            passes::store::is_of_community(&mut tx, entry.pass_id, gate.community_id).await?;
        if !ours {
            return Err(ApiError::invalid(
                &format!("/entries/{i}/pass_id"),
                "unknown-pass",
                "not a pass of this gate's community",
            ));
        }
        let refusal = match store::judged(&mut tx, entry).await? {
            Some(before) => before,
            None => {
                // The gate's time, but never later than ours: a gate whose clock runs ahead
                // cannot use a pass before its window.
                let at = entry.at.timestamp_millis().min(now);
                let refusal = passes::store::count_entry(&mut tx, entry.pass_id, &gate.group, at)
                    .await?
                    .err();
                store::record_entry(&mut tx, &gate, entry, at, refusal).await?;
                refusal
            }
        };
        match refusal {
            None => outcome.counted += 1,
            Some(code) => outcome.refused.push(RefusedEntry { id: entry.id, code }),
        }
    }
    tx.commit().await?;
    Ok(Json(outcome))
}

/// Looks up a short code (online only); the answer is verified like a scanned QR.
#[utoipa::path(get, path = "/v1/gate/codes/{code}", tag = "gate", security(("gate" = [])),
    params(("code" = String, Path, description = "The 8-digit code")),
    responses(
        (status = 200, description = "The pass behind the code", body = CodeLookup),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`: no unrevoked pass of this gate's community and group has this code", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`rate-limited`: too many wrong codes from this gate", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn code(
    State(state): State<AppState>,
    gate: Gate,
    Path(code): Path<String>,
) -> ApiResult<Json<CodeLookup>> {
    let now = state.clock.now_ms();
    let failures = store::code_failures_since(&state.db, &gate, now - CODE_WINDOW_MS).await?;
    if failures >= MAX_CODE_FAILURES {
        return Err(ApiError::new(ErrorCode::RateLimited).retry_after(600));
    }
    let found =
        passes::store::by_short_code(&state.db, gate.community_id, &gate.group, code.trim())
            .await?;
    let Some((id, payload, kid)) = found else {
        store::record_code_failure(&state.db, &gate, now).await?;
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
