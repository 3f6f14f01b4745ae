//! Visitor passes (访客预约) and the gate side of them.
//!
//! A resident creates a pass for one of their households; the backend issues a signed
//! credential (see linli-pass: a COSE_Sign1 CWT in Base45 behind `VP1:`) that a gate verifies
//! offline, plus a short numeric code for visitors without a working QR. The credential holds
//! no phone number and no full name. Gates fetch the community's public keys, a revocation list
//! as deltas, and upload their entry logs in batches (each entry id chosen by the gate, so a
//! re-sent batch counts once).

use crate::ids::{CommunityId, EntryId, MembershipId, PassId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;

/// `POST /v1/passes`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct CreatePass {
    /// Client-chosen UUIDv7.
    pub id: PassId,
    /// The household inviting.
    pub membership_id: MembershipId,
    /// Visitor's name as the resident types it (shown to the resident and staff; only the
    /// initials go into the credential).
    pub visitor_name: String,
    /// Visitor's phone, optional; never in the credential.
    #[serde(default)]
    pub visitor_phone: Option<String>,
    /// Car plate, optional (e.g. 浙A12345); gives the `vehicle` gate group.
    #[serde(default)]
    pub plate: Option<String>,
    /// Why they come (e.g. 探亲访友, 送货, 家政).
    pub purpose: String,
    /// Valid from.
    pub valid_from: DateTime<Utc>,
    /// Valid until (at most 7 days after `valid_from`).
    pub valid_until: DateTime<Utc>,
    /// Entries allowed per gate group, 1–10.
    pub max_entries: u32,
    /// For a recurring pass (a window of up to 90 days): the days and hours it opens.
    #[serde(default)]
    pub schedule: Option<PassSchedule>,
}

/// When a recurring pass opens, in community time (China Standard Time).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct PassSchedule {
    /// ISO weekdays, 1 = Monday … 7 = Sunday.
    pub weekdays: Vec<u8>,
    /// Opens at this minute of the day (0–1439).
    pub from_minute: u16,
    /// Closes at this minute of the day (1–1440), after `from_minute`.
    pub until_minute: u16,
}

/// Where a pass stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PassState {
    /// Issued and not yet past its window.
    Active,
    /// Revoked by the resident.
    Revoked,
    /// Its window has ended.
    Expired,
    /// A state this build does not know.
    #[serde(other)]
    Other,
}

/// The credential a gate scans.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct Credential {
    /// `cwt-cose-base45`.
    pub format: String,
    /// The QR text (`VP1:` + Base45).
    pub payload: String,
    /// The signing key's id.
    pub kid: String,
}

/// One entry a gate recorded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct PassEntry {
    /// Entry id (chosen by the gate).
    pub id: EntryId,
    /// The gate.
    pub gate_id: String,
    /// The gate's name for people, e.g. 东门人行道闸.
    pub gate_name: String,
    /// The gate's group.
    pub gate_group: String,
    /// When the visitor passed.
    pub at: DateTime<Utc>,
}

/// A visitor pass as its resident sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct VisitorPass {
    /// Pass id.
    pub id: PassId,
    /// Household.
    pub membership_id: MembershipId,
    /// Community.
    pub community_id: CommunityId,
    /// Visitor's name.
    pub visitor_name: String,
    /// Visitor's phone, masked.
    #[serde(default)]
    pub visitor_phone_masked: Option<String>,
    /// Car plate.
    #[serde(default)]
    pub plate: Option<String>,
    /// Purpose.
    pub purpose: String,
    /// Valid from.
    pub valid_from: DateTime<Utc>,
    /// Valid until.
    pub valid_until: DateTime<Utc>,
    /// Entries allowed per gate group.
    pub max_entries: u32,
    /// Gate groups it opens.
    pub gate_groups: Vec<String>,
    /// For a recurring pass: the days and hours it opens.
    #[serde(default)]
    pub schedule: Option<PassSchedule>,
    /// State.
    pub state: PassState,
    /// What the gate scans.
    pub credential: Credential,
    /// 8-digit code for a visitor without a working QR (looked up online by the gate).
    pub short_code: String,
    /// Entries reported by gates.
    pub entries: Vec<PassEntry>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Revoked, if it was.
    #[serde(default)]
    pub revoked_at: Option<DateTime<Utc>>,
}

