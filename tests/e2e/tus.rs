//! linli-core's tus client: against our server (checksums, a pause and a resume that sends
//! nothing twice, a lost response, a cut that costs at most the chunk in flight) and against
//! @tus/server from npm, an implementation nobody here wrote. Bytes sent are counted on the
//! wire (the proxy between client and server), not by the client's own progress callback.

use std::ops::ControlFlow;

use crate::proxy::CuttingProxy;
use linli_core::tus::{Outcome, TusClient, TusError, UploadState};
use linli_server::testing::{DEMO_PASSWORD, TestServer, WANG_FANG_PHONE};
use reqwest::Method;
use reqwest::Url;
use tokio::io::AsyncBufReadExt as _;

const CHUNK: usize = 16 * 1024;

/// A prepared photo (what the app uploads), about 200 KB.
fn photo() -> Vec<u8> {
    let image = image::RgbImage::from_fn(1600, 1200, |x, y| {
        let n = (x.wrapping_mul(2_654_435_761) ^ y.wrapping_mul(40_503)) % 256;
        image::Rgb([(x % 256) as u8, (y % 256) as u8, n as u8])
    });
    let mut png = Vec::new();
    image::DynamicImage::ImageRgb8(image)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .expect("png");
    linli_core::photo::prepare(&png).expect("prepared").jpeg
}

async fn bearer(server: &TestServer, client: &reqwest::Client) -> String {
    let tokens: serde_json::Value = client
        .post(format!("{}/v1/auth/login", server.base_url()))
        .json(&serde_json::json!({"phone": WANG_FANG_PHONE, "password": DEMO_PASSWORD}))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("tokens");
    tokens["access_token"].as_str().expect("token").to_owned()
}

fn trusting(server: &TestServer) -> reqwest::Client {
    // The server and core may race to install the process-wide TLS provider; either is fine.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(
            reqwest::Certificate::from_pem(server.ca_pem().as_bytes()).expect("pem"),
        )
        .build()
        .expect("client")
}

/// Uploads, pausing after `pause_after` chunks; returns the outcome and the bytes sent.
async fn run(
    client: &TusClient,
    creation: &Url,
    metadata: &[(&str, &str)],
    bytes: &[u8],
    state: &mut UploadState,
    pause_after: Option<usize>,
) -> (Outcome, u64) {
    let mut calls = 0;
    let mut last = 0;
    let mut sent = 0;
    let outcome = client
        .upload(creation, metadata, bytes, state, |offset, _| {
            // The first call says where the server is; later ones follow confirmed chunks.
            if calls > 0 {
                sent += offset.saturating_sub(last);
            }
            calls += 1;
            last = offset;
            let chunks = calls - 1;
            match pause_after {
                Some(n) if chunks >= n => ControlFlow::Break(()),
                _ => ControlFlow::Continue(()),
            }
        })
        .await
        .expect("upload");
    (outcome, sent)
}

