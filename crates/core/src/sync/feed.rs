//! The server's change feed: decoding its pages and applying them to the cache.
//!
//! `GET /v1/sync/changes?cursor=` from the stored cursor (none: bootstrap). Each page is
//! applied in one transaction together with its `next_cursor`, so a sync cut short by the
//! network resumes where it stopped. Unknown kinds and operations are skipped (the feed is
//! open); an entity that does not decode is skipped with a warning. A 410
//! `sync-cursor-expired` drops the cursor and bootstraps again; the first bootstrap page
//! empties the feed's tables in the same transaction.
//!
//! Decoding follows the contract (which entity kinds the feed carries); storing is each
//! feature's: a [`FeedTable`] per kind (notices, memberships, tickets, passes), listed in
//! [`crate::registry`]. A change without an entity (`bill`, `home_request`: "re-read those
//! lists") is [`CacheChange::ListsChanged`]; the pull loop runs the [`super::Pull`]s that
//! answer to its kind. A bootstrap's wipe also forgets the kept answers of lists read whole
//! ([`super::lists`]), so they are read afresh.

use crate::error::Error;
use crate::error::StorageContext;
use crate::http::Call;
use crate::inner::{Account, Inner};
use crate::store::cache::Cache;
use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use linli_wire::ipc::{CoreEvent, Locale};
use linli_wire::me::Membership;
use linli_wire::notices::Notice;
use linli_wire::passes::VisitorPass;
use linli_wire::sync::{Change, ChangeOp, EntityKind};
use linli_wire::tickets::Ticket;
use serde::Deserialize;
use sqlx::SqliteConnection;
use uuid::Uuid;

/// Changes per page: small enough for a slow phone network, large enough for a bootstrap.
const PAGE_LIMIT: u32 = 200;
/// A feed that keeps saying `has_more` this often is broken; stop and try next time.
const MAX_PAGES_PER_SYNC: usize = 1_000;

/// Whether a pull had to start the feed over (after a 410).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Bootstrap {
    Continued,
    Again,
}

/// One change to apply, already decoded from the feed.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum CacheChange {
    UpsertNotice(Box<Notice>),
    DeleteNotice(Uuid),
    UpsertMembership(Box<Membership>),
    DeleteMembership(Uuid),
    /// A ticket and the feed's version of it.
    UpsertTicket(Box<Ticket>, i64),
    DeleteTicket(Uuid),
    /// A pass and the feed's version of it.
    UpsertPass(Box<VisitorPass>, i64),
    DeletePass(Uuid),
    /// The lists of this kind changed: re-read them (no table stores this).
    ListsChanged(EntityKind),
}

/// What applying a page has to say beyond the kinds it changed: notifications (a staff step
/// on a ticket), in the resident's language; emitted once the page is stored.
#[derive(Debug)]
pub(crate) struct FeedNotes {
    pub(crate) locale: Locale,
    pub(crate) events: Vec<CoreEvent>,
}

impl FeedNotes {
    /// Notes nobody reads (tests of the tables, the benchmarks' seeding).
    pub(crate) fn quiet() -> Self {
        Self {
            locale: Locale::ZhCn,
            events: Vec::new(),
        }
    }
}

/// A feature's table that the change feed writes into.
pub(crate) trait FeedTable: Sync {
    /// Stores `change` if it is this table's, inside the page's transaction; answers the
    /// kind it changed (`None`: not this table's).
    fn apply<'a>(
        &'a self,
        conn: &'a mut SqliteConnection,
        change: &'a CacheChange,
        notes: &'a mut FeedNotes,
    ) -> BoxFuture<'a, Result<Option<EntityKind>, Error>>;

    /// Empties the table before a new bootstrap (same transaction), or leaves it to the list
    /// read whole after the bootstrap (which replaces it); answers its kind.
    fn wipe<'a>(
        &'a self,
        conn: &'a mut SqliteConnection,
    ) -> BoxFuture<'a, Result<EntityKind, Error>>;
}

