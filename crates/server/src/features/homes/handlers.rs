//! The HTTP side of binding a home: the directory a signed-in resident walks, the resident's
//! requests (make, list, cancel), the room owner's decisions, and the desk's (staff API).

use super::directory;
use super::requests::{self, Deciding};
use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{AppJson, IdempotencyKey, Resident, Staff};
use crate::features::tickets::staff_role_allows;
use crate::idempotency::{Begun, IdempotentWrite};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use linli_wire::ErrorCode;
use linli_wire::homes::{
    CreateHomeRequest, HomeRequest, HomeRequestList, NameList, Refusal, RoomList,
};
use linli_wire::me::Community;
use linli_wire::{CommunityId, HomeRequestId, Problem};
use serde::Deserialize;
use utoipa::IntoParams;

/// Where in a community's directory: a building, and for rooms its entrance too.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Place {
    /// The building's name, e.g. 3栋.
    pub building: String,
    /// The entrance's name, e.g. 2单元 (empty for a building with one; rooms only).
    #[serde(default)]
    pub entrance: String,
}

async fn known(state: &AppState, id: CommunityId) -> ApiResult<Community> {
    let mut conn = state.db.acquire().await?;
    directory::community_by_id(&mut conn, id)
        .await?
        .ok_or_else(ApiError::not_found)
}

