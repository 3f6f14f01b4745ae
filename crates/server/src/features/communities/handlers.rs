//! The HTTP side of communities: one community and the list (no token needed), and the join
//! page a browser shows for a join link.

use super::store;
use crate::AppState;
use crate::error::{ApiError, ApiResult};
use axum::Json;
use axum::extract::{Path, State};
use axum::response::Html;
use linli_wire::join::CommunityList;
use linli_wire::me::Community;
use linli_wire::{CommunityId, Problem};

/// The communities this backend serves (for an address typed by hand). No token needed.
#[utoipa::path(get, path = "/v1/communities", operation_id = "communities_list", tag = "communities",
    responses((status = 200, description = "Every community, by name", body = CommunityList)))]
pub async fn communities(State(state): State<AppState>) -> ApiResult<Json<CommunityList>> {
    Ok(Json(CommunityList {
        items: store::all(&state.db).await?,
    }))
}

/// One community: what a join link leads to. No token needed.
#[utoipa::path(get, path = "/v1/communities/{id}", operation_id = "communities_detail", tag = "communities",
    params(("id" = CommunityId, Path, description = "Community id, as the join link names it")),
    responses(
        (status = 200, description = "The community", body = Community),
        (status = 404, description = "`not-found`: no such community here", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn community(
    State(state): State<AppState>,
    Path(id): Path<CommunityId>,
) -> ApiResult<Json<Community>> {
    store::by_id(&state.db, id)
        .await?
        .map(Json)
        .ok_or_else(ApiError::not_found)
}

/// The page a join link shows in a browser: the community and what to do with the link.
pub async fn join_page(
    State(state): State<AppState>,
    Path(id): Path<CommunityId>,
) -> ApiResult<Html<String>> {
    let community = store::by_id(&state.db, id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(Html(format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>加入{name}</title></head><body style=\"font-family:sans-serif;padding:1em\">\
         <h1>加入{name}</h1><p>{address} · {company}</p>\
         <p>请在邻里 App 的“加入小区”页面粘贴此链接，或选择这个二维码的图片。</p>\
         <p lang=\"en\">Paste this link on the Linli app's “Join your community” screen, or \
         pick the picture of its QR code.</p></body></html>",
        name = escape(&community.name),
        address = escape(&community.address),
        company = escape(&community.property_company),
    )))
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