#[tokio::test]
async fn our_server_takes_a_paused_upload_back_without_sending_anything_twice() {
    let server = TestServer::start().await;
    let http = trusting(&server);
    let token = bearer(&server, &http).await;
    let bytes = photo();
    let id = uuid::Uuid::now_v7().to_string();
    let metadata = [
        ("attachment_id", id.as_str()),
        ("filename", "门锁.jpg"),
        ("content_type", "image/jpeg"),
    ];
    // The client reaches the server through a proxy that counts the PATCH bytes on the wire.
    let proxy = CuttingProxy::start(&server.base_url(), &server.ca_pem()).await;
    let http = through(&proxy);
    let creation = Url::parse(&format!("{}/v1/uploads", proxy.url)).expect("url");

    let mut state = UploadState::default();
    let (outcome, _) = run(
        &TusClient::new(http.clone(), Some(token.clone()), CHUNK),
        &creation,
        &metadata,
        &bytes,
        &mut state,
        Some(3),
    )
    .await;
    assert_eq!(outcome, Outcome::Paused);
    assert_eq!(state.offset, 3 * CHUNK as u64, "three chunks confirmed");
    assert_eq!(
        proxy.patch_bytes(),
        (state.offset, state.offset),
        "the wire carried exactly the three chunks"
    );
    let saved = state.clone();

    // The app restarts with the state it had persisted, but the last confirmation was lost:
    // its offset is one chunk behind the server's.
    let mut stale = UploadState {
        url: saved.url.clone(),
        offset: 2 * CHUNK as u64,
    };
    let client = TusClient::new(http.clone(), Some(token.clone()), CHUNK);
    let (outcome, sent) = run(&client, &creation, &metadata, &bytes, &mut stale, None).await;
    assert_eq!(outcome, Outcome::Complete);
    assert_eq!(
        sent,
        bytes.len() as u64 - saved.offset,
        "HEAD told it where to go on: no byte sent twice"
    );
    let total = bytes.len() as u64;
    assert_eq!(
        proxy.patch_bytes(),
        (total, total),
        "on the wire, every byte was sent once and reached the server once"
    );
    let stored = std::fs::read(server.data_dir().join("uploads").join(&id)).expect("stored");
    assert_eq!(stored, bytes, "the server holds the exact bytes");

    // Sending it all again (a replayed outbox item) creates nothing new and sends nothing.
    let mut again = UploadState::default();
    let (outcome, sent) = run(&client, &creation, &metadata, &bytes, &mut again, None).await;
    assert_eq!(outcome, Outcome::Complete);
    assert_eq!(sent, 0, "the same attachment id finds the finished upload");
    assert_eq!(
        proxy.patch_bytes(),
        (total, total),
        "the replay put no byte on the wire"
    );
}

/// An HTTP client that trusts only `proxy`.
fn through(proxy: &CuttingProxy) -> reqwest::Client {
    reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(proxy.ca_pem.as_bytes()).expect("pem"))
        .build()
        .expect("client")
}

#[tokio::test]
async fn a_cut_upload_resends_at_most_the_chunk_that_was_in_flight() {
    let server = TestServer::start().await;
    let token = bearer(&server, &trusting(&server)).await;
    let proxy = CuttingProxy::start(&server.base_url(), &server.ca_pem()).await;
    let http = through(&proxy);
    let bytes = photo();
    let id = uuid::Uuid::now_v7().to_string();
    let metadata = [
        ("attachment_id", id.as_str()),
        ("content_type", "image/jpeg"),
    ];
    let creation = Url::parse(&format!("{}/v1/uploads", proxy.url)).expect("url");
    let client = TusClient::new(http, Some(token), CHUNK);
    let mut state = UploadState::default();

    // Three chunks, then the network cuts the fourth on its way to the server, and after a
    // retry the fifth on its way back (the server has it; the app does not know).
    let (outcome, _) = run(&client, &creation, &metadata, &bytes, &mut state, Some(3)).await;
    assert_eq!(outcome, Outcome::Paused);
    proxy.cut_before_server(Method::PATCH, "/v1/uploads/", 1);
    let lost = client
        .upload(&creation, &metadata, &bytes, &mut state, |_, _| {
            ControlFlow::Continue(())
        })
        .await;
    assert!(lost.is_err(), "the cut is a network failure, not a result");
    let mut two_on = state.clone();
    let (outcome, _) = run(&client, &creation, &metadata, &bytes, &mut two_on, Some(1)).await;
    assert_eq!(outcome, Outcome::Paused, "one chunk, the one that was cut");
    proxy.cut_after_commit(Method::PATCH, "/v1/uploads/", 1);
    let lost = client
        .upload(&creation, &metadata, &bytes, &mut two_on, |_, _| {
            ControlFlow::Continue(())
        })
        .await;
    assert!(lost.is_err());
    let (outcome, _) = run(&client, &creation, &metadata, &bytes, &mut two_on, None).await;
    assert_eq!(outcome, Outcome::Complete);
    assert_eq!(proxy.cuts_left(), 0);

    let (sent, delivered) = proxy.patch_bytes();
    let total = bytes.len() as u64;
    assert_eq!(
        delivered, total,
        "the server received every byte once (the answer lost after commit cost nothing)"
    );
    assert_eq!(
        sent - total,
        CHUNK as u64,
        "the app re-sent exactly the one chunk the network ate"
    );
    let stored = std::fs::read(server.data_dir().join("uploads").join(&id)).expect("stored");
    assert_eq!(stored, bytes, "the exact bytes");
}