/// The buildings of a community.
#[utoipa::path(get, path = "/v1/communities/{id}/buildings", tag = "homes", security(("bearer" = [])),
    params(("id" = CommunityId, Path, description = "Community id")),
    responses(
        (status = 200, description = "Building names, in order", body = NameList),
        (status = 404, description = "`not-found`: no such community", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn buildings(
    State(state): State<AppState>,
    _resident: Resident,
    Path(id): Path<CommunityId>,
) -> ApiResult<Json<NameList>> {
    known(&state, id).await?;
    let mut conn = state.db.acquire().await?;
    let items = directory::buildings(&mut conn, id).await?;
    Ok(Json(NameList { items }))
}

/// The entrances (单元) of one building; `[""]` for a building with one.
#[utoipa::path(get, path = "/v1/communities/{id}/entrances", tag = "homes", security(("bearer" = [])),
    params(("id" = CommunityId, Path, description = "Community id"), Place),
    responses(
        (status = 200, description = "Entrance names, in order (empty when the building is unknown)", body = NameList),
        (status = 404, description = "`not-found`: no such community", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn entrances(
    State(state): State<AppState>,
    _resident: Resident,
    Path(id): Path<CommunityId>,
    Query(place): Query<Place>,
) -> ApiResult<Json<NameList>> {
    known(&state, id).await?;
    let mut conn = state.db.acquire().await?;
    let items = directory::entrances(&mut conn, id, &place.building).await?;
    Ok(Json(NameList { items }))
}

/// The rooms of one entrance, each with whether an owner is bound and the masked hint of the
/// owner record (never a name).
#[utoipa::path(get, path = "/v1/communities/{id}/rooms", tag = "homes", security(("bearer" = [])),
    params(("id" = CommunityId, Path, description = "Community id"), Place),
    responses(
        (status = 200, description = "Rooms by number (empty when the place is unknown)", body = RoomList),
        (status = 404, description = "`not-found`: no such community", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn rooms(
    State(state): State<AppState>,
    _resident: Resident,
    Path(id): Path<CommunityId>,
    Query(place): Query<Place>,
) -> ApiResult<Json<RoomList>> {
    known(&state, id).await?;
    let mut conn = state.db.acquire().await?;
    let items = directory::rooms(&mut conn, id, &place.building, &place.entrance).await?;
    Ok(Json(RoomList { items }))
}

/// Asks to bind a room. An owner whose name matches the owner record is bound at once
/// (`approved`, `decided_by: record`, with `membership_id`) unless they are guessing (a wrong
/// name for this room before, or 3 claims in a day that did not bind); otherwise the request
/// is `pending` for the desk (an owner claim, or a room with no owner) or the room's owner.
#[utoipa::path(post, path = "/v1/home-requests", tag = "homes", security(("bearer" = [])),
    request_body = CreateHomeRequest,
    params(("Idempotency-Key" = String, Header, description = "RFC 8941 string naming this write")),
    responses(
        (status = 201, description = "Approved at once or pending", body = HomeRequest),
        (status = 404, description = "`room-not-found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`already-member` (an active member of that home) or `request-pending` (asked already)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation-failed` (relation, owner name, end date, with the pointer) or `idempotency-key-reused`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create(
    State(state): State<AppState>,
    resident: Resident,
    IdempotencyKey(key): IdempotencyKey,
    AppJson(request): AppJson<CreateHomeRequest>,
) -> ApiResult<Response> {
    let now = state.clock.now_ms();
    let mut write = match IdempotentWrite::begin(
        &state,
        resident.user_id,
        &key,
        ("POST", "/v1/home-requests"),
        &request,
    )
    .await?
    {
        Begun::Replay(stored) => return Ok(stored.into_response()),
        Begun::Fresh(write) => write,
    };
    let made = requests::create(&mut write.tx, resident.user_id, &request, now).await?;
    write.created(made, now).await
}

/// The resident's own requests, every state, newest first.
#[utoipa::path(get, path = "/v1/home-requests", tag = "homes", security(("bearer" = [])),
    responses(
        (status = 200, description = "Newest first", body = HomeRequestList),
        (status = 401, description = "`unauthenticated` or `token-expired`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn mine(
    State(state): State<AppState>,
    resident: Resident,
) -> ApiResult<Json<HomeRequestList>> {
    let mut conn = state.db.acquire().await?;
    let items = requests::mine(&mut conn, resident.user_id).await?;
    Ok(Json(HomeRequestList { items }))
}

/// The family and tenant requests waiting for the resident as their room's owner.
#[utoipa::path(get, path = "/v1/home-requests/to-decide", tag = "homes", security(("bearer" = [])),
    responses(
        (status = 200, description = "Pending, newest first", body = HomeRequestList),
        (status = 401, description = "`unauthenticated` or `token-expired`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn to_decide(
    State(state): State<AppState>,
    resident: Resident,
) -> ApiResult<Json<HomeRequestList>> {
    let mut conn = state.db.acquire().await?;
    let items = requests::to_decide(&mut conn, resident.user_id).await?;
    Ok(Json(HomeRequestList { items }))
}

/// Withdraws the resident's pending request.
#[utoipa::path(post, path = "/v1/home-requests/{id}/cancel", tag = "homes", security(("bearer" = [])),
    params(("id" = HomeRequestId, Path, description = "Request id")),
    responses(
        (status = 200, description = "Cancelled", body = HomeRequest),
        (status = 404, description = "`not-found` (or another resident's)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`invalid-transition`: decided or cancelled already", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn cancel(
    State(state): State<AppState>,
    resident: Resident,
    Path(id): Path<HomeRequestId>,
) -> ApiResult<Json<HomeRequest>> {
    let mut tx = state.db.begin_with("BEGIN IMMEDIATE").await?;
    let done = requests::cancel(&mut tx, resident.user_id, id, state.clock.now_ms()).await?;
    tx.commit().await?;
    Ok(Json(done))
}

async fn decide(
    state: &AppState,
    who: &Deciding<'_>,
    id: HomeRequestId,
    refusal: Option<&str>,
) -> ApiResult<Json<HomeRequest>> {
    let mut tx = state.db.begin_with("BEGIN IMMEDIATE").await?;
    let done = requests::decide(&mut tx, who, id, refusal, state.clock.now_ms()).await?;
    tx.commit().await?;
    Ok(Json(done))
}

/// The room's owner approves a family or tenant request: the requester becomes a member.
#[utoipa::path(post, path = "/v1/home-requests/{id}/approve", tag = "homes", security(("bearer" = [])),
    params(("id" = HomeRequestId, Path, description = "Request id")),
    responses(
        (status = 200, description = "Approved, with `membership_id`", body = HomeRequest),
        (status = 404, description = "`not-found`: not a request for a home the resident owns", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`invalid-transition`: decided or cancelled already", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn approve(
    State(state): State<AppState>,
    resident: Resident,
    Path(id): Path<HomeRequestId>,
) -> ApiResult<Json<HomeRequest>> {
    decide(&state, &Deciding::Owner(resident.user_id), id, None).await
}

/// The room's owner refuses a family or tenant request, saying why.
#[utoipa::path(post, path = "/v1/home-requests/{id}/refuse", tag = "homes", security(("bearer" = [])),
    request_body = Refusal,
    params(("id" = HomeRequestId, Path, description = "Request id")),
    responses(
        (status = 200, description = "Refused", body = HomeRequest),
        (status = 404, description = "`not-found`: not a request for a home the resident owns", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`invalid-transition`: decided or cancelled already", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation-failed`: a reason of 1 to 200 characters (`/reason`)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn refuse(
    State(state): State<AppState>,
    resident: Resident,
    Path(id): Path<HomeRequestId>,
    AppJson(body): AppJson<Refusal>,
) -> ApiResult<Json<HomeRequest>> {
    decide(
        &state,
        &Deciding::Owner(resident.user_id),
        id,
        Some(&body.reason),
    )
    .await
}

fn desk(staff: &Staff) -> ApiResult<Deciding<'_>> {
    if !staff_role_allows(staff.role, "decide_home_request") {
        return Err(ApiError::new(ErrorCode::Forbidden)
            .detail("home requests are decided by service staff and managers"));
    }
    Ok(Deciding::Desk {
        name: &staff.display,
        communities: Some(&staff.communities),
    })
}

/// The pending home requests of the communities the staff member serves.
#[utoipa::path(get, path = "/v1/staff/home-requests", tag = "homes", security(("staff" = [])),
    responses(
        (status = 200, description = "Pending, newest first", body = HomeRequestList),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn staff_list(
    State(state): State<AppState>,
    staff: Staff,
) -> ApiResult<Json<HomeRequestList>> {
    let mut conn = state.db.acquire().await?;
    let items = requests::for_desk(&mut conn, Some(&staff.communities)).await?;
    Ok(Json(HomeRequestList { items }))
}

/// The desk approves a pending request of a community it serves.
#[utoipa::path(post, path = "/v1/staff/home-requests/{id}/approve", tag = "homes", security(("staff" = [])),
    params(("id" = HomeRequestId, Path, description = "Request id")),
    responses(
        (status = 200, description = "Approved, with `membership_id`", body = HomeRequest),
        (status = 403, description = "`forbidden`: engineering staff do not decide home requests", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`: no such request in the communities the staff member serves", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`invalid-transition`: decided or cancelled already", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn staff_approve(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<HomeRequestId>,
) -> ApiResult<Json<HomeRequest>> {
    decide(&state, &desk(&staff)?, id, None).await
}

/// The desk refuses a pending request of a community it serves, saying why.
#[utoipa::path(post, path = "/v1/staff/home-requests/{id}/refuse", tag = "homes", security(("staff" = [])),
    request_body = Refusal,
    params(("id" = HomeRequestId, Path, description = "Request id")),
    responses(
        (status = 200, description = "Refused", body = HomeRequest),
        (status = 403, description = "`forbidden`: engineering staff do not decide home requests", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`: no such request in the communities the staff member serves", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`invalid-transition`: decided or cancelled already", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation-failed`: a reason of 1 to 200 characters (`/reason`)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn staff_refuse(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<HomeRequestId>,
    AppJson(body): AppJson<Refusal>,
) -> ApiResult<Json<HomeRequest>> {
    decide(&state, &desk(&staff)?, id, Some(&body.reason)).await
}
