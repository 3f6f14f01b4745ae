//! `GET /v1/sync/changes`, the HTTP side only: the resident's change feed ([`super::feed`]).

use super::feed;
use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{PageLimit, Resident};
use axum::Json;
use axum::extract::{Query, State};
use linli_wire::sync::ChangeFeed;
use linli_wire::{Problem, limits};
use serde::Deserialize;
use utoipa::IntoParams;

/// Query of the change feed.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedQuery {
    /// Where to continue (`next_cursor`); absent to bootstrap.
    pub cursor: Option<String>,
    /// Page size.
    #[serde(default)]
    #[param(inline)]
    pub limit: PageLimit<1, { limits::SYNC_PAGE_MAX }, { limits::SYNC_PAGE_DEFAULT }>,
}

/// Changes the resident may see since `cursor`; without one, a snapshot first.
#[utoipa::path(get, path = "/v1/sync/changes", tag = "sync", security(("bearer" = [])),
    params(FeedQuery),
    responses(
        (status = 200, description = "A page of changes", body = ChangeFeed),
        (status = 400, description = "`bad-request`: not a cursor of this server", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthenticated` or `token-expired`", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "`sync-cursor-expired`: bootstrap again without a cursor", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn changes(
    State(state): State<AppState>,
    resident: Resident,
    Query(query): Query<FeedQuery>,
) -> ApiResult<Json<ChangeFeed>> {
    let limit = query.limit.get() as usize;
    let feed = feed::feed(&state.db, resident.user_id, query.cursor.as_deref(), limit).await?;
    Ok(Json(feed))
}