#[tokio::test]
async fn the_client_works_with_the_official_node_tus_server() {
    let dir = tempfile::tempdir().expect("tempdir");
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tus-peer/server.mjs");
    let mut peer = tokio::process::Command::new("node")
        .arg(&script)
        .arg(dir.path())
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("node runs tests/tus-peer/server.mjs (npm ci in tests/tus-peer; cargo xtask test does it)");
    let stdout = peer.stdout.take().expect("stdout");
    let line = tokio::io::BufReader::new(stdout)
        .lines()
        .next_line()
        .await
        .expect("read")
        .expect("a line");
    let announced: serde_json::Value = serde_json::from_str(&line).expect("json");
    let creation = Url::parse(announced["url"].as_str().expect("url")).expect("url");

    let bytes = photo();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .expect("client");
    let client = TusClient::new(http, None, CHUNK);
    let metadata = [("filename", "门锁.jpg"), ("filetype", "image/jpeg")];
    let mut state = UploadState::default();
    let (outcome, _) = run(&client, &creation, &metadata, &bytes, &mut state, Some(2)).await;
    assert_eq!(outcome, Outcome::Paused);
    let before = state.offset;
    let (outcome, sent) = run(&client, &creation, &metadata, &bytes, &mut state, None).await;
    assert_eq!(outcome, Outcome::Complete);
    assert_eq!(
        sent,
        bytes.len() as u64 - before,
        "resumed where @tus/server said"
    );
    let stored = std::fs::read_dir(dir.path())
        .expect("list")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_none())
        .expect("the uploaded file");
    assert_eq!(
        std::fs::read(stored).expect("read"),
        bytes,
        "@tus/server holds the exact bytes"
    );
    peer.kill().await.ok();
}

