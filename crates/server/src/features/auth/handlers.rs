//! Sign-in, refresh and sign-out (`/v1/auth/*`).
//!
//! Every password and code attempt goes through one mechanism ([`super::throttle`]): login
//! answers 429 with `Retry-After` when a budget is spent (per (phone, address), per address,
//! a spacing per phone) and 503 with `Retry-After` when no argon2 capacity is free; a code
//! meets only its own tries, so a right one always signs in.
//! A successful login starts a token family.
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
use crate::extract::{AppJson, ClientAddr};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use linli_wire::Problem;
use linli_wire::auth::{
    LoginRequest, RefreshRequest, SmsCodeRequest, SmsCodeSent, SmsLoginRequest, TokenResponse,
};

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
        (status = 429, description = "`rate-limited`: too many failed sign-ins for this number from this address, from this address, or (spaced) for this number; Retry-After", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`service-unavailable`: too many sign-ins are being checked at once; Retry-After", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn login(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    AppJson(request): AppJson<LoginRequest>,
) -> ApiResult<Response> {
    Ok(token_reply(
        session::login(&state, &request, &client).await?,
    ))
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
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    AppJson(request): AppJson<SmsCodeRequest>,
) -> ApiResult<(StatusCode, Json<SmsCodeSent>)> {
    let phone = phone_of(&request.phone)?;
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
    ClientAddr(client): ClientAddr,
    AppJson(request): AppJson<SmsLoginRequest>,
) -> ApiResult<Response> {
    let phone = phone_of(&request.phone)?;
    Ok(token_reply(
        sms::sign_in(&state, &phone, &client, &request).await?,
    ))
}
