//! Community notices (公告): 停水停电, 电梯维保, 消防演练, 社区活动, 物业费通知 …
//!
//! A notice belongs to one community. Read state is per resident and monotonic (no "mark
//! unread" in v1); marking read is idempotent (`PUT /v1/notices/{id}/read`, or the batch
//! `POST /v1/notices/read-marks` the outbox uses), so a replayed mark changes nothing.

use crate::ids::{CommunityId, NoticeId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;

/// What a notice is about. Open: unknown values decode as `Other`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NoticeCategory {
    /// 停水.
    WaterOutage,
    /// 停电.
    PowerOutage,
    /// 电梯维保.
    ElevatorMaintenance,
    /// 消防演练 / 消防安全.
    FireSafety,
    /// 社区活动.
    CommunityEvent,
    /// 物业费 and other fee notices.
    Fees,
    /// 一般通知.
    General,
    /// A category this build does not know.
    #[serde(other)]
    Other,
}

/// How loudly to show a notice. Open: unknown values decode as `Other`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NoticePriority {
    /// Ordinary.
    Normal,
    /// Sorted first and highlighted (e.g. an outage today).
    Urgent,
    /// A priority this build does not know (shown as normal).
    #[serde(other)]
    Other,
}

/// A notice as the signed-in resident sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct Notice {
    /// Notice id.
    pub id: NoticeId,
    /// The community it is published in.
    pub community_id: CommunityId,
    /// Headline.
    pub title: String,
    /// One-line summary for the list.
    pub summary: String,
    /// Full text; paragraphs separated by blank lines.
    pub body: String,
    /// Category.
    pub category: NoticeCategory,
    /// Priority.
    pub priority: NoticePriority,
    /// Pinned notices come first.
    pub pinned: bool,
    /// Who published it, e.g. 翠湖花园物业服务中心.
    pub publisher: String,
    /// When it was published.
    pub published_at: DateTime<Utc>,
    /// When the event it announces starts (an outage window), if any.
    #[serde(default)]
    pub starts_at: Option<DateTime<Utc>>,
    /// When that event ends, if known.
    #[serde(default)]
    pub ends_at: Option<DateTime<Utc>>,
    /// After this moment the notice is no longer shown.
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
    /// When the service an outage stops (停水, 停电) is expected back, if said.
    #[serde(default)]
    pub service_back_at: Option<DateTime<Utc>>,
    /// The buildings or entrances it concerns; empty for the whole community.
    #[serde(default)]
    pub targets: Vec<NoticeTarget>,
    /// Whether it concerns one of the resident's homes, decided by the backend from their
    /// active households (always true for a notice to the whole community).
    #[serde(default = "concerns_everyone")]
    pub affects_me: bool,
    /// When this resident read it; `null` while unread.
    #[serde(default)]
    pub read_at: Option<DateTime<Utc>>,
    /// Increases on every change; the `ETag` of the notice.
    #[ts(type = "number")]
    pub version: i64,
}

fn concerns_everyone() -> bool {
    true
}

/// A part of the community a notice concerns: a building (every entrance of it) or one
/// entrance of a building, named as the homes directory names them
/// (`GET /v1/communities/{id}/buildings`, `…/entrances?building=`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
pub struct NoticeTarget {
    /// The building, e.g. 3栋.
    #[schema(min_length = 1, max_length = 40)]
    pub building: String,
    /// One entrance of it (e.g. 1单元); `null` for the whole building.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 40)]
    pub entrance: Option<String>,
}

/// `POST /v1/staff/notices`: a notice the property publishes to one community it serves.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct PublishNotice {
    /// The community (one the staff member serves).
    pub community_id: CommunityId,
    /// Headline, 1–60 characters.
    #[schema(min_length = 1, max_length = 60)]
    pub title: String,
    /// One-line summary for the list, up to 120 characters.
    #[serde(default)]
    #[schema(max_length = 120)]
    pub summary: String,
    /// Full text, 1–5000 characters.
    #[schema(min_length = 1, max_length = 5000)]
    pub body: String,
    /// Category.
    pub category: NoticeCategory,
    /// Priority.
    pub priority: NoticePriority,
    /// Pinned to the top.
    #[serde(default)]
    pub pinned: bool,
    /// When the event starts, if it is one.
    #[serde(default)]
    pub starts_at: Option<DateTime<Utc>>,
    /// When the event ends, if known.
    #[serde(default)]
    pub ends_at: Option<DateTime<Utc>>,
    /// When the service is expected back (停水, 停电), if said.
    #[serde(default)]
    pub service_back_at: Option<DateTime<Utc>>,
    /// After this moment the notice is no longer shown.
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
    /// The buildings or entrances it concerns (empty: the whole community), each one of the
    /// community's directory, at most 50.
    #[serde(default)]
    #[schema(max_items = 50)]
    pub targets: Vec<NoticeTarget>,
}

/// `POST /v1/staff/notices` answered: the notice's id and its targets as stored (trimmed,
/// repeats dropped).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct PublishedNotice {
    /// The new notice.
    pub id: NoticeId,
    /// Its targets, as residents will see them.
    pub targets: Vec<NoticeTarget>,
}

/// `GET /v1/notices`: one page of notices, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct NoticePage {
    /// The notices.
    pub items: Vec<Notice>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(default)]
    pub next_cursor: Option<String>,
}

/// `POST /v1/notices/read-marks`: mark several notices read at once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct ReadMarks {
    /// Notices to mark read; unknown or invisible ids are ignored.
    pub notice_ids: Vec<NoticeId>,
    /// When the resident read them (client clock); the server keeps the earliest mark.
    pub read_at: DateTime<Utc>,
}
