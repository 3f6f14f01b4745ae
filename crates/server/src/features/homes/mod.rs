//! Binding a home (issue 10, part 3): the community directory a resident walks (building →
//! entrance → room, one level per answer), the property's owner records (only a masked hint
//! leaves), and home requests decided by the owner record, the room's owner or the desk.
//!
//! Rules live in [`requests`] (its `//!` says who decides what); approval makes the membership
//! through the memberships feature's `join`, which records it in the change feed. The desk's
//! role check is the tickets feature's staff matrix (`staff_role_allows`,
//! `decide_home_request`: service staff and managers), and its scope the staff's communities
//! (outside them a request is not found).

pub mod directory;
pub mod handlers;
pub mod requests;

pub use directory::record_owner;
pub use requests::Deciding;

use crate::AppState;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// This feature's documented routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(handlers::buildings))
        .routes(routes!(handlers::entrances))
        .routes(routes!(handlers::rooms))
        .routes(routes!(handlers::create, handlers::mine))
        .routes(routes!(handlers::to_decide))
        .routes(routes!(handlers::cancel))
        .routes(routes!(handlers::approve))
        .routes(routes!(handlers::refuse))
        .routes(routes!(handlers::staff_list))
        .routes(routes!(handlers::staff_approve))
        .routes(routes!(handlers::staff_refuse))
}
