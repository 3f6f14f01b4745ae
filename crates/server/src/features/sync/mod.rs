//! The change feed (`GET /v1/sync/changes`): what changed for a resident since their cursor.
//!
//! A feature of its own rather than part of [`crate::changes`]: the change log is the shared
//! mechanism every recorded write appends to and knows no feature, while the feed has to
//! render each entity kind, so it is the one place that reads the notices' and the
//! memberships' stores ([`feed`]). [`handlers`] is the HTTP side. [`stream`] tells an app
//! as it happens that its feed has something new (server-sent events, no data).

pub mod feed;
pub mod handlers;
pub mod stream;

use crate::AppState;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// This feature's documented routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(handlers::changes))
        .routes(routes!(stream::stream))
}
