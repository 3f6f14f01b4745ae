//! The gate side (`/v1/gate/…`): what a gate device needs to verify passes offline.
//!
//! A gate authenticates with its own bearer token (made by `linli-server gate-add`, stored as
//! SHA-256; it expires, a year by default, and `linli-server gate-revoke` stops it at once),
//! bound to one community and one gate group. It fetches the community's public
//! keys (all unretired ones, so a rotation never strands a pass), the revocation list as
//! deltas (`since` is the last `next` it saw), uploads its entry log in batches (entry ids
//! are the gate's, so a re-sent batch counts once; entries of passes of other communities are
//! refused), and may look up a short code online. Failed code lookups are throttled per gate:
//! an 8-digit code cannot be guessed at the rate a gate is allowed to ask.
//!
//! [`handlers`] is the HTTP side; [`devices`] registers gates and authenticates them;
//! [`managed`] lets a community's managers (管理) list its gates and revoke one; `store`
//! keeps the entry log and the code throttle. Keys, revocations and codes are the passes
//! feature's data, read through its `keys` and `store` (never its handlers).

pub mod devices;
pub mod handlers;
pub mod managed;
mod store;

pub use crate::features::passes::keys::RETIRED_KEY_TRUST_MS;
pub use devices::{Gate, add_gate, enrol_gate, revoke_gate};

use crate::AppState;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// This feature's documented routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(handlers::keys))
        .routes(routes!(handlers::revocations))
        .routes(routes!(handlers::entries))
        .routes(routes!(handlers::code))
        .routes(routes!(managed::list))
        .routes(routes!(managed::revoke))
}
