//! One account's `cache.db`: the resident, their memberships, the notices of their
//! communities as the server last sent them, and the change-feed cursor. (The outbox shares
//! the database; see [`crate::outbox`].)
//!
//! Entities are kept as the wire JSON plus a few columns to filter and sort on, so a newer
//! field the server adds survives a round trip through the cache. A row that no longer
//! decodes is skipped with a warning, never failing the whole list. Pending writes are not
//! stored here: [`arrange_notices`] projects them over the rows when they are read.

use crate::error::{Error, StorageContext};
use crate::store::to_ms;
use chrono::{DateTime, Utc};
use linli_wire::me::{Me, Membership, User};
use linli_wire::notices::{Notice, NoticePriority, ReadMarks};
use linli_wire::sync::EntityKind;
use linli_wire::{CommunityId, MembershipId, NoticeId};
use sqlx::SqlitePool;
use std::path::Path;
use uuid::Uuid;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/cache");

/// One change to apply, already decoded from the feed.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum CacheChange {
    UpsertNotice(Box<Notice>),
    DeleteNotice(Uuid),
    UpsertMembership(Box<Membership>),
    DeleteMembership(Uuid),
}

/// Handle on one account's `cache.db`.
#[derive(Clone, Debug)]
pub(crate) struct Cache {
    pub(crate) pool: SqlitePool,
}

fn decode<T: serde::de::DeserializeOwned>(json: &str, what: &str) -> Option<T> {
    match serde_json::from_str(json) {
        Ok(value) => Some(value),
        Err(err) => {
            tracing::warn!("skipping a cached {what} that no longer decodes: {err}");
            None
        }
    }
}

fn encode(value: &impl serde::Serialize) -> Result<String, Error> {
    serde_json::to_string(value).map_err(|err| Error::Internal(format!("encode for cache: {err}")))
}

/// The notices to show: not expired at `now`, pending read marks projected, pinned first,
/// then urgent, then newest.
pub(crate) fn arrange_notices(
    mut notices: Vec<Notice>,
    pending_marks: &[ReadMarks],
    now: DateTime<Utc>,
) -> Vec<Notice> {
    notices.retain(|notice| notice.expires_at.is_none_or(|expires| expires > now));
    for notice in &mut notices {
        project_read_marks(notice, pending_marks);
    }
    notices.sort_by(|a, b| {
        b.pinned
            .cmp(&a.pinned)
            .then_with(|| {
                let urgent = |n: &Notice| n.priority == NoticePriority::Urgent;
                urgent(b).cmp(&urgent(a))
            })
            .then_with(|| b.published_at.cmp(&a.published_at))
            .then_with(|| b.id.cmp(&a.id))
    });
    notices
}

/// Shows `notice` as read when a pending mark names it (the earliest mark wins, as on the
/// server). A notice the server already has as read keeps the server's time.
pub(crate) fn project_read_marks(notice: &mut Notice, pending_marks: &[ReadMarks]) {
    if notice.read_at.is_some() {
        return;
    }
    notice.read_at = pending_marks
        .iter()
        .filter(|marks| marks.notice_ids.contains(&notice.id))
        .map(|marks| marks.read_at)
        .min();
}

impl Cache {
    pub(crate) async fn open(path: &Path) -> Result<Self, Error> {
        let pool = super::open_db(path, &MIGRATOR, "account cache").await?;
        Ok(Self { pool })
    }

    pub(crate) async fn close(&self) {
        self.pool.close().await;
    }

    /// Stores `GET /v1/me`; answers whether anything the UI shows changed.
    pub(crate) async fn save_me(&self, me: &Me, now: DateTime<Utc>) -> Result<bool, Error> {
        let before = (self.user().await?, self.memberships().await?);
        let mut tx = crate::store::write_tx(&self.pool)
            .await
            .storage("save the account")?;
        sqlx::query(
            "INSERT INTO account (id, user_id, data, updated_at) VALUES (1, ?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET user_id = excluded.user_id, data = excluded.data,
             updated_at = excluded.updated_at",
        )
        .bind(me.user.id.to_string())
        .bind(encode(&me.user)?)
        .bind(now.to_rfc3339())
        .execute(&mut *tx)
        .await
        .storage("save the account")?;
        sqlx::query("DELETE FROM memberships")
            .execute(&mut *tx)
            .await
            .storage("replace the households")?;
        for (position, membership) in me.memberships.iter().enumerate() {
            upsert_membership(
                &mut tx,
                membership,
                i64::try_from(position).unwrap_or(i64::MAX),
            )
            .await?;
        }
        tx.commit().await.storage("save the account")?;
        Ok(before != (Some(me.user.clone()), me.memberships.clone()))
    }

    pub(crate) async fn user(&self) -> Result<Option<User>, Error> {
        let data: Option<String> = sqlx::query_scalar("SELECT data FROM account WHERE id = 1")
            .fetch_optional(&self.pool)
            .await
            .storage("read the account")?;
        Ok(data.and_then(|json| decode(&json, "account")))
    }

