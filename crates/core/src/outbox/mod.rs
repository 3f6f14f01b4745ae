//! The durable queue of writes.
//!
//! A write the resident makes is stored here first (and shown at once by projecting it over
//! the cache), then sent by the flusher, whenever the backend is reachable. Each
//! [`OutboxItem`] has:
//! - `id`: a UUIDv7 from the injected [`crate::IdGen`], sent as `Idempotency-Key: "<id>"`, so
//!   every resend (after a timeout, a crash, a restart) is deduplicated by the server;
//! - `kind` and a versioned JSON `payload` (an item this build cannot read is skipped and
//!   logged, never a crash);
//! - `aggregate`: items of one aggregate are sent in order; a rejected item never blocks;
//! - `state` (`pending → in_flight → done | rejected | blocked`), `attempts`,
//!   `next_attempt_at`, `last_error_code`.
//!
//! The rules (state machine, HTTP outcome → event, backoff) are pure functions in [`policy`].
//! Items left `in_flight` by a killed app go back to `pending` when the account is opened.
//!
//! Kinds ([`OutboxKind`], the spelling stored in the database) belong to their features: each
//! registers a [`handler::KindHandler`] in the crate's `registry` that builds the request from
//! the payload, applies an accepted answer and says what a refusal changes; the runner
//! ([`flush`]) only dispatches. `notice_read_marks` (notices), `create_pass` (passes),
//! `upload_photo` and `create_ticket` (tickets; an upload's dependents go `blocked` when it is
//! refused).

pub mod policy;

pub(crate) mod flush;
pub(crate) mod handler;

use crate::error::{Error, StorageContext};
use crate::store::cache::Cache;
use crate::store::{from_ms, to_ms};
use chrono::{DateTime, Utc};
use linli_wire::ErrorCode;
use sqlx::Row;
use uuid::Uuid;

pub use policy::{Backoff, OutboxEvent, transition};

/// Where an item is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OutboxState {
    /// Waiting to be sent (first time or again).
    Pending,
    /// Being sent right now.
    InFlight,
    /// The backend accepted it.
    Done,
    /// The backend refused it for good; kept for the resident to see.
    Rejected,
    /// Waits for the resident because an item it depends on was refused.
    Blocked,
}

impl OutboxState {
    /// The spelling in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::InFlight => "in_flight",
            Self::Done => "done",
            Self::Rejected => "rejected",
            Self::Blocked => "blocked",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        match text {
            "pending" => Some(Self::Pending),
            "in_flight" => Some(Self::InFlight),
            "done" => Some(Self::Done),
            "rejected" => Some(Self::Rejected),
            "blocked" => Some(Self::Blocked),
            _ => None,
        }
    }
}

/// What an item does. Stored as text; a kind this build does not know is skipped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OutboxKind {
    /// `POST /v1/notices/read-marks` with a `ReadMarks` body (payload version 1).
    NoticeReadMarks,
    /// `POST /v1/passes` with a `CreatePass` body (payload version 1).
    CreatePass,
    /// A tus upload of a prepared photo (an `UploadPayload`, version 1).
    UploadPhoto,
    /// `POST /v1/tickets` with a `CreateTicket` body (payload version 1), after its photos.
    CreateTicket,
}

impl OutboxKind {
    /// The spelling in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NoticeReadMarks => "notice_read_marks",
            Self::CreatePass => "create_pass",
            Self::UploadPhoto => "upload_photo",
            Self::CreateTicket => "create_ticket",
        }
    }

    pub(crate) fn parse(text: &str) -> Option<Self> {
        match text {
            "notice_read_marks" => Some(Self::NoticeReadMarks),
            "create_pass" => Some(Self::CreatePass),
            "upload_photo" => Some(Self::UploadPhoto),
            "create_ticket" => Some(Self::CreateTicket),
            _ => None,
        }
    }
}

/// How long accepted items stay in the table (for diagnostics) before they are pruned.
const KEEP_DONE_FOR: chrono::TimeDelta = chrono::TimeDelta::days(7);

