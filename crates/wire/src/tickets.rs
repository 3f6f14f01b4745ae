//! Service tickets: repair reports (报修), complaints (投诉), suggestions (建议) and praise
//! (表扬), one engine followed to a rating: 事事有回音，件件有落实.
//!
//! A resident creates a ticket with a client-chosen UUIDv7 id (and an `Idempotency-Key`),
//! referencing photos already uploaded through `/v1/uploads` by their attachment ids. Staff
//! move it along; every step is an event on its timeline. Each state allows a fixed set of
//! actions (`allowed`); anything else answers 409 `invalid-transition` with the current state.
//!
//! States: `submitted` → `accepted` → `assigned` → `in_progress` → `completed` →
//! `confirmed` → `closed` (rated, or automatically after a period). Also `deferred` (with a
//! resume date; resumes by itself), `awaiting_payment` (a paid repair), `rejected` (with a
//! reason), `canceled` (by the resident, before acceptance), and `reopened` (the resident says
//! it is not fixed, within a period after completion; staff accept it again).

use crate::ids::MembershipId;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;

/// What kind of ticket.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TicketKind {
    /// 报修: something is broken.
    Repair,
    /// 投诉: something is wrong with the service.
    Complaint,
    /// 建议: an idea.
    Suggestion,
    /// 表扬: thanks.
    Praise,
    /// A kind this build does not know.
    #[serde(other)]
    Other,
}

/// Where the problem is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TicketPlace {
    /// In the household's own unit.
    Unit,
    /// In a public area (described in `place_note`).
    Public,
    /// A place this build does not know.
    #[serde(other)]
    Other,
}

/// How urgent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TicketUrgency {
    /// Within the usual deadlines.
    Normal,
    /// Sooner (a leak, no power).
    Urgent,
    /// An urgency this build does not know.
    #[serde(other)]
    Other,
}

/// A time the resident is home for a visit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct VisitWindow {
    /// From.
    pub from: DateTime<Utc>,
    /// Until.
    pub until: DateTime<Utc>,
}

/// `POST /v1/tickets`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct CreateTicket {
    /// Client-chosen UUIDv7.
    pub id: crate::ids::TicketId,
    /// Household.
    pub membership_id: MembershipId,
    /// Kind.
    pub kind: TicketKind,
    /// Category code (see the contract's list per kind), e.g. `water_electric`.
    pub category: String,
    /// Where.
    pub place: TicketPlace,
    /// For a public place: where exactly.
    #[serde(default)]
    pub place_note: Option<String>,
    /// How urgent (repairs).
    pub urgency: TicketUrgency,
    /// What happened.
    pub description: String,
    /// One to three preferred visit windows (repairs in the unit).
    #[serde(default)]
    pub visit_windows: Vec<VisitWindow>,
    /// Photos, uploaded first (at most 9).
    #[serde(default)]
    pub attachment_ids: Vec<uuid::Uuid>,
    /// A suggestion staff see without the resident's name.
    #[serde(default)]
    pub anonymous: bool,
    /// A complaint about a bill line ("dispute this line").
    #[serde(default)]
    pub bill_line_id: Option<crate::ids::BillLineId>,
}

/// Where a ticket stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TicketState {
    /// 已提交: waiting to be accepted.
    Submitted,
    /// 已受理.
    Accepted,
    /// 已派单: someone is assigned.
    Assigned,
    /// 处理中.
    InProgress,
    /// 暂缓: waiting until `resume_on`.
    Deferred,
    /// 待付费: a paid repair waiting for payment.
    AwaitingPayment,
    /// 已完成: the resident confirms or reopens.
    Completed,
    /// 已确认.
    Confirmed,
    /// 已关闭 (rated, or closed automatically).
    Closed,
    /// 已驳回, with a reason.
    Rejected,
    /// 已撤销 by the resident.
    Canceled,
    /// 重新处理: the resident said it is not fixed.
    Reopened,
    /// A state this build does not know.
    #[serde(other)]
    Other,
}

/// Who did something.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    /// The resident.
    Resident,
    /// Property staff.
    Staff,
    /// The system (automatic steps).
    System,
    /// An actor this build does not know.
    #[serde(other)]
    Other,
}

