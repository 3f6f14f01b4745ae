//! Sending queued writes.
//!
//! Sequential and in queue order: the head of each aggregate is sent if it is due, and when it
//! is accepted the next item of that aggregate becomes the head in the same flush. An item is
//! attempted at most once per flush. A network failure stops the flush (nothing else would get
//! through either); so do an ended session and local failures.

use super::policy::{self, OUTBOX_BACKOFF, OutboxEvent, QueuedItem};
use super::{OutboxItem, OutboxKind, READ_MARKS_PAYLOAD_VERSION};
use crate::error::Error;
use crate::http::Call;
use crate::inner::{Account, Inner};
use crate::tickets::UploadPayload;
use crate::tus::{Outcome, TusClient, TusError};
use linli_wire::ErrorCode;
use linli_wire::notices::ReadMarks;
use rand::Rng;
use std::collections::HashSet;
use uuid::Uuid;

/// The request an item stands for, or why it cannot be sent by this build.
fn request_for(item: &OutboxItem) -> Result<Call, String> {
    match item.kind() {
        Some(OutboxKind::NoticeReadMarks) => {
            if item.payload_version != READ_MARKS_PAYLOAD_VERSION {
                return Err(format!("payload version {} unknown", item.payload_version));
            }
            let marks: ReadMarks = serde_json::from_str(&item.payload)
                .map_err(|err| format!("payload does not decode: {err}"))?;
            Call::post("/v1/notices/read-marks", &marks)
                .map(|call| call.idempotent(item.id))
                .map_err(|err| err.to_string())
        }
        Some(OutboxKind::CreatePass) => {
            if item.payload_version != crate::passes::CREATE_PASS_PAYLOAD_VERSION {
                return Err(format!("payload version {} unknown", item.payload_version));
            }
            let request: linli_wire::passes::CreatePass = serde_json::from_str(&item.payload)
                .map_err(|err| format!("payload does not decode: {err}"))?;
            Call::post("/v1/passes", &request)
                .map(|call| call.idempotent(item.id))
                .map_err(|err| err.to_string())
        }
        Some(OutboxKind::CreateTicket) => {
            if item.payload_version != crate::tickets::CREATE_TICKET_PAYLOAD_VERSION {
                return Err(format!("payload version {} unknown", item.payload_version));
            }
            let request: linli_wire::tickets::CreateTicket = serde_json::from_str(&item.payload)
                .map_err(|err| format!("payload does not decode: {err}"))?;
            Call::post("/v1/tickets", &request)
                .map(|call| call.idempotent(item.id))
                .map_err(|err| err.to_string())
        }
        Some(OutboxKind::UploadPhoto) => Err("uploads are not a single request".into()),
        None => Err(format!("kind {:?} unknown to this build", item.kind)),
    }
}

/// Whether the flush goes on after an item.
enum Flow {
    Continue,
    Stop(Error),
}

impl Inner {
    /// Sends what is due; `force` (a manual sync) skips the client's own backoff.
    pub(crate) async fn flush(&self, account: &Account, force: bool) -> Result<(), Error> {
        let mut attempted: HashSet<Uuid> = HashSet::new();
        loop {
            let items = account.cache.open_items().await?;
            let queued: Vec<QueuedItem<'_>> = items
                .iter()
                .map(|item| QueuedItem {
                    aggregate: &item.aggregate,
                    state: item.state,
                    next_attempt_at: item.next_attempt_at,
                    last_error_code: item.last_error_code,
                })
                .collect();
            let due: Vec<&OutboxItem> = policy::due_heads(&queued, self.now(), force)
                .into_iter()
                .filter_map(|index| items.get(index))
                .filter(|item| !attempted.contains(&item.id))
                .collect();
            if due.is_empty() {
                return Ok(());
            }
            for item in due {
                attempted.insert(item.id);
                let flow = self.send_item(account, item).await?;
                self.emit_outbox(account).await;
                if let Flow::Stop(err) = flow {
                    return Err(err);
                }
            }
        }
    }

