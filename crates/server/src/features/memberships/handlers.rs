//! The HTTP side of memberships: leaving a home.

use super::store::{self, Left};
use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::Resident;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use linli_wire::{MembershipId, Problem};

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
