//! A TLS-terminating HTTP/1.1 proxy between the app and the server that can lose answers: for a
//! chosen kind of request it forwards the request, waits until the server has answered (so the
//! write is committed), and then closes the app's connection without passing the answer on.
//! That is the mobile-network failure the outbox must survive: the server did it, the app
//! never heard. It can also drop a request before the server sees it (the cut came earlier),
//! and it counts the upload bytes the app sent and the server received. The proxy has its own
//! CA (the app trusts it instead of the server's) and trusts the server's CA upstream.
//!
//! It is also the auditor on the wire: it logs every request with the server's status and
//! whether the server replayed a stored answer (`Idempotent-Replayed`), so a test counts what
//! the backend received and applied, not rows a primary key folds together. And it holds
//! traps for the kill -9 gauntlet (`proxy/trap.rs`): one request is stopped at a chosen phase
//! and held there until the test has killed the app.

mod trap;

use std::sync::{Arc, Mutex};

use http_body_util::{BodyExt as _, Full};
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper::{Method, Request, Response};
use hyper_util::rt::TokioIo;
use tokio::sync::{Notify, watch};

pub use trap::Phase;

/// Requests that are cut: method, path prefix, how many more times, and whether the server
/// gets them first.
#[derive(Debug)]
struct Cut {
    method: Method,
    prefix: String,
    left: u32,
    after_commit: bool,
}

/// Bytes of PATCH bodies: sent by the app, and passed on to the server.
#[derive(Debug, Default)]
struct Counts {
    sent: u64,
    delivered: u64,
}

/// One request as the proxy saw it.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: Method,
    /// Path and query.
    pub path: String,
    /// The server's status; `None` when the server never had the whole request (dropped
    /// before it, or cut mid-body).
    pub status: Option<u16>,
    /// The server answered from its idempotency store instead of acting again.
    pub replayed: bool,
    /// The request's `Idempotency-Key`, as sent.
    pub key: Option<String>,
    /// The proxy answered it itself (see [`CuttingProxy::answer`]); the server never saw it.
    pub by_proxy: bool,
}

impl Seen {
    /// The server acted on it: a change answered 201 or 204, not a stored replay. (A 200 to a
    /// write is a repeated creation the server recognised, such as a tus upload that exists.)
    pub fn applied(&self) -> bool {
        matches!(self.status, Some(201 | 204)) && !self.replayed
    }

    /// The server had the whole request and answered it.
    pub fn received(&self) -> bool {
        self.status.is_some() && !self.by_proxy
    }
}

/// Requests the proxy answers itself: `status` with `Retry-After` (if any), `left` more times.
#[derive(Debug)]
struct Answer {
    method: Method,
    prefix: String,
    status: u16,
    retry_after: Option<u64>,
    left: u32,
}

#[derive(Debug)]
struct Shared {
    cuts: Mutex<Vec<Cut>>,
    answers: Mutex<Vec<Answer>>,
    /// The network is gone: every connection closes with nothing written.
    down: std::sync::atomic::AtomicBool,
    counts: Mutex<Counts>,
    log: Mutex<Vec<Seen>>,
    trap: Mutex<Option<trap::Trap>>,
    gathering: Mutex<Option<trap::Gathering>>,
    sprung: Notify,
    release: watch::Sender<u64>,
    upstream_tls: Arc<rustls::ClientConfig>,
}

/// A running proxy; it stops when dropped.
pub struct CuttingProxy {
    /// `https://127.0.0.1:<port>`.
    pub url: String,
    /// The CA the app must trust to reach the proxy.
    pub ca_pem: String,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
    _dir: tempfile::TempDir,
}

