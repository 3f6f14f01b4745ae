//! The uploads' HTTP handlers and their OpenAPI annotations: tus 1.0.0 at `/v1/uploads` with the creation, creation-with-upload,
//! expiration, checksum (sha1, sha256) and termination extensions.
//!
//! Invariants:
//! - The upload's id is the attachment id the client chose (metadata `attachment_id`, a UUID);
//!   a retried creation with the same id and length answers the same upload (200 + Location)
//!   instead of making a second one. Without that key the server picks an id.
//! - The offset only moves over bytes that are on disk (flushed) and, when the request carried
//!   `Upload-Checksum`, whose digest matched; a mismatch (460) or a dropped connection under a
//!   checksum discards that request's bytes. Without a checksum, whatever arrived before a drop
//!   is kept (the spec's SHOULD), so a cut upload resends at most what was in flight.
//! - PATCHes of one upload are serialised (a per-upload lock); the offset check happens under it.
//! - The file is only trusted up to the recorded offset: each append first cuts whatever lies
//!   past it (left by a handler dropped between writing and recording when its client vanished)
//!   and writes at that offset, never at the file's end.
//! - When the last byte arrives the content is checked (a picture we can read, within size
//!   limits, and the `sha256` metadata if sent). The result, `Attachment-Id` and
//!   `Attachment-Status` (`complete` or `rejected`), is on the final PATCH response and on every
//!   HEAD, so a client that lost that response learns it from HEAD.
//! - Unfinished uploads expire after [`UPLOAD_TTL_MS`] (`Upload-Expires`); expired ones answer
//!   404, and a creation under their id starts afresh. A finished one waits as long again for
//!   a ticket. Housekeeping deletes rejected, lapsed and never-attached uploads (rows and
//!   files), never a photo on a ticket. Someone else's upload answers 404.
//! - Quota: an uploader's outstanding uploads (unfinished, or finished on no ticket) hold at
//!   most `UPLOAD_QUOTA_COUNT` uploads and `UPLOAD_QUOTA_BYTES` (`linli_wire::limits`),
//!   checked in the creation's INSERT; beyond it 429 `upload-quota-exceeded`.
//! - An upload belongs to a resident or to a staff member ([`Uploader`], by the bearer token):
//!   staff upload after-photos the same way residents upload theirs.
//!
//! The protocol's pieces are in [`super::tus`], the rows and bytes in [`super::store`].

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use linli_wire::{ErrorCode, Problem};
use uuid::Uuid;

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use linli_wire::limits::{UPLOAD_QUOTA_BYTES, UPLOAD_QUOTA_COUNT};

use super::store::*;
use super::tus::*;

/// `OPTIONS /v1/uploads`: what this server speaks.
#[utoipa::path(options, path = "/v1/uploads", tag = "uploads",
    responses((status = 204, description = "tus 1.0.0 capabilities", headers(
        ("Tus-Version" = String, description = "1.0.0"),
        ("Tus-Extension" = String, description = "creation,creation-with-upload,expiration,checksum,termination"),
        ("Tus-Checksum-Algorithm" = String, description = "sha1,sha256"),
        ("Tus-Max-Size" = u64, description = "Largest upload in bytes"),
    ))))]
pub async fn options() -> Response {
    let mut headers = tus_headers();
    headers.insert(h("tus-version"), HeaderValue::from_static(TUS_VERSION));
    headers.insert(h("tus-extension"), HeaderValue::from_static(TUS_EXTENSIONS));
    headers.insert(
        h("tus-checksum-algorithm"),
        HeaderValue::from_static(TUS_CHECKSUMS),
    );
    if let Ok(v) = HeaderValue::from_str(&MAX_UPLOAD.to_string()) {
        headers.insert(h("tus-max-size"), v);
    }
    (StatusCode::NO_CONTENT, headers).into_response()
}

