//! Tickets' queued writes: each photo's `upload_photo` item (a resumable tus upload, sent
//! by its handler itself, not as one request) and the report's `create_ticket` item, which
//! follows its photos in the aggregate `ticket/<id>`. A created ticket goes into the cache at
//! once; a refused photo blocks the rest of its report until the resident decides.

use super::{CREATE_TICKET_PAYLOAD_VERSION, UploadPayload};
use crate::error::{Error, StorageContext};
use crate::http::{Call, Reply};
use crate::inner::{Account, Inner};
use crate::outbox::handler::{Flow, KindHandler, post_payload};
use crate::outbox::policy::{OUTBOX_BACKOFF, OutboxEvent};
use crate::outbox::{OutboxItem, OutboxKind};
use crate::store::cache::Cache;
use crate::store::to_ms;
use crate::tus::{Outcome, TusClient, TusError};
use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use linli_wire::ErrorCode;
use linli_wire::sync::EntityKind;
use linli_wire::tickets::{CreateTicket, Ticket};
use rand::Rng;

/// `create_ticket`: `POST /v1/tickets`, after the report's photos.
pub(crate) struct CreateTicketKind;

impl KindHandler for CreateTicketKind {
    fn kind(&self) -> OutboxKind {
        OutboxKind::CreateTicket
    }

    fn request(&self, item: &OutboxItem) -> Result<Call, String> {
        post_payload::<CreateTicket>(item, CREATE_TICKET_PAYLOAD_VERSION, "/v1/tickets")
    }

    fn accepted<'a>(
        &'a self,
        inner: &'a Inner,
        account: &'a Account,
        _item: &'a OutboxItem,
        reply: &'a Reply,
    ) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            // The created ticket replaces the pending one at once, before the next pull.
            if let Ok(ticket) = reply.json::<Ticket>("the ticket") {
                account.cache.upsert_ticket(&ticket).await?;
                inner.events.data_changed(vec![EntityKind::Ticket]);
            }
            Ok(())
        })
    }

    fn refused_changes(&self) -> &'static [EntityKind] {
        // What the runner announced for every refused request before kinds had handlers;
        // kept unchanged by the restructure.
        &[EntityKind::Notice]
    }
}

/// `upload_photo`: a tus upload of one prepared photo; it records its own outcome.
pub(crate) struct UploadPhotoKind;

impl KindHandler for UploadPhotoKind {
    fn kind(&self) -> OutboxKind {
        OutboxKind::UploadPhoto
    }

    fn request(&self, _item: &OutboxItem) -> Result<Call, String> {
        Err("uploads are not a single request".into())
    }

    fn accepted<'a>(
        &'a self,
        _inner: &'a Inner,
        _account: &'a Account,
        _item: &'a OutboxItem,
        _reply: &'a Reply,
    ) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async { Ok(()) })
    }

    fn refused_changes(&self) -> &'static [EntityKind] {
        &[EntityKind::Ticket]
    }

    fn send_itself<'a>(
        &'a self,
        inner: &'a Inner,
        account: &'a Account,
        item: &'a OutboxItem,
    ) -> Option<BoxFuture<'a, Result<Flow, Error>>> {
        Some(Box::pin(send_upload(inner, account, item)))
    }
}