/// A tiny plain-HTTP tus peer on loopback: `OPTIONS` and `POST` on its own origin answer as a
/// tus server would, except that the `Location` it gives (`location`, once set) may name
/// another origin. Every request head it reads is kept, so a test can say what reached it.
struct Peer {
    url: String,
    heads: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    location: std::sync::Arc<std::sync::Mutex<String>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Peer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Peer {
    async fn start() -> Peer {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let heads = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let location = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let (kept, named) = (heads.clone(), location.clone());
        let task = tokio::spawn(async move {
            loop {
                let Ok((mut socket, _)) = listener.accept().await else {
                    return;
                };
                let (kept, named) = (kept.clone(), named.clone());
                tokio::spawn(async move {
                    let mut buffer = Vec::new();
                    loop {
                        // One request: its head, then as many body bytes as it declares.
                        let end = loop {
                            if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                                break at + 4;
                            }
                            let mut chunk = [0u8; 4096];
                            match socket.read(&mut chunk).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => buffer.extend_from_slice(&chunk[..n]),
                            }
                        };
                        let head = String::from_utf8_lossy(&buffer[..end]).into_owned();
                        let length: usize = head
                            .lines()
                            .find_map(|l| {
                                let (name, value) = l.split_once(':')?;
                                name.eq_ignore_ascii_case("content-length")
                                    .then(|| value.trim().parse().ok())?
                            })
                            .unwrap_or(0);
                        while buffer.len() < end + length {
                            let mut chunk = [0u8; 4096];
                            match socket.read(&mut chunk).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => buffer.extend_from_slice(&chunk[..n]),
                            }
                        }
                        buffer.drain(..end + length);
                        // Kept before answering: once the client has its answer, the
                        // request is on record.
                        kept.lock().expect("heads").push(head.clone());
                        let answer = if head.starts_with("POST ") {
                            let location = named.lock().expect("location").clone();
                            format!(
                                "HTTP/1.1 201 Created\r\nTus-Resumable: 1.0.0\r\nLocation: {location}\r\nUpload-Offset: 0\r\nContent-Length: 0\r\n\r\n"
                            )
                        } else if head.starts_with("HEAD ") {
                            "HTTP/1.1 200 OK\r\nTus-Resumable: 1.0.0\r\nUpload-Offset: 0\r\nUpload-Length: 4\r\nCache-Control: no-store\r\nContent-Length: 0\r\n\r\n".to_owned()
                        } else {
                            "HTTP/1.1 204 No Content\r\nTus-Resumable: 1.0.0\r\nTus-Version: 1.0.0\r\nTus-Extension: creation\r\n\r\n".to_owned()
                        };
                        if socket.write_all(answer.as_bytes()).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        Peer {
            url,
            heads,
            location,
            task,
        }
    }

    fn heads(&self) -> Vec<String> {
        self.heads.lock().expect("heads").clone()
    }
}

/// The backend's answer names an upload URL on another origin (another port of the same
/// host, then another host): the client refuses it with its own error and the other origin
/// never sees a request, so the resident's bearer token never reaches it. An upload URL kept
/// from before (state after a restart) on another origin is refused the same way.
#[tokio::test]
async fn the_client_never_follows_a_location_to_another_origin() {
    const TOKEN: &str = "resident-access-token-that-must-stay-home";
    let backend = Peer::start().await;
    let elsewhere = Peer::start().await;
    let creation = Url::parse(&format!("{}/v1/uploads", backend.url)).expect("url");
    // reqwest needs the process-wide TLS provider even for plain HTTP; another test may have
    // installed it already.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = TusClient::new(
        reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .expect("client"),
        Some(TOKEN.to_owned()),
        CHUNK,
    );
    let upload = |state: UploadState| {
        let (client, creation) = (client.clone(), creation.clone());
        async move {
            let mut state = state;
            let result = client
                .upload(&creation, &[], b"jpeg", &mut state, |_, _| {
                    ControlFlow::Continue(())
                })
                .await;
            (result, state)
        }
    };

    for location in [
        format!("{}/uploads/1", elsewhere.url),
        "https://uploads.example.invalid/1".to_owned(),
        "//uploads.example.invalid/1".to_owned(),
    ] {
        *backend.location.lock().expect("location") = location.clone();
        let (result, state) = upload(UploadState::default()).await;
        assert!(
            matches!(&result, Err(TusError::OtherOrigin { location: named }) if *named == location),
            "a Location on another origin is refused with its own error: {result:?}"
        );
        assert_eq!(
            state.url, None,
            "a refused upload URL is not kept for later"
        );
    }
    let (result, _) = upload(UploadState {
        url: Some(format!("{}/uploads/kept", elsewhere.url)),
        offset: 0,
    })
    .await;
    assert!(
        matches!(result, Err(TusError::OtherOrigin { .. })),
        "a kept upload URL on another origin is refused too: {result:?}"
    );
    assert!(
        elsewhere.heads().is_empty(),
        "the other origin was never asked anything: {:?}",
        elsewhere.heads()
    );
    assert!(
        backend.heads().iter().all(|h| h.contains(TOKEN)),
        "the backend itself still gets the token (the check is about origins, not tokens)"
    );

    // The same origin spelled relatively is followed as before.
    *backend.location.lock().expect("location") = "/v1/uploads/1".to_owned();
    let (result, state) = upload(UploadState::default()).await;
    assert!(
        !matches!(result, Err(TusError::OtherOrigin { .. })),
        "a relative Location is the backend's own: {result:?}"
    );
    assert_eq!(
        state.url.as_deref(),
        Some(format!("{}/v1/uploads/1", backend.url).as_str())
    );
}
