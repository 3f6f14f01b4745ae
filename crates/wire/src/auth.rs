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

/// `POST /v1/auth/sms-codes`: send a sign-in code to this phone.
///
/// The answer is the same whether or not the phone has an account, so it reveals nothing.
#[derive(Clone, Debug, Serialize, Deserialize, TS, ToSchema)]
pub struct SmsCodeRequest {
    /// Mainland mobile number, 11 digits (a leading +86 is accepted).
    pub phone: String,
}

/// 202 to `POST /v1/auth/sms-codes`: a code is on its way (if the number can receive one).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct SmsCodeSent {
    /// Seconds until another code may be asked for this phone.
    pub resend_after_s: u32,
    /// Seconds the code stays valid.
    pub expires_in_s: u32,
}

/// `POST /v1/auth/sms-login`: sign in with the code sent to the phone. A phone with no
/// account yet gets one (with no home); proving the number is what registers it.
#[derive(Clone, Serialize, Deserialize, TS, ToSchema)]
pub struct SmsLoginRequest {
    /// The phone the code was sent to.
    pub phone: String,
    /// The 6 digits of the SMS.
    pub code: String,
}

impl std::fmt::Debug for SmsLoginRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmsLoginRequest")
            .field("phone", &self.phone)
            .field("code", &"<redacted>")
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
