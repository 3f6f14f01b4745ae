//! The one HTTP client of a core, and the translation of HTTP outcomes into [`Error`]s.
//!
//! - TLS is rustls with the ring provider ([`Trust`]). Roots: the Mozilla set (webpki-roots, so
//!   a property company's backend with a public certificate just works, on every platform
//!   alike) plus one extra CA: the configured one (`LINLI_BACKEND_CA`, the demo's local CA) or
//!   the one a join link's pin matched (`crate::join`). A join link's pin may instead name the
//!   backend's own certificate: then exactly that certificate is trusted for that backend and
//!   no root at all (`crate::pin`). Nothing else is ever trusted.
//! - The backend can change while the core runs (joining a community, leaving it): [`Http`]
//!   holds the current [`Backend`] (or none) and every request takes it afresh.
//! - HTTPS is required, except to loopback (the demo and tests may use plain http there).
//! - Connection failures (refused, reset, DNS, timeouts) are [`Error::Offline`] and flip the
//!   connectivity state, which is announced once per change as `Connectivity`.
//! - Every non-2xx answer becomes [`Error::Api`] with an RFC 9457 [`Problem`]; a body that is
//!   not Linli's problem+json (a proxy's HTML page, a foreign problem) gets code `bad-response`
//!   while the status still tells the outbox whether to retry.
//! - Every answer is counted ([`NetStats`]: requests and body bytes received), so tests and
//!   benchmarks can say what a sync costs (`Core::net_stats`).
//! - A call may carry `If-None-Match` ([`Call::if_none_match`]); a `304` is a [`Reply`] too,
//!   with the answer's `ETag` ([`Reply::etag`]).

use crate::error::Error;
use crate::events::Events;
use crate::pin::Pinned;
use crate::secret::Secret;
use chrono::{DateTime, Utc};
use linli_wire::error::PROBLEM_TYPE_BASE;
use linli_wire::ipc::{CoreEvent, Locale};
use linli_wire::{ErrorCode, Problem, headers};
use reqwest::header::{ACCEPT, ACCEPT_LANGUAGE, AUTHORIZATION, HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;
use url::Url;
use uuid::Uuid;

/// Time to set up a connection (TCP + TLS). Long enough for a slow mobile network, short
/// enough that "offline" shows up before the resident gives up.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Whole-request limit; the API's answers are small.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Checks the backend URL: HTTPS, or plain HTTP to loopback only.
pub(crate) fn check_base_url(raw: &str) -> Result<Url, Error> {
    let url = Url::parse(raw).map_err(|_| Error::InsecureUrl(raw.to_owned()))?;
    if url.cannot_be_a_base() || url.host().is_none() {
        return Err(Error::InsecureUrl(raw.to_owned()));
    }
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        _ => Err(Error::InsecureUrl(raw.to_owned())),
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// `host:port` of the backend, as used in token store account keys.
pub(crate) fn authority(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port_or_known_default() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    }
}

/// Reads an error body: Linli's problem+json as is; anything else as `bad-response`.
pub(crate) fn parse_problem(status: u16, body: &[u8]) -> Problem {
    match serde_json::from_slice::<Problem>(body) {
        Ok(mut problem) => {
            let ours = problem.type_uri.starts_with(PROBLEM_TYPE_BASE);
            if !ours && problem.code == ErrorCode::Unknown {
                // A foreign RFC 9457 body (a gateway, another framework): no code to trust.
                problem.code = ErrorCode::BadResponse;
            }
            problem.status = status;
            problem
        }
        Err(_) => {
            let mut problem = Problem::new(
                ErrorCode::BadResponse,
                format!("The backend answered HTTP {status} without a problem body"),
            );
            problem.status = status;
            problem
        }
    }
}

/// `Retry-After` as delta-seconds or an HTTP-date.
pub(crate) fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = DateTime::parse_from_rfc2822(value)
        .ok()?
        .with_timezone(&Utc);
    Some((at - now).to_std().unwrap_or(Duration::ZERO))
}

/// One request to the API, before authentication is added.
#[derive(Clone, Debug)]
pub(crate) struct Call {
    method: Method,
    path: String,
    query: Vec<(&'static str, String)>,
    body: Option<serde_json::Value>,
    idempotency_key: Option<Uuid>,
    if_none_match: Option<String>,
}

/// What the core's client has sent and received since it started: requests answered (any
/// status) and their bodies' bytes as received (after any content decoding reqwest does).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NetStats {
    /// Requests that got an answer.
    pub requests: u64,
    /// Bytes of those answers' bodies.
    pub body_bytes: u64,
}