/// One step on a ticket's timeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct TicketEvent {
    /// Event id.
    pub id: uuid::Uuid,
    /// When.
    pub at: DateTime<Utc>,
    /// Who, by role.
    pub actor: Actor,
    /// Their name as shown (staff name and post, or the resident).
    pub actor_name: String,
    /// What: `created`, `accepted`, `assigned`, `started`, `deferred`, `resumed`, `rejected`,
    /// `completed`, `payment_requested`, `comment`, `canceled`, `confirmed`, `reopened`,
    /// `rated`, `auto_confirmed`, `auto_closed`.
    pub action: String,
    /// A note (reason, comment text).
    #[serde(default)]
    pub note: Option<String>,
    /// Photos attached to this step.
    #[serde(default)]
    pub attachment_ids: Vec<uuid::Uuid>,
}

/// The resident's rating (回访).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct Rating {
    /// Overall, 1–5.
    pub overall: u8,
    /// Speed, 1–5.
    pub speed: u8,
    /// Service attitude, 1–5.
    pub service: u8,
    /// Tags, e.g. 上门准时.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Comment.
    #[serde(default)]
    pub comment: Option<String>,
}

/// A ticket as its resident sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct Ticket {
    /// Ticket id.
    pub id: crate::ids::TicketId,
    /// Number as staff say it, e.g. BX202611290012.
    pub number: String,
    /// Household.
    pub membership_id: MembershipId,
    /// Kind.
    pub kind: TicketKind,
    /// Category code.
    pub category: String,
    /// Where.
    pub place: TicketPlace,
    /// Where exactly, for a public place.
    pub place_note: Option<String>,
    /// Urgency.
    pub urgency: TicketUrgency,
    /// What happened.
    pub description: String,
    /// Preferred visit windows.
    pub visit_windows: Vec<VisitWindow>,
    /// Photos of the report.
    pub attachment_ids: Vec<uuid::Uuid>,
    /// Anonymous to staff.
    pub anonymous: bool,
    /// The bill line disputed, for such a complaint.
    pub bill_line_id: Option<crate::ids::BillLineId>,
    /// State.
    pub state: TicketState,
    /// Actions the resident may take now: `comment`, `cancel`, `confirm`, `reopen`, `rate`.
    pub allowed: Vec<String>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// The property company promises a response by then.
    pub response_due_at: DateTime<Utc>,
    /// … and a fix by then.
    pub fix_due_at: DateTime<Utc>,
    /// Past a promised deadline and not done.
    pub overdue: bool,
    /// For `deferred`: the day work resumes.
    pub resume_on: Option<NaiveDate>,
    /// For `awaiting_payment`: the amount, in minor units.
    #[ts(type = "number | null")]
    pub payment_minor: Option<i64>,
    /// Who is assigned (name and post).
    pub assignee: Option<String>,
    /// The rating, once given.
    pub rating: Option<Rating>,
    /// The timeline, oldest first.
    pub events: Vec<TicketEvent>,
}

/// `GET /v1/tickets`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct TicketList {
    /// Newest first.
    pub items: Vec<Ticket>,
}

/// A comment by the resident (`POST /v1/tickets/{id}/comments`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct TicketComment {
    /// Text.
    pub text: String,
    /// Photos, uploaded first.
    #[serde(default)]
    pub attachment_ids: Vec<uuid::Uuid>,
}

/// A reason, for reopening (`POST /v1/tickets/{id}/reopen`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct TicketReason {
    /// Why.
    pub reason: String,
}

/// What staff do to a ticket (`POST /v1/staff/tickets/{id}/actions`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum StaffAction {
    /// 受理.
    Accept,
    /// 派单 to a person.
    Assign {
        /// Name and post, e.g. 王师傅（水电工）.
        assignee: String,
    },
    /// 开始处理.
    Start,
    /// 暂缓 until a day.
    Defer {
        /// The day work resumes (it resumes by itself).
        resume_on: NaiveDate,
        /// Why.
        reason: String,
    },
    /// 驳回 with a reason.
    Reject {
        /// Why.
        reason: String,
    },
    /// 完成.
    Complete {
        /// What was done.
        note: String,
        /// After-photos: the acting staff member's own finished uploads (`/v1/uploads` with
        /// their staff token), shown on the completion step of the timeline.
        #[serde(default)]
        attachment_ids: Vec<uuid::Uuid>,
    },
    /// A paid repair: the resident pays before completion.
    RequestPayment {
        /// Amount in minor units.
        amount_minor: i64,
        /// What it is for.
        note: String,
    },
    /// A comment to the resident.
    Comment {
        /// Text.
        text: String,
    },
}
