//! An owner invites family or a tenant into their home by phone number
//! (`POST /v1/memberships/{id}/invitations`); the invitee sees it after signing in
//! (`GET /v1/invitations`) and accepts or declines it. Accepting makes an active membership with
//! the invitation's role (and, for a tenant, its end date). Only an owner invites; an owner is
//! never invited (owners bind through the property's owner record).

use crate::ids::InvitationId;
use crate::me::{Community, MembershipRole, Unit};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;

/// `POST /v1/memberships/{id}/invitations`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct CreateInvitation {
    /// The invitee's mainland mobile number.
    pub phone: String,
    /// `family` or `tenant`.
    pub role: MembershipRole,
    /// The last day of a tenancy (Beijing); required for a tenant, absent otherwise.
    #[serde(default)]
    pub ends_on: Option<NaiveDate>,
}

/// Where an invitation stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InvitationState {
    /// Waiting for the invitee.
    Pending,
    /// Accepted: the invitee is a member now.
    Accepted,
    /// Declined by the invitee.
    Declined,
    /// A state this build does not know.
    #[serde(other)]
    Other,
}

/// An invitation, as the owner and the invitee see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct Invitation {
    /// Invitation id.
    pub id: InvitationId,
    /// The home's community.
    pub community: Community,
    /// The home.
    pub unit: Unit,
    /// The role offered.
    pub role: MembershipRole,
    /// A tenancy's last day.
    pub ends_on: Option<NaiveDate>,
    /// The owner's name, as they show it.
    pub invited_by: String,
    /// The invitee's phone, masked (138****0001).
    pub phone_masked: String,
    /// Where it stands.
    pub state: InvitationState,
    /// When it was made.
    pub created_at: DateTime<Utc>,
}

/// `GET /v1/invitations`: the pending invitations addressed to the caller's phone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct InvitationList {
    /// Newest first.
    pub items: Vec<Invitation>,
}
