//! The reference backend over real HTTPS on 127.0.0.1:0, one server and data dir per test.
//!
//! These tests speak HTTP directly (no linli-core), so they pin the contract itself: status
//! codes, headers, problem bodies, and the OpenAPI document the server publishes.

mod auth;
mod bills;
mod checkout_page;
mod compression;
mod contract;
mod contract_limits;
mod deadlines;
mod delta;
mod device_tokens;
mod gate_limits;
mod headers;
mod home_desk;
mod homes;
mod idempotency;
mod invitations;
mod join;
mod members;
mod memberships;
mod notice_targets;
mod notices;
mod passes;
mod payments;
mod private_files;
mod problems;
mod roles;
mod sms;
mod staff_scope;
mod stream;
mod sync;
mod throttle;
mod ticket_access;
mod tickets;
mod upload_quota;
mod upload_races;
mod uploads;

use linli_server::clock::ServerClock;
use linli_server::seed::{DEMO_PASSWORD, WANG_FANG_PHONE};
use linli_server::serve::{AuthOptions, Options, Running, start};
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};
use std::sync::{Arc, Once};

/// A server with demo data and an HTTPS client that trusts only its CA.
pub(crate) struct Fixture {
    pub(crate) server: Running,
    pub(crate) clock: Arc<ServerClock>,
    pub(crate) client: reqwest::Client,
    _dir: tempfile::TempDir,
}

static PROVIDER: Once = Once::new();

/// What the server logs in this process, at the most verbose level of its own and the HTTP
/// layer's targets (installed by the first fixture), for tests of what a log must never hold.
pub(crate) static LOG: std::sync::LazyLock<Captured> = std::sync::LazyLock::new(Captured::default);

/// A `Write` into a shared buffer.
#[derive(Clone, Default)]
pub(crate) struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("log buffer")).into_owned()
    }
}

impl Fixture {
    pub(crate) async fn start() -> Self {
        Self::with_options(AuthOptions::default(), None).await
    }

    /// A server with these sign-in limits (a hashing cap of one, a trusted proxy header).
    pub(crate) async fn start_with(auth: AuthOptions) -> Self {
        Self::with_options(auth, None).await
    }

    /// A server configured with `public_url` (`serve --public-url`).
    pub(crate) async fn configured(public_url: Option<&str>) -> Self {
        Self::with_options(AuthOptions::default(), public_url).await
    }

    /// A server with these sign-in limits and public URL.
    async fn with_options(auth: AuthOptions, public_url: Option<&str>) -> Self {
        PROVIDER.call_once(|| {
            let _ = rustls::crypto::ring::default_provider().install_default();
            let _ = tracing_subscriber::fmt()
                .with_env_filter("tower_http=trace,linli_server=trace")
                .with_span_events(tracing_subscriber::fmt::format::FmtSpan::NEW)
                .with_ansi(false)
                .with_writer(|| LOG.clone())
                .try_init();
        });
        let dir = tempfile::tempdir().expect("tempdir");
        let options = Options {
            data_dir: dir.path().join("server"),
            addr: "127.0.0.1:0".parse().expect("addr"),
            demo: true,
            auth,
            public_url: public_url.map(str::to_owned),
        };
        let clock = Arc::new(ServerClock::system());
        let server = start(&options, clock.clone()).await.expect("server starts");
        let ca = std::fs::read(&server.ca_path).expect("ca");
        let client = reqwest::Client::builder()
            .tls_built_in_root_certs(false)
            .add_root_certificate(reqwest::Certificate::from_pem(&ca).expect("pem"))
            .build()
            .expect("client");
        Self {
            server,
            clock,
            client,
            _dir: dir,
        }
    }

    /// The server's data dir.
    pub(crate) fn data_dir(&self) -> std::path::PathBuf {
        self._dir.path().join("server")
    }

    /// Stops the server and starts it again on the same data dir (a new port, the same CA).
    pub(crate) async fn restart(self) -> Self {
        let Fixture {
            server,
            clock,
            client,
            _dir,
        } = self;
        server.stop().await;
        let options = Options {
            data_dir: _dir.path().join("server"),
            addr: "127.0.0.1:0".parse().expect("addr"),
            demo: true,
            auth: AuthOptions::default(),
            public_url: None,
        };
        let server = start(&options, clock.clone())
            .await
            .expect("server restarts");
        Self {
            server,
            clock,
            client,
            _dir,
        }
    }