    pub(crate) async fn memberships(&self) -> Result<Vec<Membership>, Error> {
        let rows: Vec<String> =
            sqlx::query_scalar("SELECT data FROM memberships ORDER BY position, id")
                .fetch_all(&self.pool)
                .await
                .storage("read the households")?;
        Ok(rows
            .iter()
            .filter_map(|json| decode(json, "household"))
            .collect())
    }

    pub(crate) async fn membership(&self, id: MembershipId) -> Result<Option<Membership>, Error> {
        let data: Option<String> = sqlx::query_scalar("SELECT data FROM memberships WHERE id = ?")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await
            .storage("read a household")?;
        Ok(data.and_then(|json| decode(&json, "household")))
    }

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

    pub(crate) async fn cursor(&self) -> Result<Option<String>, Error> {
        let cursor: Option<String> =
            sqlx::query_scalar("SELECT cursor FROM sync_state WHERE id = 1")
                .fetch_one(&self.pool)
                .await
                .storage("read the sync cursor")?;
        Ok(cursor)
    }

    pub(crate) async fn last_synced_at(&self) -> Result<Option<DateTime<Utc>>, Error> {
        let at: Option<String> =
            sqlx::query_scalar("SELECT last_synced_at FROM sync_state WHERE id = 1")
                .fetch_one(&self.pool)
                .await
                .storage("read the sync state")?;
        Ok(at
            .and_then(|at| DateTime::parse_from_rfc3339(&at).ok())
            .map(|at| at.with_timezone(&Utc)))
    }

    pub(crate) async fn set_synced(&self, now: DateTime<Utc>) -> Result<(), Error> {
        sqlx::query("UPDATE sync_state SET last_synced_at = ? WHERE id = 1")
            .bind(now.to_rfc3339())
            .execute(&self.pool)
            .await
            .storage("save the sync time")?;
        Ok(())
    }

    /// Applies one feed page and stores its cursor, all in one transaction. With `wipe_first`
    /// (after a 410) the cached notices and memberships go first, in the same transaction, so
    /// the UI never sees an empty cache in between. Answers the kinds that changed.
    pub(crate) async fn apply_page(
        &self,
        changes: &[CacheChange],
        next_cursor: &str,
        wipe_first: bool,
    ) -> Result<Vec<EntityKind>, Error> {
        let mut kinds = Vec::new();
        let mut note = |kind: EntityKind| {
            if !kinds.contains(&kind) {
                kinds.push(kind);
            }
        };
        let mut tx = crate::store::write_tx(&self.pool)
            .await
            .storage("apply synced changes")?;
        if wipe_first {
            for table in ["DELETE FROM notices", "DELETE FROM memberships"] {
                sqlx::query(table)
                    .execute(&mut *tx)
                    .await
                    .storage("clear the cache for a new bootstrap")?;
            }
            note(EntityKind::Notice);
            note(EntityKind::Membership);
        }
        for change in changes {
            match change {
                CacheChange::UpsertNotice(notice) => {
                    upsert_notice(&mut tx, notice).await?;
                    note(EntityKind::Notice);
                }
                CacheChange::DeleteNotice(id) => {
                    sqlx::query("DELETE FROM notices WHERE id = ?")
                        .bind(id.to_string())
                        .execute(&mut *tx)
                        .await
                        .storage("delete a notice")?;
                    note(EntityKind::Notice);
                }
                CacheChange::UpsertMembership(membership) => {
                    let position: i64 = sqlx::query_scalar(
                        "SELECT COALESCE((SELECT position FROM memberships WHERE id = ?),
                         (SELECT COALESCE(MAX(position), -1) + 1 FROM memberships))",
                    )
                    .bind(membership.id.to_string())
                    .fetch_one(&mut *tx)
                    .await
                    .storage("place a household")?;
                    upsert_membership(&mut tx, membership, position).await?;
                    note(EntityKind::Membership);
                }
                CacheChange::DeleteMembership(id) => {
                    sqlx::query("DELETE FROM memberships WHERE id = ?")
                        .bind(id.to_string())
                        .execute(&mut *tx)
                        .await
                        .storage("delete a household")?;
                    note(EntityKind::Membership);
                }
            }
        }
        sqlx::query("UPDATE sync_state SET cursor = ? WHERE id = 1")
            .bind(next_cursor)
            .execute(&mut *tx)
            .await
            .storage("save the sync cursor")?;
        tx.commit().await.storage("apply synced changes")?;
        Ok(kinds)
    }
}

async fn upsert_notice(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    notice: &Notice,
) -> Result<(), Error> {
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
    .execute(&mut **tx)
    .await
    .storage("save a notice")?;
    Ok(())
}

