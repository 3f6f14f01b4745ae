//! A resident's bindings to homes, as they change: an owner's invitations of family and
//! tenants ([`invitations`]), the owner managing the home's members ([`members`]), leaving a
//! home (moving out), and tenancies ending on their last day (housekeeping,
//! [`end_tenancies`]). What each role may do in its home is the rights matrix in [`rules`],
//! which every feature acting for a home asks.
//!
//! Leaving (or being removed, or a tenancy's end) ends the membership in one transaction: its state becomes `ended` (and its
//! version moves, so the change feed carries it), every visitor pass the member made for that
//! home is revoked and entered in the community's revocation list (gates refuse them after
//! their next sync), and the home's bills, passes and tickets leave the member's lists, so the
//! app drops them at its next sync. The tickets themselves stay with the home. Writes for an
//! ended membership are refused as `membership-required` by every feature (they check
//! `state = 'active'`). Revoking the member's passes writes the passes' revocation list the
//! way the passes feature does (see [`store`]); the passes feature, like every feature acting
//! for a home, uses this one's [`rules`].

pub mod handlers;
pub mod invitations;
pub mod members;
pub(crate) mod render;
pub mod rules;
pub(crate) mod store;

pub use members::mask_name;
pub use render::mask_phone;

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
        .routes(routes!(handlers::members_of))
        .routes(routes!(handlers::remove_member))
}

/// Ends every tenancy whose last day has passed in Beijing (housekeeping, on the server's
/// clock): the same effects as the owner removing the tenant. Answers how many ended.
pub async fn end_tenancies(state: &AppState) -> anyhow::Result<usize> {
    let now = state.clock.now_ms();
    let mut tx = state.db.begin_with("BEGIN IMMEDIATE").await?;
    let ended = members::end_tenancies(&mut tx, crate::clock::community_today(now), now).await?;
    tx.commit().await?;
    Ok(ended)
}
