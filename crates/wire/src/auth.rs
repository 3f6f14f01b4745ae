//! Sign-in and token bodies (`/v1/auth/*`), shaped like OAuth token responses.
//!
//! Access tokens are short-lived EdDSA JWTs; refresh tokens are opaque, rotated on every use,
//! and a replay of a rotated one revokes the whole family (RFC 9700 §4.14). A short grace
//! window lets a client whose refresh response was lost present the previous token once more
//! and receive the same successor.

use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;

/// `POST /v1/auth/login`.
#[derive(Clone, Serialize, Deserialize, TS, ToSchema)]
pub struct LoginRequest {
    /// Mainland mobile number, 11 digits (a leading +86 is accepted).
    pub phone: String,
    /// The account password.
    pub password: String,
}

impl std::fmt::Debug for LoginRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginRequest")
            .field("phone", &self.phone)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// `POST /v1/auth/refresh` and `POST /v1/auth/logout`.
#[derive(Clone, Serialize, Deserialize, TS, ToSchema)]
pub struct RefreshRequest {
    /// The current opaque refresh token.
    pub refresh_token: String,
}

impl std::fmt::Debug for RefreshRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RefreshRequest { refresh_token: <redacted> }")
    }
}

/// A token pair, answered with `Cache-Control: no-store`.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct TokenResponse {
    /// Bearer access token (a JWT signed with Ed25519).
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Access token lifetime in seconds.
    pub expires_in: u64,
    /// Opaque refresh token; rotated on every refresh.
    pub refresh_token: String,
}

impl std::fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenResponse")
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .finish_non_exhaustive()
    }
}
