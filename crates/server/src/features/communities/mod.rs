//! Communities as anyone may see them, before signing in: what a join link leads to (加入小区).
//!
//! - `GET /v1/communities/{id}` answers a community's name, address, property company and
//!   service phone without a token: the app shows them before the resident joins, and checks
//!   that the link's community exists on the backend it names. `GET /v1/communities` lists
//!   them all, for an address typed by hand (advanced).
//! - `GET /join/{id}` is the page a join link opens in a browser (a phone camera opens the QR
//!   code's link like any other): the community's name and how to open the link in the app.
//!   It is not part of the contract, so it is not in the OpenAPI document.
//! - [`join_link`] makes a community's link for `linli-server join-link`: the backend's URL,
//!   the community, and the pin of the data dir's CA (which [`crate::tls`] presents after the
//!   server's certificate, so the app can find it in the chain).
//!
//! The link's format is `linli_wire::join` (parsed and printed there only).

pub mod handlers;
pub mod join_link;
pub(crate) mod store;

pub use join_link::{JoinLinkOutput, PinOf, join_link, write_qr_png};

use crate::AppState;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// This feature's documented routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(handlers::communities))
        .routes(routes!(handlers::community))
}

/// The join page, outside the contract.
pub fn join_page() -> axum::Router<AppState> {
    axum::Router::new().route("/join/{id}", axum::routing::get(handlers::join_page))
}
