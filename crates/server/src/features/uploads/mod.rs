//! Resumable uploads: tus 1.0.0 at `/v1/uploads` with the creation, creation-with-upload,
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
//! [`handlers`] is the HTTP side; [`tus`] the protocol's pieces; [`store`] the rows and the
//! bytes on disk; [`attachments`] what content is accepted, and the staff desk's after-photos
//! (which the tickets feature's command line files through [`store_staff_photo`]).

pub mod attachments;
pub mod handlers;
pub mod store;
pub mod tus;

pub use attachments::store_staff_photo;
pub use store::{UploadLocks, Uploader, purge_expired};
pub use tus::{MAX_UPLOAD, TUS_VERSION, UPLOAD_TTL_MS};

use crate::AppState;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// This feature's documented routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(handlers::options, handlers::create))
        .routes(routes!(handlers::head, handlers::patch, handlers::delete))
        .routes(routes!(handlers::download))
}
