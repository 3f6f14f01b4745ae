//! Sign-in, refresh and sign-out (`/v1/auth/*`).
//!
//! Login checks the argon2 hash (also for unknown phones, against a decoy hash, so timing
//! does not reveal which numbers have accounts) and counts failures per phone: after
//! [`super::MAX_FAILURES`] in [`super::FAILURE_WINDOW`] it answers 429 with `Retry-After` until the oldest
//! failure leaves the window. A successful login starts a token family.
//!
//! Refresh rotates: the presented token is marked rotated and its successor (see
//! [`crate::tokens`]) becomes current. Presenting a rotated token again within
//! [`crate::tokens::REFRESH_GRACE`] while its successor is still unused answers the same successor (the
//! client lost our response); any other reuse revokes the whole family and answers
//! `refresh-reused`, which also stops the family's access tokens at once.
//!
//! These are the HTTP side only; the flows are in `super::session`.

use super::session;
use crate::AppState;
use crate::error::ApiResult;
use crate::extract::AppJson;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use linli_wire::Problem;
use linli_wire::auth::{LoginRequest, RefreshRequest, TokenResponse};

/// Token pairs are never cached (RFC 6749 §5.1).
fn token_reply(tokens: TokenResponse) -> Response {
    let mut response = Json(tokens).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

/// Signs in with phone number and password.
#[utoipa::path(post, path = "/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in (Cache-Control: no-store)", body = TokenResponse),
        (status = 401, description = "`invalid-credentials`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation-failed`", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`rate-limited`, with Retry-After", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn login(
    State(state): State<AppState>,
    AppJson(request): AppJson<LoginRequest>,
) -> ApiResult<Response> {
    Ok(token_reply(session::login(&state, &request).await?))
}

/// Exchanges a refresh token for a new pair.
#[utoipa::path(post, path = "/v1/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses(
        (status = 200, description = "A rotated pair (Cache-Control: no-store)", body = TokenResponse),
        (status = 401, description = "`refresh-reused` (the family is revoked) or `unauthenticated`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn refresh(
    State(state): State<AppState>,
    AppJson(request): AppJson<RefreshRequest>,
) -> ApiResult<Response> {
    Ok(token_reply(session::refresh(&state, &request).await?))
}

/// Signs out: revokes the refresh token's family (and with it its access tokens).
/// Unknown or already revoked tokens answer 204 too, so sign-out can always be retried.
#[utoipa::path(post, path = "/v1/auth/logout", tag = "auth", request_body = RefreshRequest,
    responses((status = 204, description = "Signed out")))]
pub async fn logout(
    State(state): State<AppState>,
    AppJson(request): AppJson<RefreshRequest>,
) -> ApiResult<StatusCode> {
    session::logout(&state, &request).await?;
    Ok(StatusCode::NO_CONTENT)
}