/// `POST /v1/uploads`: creates an upload (creation), optionally with its first bytes
/// (creation-with-upload).
///
/// The bytes must make a JPEG (any colour space), PNG or WebP of at most 8192 px a side; the
/// app always sends the JPEG it prepared. Anything else is refused once the last byte arrives:
/// `Attachment-Status: rejected` with `Attachment-Reason` `empty`, `not-a-picture`,
/// `format-not-accepted` (a picture in another format: HEIC, GIF, TIFF, …), `unreadable`,
/// `too-large` or `sha256-mismatch`.
#[utoipa::path(post, path = "/v1/uploads", tag = "uploads", security(("bearer" = [])),
    params(
        ("Tus-Resumable" = String, Header, description = "1.0.0"),
        ("Upload-Length" = u64, Header, description = "Total size in bytes"),
        ("Upload-Metadata" = Option<String>, Header, description = "tus metadata: `attachment_id` (client UUIDv7, makes a retried creation find the same upload), `filename`, `content_type`, `purpose`, `sha256` (hex, checked when complete)"),
        ("Upload-Checksum" = Option<String>, Header, description = "`sha1|sha256 <base64>` of the bytes in this request"),
    ),
    request_body(content = Option<Vec<u8>>, content_type = "application/offset+octet-stream", description = "Optional first bytes (creation-with-upload)"),
    responses(
        (status = 201, description = "Created; `Location`, `Upload-Offset`, `Upload-Expires` (and `Attachment-Id`/`Attachment-Status` if already complete)"),
        (status = 200, description = "A retried creation of the same `attachment_id`: the existing upload"),
        (status = 400, description = "`bad-request`", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`already-exists`: the attachment id is someone else's or has another length", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`tus-version-unsupported` (with `Tus-Version`)", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "`payload-too-large`", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`upload-quota-exceeded`: the uploader's unfinished and unattached uploads already hold `UPLOAD_QUOTA_COUNT` uploads or `UPLOAD_QUOTA_BYTES` bytes; `Retry-After` says when the first lapses", body = Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds until the first outstanding upload expires"))),
        (status = 460, description = "`checksum-mismatch`: the bytes were discarded", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create(
    State(state): State<AppState>,
    uploader: Uploader,
    headers: HeaderMap,
    body: Body,
) -> Response {
    if let Err(response) = check_version(&headers) {
        return response.into_response();
    }
    if header_str(&headers, "upload-defer-length").is_some() {
        return fail(
            ErrorCode::BadRequest,
            "Upload-Length is required (creation-defer-length is not offered)",
        );
    }
    let Some(length) = header_str(&headers, "upload-length").and_then(|v| v.parse::<u64>().ok())
    else {
        return fail(ErrorCode::BadRequest, "Upload-Length is required");
    };
    if length > MAX_UPLOAD {
        return fail(
            ErrorCode::PayloadTooLarge,
            "the upload is larger than Tus-Max-Size",
        );
    }
    let raw_metadata = header_str(&headers, "upload-metadata")
        .unwrap_or("")
        .to_owned();
    let Ok(metadata) = parse_metadata(&raw_metadata) else {
        return fail(
            ErrorCode::BadRequest,
            "Upload-Metadata is not `key base64` pairs",
        );
    };
    let id = match metadata.get("attachment_id") {
        Some(v) => match Uuid::parse_str(v) {
            Ok(id) => id,
            Err(_) => return fail(ErrorCode::BadRequest, "attachment_id is not a UUID"),
        },
        None => Uuid::now_v7(),
    };
    let now = state.clock.now_ms();
    let lock = state.upload_locks.of(id);
    let _guard = lock.lock().await;
    let existing = match find(&state.db, id).await {
        Ok(row) => row,
        Err(err) => return ApiError::from(err).into_response(),
    };
    let location = format!("/v1/uploads/{id}");
    // An unfinished one that lapsed before housekeeping came is forgotten: the id starts afresh (a client
    // whose upload expired creates it again, and must not be handed the dead one back).
    let existing = match existing {
        Some(row) if row.status == "uploading" && row.expires_at <= now => {
            if let Err(err) = forget_lapsed(&state, &row.id).await {
                return err.into_response();
            }
            None
        }
        other => other,
    };
    if let Some(row) = existing {
        // A retried creation: the same upload, not a second one.
        if !uploader.owns(&row) || row.length != i64::try_from(length).unwrap_or(-1) {
            return fail(ErrorCode::AlreadyExists, "this attachment id is taken");
        }
        let mut out = tus_headers();
        describe(&row, &mut out);
        if let Ok(v) = HeaderValue::from_str(&location) {
            out.insert(header::LOCATION, v);
        }
        return (StatusCode::OK, out).into_response();
    }
    let reserved = reserve(
        &state.db,
        id,
        &uploader,
        length,
        &raw_metadata,
        &metadata,
        now,
    )
    .await;
    match reserved {
        Ok(true) => {}
        Ok(false) => return over_quota(&state, &uploader, now).await,
        Err(err) => return ApiError::from(err).into_response(),
    }
    let created = crate::files::async_options()
        .write(true)
        .create(true)
        .truncate(true)
        .open(path_of(&state, &id.to_string()))
        .await;
    if let Err(err) = created {
        return ApiError::internal(format_args!("create upload file: {err}")).into_response();
    }
    let mut row = match load(&state, &uploader, id, now).await {
        Ok(row) => row,
        Err(err) => return err.into_response(),
    };
    let with_body = header_str(&headers, "content-type") == Some(OFFSET_STREAM);
    if with_body || length == 0 {
        match commit(&state, &uploader, &row, &headers, body, now).await {
            Ok(updated) => row = updated,
            Err(response) => return response,
        }
    }
    let mut out = tus_headers();
    describe(&row, &mut out);
    if let Ok(v) = HeaderValue::from_str(&location) {
        out.insert(header::LOCATION, v);
    }
    (StatusCode::CREATED, out).into_response()
}

/// The refusal of an upload the uploader's quota has no room for: what is held, how to free it,
/// and when the first reservation lapses by itself (`Retry-After`).
async fn over_quota(state: &AppState, uploader: &Uploader, now: i64) -> Response {
    let (count, bytes, first_lapse) = match held(&state.db, uploader, now).await {
        Ok(held) => held,
        Err(err) => return ApiError::from(err).into_response(),
    };
    let wait_s = first_lapse.map_or(1, |at| ((at - now + 999) / 1000).max(1));
    let mib = |b: u64| b / (1024 * 1024);
    let detail = format!(
        "your unfinished and unattached uploads hold {count} of {UPLOAD_QUOTA_COUNT} uploads and \
         {} of {} MiB; put finished photos on a ticket, delete the ones you do not need \
         (DELETE /v1/uploads/{{id}}), or wait until they expire",
        mib(u64::try_from(bytes).unwrap_or(0)),
        mib(UPLOAD_QUOTA_BYTES),
    );
    let refusal = ApiError::new(ErrorCode::UploadQuotaExceeded)
        .detail(detail)
        .retry_after(u64::try_from(wait_s).unwrap_or(1));
    (tus_headers(), refusal).into_response()
}

/// `HEAD /v1/uploads/{id}`: the offset, and the attachment's result once complete.
#[utoipa::path(head, path = "/v1/uploads/{id}", tag = "uploads", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Upload (attachment) id"), ("Tus-Resumable" = String, Header, description = "1.0.0")),
    responses(
        (status = 200, description = "`Upload-Offset`, `Upload-Length`, `Upload-Expires` while unfinished; `Attachment-Id`, `Attachment-Status` (`complete` or `rejected`, with `Attachment-Reason`) once complete; `Cache-Control: no-store`"),
        (status = 404, description = "Unknown, expired, or someone else's"),
    ))]
