//! The uploads' rows and bytes: who owns an upload ([`Uploader`], by the bearer token), one
//! lock per upload being written, appending at the recorded offset, checking a finished
//! upload ([`super::attachments`]), and deleting expired ones ([`purge_expired`], run by
//! housekeeping). Whether a photo is on a ticket (it then stays, and the ticket's resident
//! may see it) is read from the tickets' attachment rows in the same SQL, the one place the
//! two features' tables meet.

use std::collections::HashMap;
use std::path::PathBuf;

use axum::body::Body;
use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use futures::StreamExt as _;
use linli_wire::ErrorCode;
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
pub(crate) async fn finish(state: &AppState, row: &UploadRow) -> ApiResult<()> {
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
    sqlx::query(
        "UPDATE uploads SET offset = ?, status = ?, reason = ?, sha256 = ?, width = ?, height = ?
         WHERE id = ?",
    )
    .bind(row.offset)
    .bind(status)
    .bind(reason)
    .bind(&sha256)
    .bind(size.map(|(w, _)| i64::from(w)))
    .bind(size.map(|(_, h)| i64::from(h)))
    .bind(&row.id)
    .execute(&state.db)
    .await?;
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
        finish(state, &updated)
            .await
            .map_err(IntoResponse::into_response)?;
        let id = Uuid::parse_str(&row.id).map_err(|_| ApiError::not_found().into_response())?;
        updated = load(state, owner, id, now)
            .await
            .map_err(IntoResponse::into_response)?;
    }
    Ok(updated)
}

/// Deletes unfinished uploads past their expiry (housekeeping).
pub async fn purge_expired(state: &AppState) -> anyhow::Result<usize> {
    let now = state.clock.now_ms();
    let expired: Vec<String> =
        sqlx::query_scalar("SELECT id FROM uploads WHERE status = 'uploading' AND expires_at <= ?")
            .bind(now)
            .fetch_all(&state.db)
            .await?;
    for id in &expired {
        sqlx::query("DELETE FROM uploads WHERE id = ?")
            .bind(id)
            .execute(&state.db)
            .await?;
        let _ = tokio::fs::remove_file(path_of(state, id)).await;
    }
    Ok(expired.len())
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

/// Makes the row of a new upload of `length` bytes, expiring after [`UPLOAD_TTL_MS`].
pub(crate) async fn insert(
    db: &sqlx::SqlitePool,
    id: Uuid,
    uploader: &Uploader,
    length: u64,
    raw_metadata: &str,
    metadata: &HashMap<String, String>,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO uploads (id, user_id, staff_id, length, metadata, filename, content_type,
            purpose, expected_sha256, created_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(id.to_string())
    .bind(uploader.user_id())
    .bind(uploader.staff_id())
    .bind(i64::try_from(length).unwrap_or(0))
    .bind(raw_metadata)
    .bind(metadata.get("filename"))
    .bind(
        metadata
            .get("content_type")
            .or_else(|| metadata.get("filetype")),
    )
    .bind(metadata.get("purpose"))
    .bind(metadata.get("sha256"))
    .bind(now)
    .bind(now + UPLOAD_TTL_MS)
    .execute(db)
    .await?;
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
