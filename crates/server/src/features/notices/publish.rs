//! Publishing and withdrawing notices (the staff endpoint, the seed, tests): each is one
//! transaction that also records the change for every resident of the community
//! ([`crate::changes`]).
//!
//! A notice's targets are checked against the community's directory here, the one way in
//! for every publisher: a building must have units in the community, an entrance units in that
//! building (the names the homes directory lists), so `affects_me` can never be decided on a
//! name no home carries. Repeated targets are kept once.

use crate::changes::{self, Scope};
use crate::error::{ApiError, ApiResult};
use chrono::{DateTime, Utc};
use linli_wire::notices::{NoticeCategory, NoticePriority, NoticeTarget};
use linli_wire::sync::{ChangeOp, EntityKind};
use sqlx::{SqliteConnection, SqlitePool};
use uuid::Uuid;

/// Targets one notice may name, at most.
pub const MAX_TARGETS: usize = 50;

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
    /// When the service an outage stops is expected back.
    pub service_back_at: Option<DateTime<Utc>>,
    /// The buildings or entrances it concerns; empty for the whole community.
    pub targets: Vec<NoticeTarget>,
}

fn spelling<T: serde::Serialize>(value: T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| "other".to_owned())
}

/// Publishes a notice: every resident of the community gets it in their feed.
pub async fn publish(db: &SqlitePool, notice: &NewNotice, now_ms: i64) -> anyhow::Result<Uuid> {
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    let (id, _) = publish_in(&mut tx, notice, now_ms).await.map_err(|err| {
        anyhow::anyhow!(
            "{}{}",
            err.code,
            err.detail.map(|d| format!(": {d}")).unwrap_or_default()
        )
    })?;
    tx.commit().await?;
    Ok(id)
}

/// Publishes a notice in the caller's transaction, its targets checked against the
/// community's directory first (422 with the pointer of the first unknown one); the new id
/// and the targets as stored.
pub async fn publish_in(
    conn: &mut SqliteConnection,
    notice: &NewNotice,
    now_ms: i64,
) -> ApiResult<(Uuid, Vec<NoticeTarget>)> {
    let targets = checked_targets(conn, notice.community_id, &notice.targets).await?;
    let id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO notices (id, community_id, title, summary, body, category, priority, pinned,
            publisher, published_at, starts_at, ends_at, expires_at, service_back_at, targets)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
    .bind(notice.service_back_at.map(|t| t.timestamp_millis()))
    .bind(serde_json::to_string(&targets).map_err(ApiError::internal)?)
    .execute(&mut *conn)
    .await?;
    changes::record(
        conn,
        EntityKind::Notice,
        id,
        ChangeOp::Upsert,
        Scope::Community(notice.community_id),
        now_ms,
    )
    .await?;
    Ok((id, targets))
}

/// The targets as stored: names trimmed, each one of the community's buildings (and of that
/// building's entrances), repeats dropped; 422 `validation-failed` naming the first bad one.
async fn checked_targets(
    conn: &mut SqliteConnection,
    community: Uuid,
    targets: &[NoticeTarget],
) -> ApiResult<Vec<NoticeTarget>> {
    if targets.len() > MAX_TARGETS {
        return Err(ApiError::invalid(
            "/targets",
            "too-many",
            format!("name at most {MAX_TARGETS} buildings or entrances"),
        ));
    }
    let mut kept: Vec<NoticeTarget> = Vec::new();
    for (i, target) in targets.iter().enumerate() {
        let building = target.building.trim().to_owned();
        let entrance = target.entrance.as_ref().map(|e| e.trim().to_owned());
        let known_building: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM units WHERE community_id = ? AND building = ?)",
        )
        .bind(community.to_string())
        .bind(&building)
        .fetch_one(&mut *conn)
        .await?;
        if !known_building {
            return Err(ApiError::invalid(
                &format!("/targets/{i}/building"),
                "unknown-building",
                format!("the community has no building named {building:?}"),
            ));
        }
        if let Some(entrance) = &entrance {
            let known_entrance: bool = sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM units WHERE community_id = ? AND building = ?
                 AND entrance = ?)",
            )
            .bind(community.to_string())
            .bind(&building)
            .bind(entrance)
            .fetch_one(&mut *conn)
            .await?;
            if entrance.is_empty() || !known_entrance {
                return Err(ApiError::invalid(
                    &format!("/targets/{i}/entrance"),
                    "unknown-entrance",
                    format!("{building} has no entrance named {entrance:?}"),
                ));
            }
        }
        let target = NoticeTarget { building, entrance };
        if !kept.contains(&target) {
            kept.push(target);
        }
    }
    Ok(kept)
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