/// One row of a feature's table of entities kept as JSON (`id`, `membership_id`,
/// `created_at_ms`, `data`, `version`: tickets, passes), as the feed stores it.
pub(crate) struct VersionedRow {
    pub(crate) table: &'static str,
    pub(crate) id: String,
    pub(crate) membership: String,
    pub(crate) created_at_ms: i64,
    pub(crate) data: String,
    pub(crate) version: i64,
}

impl VersionedRow {
    /// Stores the row unless the table holds a newer version of it; answers the data it
    /// replaced (`Some(None)`: it was new; `None`: an older version, ignored).
    pub(crate) async fn upsert(
        &self,
        conn: &mut SqliteConnection,
    ) -> Result<Option<Option<String>>, Error> {
        let table = self.table;
        let old: Option<(String, i64)> =
            sqlx::query_as(&format!("SELECT data, version FROM {table} WHERE id = ?"))
                .bind(&self.id)
                .fetch_optional(&mut *conn)
                .await
                .storage("read a synced row")?;
        if old
            .as_ref()
            .is_some_and(|(_, version)| *version > self.version)
        {
            return Ok(None);
        }
        sqlx::query(&format!(
            "INSERT INTO {table} (id, membership_id, created_at_ms, data, version)
             VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET membership_id = excluded.membership_id,
                 data = excluded.data, version = excluded.version"
        ))
        .bind(&self.id)
        .bind(&self.membership)
        .bind(self.created_at_ms)
        .bind(&self.data)
        .bind(self.version)
        .execute(&mut *conn)
        .await
        .storage("store a synced row")?;
        Ok(Some(old.map(|(data, _)| data)))
    }
}

/// Deletes row `id` of `table` (a tombstone); answers whether there was one.
pub(crate) async fn delete_row(
    conn: &mut SqliteConnection,
    table: &'static str,
    id: Uuid,
) -> Result<bool, Error> {
    let gone = sqlx::query(&format!("DELETE FROM {table} WHERE id = ?"))
        .bind(id.to_string())
        .execute(conn)
        .await
        .storage("delete a synced row")?
        .rows_affected();
    Ok(gone > 0)
}

/// The tables the feed writes, in the order a bootstrap empties them.
pub(crate) struct FeedTables(pub(crate) &'static [&'static dyn FeedTable]);

impl Cache {
    pub(crate) async fn cursor(&self) -> Result<Option<String>, Error> {
        let cursor: Option<String> =
            sqlx::query_scalar("SELECT cursor FROM sync_state WHERE id = 1")
                .fetch_one(&self.pool)
                .await
                .storage("read the sync cursor")?;
        Ok(cursor)
    }

    pub(crate) async fn last_synced_at(&self) -> Result<Option<DateTime<Utc>>, Error> {
        let at: Option<String> =
            sqlx::query_scalar("SELECT last_synced_at FROM sync_state WHERE id = 1")
                .fetch_one(&self.pool)
                .await
                .storage("read the sync state")?;
        Ok(at
            .and_then(|at| DateTime::parse_from_rfc3339(&at).ok())
            .map(|at| at.with_timezone(&Utc)))
    }

    pub(crate) async fn set_synced(&self, now: DateTime<Utc>) -> Result<(), Error> {
        sqlx::query("UPDATE sync_state SET last_synced_at = ? WHERE id = 1")
            .bind(now.to_rfc3339())
            .execute(&self.pool)
            .await
            .storage("save the sync time")?;
        Ok(())
    }