/// One queued write as stored.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct OutboxItem {
    pub(crate) id: Uuid,
    pub(crate) kind: String,
    pub(crate) aggregate: String,
    pub(crate) payload_version: i64,
    pub(crate) payload: String,
    pub(crate) state: OutboxState,
    pub(crate) attempts: u32,
    pub(crate) next_attempt_at: DateTime<Utc>,
    pub(crate) last_error_code: Option<ErrorCode>,
}

impl OutboxItem {
    pub(crate) fn kind(&self) -> Option<OutboxKind> {
        OutboxKind::parse(&self.kind)
    }
}

fn parse_code(text: Option<String>) -> Option<ErrorCode> {
    text.and_then(|t| serde_json::from_value(serde_json::Value::String(t)).ok())
}

/// Counts for `SyncStatus` and `CoreEvent::Outbox`: waiting (pending, in flight) and needing
/// the resident (rejected, blocked).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct OutboxCounts {
    pub(crate) pending: u32,
    pub(crate) rejected: u32,
}

/// Queue operations on one account's cache database.
const ITEM_COLUMNS: &str = "SELECT id, kind, aggregate, payload_version, payload, state, \
    attempts, next_attempt_at_ms, last_error_code FROM outbox";

/// Outbox rows as items; a row this build cannot read is skipped and logged.
fn decode_items(rows: Vec<sqlx::sqlite::SqliteRow>) -> Result<Vec<OutboxItem>, Error> {
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        let id: String = row.try_get("id").storage("read the outbox")?;
        let state: String = row.try_get("state").storage("read the outbox")?;
        let (Ok(id), Some(state)) = (id.parse::<Uuid>(), OutboxState::parse(&state)) else {
            tracing::warn!("skipping an unreadable outbox row {id}");
            continue;
        };
        let attempts: i64 = row.try_get("attempts").storage("read the outbox")?;
        items.push(OutboxItem {
            id,
            kind: row.try_get("kind").storage("read the outbox")?,
            aggregate: row.try_get("aggregate").storage("read the outbox")?,
            payload_version: row.try_get("payload_version").storage("read the outbox")?,
            payload: row.try_get("payload").storage("read the outbox")?,
            state,
            attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
            next_attempt_at: from_ms(
                row.try_get("next_attempt_at_ms")
                    .storage("read the outbox")?,
            ),
            last_error_code: parse_code(row.try_get("last_error_code").storage("read the outbox")?),
        });
    }
    Ok(items)
}