impl Call {
    /// `GET path` (path starts with `/v1/`).
    pub(crate) fn get(path: impl Into<String>) -> Self {
        Self {
            method: Method::GET,
            path: path.into(),
            query: Vec::new(),
            body: None,
            idempotency_key: None,
            if_none_match: None,
        }
    }

    /// `POST path` with a JSON body.
    pub(crate) fn post(path: impl Into<String>, body: &impl Serialize) -> Result<Self, Error> {
        let body = serde_json::to_value(body)
            .map_err(|err| Error::Internal(format!("cannot encode a request body: {err}")))?;
        Ok(Self {
            method: Method::POST,
            path: path.into(),
            query: Vec::new(),
            body: Some(body),
            idempotency_key: None,
            if_none_match: None,
        })
    }

    /// A POST without a body (an action such as revoke).
    pub(crate) fn post_empty(path: impl Into<String>) -> Self {
        let mut call = Self::get(path);
        call.method = Method::POST;
        call
    }

    /// `DELETE path` (ending something, such as a membership).
    pub(crate) fn delete(path: impl Into<String>) -> Self {
        let mut call = Self::get(path);
        call.method = Method::DELETE;
        call
    }

    /// Adds a query parameter.
    pub(crate) fn query(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.query.push((name, value.into()));
        self
    }

    /// Sends `If-None-Match: <etag>`: a `304` answers if the backend's answer is still it.
    pub(crate) fn if_none_match(mut self, etag: impl Into<String>) -> Self {
        self.if_none_match = Some(etag.into());
        self
    }

    /// The path and query, which name what a GET reads (the key of its kept answer).
    pub(crate) fn target(&self) -> String {
        let mut target = self.path.clone();
        for (i, (name, value)) in self.query.iter().enumerate() {
            target.push(if i == 0 { '?' } else { '&' });
            target.push_str(name);
            target.push('=');
            target.push_str(value);
        }
        target
    }

    /// Sends `Idempotency-Key: "<key>"` (a structured-field string).
    pub(crate) fn idempotent(mut self, key: Uuid) -> Self {
        self.idempotency_key = Some(key);
        self
    }
}

/// A 2xx (or 304) answer.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    body: Vec<u8>,
    etag: Option<String>,
}

impl Reply {
    /// The answer's `ETag`, if it has one.
    pub(crate) fn etag(&self) -> Option<&str> {
        self.etag.as_deref()
    }

    /// The body, taken.
    pub(crate) fn into_body(self) -> Vec<u8> {
        self.body
    }

    /// The raw body (a provider's HTML page).
    pub(crate) fn body(&self) -> &[u8] {
        &self.body
    }

    /// Decodes the JSON body.
    pub(crate) fn json<T: DeserializeOwned>(&self, what: &str) -> Result<T, Error> {
        serde_json::from_slice(&self.body)
            .map_err(|err| Error::BadResponse(format!("{what} could not be read: {err}")))
    }
}

/// A backend the core talks to: its base URL and a client that trusts the roots it needs.
#[derive(Debug)]
pub(crate) struct Backend {
    pub(crate) base: Url,
    /// `host:port`, the second half of token store account keys.
    pub(crate) authority: String,
    client: reqwest::Client,
}

