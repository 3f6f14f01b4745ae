//! `GET /v1/me`, the HTTP side only: the signed-in resident and every household (membership)
//! they have, read through [`super::store`].

use super::store::{mask_phone, memberships_of, user_of};
use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::Resident;
use axum::Json;
use axum::extract::State;
use linli_wire::me::{Me, User};
use linli_wire::{Problem, UserId};

/// The signed-in resident and their households.
#[utoipa::path(get, path = "/v1/me", operation_id = "me_get", tag = "residents", security(("bearer" = [])),
    responses(
        (status = 200, description = "The resident", body = Me),
        (status = 401, description = "`unauthenticated` or `token-expired`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn me(State(state): State<AppState>, resident: Resident) -> ApiResult<Json<Me>> {
    let mut conn = state.db.acquire().await?;
    let user = user_of(&mut conn, resident.user_id).await?;
    let Some((display_name, phone)) = user else {
        return Err(ApiError::new(linli_wire::ErrorCode::Unauthenticated));
    };
    let memberships = memberships_of(&mut conn, resident.user_id)
        .await?
        .into_iter()
        .map(|(membership, _)| membership)
        .collect();
    Ok(Json(Me {
        user: User {
            id: UserId(resident.user_id),
            display_name,
            phone_masked: mask_phone(&phone),
        },
        memberships,
    }))
}
