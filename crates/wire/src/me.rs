//! The signed-in resident and their households (`GET /v1/me`).
//!
//! A household is a [`Membership`]: the resident's binding to one unit of one community. A
//! resident may have several (an owner of one flat who rents another); the app shows one at a
//! time and everything on screen follows the chosen one.
//!
//! A membership carries what its member may do in that home ([`Membership::allowed`]): the
//! backend decides it from the role (its rights matrix, docs/rights.md) and the app shows a
//! button only when its [`Action`] is listed, so no rule is copied into a client. An ended
//! membership allows nothing.

use crate::ids::{CommunityId, MembershipId, UnitId, UserId};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;

/// The resident's own account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct User {
    /// Account id.
    pub id: UserId,
    /// Name shown in the app (e.g. 王女士).
    pub display_name: String,
    /// Phone number with the middle digits hidden (138****5678).
    pub phone_masked: String,
}

/// A community (小区) as a resident sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct Community {
    /// Community id.
    pub id: CommunityId,
    /// Name, e.g. 翠湖花园.
    pub name: String,
    /// Street address.
    pub address: String,
    /// The property company (物业) that runs it.
    pub property_company: String,
    /// The service desk's phone number.
    pub service_phone: String,
}

/// A unit (房屋).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct Unit {
    /// Unit id.
    pub id: UnitId,
    /// Building, e.g. 3栋.
    pub building: String,
    /// Entrance, e.g. 2单元 (empty when the building has one).
    pub entrance: String,
    /// Room number, e.g. 1502.
    pub room: String,
    /// Floor area in square metres ×100 (integer, never a float: 89.50 m² is 8950).
    #[ts(type = "number")]
    pub area_centi_m2: i64,
}

/// How the resident relates to the unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MembershipRole {
    /// 业主.
    Owner,
    /// 家属.
    Family,
    /// 租户.
    Tenant,
    /// A role this build does not know.
    #[serde(other)]
    Other,
}

/// Whether the binding is in force.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MembershipState {
    /// Waiting for the property company to confirm.
    Pending,
    /// In force.
    Active,
    /// Refused.
    Rejected,
    /// Ended (moved out).
    Ended,
    /// A state this build does not know.
    #[serde(other)]
    Other,
}

/// Something a member may do in their home; [`Membership::allowed`] lists the ones the
/// backend grants this member.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Report a repair (报修).
    ReportRepair,
    /// Complain, suggest or praise (投诉 / 建议 / 表扬).
    Complain,
    /// Issue and revoke visitor passes.
    IssuePasses,
    /// Read the community's notices.
    ReadNotices,
    /// See and pay the home's utility and parking bills (water, electricity, shared area,
    /// parking) and their receipts.
    PayBills,
    /// See and pay every bill of the home, the property fee included, and read the fee ledger.
    PayPropertyFee,
    /// Invite family or a tenant by phone.
    Invite,
    /// See the home's members.
    SeeMembers,
    /// Remove a family member or tenant from the home.
    ManageMembers,
    /// Approve or refuse others' requests to bind the home.
    DecideHomeRequests,
    /// Leave the home (move out).
    MoveOut,
    /// An action this build does not know.
    #[serde(other)]
    Other,
}

/// One household of the resident.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct Membership {
    /// Membership id.
    pub id: MembershipId,
    /// The community.
    pub community: Community,
    /// The unit.
    pub unit: Unit,
    /// The resident's role.
    pub role: MembershipRole,
    /// Whether it is in force.
    pub state: MembershipState,
    /// A tenancy's last day (Beijing); absent for owners and family. The tenancy ends at the
    /// start of the next day.
    #[serde(default)]
    pub ends_on: Option<NaiveDate>,
    /// What this member may do in this home, as the backend decides (empty once ended).
    #[serde(default)]
    pub allowed: Vec<Action>,
}

/// One member of a home, as the home's owner (or family) sees them
/// (`GET /v1/memberships/{id}/members`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct HomeMember {
    /// The member's membership id (the one to remove).
    pub membership_id: MembershipId,
    /// Their name with all but the first character hidden (王*), or in full for oneself.
    pub name: String,
    /// Their phone with the middle digits hidden (138****0001).
    pub phone_masked: String,
    /// Their role in the home.
    pub role: MembershipRole,
    /// A tenancy's last day.
    #[serde(default)]
    pub ends_on: Option<NaiveDate>,
    /// When they joined the home.
    pub since: DateTime<Utc>,
    /// Whether this is the caller.
    pub is_me: bool,
    /// Whether the caller may remove this member.
    pub removable: bool,
}

/// The active members of a home, owners first, then by when they joined.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct HomeMemberList {
    /// The members.
    pub items: Vec<HomeMember>,
}

/// `GET /v1/me`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct Me {
    /// The account.
    pub user: User,
    /// Every household, active ones first.
    pub memberships: Vec<Membership>,
}
