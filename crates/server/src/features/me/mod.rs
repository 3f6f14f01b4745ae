//! The signed-in resident and their households (`GET /v1/me`).
//!
//! [`handlers`] is the HTTP side; [`store`] reads the account and re-exports the memberships
//! feature's rendering of households (and the masked phone), which the change feed and the
//! passes feature use through it.

pub mod handlers;
pub(crate) mod store;

pub use crate::features::memberships::mask_phone;

use crate::AppState;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// This feature's documented routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(handlers::me))
}
