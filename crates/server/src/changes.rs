//! The change log and the per-resident change feed (`GET /v1/sync/changes`).
//!
//! A recorded write (notices, read marks, memberships) appends a row to `change_log` in its
//! own transaction ([`record`]): the kind and id of the entity, upsert or delete, and a scope
//! (a community, whose residents all see it, or one user). A resident's feed is the rows of their active households' communities and of
//! themselves, after their cursor. Rows only name entities; the feed renders each entity as
//! the resident sees it *now* (with their `read_at`), and an entity that is gone or no longer
//! visible becomes a `delete` tombstone. One entity appears at most once per page.
//!
//! Cursors are opaque to clients: base64url of `v1:<epoch>:c:<seq>` (after change `seq`) or
//! `v1:<epoch>:b:<high>:<last notice id>` (in the middle of a bootstrap snapshot taken at
//! `high`). Rows older than the retention are compacted away; a cursor below that horizon, or
//! from an earlier epoch (the log was reset), answers 410 `sync-cursor-expired` and the client
//! bootstraps again. A bootstrap lists the resident's memberships and their communities'
//! notices by id (keyset pages), then continues with the changes after `high`, so a change
//! made during a bootstrap is delivered again rather than lost.

use crate::error::{ApiError, ApiResult};
use crate::routes::{me, notices};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use linli_wire::ErrorCode;
use linli_wire::sync::{Change, ChangeFeed, ChangeOp, EntityKind};
use sqlx::{SqliteConnection, SqlitePool};
use std::collections::HashMap;
use std::time::Duration;
use uuid::Uuid;

/// How long change rows are kept; older cursors expire.
pub const RETENTION: Duration = Duration::from_secs(30 * 24 * 3600);

/// Who may see a change.
#[derive(Clone, Copy, Debug)]
pub enum Scope {
    /// Every resident with an active household in this community.
    Community(Uuid),
    /// Only this user.
    User(Uuid),
}

fn kind_str(kind: EntityKind) -> &'static str {
    match kind {
        EntityKind::Notice => "notice",
        EntityKind::Membership => "membership",
        EntityKind::Pass => "pass",
        EntityKind::Bill => "bill",
        EntityKind::Ticket => "ticket",
        EntityKind::Other => "other",
    }
}

/// Appends a change (call inside the write's transaction).
pub async fn record(
    conn: &mut SqliteConnection,
    kind: EntityKind,
    entity: Uuid,
    op: ChangeOp,
    scope: Scope,
    now_ms: i64,
) -> sqlx::Result<i64> {
    let (community, user) = match scope {
        Scope::Community(id) => (Some(id.to_string()), None),
        Scope::User(id) => (None, Some(id.to_string())),
    };
    let op = if op == ChangeOp::Delete {
        "delete"
    } else {
        "upsert"
    };
    sqlx::query_scalar(
        "INSERT INTO change_log (kind, entity_id, op, community_id, user_id, at)
         VALUES (?, ?, ?, ?, ?, ?) RETURNING seq",
    )
    .bind(kind_str(kind))
    .bind(entity.to_string())
    .bind(op)
    .bind(community)
    .bind(user)
    .bind(now_ms)
    .fetch_one(conn)
    .await
}

#[derive(Debug, PartialEq, Eq)]
enum Cursor {
    After(i64),
    Bootstrap { high: i64, after: Option<Uuid> },
}

fn encode(epoch: i64, cursor: &Cursor) -> String {
    let text = match cursor {
        Cursor::After(seq) => format!("v1:{epoch}:c:{seq}"),
        Cursor::Bootstrap { high, after } => format!(
            "v1:{epoch}:b:{high}:{}",
            after.map(|id| id.to_string()).unwrap_or_default()
        ),
    };
    B64.encode(text)
}

