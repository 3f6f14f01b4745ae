//! Service tickets on the device: photos prepared at once, the report kept in the outbox,
//! the photos uploaded (resumable, each once) before the report is created (once).
//!
//! Invariants:
//! - A picked photo is prepared immediately (oriented, ≤ 2048 px, metadata stripped) and kept
//!   under the account's `photos/` as `<attachment id>.jpg`; only that file ever leaves the
//!   device. A photo that cannot be used is refused with its own code; the others go on.
//! - Submitting writes one outbox aggregate `ticket/<id>`: an `upload_photo` item per photo,
//!   then the `create_ticket` item. Items of one aggregate go in order, so the report is sent
//!   only after its photos; each upload is keyed by its attachment id on the server, so a
//!   crash at any point resumes the same upload instead of making a second one, and the
//!   report's Idempotency-Key makes its creation happen once. A photo the server refuses blocks
//!   the report until the resident decides.
//! - The ticket shows at once as pending (with per-photo progress) and becomes the server's
//!   ticket once created; each sync replaces the cached tickets with the server's.
//! - A ticket's photos (the resident's own and staff after-photos) show from, in order: the
//!   prepared file while unsent, the account's `attachments/` cache, or the backend
//!   (`GET /v1/attachments/{id}`), whose bytes never change and are then kept. Thumbnails are
//!   made once and kept beside them.
//!
//! Uses [`crate::photo`] to prepare photos, [`crate::tus`] to upload them and
//! [`crate::notify`] for the texts of what staff did; the session's current household
//! ([`crate::auth`]) for what is shown.

mod cache;
pub(crate) use cache::TicketsFeed;
pub(crate) mod outbox;

use std::path::{Path, PathBuf};

use base64::Engine as _;
use linli_wire::ipc::{NewTicket, PhotoDraft, PhotoProgress, TicketView, TicketViewState};
use linli_wire::tickets::{CreateTicket, Ticket, TicketList};
use uuid::Uuid;

use crate::Core;
pub use crate::error::photo_code;
use crate::error::{Error, StorageContext};
use crate::http::Call;
use crate::inner::{Account, Inner};
use crate::outbox::OutboxKind;
use crate::photo::{self, PhotoError};
use crate::store::files;
use crate::sync::Pull;
use crate::tus::UploadState;
use futures::future::BoxFuture;
use linli_wire::sync::EntityKind;

/// Payload version of `upload_photo` items.
pub const UPLOAD_PAYLOAD_VERSION: i64 = 1;
/// Payload version of `create_ticket` items.
pub const CREATE_TICKET_PAYLOAD_VERSION: i64 = 1;

/// What an `upload_photo` outbox item carries.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct UploadPayload {
    /// The attachment id (the upload's key on the server).
    pub attachment_id: Uuid,
    /// Its size.
    pub length: u64,
    /// SHA-256 of the prepared JPEG (hex), checked by the server when complete.
    pub sha256: String,
    /// Where the upload stood when last saved.
    pub state: UploadState,
}

/// The folder of prepared photos of an account.
pub(crate) fn photos_dir(account: &Account) -> PathBuf {
    account.dir.join("photos")
}

fn photo_file(account: &Account, id: Uuid) -> PathBuf {
    photos_dir(account).join(format!("{id}.jpg"))
}

/// `GET /v1/tickets`, replacing the cached tickets and announcing what staff did.
pub(crate) struct TicketsPull;

impl Pull for TicketsPull {
    fn kind(&self) -> EntityKind {
        EntityKind::Ticket
    }

    fn pull<'a>(
        &'a self,
        inner: &'a Inner,
        account: &'a Account,
    ) -> BoxFuture<'a, Result<bool, Error>> {
        Box::pin(inner.pull_tickets(account))
    }
}

