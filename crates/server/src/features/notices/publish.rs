//! Publishing and withdrawing notices (the seed, staff tools, tests): each is one transaction
//! that also records the change for every resident of the community ([`crate::changes`]).

use crate::changes::{self, Scope};
use chrono::{DateTime, Utc};
use linli_wire::notices::{NoticeCategory, NoticePriority};
use linli_wire::sync::{ChangeOp, EntityKind};
use sqlx::SqlitePool;
use uuid::Uuid;

/// A notice to publish (seed data, staff tools, tests).
#[derive(Clone, Debug)]
pub struct NewNotice {
    /// Community.
    pub community_id: Uuid,
    /// Headline.
    pub title: String,
    /// One-line summary.
    pub summary: String,
    /// Full text.
    pub body: String,
    /// Category.
    pub category: NoticeCategory,
    /// Priority.
    pub priority: NoticePriority,
    /// Pinned to the top.
    pub pinned: bool,
    /// Publisher shown to residents.
    pub publisher: String,
    /// Publication time.
    pub published_at: DateTime<Utc>,
    /// Event start.
    pub starts_at: Option<DateTime<Utc>>,
    /// Event end.
    pub ends_at: Option<DateTime<Utc>>,
    /// Hidden after.
    pub expires_at: Option<DateTime<Utc>>,
}

fn spelling<T: serde::Serialize>(value: T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| "other".to_owned())
}

/// Publishes a notice: every resident of the community gets it in their feed.
pub async fn publish(db: &SqlitePool, notice: &NewNotice, now_ms: i64) -> anyhow::Result<Uuid> {
    let id = Uuid::now_v7();
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    sqlx::query(
        "INSERT INTO notices (id, community_id, title, summary, body, category, priority, pinned,
            publisher, published_at, starts_at, ends_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(id.to_string())
    .bind(notice.community_id.to_string())
    .bind(&notice.title)
    .bind(&notice.summary)
    .bind(&notice.body)
    .bind(spelling(notice.category))
    .bind(spelling(notice.priority))
    .bind(i64::from(notice.pinned))
    .bind(&notice.publisher)
    .bind(notice.published_at.timestamp_millis())
    .bind(notice.starts_at.map(|t| t.timestamp_millis()))
    .bind(notice.ends_at.map(|t| t.timestamp_millis()))
    .bind(notice.expires_at.map(|t| t.timestamp_millis()))
    .execute(&mut *tx)
    .await?;
    changes::record(
        &mut tx,
        EntityKind::Notice,
        id,
        ChangeOp::Upsert,
        Scope::Community(notice.community_id),
        now_ms,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Withdraws a notice; residents' caches drop it through a tombstone.
pub async fn withdraw(db: &SqlitePool, id: Uuid, now_ms: i64) -> anyhow::Result<bool> {
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    let community: Option<String> =
        sqlx::query_scalar("DELETE FROM notices WHERE id = ? RETURNING community_id")
            .bind(id.to_string())
            .fetch_optional(&mut *tx)
            .await?;
    let Some(community) = community else {
        return Ok(false);
    };
    changes::record(
        &mut tx,
        EntityKind::Notice,
        id,
        ChangeOp::Delete,
        Scope::Community(crate::db::parse_id(&community)?),
        now_ms,
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}