/// What a backend's client trusts.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Trust<'a> {
    /// The public roots only.
    PublicRoots,
    /// The public roots and a configured PEM bundle (`LINLI_BACKEND_CA`: the demo's local CA).
    Pem(&'a [u8]),
    /// What a join link's pin matched: the public roots and that CA, or exactly that leaf.
    Pinned(&'a Pinned),
}

/// What every client of the core shares: timeouts, `User-Agent`, and no redirects.
pub(crate) fn client_builder(user_agent: &str) -> reqwest::ClientBuilder {
    // Several cores (tests) or the server in the same process may race to install it.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(REQUEST_TIMEOUT)
        .user_agent(user_agent)
        // The API never redirects; following one could carry the bearer token elsewhere.
        .redirect(reqwest::redirect::Policy::none())
}

impl Backend {
    /// A backend at `base` (which passed [`check_base_url`]) trusting what `trust` says.
    pub(crate) fn new(base: Url, trust: Trust<'_>, user_agent: &str) -> Result<Self, Error> {
        let builder = client_builder(user_agent);
        let builder = match trust {
            Trust::PublicRoots => builder.use_rustls_tls(),
            Trust::Pem(pem) => {
                let certs = reqwest::Certificate::from_pem_bundle(pem).map_err(|err| {
                    Error::Tls(format!("the configured root CA is not PEM: {err}"))
                })?;
                if certs.is_empty() {
                    return Err(Error::Tls(
                        "the configured root CA file holds no certificate".to_owned(),
                    ));
                }
                certs
                    .into_iter()
                    .fold(builder.use_rustls_tls(), |builder, cert| {
                        builder.add_root_certificate(cert)
                    })
            }
            Trust::Pinned(Pinned::Ca(der)) => {
                let cert = reqwest::Certificate::from_der(der).map_err(|err| {
                    Error::Tls(format!("the pinned CA certificate is not DER: {err}"))
                })?;
                builder.use_rustls_tls().add_root_certificate(cert)
            }
            Trust::Pinned(Pinned::Leaf(der)) => {
                let config = crate::pin::leaf_config(der)
                    .map_err(|err| Error::Internal(format!("the pinned TLS setup: {err}")))?;
                builder.use_preconfigured_tls(config)
            }
        };
        let client = builder
            .build()
            .map_err(|err| Error::Internal(format!("cannot build the HTTP client: {err}")))?;
        Ok(Self::with_client(base, client))
    }

    /// A backend reached through a client built elsewhere (the join probe's pinning client).
    pub(crate) fn with_client(base: Url, client: reqwest::Client) -> Self {
        Self {
            authority: authority(&base),
            base,
            client,
        }
    }

    fn url(&self, call: &Call) -> Url {
        let mut url = self.base.clone();
        let path = format!("{}{}", self.base.path().trim_end_matches('/'), call.path);
        url.set_path(&path);
        url.set_query(None);
        if !call.query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (name, value) in &call.query {
                pairs.append_pair(name, value);
            }
        }
        url
    }
}

/// The backend (none until the resident joins one), the locale and the connectivity state.
#[derive(Debug)]
pub(crate) struct Http {
    backend: RwLock<Option<Arc<Backend>>>,
    locale: RwLock<Locale>,
    /// `None` until the first request; then whether the last request reached the backend.
    online: Mutex<Option<bool>>,
    events: Events,
    requests: AtomicU64,
    body_bytes: AtomicU64,
}

impl Http {
    /// No backend yet: [`Http::set_backend`] chooses one.
    pub(crate) fn new(locale: Locale, events: Events) -> Self {
        Self {
            backend: RwLock::new(None),
            locale: RwLock::new(locale),
            online: Mutex::new(None),
            events,
            requests: AtomicU64::new(0),
            body_bytes: AtomicU64::new(0),
        }
    }

    /// Requests answered and body bytes received so far.
    pub(crate) fn stats(&self) -> NetStats {
        NetStats {
            requests: self.requests.load(Ordering::Relaxed),
            body_bytes: self.body_bytes.load(Ordering::Relaxed),
        }
    }

    /// Talks to `backend` from now on (or to none); requests under way finish where they
    /// started. The connectivity state starts afresh.
    pub(crate) fn set_backend(&self, backend: Option<Backend>) {
        *self
            .backend
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = backend.map(Arc::new);
        *self
            .online
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = None;
    }

    /// The backend, or `no-backend` before the resident joined one.
    pub(crate) fn backend(&self) -> Result<Arc<Backend>, Error> {
        self.backend
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
            .ok_or(Error::NoBackend)
    }

    pub(crate) fn set_locale(&self, locale: Locale) {
        *self
            .locale
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = locale;
    }

