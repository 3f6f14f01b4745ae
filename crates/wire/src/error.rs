//! The single error vocabulary of Linli.
//!
//! A server error travels as an RFC 9457 problem (`application/problem+json`) whose `code`
//! member is one of [`ErrorCode`]. The client core maps every failure, remote or local, onto the
//! same codes, and the shell sends `{code, message, subject?}` ([`IpcError`]) to the UI, which
//! branches on `code` only. `title`/`detail`/`message` are for people and may be localised;
//! never match on them.
//!
//! Codes are spelled exactly as in the problem registry (kebab-case). Add a code only when a
//! consumer branches on it.

use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;

/// Base of every problem `type` URI; the code is appended. Documented in docs/problems.md.
pub const PROBLEM_TYPE_BASE: &str = "https://linli.app/problems/";

/// Stable, machine-readable error codes shared by server, core, shell and UI.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorCode {
    // ---- contract (server) codes ----
    /// 422: the request body is invalid; `errors[]` points into it.
    ValidationFailed,
    /// 401: missing or invalid credentials.
    Unauthenticated,
    /// 401: phone number and password do not match.
    InvalidCredentials,
    /// 401: the SMS code is wrong, expired, used, or void after too many tries; ask for a new
    /// one when the answer says so.
    SmsCodeInvalid,
    /// 401: the access token has expired; refresh and retry.
    TokenExpired,
    /// 401: a rotated refresh token was replayed; the whole token family is revoked.
    RefreshReused,
    /// 403: not allowed.
    Forbidden,
    /// 403: no active membership for the unit or community.
    MembershipRequired,
    /// 403: the caller's role in the home (owner, family, tenant) does not allow this action;
    /// their membership's `allowed` list says what it does allow.
    RoleForbidden,
    /// 404: no such resource (or not visible to the caller), or no such route.
    NotFound,
    /// 405: the route exists but not with this method; `Allow` lists the methods it takes.
    MethodNotAllowed,
    /// 409: the resource's state does not allow this action (`current_state`, `allowed[]`).
    InvalidTransition,
    /// 409: the client-chosen id is already used.
    AlreadyExists,
    /// 404: no such room in the community's directory.
    RoomNotFound,
    /// 409: the resident is already a member of that home.
    AlreadyMember,
    /// 409: the resident already has a pending request for that home.
    RequestPending,
    /// The bills' total changed since the resident saw it; `amount_minor` is the new total.
    AmountChanged,
    /// A payment for this bill is in progress; `order_id` names it. Do not pay again.
    PaymentInProgress,
    /// The bill has nothing left to pay.
    AlreadyPaid,
    /// tus: `Upload-Offset` is not the upload's offset (the response carries the right one).
    UploadOffsetMismatch,
    /// tus: the chunk's `Upload-Checksum` does not match; it was discarded (HTTP 460).
    ChecksumMismatch,
    /// tus: the request's `Tus-Resumable` version is not spoken here (see `Tus-Version`).
    TusVersionUnsupported,
    /// 413: the body or upload is larger than allowed.
    PayloadTooLarge,
    /// 415: the body's media type is not accepted (a JSON body without `application/json`, a
    /// tus chunk without `application/offset+octet-stream`).
    UnsupportedMediaType,
    /// 409: the original request with this idempotency key is still running.
    IdempotencyInProgress,
    /// 422: the idempotency key was used before with a different payload.
    IdempotencyKeyReused,
    /// 400: this write requires an `Idempotency-Key`.
    IdempotencyKeyMissing,
    /// 412: stale `If-Match`.
    PreconditionFailed,
    /// 428: `If-Match` is required.
    PreconditionRequired,
    /// 410: the sync cursor is no longer known; bootstrap again.
    SyncCursorExpired,
    /// 429: slow down (`Retry-After`).
    RateLimited,
    /// 400: the request could not be understood (bad JSON, a path or query parameter that does
    /// not parse, a bad cursor or header).
    BadRequest,
    /// 500: the server failed; nothing about the cause is disclosed.
    InternalError,
    /// 503: the server cannot serve right now (`Retry-After`).
    ServiceUnavailable,

    // ---- client-side codes (never sent by a server) ----
    /// The backend cannot be reached; the app works from its cache.
    Offline,
    /// The backend answered something that does not follow the contract.
    BadResponse,
    /// The TLS connection to the backend could not be verified.
    TlsError,
    /// The backend URL is not HTTPS and not loopback.
    InsecureUrl,
    /// No OS keyring (Secret Service, Keychain, Credential Manager) is available.
    KeyringUnavailable,
    /// The OS keyring is locked; the resident must unlock it.
    KeyringLocked,
    /// The action needs a signed-in resident.
    NotSignedIn,
    /// The session ended (signed out elsewhere, or revoked); sign in again.
    SessionExpired,
    /// Local storage failed (disk full, permissions, corrupt database).
    StorageError,
    /// The system clipboard cannot be used (no clipboard service, or it refused).
    ClipboardUnavailable,
    /// A picked photo is an empty file.
    PhotoEmpty,
    /// A picked file is not a picture at all.
    PhotoUnreadable,
    /// A picked photo is too large to prepare.
    PhotoTooLarge,
    /// A picked photo is truncated or damaged (or the server refused it).
    PhotoDamaged,
    /// The text (or the QR code in a picture) is not a join link.
    JoinLinkInvalid,
    /// The picture shows no QR code that can be read.
    QrNotFound,
    /// The backend's certificate chain holds no CA matching the join link's pin; nothing was
    /// stored.
    PinMismatch,
    /// No backend is chosen yet: join a community first.
    NoBackend,
    /// A bug or an unexpected local failure.
    Internal,
    /// 429: the resident's unfinished and unattached uploads already hold the most bytes or
    /// uploads allowed (`linli_wire::limits::UPLOAD_QUOTA_*`); attach or delete some, or wait
    /// until they expire (`Retry-After`).
    UploadQuotaExceeded,
    /// A gate entry refused: the pass does not open this gate's group.
    PassWrongGateGroup,
    /// A gate entry refused: it is before the pass's validity window.
    PassNotYetValid,
    /// A gate entry refused: it is after the pass's validity window.
    PassExpired,
    /// A gate entry refused: the pass has no entries left (`max_entries` counted).
    PassUsedUp,
    /// A gate entry refused: the pass was revoked before it.
    PassRevoked,
    /// A picked picture is in a format that is not read (TIFF, BMP, JPEG XL, …); the message
    /// names it.
    PhotoFormatUnsupported,

    /// A code this build does not know yet (a newer server); treat as a generic failure.
    #[serde(other)]
    Unknown,
}

