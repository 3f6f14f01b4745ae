//! The notices' SQL: what a resident may see (with their own `read_at`), pages of it, and
//! their read marks. Every change of a read mark is recorded in the change log in the same
//! transaction ([`crate::changes`]). The change feed ([`crate::features::sync`]) renders
//! notices with [`visible`] and [`visible_after`].

use crate::changes::{self, Scope, VISIBLE_COMMUNITIES};
use crate::clock::from_ms;
use crate::db::open_enum;
use linli_wire::notices::Notice;
use linli_wire::sync::{ChangeOp, EntityKind};
use linli_wire::{CommunityId, NoticeId};
use sqlx::SqliteConnection;
use uuid::Uuid;

#[derive(sqlx::FromRow)]
struct NoticeRow {
    id: String,
    community_id: String,
    title: String,
    summary: String,
    body: String,
    category: String,
    priority: String,
    pinned: i64,
    publisher: String,
    published_at: i64,
    starts_at: Option<i64>,
    ends_at: Option<i64>,
    expires_at: Option<i64>,
    service_back_at: Option<i64>,
    targets: String,
    affects_me: bool,
    version: i64,
    read_at: Option<i64>,
}

impl NoticeRow {
    fn into_wire(self) -> Result<Notice, sqlx::Error> {
        Ok(Notice {
            id: NoticeId(crate::db::parse_id(&self.id)?),
            community_id: CommunityId(crate::db::parse_id(&self.community_id)?),
            title: self.title,
            summary: self.summary,
            body: self.body,
            category: open_enum(&self.category)?,
            priority: open_enum(&self.priority)?,
            pinned: self.pinned != 0,
            publisher: self.publisher,
            published_at: from_ms(self.published_at),
            starts_at: self.starts_at.map(from_ms),
            ends_at: self.ends_at.map(from_ms),
            expires_at: self.expires_at.map(from_ms),
            service_back_at: self.service_back_at.map(from_ms),
            targets: serde_json::from_str(&self.targets)
                .map_err(|err| sqlx::Error::Decode(Box::new(err)))?,
            affects_me: self.affects_me,
            read_at: self.read_at.map(from_ms),
            version: self.version,
        })
    }
}

/// Whether a notice `n` concerns one of user `?`'s active homes: a notice without targets
/// concerns the whole community; a target names a building (every entrance) or one entrance
/// of it, as the units table names them. The one place `affects_me` is decided.
const AFFECTS_USER: &str =
    "EXISTS (SELECT 1 FROM memberships am JOIN units au ON au.id = am.unit_id
     WHERE am.user_id = ? AND am.state = 'active' AND au.community_id = n.community_id
       AND (n.targets = '[]' OR EXISTS (SELECT 1 FROM json_each(n.targets) t
            WHERE t.value ->> '$.building' = au.building
              AND (t.value ->> '$.entrance' IS NULL OR t.value ->> '$.entrance' = au.entrance))))";

/// Notices as user `?` sees them (bind the user id three times: whether it concerns their
/// homes, read marks, visibility).
fn select_visible() -> String {
    format!(
        "SELECT n.id, n.community_id, n.title, n.summary, n.body, n.category, n.priority,
                n.pinned, n.publisher, n.published_at, n.starts_at, n.ends_at, n.expires_at,
                n.service_back_at, n.targets, {AFFECTS_USER} AS affects_me,
                n.version, r.read_at
         FROM notices n LEFT JOIN notice_reads r ON r.notice_id = n.id AND r.user_id = ?
         WHERE n.community_id IN ({VISIBLE_COMMUNITIES})"
    )
}

/// One notice, if `user` may see it.
pub async fn visible(
    conn: &mut SqliteConnection,
    user: Uuid,
    id: Uuid,
) -> sqlx::Result<Option<Notice>> {
    let sql = format!("{} AND n.id = ?", select_visible());
    let row: Option<NoticeRow> = sqlx::query_as(&sql)
        .bind(user.to_string())
        .bind(user.to_string())
        .bind(user.to_string())
        .bind(id.to_string())
        .fetch_optional(conn)
        .await?;
    row.map(NoticeRow::into_wire).transpose()
}

/// A notice is read until it expires: the one condition the list and the detail share (bind
/// now in Unix milliseconds). The change feed ([`visible`]) carries an expired notice as it is,
/// `expires_at` included, and the client hides it by that field.
const UNEXPIRED: &str = "(n.expires_at IS NULL OR n.expires_at > ?)";

