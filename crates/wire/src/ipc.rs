//! Shapes that only cross the desktop shell's IPC boundary (core → UI), never HTTP.
//!
//! The UI receives the contract types (notices, households …) unchanged, plus these views of
//! client state: the session, connectivity and outbox status, and the events the core emits.

use crate::error::ErrorCode;
use crate::ids::MembershipId;
use crate::me::{Membership, User};
use crate::sync::EntityKind;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// UI language. zh-CN is the default.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
pub enum Locale {
    /// 简体中文.
    #[default]
    #[serde(rename = "zh-CN")]
    ZhCn,
    /// English.
    #[serde(rename = "en")]
    En,
}

impl Locale {
    /// BCP 47 tag, as sent in `Accept-Language`.
    pub fn as_tag(self) -> &'static str {
        match self {
            Self::ZhCn => "zh-CN",
            Self::En => "en",
        }
    }
}

/// The resident's home requests as the app last synced them (`home_requests`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct HomeRequestsView {
    /// Their own requests, every state, newest first.
    pub mine: Vec<crate::homes::HomeRequest>,
    /// Family and tenant requests waiting for them as a room's owner.
    pub to_decide: Vec<crate::homes::HomeRequest>,
}

/// The signed-in resident as the app knows it (possibly from the cache, offline).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AccountView {
    /// The account.
    pub user: User,
    /// Households.
    pub memberships: Vec<Membership>,
    /// The household the app currently shows; everything on screen follows it.
    pub current_membership_id: Option<MembershipId>,
}

/// What the app shows at start: who is signed in, in which language, against which backend.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SessionView {
    /// `null` when nobody is signed in.
    pub account: Option<AccountView>,
    /// The remembered UI language.
    pub locale: Locale,
    /// The backend the app talks to; `null` until the resident joins a community (加入小区).
    pub backend: Option<crate::join::BackendView>,
    /// Why the last session ended, when it ended on its own (e.g. `refresh-reused`).
    pub ended_because: Option<ErrorCode>,
    /// Desktop notifications of ticket progress are wanted (the OS may still silence them).
    pub notifications: bool,
}

/// Connectivity and the outbox at a glance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SyncStatus {
    /// The last request reached the backend.
    pub online: bool,
    /// When the cache was last brought up to date.
    pub last_synced_at: Option<DateTime<Utc>>,
    /// Writes waiting to be sent.
    pub outbox_pending: u32,
    /// Writes the backend refused for good (kept for the resident to see).
    pub outbox_rejected: u32,
}

/// Something the core wants the UI to know. Sent on the `core-event` channel.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum CoreEvent {
    /// The backend became reachable or unreachable.
    Connectivity {
        /// Reachable now.
        online: bool,
    },
    /// Cached data changed; screens showing these kinds should reload.
    DataChanged {
        /// Which kinds changed.
        kinds: Vec<EntityKind>,
    },
    /// The outbox moved.
    Outbox {
        /// Writes waiting.
        pending: u32,
        /// Writes refused for good.
        rejected: u32,
    },
    /// The session ended without the resident asking (revoked, replayed token, signed out).
    SessionEnded {
        /// Why.
        code: ErrorCode,
    },
    /// Something to tell the resident as a desktop notification (a staff step or comment on
    /// their ticket, a home request decided or waiting for them), already in their language;
    /// the shell shows it as it is.
    Notification {
        /// Title.
        title: String,
        /// Text.
        body: String,
        /// The ticket it is about (none for a summary of several).
        ticket_id: Option<crate::ids::TicketId>,
    },
}

/// What the resident fills in to invite a visitor (the core adds the id and the household).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct NewPass {
    /// Visitor's name.
    pub visitor_name: String,
    /// Visitor's phone, optional.
    #[serde(default)]
    pub visitor_phone: Option<String>,
    /// Car plate, optional.
    #[serde(default)]
    pub plate: Option<String>,
    /// Purpose.
    pub purpose: String,
    /// Valid from.
    pub valid_from: DateTime<Utc>,
    /// Valid until.
    pub valid_until: DateTime<Utc>,
    /// Entries allowed.
    pub max_entries: u32,
    /// For a recurring pass: the days and hours it opens.
    #[serde(default)]
    pub schedule: Option<crate::passes::PassSchedule>,
}

/// Where a pass stands on this device.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum PassViewState {
    /// Written here, waiting to be issued (offline or not yet sent).
    Pending,
    /// The backend refused to issue it (`error` says why).
    Rejected,
    /// Issued and valid now.
    Active,
    /// Issued; its window has not started.
    Upcoming,
    /// Its window has ended.
    Expired,
    /// Revoked.
    Revoked,
}