async fn upsert_membership(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    membership: &Membership,
    position: i64,
) -> Result<(), Error> {
    let state = serde_json::to_value(membership.state)
        .ok()
        .and_then(|value| value.as_str().map(str::to_owned))
        .unwrap_or_default();
    sqlx::query(
        "INSERT INTO memberships (id, community_id, state, position, data) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET community_id = excluded.community_id,
         state = excluded.state, position = excluded.position, data = excluded.data",
    )
    .bind(membership.id.to_string())
    .bind(membership.community.id.to_string())
    .bind(state)
    .bind(position)
    .bind(encode(membership)?)
    .execute(&mut **tx)
    .await
    .storage("save a household")?;
    Ok(())
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
pub(crate) fn at(ms: i64) -> DateTime<Utc> {
    crate::store::from_ms(ms)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use linli_wire::notices::NoticeCategory;

    pub(crate) fn notice(community: CommunityId, title: &str, published_ms: i64) -> Notice {
        Notice {
            id: NoticeId(Uuid::now_v7()),
            community_id: community,
            title: title.to_owned(),
            summary: String::new(),
            body: String::new(),
            category: NoticeCategory::General,
            priority: NoticePriority::Normal,
            pinned: false,
            publisher: "物业服务中心".to_owned(),
            published_at: at(published_ms),
            starts_at: None,
            ends_at: None,
            expires_at: None,
            read_at: None,
            version: 1,
        }
    }

    #[test]
    fn pinned_then_urgent_then_newest() {
        let c = CommunityId(Uuid::now_v7());
        let old = notice(c, "old", 1_000);
        let new = notice(c, "new", 3_000);
        let mut urgent = notice(c, "urgent", 2_000);
        urgent.priority = NoticePriority::Urgent;
        let mut pinned = notice(c, "pinned", 500);
        pinned.pinned = true;
        let shown = arrange_notices(vec![old, new, urgent, pinned], &[], at(0));
        let titles: Vec<_> = shown.iter().map(|n| n.title.as_str()).collect();
        assert_eq!(titles, ["pinned", "urgent", "new", "old"]);
    }

    #[test]
    fn expired_notices_are_hidden() {
        let c = CommunityId(Uuid::now_v7());
        let mut gone = notice(c, "gone", 1_000);
        gone.expires_at = Some(at(5_000));
        let shown = arrange_notices(vec![gone.clone()], &[], at(4_999));
        assert_eq!(shown.len(), 1, "shown until it expires");
        assert!(arrange_notices(vec![gone], &[], at(5_000)).is_empty());
    }

    #[test]
    fn pending_marks_show_as_read_but_server_time_wins() {
        let c = CommunityId(Uuid::now_v7());
        let unread = notice(c, "unread", 1_000);
        let mut read_on_server = notice(c, "server", 2_000);
        read_on_server.read_at = Some(at(10));
        let untouched = notice(c, "untouched", 3_000);
        let marks = [
            ReadMarks {
                notice_ids: vec![unread.id, read_on_server.id],
                read_at: at(50),
            },
            ReadMarks {
                notice_ids: vec![unread.id],
                read_at: at(40),
            },
        ];
        let shown = arrange_notices(vec![unread, read_on_server, untouched], &marks, at(0));
        let by_title = |t: &str| shown.iter().find(|n| n.title == t).expect(t).read_at;
        assert_eq!(
            by_title("unread"),
            Some(at(40)),
            "earliest pending mark wins"
        );
        assert_eq!(
            by_title("server"),
            Some(at(10)),
            "server's read time is kept"
        );
        assert_eq!(by_title("untouched"), None, "no mark, still unread");
    }

    #[tokio::test]
    async fn feed_pages_upsert_delete_and_wipe() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = Cache::open(&dir.path().join("cache.db"))
            .await
            .expect("open");
        let c = CommunityId(Uuid::now_v7());
        let a = notice(c, "a", 1_000);
        let b = notice(c, "b", 2_000);
        let kinds = cache
            .apply_page(
                &[
                    CacheChange::UpsertNotice(Box::new(a.clone())),
                    CacheChange::UpsertNotice(Box::new(b.clone())),
                ],
                "c1",
                false,
            )
            .await
            .expect("apply");
        assert_eq!(kinds, [EntityKind::Notice]);
        assert_eq!(cache.cursor().await.expect("cursor").as_deref(), Some("c1"));
        assert_eq!(cache.notices_in(c).await.expect("read").len(), 2);

        cache
            .apply_page(&[CacheChange::DeleteNotice(a.id.0)], "c2", false)
            .await
            .expect("tombstone");
        assert_eq!(
            cache.notice(a.id).await.expect("read"),
            None,
            "tombstone removes it"
        );

        cache
            .apply_page(
                &[CacheChange::UpsertNotice(Box::new(a.clone()))],
                "c3",
                true,
            )
            .await
            .expect("wipe and bootstrap");
        let left = cache.notices_in(c).await.expect("read");
        assert_eq!(
            left,
            vec![a.clone()],
            "a wipe drops what the bootstrap does not resend"
        );

        cache
            .confirm_read_marks(&ReadMarks {
                notice_ids: vec![a.id],
                read_at: at(7),
            })
            .await
            .expect("confirm");
        assert_eq!(
            cache
                .notice(a.id)
                .await
                .expect("read")
                .and_then(|n| n.read_at),
            Some(at(7))
        );
        assert_eq!(count(&cache.pool, "notices").await, 1);
        cache.close().await;
    }
}