impl Drop for CuttingProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl CuttingProxy {
    /// Starts a proxy in front of `upstream` (a base URL) whose certificate `upstream_ca` signs.
    pub async fn start(upstream: &str, upstream_ca: &str) -> Self {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let dir = tempfile::tempdir().expect("proxy dir");
        let tls = linli_server::tls::TlsFiles::in_data_dir(dir.path());
        tls.ensure().expect("proxy certificate");
        let mut config = (*tls.server_config().expect("proxy TLS")).clone();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let upstream_tls = trap::upstream_tls(upstream_ca);
        let client = reqwest::Client::builder()
            .add_root_certificate(
                reqwest::Certificate::from_pem(upstream_ca.as_bytes()).expect("upstream CA"),
            )
            .build()
            .expect("upstream client");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("https://{}", listener.local_addr().expect("addr"));
        let shared = Arc::new(Shared {
            cuts: Mutex::default(),
            answers: Mutex::default(),
            down: std::sync::atomic::AtomicBool::new(false),
            counts: Mutex::default(),
            log: Mutex::default(),
            trap: Mutex::default(),
            gathering: Mutex::default(),
            sprung: Notify::new(),
            release: watch::channel(0).0,
            upstream_tls,
        });
        let upstream = upstream.trim_end_matches('/').to_owned();
        let state = shared.clone();
        let task = tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let (acceptor, client, upstream, shared) = (
                    acceptor.clone(),
                    client.clone(),
                    upstream.clone(),
                    state.clone(),
                );
                tokio::spawn(async move {
                    let Ok(stream) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let service = service_fn(move |request: Request<Incoming>| {
                        forward(client.clone(), upstream.clone(), shared.clone(), request)
                    });
                    // A service error closes the connection with nothing written: the cut.
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Self {
            url,
            ca_pem: tls.ca_pem().expect("proxy CA"),
            shared,
            task,
            _dir: dir,
        }
    }

    /// Loses the answers of the next `times` successful `method` requests under `prefix`.
    pub fn cut_after_commit(&self, method: Method, prefix: &str, times: u32) {
        self.cut(method, prefix, times, true);
    }

    /// Drops the next `times` `method` requests under `prefix` before the server sees them.
    pub fn cut_before_server(&self, method: Method, prefix: &str, times: u32) {
        self.cut(method, prefix, times, false);
    }

    fn cut(&self, method: Method, prefix: &str, times: u32, after_commit: bool) {
        self.shared.cuts.lock().expect("cuts").push(Cut {
            method,
            prefix: prefix.to_owned(),
            left: times,
            after_commit,
        });
    }

    /// How many cuts are still to come.
    pub fn cuts_left(&self) -> u32 {
        self.shared
            .cuts
            .lock()
            .expect("cuts")
            .iter()
            .map(|c| c.left)
            .sum()
    }

    /// Answers the next `times` `method` requests under `prefix` itself with `status` (and
    /// `Retry-After: retry_after` seconds), as a load balancer in a maintenance window does
    /// while the backend behind it is fine.
    pub fn answer(
        &self,
        method: Method,
        prefix: &str,
        status: u16,
        retry_after: Option<u64>,
        times: u32,
    ) {
        self.shared.answers.lock().expect("answers").push(Answer {
            method,
            prefix: prefix.to_owned(),
            status,
            retry_after,
            left: times,
        });
    }

    /// Cuts the network (`true`) or brings it back: while down, every request's connection
    /// closes without an answer, as when the phone loses its signal (logged with no status).
    pub fn set_down(&self, down: bool) {
        self.shared
            .down
            .store(down, std::sync::atomic::Ordering::SeqCst);
    }

    /// How many `method` requests under `prefix` came in, answered or not.
    pub fn count(&self, method: &Method, prefix: &str) -> usize {
        self.matching(method, prefix).count()
    }

    /// The statuses of the requests that carried `Idempotency-Key: key` (0: no answer).
    pub fn with_key(&self, key: &str) -> Vec<u16> {
        self.seen()
            .into_iter()
            .filter(|s| s.key.as_deref() == Some(key))
            .map(|s| s.status.unwrap_or(0))
            .collect()
    }

    /// Every request so far, in the order the proxy took them.
    pub fn seen(&self) -> Vec<Seen> {
        self.shared.log.lock().expect("log").clone()
    }

    /// Requests `method` under `prefix` the server acted on (see [`Seen::applied`]).
    pub fn applied(&self, method: &Method, prefix: &str) -> usize {
        self.matching(method, prefix).filter(Seen::applied).count()
    }

    /// Requests `method` under `prefix` the server had in full and answered.
    pub fn received(&self, method: &Method, prefix: &str) -> usize {
        self.matching(method, prefix).filter(Seen::received).count()
    }

    fn matching(&self, method: &Method, prefix: &str) -> impl Iterator<Item = Seen> {
        let (method, prefix) = (method.clone(), prefix.to_owned());
        self.seen()
            .into_iter()
            .filter(move |s| s.method == method && s.path.starts_with(&prefix))
    }

    /// Upload (PATCH) body bytes the app sent, and those the server received.
    pub fn patch_bytes(&self) -> (u64, u64) {
        let counts = self.shared.counts.lock().expect("counts");
        (counts.sent, counts.delivered)
    }
}

/// Takes one cut matching the request, if any is left.
fn take_cut(shared: &Shared, method: &Method, path: &str, after_commit: bool) -> bool {
    let Ok(mut cuts) = shared.cuts.lock() else {
        return false;
    };
    match cuts.iter_mut().find(|c| {
        c.left > 0
            && c.after_commit == after_commit
            && c.method == method
            && path.starts_with(&c.prefix)
    }) {
        Some(cut) => {
            cut.left -= 1;
            true
        }
        None => false,
    }
}

/// The answer was lost on purpose.
#[derive(Debug)]
struct Lost;

impl std::fmt::Display for Lost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("answer lost after the server committed")
    }
}

impl std::error::Error for Lost {}

