//! Binding a home (绑定房屋): the backend's directory of a community (buildings → units, the
//! schema's `entrance` → rooms) and a resident's request to bind one room as its owner (业主),
//! family (家属) or tenant (租户).
//!
//! The directory is walked one level at a time (a community may have thousands of rooms): the
//! buildings, then the entrances of one building, then the rooms of one entrance. Each room
//! says whether an owner is bound and, from the property's owner record, a masked hint of the
//! owner's name (王*: only the surname), never the name.
//!
//! A request is decided by whoever may: an owner whose name matches the owner record is
//! approved at once (`decided_by: record`); any other owner claim — no record, a name that does
//! not match, or a room that has an active owner already — waits for the property's desk; a
//! family member's or tenant's request waits for the room's active owner (or the desk when it
//! has none), and the desk may decide it too. Approval makes an active membership (a tenant's
//! with its last day), which reaches the resident's app through the change feed.

use crate::ids::{HomeRequestId, MembershipId, UnitId};
use crate::me::{Community, MembershipRole, Unit};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;

/// One level of the directory: building names, or the entrances of one building (an empty
/// name is a building with one entrance).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct NameList {
    /// In the property's order (numbers by value: 2栋 before 10栋).
    pub items: Vec<String>,
}

/// A room of the directory.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct DirectoryRoom {
    /// The unit.
    pub unit: Unit,
    /// Whether an owner is bound to it (an active owner membership).
    pub owner_bound: bool,
    /// The owner record's names, masked (王*), when the property has a record.
    pub owner_hint: Option<String>,
}

/// `GET /v1/communities/{id}/rooms?building=&entrance=`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct RoomList {
    /// By room number.
    pub items: Vec<DirectoryRoom>,
}

/// `POST /v1/home-requests`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct CreateHomeRequest {
    /// The room, from the directory.
    pub unit_id: UnitId,
    /// How the resident relates to it.
    pub relation: MembershipRole,
    /// An owner's own name as the property recorded it (required for an owner, absent
    /// otherwise).
    #[serde(default)]
    pub owner_name: Option<String>,
    /// A tenancy's last day (Beijing): required for a tenant, absent otherwise.
    #[serde(default)]
    pub ends_on: Option<NaiveDate>,
}

/// Where a home request stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HomeRequestState {
    /// Waiting for its decider (`waits_for`).
    Pending,
    /// Approved: the resident is a member (`membership_id`).
    Approved,
    /// Refused (`reason`).
    Refused,
    /// Withdrawn by the resident.
    Cancelled,
    /// A state this build does not know.
    #[serde(other)]
    Other,
}

/// Who decides (or decided) a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decider {
    /// The property's owner record matched (an owner bound at once).
    Record,
    /// The room's owner.
    Owner,
    /// The property's service desk.
    Desk,
    /// A decider this build does not know.
    #[serde(other)]
    Other,
}

/// A request to bind a home, as the requester, the room's owner and the desk see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct HomeRequest {
    /// Request id.
    pub id: HomeRequestId,
    /// The room's community.
    pub community: Community,
    /// The room.
    pub unit: Unit,
    /// The relation asked for.
    pub relation: MembershipRole,
    /// A tenancy's last day.
    pub ends_on: Option<NaiveDate>,
    /// The requester's name, as they show it.
    pub requester: String,
    /// The requester's phone, masked (139****0055).
    pub phone_masked: String,
    /// Where it stands.
    pub state: HomeRequestState,
    /// Who decides it, while pending.
    pub waits_for: Option<Decider>,
    /// Who decided it, once decided.
    pub decided_by: Option<Decider>,
    /// Why it was refused.
    pub reason: Option<String>,
    /// The membership an approval made.
    pub membership_id: Option<MembershipId>,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it was decided or cancelled.
    pub decided_at: Option<DateTime<Utc>>,
}

/// A list of requests, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct HomeRequestList {
    /// Newest first.
    pub items: Vec<HomeRequest>,
}

/// `POST …/refuse`: why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct Refusal {
    /// Shown to the requester (1–200 characters).
    pub reason: String,
}
