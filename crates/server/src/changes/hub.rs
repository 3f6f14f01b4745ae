//! The change log's announcer: tells the open streams (`GET /v1/sync/stream`) that the log
//! grew, and up to which sequence number.
//!
//! Every pool connection carries an SQLite update hook ([`Hub::watch_connection`], installed
//! by [`crate::db::open`]): an insert into `change_log`, by whatever feature, pokes the hub.
//! The hook runs inside the writer's transaction, before its commit, so the hub's one task
//! ([`Hub::run`]) then takes the write lock itself (`BEGIN IMMEDIATE` waits for the writer's
//! commit or rollback) and reads the last committed sequence number; only a committed change
//! is ever announced. The latest number is a `watch` value: a burst of changes wakes each
//! stream once, and a stream that was busy sees the newest number, never a backlog. A writer
//! outside this process (the service desk's CLI on the same database) has no hook here: the
//! task also reads the log's end every [`OUTSIDE_WRITERS`] (a plain read, no lock).
//!
//! The hub says nothing about who may see a change: each stream asks the log for the rows its
//! resident may see ([`super::rows_after`]), the same rows the feed would render.

use sqlx::SqlitePool;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::{Notify, watch};

/// How often an idle stream sends a keep-alive comment (and checks its token).
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// How often the log's end is read for writers outside this process.
pub const OUTSIDE_WRITERS: Duration = Duration::from_secs(2);

/// The announcer shared by the pool's hooks, its task and every stream.
#[derive(Debug)]
pub struct Hub {
    /// Poked by the update hook when a row is inserted into `change_log` (not yet committed).
    appended: Notify,
    /// The last committed sequence number announced.
    latest: watch::Sender<i64>,
    /// `true` once the server is stopping: every stream ends.
    closing: watch::Sender<bool>,
    keep_alive_ms: AtomicU64,
}

impl Default for Hub {
    fn default() -> Self {
        Self {
            appended: Notify::new(),
            latest: watch::Sender::new(0),
            closing: watch::Sender::new(false),
            keep_alive_ms: AtomicU64::new(millis(KEEP_ALIVE)),
        }
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

impl Hub {
    /// Installs the hook on a new pool connection: an insert into `change_log` pokes `hub`.
    pub async fn watch_connection(
        hub: Arc<Self>,
        conn: &mut sqlx::SqliteConnection,
    ) -> sqlx::Result<()> {
        let mut handle = conn.lock_handle().await?;
        handle.set_update_hook(move |change| {
            if change.table == "change_log" {
                hub.appended.notify_one();
            }
        });
        Ok(())
    }

    /// Announces committed changes until the server stops (one task per server).
    pub async fn run(self: Arc<Self>, db: SqlitePool) {
        let mut closing = self.closing.subscribe();
        let mut poked = true;
        loop {
            if let Err(err) = self.announce(&db, poked).await {
                tracing::warn!(error = %err, "reading the change log's end failed");
            }
            poked = tokio::select! {
                () = self.appended.notified() => true,
                () = tokio::time::sleep(OUTSIDE_WRITERS) => false,
                _ = closing.wait_for(|closing| *closing) => return,
            };
        }
    }

    async fn announce(&self, db: &SqlitePool, poked: bool) -> sqlx::Result<()> {
        let seq = if poked {
            // Waits for the writer whose insert poked us to commit (or roll back).
            let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
            let seq = super::max_seq(&mut tx).await?;
            tx.commit().await?;
            seq
        } else {
            super::max_seq(&mut *db.acquire().await?).await?
        };
        self.latest.send_if_modified(|latest| {
            let grew = seq > *latest;
            *latest = (*latest).max(seq);
            grew
        });
        Ok(())
    }

    /// The last committed sequence number, and its changes from now on.
    pub fn subscribe(&self) -> watch::Receiver<i64> {
        self.latest.subscribe()
    }

    /// Resolves once the server is stopping.
    pub fn closing(&self) -> watch::Receiver<bool> {
        self.closing.subscribe()
    }

    /// Ends every stream (the server is stopping; graceful shutdown must not wait on them).
    pub fn close(&self) {
        self.closing.send_replace(true);
    }

    /// How often an idle stream sends a keep-alive comment and checks its token.
    pub fn keep_alive(&self) -> Duration {
        Duration::from_millis(self.keep_alive_ms.load(Ordering::Relaxed))
    }

    /// Changes the keep-alive interval of streams opened from now on (tests shorten it so a
    /// token's expiry is noticed without waiting 15 s).
    pub fn set_keep_alive(&self, every: Duration) {
        self.keep_alive_ms.store(millis(every), Ordering::Relaxed);
    }
}
