//! The HTTP side of memberships: leaving a home, invitations into one, and the owner managing
//! its members.

use super::store::{self, Left};
use super::{invitations, members};
use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{AppJson, IdempotencyKey, Resident};
use crate::idempotency::{Begun, IdempotentWrite};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use linli_wire::invitations::{CreateInvitation, Invitation, InvitationList};
use linli_wire::me::{HomeMemberList, Membership};
use linli_wire::{InvitationId, MembershipId, Problem};

/// Leaves a home (moving out): the membership ends, the member's visitor passes for it are
/// revoked, and the home's data leaves their lists. Leaving again answers 204 too.
#[utoipa::path(delete, path = "/v1/memberships/{id}", tag = "me", security(("bearer" = [])),
    params(("id" = MembershipId, Path, description = "Membership id")),
    responses(
        (status = 204, description = "The membership has ended"),
        (status = 401, description = "`unauthenticated` or `token-expired`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found` (or another resident's)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn leave(
    State(state): State<AppState>,
    resident: Resident,
    Path(id): Path<MembershipId>,
) -> ApiResult<StatusCode> {
    let now = state.clock.now_ms();
    let mut tx = state.db.begin_with("BEGIN IMMEDIATE").await?;
    let left = store::leave(&mut tx, resident.user_id, id.0, now).await?;
    tx.commit().await?;
    match left {
        Left::NotFound => Err(ApiError::not_found()),
        Left::Now { passes_revoked } => {
            tracing::info!(membership = %id.0, passes_revoked, "a resident left a home");
            Ok(StatusCode::NO_CONTENT)
        }
        Left::Already => Ok(StatusCode::NO_CONTENT),
    }
}

/// Invites someone into the home by phone: family, or a tenant until a day. Only the home's
/// owner invites.
#[utoipa::path(post, path = "/v1/memberships/{id}/invitations", tag = "me", security(("bearer" = [])),
    request_body = CreateInvitation,
    params(
        ("id" = MembershipId, Path, description = "The owner's membership of the home"),
        ("Idempotency-Key" = String, Header, description = "RFC 8941 string naming this write"),
    ),
    responses(
        (status = 201, description = "Invited", body = Invitation),
        (status = 403, description = "`role-forbidden` (only the home's owner invites) or `membership-required` (a home left)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found` (or another resident's membership)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`already-exists`: the number is in the home or invited already", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation-failed` (number, role, end date) or `idempotency-key-reused`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn invite(
    State(state): State<AppState>,
    resident: Resident,
    IdempotencyKey(key): IdempotencyKey,
    Path(id): Path<MembershipId>,
    AppJson(request): AppJson<CreateInvitation>,
) -> ApiResult<Response> {
    let now = state.clock.now_ms();
    let path = format!("/v1/memberships/{}/invitations", id.0);
    let mut write =
        match IdempotentWrite::begin(&state, resident.user_id, &key, ("POST", &path), &request)
            .await?
        {
            Begun::Replay(stored) => return Ok(stored.into_response()),
            Begun::Fresh(write) => write,
        };
    let invitation =
        invitations::invite(&mut write.tx, resident.user_id, id.0, &request, now).await?;
    write.created(invitation, now).await
}

/// The pending invitations addressed to the signed-in resident's number.
#[utoipa::path(get, path = "/v1/invitations", tag = "me", security(("bearer" = [])),
    responses(
        (status = 200, description = "Pending invitations, newest first", body = InvitationList),
        (status = 401, description = "`unauthenticated` or `token-expired`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn invitations_of(
    State(state): State<AppState>,
    resident: Resident,
) -> ApiResult<Json<InvitationList>> {
    let mut conn = state.db.acquire().await?;
    let items = invitations::addressed_to(&mut conn, resident.user_id).await?;
    Ok(Json(InvitationList { items }))
}

/// Accepts an invitation: the resident becomes a member of the home, in its role.
#[utoipa::path(post, path = "/v1/invitations/{id}/accept", tag = "me", security(("bearer" = [])),
    params(("id" = InvitationId, Path, description = "Invitation id")),
    responses(
        (status = 200, description = "The new household", body = Membership),
        (status = 404, description = "`not-found` (or addressed to another number)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`invalid-transition`: accepted or declined already", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn accept(
    State(state): State<AppState>,
    resident: Resident,
    Path(id): Path<InvitationId>,
) -> ApiResult<Json<Membership>> {
    let now = state.clock.now_ms();
    let mut tx = state.db.begin_with("BEGIN IMMEDIATE").await?;
    let joined = invitations::decide(&mut tx, resident.user_id, id, true, now).await?;
    let joined =
        joined.ok_or_else(|| ApiError::internal("an accepted invitation made no membership"))?;
    let (membership, _) = super::render::membership(&mut tx, resident.user_id, joined)
        .await?
        .ok_or_else(ApiError::not_found)?;
    tx.commit().await?;
    Ok(Json(membership))
}

/// Declines an invitation.
#[utoipa::path(post, path = "/v1/invitations/{id}/decline", tag = "me", security(("bearer" = [])),
    params(("id" = InvitationId, Path, description = "Invitation id")),
    responses(
        (status = 204, description = "Declined"),
        (status = 404, description = "`not-found` (or addressed to another number)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`invalid-transition`: accepted or declined already", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn decline(
    State(state): State<AppState>,
    resident: Resident,
    Path(id): Path<InvitationId>,
) -> ApiResult<StatusCode> {
    let mut tx = state.db.begin_with("BEGIN IMMEDIATE").await?;
    invitations::decide(&mut tx, resident.user_id, id, false, state.clock.now_ms()).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The active members of the home (owner and family see them; a tenant does not).
#[utoipa::path(get, path = "/v1/memberships/{id}/members", tag = "me", security(("bearer" = [])),
    params(("id" = MembershipId, Path, description = "The caller's membership of the home")),
    responses(
        (status = 200, description = "The members, owners first", body = HomeMemberList),
        (status = 401, description = "`unauthenticated` or `token-expired`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`role-forbidden` (a tenant) or `membership-required` (a home left)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found` (or another resident's membership)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn members_of(
    State(state): State<AppState>,
    resident: Resident,
    Path(id): Path<MembershipId>,
) -> ApiResult<Json<HomeMemberList>> {
    let mut conn = state.db.acquire().await?;
    let items = members::list(&mut conn, resident.user_id, id.0).await?;
    Ok(Json(HomeMemberList { items }))
}

/// The owner removes a family member or tenant: their membership ends as if they had left
/// (their passes revoked, the home gone from their app at its next sync). Removing one who
/// has left already answers 204 too.
#[utoipa::path(delete, path = "/v1/memberships/{id}/members/{member_id}", tag = "me", security(("bearer" = [])),
    params(
        ("id" = MembershipId, Path, description = "The owner's membership of the home"),
        ("member_id" = MembershipId, Path, description = "The member's membership"),
    ),
    responses(
        (status = 204, description = "The member's membership has ended"),
        (status = 401, description = "`unauthenticated` or `token-expired`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`role-forbidden` (only the owner removes) or `membership-required` (a home left)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`: no such member of this home", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`invalid-transition`: oneself (move out instead) or an owner", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn remove_member(
    State(state): State<AppState>,
    resident: Resident,
    Path((id, member)): Path<(MembershipId, MembershipId)>,
) -> ApiResult<StatusCode> {
    let now = state.clock.now_ms();
    let mut tx = state.db.begin_with("BEGIN IMMEDIATE").await?;
    members::remove(&mut tx, resident.user_id, id.0, member.0, now).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
