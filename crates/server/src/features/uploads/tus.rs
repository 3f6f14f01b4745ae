//! The tus 1.0.0 protocol's pieces, no SQL: the versions and extensions offered, the headers
//! an upload is described with, the metadata and checksum headers parsed, and the refusals
//! answered before anything is read or written.

use std::collections::HashMap;

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use linli_wire::ErrorCode;
use sha2::Digest as _;

use super::store::UploadRow;
use crate::error::ApiError;

/// The tus version spoken.
pub const TUS_VERSION: &str = "1.0.0";
/// Extensions offered.
pub const TUS_EXTENSIONS: &str = "creation,creation-with-upload,expiration,checksum,termination";
/// Checksum algorithms offered (sha1 is mandatory in tus).
pub const TUS_CHECKSUMS: &str = "sha1,sha256";
/// The largest upload accepted.
pub const MAX_UPLOAD: u64 = 25 * 1024 * 1024;
/// How long an unfinished upload is kept, and a finished one waits for its ticket.
pub const UPLOAD_TTL_MS: i64 = linli_wire::limits::UPLOAD_TTL_HOURS * 3600 * 1000;
/// The media type of upload bodies.
pub(crate) const OFFSET_STREAM: &str = "application/offset+octet-stream";

pub(crate) fn h(name: &'static str) -> HeaderName {
    HeaderName::from_static(name)
}

pub(crate) fn tus_headers() -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(h("tus-resumable"), HeaderValue::from_static(TUS_VERSION));
    headers
}

pub(crate) fn fail(code: ErrorCode, detail: &str) -> Response {
    let mut headers = tus_headers();
    if code == ErrorCode::TusVersionUnsupported {
        headers.insert(h("tus-version"), HeaderValue::from_static(TUS_VERSION));
    }
    (headers, ApiError::new(code).detail(detail)).into_response()
}

pub(crate) fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

/// A request refused before anything was read or written.
pub(crate) struct Refusal(pub(crate) ErrorCode, pub(crate) &'static str);

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        fail(self.0, self.1)
    }
}

pub(crate) fn check_version(headers: &HeaderMap) -> Result<(), Refusal> {
    match header_str(headers, "tus-resumable") {
        Some(TUS_VERSION) => Ok(()),
        _ => Err(Refusal(
            ErrorCode::TusVersionUnsupported,
            "this server speaks tus 1.0.0",
        )),
    }
}

pub(crate) fn http_date(ms: i64) -> String {
    crate::clock::from_ms(ms)
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
}

/// `key base64,key2 base64` → pairs (values decoded; a key may come without a value).
pub(crate) fn parse_metadata(raw: &str) -> Result<HashMap<String, String>, ()> {
    let mut out = HashMap::new();
    for pair in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let mut parts = pair.splitn(2, ' ');
        let key = parts.next().ok_or(())?.to_owned();
        let value = match parts.next() {
            Some(v) => String::from_utf8(
                base64::engine::general_purpose::STANDARD
                    .decode(v.trim())
                    .map_err(|_| ())?,
            )
            .map_err(|_| ())?,
            None => String::new(),
        };
        if key.is_empty() || out.insert(key, value).is_some() {
            return Err(());
        }
    }
    Ok(out)
}

/// A checksum the client asked for: the algorithm and the digest it expects.
pub(crate) enum Checksum {
    Sha1(sha1::Sha1, Vec<u8>),
    Sha256(sha2::Sha256, Vec<u8>),
}

pub(crate) fn parse_checksum(headers: &HeaderMap) -> Result<Option<Checksum>, Refusal> {
    let Some(raw) = header_str(headers, "upload-checksum") else {
        return Ok(None);
    };
    let (algo, digest) = raw.split_once(' ').ok_or(Refusal(
        ErrorCode::BadRequest,
        "Upload-Checksum is `<algorithm> <base64>`",
    ))?;
    let digest = base64::engine::general_purpose::STANDARD
        .decode(digest.trim())
        .map_err(|_| Refusal(ErrorCode::BadRequest, "the checksum is not Base64"))?;
    match algo {
        "sha1" => Ok(Some(Checksum::Sha1(sha1::Sha1::new(), digest))),
        "sha256" => Ok(Some(Checksum::Sha256(sha2::Sha256::new(), digest))),
        _ => Err(Refusal(
            ErrorCode::BadRequest,
            "unsupported checksum algorithm; use sha1 or sha256",
        )),
    }
}

impl Checksum {
    pub(crate) fn update(&mut self, bytes: &[u8]) {
        match self {
            Self::Sha1(hasher, _) => hasher.update(bytes),
            Self::Sha256(hasher, _) => hasher.update(bytes),
        }
    }
    pub(crate) fn matches(self) -> bool {
        match self {
            Self::Sha1(hasher, want) => hasher.finalize().as_slice() == want.as_slice(),
            Self::Sha256(hasher, want) => hasher.finalize().as_slice() == want.as_slice(),
        }
    }
}

/// The tus headers describing `row`: its offset and length, its expiry while unfinished, the
/// attachment's result once complete.
pub(crate) fn describe(row: &UploadRow, headers: &mut HeaderMap) {
    let mut put = |name: &'static str, value: String| {
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.insert(h(name), v);
        }
    };
    put("upload-offset", row.offset.to_string());
    put("upload-length", row.length.to_string());
    if row.status == "uploading" {
        put("upload-expires", http_date(row.expires_at));
    } else {
        put("attachment-id", row.id.clone());
        put("attachment-status", row.status.clone());
        if let Some(reason) = &row.reason {
            put("attachment-reason", reason.clone());
        }
    }
    if !row.metadata.is_empty() {
        put("upload-metadata", row.metadata.clone());
    }
}
