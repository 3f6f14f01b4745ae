//! Visitor passes, the resident's side (`/v1/passes…`).
//!
//! A pass belongs to one household (membership) and is visible only to that household's
//! resident who made it. Creating one issues the signed credential at once (linli-pass) with
//! the community's current key, and an 8-digit short code unique in the community among
//! passes, drawn from the OS random source. The credential carries the visitor's initials
//! only. Revoking is idempotent and enters the community's revocation list for gates.
//!
//! [`handlers`] is the HTTP side; [`rules`] what a request may ask; `issue` makes a pass and
//! its credential; [`store`] the SQL;
//! [`keys`] the signing keys the command line rotates and the gate feature publishes.

pub mod handlers;
mod issue;
pub mod keys;
pub(crate) mod rules;
pub(crate) mod store;

pub use keys::{FORMAT, rotate_key};

use crate::AppState;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// This feature's documented routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(handlers::create, handlers::list))
        .routes(routes!(handlers::detail))
        .routes(routes!(handlers::revoke))
}
