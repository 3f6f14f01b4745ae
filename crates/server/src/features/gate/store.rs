//! The gate feature's own SQL: the entry log gates upload (entry ids are the gate's, so a
//! re-sent entry is judged once: counted, or kept with its refusal) and the failed code
//! lookups that throttle a gate.

use super::devices::Gate;
use linli_wire::ErrorCode;
use linli_wire::passes::GateEntry;
use sqlx::{SqliteConnection, SqlitePool};

/// What entry `id` was answered when it first came: `None` if it never came, `Some(None)` if
/// it was counted, `Some(Some(code))` if it was refused.
pub(crate) async fn judged(
    conn: &mut SqliteConnection,
    entry: &GateEntry,
) -> sqlx::Result<Option<Option<ErrorCode>>> {
    let row: Option<Option<String>> =
        sqlx::query_scalar("SELECT refusal FROM pass_entries WHERE id = ?")
            .bind(entry.id.to_string())
            .fetch_optional(conn)
            .await?;
    Ok(row.map(|refusal| {
        refusal.map(|code| {
            serde_json::from_value(serde_json::Value::String(code)).unwrap_or(ErrorCode::Unknown)
        })
    }))
}

/// Records one entry a gate let in at `at_ms`, counted (`refusal` `None`) or not.
pub(crate) async fn record_entry(
    conn: &mut SqliteConnection,
    gate: &Gate,
    entry: &GateEntry,
    at_ms: i64,
    refusal: Option<ErrorCode>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO pass_entries (id, pass_id, gate_id, gate_group, at, refusal)
         VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(entry.id.to_string())
    .bind(entry.pass_id.to_string())
    .bind(&gate.id)
    .bind(&gate.group)
    .bind(at_ms)
    .bind(refusal.map(ErrorCode::as_str))
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
