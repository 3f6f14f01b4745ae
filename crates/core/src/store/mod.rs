//! Local storage: `app.db` (device-wide: who is signed in, locale, chosen households) and one
//! `cache.db` per account under `accounts/<user id>/` (memberships, notices, sync cursor,
//! outbox). Signing out deletes the account's folder.
//!
//! Every database is opened the same way: WAL, foreign keys on, a busy timeout, and the
//! append-only migrations embedded from `crates/core/migrations/`. Every transaction that
//! writes begins with [`write_tx`] (`BEGIN IMMEDIATE`). Everything in the data folder is
//! owner-only ([`files`]): each database file is created 0600 before SQLite opens it.

pub(crate) mod app;
pub(crate) mod cache;
pub(crate) mod files;

use crate::error::{Error, StorageContext};
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::path::Path;
use std::time::Duration;

/// How long a writer waits for another before failing; the background loop and a UI call may
/// write at the same moment.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Connections per database: enough for a UI read during a sync write.
const MAX_CONNECTIONS: u32 = 4;

/// Begins a transaction that writes. `BEGIN IMMEDIATE` takes the write lock at the start,
/// waiting up to the busy timeout. A deferred `BEGIN` that reads first cannot take it once
/// another connection has written meanwhile: SQLite answers "database is locked" at once,
/// busy timeout or not. Several calls of one core at once (screens reading the same order
/// while the background loop syncs) hit exactly that.
pub(crate) async fn write_tx(
    pool: &SqlitePool,
) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
    pool.begin_with("BEGIN IMMEDIATE").await
}

/// Opens (creating if missing) the SQLite database at `path` and runs `migrator`.
pub(crate) async fn open_db(
    path: &Path,
    migrator: &sqlx::migrate::Migrator,
    what: &str,
) -> Result<SqlitePool, Error> {
    if let Some(dir) = path.parent() {
        files::dir(dir).storage(&format!("create the folder of the {what}"))?;
    }
    // Owner-only before SQLite opens it: its -wal and -shm take the database's mode.
    files::touch(path).storage(&format!("create the {what}"))?;
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(BUSY_TIMEOUT);
    let pool = SqlitePoolOptions::new()
        .max_connections(MAX_CONNECTIONS)
        .connect_with(options)
        .await
        .storage(&format!("open the {what}"))?;
    migrator
        .run(&pool)
        .await
        .storage(&format!("migrate the {what}"))?;
    Ok(pool)
}

/// Unix milliseconds, the storage format of sortable instants.
pub(crate) fn to_ms(at: chrono::DateTime<chrono::Utc>) -> i64 {
    at.timestamp_millis()
}

/// Back from [`to_ms`].
pub(crate) fn from_ms(ms: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or(chrono::DateTime::<chrono::Utc>::UNIX_EPOCH)
}
