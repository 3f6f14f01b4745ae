//! Community notices: list, detail, read marks (`/v1/notices…`), and publishing them.
//!
//! A resident sees the notices of the communities where they have an active household, each
//! with their own `read_at`. Read state is monotonic and keeps the earliest mark, so marking
//! read is idempotent by nature for `PUT …/read`; the batch `POST …/read-marks` (what the
//! client outbox sends) also takes an `Idempotency-Key`. Every change of a notice or of a
//! resident's read mark is recorded in the change log in the same transaction.

use crate::AppState;
use crate::changes::{self, Scope, VISIBLE_COMMUNITIES};
use crate::clock::from_ms;
use crate::error::{ApiError, ApiResult};
use crate::extract::{AppJson, IdempotencyKey, Resident};
use crate::idempotency::{Begun, IdempotentWrite};
use crate::routes::me::open_enum;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use chrono::{DateTime, Utc};
use linli_wire::notices::{Notice, NoticeCategory, NoticePage, NoticePriority, ReadMarks};
use linli_wire::sync::{ChangeOp, EntityKind};
use linli_wire::{CommunityId, ErrorCode, NoticeId, Problem};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use sqlx::{SqliteConnection, SqlitePool};
use utoipa::IntoParams;
use uuid::Uuid;

#[derive(sqlx::FromRow)]
struct NoticeRow {
    id: String,
    community_id: String,
    title: String,
    summary: String,
    body: String,
    category: String,
    priority: String,
    pinned: i64,
    publisher: String,
    published_at: i64,
    starts_at: Option<i64>,
    ends_at: Option<i64>,
    expires_at: Option<i64>,
    version: i64,
    read_at: Option<i64>,
}

impl NoticeRow {
    fn into_wire(self) -> Result<Notice, sqlx::Error> {
        Ok(Notice {
            id: NoticeId(crate::db::parse_id(&self.id)?),
            community_id: CommunityId(crate::db::parse_id(&self.community_id)?),
            title: self.title,
            summary: self.summary,
            body: self.body,
            category: open_enum(&self.category)?,
            priority: open_enum(&self.priority)?,
            pinned: self.pinned != 0,
            publisher: self.publisher,
            published_at: from_ms(self.published_at),
            starts_at: self.starts_at.map(from_ms),
            ends_at: self.ends_at.map(from_ms),
            expires_at: self.expires_at.map(from_ms),
            read_at: self.read_at.map(from_ms),
            version: self.version,
        })
    }
}

/// Notices as user `?` sees them (bind the user id twice: read marks, visibility).
fn select_visible() -> String {
    format!(
        "SELECT n.id, n.community_id, n.title, n.summary, n.body, n.category, n.priority,
                n.pinned, n.publisher, n.published_at, n.starts_at, n.ends_at, n.expires_at,
                n.version, r.read_at
         FROM notices n LEFT JOIN notice_reads r ON r.notice_id = n.id AND r.user_id = ?
         WHERE n.community_id IN ({VISIBLE_COMMUNITIES})"
    )
}

/// One notice, if `user` may see it.
pub(crate) async fn visible(
    conn: &mut SqliteConnection,
    user: Uuid,
    id: Uuid,
) -> sqlx::Result<Option<Notice>> {
    let sql = format!("{} AND n.id = ?", select_visible());
    let row: Option<NoticeRow> = sqlx::query_as(&sql)
        .bind(user.to_string())
        .bind(user.to_string())
        .bind(id.to_string())
        .fetch_optional(conn)
        .await?;
    row.map(NoticeRow::into_wire).transpose()
}

/// Visible notices with ids after `after`, by id (bootstrap pages).
pub(crate) async fn visible_after(
    conn: &mut SqliteConnection,
    user: Uuid,
    after: Option<Uuid>,
    limit: usize,
) -> sqlx::Result<Vec<Notice>> {
    let sql = format!("{} AND n.id > ? ORDER BY n.id LIMIT ?", select_visible());
    let rows: Vec<NoticeRow> = sqlx::query_as(&sql)
        .bind(user.to_string())
        .bind(user.to_string())
        .bind(after.map(|id| id.to_string()).unwrap_or_default())
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(conn)
        .await?;
    rows.into_iter().map(NoticeRow::into_wire).collect()
}

