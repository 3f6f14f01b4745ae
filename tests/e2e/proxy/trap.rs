//! Traps for the kill -9 gauntlet. A trap names one request (method, path prefix, and how many
//! matching ones to let pass first) and the phase at which the proxy stops it:
//!
//! - `BeforeServer`: the request is taken from the app and never forwarded;
//! - `MidBody`: the head and half the body go to the server on a connection of their own, the
//!   rest never follows (what a phone losing signal mid-upload looks like to the server);
//! - `AfterCommit`: the server has answered (so it committed), the answer is kept back.
//!
//! Then the proxy tells the test (`sprung`) and holds the request until `release`, which the
//! test calls once it has killed the app: the server-side connection of a mid-body request is
//! closed only then, so the kill lands while the server still waits for the rest.
//!
//! A gathering (`gather`) loses nothing: the next n matching requests wait for each other and
//! then all go on to the server, so a test knows they were all sent before any was answered.

use std::sync::Arc;

use hyper::Method;
use hyper::body::Bytes;
use rustls::pki_types::{CertificateDer, ServerName, pem::PemObject as _};
use tokio::io::AsyncWriteExt as _;

use super::{CuttingProxy, Lost, Shared};

/// Where a trapped request is stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Phase {
    BeforeServer,
    MidBody,
    AfterCommit,
}

/// The armed trap.
#[derive(Debug)]
pub(super) struct Trap {
    method: Method,
    prefix: String,
    phase: Phase,
    skip: u32,
}

impl CuttingProxy {
    /// Arms the trap (replacing one that did not spring): the first `method` request under
    /// `prefix` after `skip` others is stopped at `phase` and held until [`Self::release`].
    pub fn trap(&self, method: Method, prefix: &str, phase: Phase, skip: u32) {
        *self.shared.trap.lock().expect("trap") = Some(Trap {
            method,
            prefix: prefix.to_owned(),
            phase,
            skip,
        });
    }

    /// Disarms a trap that has not sprung; true if one was still armed.
    pub fn disarm(&self) -> bool {
        self.shared.trap.lock().expect("trap").take().is_some()
    }

    /// Resolves once the armed trap holds its request at its phase.
    pub async fn sprung(&self) {
        self.shared.sprung.notified().await;
    }

    /// Lets every held request go: their connections close, on both sides.
    pub fn release(&self) {
        self.shared
            .release
            .send_modify(|generation| *generation += 1);
    }
}

/// Requests that wait for each other: `left` more of them join `barrier`.
#[derive(Debug)]
pub(super) struct Gathering {
    method: Method,
    prefix: String,
    left: usize,
    barrier: Arc<tokio::sync::Barrier>,
}

impl CuttingProxy {
    /// The next `n` `method` requests under `prefix` wait until all `n` have arrived, then go
    /// on to the server together.
    pub fn gather(&self, method: Method, prefix: &str, n: usize) {
        *self.shared.gathering.lock().expect("gathering") = Some(Gathering {
            method,
            prefix: prefix.to_owned(),
            left: n,
            barrier: Arc::new(tokio::sync::Barrier::new(n)),
        });
    }
}

/// Waits with the others if this request is one of a gathering.
pub(super) async fn join(shared: &Shared, method: &Method, path: &str) {
    let barrier = {
        let Ok(mut slot) = shared.gathering.lock() else {
            return;
        };
        match slot.as_mut() {
            Some(g) if g.left > 0 && g.method == method && path.starts_with(&g.prefix) => {
                g.left -= 1;
                g.barrier.clone()
            }
            _ => return,
        }
    };
    barrier.wait().await;
}

/// Takes the armed trap if this request is the one it waits for.
pub(super) fn take(shared: &Shared, method: &Method, path: &str) -> Option<Phase> {
    let mut slot = shared.trap.lock().ok()?;
    let trap = slot.as_mut()?;
    if trap.method != method || !path.starts_with(&trap.prefix) {
        return None;
    }
    if trap.skip > 0 {
        trap.skip -= 1;
        return None;
    }
    slot.take().map(|trap| trap.phase)
}

/// Says the trap has sprung, then waits for the release; `keep` (a half-sent upstream
/// connection) lives until then.
pub(super) async fn hold<T>(shared: &Shared, keep: T) -> Lost {
    let mut released = shared.release.subscribe();
    shared.sprung.notify_one();
    let _ = released.changed().await;
    drop(keep);
    Lost
}

/// The client TLS settings for raw connections to the server (HTTP/1.1 only).
pub(super) fn upstream_tls(ca_pem: &str) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
        roots
            .add(cert.expect("the upstream CA is PEM"))
            .expect("the upstream CA is a certificate");
    }
    let mut config = rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Arc::new(config)
}

/// Sends the request's head (with its full `Content-Length`) and the first half of its body
/// to the server on a connection of its own, and returns that connection, still open.
pub(super) async fn send_half(
    shared: &Shared,
    upstream: &str,
    parts: &hyper::http::request::Parts,
    path: &str,
    body: &Bytes,
) -> Option<tokio_rustls::client::TlsStream<tokio::net::TcpStream>> {
    let authority = upstream.trim_start_matches("https://");
    let host = authority
        .rsplit_once(':')
        .map_or(authority, |(host, _)| host);
    let name = ServerName::try_from(host.to_owned()).ok()?;
    let tcp = tokio::net::TcpStream::connect(authority).await.ok()?;
    let connector = tokio_rustls::TlsConnector::from(shared.upstream_tls.clone());
    let mut tls = connector.connect(name, tcp).await.ok()?;
    let mut head = format!(
        "{} {path} HTTP/1.1\r\nhost: {authority}\r\ncontent-length: {}\r\n",
        parts.method,
        body.len()
    );
    for (name, value) in &parts.headers {
        let skip = matches!(
            name.as_str(),
            "host" | "connection" | "content-length" | "transfer-encoding"
        );
        if let (false, Ok(value)) = (skip, value.to_str()) {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    head.push_str("\r\n");
    tls.write_all(head.as_bytes()).await.ok()?;
    tls.write_all(&body[..body.len() / 2]).await.ok()?;
    tls.flush().await.ok()?;
    Some(tls)
}
