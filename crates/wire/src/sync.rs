//! The per-resident change feed (`GET /v1/sync/changes?cursor=&limit=`).
//!
//! The server stamps every change with a monotonically increasing sequence number and lets each
//! resident read the changes they may see: their communities' notices, their own read marks,
//! memberships, tickets and passes (each as its own list shows it), and "re-read" marks for a
//! home's billing and for home requests. Without a cursor the feed starts with a snapshot
//! ("bootstrap") of memberships and notices only: a client reads the other lists whole
//! (`/v1/tickets`, `/v1/passes`, `/v1/bills`, `/v1/payment-orders`, `/v1/receipts`,
//! `/v1/ledger`, `/v1/home-requests[/to-decide]`) once the bootstrap's last page is applied,
//! and after that only when a change says so. Deletions and lost access arrive as `delete`
//! tombstones. A cursor the server no longer knows answers 410 `sync-cursor-expired`: the
//! client drops its cache and bootstraps again. Every list answers `ETag` and honours
//! `If-None-Match` (304), so a re-read of an unchanged list costs no body.

use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;
use uuid::Uuid;

/// Kind of entity a change is about. Open: unknown kinds decode as `Other` and are skipped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    /// `data` is a [`crate::notices::Notice`] as the resident sees it (with `read_at`).
    Notice,
    /// `data` is a [`crate::me::Membership`].
    Membership,
    /// A visitor pass (`data` is a [`crate::passes::VisitorPass`] as `/v1/passes` shows it;
    /// `version` is the change's sequence number). The core emits this kind when its cached
    /// passes change.
    Pass,
    /// A home's bills, payment orders or receipts changed (an order made or ended, bills
    /// settled, a receipt issued): `id` is the unit, `data` is absent; re-read that home's
    /// `/v1/payment-orders`, `/v1/bills`, `/v1/receipts` (and `/v1/ledger`) with
    /// `If-None-Match`. The core emits this kind when its cached copies change.
    Bill,
    /// A service ticket (`data` is a [`crate::tickets::Ticket`] as `/v1/tickets` shows it, with
    /// its `allowed`; `version` is the change's sequence number). The core emits this kind when
    /// its cached or queued tickets change.
    Ticket,
    /// A home request changed (the resident's own, or one they decide as an owner): `data` is
    /// absent; re-read `/v1/home-requests` and `/to-decide` with `If-None-Match`. The core
    /// emits this kind when its cached lists change.
    HomeRequest,
    /// A kind this build does not know; skip it.
    #[serde(other)]
    Other,
}

/// Whether the entity now exists.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeOp {
    /// Created or changed; `data` holds the whole current entity.
    Upsert,
    /// Deleted, or no longer visible to this resident (tombstone); `data` is absent.
    Delete,
    /// An operation this build does not know; skip it.
    #[serde(other)]
    Other,
}

/// One change.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct Change {
    /// Entity kind.
    pub kind: EntityKind,
    /// Entity id.
    #[ts(type = "string")]
    pub id: Uuid,
    /// Upsert or delete.
    pub op: ChangeOp,
    /// The entity's version after the change.
    #[ts(type = "number")]
    pub version: i64,
    /// The entity (for upserts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    #[ts(type = "unknown")]
    pub data: Option<serde_json::Value>,
}

/// A page of the change feed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS, ToSchema)]
pub struct ChangeFeed {
    /// Changes in sequence order; at most one per entity per page.
    pub changes: Vec<Change>,
    /// Where to continue; store it once the page is applied.
    pub next_cursor: String,
    /// More changes are waiting: ask again at once with `next_cursor`.
    pub has_more: bool,
}

/// One event of the change stream (`GET /v1/sync/stream`, server-sent events, `event:
/// change`, `id:` the same `seq`): something the resident may see changed. It carries no
/// data: the app pulls the feed (and its lists) when told, so a lost event loses nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct StreamEvent {
    /// What kind of thing changed.
    pub kind: EntityKind,
    /// The change's sequence number; resume after it with `Last-Event-ID`.
    pub seq: i64,
}
