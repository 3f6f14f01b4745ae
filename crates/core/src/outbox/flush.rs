//! Sending queued writes.
//!
//! Sequential and in queue order: the head of each aggregate is sent if it is due, and when it
//! is accepted the next item of that aggregate becomes the head in the same flush. An item is
//! attempted at most once per flush. A network failure stops the flush (nothing else would get
//! through either); so do an ended session and local failures. What each kind sends and what
//! its answer changes is its feature's [`super::handler::KindHandler`]; this runner only
//! dispatches, records the state machine's events and paces retries.

use super::OutboxItem;
use super::handler::{Flow, Handlers};
use super::policy::{self, OUTBOX_BACKOFF, OutboxEvent, QueuedItem};
use crate::error::Error;
use crate::inner::{Account, Inner};
use linli_wire::ErrorCode;
use rand::Rng;
use std::collections::HashSet;
use uuid::Uuid;

impl Inner {
    /// Sends what is due; `force` (a manual sync) skips the client's own backoff.
    pub(crate) async fn flush(
        &self,
        account: &Account,
        force: bool,
        handlers: &Handlers,
    ) -> Result<(), Error> {
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
                let flow = self.send_item(account, item, handlers).await?;
                self.emit_outbox(account).await;
                if let Flow::Stop(err) = flow {
                    return Err(err);
                }
            }
        }
    }

    async fn send_item(
        &self,
        account: &Account,
        item: &OutboxItem,
        handlers: &Handlers,
    ) -> Result<Flow, Error> {
        let call = match handlers.for_item(item) {
            Ok(handler) => match handler.send_itself(self, account, item) {
                Some(sending) => return sending.await,
                None => handler.request(item).map(|call| (handler, call)),
            },
            Err(why) => Err(why),
        };
        let (handler, call) = match call {
            Ok(found) => found,
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
                | Error::Photo(_)
                | Error::NoBackend
                | Error::JoinLink(_)
                | Error::QrNotFound
                | Error::PinMismatch(_)
                | Error::NotNow(_),
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
                if let Ok(reply) = &result {
                    handler.accepted(self, account, item, reply).await?;
                }
                Ok(Flow::Continue)
            }
            OutboxEvent::Refused => {
                // The projection of this item disappears with its pending state: the cache
                // still holds the server's version, so the UI shows what the server has.
                tracing::warn!(id = %item.id, ?code, "the backend refused a queued write");
                self.events.data_changed(handler.refused_changes().to_vec());
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