/// `GET /v1/passes`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct PassList {
    /// Newest first.
    pub items: Vec<VisitorPass>,
}

/// A community's public key as gates use it (`GET /v1/gate/keys`), JWK-like.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct GateKey {
    /// Key id (the COSE `kid`).
    pub kid: String,
    /// Always `OKP`.
    pub kty: String,
    /// Always `Ed25519`.
    pub crv: String,
    /// Always `EdDSA`.
    pub alg: String,
    /// Public key, base64url without padding.
    pub x: String,
    /// The community whose passes it signs.
    pub community_id: CommunityId,
    /// Passes are signed with it from here.
    pub not_before: DateTime<Utc>,
    /// Gates should trust it until here (passes it signed may still be valid).
    #[serde(default)]
    pub not_after: Option<DateTime<Utc>>,
}

/// `GET /v1/gate/keys`: every key a gate of the community should trust now (several during a
/// rotation).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct GateKeySet {
    /// The keys.
    pub keys: Vec<GateKey>,
}

/// `GET /v1/gate/revocations?since=`: passes revoked after the cursor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RevocationDelta {
    /// Newly revoked passes.
    pub revoked: Vec<PassId>,
    /// Pass as `since` next time.
    pub next: String,
}

/// One entry in a gate's upload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct GateEntry {
    /// Chosen by the gate (UUIDv7); a re-sent entry counts once.
    pub id: EntryId,
    /// The pass.
    pub pass_id: PassId,
    /// When it was let in.
    pub at: DateTime<Utc>,
}

/// `POST /v1/gate/entries`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct GateEntries {
    /// The entries, oldest first.
    pub entries: Vec<GateEntry>,
}

/// One entry of a batch the backend did not count, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RefusedEntry {
    /// The gate's entry id.
    pub id: EntryId,
    /// `pass-wrong-gate-group`, `pass-not-yet-valid`, `pass-expired`, `pass-revoked` or
    /// `pass-used-up`.
    pub code: crate::ErrorCode,
}

/// The answer to `POST /v1/gate/entries`: every entry is judged on its own (the gate let the
/// visitor in already, so a batch is never refused as a whole for one of them); a re-sent
/// entry answers what it answered the first time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct GateEntriesOutcome {
    /// Entries counted against their pass's `max_entries`.
    pub counted: u32,
    /// Entries not counted, with their reasons.
    pub refused: Vec<RefusedEntry>,
}

/// `GET /v1/gate/codes/{code}`: what a short code opens (online only).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CodeLookup {
    /// The pass.
    pub pass_id: PassId,
    /// Its credential, to verify like a scanned one.
    pub credential: Credential,
}

/// A gate device as the managers (管理) of its community see it (`GET /v1/staff/gates`): what
/// it is and how long its token works.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct GateDevice {
    /// Gate id (as `linli-server gate-add` printed it).
    pub id: uuid::Uuid,
    /// Its community.
    pub community_id: CommunityId,
    /// A name for people, e.g. 东门人行道闸.
    pub name: String,
    /// Its gate group (`pedestrian`, `vehicle`).
    pub group: String,
    /// When its token stops working (`token-expired` from then on).
    pub expires_at: DateTime<Utc>,
    /// When its token was revoked; absent while it works.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<DateTime<Utc>>,
}

/// `GET /v1/staff/gates`: the gates of the communities the manager serves, oldest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct GateDeviceList {
    /// The gates.
    pub items: Vec<GateDevice>,
}
