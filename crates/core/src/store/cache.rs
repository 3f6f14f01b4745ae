//! One account's `cache.db`: the shared handle every feature's tables hang off.
//!
//! Each feature keeps its own tables' code with it (`impl Cache` blocks in `notices/cache.rs`,
//! `auth/cache.rs`, `passes/cache.rs`, `bills/cache.rs`, `tickets/cache.rs`, the outbox in
//! [`crate::outbox`], the feed cursor in [`crate::sync::feed`]); this file only opens the
//! database with its migrations (one append-only list for the whole file) and holds the JSON
//! helpers they share.
//!
//! Entities are kept as the wire JSON plus a few columns to filter and sort on, so a newer
//! field the server adds survives a round trip through the cache. A row that no longer
//! decodes is skipped with a warning, never failing the whole list.

use crate::error::Error;
use sqlx::SqlitePool;
use std::path::Path;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/cache");

/// Handle on one account's `cache.db`.
#[derive(Clone, Debug)]
pub(crate) struct Cache {
    pub(crate) pool: SqlitePool,
}

/// Decodes a cached row's JSON; `None` (with a warning) when it no longer decodes.
pub(crate) fn decode<T: serde::de::DeserializeOwned>(json: &str, what: &str) -> Option<T> {
    match serde_json::from_str(json) {
        Ok(value) => Some(value),
        Err(err) => {
            tracing::warn!("skipping a cached {what} that no longer decodes: {err}");
            None
        }
    }
}

/// Encodes an entity for its row.
pub(crate) fn encode(value: &impl serde::Serialize) -> Result<String, Error> {
    serde_json::to_string(value).map_err(|err| Error::Internal(format!("encode for cache: {err}")))
}

impl Cache {
    pub(crate) async fn open(path: &Path) -> Result<Self, Error> {
        let pool = super::open_db(path, &MIGRATOR, "account cache").await?;
        Ok(Self { pool })
    }

    pub(crate) async fn close(&self) {
        self.pool.close().await;
    }
}

/// Row count helper for tests and status.
#[cfg(test)]
pub(crate) async fn count(pool: &SqlitePool, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(pool)
        .await
        .expect("count")
}

/// Used by tests that need a fixed instant.
#[cfg(test)]
pub(crate) fn at(ms: i64) -> chrono::DateTime<chrono::Utc> {
    crate::store::from_ms(ms)
}