/// `Ok(None)`: from another epoch (expired). `Err`: not a cursor of ours.
fn decode(raw: &str, epoch: i64) -> ApiResult<Option<Cursor>> {
    let bad = || ApiError::bad_request("the sync cursor is not valid");
    let text = B64
        .decode(raw)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(bad)?;
    let parts: Vec<&str> = text.split(':').collect();
    let ["v1", cursor_epoch, rest @ ..] = parts.as_slice() else {
        return Err(bad());
    };
    let cursor_epoch: i64 = cursor_epoch.parse().map_err(|_| bad())?;
    let cursor = match rest {
        ["c", seq] => Cursor::After(seq.parse().map_err(|_| bad())?),
        ["b", high, after] => Cursor::Bootstrap {
            high: high.parse().map_err(|_| bad())?,
            after: if after.is_empty() {
                None
            } else {
                Some(Uuid::parse_str(after).map_err(|_| bad())?)
            },
        },
        _ => return Err(bad()),
    };
    Ok((cursor_epoch == epoch).then_some(cursor))
}

/// An integer kept in `settings`.
async fn setting(conn: &mut SqliteConnection, name: &str) -> sqlx::Result<i64> {
    let value: Option<Vec<u8>> = sqlx::query_scalar("SELECT value FROM settings WHERE name = ?")
        .bind(name)
        .fetch_optional(conn)
        .await?;
    Ok(value
        .and_then(|v| String::from_utf8(v).ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0))
}

async fn set_setting(conn: &mut SqliteConnection, name: &str, value: i64) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO settings (name, value) VALUES (?, ?)
         ON CONFLICT (name) DO UPDATE SET value = excluded.value",
    )
    .bind(name)
    .bind(value.to_string().into_bytes())
    .execute(conn)
    .await?;
    Ok(())
}

/// The SQL condition "community `?` is one of user `?`'s active households' communities".
pub const VISIBLE_COMMUNITIES: &str = "SELECT u.community_id FROM memberships m
     JOIN units u ON u.id = m.unit_id WHERE m.user_id = ? AND m.state = 'active'";

/// One page of `user`'s feed.
pub async fn feed(
    db: &SqlitePool,
    user: Uuid,
    cursor: Option<&str>,
    limit: usize,
) -> ApiResult<ChangeFeed> {
    // One read transaction: every query sees the same snapshot.
    let mut tx = db.begin().await?;
    let epoch = setting(&mut tx, "change_epoch").await?;
    let horizon = setting(&mut tx, "change_horizon").await?;
    let cursor = match cursor {
        None => Cursor::Bootstrap {
            high: max_seq(&mut tx).await?,
            after: None,
        },
        Some(raw) => match decode(raw, epoch)? {
            Some(Cursor::After(seq)) if seq < horizon => return Err(expired()),
            Some(Cursor::Bootstrap { high, .. }) if high < horizon => return Err(expired()),
            Some(cursor) => cursor,
            None => return Err(expired()),
        },
    };
    let feed = match cursor {
        Cursor::Bootstrap { high, after } => {
            bootstrap_page(&mut tx, user, epoch, high, after, limit).await?
        }
        Cursor::After(seq) => changes_page(&mut tx, user, epoch, seq, limit).await?,
    };
    tx.commit().await?;
    Ok(feed)
}

fn expired() -> ApiError {
    ApiError::new(ErrorCode::SyncCursorExpired)
        .detail("this cursor is older than the change log; sync again without a cursor")
}

async fn max_seq(conn: &mut SqliteConnection) -> sqlx::Result<i64> {
    // sqlite_sequence survives compaction, so sequence numbers are never reused.
    let seq: Option<i64> =
        sqlx::query_scalar("SELECT seq FROM sqlite_sequence WHERE name = 'change_log'")
            .fetch_optional(conn)
            .await?;
    Ok(seq.unwrap_or(0))
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
        for membership in me::memberships_of(&mut *conn, user).await? {
            changes.push(upsert(
                EntityKind::Membership,
                *membership.0.id.as_uuid(),
                membership.1,
                &membership.0,
            )?);
        }
    }
    let room = limit.saturating_sub(changes.len()).max(1);
    let page = notices::visible_after(&mut *conn, user, after, room + 1).await?;
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
    let has_more = more || has_changes_after(&mut *conn, user, high).await?;
    Ok(ChangeFeed {
        changes,
        next_cursor: encode(epoch, &next),
        has_more,
    })
}

