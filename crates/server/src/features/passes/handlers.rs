//! The passes' HTTP handlers and their OpenAPI annotations (`/v1/passes…`).
//!
//! A pass belongs to one household (membership) and is visible only to that household's
//! resident who made it. Creating one issues the signed credential at once (linli-pass) with
//! the community's current key, and an 8-digit short code unique in the community among
//! passes, drawn from the OS random source. The credential carries the visitor's initials
//! only. Revoking is idempotent and enters the community's revocation list for gates.

use super::keys::signing_key;
use super::rules::{initials, schedule_claim, validate};
use super::store::{PassRow, own, render};
use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{AppJson, IdempotencyKey, Resident};
use crate::idempotency::{Begun, IdempotentWrite};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use linli_wire::passes::{CreatePass, PassList, VisitorPass};
use linli_wire::{ErrorCode, MembershipId, PassId, Problem};
use rand::Rng;
use serde::Deserialize;
use utoipa::IntoParams;

/// Creates a pass and issues its credential.
#[utoipa::path(post, path = "/v1/passes", tag = "passes", security(("bearer" = [])),
    request_body = CreatePass,
    params(("Idempotency-Key" = String, Header, description = "RFC 8941 string naming this write")),
    responses(
        (status = 201, description = "Issued", body = VisitorPass),
        (status = 200, description = "Replayed (`Idempotent-Replayed: true`)", body = VisitorPass),
        (status = 401, description = "`unauthenticated` or `token-expired`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`membership-required`: not one of the resident's active households", body = Problem, content_type = "application/problem+json"),
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
    let tx = &mut *write.tx;
    let community: Option<String> = sqlx::query_scalar(
        "SELECT u.community_id FROM memberships m JOIN units u ON u.id = m.unit_id
         WHERE m.id = ? AND m.user_id = ? AND m.state = 'active'",
    )
    .bind(request.membership_id.to_string())
    .bind(resident.user_id.to_string())
    .fetch_optional(&mut *tx)
    .await?;
    let community = crate::db::parse_id(
        &community.ok_or_else(|| ApiError::new(ErrorCode::MembershipRequired))?,
    )?;
    let taken: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM passes WHERE id = ?)")
        .bind(request.id.to_string())
        .fetch_one(&mut *tx)
        .await?;
    if taken {
        return Err(ApiError::new(ErrorCode::AlreadyExists).detail("this pass id is taken"));
    }

    let mut gate_groups = vec!["pedestrian".to_owned()];
    if request.plate.is_some() {
        gate_groups.push("vehicle".to_owned());
    }
    let (kid, signer) = signing_key(&mut *tx, community, now).await?;
    let claims = linli_pass::Claims {
        pass_id: request.id.0,
        community_id: community,
        not_before: request.valid_from.timestamp(),
        expires: request.valid_until.timestamp(),
        max_entries: request.max_entries,
        gate_groups: gate_groups.clone(),
        initials: initials(&request.visitor_name),
        schedule: request.schedule.as_ref().map(schedule_claim).transpose()?,
    };
    let credential =
        linli_pass::issue(&claims, &signer, kid.as_bytes()).map_err(ApiError::internal)?;
    let short_code = loop {
        let code = format!("{:08}", rand::rngs::OsRng.gen_range(0..100_000_000_u32));
        let used: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM passes WHERE community_id = ? AND short_code = ?)",
        )
        .bind(community.to_string())
        .bind(&code)
        .fetch_one(&mut *tx)
        .await?;
        if !used {
            break code;
        }
    };
    sqlx::query(
        "INSERT INTO passes (id, membership_id, user_id, community_id, visitor_name, visitor_phone,
            plate, purpose, valid_from, valid_until, max_entries, gate_groups, kid, credential,
            short_code, created_at, schedule)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(request.id.to_string())
    .bind(request.membership_id.to_string())
    .bind(resident.user_id.to_string())
    .bind(community.to_string())
    .bind(request.visitor_name.trim())
    .bind(
        request
            .visitor_phone
            .as_deref()
            .and_then(crate::features::auth::normalize_phone),
    )
    .bind(request.plate.as_deref().map(str::trim))
    .bind(request.purpose.trim())
    .bind(request.valid_from.timestamp_millis())
    .bind(request.valid_until.timestamp_millis())
    .bind(i64::from(request.max_entries))
    .bind(gate_groups.join(","))
    .bind(&kid)
    .bind(&credential)
    .bind(&short_code)
    .bind(now)
    .bind(
        request
            .schedule
            .as_ref()
            .and_then(|schedule| serde_json::to_string(schedule).ok()),
    )
    .execute(&mut *tx)
    .await?;
    let row = own(&mut *tx, resident.user_id, request.id.0)
        .await?
        .ok_or_else(|| ApiError::internal("the new pass vanished"))?;
    let pass = render(&mut *tx, row, now).await?;
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
    let membership = query.membership_id.map(|m| m.to_string());
    let rows: Vec<PassRow> = sqlx::query_as(
        "SELECT * FROM passes WHERE user_id = ? AND (? IS NULL OR membership_id = ?)
         ORDER BY created_at DESC, id DESC LIMIT 200",
    )
    .bind(resident.user_id.to_string())
    .bind(&membership)
    .bind(&membership)
    .fetch_all(&mut *conn)
    .await?;
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
        sqlx::query("UPDATE passes SET revoked_at = ? WHERE id = ?")
            .bind(now)
            .bind(&row.id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO pass_revocations (pass_id, community_id, at) VALUES (?, ?, ?)")
            .bind(&row.id)
            .bind(&row.community_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
    }
    let row = own(&mut tx, resident.user_id, id.0)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let pass = render(&mut tx, row, now).await?;
    tx.commit().await?;
    Ok(Json(pass))
}
