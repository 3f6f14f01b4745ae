//! Typed identifiers. Each is a UUID on the wire (a plain string in JSON and TypeScript), typed
//! in Rust so that a notice id can never be passed where a unit id is expected.
//!
//! Ids of resources the client creates (outbox items, repair orders, payments …) are UUIDv7,
//! chosen by the client, so a retried create can never make a second resource.

use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
            TS, ToSchema,
        )]
        #[serde(transparent)]
        #[schema(value_type = String, format = Uuid)]
        pub struct $name(pub Uuid);

        impl $name {
            /// Wraps an existing UUID.
            pub const fn from_uuid(id: Uuid) -> Self {
                Self(id)
            }
            /// The underlying UUID.
            pub const fn as_uuid(&self) -> &Uuid {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

id_type!(
    /// A resident (or staff) account.
    UserId
);
id_type!(
    /// A residential community (小区).
    CommunityId
);
id_type!(
    /// A unit (房屋) inside a building of a community.
    UnitId
);
id_type!(
    /// A resident's binding to a unit: one household.
    MembershipId
);
id_type!(
    /// An owner's invitation of someone, by phone, into their home.
    InvitationId
);
id_type!(
    /// A resident's request to bind a home (绑定房屋申请).
    HomeRequestId
);
id_type!(
    /// A community notice (公告).
    NoticeId
);
id_type!(
    /// A client-chosen UUIDv7 naming one queued write; sent as the `Idempotency-Key`.
    MutationId
);
id_type!(
    /// A visitor pass (访客通行证), chosen by the client (UUIDv7) so a retried create is one pass.
    PassId
);
id_type!(
    /// One entry a gate recorded, chosen by the gate so a re-uploaded log is counted once.
    EntryId
);
id_type!(
    /// A bill (账单) of a unit.
    BillId
);
id_type!(
    /// One line of a bill.
    BillLineId
);
id_type!(
    /// A payment order, chosen by the client (UUIDv7) so a retried create is one order.
    PaymentOrderId
);
id_type!(
    /// A receipt (收据) of a successful payment.
    ReceiptId
);
id_type!(
    /// A service ticket (报修, 投诉, 建议, 表扬), chosen by the client (UUIDv7).
    TicketId
);