async fn has_changes_after(
    conn: &mut SqliteConnection,
    user: Uuid,
    seq: i64,
) -> sqlx::Result<bool> {
    let sql = format!(
        "SELECT EXISTS (SELECT 1 FROM change_log WHERE seq > ?
           AND (user_id = ? OR community_id IN ({VISIBLE_COMMUNITIES})))"
    );
    sqlx::query_scalar(&sql)
        .bind(seq)
        .bind(user.to_string())
        .bind(user.to_string())
        .fetch_one(conn)
        .await
}

async fn changes_page(
    conn: &mut SqliteConnection,
    user: Uuid,
    epoch: i64,
    after: i64,
    limit: usize,
) -> ApiResult<ChangeFeed> {
    let sql = format!(
        "SELECT seq, kind, entity_id FROM change_log WHERE seq > ?
           AND (user_id = ? OR community_id IN ({VISIBLE_COMMUNITIES}))
         ORDER BY seq LIMIT ?"
    );
    let rows: Vec<(i64, String, String)> = sqlx::query_as(&sql)
        .bind(after)
        .bind(user.to_string())
        .bind(user.to_string())
        .bind(i64::try_from(limit + 1).unwrap_or(i64::MAX))
        .fetch_all(&mut *conn)
        .await?;
    let has_more = rows.len() > limit;
    let rows = &rows[..rows.len().min(limit)];
    let next_seq = match rows.last() {
        Some((seq, _, _)) => *seq,
        // Nothing visible: skip past changes this resident cannot see.
        None => max_seq(&mut *conn).await?.max(after),
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
    for (_, kind, entity) in entities {
        let Ok(id) = Uuid::parse_str(entity) else {
            continue;
        };
        let change = match kind {
            "notice" => match notices::visible(&mut *conn, user, id).await? {
                Some(notice) => upsert(EntityKind::Notice, id, notice.version, &notice)?,
                None => tombstone(EntityKind::Notice, id),
            },
            "membership" => match me::membership(&mut *conn, user, id).await? {
                Some((membership, version)) => {
                    upsert(EntityKind::Membership, id, version, &membership)?
                }
                None => tombstone(EntityKind::Membership, id),
            },
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

fn tombstone(kind: EntityKind, id: Uuid) -> Change {
    Change {
        kind,
        id,
        op: ChangeOp::Delete,
        version: 0,
        data: None,
    }
}

/// Drops change rows older than `before_ms`; cursors below them expire.
pub async fn compact(db: &SqlitePool, before_ms: i64) -> sqlx::Result<()> {
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    let last: Option<i64> = sqlx::query_scalar("SELECT MAX(seq) FROM change_log WHERE at < ?")
        .bind(before_ms)
        .fetch_one(&mut *tx)
        .await?;
    if let Some(last) = last {
        sqlx::query("DELETE FROM change_log WHERE seq <= ?")
            .bind(last)
            .execute(&mut *tx)
            .await?;
        set_setting(&mut tx, "change_horizon", last).await?;
    }
    tx.commit().await
}

/// Forgets the whole log and starts a new epoch: every cursor ever issued expires.
pub async fn reset(db: &SqlitePool) -> sqlx::Result<()> {
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    sqlx::query("DELETE FROM change_log")
        .execute(&mut *tx)
        .await?;
    let epoch = setting(&mut tx, "change_epoch").await?;
    set_setting(&mut tx, "change_epoch", epoch + 1).await?;
    tx.commit().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_carry_their_epoch() {
        let id = Uuid::now_v7();
        for cursor in [
            Cursor::After(42),
            Cursor::Bootstrap {
                high: 7,
                after: None,
            },
            Cursor::Bootstrap {
                high: 7,
                after: Some(id),
            },
        ] {
            let raw = encode(3, &cursor);
            assert_eq!(decode(&raw, 3).expect("ours"), Some(cursor), "same epoch");
            assert_eq!(
                decode(&raw, 4).expect("ours"),
                None,
                "another epoch has expired"
            );
        }
        assert!(
            decode("not-base64!", 0).is_err(),
            "garbage is a bad request, not a 410"
        );
        assert!(decode(&B64.encode("v1:0:x:1"), 0).is_err());
    }
}