impl Core {
    /// Prepares a picked photo now (oriented, ≤ 2048 px, metadata stripped) and keeps it for a
    /// report; a photo that cannot be used gets its own `photo-*` code. Works offline.
    pub async fn prepare_photo(
        &self,
        path: &std::path::Path,
    ) -> Result<linli_wire::ipc::PhotoDraft, Error> {
        let account = self.inner.current_account().await?;
        self.inner.prepare_photo(&account, path).await
    }

    /// Prepares a photo the face read from a file the resident picked (Base64), like
    /// [`Core::prepare_photo`].
    pub async fn prepare_photo_data(
        &self,
        base64_data: &str,
    ) -> Result<linli_wire::ipc::PhotoDraft, Error> {
        use base64::Engine as _;
        let account = self.inner.current_account().await?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(base64_data.trim())
            .map_err(|_| Error::Photo(photo::PhotoError::NotAnImage))?;
        self.inner.prepare_photo_bytes(&account, bytes).await
    }

    /// One of a ticket's photos (the resident's or a staff after-photo) as a `data:` URL: the
    /// thumbnail, or with `full` the whole photo. Kept on the device once fetched.
    pub async fn ticket_photo(&self, id: uuid::Uuid, full: bool) -> Result<String, Error> {
        let account = self.inner.current_account().await?;
        self.inner.ticket_photo(&account, id, full).await
    }

    /// A resident's step on a sent ticket: comment, cancel, confirm, reopen, rate.
    pub async fn ticket_step(
        &self,
        id: linli_wire::TicketId,
        step: linli_wire::ipc::TicketStep,
    ) -> Result<linli_wire::tickets::Ticket, Error> {
        let account = self.inner.current_account().await?;
        self.inner.ticket_step(&account, id, step).await
    }

    /// Decides for a report blocked by a refused photo: send it without, or discard it.
    pub async fn resolve_blocked_ticket(
        &self,
        id: linli_wire::TicketId,
        choice: linli_wire::ipc::BlockedChoice,
    ) -> Result<(), Error> {
        let account = self.inner.current_account().await?;
        self.inner.resolve_blocked(&account, id, choice).await
    }

    /// Queues a report with its prepared photos (sent when online: photos, then the report,
    /// each once). Returns the ticket id.
    pub async fn submit_ticket(
        &self,
        input: linli_wire::ipc::NewTicket,
    ) -> Result<linli_wire::TicketId, Error> {
        let account = self.inner.current_account().await?;
        Ok(linli_wire::TicketId(
            self.inner.submit_ticket(&account, input).await?,
        ))
    }

    /// The household's tickets: queued ones (with photo progress), then the backend's.
    pub async fn tickets(&self) -> Result<Vec<linli_wire::ipc::TicketView>, Error> {
        let account = self.inner.current_account().await?;
        self.inner.ticket_views(&account).await
    }
}

impl Inner {
    /// Prepares a picked photo now and keeps it for the report.
    pub(crate) async fn prepare_photo(
        &self,
        account: &Account,
        path: &Path,
    ) -> Result<PhotoDraft, Error> {
        let bytes = tokio::fs::read(path)
            .await
            .map_err(|_| Error::Photo(PhotoError::NotAnImage))?;
        self.prepare_photo_bytes(account, bytes).await
    }

    /// Prepares a photo's bytes (as the face read them from the file the resident picked).
    pub(crate) async fn prepare_photo_bytes(
        &self,
        account: &Account,
        bytes: Vec<u8>,
    ) -> Result<PhotoDraft, Error> {
        let prepared = tokio::task::spawn_blocking(move || photo::prepare(&bytes))
            .await
            .map_err(|err| Error::Internal(format!("prepare a photo: {err}")))??;
        let id = self.ids.new_id();
        files::dir(&photos_dir(account)).storage("keep the photo")?;
        files::write(&photo_file(account, id), &prepared.jpeg)
            .await
            .storage("keep the photo")?;
        Ok(PhotoDraft {
            id,
            thumbnail: data_url(&prepared.thumb),
            width: prepared.width,
            height: prepared.height,
            bytes: prepared.jpeg.len() as u64,
        })
    }

