//! A TLS front between the app and the server that records every request it passes on and can
//! answer some itself, the way a load balancer in front of a backend in a maintenance window
//! answers `503` with `Retry-After` while the backend behind it is fine.
//!
//! The record is what reached the backend's door: method, path, `Idempotency-Key` and the
//! status that went back. Tests count there, not in the app. The front has its own CA (the app
//! trusts it instead of the server's) and trusts the server's CA upstream.

use http_body_util::{BodyExt as _, Full};
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper::{Method, Request, Response};
use hyper_util::rt::TokioIo;
use std::sync::{Arc, Mutex, MutexGuard};

/// One request as it came in, and what went back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seen {
    pub method: Method,
    pub path: String,
    pub idempotency_key: Option<String>,
    pub status: u16,
}

/// Requests the front answers itself: `status` with `Retry-After: retry_after` (if any).
#[derive(Debug)]
struct Answer {
    method: Method,
    prefix: String,
    status: u16,
    retry_after: Option<u64>,
    left: u32,
}

#[derive(Debug, Default)]
struct Shared {
    seen: Mutex<Vec<Seen>>,
    answers: Mutex<Vec<Answer>>,
    /// The network is gone: every request's connection is closed with nothing written.
    down: std::sync::atomic::AtomicBool,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A running front; it stops when dropped.
pub struct Front {
    /// `https://127.0.0.1:<port>`.
    pub url: String,
    /// The CA the app must trust to reach the front.
    pub ca_pem: String,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
    _dir: tempfile::TempDir,
}

impl Drop for Front {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Front {
    /// Starts a front for `upstream` (a base URL) whose certificate `upstream_ca` signs.
    pub async fn start(upstream: &str, upstream_ca: &str) -> Self {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let dir = tempfile::tempdir().expect("front dir");
        let tls = linli_server::tls::TlsFiles::in_data_dir(dir.path());
        tls.ensure().expect("front certificate");
        let mut config = (*tls.server_config().expect("front TLS")).clone();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
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
        let shared: Arc<Shared> = Arc::default();
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
                        pass(client.clone(), upstream.clone(), shared.clone(), request)
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Self {
            url,
            ca_pem: tls.ca_pem().expect("front CA"),
            shared,
            task,
            _dir: dir,
        }
    }

    /// Answers the next `times` `method` requests under `prefix` with `status` (and
    /// `Retry-After: retry_after` seconds) without passing them on.
    pub fn answer(
        &self,
        method: Method,
        prefix: &str,
        status: u16,
        retry_after: Option<u64>,
        times: u32,
    ) {
        lock(&self.shared.answers).push(Answer {
            method,
            prefix: prefix.to_owned(),
            status,
            retry_after,
            left: times,
        });
    }

    /// Cuts the network (`true`) or brings it back: while down, every connection closes
    /// without an answer, as when the phone loses its signal. Requests still show in
    /// [`Self::seen`], with status 0.
    pub fn set_down(&self, down: bool) {
        self.shared
            .down
            .store(down, std::sync::atomic::Ordering::SeqCst);
    }

    /// Every request so far.
    pub fn seen(&self) -> Vec<Seen> {
        lock(&self.shared.seen).clone()
    }

    /// How many `method` requests under `prefix` came in.
    pub fn count(&self, method: &Method, prefix: &str) -> usize {
        lock(&self.shared.seen)
            .iter()
            .filter(|s| s.method == method && s.path.starts_with(prefix))
            .count()
    }

    /// The requests that carried `Idempotency-Key: key`, with their statuses.
    pub fn with_key(&self, key: &str) -> Vec<u16> {
        lock(&self.shared.seen)
            .iter()
            .filter(|s| s.idempotency_key.as_deref() == Some(key))
            .map(|s| s.status)
            .collect()
    }
}

fn take_answer(shared: &Shared, method: &Method, path: &str) -> Option<(u16, Option<u64>)> {
    let mut answers = lock(&shared.answers);
    let answer = answers
        .iter_mut()
        .find(|a| a.left > 0 && a.method == method && path.starts_with(&a.prefix))?;
    answer.left -= 1;
    Some((answer.status, answer.retry_after))
}

async fn pass(
    client: reqwest::Client,
    upstream: String,
    shared: Arc<Shared>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, std::io::Error> {
    let (parts, body) = request.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let path = parts
        .uri
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    let idempotency_key = parts
        .headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        // A structured-field string: the key in quotes.
        .map(|v| v.trim_matches('"').to_owned());
    if shared.down.load(std::sync::atomic::Ordering::SeqCst) {
        lock(&shared.seen).push(Seen {
            method: parts.method.clone(),
            path,
            idempotency_key,
            status: 0,
        });
        // A service error closes the connection with nothing written.
        return Err(std::io::Error::other("the network is down"));
    }
    let response = match take_answer(&shared, &parts.method, &path) {
        Some((status, retry_after)) => {
            let code = match status {
                429 => "rate-limited",
                503 => "service-unavailable",
                _ => "internal-error",
            };
            let problem = format!(
                r#"{{"type":"about:blank","title":"{code}","status":{status},"code":"{code}"}}"#
            );
            let mut response = Response::new(Full::new(Bytes::from(problem)));
            *response.status_mut() = hyper::StatusCode::from_u16(status).expect("a status");
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
        None => forward(&client, &upstream, &parts, body, &path).await,
    };
    lock(&shared.seen).push(Seen {
        method: parts.method.clone(),
        path,
        idempotency_key,
        status: response.status().as_u16(),
    });
    Ok(response)
}

async fn forward(
    client: &reqwest::Client,
    upstream: &str,
    parts: &hyper::http::request::Parts,
    body: Bytes,
    path: &str,
) -> Response<Full<Bytes>> {
    let mut outgoing = client.request(parts.method.clone(), format!("{upstream}{path}"));
    for (name, value) in &parts.headers {
        if !matches!(name.as_str(), "host" | "connection" | "content-length") {
            outgoing = outgoing.header(name, value);
        }
    }
    let Ok(answer) = outgoing.body(body).send().await else {
        let mut response = Response::new(Full::new(Bytes::new()));
        *response.status_mut() = hyper::StatusCode::BAD_GATEWAY;
        return response;
    };
    let status = answer.status();
    let headers = answer.headers().clone();
    let bytes = answer.bytes().await.unwrap_or_default();
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
    response
}