/// One notice, if `user` may see it and it has not expired at `now_ms` (the detail and a
/// single read mark: an expired notice is as unknown as one that never was, 404).
pub(crate) async fn current(
    conn: &mut SqliteConnection,
    user: Uuid,
    id: Uuid,
    now_ms: i64,
) -> sqlx::Result<Option<Notice>> {
    let sql = format!("{} AND n.id = ? AND {UNEXPIRED}", select_visible());
    let row: Option<NoticeRow> = sqlx::query_as(&sql)
        .bind(user.to_string())
        .bind(user.to_string())
        .bind(user.to_string())
        .bind(id.to_string())
        .bind(now_ms)
        .fetch_optional(conn)
        .await?;
    row.map(NoticeRow::into_wire).transpose()
}

/// Visible notices with ids after `after`, by id (bootstrap pages).
pub async fn visible_after(
    conn: &mut SqliteConnection,
    user: Uuid,
    after: Option<Uuid>,
    limit: usize,
) -> sqlx::Result<Vec<Notice>> {
    let sql = format!("{} AND n.id > ? ORDER BY n.id LIMIT ?", select_visible());
    let rows: Vec<NoticeRow> = sqlx::query_as(&sql)
        .bind(user.to_string())
        .bind(user.to_string())
        .bind(user.to_string())
        .bind(after.map(|id| id.to_string()).unwrap_or_default())
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(conn)
        .await?;
    rows.into_iter().map(NoticeRow::into_wire).collect()
}

/// Whether `community` is one of `user`'s active households' communities.
pub(crate) async fn is_member(
    conn: &mut SqliteConnection,
    user: Uuid,
    community: CommunityId,
) -> sqlx::Result<bool> {
    let sql = format!("SELECT EXISTS ({VISIBLE_COMMUNITIES} AND u.community_id = ?)");
    sqlx::query_scalar(&sql)
        .bind(user.to_string())
        .bind(community.to_string())
        .fetch_one(conn)
        .await
}

/// Up to `limit` unexpired notices `user` sees (of one community or all), newest first,
/// after the `(published_at, id)` position `after`.
pub(crate) async fn page(
    conn: &mut SqliteConnection,
    user: Uuid,
    community: Option<CommunityId>,
    now_ms: i64,
    after: Option<&(i64, String)>,
    limit: i64,
) -> sqlx::Result<Vec<Notice>> {
    let sql = format!(
        "{} AND (? IS NULL OR n.community_id = ?)
           AND {UNEXPIRED}
           AND (? IS NULL OR (n.published_at, n.id) < (?, ?))
         ORDER BY n.published_at DESC, n.id DESC LIMIT ?",
        select_visible(),
    );
    let community = community.map(|c| c.to_string());
    let rows: Vec<NoticeRow> = sqlx::query_as(&sql)
        .bind(user.to_string())
        .bind(user.to_string())
        .bind(user.to_string())
        .bind(&community)
        .bind(&community)
        .bind(now_ms)
        .bind(after.map(|(at, _)| *at))
        .bind(after.map(|(at, _)| *at))
        .bind(after.map(|(_, id)| id.clone()))
        .bind(limit)
        .fetch_all(conn)
        .await?;
    rows.into_iter().map(NoticeRow::into_wire).collect()
}

/// Records that `user` read `ids` at `read_at` (earliest mark kept); returns how many changed.
pub(crate) async fn mark(
    conn: &mut SqliteConnection,
    user: Uuid,
    ids: &[Uuid],
    read_at: i64,
    now: i64,
) -> sqlx::Result<usize> {
    let mut changed = 0;
    for id in ids {
        let sql = format!(
            "INSERT INTO notice_reads (user_id, notice_id, read_at)
             SELECT ?, n.id, ? FROM notices n WHERE n.id = ? AND n.community_id IN ({VISIBLE_COMMUNITIES})
             ON CONFLICT (user_id, notice_id) DO UPDATE SET read_at = excluded.read_at
               WHERE excluded.read_at < notice_reads.read_at"
        );
        let done = sqlx::query(&sql)
            .bind(user.to_string())
            .bind(read_at)
            .bind(id.to_string())
            .bind(user.to_string())
            .execute(&mut *conn)
            .await?;
        if done.rows_affected() > 0 {
            changes::record(
                conn,
                EntityKind::Notice,
                *id,
                ChangeOp::Upsert,
                Scope::User(user),
                now,
            )
            .await?;
            changed += 1;
        }
    }
    Ok(changed)
}
