//! The notices table: what the feed stored, read per community, and read marks the backend
//! accepted written back (so a notice does not flash unread before the feed says the same).
//! Pending marks are not stored here: they stay in the outbox and [`super::arrange_notices`]
//! projects them when the notices are read.

use super::READ_MARKS_PAYLOAD_VERSION;
use crate::error::{Error, StorageContext};
use crate::outbox::OutboxKind;
use crate::store::cache::{Cache, decode, encode};
use crate::store::to_ms;
use crate::sync::{CacheChange, FeedTable};
use futures::future::BoxFuture;
use linli_wire::notices::{Notice, NoticePriority, ReadMarks};
use linli_wire::sync::EntityKind;
use linli_wire::{CommunityId, NoticeId};
use sqlx::SqliteConnection;

/// The feed's notices: upserts and tombstones.
pub(crate) struct NoticesFeed;

impl FeedTable for NoticesFeed {
    fn apply<'a>(
        &'a self,
        conn: &'a mut SqliteConnection,
        change: &'a CacheChange,
        _notes: &'a mut crate::sync::FeedNotes,
    ) -> BoxFuture<'a, Result<Option<EntityKind>, Error>> {
        Box::pin(async move {
            match change {
                CacheChange::UpsertNotice(notice) => upsert_notice(conn, notice).await?,
                CacheChange::DeleteNotice(id) => {
                    sqlx::query("DELETE FROM notices WHERE id = ?")
                        .bind(id.to_string())
                        .execute(&mut *conn)
                        .await
                        .storage("delete a notice")?;
                }
                _ => return Ok(None),
            }
            Ok(Some(EntityKind::Notice))
        })
    }

    fn wipe<'a>(
        &'a self,
        conn: &'a mut SqliteConnection,
    ) -> BoxFuture<'a, Result<EntityKind, Error>> {
        Box::pin(async move {
            sqlx::query("DELETE FROM notices")
                .execute(&mut *conn)
                .await
                .storage("clear the cache for a new bootstrap")?;
            Ok(EntityKind::Notice)
        })
    }
}

impl Cache {
    /// Notices of `community` as stored (no projection, no order).
    pub(crate) async fn notices_in(&self, community: CommunityId) -> Result<Vec<Notice>, Error> {
        let rows: Vec<String> =
            sqlx::query_scalar("SELECT data FROM notices WHERE community_id = ?")
                .bind(community.to_string())
                .fetch_all(&self.pool)
                .await
                .storage("read the notices")?;
        Ok(rows
            .iter()
            .filter_map(|json| decode(json, "notice"))
            .collect())
    }

    pub(crate) async fn notice(&self, id: NoticeId) -> Result<Option<Notice>, Error> {
        let data: Option<String> = sqlx::query_scalar("SELECT data FROM notices WHERE id = ?")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await
            .storage("read a notice")?;
        Ok(data.and_then(|json| decode(&json, "notice")))
    }

    /// The backend accepted read marks: store them as the server now has them (the feed will
    /// say the same later), so the notice does not flash unread in between.
    pub(crate) async fn confirm_read_marks(&self, marks: &ReadMarks) -> Result<(), Error> {
        let mut tx = crate::store::write_tx(&self.pool)
            .await
            .storage("record read marks")?;
        for id in &marks.notice_ids {
            let data: Option<String> = sqlx::query_scalar("SELECT data FROM notices WHERE id = ?")
                .bind(id.to_string())
                .fetch_optional(&mut *tx)
                .await
                .storage("record read marks")?;
            let Some(mut notice) = data.and_then(|json| decode::<Notice>(&json, "notice")) else {
                continue;
            };
            if notice.read_at.is_none() {
                notice.read_at = Some(marks.read_at);
                upsert_notice(&mut tx, &notice).await?;
            }
        }
        tx.commit().await.storage("record read marks")?;
        Ok(())
    }

    /// Read marks not yet accepted by the backend, to project over the cached notices.
    pub(crate) async fn pending_read_marks(&self) -> Result<Vec<ReadMarks>, Error> {
        let payloads: Vec<String> = sqlx::query_scalar(
            "SELECT payload FROM outbox WHERE kind = ? AND payload_version = ?
             AND state IN ('pending', 'in_flight', 'blocked') ORDER BY seq",
        )
        .bind(OutboxKind::NoticeReadMarks.as_str())
        .bind(READ_MARKS_PAYLOAD_VERSION)
        .fetch_all(&self.pool)
        .await
        .storage("read queued read marks")?;
        Ok(payloads
            .iter()
            .filter_map(|json| serde_json::from_str(json).ok())
            .collect())
    }
}

async fn upsert_notice(conn: &mut SqliteConnection, notice: &Notice) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO notices (id, community_id, pinned, urgent, published_at_ms, expires_at_ms,
         version, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET community_id = excluded.community_id,
         pinned = excluded.pinned, urgent = excluded.urgent,
         published_at_ms = excluded.published_at_ms, expires_at_ms = excluded.expires_at_ms,
         version = excluded.version, data = excluded.data",
    )
    .bind(notice.id.to_string())
    .bind(notice.community_id.to_string())
    .bind(notice.pinned)
    .bind(notice.priority == NoticePriority::Urgent)
    .bind(to_ms(notice.published_at))
    .bind(notice.expires_at.map(to_ms))
    .bind(notice.version)
    .bind(encode(notice)?)
    .execute(&mut *conn)
    .await
    .storage("save a notice")?;
    Ok(())
}

/// A home no longer active takes its notices with it.
impl crate::sync::HomeData for NoticesFeed {
    fn home_kind(&self) -> linli_wire::sync::EntityKind {
        linli_wire::sync::EntityKind::Notice
    }

    fn forget_ended<'a>(
        &'a self,
        conn: &'a mut sqlx::SqliteConnection,
    ) -> futures::future::BoxFuture<'a, Result<bool, Error>> {
        Box::pin(async move {
            let mut gone = 0;
            gone += sqlx::query(&format!(
                "DELETE FROM notices WHERE community_id NOT IN ({})",
                crate::auth::ACTIVE_COMMUNITIES
            ))
            .execute(&mut *conn)
            .await
            .storage("forget a home's notices")?
            .rows_affected();
            Ok(gone > 0)
        })
    }
}
