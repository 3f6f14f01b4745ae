//! The published fee ledger, the HTTP side: periods of the resident's communities, newest
//! first, and the documents published with them. The ledger accounts for the property fee, so
//! only the roles that pay it see it (the memberships feature's rights matrix).

use super::handlers::HouseholdQuery;
use super::ledger_store;
use super::store::*;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use linli_wire::bills::LedgerList;
use linli_wire::{CommunityId, Problem};

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::Resident;

/// The published fee ledger of the resident's communities, newest period first.
#[utoipa::path(get, path = "/v1/ledger", tag = "bills", security(("bearer" = [])),
    params(HouseholdQuery),
    responses(
        (status = 200, description = "Published periods", body = LedgerList),
        (status = 401, description = "`unauthenticated` or `token-expired`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`membership-required`, or `role-forbidden` (a tenant's household: the ledger is for those who pay the property fee)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn ledger(
    State(state): State<AppState>,
    resident: Resident,
    Query(query): Query<HouseholdQuery>,
) -> ApiResult<Json<LedgerList>> {
    let mut conn = state.db.acquire().await?;
    let homes = units_of(&mut conn, resident.user_id, query.membership_id).await?;
    // The fee ledger accounts for the property fee: it is for the roles that pay it.
    if query.membership_id.is_some() && homes.iter().any(|h| !h.sees_all) {
        return Err(ApiError::new(linli_wire::ErrorCode::RoleForbidden)
            .detail("the fee ledger is for those who pay the property fee"));
    }
    let units: Vec<String> = homes
        .into_iter()
        .filter(|h| h.sees_all)
        .map(|h| h.unit)
        .collect();
    let items = ledger_store::periods_of(&mut conn, &units).await?;
    Ok(Json(LedgerList { items }))
}

/// A document published with a ledger period.
#[utoipa::path(get, path = "/v1/ledger/{community_id}/{period}/attachments/{position}", tag = "bills",
    security(("bearer" = [])),
    params(
        ("community_id" = CommunityId, Path, description = "Community"),
        ("period" = String, Path, description = "Period key, e.g. 2026-Q3"),
        ("position" = i64, Path, description = "Attachment number"),
    ),
    responses(
        (status = 200, description = "The file, with its media type"),
        (status = 401, description = "`unauthenticated` or `token-expired`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn ledger_attachment(
    State(state): State<AppState>,
    resident: Resident,
    Path((community, period, position)): Path<(CommunityId, String, i64)>,
) -> ApiResult<Response> {
    let row =
        ledger_store::attachment(&state.db, resident.user_id, community, &period, position).await?;
    let (name, media_type, content) = row.ok_or_else(ApiError::not_found)?;
    let disposition = format!(
        "attachment; filename=\"ledger-{position}\"; filename*=UTF-8''{}",
        percent_encode(&name)
    );
    Ok((
        [
            (header::CONTENT_TYPE, media_type),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        content,
    )
        .into_response())
}

/// RFC 5987 percent-encoding of a file name.
fn percent_encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
