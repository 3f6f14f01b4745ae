//! The tickets' HTTP handlers and their OpenAPI annotations, nothing else: each reads the
//! request, calls the feature ([`super::resident`], [`super::desk`]) and answers. Creating is an
//! idempotent write: a replay is answered from the store before anything is checked.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use linli_wire::tickets::{
    CreateTicket, Rating, StaffAction, Ticket, TicketComment, TicketList, TicketReason,
};
use linli_wire::{MembershipId, Problem, TicketId};
use serde::Deserialize;
use utoipa::IntoParams;

use super::desk::{Desk, staff_act};
use super::resident::{self, ResidentStep};
use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{AppJson, IdempotencyKey, Resident, Staff};
use crate::idempotency::{Begun, IdempotentWrite};

/// Creates a ticket (idempotent by id and `Idempotency-Key`).
#[utoipa::path(post, path = "/v1/tickets", tag = "tickets", security(("bearer" = [])),
    request_body = CreateTicket,
    params(("Idempotency-Key" = String, Header, description = "RFC 8941 string naming this write")),
    responses(
        (status = 201, description = "Created", body = Ticket),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`membership-required`, or `role-forbidden` (the member's role may not report this kind)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`already-exists`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation-failed` (a photo not uploaded, not yours or already used; a bad category …)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create(
    State(state): State<AppState>,
    resident: Resident,
    IdempotencyKey(key): IdempotencyKey,
    AppJson(request): AppJson<CreateTicket>,
) -> ApiResult<Response> {
    let now = state.clock.now_ms();
    let mut write = match IdempotentWrite::begin(
        &state,
        resident.user_id,
        &key,
        ("POST", "/v1/tickets"),
        &request,
    )
    .await?
    {
        Begun::Replay(stored) => return Ok(stored.into_response()),
        Begun::Fresh(write) => write,
    };
    // Only a fresh write is validated: its windows are checked against now, and a replay days
    // later (the first answer was lost) must answer as the first time, not 422.
    let ticket = resident::create(&mut write.tx, &resident, &request, now).await?;
    write.created(ticket, now).await
}

/// Query of `GET /v1/tickets`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only this household's.
    pub membership_id: Option<MembershipId>,
}

/// The resident's tickets, newest first.
#[utoipa::path(get, path = "/v1/tickets", tag = "tickets", security(("bearer" = [])),
    params(ListQuery),
    responses((status = 200, description = "Tickets", body = TicketList), (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    resident: Resident,
    Query(query): Query<ListQuery>,
) -> ApiResult<Json<TicketList>> {
    let items = resident::list(&state, &resident, query.membership_id).await?;
    Ok(Json(TicketList { items }))
}

/// One ticket with its timeline.
#[utoipa::path(get, path = "/v1/tickets/{id}", tag = "tickets", security(("bearer" = [])),
    params(("id" = TicketId, Path, description = "Ticket id")),
    responses((status = 200, description = "The ticket", body = Ticket), (status = 404, description = "`not-found` (also for another resident's)", body = Problem, content_type = "application/problem+json")))]
pub async fn detail(
    State(state): State<AppState>,
    resident: Resident,
    Path(id): Path<TicketId>,
) -> ApiResult<Json<Ticket>> {
    Ok(Json(resident::detail(&state, &resident, id).await?))
}

/// Adds a comment (with photos).
#[utoipa::path(post, path = "/v1/tickets/{id}/comments", tag = "tickets", security(("bearer" = [])), request_body = TicketComment,
    params(("id" = TicketId, Path, description = "Ticket id")),
    responses((status = 200, description = "The ticket", body = Ticket), (status = 409, description = "`invalid-transition`", body = Problem, content_type = "application/problem+json")))]
