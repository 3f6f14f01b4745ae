//! linli-wire: the one home of Linli's contract.
//!
//! Everything that crosses a boundary is defined here once: the HTTP bodies of the `/v1` API
//! (shared by the reference server and the client core), the RFC 9457 problem body and its
//! stable `code` registry, and the shapes the desktop shell sends over IPC. The UI's TypeScript
//! types are generated from these definitions (`ui/src/generated/wire.ts`, checked for drift by
//! this crate's tests), and the OpenAPI document takes its schemas from them.
//!
//! Invariants:
//! - serde only, no I/O: this crate never opens a file or a socket.
//! - Enums that the server may extend are *open*: an unknown value decodes as `Other`
//!   (or `Unknown` for error codes) instead of failing the whole response.
//! - Ids are UUIDv7 strings; timestamps are RFC 3339 in UTC.

pub mod auth;
pub mod bills;
pub mod error;
pub mod headers;
pub mod homes;
pub mod ids;
pub mod invitations;
pub mod ipc;
pub mod join;
pub mod limits;
pub mod me;
pub mod notices;
pub mod passes;
pub mod sync;
pub mod tickets;
pub mod ts;

pub use error::{ErrorCode, FieldError, IpcError, Problem};
pub use ids::*;

/// Path prefix of every contract route. Additive changes only within a version.
pub const API_PREFIX: &str = "/v1";
