//! The reference backend over real HTTPS on 127.0.0.1:0, one server and data dir per test.
//!
//! These tests speak HTTP directly (no linli-core), so they pin the contract itself: status
//! codes, headers, problem bodies, and the OpenAPI document the server publishes.

mod auth;
mod bills;
mod contract;
mod contract_limits;
mod deadlines;
mod headers;
mod home_desk;
mod homes;
mod idempotency;
mod invitations;
mod join;
mod members;
mod memberships;
mod notices;
mod passes;
mod payments;
mod private_files;
mod problems;
mod roles;
mod sms;
mod staff_scope;
mod sync;
mod ticket_access;
mod tickets;
mod upload_races;
mod uploads;

use linli_server::clock::ServerClock;
use linli_server::seed::{DEMO_PASSWORD, WANG_FANG_PHONE};
use linli_server::serve::{Options, Running, start};
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

impl Fixture {
    pub(crate) async fn start() -> Self {
        PROVIDER.call_once(|| {
            let _ = rustls::crypto::ring::default_provider().install_default();
        });
        let dir = tempfile::tempdir().expect("tempdir");
        let options = Options {
            data_dir: dir.path().join("server"),
            addr: "127.0.0.1:0".parse().expect("addr"),
            demo: true,
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
