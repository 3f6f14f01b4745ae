//! The notices' HTTP handlers and their OpenAPI annotations: list and detail (with ETags),
//! read marks (`PUT …/read` is idempotent by nature; the batch `POST …/read-marks`, what the
//! client outbox sends, also takes an `Idempotency-Key`). The SQL is in [`super::store`].

use super::store::{self, current, mark};
use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{AppJson, IdempotencyKey, PageLimit, Resident};
use crate::idempotency::{Begun, IdempotentWrite};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use linli_wire::notices::{Notice, NoticePage, ReadMarks};
use linli_wire::{CommunityId, ErrorCode, NoticeId, Problem, limits};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use utoipa::IntoParams;
use uuid::Uuid;

/// Query of `GET /v1/notices`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only this community (one of the resident's); all of them when absent.
    pub community_id: Option<CommunityId>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size.
    #[serde(default)]
    #[param(inline)]
    pub limit: PageLimit<1, { limits::NOTICES_PAGE_MAX }, { limits::NOTICES_PAGE_DEFAULT }>,
}

/// A JSON answer with an `ETag`, or 304 when the client already has it. The tag is weak
/// (the version names the notice as the resident sees it, whatever the content coding), so
/// the 200 and the 304 carry the same one ([`crate::conditional`]).
fn with_etag(headers: &HeaderMap, etag: String, body: Vec<u8>) -> Response {
    let etag = format!("W/{}", etag.trim_start_matches("W/"));
    let etag_value = HeaderValue::from_str(&etag).unwrap_or(HeaderValue::from_static("W/\"0\""));
    let cache = HeaderValue::from_static("private, no-cache");
    let matched = headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|field| crate::conditional::matches(field, &etag));
    if matched {
        return (
            StatusCode::NOT_MODIFIED,
            [(header::ETAG, etag_value), (header::CACHE_CONTROL, cache)],
        )
            .into_response();
    }
    (
        [
            (header::ETAG, etag_value),
            (header::CACHE_CONTROL, cache),
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
        ],
        body,
    )
        .into_response()
}