    /// Queues a ticket and its photos.
    pub(crate) async fn submit_ticket(
        &self,
        account: &Account,
        input: NewTicket,
    ) -> Result<Uuid, Error> {
        let membership = self
            .app
            .household(account.user_id)
            .await?
            .ok_or_else(|| Error::MembershipRequired("choose a household first".into()))?;
        if input.description.trim().chars().count() < 2 {
            return Err(Error::Invalid("describe the problem".into()));
        }
        if input.photo_ids.len() > linli_wire::limits::MAX_PHOTOS {
            return Err(Error::Invalid(format!(
                "at most {} photos",
                linli_wire::limits::MAX_PHOTOS
            )));
        }
        let id = self.ids.new_id();
        let aggregate = format!("ticket/{id}");
        let now = self.now();
        for photo in &input.photo_ids {
            let bytes = tokio::fs::read(photo_file(account, *photo))
                .await
                .map_err(|_| Error::NotFound(format!("photo {photo}")))?;
            let sha256 = {
                use sha2::Digest as _;
                sha2::Sha256::digest(&bytes)
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect::<String>()
            };
            let payload = UploadPayload {
                attachment_id: *photo,
                length: bytes.len() as u64,
                sha256,
                state: UploadState::default(),
            };
            account
                .cache
                .enqueue(
                    self.ids.new_id(),
                    OutboxKind::UploadPhoto,
                    &aggregate,
                    UPLOAD_PAYLOAD_VERSION,
                    &payload,
                    now,
                )
                .await?;
        }
        let request = CreateTicket {
            id: linli_wire::TicketId(id),
            membership_id: membership,
            kind: input.kind,
            category: input.category,
            place: input.place,
            place_note: input.place_note.filter(|n| !n.trim().is_empty()),
            urgency: input.urgency,
            description: input.description.trim().to_owned(),
            visit_windows: input.visit_windows,
            attachment_ids: input.photo_ids,
            anonymous: input.anonymous,
            bill_line_id: input.bill_line_id,
        };
        account
            .cache
            .enqueue(
                id,
                OutboxKind::CreateTicket,
                &aggregate,
                CREATE_TICKET_PAYLOAD_VERSION,
                &request,
                now,
            )
            .await?;
        self.emit_outbox(account).await;
        self.events
            .data_changed(vec![linli_wire::sync::EntityKind::Ticket]);
        self.wake.notify_one();
        Ok(id)
    }

    /// Takes a resident's step on a ticket the backend has, and caches the answer.
    pub(crate) async fn ticket_step(
        &self,
        account: &Account,
        id: linli_wire::TicketId,
        step: linli_wire::ipc::TicketStep,
    ) -> Result<Ticket, Error> {
        use linli_wire::ipc::TicketStep as S;
        let call = match &step {
            S::Comment { text } => Call::post(
                format!("/v1/tickets/{id}/comments"),
                &linli_wire::tickets::TicketComment {
                    text: text.clone(),
                    attachment_ids: Vec::new(),
                },
            )?,
            S::Cancel => Call::post_empty(format!("/v1/tickets/{id}/cancel")),
            S::Confirm => Call::post_empty(format!("/v1/tickets/{id}/confirm")),
            S::Reopen { reason } => Call::post(
                format!("/v1/tickets/{id}/reopen"),
                &linli_wire::tickets::TicketReason {
                    reason: reason.clone(),
                },
            )?,
            S::Rate { rating } => Call::post(format!("/v1/tickets/{id}/rating"), rating)?,
        };
        let ticket: Ticket = self.authed(account, &call).await?.json("the ticket")?;
        account.cache.upsert_ticket(&ticket).await?;
        self.events
            .data_changed(vec![linli_wire::sync::EntityKind::Ticket]);
        Ok(ticket)
    }