    async fn send_item(&self, account: &Account, item: &OutboxItem) -> Result<Flow, Error> {
        if item.kind() == Some(OutboxKind::UploadPhoto) {
            return self.send_upload(account, item).await;
        }
        let call = match request_for(item) {
            Ok(call) => call,
            Err(why) => {
                // Left pending: a newer build may send it. Never a crash, never a loop.
                tracing::warn!(id = %item.id, "skipping an outbox item: {why}");
                return Ok(Flow::Continue);
            }
        };
        let now = self.now();
        let state = account
            .cache
            .record_outbox_event(item, OutboxEvent::Send, None, None, now)
            .await?;
        let sent = OutboxItem {
            state,
            attempts: item.attempts.saturating_add(1),
            ..item.clone()
        };
        let result = self.authed(account, &call).await;
        let (event, code, retry_after) = match &result {
            Ok(reply) => (
                policy::event_for_status(reply.status.as_u16(), ErrorCode::Unknown),
                None,
                None,
            ),
            Err(Error::Api {
                status,
                problem,
                retry_after,
            }) => (
                policy::event_for_status(*status, problem.code),
                Some(problem.code),
                *retry_after,
            ),
            Err(Error::Offline(_) | Error::Tls(_) | Error::BadResponse(_)) => {
                let code = result.as_ref().err().map(Error::code);
                (OutboxEvent::RetryLater, code, None)
            }
            Err(
                Error::SessionExpired(_)
                | Error::NotSignedIn
                | Error::KeyringLocked(_)
                | Error::KeyringUnavailable(_)
                | Error::Storage { .. }
                | Error::Internal(_)
                | Error::InsecureUrl(_)
                | Error::NotFound(_)
                | Error::MembershipRequired(_)
                | Error::Invalid(_)
                | Error::Photo(_),
            ) => (OutboxEvent::Interrupted, None, None),
        };
        let next_attempt_at = match event {
            OutboxEvent::RetryLater => {
                let jitter = rand::thread_rng().r#gen::<f64>();
                let delay = OUTBOX_BACKOFF.delay(sent.attempts, jitter, retry_after);
                let delay = chrono::TimeDelta::from_std(delay).unwrap_or(chrono::TimeDelta::MAX);
                Some(self.now() + delay)
            }
            OutboxEvent::Send
            | OutboxEvent::Accepted
            | OutboxEvent::Refused
            | OutboxEvent::Interrupted
            | OutboxEvent::DependencyRefused
            | OutboxEvent::Retried => None,
        };
        if account.has_ended() {
            // The session ended during the send: the cache is gone with the account.
            return Ok(Flow::Stop(
                result
                    .err()
                    .unwrap_or(Error::SessionExpired(ErrorCode::Unauthenticated)),
            ));
        }
        let new_state = account
            .cache
            .record_outbox_event(&sent, event, next_attempt_at, code, self.now())
            .await?;
        tracing::debug!(id = %item.id, kind = %item.kind, ?event, state = new_state.as_str(),
            "outbox item sent");
        match event {
            OutboxEvent::Accepted => {
                if item.kind() == Some(OutboxKind::CreateTicket)
                    && let Ok(reply) = &result
                    && let Ok(ticket) = reply.json::<linli_wire::tickets::Ticket>("the ticket")
                {
                    account.cache.upsert_ticket(&ticket).await?;
                    self.events
                        .data_changed(vec![linli_wire::sync::EntityKind::Ticket]);
                }
                if let (Some(OutboxKind::NoticeReadMarks), Ok(marks)) = (
                    item.kind(),
                    serde_json::from_str::<ReadMarks>(&item.payload),
                ) {
                    account.cache.confirm_read_marks(&marks).await?;
                }
                Ok(Flow::Continue)
            }
            OutboxEvent::Refused => {
                // The projection of this item disappears with its pending state: the cache
                // still holds the server's version, so the UI shows what the server has.
                tracing::warn!(id = %item.id, ?code, "the backend refused a queued write");
                self.events
                    .data_changed(vec![linli_wire::sync::EntityKind::Notice]);
                Ok(Flow::Continue)
            }
            OutboxEvent::RetryLater => match result {
                Err(err @ (Error::Offline(_) | Error::Tls(_))) => Ok(Flow::Stop(err)),
                Err(err @ Error::Api { status: 401, .. }) => Ok(Flow::Stop(err)),
                Ok(_) | Err(_) => Ok(Flow::Continue),
            },
            OutboxEvent::Interrupted => {
                Ok(Flow::Stop(result.err().unwrap_or_else(|| {
                    Error::Internal("interrupted without an error".into())
                })))
            }
            OutboxEvent::Send | OutboxEvent::DependencyRefused | OutboxEvent::Retried => {
                Ok(Flow::Continue)
            }
        }
    }
}

