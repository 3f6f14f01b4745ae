//! The change log: the shared mechanism behind the per-resident change feed. It knows no
//! feature: every write of what the app caches (notices, read marks, memberships, tickets,
//! passes, a home's billing, home requests) appends a row to `change_log` in its own
//! transaction ([`record`]): the kind and id of the entity, upsert or delete, and a scope (a
//! community, whose residents all see it; one user; or a unit, whose active members see it).
//! Rows only name entities; the feed ([`crate::features::sync`]) renders each one as the
//! resident sees it now, so a row never leaks what the entity's own list would not show.
//!
//! Cursors are opaque to clients: base64url of `v1:<epoch>:c:<seq>` (after change `seq`) or
//! `v1:<epoch>:b:<high>:<last id>` (in the middle of a bootstrap snapshot taken at `high`).
//! Rows older than the retention are compacted away ([`compact`]); a cursor below that
//! horizon, or from an earlier epoch (the log was reset, [`reset`]), is [`expired`] (410
//! `sync-cursor-expired`) and the client bootstraps again.
//!
//! The [`Hub`] announces each committed append (its sequence number) to the open change
//! streams; it hooks the database connections, so a feature that records a change is heard
//! without doing anything more.

mod hub;

pub use hub::{Hub, KEEP_ALIVE};

use crate::error::{ApiError, ApiResult};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use linli_wire::ErrorCode;
use linli_wire::sync::{ChangeOp, EntityKind};
use sqlx::{SqliteConnection, SqlitePool};
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
    /// The members of a unit (a home) with an active membership in it: a home's bills and
    /// payments, its home requests for the owners who decide them.
    Unit(Uuid),
}

fn kind_str(kind: EntityKind) -> &'static str {
    match kind {
        EntityKind::Notice => "notice",
        EntityKind::Membership => "membership",
        EntityKind::Pass => "pass",
        EntityKind::Bill => "bill",
        EntityKind::Ticket => "ticket",
        EntityKind::HomeRequest => "home_request",
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
    let (community, user, unit) = match scope {
        Scope::Community(id) => (Some(id.to_string()), None, None),
        Scope::User(id) => (None, Some(id.to_string()), None),
        Scope::Unit(id) => (None, None, Some(id.to_string())),
    };
    let op = if op == ChangeOp::Delete {
        "delete"
    } else {
        "upsert"
    };
    sqlx::query_scalar(
        // A unit's row also names its community (the table's check wants a community or a
        // user); the unit narrows who sees it (`VISIBLE`).
        "INSERT INTO change_log (kind, entity_id, op, community_id, user_id, unit_id, at)
         VALUES (?, ?, ?, coalesce(?, (SELECT community_id FROM units WHERE id = ?)), ?, ?, ?)
         RETURNING seq",
    )
    .bind(kind_str(kind))
    .bind(entity.to_string())
    .bind(op)
    .bind(community)
    .bind(unit.clone())
    .bind(user)
    .bind(unit)
    .bind(now_ms)
    .fetch_one(conn)
    .await
}

/// Where a resident's feed continues.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Cursor {
    /// After change `seq`.
    After(i64),
    /// In a bootstrap snapshot taken at change `high`, after the entity `after`.
    Bootstrap { high: i64, after: Option<Uuid> },
}