pub async fn head(
    State(state): State<AppState>,
    uploader: Uploader,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
) -> Response {
    if let Err(response) = check_version(&headers) {
        return response.into_response();
    }
    match load(&state, &uploader, id, state.clock.now_ms()).await {
        Ok(row) => {
            let mut out = tus_headers();
            describe(&row, &mut out);
            out.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            (StatusCode::OK, out).into_response()
        }
        Err(_) => {
            let mut out = tus_headers();
            out.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            (StatusCode::NOT_FOUND, out).into_response()
        }
    }
}

/// `PATCH /v1/uploads/{id}`: appends bytes at `Upload-Offset`.
#[utoipa::path(patch, path = "/v1/uploads/{id}", tag = "uploads", security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Upload (attachment) id"),
        ("Tus-Resumable" = String, Header, description = "1.0.0"),
        ("Upload-Offset" = u64, Header, description = "Must equal the upload's offset"),
        ("Upload-Checksum" = Option<String>, Header, description = "`sha1|sha256 <base64>` of this request's bytes"),
    ),
    request_body(content = Vec<u8>, content_type = "application/offset+octet-stream"),
    responses(
        (status = 204, description = "Appended: the new `Upload-Offset`, `Upload-Expires`; on the last bytes also `Attachment-Id` and `Attachment-Status`"),
        (status = 404, description = "`not-found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`upload-offset-mismatch` (with the current `Upload-Offset`)", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "`unsupported-media-type`", body = Problem, content_type = "application/problem+json"),
        (status = 460, description = "`checksum-mismatch`: the bytes were discarded", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn patch(
    State(state): State<AppState>,
    uploader: Uploader,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
    body: Body,
) -> Response {
    if let Err(response) = check_version(&headers) {
        return response.into_response();
    }
    if header_str(&headers, "content-type") != Some(OFFSET_STREAM) {
        return fail(
            ErrorCode::UnsupportedMediaType,
            "PATCH bodies are application/offset+octet-stream",
        );
    }
    let Some(offset) = header_str(&headers, "upload-offset").and_then(|v| v.parse::<i64>().ok())
    else {
        return fail(ErrorCode::BadRequest, "Upload-Offset is required");
    };
    let now = state.clock.now_ms();
    let lock = state.upload_locks.of(id);
    let _guard = lock.lock().await;
    let row = match load(&state, &uploader, id, now).await {
        Ok(row) => row,
        Err(err) => return (tus_headers(), err).into_response(),
    };
    if offset != row.offset {
        let mut out = tus_headers();
        describe(&row, &mut out);
        return (
            out,
            ApiError::new(ErrorCode::UploadOffsetMismatch)
                .detail("Upload-Offset is not the upload's offset; ask HEAD"),
        )
            .into_response();
    }
    if row.status != "uploading" {
        let mut out = tus_headers();
        describe(&row, &mut out);
        return (StatusCode::NO_CONTENT, out).into_response();
    }
    match commit(&state, &uploader, &row, &headers, body, now).await {
        Ok(updated) => {
            let mut out = tus_headers();
            describe(&updated, &mut out);
            out.insert(
                h("upload-expires"),
                HeaderValue::from_str(&http_date(row.expires_at))
                    .unwrap_or(HeaderValue::from_static("")),
            );
            (StatusCode::NO_CONTENT, out).into_response()
        }
        Err(response) => response,
    }
}

/// `DELETE /v1/uploads/{id}`: termination.
#[utoipa::path(delete, path = "/v1/uploads/{id}", tag = "uploads", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Upload (attachment) id"), ("Tus-Resumable" = String, Header, description = "1.0.0")),
    responses((status = 204, description = "Terminated"), (status = 403, description = "`forbidden`: the photo is on a ticket", body = Problem, content_type = "application/problem+json"), (status = 404, description = "`not-found`", body = Problem, content_type = "application/problem+json")))]
