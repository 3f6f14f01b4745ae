//! The uploads' rows and bytes: who owns an upload ([`Uploader`], by the bearer token), one
//! lock per upload being written, appending at the recorded offset, checking a finished
//! upload ([`super::attachments`]), and deleting expired ones ([`purge_expired`], run by
//! housekeeping). Whether a photo is on a ticket (it then stays, and the ticket's resident
//! may see it) is read from the tickets' attachment rows in the same SQL, the one place the
//! two features' tables meet.

use std::collections::HashMap;
use std::path::PathBuf;

use anyhow::Context as _;
use axum::body::Body;
use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use futures::StreamExt as _;
use linli_wire::ErrorCode;
use linli_wire::limits::{UPLOAD_QUOTA_BYTES, UPLOAD_QUOTA_COUNT};
use sha2::Digest as _;
use tokio::io::{AsyncSeekExt as _, AsyncWriteExt as _};
use uuid::Uuid;

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Resident, Staff};

use super::tus::*;
pub use crate::locks::UploadLocks;

/// Who an upload belongs to: a signed-in resident (their photos) or a staff member (after-photos
/// on completion). Only its owner can see or continue it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Uploader {
    /// A resident, by user id.
    Resident(Uuid),
    /// A staff member (with the communities they serve).
    Staff(Staff),
}

impl FromRequestParts<AppState> for Uploader {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        match Resident::from_request_parts(parts, state).await {
            Ok(resident) => Ok(Self::Resident(resident.user_id)),
            // The resident's answer wins (an expired token says so, and the app refreshes).
            Err(as_resident) => match Staff::from_request_parts(parts, state).await {
                Ok(staff) => Ok(Self::Staff(staff)),
                Err(_) => Err(as_resident),
            },
        }
    }
}

