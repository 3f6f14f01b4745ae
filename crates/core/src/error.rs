//! The core's error type: one variant per way a call can fail, each with a stable
//! [`ErrorCode`] the UI branches on.
//!
//! Messages are English, say what failed and, where the resident can act, what to do next.
//! They never carry tokens or passwords (those are [`crate::Secret`]s and never reach a
//! `Display`).

use linli_wire::{ErrorCode, IpcError, Problem};
use std::time::Duration;

/// What went wrong in a core call.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The backend cannot be reached (connection refused or reset, DNS, timeout).
    #[error("cannot reach the backend ({0}); the app shows what it has cached")]
    Offline(String),
    /// The backend's TLS certificate could not be verified.
    #[error("could not verify the backend's TLS certificate: {0}")]
    Tls(String),
    /// The backend URL is neither HTTPS nor loopback, or is not a URL.
    #[error("the backend URL {0:?} is not allowed: use https:// (plain http only to this machine)")]
    InsecureUrl(String),
    /// The backend answered with an error status; `problem` is its RFC 9457 body (or a
    /// stand-in with code `bad-response` when the body was not Linli's problem+json).
    #[error("the backend answered {status}: {}", problem_summary(problem))]
    Api {
        /// HTTP status.
        status: u16,
        /// The problem body; `problem.code` is what to branch on.
        problem: Box<Problem>,
        /// `Retry-After` (or `retry_after_s`), when the backend sent one.
        retry_after: Option<Duration>,
    },
    /// A success answer that does not follow the contract (malformed JSON, missing fields).
    #[error("the backend answered something unexpected: {0}")]
    BadResponse(String),
    /// The OS keyring is locked.
    #[error("{0}")]
    KeyringLocked(String),
    /// No OS keyring is available.
    #[error("{0}")]
    KeyringUnavailable(String),
    /// Nobody is signed in.
    #[error("nobody is signed in")]
    NotSignedIn,
    /// The session ended on its own (revoked, replayed refresh token, tokens gone); the
    /// resident must sign in again. Carries why.
    #[error("the session ended ({0}); sign in again")]
    SessionExpired(ErrorCode),
    /// Something the caller named is not in the cache (or not the resident's).
    #[error("{0} was not found")]
    NotFound(String),
    /// The household cannot be used (not active).
    #[error("{0}")]
    MembershipRequired(String),
    /// Local storage failed: disk full, permissions, a corrupt database.
    #[error("local storage failed to {context}: {source}")]
    Storage {
        /// What the core was doing, e.g. "open the cache database".
        context: String,
        /// The underlying failure.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A bug or an unexpected local failure.
    #[error("internal error: {0}")]
    Internal(String),
    /// What the resident entered cannot be accepted (checked before anything is queued).
    #[error("{0}")]
    Invalid(String),
    /// A picked photo cannot be used.
    #[error("{0}")]
    Photo(PhotoError),
    /// No backend is chosen yet (the resident has not joined a community).
    #[error("no backend is chosen yet: join a community first")]
    NoBackend,
    /// A text (or a QR code) is not a join link.
    #[error("not a join link: {0}")]
    JoinLink(linli_wire::join::JoinLinkError),
    /// A picture shows no readable QR code.
    #[error("the picture shows no QR code that can be read")]
    QrNotFound,
    /// The backend's chain holds no certificate matching the join link's pin.
    #[error(
        "the backend's certificate does not match the join link's pin ({0}); nothing was joined"
    )]
    PinMismatch(String),
    /// The action is not possible in the core's state now (leaving the backend while signed
    /// in, joining when the backend is fixed by configuration).
    #[error("{0}")]
    NotNow(String),
}

/// Why a photo cannot be used. Each is shown to the resident for that photo only.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhotoError {
    /// The file is empty.
    #[error("the file is empty")]
    Empty,
    /// The file is not a picture at all.
    #[error("the file is not a picture")]
    NotAnImage,
    /// A picture in a format that is not read here (TIFF, BMP, JPEG XL, …, or a HEIF whose
    /// codec this system lacks), named.
    #[error("{format} pictures cannot be used; pick a JPEG, PNG, WebP, GIF or HEIC photo")]
    Unsupported {
        /// The format, as residents know it ("TIFF", "JPEG XL").
        format: &'static str,
    },
    /// Too large to prepare safely.
    #[error("the picture is too large ({width}×{height})")]
    TooLarge {
        /// Width the file claims.
        width: u64,
        /// Height the file claims.
        height: u64,
    },
    /// Truncated or corrupt.
    #[error("the picture is damaged: {0}")]
    Damaged(String),
}