/// A visitor pass as the app shows it: issued ones from the cache, pending ones from the
/// outbox.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PassView {
    /// Pass id.
    pub id: crate::ids::PassId,
    /// Household.
    pub membership_id: MembershipId,
    /// Visitor's name.
    pub visitor_name: String,
    /// Car plate.
    pub plate: Option<String>,
    /// Purpose.
    pub purpose: String,
    /// Valid from.
    pub valid_from: DateTime<Utc>,
    /// Valid until.
    pub valid_until: DateTime<Utc>,
    /// Entries allowed per gate group.
    pub max_entries: u32,
    /// Entries gates reported.
    pub entries_used: u32,
    /// Those entries, oldest first.
    pub entries: Vec<crate::passes::PassEntry>,
    /// For a recurring pass: the days and hours it opens.
    pub schedule: Option<crate::passes::PassSchedule>,
    /// State.
    pub state: PassViewState,
    /// The QR text, once issued.
    pub payload: Option<String>,
    /// The 8-digit code, once issued.
    pub short_code: Option<String>,
    /// Why issuing failed (`Rejected`).
    pub error: Option<ErrorCode>,
}

/// A photo the resident picked, prepared on the device and kept for a report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PhotoDraft {
    /// Its attachment id (the upload's key).
    pub id: uuid::Uuid,
    /// A small JPEG data URL to show at once.
    pub thumbnail: String,
    /// Prepared width.
    pub width: u32,
    /// Prepared height.
    pub height: u32,
    /// Prepared size in bytes.
    #[ts(type = "number")]
    pub bytes: u64,
}

/// What the resident fills in for a report, complaint, suggestion or praise.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct NewTicket {
    /// Kind.
    pub kind: crate::tickets::TicketKind,
    /// Category code.
    pub category: String,
    /// Where.
    pub place: crate::tickets::TicketPlace,
    /// For a public place: where exactly.
    pub place_note: Option<String>,
    /// Urgency.
    pub urgency: crate::tickets::TicketUrgency,
    /// What happened.
    pub description: String,
    /// Preferred visit windows.
    pub visit_windows: Vec<crate::tickets::VisitWindow>,
    /// Prepared photos (their draft ids).
    pub photo_ids: Vec<uuid::Uuid>,
    /// A suggestion staff see without the name.
    pub anonymous: bool,
    /// The bill line disputed.
    pub bill_line_id: Option<crate::ids::BillLineId>,
}

/// Where a ticket stands on the device.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum TicketViewState {
    /// 待发送: queued, with its photos.
    Pending,
    /// A photo was refused: waiting for the resident (retry, edit, discard).
    Blocked,
    /// The backend has it (`ticket`).
    Sent,
}

/// One photo of a queued report, and how far its upload got.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PhotoProgress {
    /// Attachment id.
    pub id: uuid::Uuid,
    /// Bytes the server confirmed.
    #[ts(type = "number")]
    pub sent: u64,
    /// Bytes in all.
    #[ts(type = "number")]
    pub total: u64,
    /// `waiting`, `done` or `rejected`.
    pub state: String,
}

/// A ticket as the app shows it: queued (`request`, `photos`) or the backend's (`ticket`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct TicketView {
    /// Ticket id.
    pub id: crate::ids::TicketId,
    /// Where it stands on the device.
    pub state: TicketViewState,
    /// The queued report, until the backend has it.
    pub request: Option<crate::tickets::CreateTicket>,
    /// The backend's ticket, once sent.
    pub ticket: Option<crate::tickets::Ticket>,
    /// Upload progress of a queued report's photos.
    pub photos: Vec<PhotoProgress>,
    /// The last problem sending it.
    pub error: Option<ErrorCode>,
}

/// What the resident does to a ticket the backend has (needs the network).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum TicketStep {
    /// Adds a comment.
    Comment {
        /// Text.
        text: String,
    },
    /// Cancels it (before acceptance).
    Cancel,
    /// Confirms the work is done.
    Confirm,
    /// Says it is not fixed.
    Reopen {
        /// What is still wrong.
        reason: String,
    },
    /// Rates it (closes it).
    Rate {
        /// The rating.
        rating: crate::tickets::Rating,
    },
}

/// What the resident decides for a report a photo of which the backend refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum BlockedChoice {
    /// Send the report without the refused photos.
    SendWithout,
    /// Drop the report and its photos.
    Discard,
}

/// A stretch of a notice's text in a search result: `hit` where it matches the query. The
/// UI renders hits as `<mark>` from these parts, never from HTML.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct MarkedText {
    /// The text, as it stands in the notice.
    pub text: String,
    /// Whether it matches one of the query's terms.
    pub hit: bool,
}

/// One notice found by `search_notices`, with its title and a snippet of its text marked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct NoticeHit {
    /// The notice, pending read marks projected.
    pub notice: crate::notices::Notice,
    /// The whole title, in parts.
    pub title: Vec<MarkedText>,
    /// A stretch of the body around its first match (the summary when only the title
    /// matched), with `…` parts where it was cut.
    pub snippet: Vec<MarkedText>,
}
