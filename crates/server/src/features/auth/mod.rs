//! Sign-in, refresh and sign-out (`/v1/auth/*`).
//!
//! [`handlers`] holds the endpoints; `session` the flows behind them (the throttle, token
//! families and their SQL);
//! [`sms`] sign-in by SMS code (and the sender seam codes leave through);
//! [`throttle`] the one budget every guess at a secret (password or code) is reserved from
//! before it is checked; [`rules`] the password, phone and failure rules the seed and other
//! features call, and the cap on concurrent argon2 checks. The token
//! mechanism itself (signing keys, access tokens, refresh hashes) is shared: [`crate::tokens`],
//! since every authenticated endpoint's extractor verifies with it.

pub mod handlers;
pub mod rules;
mod session;
pub mod sms;
pub mod throttle;

pub use rules::{
    ADDRESS_FAILURES, FAILURE_WINDOW, HASH_WAIT, MAX_FAILURES, PasswordChecks, hash_password,
    normalize_phone,
};

use crate::AppState;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// This feature's documented routes.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(handlers::login))
        .routes(routes!(handlers::request_sms_code))
        .routes(routes!(handlers::sms_login))
        .routes(routes!(handlers::refresh))
        .routes(routes!(handlers::logout))
}