    /// A database connection of the test's own (not from the server's pool): an auditor's
    /// view, or a second writer that holds the write lock against the server.
    pub(crate) async fn own_connection(&self) -> sqlx::SqliteConnection {
        use sqlx::ConnectOptions as _;
        sqlx::sqlite::SqliteConnectOptions::new()
            .filename(self._dir.path().join("server").join("linli.db"))
            .connect()
            .await
            .expect("a connection of the test's own")
    }

    /// The single integer a `SELECT COUNT(*) …` answers, straight from the database.
    pub(crate) async fn count(&self, sql: &str, bind: &str) -> i64 {
        sqlx::query_scalar(sql)
            .bind(bind)
            .fetch_one(&self.server.state.db)
            .await
            .expect("count query")
    }

    /// A client of the same server whose connections leave from another loopback address
    /// (all of 127.0.0.0/8 is loopback on Linux): another device, or a stranger's, as the
    /// server's socket peer sees it.
    pub(crate) fn client_from(&self, ip: [u8; 4]) -> reqwest::Client {
        let ca = std::fs::read(&self.server.ca_path).expect("ca");
        reqwest::Client::builder()
            .tls_built_in_root_certs(false)
            .add_root_certificate(reqwest::Certificate::from_pem(&ca).expect("pem"))
            .local_address(std::net::IpAddr::from(ip))
            .build()
            .expect("client")
    }

    /// One password sign-in attempt by `client`.
    pub(crate) async fn try_password(
        &self,
        client: &reqwest::Client,
        phone: &str,
        password: &str,
    ) -> Response {
        client
            .post(self.url("/v1/auth/login"))
            .json(&json!({"phone": phone, "password": password}))
            .send()
            .await
            .expect("login attempt")
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.url)
    }

    pub(crate) fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
    ) -> reqwest::RequestBuilder {
        let builder = self.client.request(method, self.url(path));
        match token {
            Some(token) => builder.bearer_auth(token),
            None => builder,
        }
    }

    pub(crate) async fn get(&self, path: &str, token: &str) -> Response {
        self.request(Method::GET, path, Some(token))
            .send()
            .await
            .expect("GET")
    }

    /// Signs in; returns the token response body.
    pub(crate) async fn login(&self, phone: &str) -> Value {
        let response = self
            .request(Method::POST, "/v1/auth/login", None)
            .json(&json!({"phone": phone, "password": DEMO_PASSWORD}))
            .send()
            .await
            .expect("login");
        assert_eq!(response.status(), StatusCode::OK, "demo sign-in works");
        response.json().await.expect("token json")
    }

    /// Signs `phone` in by SMS code, as the app does: asks for a code, reads it from what the
    /// built-in sender kept, signs in (registering a new number). Its token response body.
    pub(crate) async fn sign_in_by_code(&self, phone: &str) -> Value {
        let asked = self
            .request(Method::POST, "/v1/auth/sms-codes", None)
            .json(&json!({ "phone": phone }))
            .send()
            .await
            .expect("ask for a code");
        assert_eq!(asked.status(), StatusCode::ACCEPTED, "a code is sent");
        let code = self.sms_code(phone).await;
        let response = self
            .request(Method::POST, "/v1/auth/sms-login", None)
            .json(&json!({ "phone": phone, "code": code }))
            .send()
            .await
            .expect("sign in by code");
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "the code the phone received signs in"
        );
        response.json().await.expect("token json")
    }

    /// The code in the newest text message the built-in sender kept for `phone`.
    pub(crate) async fn sms_code(&self, phone: &str) -> String {
        use linli_server::features::auth::sms::{code_in, outbox};
        let sent = outbox(&self.server.state.db, Some(phone))
            .await
            .expect("outbox");
        let last = sent.last().expect("a text message reached the phone");
        code_in(&last.body)
            .expect("a code in the message")
            .to_owned()
    }

    /// Wang Fang's access token.
    pub(crate) async fn wang_fang(&self) -> String {
        access(&self.login(WANG_FANG_PHONE).await)
    }
}

pub(crate) fn access(tokens: &Value) -> String {
    tokens["access_token"]
        .as_str()
        .expect("access_token")
        .to_owned()
}

/// Asserts a problem+json answer with `code` and returns its body.
pub(crate) async fn expect_problem(response: Response, status: u16, code: &str) -> Value {
    assert_eq!(response.status().as_u16(), status, "status for {code}");
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(
        content_type, "application/problem+json",
        "RFC 9457 media type"
    );
    let body: Value = response.json().await.expect("problem json");
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["status"], status, "status repeated in the body");
    assert_eq!(
        body["type"],
        format!("https://linli.app/problems/{code}"),
        "type URI names the code"
    );
    assert!(
        body["title"].as_str().is_some_and(|t| !t.is_empty()),
        "a title"
    );
    body
}