/// Query of `GET /v1/notices`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only this community (one of the resident's); all of them when absent.
    pub community_id: Option<CommunityId>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1–100 (default 20).
    pub limit: Option<u32>,
}

fn etag_matches(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|v| v.trim().trim_start_matches("W/"))
        .any(|candidate| candidate == "*" || candidate == etag.trim_start_matches("W/"))
}

/// A JSON answer with an `ETag`, or 304 when the client already has it.
fn with_etag(headers: &HeaderMap, etag: String, body: Vec<u8>) -> Response {
    let etag_value = HeaderValue::from_str(&etag).unwrap_or(HeaderValue::from_static("\"0\""));
    let cache = HeaderValue::from_static("private, no-cache");
    if etag_matches(headers, &etag) {
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
    let limit = query.limit.unwrap_or(20).clamp(1, 100);
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
    if let Some(community) = query.community_id {
        let sql = format!("SELECT EXISTS ({VISIBLE_COMMUNITIES} AND u.community_id = ?)");
        let member: bool = sqlx::query_scalar(&sql)
            .bind(resident.user_id.to_string())
            .bind(community.to_string())
            .fetch_one(&mut *conn)
            .await?;
        if !member {
            return Err(ApiError::new(ErrorCode::MembershipRequired));
        }
    }
    let sql = format!(
        "{} AND (? IS NULL OR n.community_id = ?)
           AND (n.expires_at IS NULL OR n.expires_at > ?)
           AND (? IS NULL OR (n.published_at, n.id) < (?, ?))
         ORDER BY n.published_at DESC, n.id DESC LIMIT ?",
        select_visible()
    );
    let community = query.community_id.map(|c| c.to_string());
    let rows: Vec<NoticeRow> = sqlx::query_as(&sql)
        .bind(resident.user_id.to_string())
        .bind(resident.user_id.to_string())
        .bind(&community)
        .bind(&community)
        .bind(state.clock.now_ms())
        .bind(after.as_ref().map(|(at, _)| *at))
        .bind(after.as_ref().map(|(at, _)| *at))
        .bind(after.as_ref().map(|(_, id)| id.clone()))
        .bind(i64::from(limit) + 1)
        .fetch_all(&mut *conn)
        .await?;
    let more = rows.len() > limit as usize;
    let items = rows
        .into_iter()
        .take(limit as usize)
        .map(NoticeRow::into_wire)
        .collect::<Result<Vec<_>, _>>()?;
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
        (status = 404, description = "`not-found` (or not visible to the resident)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn detail(
    State(state): State<AppState>,
    resident: Resident,
    Path(id): Path<NoticeId>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let mut conn = state.db.acquire().await?;
    let notice = visible(&mut conn, resident.user_id, id.0)
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

/// Records that `user` read `ids` at `read_at` (earliest mark kept); returns how many changed.
async fn mark(
    conn: &mut SqliteConnection,
    user: Uuid,
    ids: &[Uuid],
    read_at: i64,
    now: i64,
) -> sqlx::Result<usize> {
    let mut changed = 0;
    for id in ids {
        let sql = format!(
            "INSERT INTO notice_reads (user_id, notice_id, read_at)
             SELECT ?, n.id, ? FROM notices n WHERE n.id = ? AND n.community_id IN ({VISIBLE_COMMUNITIES})
             ON CONFLICT (user_id, notice_id) DO UPDATE SET read_at = excluded.read_at
               WHERE excluded.read_at < notice_reads.read_at"
        );
        let done = sqlx::query(&sql)
            .bind(user.to_string())
            .bind(read_at)
            .bind(id.to_string())
            .bind(user.to_string())
            .execute(&mut *conn)
            .await?;
        if done.rows_affected() > 0 {
            changes::record(
                conn,
                EntityKind::Notice,
                *id,
                ChangeOp::Upsert,
                Scope::User(user),
                now,
            )
            .await?;
            changed += 1;
        }
    }
    Ok(changed)
}

/// Marks one notice read now. Idempotent: marking again changes nothing.
#[utoipa::path(put, path = "/v1/notices/{id}/read", tag = "notices", security(("bearer" = [])),
    params(("id" = NoticeId, Path, description = "Notice id")),
    responses(
        (status = 204, description = "Read"),
        (status = 401, description = "`unauthenticated` or `token-expired`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn mark_read(
    State(state): State<AppState>,
    resident: Resident,
    Path(id): Path<NoticeId>,
) -> ApiResult<StatusCode> {
    let now = state.clock.now_ms();
    let mut tx = state.db.begin_with("BEGIN IMMEDIATE").await?;
    if visible(&mut tx, resident.user_id, id.0).await?.is_none() {
        return Err(ApiError::not_found());
    }
    mark(&mut tx, resident.user_id, &[id.0], now, now).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Most notices one batch may name.
const MAX_MARKS: usize = 500;

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

/// A notice to publish (seed data, staff tools, tests).
#[derive(Clone, Debug)]
pub struct NewNotice {
    /// Community.
    pub community_id: Uuid,
    /// Headline.
    pub title: String,
    /// One-line summary.
    pub summary: String,
    /// Full text.
    pub body: String,
    /// Category.
    pub category: NoticeCategory,
    /// Priority.
    pub priority: NoticePriority,
    /// Pinned to the top.
    pub pinned: bool,
    /// Publisher shown to residents.
    pub publisher: String,
    /// Publication time.
    pub published_at: DateTime<Utc>,
    /// Event start.
    pub starts_at: Option<DateTime<Utc>>,
    /// Event end.
    pub ends_at: Option<DateTime<Utc>>,
    /// Hidden after.
    pub expires_at: Option<DateTime<Utc>>,
}

fn spelling<T: serde::Serialize>(value: T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| "other".to_owned())
}

/// Publishes a notice: every resident of the community gets it in their feed.
pub async fn publish(db: &SqlitePool, notice: &NewNotice, now_ms: i64) -> anyhow::Result<Uuid> {
    let id = Uuid::now_v7();
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    sqlx::query(
        "INSERT INTO notices (id, community_id, title, summary, body, category, priority, pinned,
            publisher, published_at, starts_at, ends_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(id.to_string())
    .bind(notice.community_id.to_string())
    .bind(&notice.title)
    .bind(&notice.summary)
    .bind(&notice.body)
    .bind(spelling(notice.category))
    .bind(spelling(notice.priority))
    .bind(i64::from(notice.pinned))
    .bind(&notice.publisher)
    .bind(notice.published_at.timestamp_millis())
    .bind(notice.starts_at.map(|t| t.timestamp_millis()))
    .bind(notice.ends_at.map(|t| t.timestamp_millis()))
    .bind(notice.expires_at.map(|t| t.timestamp_millis()))
    .execute(&mut *tx)
    .await?;
    changes::record(
        &mut tx,
        EntityKind::Notice,
        id,
        ChangeOp::Upsert,
        Scope::Community(notice.community_id),
        now_ms,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Withdraws a notice; residents' caches drop it through a tombstone.
pub async fn withdraw(db: &SqlitePool, id: Uuid, now_ms: i64) -> anyhow::Result<bool> {
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    let community: Option<String> =
        sqlx::query_scalar("DELETE FROM notices WHERE id = ? RETURNING community_id")
            .bind(id.to_string())
            .fetch_optional(&mut *tx)
            .await?;
    let Some(community) = community else {
        return Ok(false);
    };
    changes::record(
        &mut tx,
        EntityKind::Notice,
        id,
        ChangeOp::Delete,
        Scope::Community(crate::db::parse_id(&community)?),
        now_ms,
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}
