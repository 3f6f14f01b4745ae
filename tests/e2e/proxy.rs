//! A TLS-terminating HTTP/1.1 proxy between the app and the server that can lose answers: for a
//! chosen kind of request it forwards the request, waits until the server has answered (so the
//! write is committed), and then closes the app's connection without passing the answer on.
//! That is the mobile-network failure the outbox must survive: the server did it, the app
//! never heard. It can also drop a request before the server sees it (the cut came earlier),
//! and it counts the upload bytes the app sent and the server received. The proxy has its own
//! CA (the app trusts it instead of the server's) and trusts the server's CA upstream.

use std::sync::{Arc, Mutex};

use http_body_util::{BodyExt as _, Full};
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper::{Method, Request, Response};
use hyper_util::rt::TokioIo;

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

#[derive(Debug, Default)]
struct Shared {
    cuts: Mutex<Vec<Cut>>,
    counts: Mutex<Counts>,
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
    if take_cut(&shared, &parts.method, &path, false) {
        return Err(Lost);
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
        return Ok(status_only(502));
    };
    let status = answer.status();
    let headers = answer.headers().clone();
    let bytes = answer.bytes().await.unwrap_or_default();
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

fn status_only(code: u16) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = hyper::StatusCode::from_u16(code).unwrap_or_default();
    response
}
