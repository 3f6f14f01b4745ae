//! The gate feature's own SQL: the entry log gates upload (entry ids are the gate's, so a
//! re-sent entry counts once) and the failed code lookups that throttle a gate.

use super::devices::Gate;
use linli_wire::passes::GateEntry;
use sqlx::{SqliteConnection, SqlitePool};

/// Records one entry a gate let in; a re-sent one is ignored.
pub(crate) async fn record_entry(
    conn: &mut SqliteConnection,
    gate: &Gate,
    entry: &GateEntry,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT OR IGNORE INTO pass_entries (id, pass_id, gate_id, gate_group, at)
         VALUES (?, ?, ?, ?, ?)",
    )
    .bind(entry.id.to_string())
    .bind(entry.pass_id.to_string())
    .bind(&gate.id)
    .bind(&gate.group)
    .bind(entry.at.timestamp_millis())
    .execute(conn)
    .await?;
    Ok(())
}

/// Failed code lookups of `gate` after `since_ms`.
pub(crate) async fn code_failures_since(
    db: &SqlitePool,
    gate: &Gate,
    since_ms: i64,
) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM code_failures WHERE gate_id = ? AND at > ?")
        .bind(&gate.id)
        .bind(since_ms)
        .fetch_one(db)
        .await
}

/// Counts one failed code lookup of `gate`.
pub(crate) async fn record_code_failure(
    db: &SqlitePool,
    gate: &Gate,
    now_ms: i64,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO code_failures (gate_id, at) VALUES (?, ?)")
        .bind(&gate.id)
        .bind(now_ms)
        .execute(db)
        .await?;
    Ok(())
}
