//! Service tickets: residents report, staff act, the system keeps promises and deadlines.
//!
//! Invariants:
//! - Every change is one transaction that checks the state, moves it, and appends the event
//!   to the timeline; an action the state does not allow answers 409 `invalid-transition` with
//!   `current_state` and `allowed` ([`rules`]).
//! - A resident sees and acts on only the tickets they created; another resident's ticket
//!   answers 404. Photos must be complete uploads of the creator, bound to no other ticket.
//! - Deadlines: the response and fix deadlines are promised at creation (by kind and urgency);
//!   `overdue` is computed on read. Automatic steps (a deferred ticket resuming on its day, a
//!   completed one confirming itself after [`AUTO_CONFIRM_DAYS`], a confirmed one closing after
//!   [`AUTO_CLOSE_DAYS`] without a rating) run on read and in housekeeping ([`jobs`]), so they
//!   happen even when nobody looks.
//!
//! Staff reach only the tickets of the communities they serve, in their role ([`staff`]).
//!
//! [`handlers`] is the HTTP side only; the command line, the seed, housekeeping and the test
//! server call [`desk`] and [`jobs`], never a handler.

pub mod desk;
pub mod handlers;
pub mod jobs;
mod resident;
mod rules;
pub mod staff;
mod store;
mod updates;

pub use desk::{Desk, latest_number, staff_act};
pub use jobs::{advance_all, demo_progress};
pub(crate) use resident::visible;
pub use rules::{AUTO_CLOSE_DAYS, AUTO_CONFIRM_DAYS, MAX_PHOTOS, REOPEN_DAYS, categories};
pub use staff::{Enrolment, add_staff, desk_staff, enrol_staff, revoke_staff, staff_role_allows};

use crate::AppState;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// This feature's documented routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(handlers::create, handlers::list))
        .routes(routes!(handlers::detail))
        .routes(routes!(handlers::comment))
        .routes(routes!(handlers::cancel))
        .routes(routes!(handlers::confirm))
        .routes(routes!(handlers::reopen))
        .routes(routes!(handlers::rate))
        .routes(routes!(handlers::staff_action))
}
