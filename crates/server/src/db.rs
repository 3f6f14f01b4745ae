//! The server's SQLite database: one file in the data dir, WAL, foreign keys on, migrations
//! from `migrations/` applied at open (append-only; a released migration is never edited).

use anyhow::Context;
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::path::Path;
use std::time::Duration;

/// Opens (creating if needed) and migrates `<data_dir>/linli.db`.
pub async fn open(data_dir: &Path) -> anyhow::Result<SqlitePool> {
    let path = data_dir.join("linli.db");
    let options = SqliteConnectOptions::new()
        .filename(&path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10));
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(options)
        .await
        .with_context(|| format!("open the database {}", path.display()))?;
    sqlx::migrate!("./migrations")
        .run(&pool)
        .await
        .context("apply database migrations")?;
    Ok(pool)
}

/// A UUID column.
pub fn parse_id(text: &str) -> Result<uuid::Uuid, sqlx::Error> {
    uuid::Uuid::parse_str(text).map_err(|err| sqlx::Error::Decode(Box::new(err)))
}