    /// The resident's decision on a blocked report: send it without the refused photos, or
    /// drop it (and its prepared photos).
    pub(crate) async fn resolve_blocked(
        &self,
        account: &Account,
        id: linli_wire::TicketId,
        choice: linli_wire::ipc::BlockedChoice,
    ) -> Result<(), Error> {
        let aggregate = format!("ticket/{id}");
        let items = account.cache.unsent_items_of(&aggregate).await?;
        let report = items
            .iter()
            .find(|i| i.kind() == Some(OutboxKind::CreateTicket))
            .ok_or_else(|| Error::NotFound(format!("queued report {id}")))?;
        let mut request: CreateTicket = serde_json::from_str(&report.payload)
            .map_err(|err| Error::Internal(format!("a queued report does not decode: {err}")))?;
        match choice {
            linli_wire::ipc::BlockedChoice::Discard => {
                for photo in &request.attachment_ids {
                    let _ = tokio::fs::remove_file(photo_file(account, *photo)).await;
                }
                account.cache.forget_aggregate(&aggregate).await?;
            }
            linli_wire::ipc::BlockedChoice::SendWithout => {
                let refused: Vec<Uuid> = items
                    .iter()
                    .filter(|i| {
                        i.kind() == Some(OutboxKind::UploadPhoto)
                            && i.state == crate::outbox::OutboxState::Rejected
                    })
                    .filter_map(|i| serde_json::from_str::<UploadPayload>(&i.payload).ok())
                    .map(|p| p.attachment_id)
                    .collect();
                request
                    .attachment_ids
                    .retain(|photo| !refused.contains(photo));
                account.cache.update_payload(report.id, &request).await?;
                account
                    .cache
                    .drop_refused_uploads(&aggregate, self.now())
                    .await?;
            }
        }
        self.emit_outbox(account).await;
        self.events
            .data_changed(vec![linli_wire::sync::EntityKind::Ticket]);
        self.wake.notify_one();
        Ok(())
    }

    /// One of a ticket's photos as a `data:` URL: the 320 px thumbnail, or the whole photo.
    pub(crate) async fn ticket_photo(
        &self,
        account: &Account,
        id: Uuid,
        full: bool,
    ) -> Result<String, Error> {
        let dir = account.dir.join("attachments");
        let kept = dir.join(format!("{id}.jpg"));
        let thumb = dir.join(format!("{id}.thumb.jpg"));
        if !full && let Ok(bytes) = tokio::fs::read(&thumb).await {
            return Ok(data_url(&bytes));
        }
        let bytes = match tokio::fs::read(photo_file(account, id)).await {
            Ok(bytes) => bytes,
            Err(_) => match tokio::fs::read(&kept).await {
                Ok(bytes) => bytes,
                Err(_) => {
                    let reply = self
                        .authed(account, &Call::get(format!("/v1/attachments/{id}")))
                        .await?;
                    let bytes = reply.body().to_vec();
                    write_atomically(&dir, &kept, &bytes).await?;
                    bytes
                }
            },
        };
        if full {
            return Ok(data_url(&bytes));
        }
        let small = tokio::task::spawn_blocking(move || photo::prepare(&bytes).map(|p| p.thumb))
            .await
            .map_err(|err| Error::Internal(format!("make a thumbnail: {err}")))??;
        write_atomically(&dir, &thumb, &small).await?;
        Ok(data_url(&small))
    }

    /// Pulls the resident's tickets.
    pub(crate) async fn pull_tickets(&self, account: &Account) -> Result<bool, Error> {
        let list: TicketList = self
            .get_kept_json(account, Call::get("/v1/tickets"), "the tickets")
            .await?;
        let before = account.cache.all_tickets().await?;
        let changed = account.cache.replace_tickets(&list.items).await?;
        // Announced only once stored: a crash before this point announces it next time. With
        // notifications off, what was new is simply not announced (never later in a burst).
        let wanted = self.app.state().await?.notifications;
        let notices = crate::notify::ticket_notices(&before, &list.items, self.http.locale());
        for notice in notices.into_iter().filter(|_| wanted) {
            self.events.emit(linli_wire::ipc::CoreEvent::Notification {
                title: notice.title,
                body: notice.body,
                ticket_id: notice.ticket,
            });
        }
        Ok(changed)
    }