    pub(crate) fn locale(&self) -> Locale {
        *self
            .locale
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Whether the last request reached the backend (`false` before the first one).
    pub(crate) fn is_online(&self) -> bool {
        self.online_state() == Some(true)
    }

    /// `Some(false)` after a connection failure, until a request succeeds again.
    pub(crate) fn online_state(&self) -> Option<bool> {
        *self
            .online
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(crate) fn set_online(&self, online: bool) {
        let changed = {
            let mut state = self
                .online
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let changed = *state != Some(online);
            *state = Some(online);
            changed
        };
        if changed {
            self.events.emit(CoreEvent::Connectivity { online });
        }
    }

    /// The HTTP client (its TLS roots, timeouts and User-Agent), for the tus client.
    pub(crate) fn client(&self) -> Result<reqwest::Client, Error> {
        Ok(self.backend()?.client.clone())
    }

    /// The absolute URL of an API path.
    pub(crate) fn endpoint(&self, path: &str) -> Result<Url, Error> {
        Ok(self.backend()?.url(&Call::get(path)))
    }

    /// Sends `call` to the current backend; see [`Http::send_to`].
    pub(crate) async fn send(
        &self,
        call: &Call,
        bearer: Option<&Secret>,
        now: DateTime<Utc>,
    ) -> Result<Reply, Error> {
        let backend = self.backend()?;
        self.send_to(&backend, call, bearer, now).await
    }

    /// Sends `call` to `backend`, with `bearer` when given. `now` dates `Retry-After`.
    pub(crate) async fn send_to(
        &self,
        backend: &Backend,
        call: &Call,
        bearer: Option<&Secret>,
        now: DateTime<Utc>,
    ) -> Result<Reply, Error> {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert(
            ACCEPT_LANGUAGE,
            HeaderValue::from_static(self.locale().as_tag()),
        );
        if let Some(token) = bearer {
            let mut value = HeaderValue::from_str(&format!("Bearer {}", token.expose()))
                .map_err(|_| Error::BadResponse("the access token is not a header value".into()))?;
            value.set_sensitive(true);
            headers.insert(AUTHORIZATION, value);
        }
        if let Some(key) = call.idempotency_key {
            let value = HeaderValue::from_str(&format!("\"{key}\""))
                .map_err(|err| Error::Internal(format!("idempotency key header: {err}")))?;
            headers.insert(headers::IDEMPOTENCY_KEY, value);
        }
        if let Some(etag) = &call.if_none_match
            && let Ok(value) = HeaderValue::from_str(etag)
        {
            headers.insert(reqwest::header::IF_NONE_MATCH, value);
        }
        let mut request = backend
            .client
            .request(call.method.clone(), backend.url(call))
            .headers(headers);
        if let Some(body) = &call.body {
            request = request.json(body);
        }
        let response = match request.send().await {
            Ok(response) => response,
            Err(err) => return Err(self.transport_error(&err, &call.path)),
        };
        let status = response.status();
        let retry_after = response
            .headers()
            .get(headers::RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| parse_retry_after(value, now));
        let etag = response
            .headers()
            .get(reqwest::header::ETAG)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let body = match response.bytes().await {
            Ok(body) => body.to_vec(),
            Err(err) => return Err(self.transport_error(&err, &call.path)),
        };
        self.requests.fetch_add(1, Ordering::Relaxed);
        self.body_bytes
            .fetch_add(body.len() as u64, Ordering::Relaxed);
        self.set_online(true);
        if status.is_success() || status == StatusCode::NOT_MODIFIED {
            return Ok(Reply { status, body, etag });
        }
        let problem = parse_problem(status.as_u16(), &body);
        let retry_after = retry_after.or(problem.retry_after_s.map(Duration::from_secs));
        tracing::debug!(path = %call.path, %status, code = %problem.code, "backend refused");
        Err(Error::Api {
            status: status.as_u16(),
            problem: Box::new(problem),
            retry_after,
        })
    }

    fn transport_error(&self, err: &reqwest::Error, path: &str) -> Error {
        if is_tls_failure(err) {
            tracing::warn!(path, "TLS failure: {err:#}");
            return Error::Tls(root_cause(err));
        }
        if err.is_builder() {
            return Error::Internal(format!("cannot build the request: {err}"));
        }
        tracing::info!(path, "backend unreachable: {}", root_cause(err));
        self.set_online(false);
        let what = if err.is_timeout() {
            "timed out".to_owned()
        } else {
            root_cause(err)
        };
        Error::Offline(what)
    }
}

fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut current = err;
    while let Some(next) = current.source() {
        current = next;
    }
    current.to_string()
}

/// True when a rustls error is somewhere in the chain (certificate not trusted, bad name …).
/// `io::Error` hides its payload from `source()`, so payloads are searched too.
fn is_tls_failure(err: &(dyn std::error::Error + 'static)) -> bool {
    if err.downcast_ref::<rustls::Error>().is_some() {
        return true;
    }
    if let Some(io) = err.downcast_ref::<std::io::Error>()
        && let Some(inner) = io.get_ref()
        && is_tls_failure(inner)
    {
        return true;
    }
    err.source().is_some_and(is_tls_failure)
}

#[cfg(test)]
#[path = "http_tests.rs"]
mod tests;