pub(crate) fn encode(epoch: i64, cursor: &Cursor) -> String {
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
pub(crate) fn decode(raw: &str, epoch: i64) -> ApiResult<Option<Cursor>> {
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

/// The moment of the last pass of the job named `name` (settings `<name>`), and now stored as
/// the next one's: a job that looks for what time alone changed since it last ran.
pub(crate) async fn last_run(
    conn: &mut SqliteConnection,
    name: &str,
    now_ms: i64,
) -> sqlx::Result<i64> {
    let last = setting(&mut *conn, name).await?;
    set_setting(conn, name, now_ms).await?;
    Ok(if last == 0 { now_ms } else { last })
}

/// The SQL condition "community `?` is one of user `?`'s active households' communities".
pub const VISIBLE_COMMUNITIES: &str = "SELECT u.community_id FROM memberships m
     JOIN units u ON u.id = m.unit_id WHERE m.user_id = ? AND m.state = 'active'";

/// The SQL condition "this change_log row is visible to user `?1`": their own rows, their
/// active households' communities' rows (not narrowed to a unit) and their active homes' rows.
const VISIBLE: &str = "(user_id = ?1
     OR (unit_id IS NULL AND community_id IN (SELECT u.community_id FROM memberships m
         JOIN units u ON u.id = m.unit_id WHERE m.user_id = ?1 AND m.state = 'active'))
     OR unit_id IN (SELECT m.unit_id FROM memberships m WHERE m.user_id = ?1 AND m.state = 'active'))";

/// The log's epoch and horizon (read in the feed's transaction, so a page sees one snapshot).
pub(crate) async fn epoch_and_horizon(conn: &mut SqliteConnection) -> sqlx::Result<(i64, i64)> {
    let epoch = setting(&mut *conn, "change_epoch").await?;
    let horizon = setting(&mut *conn, "change_horizon").await?;
    Ok((epoch, horizon))
}

/// Parses `raw` (or starts a bootstrap at the log's end when there is none), refusing a
/// cursor from another epoch or below the horizon.
pub(crate) async fn cursor(
    conn: &mut SqliteConnection,
    raw: Option<&str>,
) -> ApiResult<(i64, Cursor)> {
    let (epoch, horizon) = epoch_and_horizon(&mut *conn).await?;
    let cursor = match raw {
        None => Cursor::Bootstrap {
            high: max_seq(&mut *conn).await?,
            after: None,
        },
        Some(raw) => match decode(raw, epoch)? {
            Some(Cursor::After(seq)) if seq < horizon => return Err(expired()),
            Some(Cursor::Bootstrap { high, .. }) if high < horizon => return Err(expired()),
            Some(cursor) => cursor,
            None => return Err(expired()),
        },
    };
    Ok((epoch, cursor))
}

/// The answer to a cursor the log no longer covers.
pub fn expired() -> ApiError {
    ApiError::new(ErrorCode::SyncCursorExpired)
        .detail("this cursor is older than the change log; sync again without a cursor")
}

/// The last sequence number ever given out.
pub(crate) async fn max_seq(conn: &mut SqliteConnection) -> sqlx::Result<i64> {
    // sqlite_sequence survives compaction, so sequence numbers are never reused.
    let seq: Option<i64> =
        sqlx::query_scalar("SELECT seq FROM sqlite_sequence WHERE name = 'change_log'")
            .fetch_optional(conn)
            .await?;
    Ok(seq.unwrap_or(0))
}

/// Whether `user` may see any change after `seq`.
pub(crate) async fn has_changes_after(
    conn: &mut SqliteConnection,
    user: Uuid,
    seq: i64,
) -> sqlx::Result<bool> {
    let sql = format!("SELECT EXISTS (SELECT 1 FROM change_log WHERE {VISIBLE} AND seq > ?2)");
    sqlx::query_scalar(&sql)
        .bind(user.to_string())
        .bind(seq)
        .fetch_one(conn)
        .await
}

/// Up to `limit` rows `user` may see after `after`: (seq, kind, entity id), in order.
pub(crate) async fn rows_after(
    conn: &mut SqliteConnection,
    user: Uuid,
    after: i64,
    limit: usize,
) -> sqlx::Result<Vec<(i64, String, String)>> {
    let sql = format!(
        "SELECT seq, kind, entity_id FROM change_log WHERE {VISIBLE} AND seq > ?2
         ORDER BY seq LIMIT ?3"
    );
    sqlx::query_as(&sql)
        .bind(user.to_string())
        .bind(after)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(conn)
        .await
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