pub async fn comment(
    State(state): State<AppState>,
    resident: Resident,
    Path(id): Path<TicketId>,
    AppJson(body): AppJson<TicketComment>,
) -> ApiResult<Json<Ticket>> {
    Ok(Json(
        resident::step(&state, &resident, id, ResidentStep::Comment(body)).await?,
    ))
}

/// Cancels a ticket not yet accepted.
#[utoipa::path(post, path = "/v1/tickets/{id}/cancel", tag = "tickets", security(("bearer" = [])),
    params(("id" = TicketId, Path, description = "Ticket id")),
    responses((status = 200, description = "The ticket", body = Ticket), (status = 409, description = "`invalid-transition`", body = Problem, content_type = "application/problem+json")))]
pub async fn cancel(
    State(state): State<AppState>,
    resident: Resident,
    Path(id): Path<TicketId>,
) -> ApiResult<Json<Ticket>> {
    Ok(Json(
        resident::step(&state, &resident, id, ResidentStep::Cancel).await?,
    ))
}

/// Confirms a completed ticket.
#[utoipa::path(post, path = "/v1/tickets/{id}/confirm", tag = "tickets", security(("bearer" = [])),
    params(("id" = TicketId, Path, description = "Ticket id")),
    responses((status = 200, description = "The ticket", body = Ticket), (status = 409, description = "`invalid-transition`", body = Problem, content_type = "application/problem+json")))]
pub async fn confirm(
    State(state): State<AppState>,
    resident: Resident,
    Path(id): Path<TicketId>,
) -> ApiResult<Json<Ticket>> {
    Ok(Json(
        resident::step(&state, &resident, id, ResidentStep::Confirm).await?,
    ))
}

/// Reopens a completed ticket: not fixed (within the reopen period).
#[utoipa::path(post, path = "/v1/tickets/{id}/reopen", tag = "tickets", security(("bearer" = [])), request_body = TicketReason,
    params(("id" = TicketId, Path, description = "Ticket id")),
    responses((status = 200, description = "The ticket", body = Ticket), (status = 409, description = "`invalid-transition`", body = Problem, content_type = "application/problem+json")))]
pub async fn reopen(
    State(state): State<AppState>,
    resident: Resident,
    Path(id): Path<TicketId>,
    AppJson(body): AppJson<TicketReason>,
) -> ApiResult<Json<Ticket>> {
    Ok(Json(
        resident::step(&state, &resident, id, ResidentStep::Reopen(body)).await?,
    ))
}

/// Rates a completed or confirmed ticket, which closes it.
#[utoipa::path(post, path = "/v1/tickets/{id}/rating", tag = "tickets", security(("bearer" = [])), request_body = Rating,
    params(("id" = TicketId, Path, description = "Ticket id")),
    responses((status = 200, description = "The ticket", body = Ticket), (status = 409, description = "`invalid-transition`", body = Problem, content_type = "application/problem+json")))]
pub async fn rate(
    State(state): State<AppState>,
    resident: Resident,
    Path(id): Path<TicketId>,
    AppJson(body): AppJson<Rating>,
) -> ApiResult<Json<Ticket>> {
    Ok(Json(
        resident::step(&state, &resident, id, ResidentStep::Rate(body)).await?,
    ))
}

/// A staff action on a ticket.
#[utoipa::path(post, path = "/v1/staff/tickets/{id}/actions", tag = "tickets", security(("staff" = [])), request_body = StaffAction,
    params(("id" = String, Path, description = "Ticket id or number")),
    responses(
        (status = 200, description = "The ticket as staff see it", body = Ticket),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: the staff member's role does not take this step", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`: no such ticket in the communities the staff member serves", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`invalid-transition` with `current_state` and `allowed`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn staff_action(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    AppJson(action): AppJson<StaffAction>,
) -> ApiResult<Json<Ticket>> {
    let desk = Desk {
        staff_id: Some(&staff.id),
        display: &staff.display,
        staff: Some(&staff),
    };
    Ok(Json(staff_act(&state, &desk, &id, action).await?))
}