impl From<PhotoError> for Error {
    fn from(err: PhotoError) -> Self {
        Error::Photo(err)
    }
}

fn problem_summary(problem: &Problem) -> String {
    let text = problem.detail.as_deref().unwrap_or(problem.title.as_str());
    if text.is_empty() {
        problem.code.to_string()
    } else {
        format!("{} ({})", problem.code, text)
    }
}

impl Error {
    /// The stable code for this failure.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Offline(_) => ErrorCode::Offline,
            Self::Tls(_) => ErrorCode::TlsError,
            Self::InsecureUrl(_) => ErrorCode::InsecureUrl,
            Self::Api { problem, .. } => problem.code,
            Self::BadResponse(_) => ErrorCode::BadResponse,
            Self::KeyringLocked(_) => ErrorCode::KeyringLocked,
            Self::KeyringUnavailable(_) => ErrorCode::KeyringUnavailable,
            Self::NotSignedIn => ErrorCode::NotSignedIn,
            Self::SessionExpired(_) => ErrorCode::SessionExpired,
            Self::NotFound(_) => ErrorCode::NotFound,
            Self::MembershipRequired(_) => ErrorCode::MembershipRequired,
            Self::Storage { .. } => ErrorCode::StorageError,
            Self::Internal(_) => ErrorCode::Internal,
            Self::Invalid(_) => ErrorCode::ValidationFailed,
            Self::Photo(err) => photo_code(err),
            Self::NoBackend => ErrorCode::NoBackend,
            Self::JoinLink(_) => ErrorCode::JoinLinkInvalid,
            Self::QrNotFound => ErrorCode::QrNotFound,
            Self::PinMismatch(_) => ErrorCode::PinMismatch,
            Self::NotNow(_) => ErrorCode::InvalidTransition,
        }
    }
}

/// The code a photo problem shows as.
pub fn photo_code(err: &PhotoError) -> ErrorCode {
    match err {
        PhotoError::Empty => ErrorCode::PhotoEmpty,
        PhotoError::NotAnImage => ErrorCode::PhotoUnreadable,
        PhotoError::Unsupported { .. } => ErrorCode::PhotoFormatUnsupported,
        PhotoError::TooLarge { .. } => ErrorCode::PhotoTooLarge,
        PhotoError::Damaged(_) => ErrorCode::PhotoDamaged,
    }
}

impl From<Error> for IpcError {
    fn from(err: Error) -> Self {
        let subject = match &err {
            Error::Photo(PhotoError::Unsupported { format }) => Some((*format).to_owned()),
            _ => None,
        };
        IpcError {
            code: err.code(),
            message: err.to_string(),
            subject,
        }
    }
}

/// Adds "what was being done" to a local I/O failure (`storage-error`).
pub(crate) trait StorageContext<T> {
    /// Maps the error into [`Error::Storage`] with `context`.
    fn storage(self, context: &str) -> Result<T, Error>;
}

impl<T, E> StorageContext<T> for Result<T, E>
where
    E: std::error::Error + Send + Sync + 'static,
{
    fn storage(self, context: &str) -> Result<T, Error> {
        self.map_err(|source| Error::Storage {
            context: context.to_owned(),
            source: Box::new(source),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipc_error_carries_code_and_readable_message() {
        let ipc = IpcError::from(Error::NotFound("notice 1".to_owned()));
        assert_eq!(ipc.code, ErrorCode::NotFound);
        assert_eq!(ipc.message, "notice 1 was not found");
    }

    #[test]
    fn api_error_code_comes_from_the_problem() {
        let err = Error::Api {
            status: 409,
            problem: Box::new(
                Problem::new(ErrorCode::InvalidTransition, "Not now").with_detail("closed"),
            ),
            retry_after: None,
        };
        assert_eq!(err.code(), ErrorCode::InvalidTransition);
        assert!(
            err.to_string().contains("invalid-transition (closed)"),
            "message names the code and the detail: {err}"
        );
    }
}