impl ErrorCode {
    /// Every code, for documentation and exhaustive tests.
    pub const ALL: &'static [ErrorCode] = &[
        Self::ValidationFailed,
        Self::Unauthenticated,
        Self::InvalidCredentials,
        Self::SmsCodeInvalid,
        Self::TokenExpired,
        Self::RefreshReused,
        Self::Forbidden,
        Self::MembershipRequired,
        Self::RoleForbidden,
        Self::NotFound,
        Self::MethodNotAllowed,
        Self::InvalidTransition,
        Self::AlreadyExists,
        Self::RoomNotFound,
        Self::AlreadyMember,
        Self::RequestPending,
        Self::AmountChanged,
        Self::PaymentInProgress,
        Self::AlreadyPaid,
        Self::UploadOffsetMismatch,
        Self::ChecksumMismatch,
        Self::TusVersionUnsupported,
        Self::PayloadTooLarge,
        Self::UnsupportedMediaType,
        Self::IdempotencyInProgress,
        Self::IdempotencyKeyReused,
        Self::IdempotencyKeyMissing,
        Self::PreconditionFailed,
        Self::PreconditionRequired,
        Self::SyncCursorExpired,
        Self::RateLimited,
        Self::BadRequest,
        Self::InternalError,
        Self::ServiceUnavailable,
        Self::Offline,
        Self::BadResponse,
        Self::TlsError,
        Self::InsecureUrl,
        Self::KeyringUnavailable,
        Self::KeyringLocked,
        Self::NotSignedIn,
        Self::SessionExpired,
        Self::StorageError,
        Self::ClipboardUnavailable,
        Self::PhotoEmpty,
        Self::PhotoUnreadable,
        Self::PhotoTooLarge,
        Self::PhotoDamaged,
        Self::JoinLinkInvalid,
        Self::QrNotFound,
        Self::PinMismatch,
        Self::NoBackend,
        Self::Internal,
        Self::UploadQuotaExceeded,
        Self::PassWrongGateGroup,
        Self::PassNotYetValid,
        Self::PassExpired,
        Self::PassUsedUp,
        Self::PassRevoked,
        Self::PhotoFormatUnsupported,
        Self::Unknown,
    ];

    /// The kebab-case spelling used on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ValidationFailed => "validation-failed",
            Self::Unauthenticated => "unauthenticated",
            Self::InvalidCredentials => "invalid-credentials",
            Self::SmsCodeInvalid => "sms-code-invalid",
            Self::TokenExpired => "token-expired",
            Self::RefreshReused => "refresh-reused",
            Self::Forbidden => "forbidden",
            Self::MembershipRequired => "membership-required",
            Self::RoleForbidden => "role-forbidden",
            Self::NotFound => "not-found",
            Self::MethodNotAllowed => "method-not-allowed",
            Self::InvalidTransition => "invalid-transition",
            Self::AlreadyExists => "already-exists",
            Self::RoomNotFound => "room-not-found",
            Self::AlreadyMember => "already-member",
            Self::RequestPending => "request-pending",
            Self::AmountChanged => "amount-changed",
            Self::PaymentInProgress => "payment-in-progress",
            Self::AlreadyPaid => "already-paid",
            Self::UploadOffsetMismatch => "upload-offset-mismatch",
            Self::ChecksumMismatch => "checksum-mismatch",
            Self::TusVersionUnsupported => "tus-version-unsupported",
            Self::PayloadTooLarge => "payload-too-large",
            Self::UnsupportedMediaType => "unsupported-media-type",
            Self::IdempotencyInProgress => "idempotency-in-progress",
            Self::IdempotencyKeyReused => "idempotency-key-reused",
            Self::IdempotencyKeyMissing => "idempotency-key-missing",
            Self::PreconditionFailed => "precondition-failed",
            Self::PreconditionRequired => "precondition-required",
            Self::SyncCursorExpired => "sync-cursor-expired",
            Self::RateLimited => "rate-limited",
            Self::BadRequest => "bad-request",
            Self::InternalError => "internal-error",
            Self::ServiceUnavailable => "service-unavailable",
            Self::Offline => "offline",
            Self::BadResponse => "bad-response",
            Self::TlsError => "tls-error",
            Self::InsecureUrl => "insecure-url",
            Self::KeyringUnavailable => "keyring-unavailable",
            Self::KeyringLocked => "keyring-locked",
            Self::NotSignedIn => "not-signed-in",
            Self::SessionExpired => "session-expired",
            Self::StorageError => "storage-error",
            Self::ClipboardUnavailable => "clipboard-unavailable",
            Self::PhotoEmpty => "photo-empty",
            Self::PhotoUnreadable => "photo-unreadable",
            Self::PhotoTooLarge => "photo-too-large",
            Self::PhotoDamaged => "photo-damaged",
            Self::JoinLinkInvalid => "join-link-invalid",
            Self::QrNotFound => "qr-not-found",
            Self::PinMismatch => "pin-mismatch",
            Self::NoBackend => "no-backend",
            Self::Internal => "internal",
            Self::UploadQuotaExceeded => "upload-quota-exceeded",
            Self::PassWrongGateGroup => "pass-wrong-gate-group",
            Self::PassNotYetValid => "pass-not-yet-valid",
            Self::PassExpired => "pass-expired",
            Self::PassUsedUp => "pass-used-up",
            Self::PassRevoked => "pass-revoked",
            Self::PhotoFormatUnsupported => "photo-format-unsupported",
            Self::Unknown => "unknown",
        }
    }

    /// The HTTP status a server answers with this code. Client-only codes map to 500 and are
    /// never sent.
    pub fn http_status(self) -> u16 {
        match self {
            Self::BadRequest | Self::IdempotencyKeyMissing => 400,
            Self::Unauthenticated
            | Self::InvalidCredentials
            | Self::SmsCodeInvalid
            | Self::TokenExpired
            | Self::RefreshReused => 401,
            Self::Forbidden | Self::MembershipRequired | Self::RoleForbidden => 403,
            Self::NotFound | Self::RoomNotFound => 404,
            Self::MethodNotAllowed => 405,
            Self::InvalidTransition
            | Self::AlreadyExists
            | Self::AlreadyMember
            | Self::RequestPending
            | Self::IdempotencyInProgress
            | Self::AmountChanged
            | Self::PaymentInProgress
            | Self::AlreadyPaid
            | Self::UploadOffsetMismatch => 409,
            Self::ChecksumMismatch => 460,
            Self::TusVersionUnsupported => 412,
            Self::PayloadTooLarge => 413,
            Self::UnsupportedMediaType => 415,
            Self::SyncCursorExpired => 410,
            Self::PreconditionFailed => 412,
            Self::ValidationFailed | Self::IdempotencyKeyReused => 422,
            Self::PreconditionRequired => 428,
            Self::RateLimited | Self::UploadQuotaExceeded => 429,
            Self::PassWrongGateGroup => 403,
            Self::PassNotYetValid | Self::PassExpired | Self::PassUsedUp | Self::PassRevoked => 409,
            Self::ServiceUnavailable => 503,
            Self::InternalError
            | Self::Offline
            | Self::BadResponse
            | Self::TlsError
            | Self::InsecureUrl
            | Self::KeyringUnavailable
            | Self::KeyringLocked
            | Self::NotSignedIn
            | Self::SessionExpired
            | Self::StorageError
            | Self::ClipboardUnavailable
            | Self::PhotoEmpty
            | Self::PhotoUnreadable
            | Self::PhotoTooLarge
            | Self::PhotoDamaged
            | Self::JoinLinkInvalid
            | Self::QrNotFound
            | Self::PinMismatch
            | Self::NoBackend
            | Self::Internal
            | Self::PhotoFormatUnsupported
            | Self::Unknown => 500,
        }
    }

    /// The problem `type` URI for this code.
    pub fn type_uri(self) -> String {
        format!("{PROBLEM_TYPE_BASE}{}", self.as_str())
    }

    /// True when retrying the same request later may succeed (network, overload, in-progress).
    pub fn is_transient(self) -> bool {
        matches!(
            self,
            Self::Offline
                | Self::RateLimited
                | Self::UploadQuotaExceeded
                | Self::ServiceUnavailable
                | Self::InternalError
                | Self::IdempotencyInProgress
        )
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One invalid member of a request body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct FieldError {
    /// JSON Pointer (RFC 6901) into the request body, e.g. `/phone`.
    pub pointer: String,
    /// Short machine-readable reason, e.g. `required`, `too-long`.
    pub code: String,
    /// Human-readable explanation.
    pub detail: String,
}

/// An RFC 9457 problem body with Linli's extension members.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct Problem {
    /// Problem type URI; `PROBLEM_TYPE_BASE` + code for Linli's own problems.
    #[serde(rename = "type", default = "about_blank")]
    pub type_uri: String,
    /// Short summary of the problem type (localised by `Accept-Language`).
    #[serde(default)]
    pub title: String,
    /// The HTTP status code, repeated for convenience.
    #[serde(default)]
    pub status: u16,
    /// Explanation of this occurrence (localised); never internals.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// URI reference of this occurrence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// Stable machine-readable code: what clients branch on.
    #[serde(default = "unknown_code")]
    pub code: ErrorCode,
    /// Correlation id, also found in the server log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<String>,
    /// For `validation-failed`: which members are wrong.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// For `invalid-transition`: the resource's current state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_state: Option<String>,
    /// For `invalid-transition`: the actions allowed in the current state.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed: Vec<String>,
    /// For `amount-changed`: the total due now, in minor units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(type = "number | null")]
    pub amount_minor: Option<i64>,
    /// For `payment-in-progress`: the open payment order to follow instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<crate::ids::PaymentOrderId>,
    /// Mirrors the `Retry-After` header (seconds) for 429, 503 and 409 in-progress.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(type = "number | null")]
    pub retry_after_s: Option<u64>,
}

