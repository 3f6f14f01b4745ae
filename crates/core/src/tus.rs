//! A tus 1.0.0 client: resumable uploads that survive dropped connections and restarts.
//!
//! The caller keeps an [`UploadState`] (the upload URL and the offset last confirmed) in its
//! durable outbox and hands it back after a crash: the client asks the server (HEAD) where to
//! go on, so at most the chunk in flight is sent again. The upload URL is created once, with
//! the caller's attachment id in the metadata; a server that keys uploads by it (ours) answers
//! a repeated creation with the same upload.
//!
//! Checksums: `Upload-Checksum` is sent when the server offers it (sha256 if listed, else sha1);
//! a 460 answer means the chunk arrived damaged and is sent again. Servers without the checksum
//! extension (such as @tus/server's file store) get no checksum header.
//! The bearer token goes to the creation URL's origin only: an upload URL (a `Location`
//! answered, or one kept from before) on another scheme, host or port is refused with
//! [`TusError::OtherOrigin`] before anything is sent there, since the client would otherwise
//! hand the resident's token to whoever the answer names.
//! The result: our server reports `Attachment-Status` on the last PATCH and on HEAD; a server
//! that does not is taken as `complete` once the offset reaches the length.

use std::ops::ControlFlow;

use base64::Engine as _;
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode, Url};
use sha2::Digest as _;

/// Where an upload stands, kept durably by the caller.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct UploadState {
    /// The upload's URL, once created.
    pub url: Option<String>,
    /// Bytes the server confirmed.
    pub offset: u64,
}

/// How an upload ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Every byte is on the server and it accepted the content.
    Complete,
    /// The server refused the content (`Attachment-Reason`).
    Rejected(String),
    /// The caller stopped it (the progress callback said so); resume later.
    Paused,
}

/// Why an upload could not go on.
#[derive(Debug, thiserror::Error)]
pub enum TusError {
    /// The server cannot be reached or the connection dropped: resume later.
    #[error("the upload server cannot be reached: {0}")]
    Offline(String),
    /// The server refused the request for good.
    #[error("the upload server answered {status}: {detail}")]
    Refused {
        /// HTTP status.
        status: u16,
        /// What it said.
        detail: String,
    },
    /// The server named an upload URL on another origin than the creation URL's; nothing
    /// (and no token) was sent there.
    #[error(
        "the upload server sent the upload to another origin ({location}); refused, so the token stays with the backend"
    )]
    OtherOrigin {
        /// The URL it named.
        location: String,
    },
}

/// `reference` resolved against `creation`, if it stays on the creation URL's origin (scheme,
/// host and port); the one place an upload URL is made, so no request leaves for elsewhere.
fn same_origin(creation: &Url, reference: &str) -> Result<Url, TusError> {
    let url = creation.join(reference).map_err(|e| TusError::Refused {
        status: 0,
        detail: format!("the upload URL {reference:?} is no URL: {e}"),
    })?;
    if url.origin() != creation.origin() {
        return Err(TusError::OtherOrigin {
            location: reference.to_owned(),
        });
    }
    Ok(url)
}

/// A tus client over one HTTP client.
#[derive(Clone, Debug)]
pub struct TusClient {
    client: reqwest::Client,
    bearer: Option<String>,
    chunk: usize,
}

fn tus_headers() -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("tus-resumable", HeaderValue::from_static("1.0.0"));
    headers
}

fn header_u64(headers: &HeaderMap, name: &str) -> Option<u64> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

fn transport(err: &reqwest::Error) -> TusError {
    TusError::Offline(err.to_string())
}

impl TusClient {
    /// A client sending `bearer` (when given) and chunks of `chunk` bytes.
    pub fn new(client: reqwest::Client, bearer: Option<String>, chunk: usize) -> Self {
        Self {
            client,
            bearer,
            chunk: chunk.max(1),
        }
    }