impl Inner {
    /// Uploads one prepared photo (tus), resuming where the server says; a refused photo
    /// blocks the rest of its report until the resident decides.
    async fn send_upload(&self, account: &Account, item: &OutboxItem) -> Result<Flow, Error> {
        let Ok(mut payload) = serde_json::from_str::<UploadPayload>(&item.payload) else {
            tracing::warn!(id = %item.id, "skipping an upload this build cannot read");
            return Ok(Flow::Continue);
        };
        let state = account
            .cache
            .record_outbox_event(item, OutboxEvent::Send, None, None, self.now())
            .await?;
        let sent = OutboxItem {
            state,
            attempts: item.attempts.saturating_add(1),
            ..item.clone()
        };
        let file =
            crate::tickets::photos_dir(account).join(format!("{}.jpg", payload.attachment_id));
        let Ok(bytes) = tokio::fs::read(&file).await else {
            account
                .cache
                .record_outbox_event(
                    &sent,
                    OutboxEvent::Refused,
                    None,
                    Some(ErrorCode::PhotoDamaged),
                    self.now(),
                )
                .await?;
            account
                .cache
                .block_aggregate(&item.aggregate, self.now())
                .await?;
            return Ok(Flow::Continue);
        };
        let token = match self.fresh_access(account).await {
            Ok(token) => token,
            Err(err) => {
                account
                    .cache
                    .record_outbox_event(&sent, OutboxEvent::Interrupted, None, None, self.now())
                    .await?;
                return Ok(Flow::Stop(err));
            }
        };
        let client = TusClient::new(
            self.http.client().clone(),
            Some(token.expose().to_owned()),
            UPLOAD_CHUNK,
        );
        let creation = self.http.endpoint("/v1/uploads");
        let id = payload.attachment_id.to_string();
        let metadata = [
            ("attachment_id", id.as_str()),
            ("content_type", "image/jpeg"),
            ("purpose", "ticket_photo"),
            ("sha256", payload.sha256.as_str()),
        ];
        let attachment = payload.attachment_id;
        let progress = &self.upload_progress;
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
        self.http
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
            Err(TusError::Refused { status, .. }) => {
                tracing::warn!(status, "the server refused an upload");
                (OutboxEvent::Refused, Some(ErrorCode::BadRequest), None)
            }
        };
        let next_attempt_at = (event == OutboxEvent::RetryLater).then(|| {
            let jitter = rand::thread_rng().r#gen::<f64>();
            let delay = OUTBOX_BACKOFF.delay(sent.attempts, jitter, None);
            self.now() + chrono::TimeDelta::from_std(delay).unwrap_or(chrono::TimeDelta::MAX)
        });
        account
            .cache
            .record_outbox_event(&sent, event, next_attempt_at, code, self.now())
            .await?;
        match event {
            OutboxEvent::Refused => {
                account
                    .cache
                    .block_aggregate(&item.aggregate, self.now())
                    .await?;
            }
            // The server has every byte: the device keeps no copy of a sent photo.
            OutboxEvent::Accepted => {
                let _ = tokio::fs::remove_file(&file).await;
            }
            _ => {}
        }
        self.events
            .data_changed(vec![linli_wire::sync::EntityKind::Ticket]);
        Ok(match stop {
            Some(err) => Flow::Stop(err),
            None => Flow::Continue,
        })
    }
}

/// Bytes per PATCH: small enough that a cut costs little on a phone connection.
const UPLOAD_CHUNK: usize = 256 * 1024;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::cache::at;
    use linli_wire::NoticeId;

    fn item(kind: &str, version: i64, payload: &str) -> OutboxItem {
        OutboxItem {
            id: Uuid::now_v7(),
            kind: kind.to_owned(),
            aggregate: "notice/x".to_owned(),
            payload_version: version,
            payload: payload.to_owned(),
            state: super::super::OutboxState::Pending,
            attempts: 0,
            next_attempt_at: at(0),
            last_error_code: None,
        }
    }

    #[test]
    fn unknown_kinds_and_versions_are_not_sent() {
        let marks = serde_json::to_string(&ReadMarks {
            notice_ids: vec![NoticeId(Uuid::now_v7())],
            read_at: at(0),
        })
        .expect("json");
        assert!(request_for(&item("notice_read_marks", 1, &marks)).is_ok());
        assert!(request_for(&item("notice_read_marks", 2, &marks)).is_err());
        assert!(request_for(&item("repair_order", 1, "{}")).is_err());
        assert!(request_for(&item("notice_read_marks", 1, "{")).is_err());
    }
}