fn about_blank() -> String {
    "about:blank".to_owned()
}

fn unknown_code() -> ErrorCode {
    ErrorCode::Unknown
}

impl Problem {
    /// A problem of the given code with its default status and type URI.
    pub fn new(code: ErrorCode, title: impl Into<String>) -> Self {
        Self {
            type_uri: code.type_uri(),
            title: title.into(),
            status: code.http_status(),
            detail: None,
            instance: None,
            code,
            trace_id: None,
            errors: Vec::new(),
            current_state: None,
            allowed: Vec::new(),
            amount_minor: None,
            order_id: None,
            retry_after_s: None,
        }
    }

    /// Adds a human-readable explanation of this occurrence.
    #[must_use]
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}

/// What the desktop shell returns to the UI when a command fails.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct IpcError {
    /// The code the UI branches on.
    pub code: ErrorCode,
    /// A readable message for logs and as a fallback; the UI shows its own text per code.
    pub message: String,
    /// What the code's text names, where it names something: the picture format of
    /// `photo-format-unsupported` ("TIFF"). Not localised: a name, put into the UI's text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub subject: Option<String>,
}

impl std::fmt::Display for IpcError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for IpcError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn as_str_matches_serde_spelling() {
        for code in ErrorCode::ALL {
            let json = serde_json::to_string(code).expect("serialize code");
            assert_eq!(
                json,
                format!("\"{}\"", code.as_str()),
                "as_str and serde must agree"
            );
        }
    }

    #[test]
    fn unknown_code_from_newer_server_decodes() {
        let problem: Problem = serde_json::from_str(
            r#"{"type":"https://x/p","title":"t","status":418,"code":"brand-new-code"}"#,
        )
        .expect("an unknown code must not fail the whole problem");
        assert_eq!(problem.code, ErrorCode::Unknown);
    }

    #[test]
    fn foreign_problem_without_code_decodes() {
        let problem: Problem =
            serde_json::from_str(r#"{"title":"Not Found","status":404}"#).expect("plain 9457");
        assert_eq!(problem.type_uri, "about:blank", "RFC 9457 default type");
        assert_eq!(problem.code, ErrorCode::Unknown);
    }
}
