//! The passes' HTTP handlers and their OpenAPI annotations (`/v1/passes…`).
//!
//! A pass belongs to one household (membership) and is visible only to that household's
//! resident who made it. Creating one issues the signed credential at once (linli-pass) with
//! the community's current key, and an 8-digit short code unique in the community among
//! passes, drawn from the OS random source. The credential carries the visitor's initials
//! only. Revoking is idempotent and enters the community's revocation list for gates.

use super::issue::issue;
use super::rules::validate;
use super::store::{self, own, render};
use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{AppJson, IdempotencyKey, Resident};
use crate::idempotency::{Begun, IdempotentWrite};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use linli_wire::passes::{CreatePass, PassList, VisitorPass};
use linli_wire::{MembershipId, PassId, Problem};
use serde::Deserialize;
use utoipa::IntoParams;

/// Creates a pass and issues its credential.
#[utoipa::path(post, path = "/v1/passes", tag = "passes", security(("bearer" = [])),
    request_body = CreatePass,
    params(("Idempotency-Key" = String, Header, description = "RFC 8941 string naming this write")),
    responses(
        (status = 201, description = "Issued", body = VisitorPass),
        (status = 401, description = "`unauthenticated` or `token-expired`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`membership-required`: not one of the resident's active households; `role-forbidden`: the member's role does not allow passes", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`already-exists`: this pass id is taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation-failed` or `idempotency-key-reused`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create(
    State(state): State<AppState>,
    resident: Resident,
    IdempotencyKey(key): IdempotencyKey,
    AppJson(request): AppJson<CreatePass>,
) -> ApiResult<Response> {
    let now = state.clock.now_ms();
    let mut write = match IdempotentWrite::begin(
        &state,
        resident.user_id,
        &key,
        ("POST", "/v1/passes"),
        &request,
    )
    .await?
    {
        Begun::Replay(stored) => return Ok(stored.into_response()),
        Begun::Fresh(write) => write,
    };
    // Only a fresh write is validated: its windows are checked against now, and a replay days
    // later (the first answer was lost) must answer as the first time, not 422.
    validate(&request, now)?;
    let pass = issue(&mut write.tx, resident.user_id, &request, now).await?;
    write.created(pass, now).await
}

/// Query of `GET /v1/passes`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only this household's passes.
    pub membership_id: Option<MembershipId>,
}

/// The resident's passes, newest first.
#[utoipa::path(get, path = "/v1/passes", tag = "passes", security(("bearer" = [])),
    params(ListQuery),
    responses(
        (status = 200, description = "Passes", body = PassList),
        (status = 401, description = "`unauthenticated` or `token-expired`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    State(state): State<AppState>,
    resident: Resident,
    Query(query): Query<ListQuery>,
) -> ApiResult<Json<PassList>> {
    let now = state.clock.now_ms();
    let mut conn = state.db.acquire().await?;
    let rows = store::list_of(&mut conn, resident.user_id, query.membership_id).await?;
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        items.push(render(&mut conn, row, now).await?);
    }
    Ok(Json(PassList { items }))
}

/// One pass.
#[utoipa::path(get, path = "/v1/passes/{id}", tag = "passes", security(("bearer" = [])),
    params(("id" = PassId, Path, description = "Pass id")),
    responses(
        (status = 200, description = "The pass", body = VisitorPass),
        (status = 401, description = "`unauthenticated` or `token-expired`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found` (or another resident's)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn detail(
    State(state): State<AppState>,
    resident: Resident,
    Path(id): Path<PassId>,
) -> ApiResult<Json<VisitorPass>> {
    let mut conn = state.db.acquire().await?;
    let row = own(&mut conn, resident.user_id, id.0)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(render(&mut conn, row, state.clock.now_ms()).await?))
}

/// Revokes a pass: gates refuse it once they sync. Revoking again changes nothing.
#[utoipa::path(post, path = "/v1/passes/{id}/revoke", tag = "passes", security(("bearer" = [])),
    params(("id" = PassId, Path, description = "Pass id")),
    responses(
        (status = 200, description = "Revoked", body = VisitorPass),
        (status = 401, description = "`unauthenticated` or `token-expired`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`role-forbidden`: the member's role does not allow passes", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found` (or another resident's)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn revoke(
    State(state): State<AppState>,
    resident: Resident,
    Path(id): Path<PassId>,
) -> ApiResult<Json<VisitorPass>> {
    let now = state.clock.now_ms();
    let mut tx = state.db.begin_with("BEGIN IMMEDIATE").await?;
    let row = own(&mut tx, resident.user_id, id.0)
        .await?
        .ok_or_else(ApiError::not_found)?;
    if row.revoked_at.is_none() {
        // Revoking is the other half of issuing (the memberships feature's rights matrix).
        let role: Option<String> = sqlx::query_scalar("SELECT role FROM memberships WHERE id = ?")
            .bind(&row.membership_id)
            .fetch_optional(&mut *tx)
            .await?;
        crate::features::memberships::rules::require(
            role.as_deref().unwrap_or_default(),
            linli_wire::me::Action::IssuePasses,
        )?;
        store::revoke(&mut tx, &row, now).await?;
    }
    let row = own(&mut tx, resident.user_id, id.0)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let pass = render(&mut tx, row, now).await?;
    tx.commit().await?;
    Ok(Json(pass))
}