/// Writes one line of the log.
fn log(
    shared: &Shared,
    parts: &hyper::http::request::Parts,
    path: &str,
    status: Option<u16>,
    replayed: bool,
) {
    log_as(shared, parts, path, status, replayed, false);
}

/// Writes one line of the log, saying whether the proxy answered the request itself.
fn log_as(
    shared: &Shared,
    parts: &hyper::http::request::Parts,
    path: &str,
    status: Option<u16>,
    replayed: bool,
    by_proxy: bool,
) {
    let key = parts
        .headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim_matches('"').to_owned());
    if let Ok(mut log) = shared.log.lock() {
        log.push(Seen {
            method: parts.method.clone(),
            path: path.to_owned(),
            status,
            replayed,
            key,
            by_proxy,
        });
    }
}

async fn forward(
    client: reqwest::Client,
    upstream: String,
    shared: Arc<Shared>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Lost> {
    let (parts, body) = request.into_parts();
    let body = body.collect().await.map_err(|_| Lost)?.to_bytes();
    let path = parts
        .uri
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    let patch = parts.method == Method::PATCH;
    if patch && let Ok(mut counts) = shared.counts.lock() {
        counts.sent += body.len() as u64;
    }
    if shared.down.load(std::sync::atomic::Ordering::SeqCst) {
        log(&shared, &parts, &path, None, false);
        return Err(Lost);
    }
    if let Some((status, retry_after)) = take_answer(&shared, &parts.method, &path) {
        log_as(&shared, &parts, &path, Some(status), false, true);
        return Ok(own_answer(status, retry_after));
    }
    trap::join(&shared, &parts.method, &path).await;
    let trapped = trap::take(&shared, &parts.method, &path);
    if take_cut(&shared, &parts.method, &path, false) {
        log(&shared, &parts, &path, None, false);
        return Err(Lost);
    }
    match trapped {
        Some(trap::Phase::BeforeServer) => {
            log(&shared, &parts, &path, None, false);
            return Err(trap::hold(&shared, ()).await);
        }
        Some(trap::Phase::MidBody) => {
            log(&shared, &parts, &path, None, false);
            let half = trap::send_half(&shared, &upstream, &parts, &path, &body).await;
            return Err(trap::hold(&shared, half).await);
        }
        _ => {}
    }
    let mut outgoing = client.request(parts.method.clone(), format!("{upstream}{path}"));
    for (name, value) in &parts.headers {
        if !matches!(name.as_str(), "host" | "connection" | "content-length") {
            outgoing = outgoing.header(name, value);
        }
    }
    if patch && let Ok(mut counts) = shared.counts.lock() {
        counts.delivered += body.len() as u64;
    }
    let Ok(answer) = outgoing.body(body).send().await else {
        // The server is down: to the app that is a network that goes nowhere, not a 502.
        log(&shared, &parts, &path, None, false);
        return Err(Lost);
    };
    let status = answer.status();
    let headers = answer.headers().clone();
    let bytes = answer.bytes().await.unwrap_or_default();
    let replayed = headers
        .get("idempotent-replayed")
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"true"));
    log(&shared, &parts, &path, Some(status.as_u16()), replayed);
    if trapped == Some(trap::Phase::AfterCommit) {
        return Err(trap::hold(&shared, ()).await);
    }
    if status.is_success() && take_cut(&shared, &parts.method, &path, true) {
        return Err(Lost);
    }
    let mut response = Response::new(Full::new(bytes));
    *response.status_mut() = status;
    for (name, value) in &headers {
        if !matches!(
            name.as_str(),
            "connection" | "transfer-encoding" | "content-length"
        ) {
            response.headers_mut().append(name, value.clone());
        }
    }
    Ok(response)
}

fn take_answer(shared: &Shared, method: &Method, path: &str) -> Option<(u16, Option<u64>)> {
    let mut answers = shared.answers.lock().ok()?;
    let answer = answers
        .iter_mut()
        .find(|a| a.left > 0 && a.method == method && path.starts_with(&a.prefix))?;
    answer.left -= 1;
    Some((answer.status, answer.retry_after))
}

/// A problem answer of the proxy's own.
fn own_answer(status: u16, retry_after: Option<u64>) -> Response<Full<Bytes>> {
    let code = match status {
        429 => "rate-limited",
        503 => "service-unavailable",
        _ => "internal-error",
    };
    let problem =
        format!(r#"{{"type":"about:blank","title":"{code}","status":{status},"code":"{code}"}}"#);
    let mut response = Response::new(Full::new(Bytes::from(problem)));
    *response.status_mut() = hyper::StatusCode::from_u16(status).unwrap_or_default();
    response.headers_mut().insert(
        "content-type",
        hyper::header::HeaderValue::from_static("application/problem+json"),
    );
    if let Some(seconds) = retry_after {
        response
            .headers_mut()
            .insert("retry-after", hyper::header::HeaderValue::from(seconds));
    }
    response
}