/// Uploads one prepared photo (tus), resuming where the server says; a refused photo
/// blocks the rest of its report until the resident decides.
async fn send_upload(inner: &Inner, account: &Account, item: &OutboxItem) -> Result<Flow, Error> {
    let Ok(mut payload) = serde_json::from_str::<UploadPayload>(&item.payload) else {
        tracing::warn!(id = %item.id, "skipping an upload this build cannot read");
        return Ok(Flow::Continue);
    };
    let state = account
        .cache
        .record_outbox_event(item, OutboxEvent::Send, None, None, inner.now())
        .await?;
    let sent = OutboxItem {
        state,
        attempts: item.attempts.saturating_add(1),
        ..item.clone()
    };
    let file = super::photos_dir(account).join(format!("{}.jpg", payload.attachment_id));
    let Ok(bytes) = tokio::fs::read(&file).await else {
        account
            .cache
            .record_outbox_event(
                &sent,
                OutboxEvent::Refused,
                None,
                Some(ErrorCode::PhotoDamaged),
                inner.now(),
            )
            .await?;
        account
            .cache
            .block_aggregate(&item.aggregate, inner.now())
            .await?;
        return Ok(Flow::Continue);
    };
    let token = match inner.fresh_access(account).await {
        Ok(token) => token,
        Err(err) => {
            account
                .cache
                .record_outbox_event(&sent, OutboxEvent::Interrupted, None, None, inner.now())
                .await?;
            return Ok(Flow::Stop(err));
        }
    };
    let client = TusClient::new(
        inner.http.client()?,
        Some(token.expose().to_owned()),
        UPLOAD_CHUNK,
    );
    let creation = inner.http.endpoint("/v1/uploads")?;
    let id = payload.attachment_id.to_string();
    let metadata = [
        ("attachment_id", id.as_str()),
        ("content_type", "image/jpeg"),
        ("purpose", "ticket_photo"),
        ("sha256", payload.sha256.as_str()),
    ];
    let attachment = payload.attachment_id;
    let progress = &inner.upload_progress;
    let result = client
        .upload(
            &creation,
            &metadata,
            &bytes,
            &mut payload.state,
            |done, total| {
                if let Ok(mut map) = progress.lock() {
                    map.insert(attachment, (done, total));
                }
                std::ops::ControlFlow::Continue(())
            },
        )
        .await;
    account.cache.update_payload(item.id, &payload).await?;
    // The tus client talks to the backend too: what it saw is the connectivity.
    inner
        .http
        .set_online(!matches!(result, Err(TusError::Offline(_))));
    let (event, code, stop) = match &result {
        Ok(Outcome::Complete) => (OutboxEvent::Accepted, None, None),
        Ok(Outcome::Rejected(reason)) => {
            tracing::warn!(%reason, "the server refused a photo");
            (OutboxEvent::Refused, Some(ErrorCode::PhotoDamaged), None)
        }
        Ok(Outcome::Paused) => (OutboxEvent::RetryLater, None, None),
        Err(TusError::Offline(why)) => (
            OutboxEvent::RetryLater,
            Some(ErrorCode::Offline),
            Some(Error::Offline(why.clone())),
        ),
        Err(TusError::Refused { status: 401, .. }) => (
            OutboxEvent::RetryLater,
            Some(ErrorCode::Unauthenticated),
            None,
        ),
        // The resident's outstanding uploads fill the server's quota: earlier photos free it
        // when their report is sent or they expire, so this one waits, not a blocked report.
        Err(TusError::Refused { status: 429, .. }) => (
            OutboxEvent::RetryLater,
            Some(ErrorCode::UploadQuotaExceeded),
            None,
        ),
        Err(TusError::OtherOrigin { location }) => {
            tracing::warn!(%location, "the server named an upload URL on another origin");
            (OutboxEvent::Refused, Some(ErrorCode::BadRequest), None)
        }
        Err(TusError::Refused { status, .. }) => {
            tracing::warn!(status, "the server refused an upload");
            (OutboxEvent::Refused, Some(ErrorCode::BadRequest), None)
        }
    };
    let next_attempt_at = (event == OutboxEvent::RetryLater).then(|| {
        let jitter = rand::thread_rng().r#gen::<f64>();
        let delay = OUTBOX_BACKOFF.delay(sent.attempts, jitter, None);
        inner.now() + chrono::TimeDelta::from_std(delay).unwrap_or(chrono::TimeDelta::MAX)
    });
    account
        .cache
        .record_outbox_event(&sent, event, next_attempt_at, code, inner.now())
        .await?;
    match event {
        OutboxEvent::Refused => {
            account
                .cache
                .block_aggregate(&item.aggregate, inner.now())
                .await?;
        }
        // The server has every byte: the device keeps no copy of a sent photo.
        OutboxEvent::Accepted => {
            let _ = tokio::fs::remove_file(&file).await;
        }
        _ => {}
    }
    inner
        .events
        .data_changed(vec![linli_wire::sync::EntityKind::Ticket]);
    Ok(match stop {
        Some(err) => Flow::Stop(err),
        None => Flow::Continue,
    })
}

/// Bytes per PATCH: small enough that a cut costs little on a phone connection.
const UPLOAD_CHUNK: usize = 256 * 1024;

impl Cache {
    /// Drops an aggregate's refused uploads and lets its blocked items go again.
    pub(crate) async fn drop_refused_uploads(
        &self,
        aggregate: &str,
        now: DateTime<Utc>,
    ) -> Result<(), Error> {
        let mut tx = crate::store::write_tx(&self.pool)
            .await
            .storage("resume a queued report")?;
        sqlx::query("DELETE FROM outbox WHERE aggregate = ? AND kind = ? AND state = 'rejected'")
            .bind(aggregate)
            .bind(OutboxKind::UploadPhoto.as_str())
            .execute(&mut *tx)
            .await
            .storage("resume a queued report")?;
        sqlx::query(
            "UPDATE outbox SET state = 'pending', next_attempt_at_ms = ?, updated_at_ms = ?
             WHERE aggregate = ? AND state = 'blocked'",
        )
        .bind(to_ms(now))
        .bind(to_ms(now))
        .bind(aggregate)
        .execute(&mut *tx)
        .await
        .storage("resume a queued report")?;
        tx.commit().await.storage("resume a queued report")?;
        Ok(())
    }
}