/// Notices of the resident's communities, pinned and urgent ones are flagged; newest first.
#[utoipa::path(get, path = "/v1/notices", tag = "notices", security(("bearer" = [])),
    params(ListQuery,
        ("If-None-Match" = Option<String>, Header, description = "An ETag of an earlier answer")),
    responses(
        (status = 200, description = "A page of notices, with an ETag", body = NoticePage),
        (status = 304, description = "Unchanged since the ETag given"),
        (status = 400, description = "`bad-request`: a bad cursor", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthenticated` or `token-expired`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`membership-required`: not one of the resident's communities", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    State(state): State<AppState>,
    resident: Resident,
    Query(query): Query<ListQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let limit = query.limit.get();
    let after: Option<(i64, String)> = match &query.cursor {
        None => None,
        Some(raw) => Some(
            B64.decode(raw)
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok())
                .and_then(|text| {
                    let (at, id) = text.split_once('/')?;
                    Some((at.parse().ok()?, id.to_owned()))
                })
                .ok_or_else(|| ApiError::bad_request("the cursor is not valid"))?,
        ),
    };
    let mut conn = state.db.acquire().await?;
    if let Some(community) = query.community_id
        && !store::is_member(&mut conn, resident.user_id, community).await?
    {
        return Err(ApiError::new(ErrorCode::MembershipRequired));
    }
    let rows = store::page(
        &mut conn,
        resident.user_id,
        query.community_id,
        state.clock.now_ms(),
        after.as_ref(),
        i64::from(limit) + 1,
    )
    .await?;
    let more = rows.len() > limit as usize;
    let items: Vec<_> = rows.into_iter().take(limit as usize).collect();
    let next_cursor = more.then(|| items.last()).flatten().map(|last| {
        B64.encode(format!(
            "{}/{}",
            last.published_at.timestamp_millis(),
            last.id
        ))
    });
    let page = NoticePage { items, next_cursor };
    let body = serde_json::to_vec(&page).map_err(ApiError::internal)?;
    let etag = format!("W/\"{}\"", hex::encode(&Sha256::digest(&body)[..12]));
    Ok(with_etag(&headers, etag, body))
}

/// One notice, with `ETag: "<version>-<read>"`.
#[utoipa::path(get, path = "/v1/notices/{id}", tag = "notices", security(("bearer" = [])),
    params(("id" = NoticeId, Path, description = "Notice id"),
        ("If-None-Match" = Option<String>, Header, description = "An ETag of an earlier answer")),
    responses(
        (status = 200, description = "The notice", body = Notice),
        (status = 304, description = "Unchanged since the ETag given"),
        (status = 401, description = "`unauthenticated` or `token-expired`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`: unknown, expired (as the list leaves it out), or not visible to the resident", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn detail(
    State(state): State<AppState>,
    resident: Resident,
    Path(id): Path<NoticeId>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let now = state.clock.now_ms();
    let mut conn = state.db.acquire().await?;
    let notice = current(&mut conn, resident.user_id, id.0, now)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let etag = format!(
        "\"{}-{}\"",
        notice.version,
        notice.read_at.map_or(0, |at| at.timestamp_millis())
    );
    let body = serde_json::to_vec(&notice).map_err(ApiError::internal)?;
    Ok(with_etag(&headers, etag, body))
}

/// Marks one notice read now. Idempotent: marking again changes nothing.
#[utoipa::path(put, path = "/v1/notices/{id}/read", tag = "notices", security(("bearer" = [])),
    params(("id" = NoticeId, Path, description = "Notice id")),
    responses(
        (status = 204, description = "Read"),
        (status = 401, description = "`unauthenticated` or `token-expired`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`: unknown, expired or not visible", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn mark_read(
    State(state): State<AppState>,
    resident: Resident,
    Path(id): Path<NoticeId>,
) -> ApiResult<StatusCode> {
    let now = state.clock.now_ms();
    let mut tx = state.db.begin_with("BEGIN IMMEDIATE").await?;
    if current(&mut tx, resident.user_id, id.0, now)
        .await?
        .is_none()
    {
        return Err(ApiError::not_found());
    }
    mark(&mut tx, resident.user_id, &[id.0], now, now).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Most notices one batch may name.
const MAX_MARKS: usize = limits::READ_MARKS_MAX;

/// Marks several notices read (what the client outbox sends). Unknown or invisible ids are
/// ignored; a `read_at` in the future is taken as now.
#[utoipa::path(post, path = "/v1/notices/read-marks", tag = "notices", security(("bearer" = [])),
    request_body = ReadMarks,
    params(("Idempotency-Key" = String, Header,
        description = "RFC 8941 string naming this write (the client's UUIDv7); a retry with the same key returns the stored outcome")),
    responses(
        (status = 204, description = "Recorded (or replayed: `Idempotent-Replayed: true`)"),
        (status = 400, description = "`idempotency-key-missing` or `bad-request`", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthenticated` or `token-expired`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation-failed` or `idempotency-key-reused`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn read_marks(
    State(state): State<AppState>,
    resident: Resident,
    IdempotencyKey(key): IdempotencyKey,
    AppJson(marks): AppJson<ReadMarks>,
) -> ApiResult<Response> {
    if marks.notice_ids.is_empty() || marks.notice_ids.len() > MAX_MARKS {
        return Err(ApiError::invalid(
            "/notice_ids",
            "invalid-length",
            format!("name 1 to {MAX_MARKS} notices"),
        ));
    }
    let now = state.clock.now_ms();
    let mut write = match IdempotentWrite::begin(
        &state,
        resident.user_id,
        &key,
        ("POST", "/v1/notices/read-marks"),
        &marks,
    )
    .await?
    {
        Begun::Replay(stored) => return Ok(stored.into_response()),
        Begun::Fresh(write) => write,
    };
    let tx = &mut *write.tx;
    let ids: Vec<Uuid> = marks.notice_ids.iter().map(|id| id.0).collect();
    let read_at = marks.read_at.timestamp_millis().min(now);
    mark(&mut *tx, resident.user_id, &ids, read_at, now).await?;
    write.no_content(now).await
}