pub async fn delete(
    State(state): State<AppState>,
    uploader: Uploader,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
) -> Response {
    if let Err(response) = check_version(&headers) {
        return response.into_response();
    }
    let lock = state.upload_locks.of(id);
    let _guard = lock.lock().await;
    match load(&state, &uploader, id, state.clock.now_ms()).await {
        Ok(row) => {
            // A photo already on a ticket is part of its record and stays.
            let deleted = delete_unattached(&state.db, &row.id).await;
            match deleted {
                Ok(done) if done.rows_affected() == 0 => {
                    return fail(ErrorCode::Forbidden, "the photo is on a ticket and stays");
                }
                Ok(_) => {}
                Err(err) => return ApiError::from(err).into_response(),
            }
            let _ = tokio::fs::remove_file(path_of(&state, &row.id)).await;
            (StatusCode::NO_CONTENT, tus_headers()).into_response()
        }
        Err(err) => (tus_headers(), err).into_response(),
    }
}

/// `GET /v1/attachments/{id}`: a finished photo's bytes, for whoever may see it: its uploader,
/// the resident whose ticket it is on (their own photos and staff after-photos), and staff for
/// the photos on tickets of the communities they serve. Anyone else gets 404, as if it did not exist. The bytes never change,
/// so the answer is cacheable for good and its `ETag` is the SHA-256.
#[utoipa::path(get, path = "/v1/attachments/{id}", tag = "uploads", security(("bearer" = []), ("staff" = [])),
    params(("id" = Uuid, Path, description = "Attachment id")),
    responses(
        (status = 200, description = "The picture (`image/jpeg`, `image/png` or `image/webp`); `ETag`, `Cache-Control: private, max-age=31536000, immutable`"),
        (status = 304, description = "`If-None-Match` matched"),
        (status = 404, description = "`not-found`: unknown, unfinished, or not yours to see", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn download(
    State(state): State<AppState>,
    viewer: Uploader,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
) -> ApiResult<Response> {
    let seen = seen_by(&state.db, id).await?;
    let allowed = match &viewer {
        Uploader::Resident(user) => {
            let me = user.to_string();
            seen.user_id.as_deref() == Some(me.as_str())
                || seen.ticket_owner.as_deref() == Some(me.as_str())
        }
        Uploader::Staff(staff) => {
            seen.staff_id.as_deref() == Some(staff.id.as_str())
                || seen
                    .ticket_community
                    .as_deref()
                    .is_some_and(|c| staff.serves(c))
        }
    };
    if !allowed {
        return Err(ApiError::not_found());
    }
    let etag = format!("\"{}\"", seen.sha256.unwrap_or_else(|| id.to_string()));
    let mut out = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_str(&etag) {
        out.insert(header::ETAG, v);
    }
    out.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=31536000, immutable"),
    );
    out.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    let matched = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|tag| tag.trim() == etag || tag.trim() == "*")
        });
    if matched {
        return Ok((StatusCode::NOT_MODIFIED, out).into_response());
    }
    let bytes = tokio::fs::read(path_of(&state, &id.to_string()))
        .await
        .map_err(|err| ApiError::internal(format_args!("read attachment: {err}")))?;
    // Only finished uploads the server inspected get here: one of its three formats.
    let kind = match super::attachments::format_of(&bytes) {
        Some(image::ImageFormat::Png) => "image/png",
        Some(image::ImageFormat::WebP) => "image/webp",
        _ => "image/jpeg",
    };
    out.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    Ok((StatusCode::OK, out, bytes).into_response())
}