    /// Applies one feed page and stores its cursor, all in one transaction. With `wipe_first`
    /// (after a 410) the feed's tables are emptied first, in the same transaction, so the UI
    /// never sees an empty cache in between. Answers the kinds that changed.
    pub(crate) async fn apply_page(
        &self,
        changes: &[CacheChange],
        next_cursor: &str,
        wipe_first: bool,
        tables: &FeedTables,
        notes: &mut FeedNotes,
    ) -> Result<Vec<EntityKind>, Error> {
        let mut kinds = Vec::new();
        let mut note = |kind: EntityKind| {
            if !kinds.contains(&kind) {
                kinds.push(kind);
            }
        };
        let mut tx = crate::store::write_tx(&self.pool)
            .await
            .storage("apply synced changes")?;
        if wipe_first {
            for table in tables.0 {
                note(table.wipe(&mut tx).await?);
            }
            super::lists::forget_kept(&mut tx).await?;
        }
        for change in changes {
            for table in tables.0 {
                if let Some(kind) = table.apply(&mut tx, change, notes).await? {
                    note(kind);
                    break;
                }
            }
        }
        sqlx::query("UPDATE sync_state SET cursor = ? WHERE id = 1")
            .bind(next_cursor)
            .execute(&mut *tx)
            .await
            .storage("save the sync cursor")?;
        tx.commit().await.storage("apply synced changes")?;
        Ok(kinds)
    }
}

/// A feed page read leniently: one malformed change must not fail the page.
#[derive(Deserialize)]
struct LenientFeed {
    changes: Vec<serde_json::Value>,
    next_cursor: String,
    has_more: bool,
}

/// The changes of a page this build understands.
pub(crate) fn decode_changes(raw: Vec<serde_json::Value>) -> Vec<CacheChange> {
    let mut out = Vec::with_capacity(raw.len());
    for value in raw {
        let change: Change = match serde_json::from_value(value) {
            Ok(change) => change,
            Err(err) => {
                tracing::warn!("skipping a malformed change: {err}");
                continue;
            }
        };
        let decoded = match (change.kind, change.op) {
            (EntityKind::Notice, ChangeOp::Upsert) => {
                decode_entity::<Notice>(change.data, "notice")
                    .map(|notice| CacheChange::UpsertNotice(Box::new(notice)))
            }
            (EntityKind::Notice, ChangeOp::Delete) => Some(CacheChange::DeleteNotice(change.id)),
            (EntityKind::Membership, ChangeOp::Upsert) => {
                decode_entity::<Membership>(change.data, "household")
                    .map(|membership| CacheChange::UpsertMembership(Box::new(membership)))
            }
            (EntityKind::Membership, ChangeOp::Delete) => {
                Some(CacheChange::DeleteMembership(change.id))
            }
            (EntityKind::Ticket, ChangeOp::Upsert) => {
                decode_entity::<Ticket>(change.data, "ticket")
                    .map(|ticket| CacheChange::UpsertTicket(Box::new(ticket), change.version))
            }
            (EntityKind::Ticket, ChangeOp::Delete) => Some(CacheChange::DeleteTicket(change.id)),
            (EntityKind::Pass, ChangeOp::Upsert) => {
                decode_entity::<VisitorPass>(change.data, "pass")
                    .map(|pass| CacheChange::UpsertPass(Box::new(pass), change.version))
            }
            (EntityKind::Pass, ChangeOp::Delete) => Some(CacheChange::DeletePass(change.id)),
            (
                kind @ (EntityKind::Bill | EntityKind::HomeRequest),
                ChangeOp::Upsert | ChangeOp::Delete,
            ) => Some(CacheChange::ListsChanged(kind)),
            (EntityKind::Other, ChangeOp::Upsert | ChangeOp::Delete | ChangeOp::Other)
            | (
                EntityKind::Notice
                | EntityKind::Membership
                | EntityKind::Ticket
                | EntityKind::Pass
                | EntityKind::Bill
                | EntityKind::HomeRequest,
                ChangeOp::Other,
            ) => {
                tracing::debug!(id = %change.id, "skipping a change this build does not know");
                None
            }
        };
        out.extend(decoded);
    }
    out
}

fn decode_entity<T: serde::de::DeserializeOwned>(
    data: Option<serde_json::Value>,
    what: &str,
) -> Option<T> {
    let Some(data) = data else {
        tracing::warn!("skipping a {what} upsert without data");
        return None;
    };
    match serde_json::from_value(data) {
        Ok(entity) => Some(entity),
        Err(err) => {
            tracing::warn!("skipping a {what} that does not decode: {err}");
            None
        }
    }
}