    /// The household's tickets: queued ones (with photo progress) first, then the server's.
    pub(crate) async fn ticket_views(&self, account: &Account) -> Result<Vec<TicketView>, Error> {
        let Some(membership) = self.app.household(account.user_id).await? else {
            return Ok(Vec::new());
        };
        let items = account.cache.open_items().await?;
        let progress = self
            .upload_progress
            .lock()
            .map(|p| p.clone())
            .unwrap_or_default();
        let cached = account.cache.tickets_of(&membership.to_string()).await?;
        let mut views = Vec::new();
        for item in items
            .iter()
            .filter(|i| i.kind() == Some(OutboxKind::CreateTicket))
            .rev()
        {
            let Ok(request) = serde_json::from_str::<CreateTicket>(&item.payload) else {
                continue;
            };
            if request.membership_id != membership || cached.iter().any(|t| t.id == request.id) {
                continue;
            }
            // Refused uploads included: they show as refused photos.
            let all = account.cache.unsent_items_of(&item.aggregate).await?;
            let siblings: Vec<&crate::outbox::OutboxItem> = all.iter().collect();
            let photos = request
                .attachment_ids
                .iter()
                .map(|photo| {
                    let upload = siblings.iter().find(|i| {
                        i.kind() == Some(OutboxKind::UploadPhoto)
                            && serde_json::from_str::<UploadPayload>(&i.payload)
                                .is_ok_and(|p| p.attachment_id == *photo)
                    });
                    let total = upload
                        .and_then(|u| serde_json::from_str::<UploadPayload>(&u.payload).ok())
                        .map_or(0, |p| p.length);
                    let (sent, state) = match upload {
                        None => (total, "done"),
                        Some(u) if u.state == crate::outbox::OutboxState::Rejected => {
                            (0, "rejected")
                        }
                        Some(_) => (progress.get(photo).map_or(0, |(s, _)| *s), "waiting"),
                    };
                    PhotoProgress {
                        id: *photo,
                        sent,
                        total,
                        state: state.to_owned(),
                    }
                })
                .collect();
            let blocked = item.state == crate::outbox::OutboxState::Blocked
                || siblings
                    .iter()
                    .any(|s| s.state == crate::outbox::OutboxState::Rejected);
            views.push(TicketView {
                id: request.id,
                state: if blocked {
                    TicketViewState::Blocked
                } else {
                    TicketViewState::Pending
                },
                request: Some(request),
                ticket: None,
                photos,
                error: item
                    .last_error_code
                    .or_else(|| siblings.iter().find_map(|s| s.last_error_code)),
            });
        }
        views.extend(cached.into_iter().map(|ticket| TicketView {
            id: ticket.id,
            state: TicketViewState::Sent,
            request: None,
            photos: Vec::new(),
            error: None,
            ticket: Some(ticket),
        }));
        Ok(views)
    }
}

/// A picture as a `data:` URL, typed by its first bytes (prepared photos and thumbnails are
/// JPEG; a backend may also hold PNG or WebP).
fn data_url(picture: &[u8]) -> String {
    let kind = photo::media_type(picture).unwrap_or("image/jpeg");
    format!(
        "data:{kind};base64,{}",
        base64::engine::general_purpose::STANDARD.encode(picture)
    )
}

/// Writes a kept file whole or not at all (a part-file renamed into place), so a crash never
/// leaves half a photo that would then be shown for good.
async fn write_atomically(dir: &Path, path: &Path, bytes: &[u8]) -> Result<(), Error> {
    files::dir(dir).storage("keep a ticket photo")?;
    let part = path.with_extension("part");
    files::write(&part, bytes)
        .await
        .storage("keep a ticket photo")?;
    tokio::fs::rename(&part, path)
        .await
        .storage("keep a ticket photo")?;
    Ok(())
}