impl Cache {
    /// Adds an item in state `pending`, due now.
    pub(crate) async fn enqueue(
        &self,
        id: Uuid,
        kind: OutboxKind,
        aggregate: &str,
        payload_version: i64,
        payload: &impl serde::Serialize,
        now: DateTime<Utc>,
    ) -> Result<(), Error> {
        let payload = serde_json::to_string(payload)
            .map_err(|err| Error::Internal(format!("encode an outbox payload: {err}")))?;
        sqlx::query(
            "INSERT INTO outbox (id, kind, aggregate, payload_version, payload, state, attempts,
             next_attempt_at_ms, created_at_ms, updated_at_ms)
             VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?)",
        )
        .bind(id.to_string())
        .bind(kind.as_str())
        .bind(aggregate)
        .bind(payload_version)
        .bind(payload)
        .bind(to_ms(now))
        .bind(to_ms(now))
        .bind(to_ms(now))
        .execute(&self.pool)
        .await
        .storage("queue a write")?;
        Ok(())
    }

    /// At open: items left in flight by a killed app are sent again (same key), and old
    /// accepted items are pruned.
    pub(crate) async fn recover_outbox(&self, now: DateTime<Utc>) -> Result<u64, Error> {
        let recovered = sqlx::query(
            "UPDATE outbox SET state = 'pending', updated_at_ms = ? WHERE state = 'in_flight'",
        )
        .bind(to_ms(now))
        .execute(&self.pool)
        .await
        .storage("recover interrupted writes")?
        .rows_affected();
        sqlx::query("DELETE FROM outbox WHERE state = 'done' AND updated_at_ms < ?")
            .bind(to_ms(now - KEEP_DONE_FOR))
            .execute(&self.pool)
            .await
            .storage("prune sent writes")?;
        Ok(recovered)
    }

    /// Every item still to be sent or decided on (pending, in flight, blocked), in queue order.
    pub(crate) async fn open_items(&self) -> Result<Vec<OutboxItem>, Error> {
        let rows = sqlx::query(&format!(
            "{ITEM_COLUMNS} WHERE state IN ('pending', 'in_flight', 'blocked') ORDER BY seq"
        ))
        .fetch_all(&self.pool)
        .await
        .storage("read the outbox")?;
        decode_items(rows)
    }

    /// Every item of an aggregate not yet accepted, refused ones included.
    pub(crate) async fn unsent_items_of(&self, aggregate: &str) -> Result<Vec<OutboxItem>, Error> {
        let rows = sqlx::query(&format!(
            "{ITEM_COLUMNS} WHERE aggregate = ? AND state != 'done' ORDER BY seq"
        ))
        .bind(aggregate)
        .fetch_all(&self.pool)
        .await
        .storage("read the outbox")?;
        decode_items(rows)
    }

    /// Moves `item` along `event` (checked by [`transition`]); answers the new state. The
    /// update only applies if the row is still in the state the caller saw.
    /// Rewrites an item's payload (an upload's saved progress).
    pub(crate) async fn update_payload(
        &self,
        id: Uuid,
        payload: &impl serde::Serialize,
    ) -> Result<(), Error> {
        let json = serde_json::to_string(payload)
            .map_err(|err| Error::Internal(format!("encode a payload: {err}")))?;
        sqlx::query("UPDATE outbox SET payload = ? WHERE id = ?")
            .bind(json)
            .bind(id.to_string())
            .execute(&self.pool)
            .await
            .storage("save upload progress")?;
        Ok(())
    }

    /// Removes every unsent item of an aggregate (a report the resident discarded).
    pub(crate) async fn forget_aggregate(&self, aggregate: &str) -> Result<(), Error> {
        sqlx::query("DELETE FROM outbox WHERE aggregate = ? AND state != 'done'")
            .bind(aggregate)
            .execute(&self.pool)
            .await
            .storage("discard a queued report")?;
        Ok(())
    }

    /// Blocks the pending items of an aggregate (an item they depend on was refused).
    pub(crate) async fn block_aggregate(
        &self,
        aggregate: &str,
        now: DateTime<Utc>,
    ) -> Result<(), Error> {
        sqlx::query(
            "UPDATE outbox SET state = 'blocked', updated_at_ms = ?
             WHERE aggregate = ? AND state = 'pending'",
        )
        .bind(to_ms(now))
        .bind(aggregate)
        .execute(&self.pool)
        .await
        .storage("block a queued report")?;
        Ok(())
    }

    pub(crate) async fn record_outbox_event(
        &self,
        item: &OutboxItem,
        event: OutboxEvent,
        next_attempt_at: Option<DateTime<Utc>>,
        error_code: Option<ErrorCode>,
        now: DateTime<Utc>,
    ) -> Result<OutboxState, Error> {
        let Some(next) = transition(item.state, event) else {
            return Err(Error::Internal(format!(
                "outbox item {} cannot go from {} on {event:?}",
                item.id,
                item.state.as_str()
            )));
        };
        let attempts_add = i64::from(event == OutboxEvent::Send);
        let updated = sqlx::query(
            "UPDATE outbox SET state = ?, attempts = attempts + ?,
             next_attempt_at_ms = COALESCE(?, next_attempt_at_ms),
             last_error_code = COALESCE(?, last_error_code), updated_at_ms = ?
             WHERE id = ? AND state = ?",
        )
        .bind(next.as_str())
        .bind(attempts_add)
        .bind(next_attempt_at.map(to_ms))
        .bind(error_code.map(ErrorCode::as_str))
        .bind(to_ms(now))
        .bind(item.id.to_string())
        .bind(item.state.as_str())
        .execute(&self.pool)
        .await
        .storage("update the outbox")?;
        if updated.rows_affected() == 0 {
            // Flushes are serialised, so nobody else moves items: this is a bug.
            return Err(Error::Internal(format!(
                "outbox item {} was no longer {}",
                item.id,
                item.state.as_str()
            )));
        }
        Ok(next)
    }

    pub(crate) async fn outbox_counts(&self) -> Result<OutboxCounts, Error> {
        let row = sqlx::query(
            "SELECT
               COALESCE(SUM(state IN ('pending', 'in_flight')), 0) AS pending,
               COALESCE(SUM(state IN ('rejected', 'blocked')), 0) AS rejected
             FROM outbox",
        )
        .fetch_one(&self.pool)
        .await
        .storage("count the outbox")?;
        let pending: i64 = row.try_get("pending").storage("count the outbox")?;
        let rejected: i64 = row.try_get("rejected").storage("count the outbox")?;
        Ok(OutboxCounts {
            pending: u32::try_from(pending).unwrap_or(u32::MAX),
            rejected: u32::try_from(rejected).unwrap_or(u32::MAX),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::cache::at;
    use linli_wire::NoticeId;
    use linli_wire::notices::ReadMarks;

    #[tokio::test]
    async fn queue_lifecycle_and_crash_recovery() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = Cache::open(&dir.path().join("cache.db"))
            .await
            .expect("open");
        let marks = ReadMarks {
            notice_ids: vec![NoticeId(Uuid::now_v7())],
            read_at: at(1_000),
        };
        let id = Uuid::now_v7();
        cache
            .enqueue(
                id,
                OutboxKind::NoticeReadMarks,
                "notice/x",
                1,
                &marks,
                at(1_000),
            )
            .await
            .expect("enqueue");
        assert_eq!(
            cache.pending_read_marks().await.expect("marks"),
            vec![marks.clone()]
        );
        assert_eq!(
            cache.outbox_counts().await.expect("counts"),
            OutboxCounts {
                pending: 1,
                rejected: 0
            }
        );

        let item = cache.open_items().await.expect("items").remove(0);
        let state = cache
            .record_outbox_event(&item, OutboxEvent::Send, None, None, at(2_000))
            .await
            .expect("send");
        assert_eq!(state, OutboxState::InFlight);

        // The app dies here. On the next open the item is pending again, same id.
        assert_eq!(cache.recover_outbox(at(3_000)).await.expect("recover"), 1);
        let item = cache.open_items().await.expect("items").remove(0);
        assert_eq!(
            (item.id, item.state, item.attempts),
            (id, OutboxState::Pending, 1)
        );

        let item = OutboxItem {
            state: cache
                .record_outbox_event(&item, OutboxEvent::Send, None, None, at(4_000))
                .await
                .expect("send"),
            ..item
        };
        cache
            .record_outbox_event(
                &item,
                OutboxEvent::Refused,
                None,
                Some(ErrorCode::ValidationFailed),
                at(5_000),
            )
            .await
            .expect("refuse");
        assert!(cache.open_items().await.expect("items").is_empty());
        assert!(
            cache.pending_read_marks().await.expect("marks").is_empty(),
            "a refused mark is no longer projected: the notice shows as the server has it"
        );
        assert_eq!(
            cache.outbox_counts().await.expect("counts"),
            OutboxCounts {
                pending: 0,
                rejected: 1
            },
            "the refused item is kept for the UI"
        );
        let err = cache
            .record_outbox_event(&item, OutboxEvent::Accepted, None, None, at(6_000))
            .await;
        assert!(
            err.is_err(),
            "stale state: the guarded UPDATE changes nothing and says so"
        );
        cache.close().await;
    }
}