impl Uploader {
    pub(crate) fn owns(&self, row: &UploadRow) -> bool {
        match self {
            Self::Resident(user) => row.user_id.as_deref() == Some(user.to_string().as_str()),
            Self::Staff(staff) => row.staff_id.as_deref() == Some(staff.id.as_str()),
        }
    }
    pub(crate) fn user_id(&self) -> Option<String> {
        match self {
            Self::Resident(user) => Some(user.to_string()),
            Self::Staff(_) => None,
        }
    }
    pub(crate) fn staff_id(&self) -> Option<String> {
        match self {
            Self::Resident(_) => None,
            Self::Staff(staff) => Some(staff.id.clone()),
        }
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct UploadRow {
    pub(crate) id: String,
    pub(crate) user_id: Option<String>,
    pub(crate) staff_id: Option<String>,
    pub(crate) length: i64,
    pub(crate) offset: i64,
    pub(crate) metadata: String,
    pub(crate) expected_sha256: Option<String>,
    pub(crate) expires_at: i64,
    pub(crate) status: String,
    pub(crate) reason: Option<String>,
}

pub(crate) fn path_of(state: &AppState, id: &str) -> PathBuf {
    state.uploads_dir.join(id)
}

pub(crate) async fn load(
    state: &AppState,
    owner: &Uploader,
    id: Uuid,
    now: i64,
) -> ApiResult<UploadRow> {
    let row: Option<UploadRow> = sqlx::query_as(
        "SELECT id, user_id, staff_id, length, offset, metadata, expected_sha256, expires_at,
            status, reason
         FROM uploads WHERE id = ?",
    )
    .bind(id.to_string())
    .fetch_optional(&state.db)
    .await?;
    match row {
        Some(row) if owner.owns(&row) && (row.status != "uploading" || row.expires_at > now) => {
            Ok(row)
        }
        _ => Err(ApiError::not_found()),
    }
}

/// Appends the request body at the upload's offset. Returns the new offset.
pub(crate) async fn append(
    state: &AppState,
    row: &UploadRow,
    headers: &HeaderMap,
    body: Body,
) -> Result<i64, Response> {
    let mut checksum = parse_checksum(headers).map_err(IntoResponse::into_response)?;
    let path = path_of(state, &row.id);
    let mut file = crate::files::async_options()
        .create(true)
        .write(true)
        .truncate(false)
        .open(&path)
        .await
        .map_err(|err| ApiError::internal(format_args!("open upload: {err}")).into_response())?;
    // The recorded offset is the only truth about the file. A request cancelled after writing
    // but before recording (the client vanished mid-handler, so hyper dropped it) leaves bytes
    // past it; they are cut here, under the upload's lock, before anything is appended.
    let start = u64::try_from(row.offset).unwrap_or(0);
    file.set_len(start)
        .await
        .map_err(|err| ApiError::internal(format_args!("trim upload: {err}")).into_response())?;
    file.seek(std::io::SeekFrom::Start(start))
        .await
        .map_err(|err| ApiError::internal(format_args!("seek upload: {err}")).into_response())?;
    let room = row.length - row.offset;
    let mut written: i64 = 0;
    let mut stream = body.into_data_stream();
    let mut cut = false;
    while let Some(chunk) = stream.next().await {
        let Ok(chunk) = chunk else {
            cut = true;
            break;
        };
        let len = i64::try_from(chunk.len()).unwrap_or(i64::MAX);
        if written + len > room {
            let _ = file.set_len(u64::try_from(row.offset).unwrap_or(0)).await;
            return Err(fail(
                ErrorCode::PayloadTooLarge,
                "more bytes than Upload-Length",
            ));
        }
        if let Some(c) = checksum.as_mut() {
            c.update(&chunk);
        }
        file.write_all(&chunk).await.map_err(|err| {
            ApiError::internal(format_args!("write upload: {err}")).into_response()
        })?;
        written += len;
    }
    file.flush().await.ok();
    file.sync_data()
        .await
        .map_err(|err| ApiError::internal(format_args!("sync upload: {err}")).into_response())?;
    let keep = match checksum {
        // Bytes that cannot be verified (a cut) or do not match are discarded.
        Some(c) => !cut && c.matches(),
        None => true,
    };
    if !keep {
        file.set_len(u64::try_from(row.offset).unwrap_or(0))
            .await
            .map_err(|err| {
                ApiError::internal(format_args!("truncate upload: {err}")).into_response()
            })?;
        if !cut {
            return Err(fail(
                ErrorCode::ChecksumMismatch,
                "the chunk's checksum does not match; it was discarded",
            ));
        }
        return Ok(row.offset);
    }
    Ok(row.offset + written)
}

/// Checks a finished upload: a readable picture within limits, and the announced SHA-256.
/// Records the last bytes and the verdict in one statement, so nobody ever sees a full offset
/// on an upload that is not yet complete (a client would take it as done too early).
pub(crate) async fn finish(state: &AppState, row: &UploadRow, now: i64) -> ApiResult<()> {
    let bytes = tokio::fs::read(path_of(state, &row.id))
        .await
        .map_err(|err| ApiError::internal(format_args!("read upload: {err}")))?;
    let sha256: String = sha2::Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let (status, reason, size) = match super::attachments::inspect(&bytes) {
        Err(reason) => ("rejected", Some(reason), None),
        Ok(_)
            if row
                .expected_sha256
                .as_deref()
                .is_some_and(|want| !want.eq_ignore_ascii_case(&sha256)) =>
        {
            ("rejected", Some("sha256-mismatch".to_owned()), None)
        }
        Ok(size) => ("complete", None, Some(size)),
    };
    // A finished photo waits a full TTL for its ticket from now, however long it took to send.
    sqlx::query(
        "UPDATE uploads SET offset = ?, status = ?, reason = ?, sha256 = ?, width = ?, height = ?,
            expires_at = ?
         WHERE id = ?",
    )
    .bind(row.offset)
    .bind(status)
    .bind(reason)
    .bind(&sha256)
    .bind(size.map(|(w, _)| i64::from(w)))
    .bind(size.map(|(_, h)| i64::from(h)))
    .bind(now + UPLOAD_TTL_MS)
    .bind(&row.id)
    .execute(&state.db)
    .await?;
    if status == "rejected" {
        // Nobody may ever see a refused upload's bytes: they go now; the row stays until
        // housekeeping, so a client that lost the last answer still learns the verdict (HEAD).
        tokio::fs::remove_file(path_of(state, &row.id))
            .await
            .map_err(|err| ApiError::internal(format_args!("remove rejected upload: {err}")))?;
    }
    Ok(())
}

/// Appends, records the new offset, and checks the content once complete.
pub(crate) async fn commit(
    state: &AppState,
    owner: &Uploader,
    row: &UploadRow,
    headers: &HeaderMap,
    body: Body,
    now: i64,
) -> Result<UploadRow, Response> {
    let offset = append(state, row, headers, body).await?;
    let finished = offset == row.length && row.status == "uploading";
    if !finished {
        sqlx::query("UPDATE uploads SET offset = ? WHERE id = ?")
            .bind(offset)
            .bind(&row.id)
            .execute(&state.db)
            .await
            .map_err(|err| ApiError::from(err).into_response())?;
    }
    let mut updated = UploadRow {
        offset,
        ..row.clone()
    };
    if finished {
        finish(state, &updated, now)
            .await
            .map_err(IntoResponse::into_response)?;
        let id = Uuid::parse_str(&row.id).map_err(|_| ApiError::not_found().into_response())?;
        updated = load(state, owner, id, now)
            .await
            .map_err(IntoResponse::into_response)?;
    }
    Ok(updated)
}

/// Deletes what no ticket will ever hold (housekeeping): rejected uploads at once, unfinished
/// ones past their tus expiry, and finished ones that waited [`UPLOAD_TTL_MS`] for a ticket in
/// vain; rows and bytes. A photo on a ticket is never deleted (the same `NOT EXISTS` as
/// [`delete_unattached`], in the statement that deletes, so a ticket attaching it meanwhile
/// wins).
pub async fn purge_expired(state: &AppState) -> anyhow::Result<usize> {
    let now = state.clock.now_ms();
    let gone: Vec<String> = sqlx::query_scalar(
        "DELETE FROM uploads
         WHERE (status = 'rejected' OR expires_at <= ?1)
           AND NOT EXISTS (SELECT 1 FROM ticket_attachments a WHERE a.upload_id = uploads.id)
         RETURNING id",
    )
    .bind(now)
    .fetch_all(&state.db)
    .await
    .context("delete expired and rejected uploads")?;
    for id in &gone {
        match tokio::fs::remove_file(path_of(state, id)).await {
            Ok(()) => {}
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => return Err(err).context("remove an expired upload's bytes"),
        }
    }
    Ok(gone.len())
}

/// The upload `id`, whoever owns it.
pub(crate) async fn find(db: &sqlx::SqlitePool, id: Uuid) -> sqlx::Result<Option<UploadRow>> {
    sqlx::query_as(
        "SELECT id, user_id, staff_id, length, offset, metadata, expected_sha256, expires_at,
            status, reason
         FROM uploads WHERE id = ?",
    )
    .bind(id.to_string())
    .fetch_optional(db)
    .await
}

/// The uploads of one owner that hold room: unfinished or finished, not expired, on no
/// ticket (`?1` user id, `?2` staff id, `?3` now; one of the ids is NULL).
const OUTSTANDING: &str = "FROM uploads u WHERE u.user_id IS ?1 AND u.staff_id IS ?2
    AND u.status IN ('uploading', 'complete') AND u.expires_at > ?3
    AND NOT EXISTS (SELECT 1 FROM ticket_attachments a WHERE a.upload_id = u.id)";

/// Makes the row of a new upload of `length` bytes, expiring after [`UPLOAD_TTL_MS`], if the
/// uploader's quota has room for it (`linli_wire::limits::UPLOAD_QUOTA_COUNT` uploads and
/// `UPLOAD_QUOTA_BYTES` reserved, counting every outstanding one). The check and the insert
/// are one statement, so parallel creations cannot both take the last room. `false`: no room.
pub(crate) async fn reserve(
    db: &sqlx::SqlitePool,
    id: Uuid,
    uploader: &Uploader,
    length: u64,
    raw_metadata: &str,
    metadata: &HashMap<String, String>,
    now: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(&format!(
        "INSERT INTO uploads (id, user_id, staff_id, length, metadata, filename, content_type,
            purpose, expected_sha256, created_at, expires_at)
         SELECT ?4, ?1, ?2, ?5, ?6, ?7, ?8, ?9, ?10, ?3, ?11
         WHERE (SELECT COUNT(*) {OUTSTANDING}) < ?12
           AND (SELECT coalesce(SUM(u.length), 0) {OUTSTANDING}) + ?5 <= ?13"
    ))
    .bind(uploader.user_id())
    .bind(uploader.staff_id())
    .bind(now)
    .bind(id.to_string())
    .bind(i64::try_from(length).unwrap_or(i64::MAX))
    .bind(raw_metadata)
    .bind(metadata.get("filename"))
    .bind(
        metadata
            .get("content_type")
            .or_else(|| metadata.get("filetype")),
    )
    .bind(metadata.get("purpose"))
    .bind(metadata.get("sha256"))
    .bind(now + UPLOAD_TTL_MS)
    .bind(i64::try_from(UPLOAD_QUOTA_COUNT).unwrap_or(i64::MAX))
    .bind(i64::try_from(UPLOAD_QUOTA_BYTES).unwrap_or(i64::MAX))
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// What an uploader's outstanding uploads hold: (count, bytes, when the first of them lapses).
pub(crate) async fn held(
    db: &sqlx::SqlitePool,
    uploader: &Uploader,
    now: i64,
) -> sqlx::Result<(i64, i64, Option<i64>)> {
    sqlx::query_as(&format!(
        "SELECT COUNT(*), coalesce(SUM(u.length), 0), MIN(u.expires_at) {OUTSTANDING}"
    ))
    .bind(uploader.user_id())
    .bind(uploader.staff_id())
    .bind(now)
    .fetch_one(db)
    .await
}

/// Forgets an upload that lapsed before housekeeping came (its id is being created again):
/// row and bytes, unless it is on a ticket.
pub(crate) async fn forget_lapsed(state: &AppState, id: &str) -> ApiResult<()> {
    let done = delete_unattached(&state.db, id).await?;
    if done.rows_affected() == 1 {
        match tokio::fs::remove_file(path_of(state, id)).await {
            Ok(()) => {}
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => return Err(ApiError::internal(format_args!("remove upload: {err}"))),
        }
    }
    Ok(())
}

/// Deletes upload `id` unless it is on a ticket (a photo on a ticket is part of its record);
/// `rows_affected` is 0 when it stays.
pub(crate) async fn delete_unattached(
    db: &sqlx::SqlitePool,
    id: &str,
) -> sqlx::Result<sqlx::sqlite::SqliteQueryResult> {
    sqlx::query(
        "DELETE FROM uploads WHERE id = ?1
         AND NOT EXISTS (SELECT 1 FROM ticket_attachments WHERE upload_id = ?1)",
    )
    .bind(id)
    .execute(db)
    .await
}

/// Who may see a finished upload: its owners, and the resident of the ticket it is on.
#[derive(sqlx::FromRow)]
pub(crate) struct Seen {
    pub(crate) user_id: Option<String>,
    pub(crate) staff_id: Option<String>,
    pub(crate) sha256: Option<String>,
    pub(crate) ticket_owner: Option<String>,
    /// The community of the ticket it is on (staff see photos of the communities they serve).
    pub(crate) ticket_community: Option<String>,
}

/// The finished upload `id` and the ticket it is on, or 404.
pub(crate) async fn seen_by(db: &sqlx::SqlitePool, id: Uuid) -> ApiResult<Seen> {
    let seen: Option<Seen> = sqlx::query_as(
        "SELECT u.user_id, u.staff_id, u.sha256, t.user_id AS ticket_owner,
                n.community_id AS ticket_community
         FROM uploads u
         LEFT JOIN ticket_attachments a ON a.upload_id = u.id
         LEFT JOIN tickets t ON t.id = a.ticket_id
         LEFT JOIN memberships m ON m.id = t.membership_id
         LEFT JOIN units n ON n.id = m.unit_id
         WHERE u.id = ? AND u.status = 'complete'",
    )
    .bind(id.to_string())
    .fetch_optional(db)
    .await?;
    seen.ok_or_else(ApiError::not_found)
}
