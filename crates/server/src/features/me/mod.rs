//! The signed-in resident and their households (`GET /v1/me`).
//!
//! [`handlers`] is the HTTP side; [`store`] reads memberships, which the change feed and the
//! passes feature (the masked phone) use too.

pub mod handlers;
pub(crate) mod store;

pub use store::mask_phone;

use crate::AppState;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// This feature's documented routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(handlers::me))
}