impl Inner {
    /// Pulls the change feed from the stored cursor, page by page; with `again`, from no
    /// cursor (a bootstrap whose first page empties the feed's tables).
    pub(super) async fn pull_feed(
        &self,
        account: &Account,
        kinds: &mut Vec<EntityKind>,
        stale: &mut Vec<EntityKind>,
        again: bool,
    ) -> Result<Bootstrap, Error> {
        let mut cursor = if again {
            None
        } else {
            account.cache.cursor().await?
        };
        let mut wipe_first = again;
        let mut outcome = if again {
            Bootstrap::Again
        } else {
            Bootstrap::Continued
        };
        for _ in 0..MAX_PAGES_PER_SYNC {
            let mut call = Call::get("/v1/sync/changes").query("limit", PAGE_LIMIT.to_string());
            if let Some(cursor) = &cursor {
                call = call.query("cursor", cursor.clone());
            }
            let feed: LenientFeed = match self.authed(account, &call).await {
                Ok(reply) => reply.json("the change feed")?,
                Err(Error::Api { status: 410, .. }) if cursor.is_some() => {
                    tracing::info!("sync cursor expired; bootstrapping again");
                    cursor = None;
                    wipe_first = true;
                    outcome = Bootstrap::Again;
                    continue;
                }
                Err(err) => return Err(err),
            };
            let changes = decode_changes(feed.changes);
            stale.extend(changes.iter().filter_map(|change| match change {
                CacheChange::ListsChanged(kind) => Some(*kind),
                _ => None,
            }));
            let mut notes = FeedNotes {
                locale: self.http.locale(),
                events: Vec::new(),
            };
            let changed = account
                .cache
                .apply_page(
                    &changes,
                    &feed.next_cursor,
                    wipe_first,
                    self.features.feed,
                    &mut notes,
                )
                .await?;
            kinds.extend(changed);
            // Announced only once stored; with notifications off, never (not later in a burst).
            if !notes.events.is_empty() && self.app.state().await?.notifications {
                for event in notes.events {
                    self.events.emit(event);
                }
            }
            wipe_first = false;
            cursor = Some(feed.next_cursor);
            if !feed.has_more {
                return Ok(outcome);
            }
        }
        tracing::warn!("the change feed did not end after {MAX_PAGES_PER_SYNC} pages");
        Ok(outcome)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unknown_and_malformed_changes_are_skipped() {
        let id = uuid::Uuid::now_v7();
        let changes = decode_changes(vec![
            json!({"kind": "notice", "id": id, "op": "delete", "version": 3}),
            json!({"kind": "parcel", "id": id, "op": "upsert", "version": 1, "data": {}}),
            json!({"kind": "notice", "id": id, "op": "archive", "version": 1}),
            json!({"kind": "notice", "id": id, "op": "upsert", "version": 1,
                   "data": {"title": "missing most fields"}}),
            json!({"kind": "notice", "op": "upsert"}),
            json!("not even an object"),
            json!({"kind": "membership", "id": id, "op": "delete", "version": 2}),
        ]);
        assert_eq!(
            changes,
            vec![
                CacheChange::DeleteNotice(id),
                CacheChange::DeleteMembership(id)
            ],
            "only the changes this build understands survive; the rest never fail the page"
        );
    }

    #[test]
    fn notice_with_unknown_enum_values_still_decodes() {
        let id = uuid::Uuid::now_v7();
        let changes = decode_changes(vec![json!({
            "kind": "notice", "id": id, "op": "upsert", "version": 1,
            "data": {
                "id": id, "community_id": id, "title": "停水通知", "summary": "", "body": "",
                "category": "gas_outage", "priority": "critical", "pinned": false,
                "publisher": "物业", "published_at": "2025-06-01T08:00:00Z", "version": 1
            }
        })]);
        let [CacheChange::UpsertNotice(notice)] = changes.as_slice() else {
            panic!("one notice expected, got {changes:?}");
        };
        assert_eq!(notice.category, linli_wire::notices::NoticeCategory::Other);
        assert_eq!(notice.priority, linli_wire::notices::NoticePriority::Other);
    }
}