    fn request(&self, method: Method, url: &Url) -> reqwest::RequestBuilder {
        let builder = self
            .client
            .request(method, url.clone())
            .headers(tus_headers());
        match &self.bearer {
            Some(token) => builder.bearer_auth(token),
            None => builder,
        }
    }

    /// Which checksum algorithm the server offers, if any (`OPTIONS`).
    async fn checksum_algorithm(&self, creation: &Url) -> Result<Option<&'static str>, TusError> {
        let response = self
            .request(Method::OPTIONS, creation)
            .send()
            .await
            .map_err(|e| transport(&e))?;
        let headers = response.headers();
        let extensions = headers
            .get("tus-extension")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !extensions.split(',').any(|e| e.trim() == "checksum") {
            return Ok(None);
        }
        let algorithms = headers
            .get("tus-checksum-algorithm")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("sha1");
        Ok(Some(
            if algorithms.split(',').any(|a| a.trim() == "sha256") {
                "sha256"
            } else {
                "sha1"
            },
        ))
    }

    /// Uploads `bytes` to the tus endpoint `creation` (e.g. `https://…/v1/uploads`), going on
    /// from `state` and updating it after every confirmed chunk. `progress(offset, total)` runs
    /// once with the offset it goes on from, then after each chunk; returning `Break` pauses
    /// the upload (the state says where).
    pub async fn upload(
        &self,
        creation: &Url,
        metadata: &[(&str, &str)],
        bytes: &[u8],
        state: &mut UploadState,
        mut progress: impl FnMut(u64, u64) -> ControlFlow<()>,
    ) -> Result<Outcome, TusError> {
        let total = bytes.len() as u64;
        let checksum = self.checksum_algorithm(creation).await?;
        let mut url = match &state.url {
            Some(known) => {
                let url = same_origin(creation, known)?;
                match self.head(&url).await? {
                    Some((offset, outcome)) => {
                        state.offset = offset;
                        if let Some(outcome) = outcome {
                            return Ok(outcome);
                        }
                        url
                    }
                    // Gone (expired or terminated): start over.
                    None => {
                        state.url = None;
                        state.offset = 0;
                        self.create(creation, metadata, total, state).await?
                    }
                }
            }
            None => self.create(creation, metadata, total, state).await?,
        };
        // Where it goes on from, so a progress bar starts at the right place.
        if progress(state.offset, total).is_break() && state.offset < total {
            return Ok(Outcome::Paused);
        }
        let mut damaged = 0;
        while state.offset < total {
            let start = usize::try_from(state.offset).unwrap_or(usize::MAX);
            let end = (start + self.chunk).min(bytes.len());
            let chunk = &bytes[start..end];
            let mut request = self
                .request(Method::PATCH, &url)
                .header("upload-offset", state.offset.to_string())
                .header("content-type", "application/offset+octet-stream");
            if let Some(algorithm) = checksum {
                let digest = match algorithm {
                    "sha256" => sha2::Sha256::digest(chunk).to_vec(),
                    _ => sha1::Sha1::digest(chunk).to_vec(),
                };
                request = request.header(
                    "upload-checksum",
                    format!(
                        "{algorithm} {}",
                        base64::engine::general_purpose::STANDARD.encode(digest)
                    ),
                );
            }
            let response = request
                .body(chunk.to_vec())
                .send()
                .await
                .map_err(|e| transport(&e))?;
            match response.status() {
                StatusCode::NO_CONTENT | StatusCode::OK => {
                    damaged = 0;
                    state.offset = header_u64(response.headers(), "upload-offset")
                        .unwrap_or(state.offset + chunk.len() as u64);
                    if let Some(outcome) = outcome_of(response.headers(), state.offset, total) {
                        // Finished: the callback only reports, it cannot pause any more.
                        let _ = progress(state.offset, total);
                        return Ok(outcome);
                    }
                }
                StatusCode::CONFLICT => {
                    // Out of step (a response was lost): ask where to go on.
                    match self.head(&url).await? {
                        Some((offset, outcome)) => {
                            state.offset = offset;
                            if let Some(outcome) = outcome {
                                return Ok(outcome);
                            }
                        }
                        None => {
                            state.url = None;
                            state.offset = 0;
                            url = self.create(creation, metadata, total, state).await?;
                        }
                    }
                }
                StatusCode::NOT_FOUND | StatusCode::GONE => {
                    state.url = None;
                    state.offset = 0;
                    url = self.create(creation, metadata, total, state).await?;
                }
                status if status.as_u16() == 460 && damaged < 3 => damaged += 1,
                status if status.is_server_error() => {
                    return Err(TusError::Offline(format!("the server answered {status}")));
                }
                status => {
                    return Err(TusError::Refused {
                        status: status.as_u16(),
                        detail: response.text().await.unwrap_or_default(),
                    });
                }
            }
            if progress(state.offset, total).is_break() && state.offset < total {
                return Ok(Outcome::Paused);
            }
        }
        // Nothing left to send (an empty file, or finished before a restart): ask for the result.
        match self.head(&url).await? {
            Some((_, Some(outcome))) => Ok(outcome),
            _ => Ok(Outcome::Complete),
        }
    }

    async fn create(
        &self,
        creation: &Url,
        metadata: &[(&str, &str)],
        total: u64,
        state: &mut UploadState,
    ) -> Result<Url, TusError> {
        let encoded: Vec<String> = metadata
            .iter()
            .map(|(k, v)| {
                format!(
                    "{k} {}",
                    base64::engine::general_purpose::STANDARD.encode(v)
                )
            })
            .collect();
        let response = self
            .request(Method::POST, creation)
            .header("upload-length", total.to_string())
            .header("upload-metadata", encoded.join(","))
            .send()
            .await
            .map_err(|e| transport(&e))?;
        let status = response.status();
        if status.is_server_error() {
            return Err(TusError::Offline(format!("the server answered {status}")));
        }
        if !(status == StatusCode::CREATED || status == StatusCode::OK) {
            return Err(TusError::Refused {
                status: status.as_u16(),
                detail: response.text().await.unwrap_or_default(),
            });
        }
        let location = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| TusError::Refused {
                status: status.as_u16(),
                detail: "no Location".into(),
            })?
            .to_owned();
        let url = same_origin(creation, &location)?;
        state.url = Some(url.to_string());
        state.offset = header_u64(response.headers(), "upload-offset").unwrap_or(0);
        Ok(url)
    }

    /// The server's offset and, once finished, the outcome; `None` when the upload is gone.
    async fn head(&self, url: &Url) -> Result<Option<(u64, Option<Outcome>)>, TusError> {
        let response = self
            .request(Method::HEAD, url)
            .send()
            .await
            .map_err(|e| transport(&e))?;
        match response.status() {
            StatusCode::NOT_FOUND | StatusCode::GONE | StatusCode::FORBIDDEN => Ok(None),
            status if status.is_success() => {
                let headers = response.headers();
                let offset = header_u64(headers, "upload-offset").unwrap_or(0);
                let total = header_u64(headers, "upload-length").unwrap_or(u64::MAX);
                Ok(Some((offset, outcome_of(headers, offset, total))))
            }
            status if status.is_server_error() => {
                Err(TusError::Offline(format!("the server answered {status}")))
            }
            status => Err(TusError::Refused {
                status: status.as_u16(),
                detail: "HEAD refused".into(),
            }),
        }
    }
}

/// The outcome a response announces, if the upload is finished.
fn outcome_of(headers: &HeaderMap, offset: u64, total: u64) -> Option<Outcome> {
    match headers
        .get("attachment-status")
        .and_then(|v| v.to_str().ok())
    {
        Some("complete") => Some(Outcome::Complete),
        Some("rejected") => Some(Outcome::Rejected(
            headers
                .get("attachment-reason")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("rejected")
                .to_owned(),
        )),
        _ if offset >= total => Some(Outcome::Complete),
        _ => None,
    }
}
