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

use super::{normalize_phone, session, sms};
use crate::AppState;
use crate::error::{ApiError, ApiResult, Lang};
use crate::extract::AppJson;
use axum::Extension;
use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use linli_wire::Problem;
use linli_wire::auth::{
    LoginRequest, RefreshRequest, SmsCodeRequest, SmsCodeSent, SmsLoginRequest, TokenResponse,
};
use std::net::SocketAddr;

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

fn phone_of(raw: &str) -> ApiResult<String> {
    normalize_phone(raw).ok_or_else(|| {
        ApiError::invalid(
            "/phone",
            "invalid-phone",
            "an 11-digit mainland mobile number is required",
        )
    })
}

/// Sends a sign-in code by SMS. Every valid number gets the same answer, account or not.
#[utoipa::path(post, path = "/v1/auth/sms-codes", tag = "auth", request_body = SmsCodeRequest,
    responses(
        (status = 202, description = "A code is on its way, valid `expires_in_s`", body = SmsCodeSent),
        (status = 422, description = "`validation-failed`", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`rate-limited`: a code was just sent, or today's codes are used up; Retry-After says how long", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`service-unavailable`: the SMS provider refused; Retry-After", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn request_sms_code(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    AppJson(request): AppJson<SmsCodeRequest>,
) -> ApiResult<(StatusCode, Json<SmsCodeSent>)> {
    let phone = phone_of(&request.phone)?;
    // The caller's address as the listener saw it, for the per-address cap. Behind a reverse
    // proxy this is the proxy: such a deployment caps by the header it trusts instead.
    let client = peer.map_or_else(
        || "unknown".to_owned(),
        |Extension(info)| info.0.ip().to_string(),
    );
    let lang = Lang::negotiate(
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    let sent = sms::request_code(&state, &phone, &client, lang).await?;
    Ok((StatusCode::ACCEPTED, Json(sent)))
}

/// Signs in with the code a phone received; a number with no account gets one (no home yet).
#[utoipa::path(post, path = "/v1/auth/sms-login", tag = "auth", request_body = SmsLoginRequest,
    responses(
        (status = 200, description = "Signed in (Cache-Control: no-store)", body = TokenResponse),
        (status = 401, description = "`sms-code-invalid`: wrong, expired, used, or void after too many tries", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation-failed`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn sms_login(
    State(state): State<AppState>,
    AppJson(request): AppJson<SmsLoginRequest>,
) -> ApiResult<Response> {
    let phone = phone_of(&request.phone)?;
    Ok(token_reply(sms::sign_in(&state, &phone, &request).await?))
}
