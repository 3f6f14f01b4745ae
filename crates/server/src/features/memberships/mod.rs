//! A resident's bindings to homes, as they change: an owner's invitations of family and
//! tenants ([`invitations`]), and leaving a home (moving out).
//!
//! Leaving ends the membership in one transaction: its state becomes `ended` (and its
//! version moves, so the change feed carries it), every visitor pass the member made for that
//! home is revoked and entered in the community's revocation list (gates refuse them after
//! their next sync), and the home's bills, passes and tickets leave the member's lists, so the
//! app drops them at its next sync. The tickets themselves stay with the home. Writes for an
//! ended membership are refused as `membership-required` by every feature (they check
//! `state = 'active'`). This feature uses the passes feature's revocation (see [`store`]).

pub mod handlers;
pub mod invitations;
pub(crate) mod store;

use crate::AppState;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// This feature's documented routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(handlers::leave))
        .routes(routes!(handlers::invite))
        .routes(routes!(handlers::invitations_of))
        .routes(routes!(handlers::accept))
        .routes(routes!(handlers::decline))
}
