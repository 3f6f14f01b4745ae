//! Community notices: list, detail, read marks (`/v1/notices…`), and publishing them.
//!
//! A resident sees the notices of the communities where they have an active household, each
//! with their own `read_at`. Read state is monotonic and keeps the earliest mark, so marking
//! read is idempotent by nature for `PUT …/read`; the batch `POST …/read-marks` (what the
//! client outbox sends) also takes an `Idempotency-Key`. Every change of a notice or of a
//! resident's read mark is recorded in the change log in the same transaction.
//!
//! [`handlers`] is the HTTP side; [`store`] the SQL (the change feed renders notices with it);
//! [`publish`] what the staff endpoint ([`staff`], `POST /v1/staff/notices`), the seed and the
//! tests call to publish (targets checked against the directory) and withdraw. A notice may
//! target buildings or entrances; whether it concerns the resident (`affects_me`) is decided
//! in [`store`]'s one SQL condition from their active homes.

pub mod handlers;
pub mod publish;
pub mod staff;
pub mod store;

pub use publish::{NewNotice, publish, publish_in, withdraw};

use crate::AppState;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// This feature's documented routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(handlers::list))
        .routes(routes!(handlers::detail))
        .routes(routes!(handlers::mark_read))
        .routes(routes!(handlers::read_marks))
        .routes(routes!(staff::publish))
}
