//! The server's SQLite database: one file in the data dir, WAL, foreign keys on, migrations
//! from `migrations/` applied at open (append-only; a released migration is never edited).
//! The file is created owner-only ([`crate::files`]): it holds every secret of the server.
//! The server's own pool announces change log inserts to its [`crate::changes::Hub`].

use anyhow::Context;
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// Opens (creating if needed) and migrates `<data_dir>/linli.db`, for a tool or a test that
/// writes beside a server: the server hears of its changes at the next keep-alive tick.
pub async fn open(data_dir: &Path) -> anyhow::Result<SqlitePool> {
    open_with(data_dir, None).await
}

/// Opens the database like [`open`], every connection announcing its change log inserts to
/// `hub` ([`crate::changes::Hub`]): the server's own pool.
pub async fn open_announcing(
    data_dir: &Path,
    hub: Arc<crate::changes::Hub>,
) -> anyhow::Result<SqlitePool> {
    open_with(data_dir, Some(hub)).await
}

async fn open_with(
    data_dir: &Path,
    hub: Option<Arc<crate::changes::Hub>>,
) -> anyhow::Result<SqlitePool> {
    let path = data_dir.join("linli.db");
    // Made owner-only before SQLite opens it: its -wal and -shm take the database's mode.
    crate::files::touch(&path)?;
    let options = SqliteConnectOptions::new()
        .filename(&path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10));
    let mut pool = SqlitePoolOptions::new().max_connections(8);
    if let Some(hub) = hub {
        pool = pool.after_connect(move |conn, _| {
            let hub = Arc::clone(&hub);
            Box::pin(async move { crate::changes::Hub::watch_connection(hub, conn).await })
        });
    }
    let pool = pool
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

/// An open enum from its stored spelling; unknown spellings become `Other`.
pub(crate) fn open_enum<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, sqlx::Error> {
    serde_json::from_value(serde_json::Value::String(text.to_owned()))
        .map_err(|err| sqlx::Error::Decode(Box::new(err)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 0007 rebuilds `uploads` (staff may own one). A database that already holds a resident's
    /// upload attached to a ticket must come through with every row and reference intact.
    #[tokio::test]
    async fn the_staff_uploads_rebuild_keeps_existing_uploads_and_their_tickets() {
        let dir = tempfile::tempdir().expect("tempdir");
        let options = SqliteConnectOptions::new()
            .filename(dir.path().join("linli.db"))
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await
            .expect("pool");
        let all = sqlx::migrate!("./migrations");
        let mut before = sqlx::migrate!("./migrations");
        before.migrations = all
            .migrations
            .iter()
            .filter(|m| m.version < 7)
            .cloned()
            .collect::<Vec<_>>()
            .into();
        before.run(&pool).await.expect("migrations up to 0006");
        sqlx::query("PRAGMA foreign_keys = OFF")
            .execute(&pool)
            .await
            .expect("seed a user's attached photo without the whole community chain");
        for sql in [
            "INSERT INTO users (id, phone, display_name, password_hash, created_at) VALUES ('u', '138', '王芳', 'x', 0)",
            "INSERT INTO memberships (id, user_id, unit_id, role, state, created_at) VALUES ('m', 'u', 'unit', 'owner', 'active', 0)",
            "INSERT INTO uploads (id, user_id, length, offset, metadata, created_at, expires_at, status) VALUES ('p', 'u', 3, 3, '', 0, 0, 'complete')",
            "INSERT INTO tickets (id, number, membership_id, user_id, kind, category, place, urgency, description, visit_windows, state, created_at, response_due_at, fix_due_at) VALUES ('t', 'BX1', 'm', 'u', 'repair', 'pipes', 'unit', 'normal', '漏水', '[]', 'submitted', 0, 0, 0)",
            "INSERT INTO ticket_attachments (upload_id, ticket_id, position) VALUES ('p', 't', 0)",
        ] {
            sqlx::query(sql).execute(&pool).await.expect(sql);
        }
        sqlx::query("PRAGMA foreign_keys = ON")
            .execute(&pool)
            .await
            .expect("foreign keys back on");

        all.run(&pool).await.expect("0007 applies");

        let kept: (String, Option<String>, i64) =
            sqlx::query_as("SELECT user_id, staff_id, length FROM uploads WHERE id = 'p'")
                .fetch_one(&pool)
                .await
                .expect("the upload survived");
        assert_eq!(kept, ("u".to_owned(), None, 3));
        let on: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(&pool)
            .await
            .expect("pragma");
        assert_eq!(on, 1, "foreign keys stay on");
        let joined: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM ticket_attachments a JOIN uploads u ON u.id = a.upload_id",
        )
        .fetch_one(&pool)
        .await
        .expect("join");
        assert_eq!(joined, 1, "the ticket's photo still points at its upload");
        let dangling: Vec<(String,)> =
            sqlx::query_as("PRAGMA foreign_key_check(ticket_attachments)")
                .fetch_all(&pool)
                .await
                .unwrap_or_default();
        assert!(dangling.is_empty(), "{dangling:?}");
        let neither = sqlx::query(
            "INSERT INTO uploads (id, length, metadata, created_at, expires_at) VALUES ('x', 1, '', 0, 0)",
        )
        .execute(&pool)
        .await;
        assert!(neither.is_err(), "an upload belongs to someone");
    }
}
