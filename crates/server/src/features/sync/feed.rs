//! The feed's pages: the change log ([`crate::changes`]) says which entities changed; this
//! renders each one as the resident sees it *now*, exactly as its own list shows it (a notice
//! with their `read_at`, a ticket or a pass with its `allowed`), and an entity that is gone or
//! no longer visible becomes a `delete` tombstone. One entity appears at most once per page.
//!
//! Two kinds carry no entity: `bill` (named by its unit: the home's bills, payment orders,
//! receipts changed) and `home_request` mean "re-read those lists" (conditionally: they answer
//! 304 when unchanged). Their rows are already scoped to who sees the lists (the unit's active
//! members; the requester), so they name nothing a resident could not read.
//!
//! A bootstrap lists the resident's memberships and their communities' notices by id (keyset
//! pages), then continues with the changes after `high`, so a change made during a bootstrap
//! is delivered again rather than lost. It does not snapshot tickets, passes, billing or home
//! requests: a client reads those lists whole at bootstrap (after the feed's last bootstrap
//! page; anything changed since arrives as changes), which the contract says.
//!
//! This is the one place that knows which features the feed carries: it reads each through its
//! store ([`crate::features::notices::store`], [`crate::features::me::store`],
//! [`crate::features::tickets::visible`], [`crate::features::passes::store`]), never handlers.
//! An upsert's `version` is the entity's own where it has one (notices, memberships), else the
//! change's sequence number: either grows with every change, so a client keeps the higher.

use crate::changes::{self, Cursor, encode};
use crate::error::{ApiError, ApiResult};
use crate::features::{me, notices, passes, tickets};
use linli_wire::sync::{Change, ChangeFeed, ChangeOp, EntityKind};
use sqlx::{SqliteConnection, SqlitePool};
use std::collections::HashMap;
use uuid::Uuid;

/// One page of `user`'s feed.
pub async fn feed(
    db: &SqlitePool,
    user: Uuid,
    cursor: Option<&str>,
    limit: usize,
    now_ms: i64,
) -> ApiResult<ChangeFeed> {
    // One read transaction: every query sees the same snapshot.
    let mut tx = db.begin().await?;
    let (epoch, cursor) = changes::cursor(&mut tx, cursor).await?;
    let feed = match cursor {
        Cursor::Bootstrap { high, after } => {
            bootstrap_page(&mut tx, user, epoch, high, after, limit).await?
        }
        Cursor::After(seq) => changes_page(&mut tx, user, epoch, seq, limit, now_ms).await?,
    };
    tx.commit().await?;
    Ok(feed)
}

async fn bootstrap_page(
    conn: &mut SqliteConnection,
    user: Uuid,
    epoch: i64,
    high: i64,
    after: Option<Uuid>,
    limit: usize,
) -> ApiResult<ChangeFeed> {
    let mut changes = Vec::new();
    if after.is_none() {
        for membership in me::store::memberships_of(&mut *conn, user).await? {
            changes.push(upsert(
                EntityKind::Membership,
                *membership.0.id.as_uuid(),
                membership.1,
                &membership.0,
            )?);
        }
    }
    let room = limit.saturating_sub(changes.len()).max(1);
    let page = notices::store::visible_after(&mut *conn, user, after, room + 1).await?;
    let more = page.len() > room;
    let page = &page[..page.len().min(room)];
    for notice in page {
        changes.push(upsert(
            EntityKind::Notice,
            *notice.id.as_uuid(),
            notice.version,
            notice,
        )?);
    }
    let next = if more {
        Cursor::Bootstrap {
            high,
            after: page.last().map(|n| *n.id.as_uuid()),
        }
    } else {
        Cursor::After(high)
    };
    let has_more = more || changes::has_changes_after(&mut *conn, user, high).await?;
    Ok(ChangeFeed {
        changes,
        next_cursor: encode(epoch, &next),
        has_more,
    })
}

async fn changes_page(
    conn: &mut SqliteConnection,
    user: Uuid,
    epoch: i64,
    after: i64,
    limit: usize,
    now_ms: i64,
) -> ApiResult<ChangeFeed> {
    let rows = changes::rows_after(&mut *conn, user, after, limit + 1).await?;
    let has_more = rows.len() > limit;
    let rows = &rows[..rows.len().min(limit)];
    let next_seq = match rows.last() {
        Some((seq, _, _)) => *seq,
        // Nothing visible: skip past changes this resident cannot see.
        None => changes::max_seq(&mut *conn).await?.max(after),
    };
    // The latest row per entity decides its place in the page.
    let mut latest: HashMap<(&str, &str), i64> = HashMap::new();
    for (seq, kind, entity) in rows {
        latest.insert((kind.as_str(), entity.as_str()), *seq);
    }
    let mut entities: Vec<(i64, &str, &str)> = latest
        .into_iter()
        .map(|((kind, entity), seq)| (seq, kind, entity))
        .collect();
    entities.sort_unstable();
    let mut changes = Vec::with_capacity(entities.len());
    for (seq, kind, entity) in entities {
        let Ok(id) = Uuid::parse_str(entity) else {
            continue;
        };
        let change = match kind {
            "notice" => match notices::store::visible(&mut *conn, user, id).await? {
                Some(notice) => upsert(EntityKind::Notice, id, notice.version, &notice)?,
                None => tombstone(EntityKind::Notice, id),
            },
            "membership" => match me::store::membership(&mut *conn, user, id).await? {
                Some((membership, version)) => {
                    upsert(EntityKind::Membership, id, version, &membership)?
                }
                None => tombstone(EntityKind::Membership, id),
            },
            "ticket" => match tickets::visible(&mut *conn, user, id, now_ms).await? {
                Some(ticket) => upsert(EntityKind::Ticket, id, seq, &ticket)?,
                None => tombstone(EntityKind::Ticket, id),
            },
            "pass" => match passes::store::visible(&mut *conn, user, id, now_ms).await? {
                Some(pass) => upsert(EntityKind::Pass, id, seq, &pass)?,
                None => tombstone(EntityKind::Pass, id),
            },
            "bill" => lists_changed(EntityKind::Bill, id, seq),
            "home_request" => lists_changed(EntityKind::HomeRequest, id, seq),
            _ => continue,
        };
        changes.push(change);
    }
    Ok(ChangeFeed {
        changes,
        next_cursor: encode(epoch, &Cursor::After(next_seq)),
        has_more,
    })
}

fn upsert(
    kind: EntityKind,
    id: Uuid,
    version: i64,
    data: &impl serde::Serialize,
) -> ApiResult<Change> {
    Ok(Change {
        kind,
        id,
        op: ChangeOp::Upsert,
        version,
        data: Some(serde_json::to_value(data).map_err(ApiError::internal)?),
    })
}

/// "The lists of this kind changed; re-read them": an upsert without `data`.
fn lists_changed(kind: EntityKind, id: Uuid, version: i64) -> Change {
    Change {
        kind,
        id,
        op: ChangeOp::Upsert,
        version,
        data: None,
    }
}

fn tombstone(kind: EntityKind, id: Uuid) -> Change {
    Change {
        kind,
        id,
        op: ChangeOp::Delete,
        version: 0,
        data: None,
    }
}
