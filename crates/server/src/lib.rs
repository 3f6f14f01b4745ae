//! linli-server: the reference backend of the Linli contract.
//!
//! It is the embedded default for the demo and the real server of every test: HTTPS with
//! rustls ([`tls`]), SQLite via sqlx ([`db`]), one folder per feature under [`features`]
//! (its handlers, rules, SQL and jobs), RFC 9457 problems ([`error`]); the shared mechanisms
//! (state, [`serve`], [`tls`], [`db`], [`files`], [`error`], the extractors, [`headers`],
//! [`idempotency`], the change log [`changes`], [`clock`], [`tokens`]) stay at the crate's top
//! and know no feature.
//! [`router`] assembles the features' routes. [`app`] builds the whole router for a given [`AppState`], so tests
//! and the binary serve exactly the same thing; [`openapi`] is the contract document built
//! from the same handlers and `linli-wire` types, committed as `openapi/linli.v1.json`.
//!
//! Invariants kept here: a change to a notice, a read mark or a membership is recorded in the
//! change log in the same transaction ([`changes`]; the other entities are read whole); a resident only ever sees their own households' communities and their own
//! marks; internal errors are logged, never described to the client; everything in the data dir
//! is owner-only ([`files`]).

pub mod changes;
pub mod clock;
pub mod conditional;
pub mod db;
mod document;
pub mod error;
pub mod extract;
pub mod features;
pub mod files;
pub mod headers;
pub mod idempotency;
pub mod locks;
pub mod router;
pub mod seed;
pub mod serve;
#[cfg(feature = "test-util")]
pub mod testing;
pub mod tls;
pub mod tokens;
mod unread;

use axum::Router;
use clock::ServerClock;
use sqlx::SqlitePool;
use std::sync::Arc;
use tokens::Keys;

/// What every handler shares.
#[derive(Clone, Debug)]
pub struct AppState {
    /// The database.
    pub db: SqlitePool,
    /// Announces change log appends to the open change streams.
    pub changes: Arc<changes::Hub>,
    /// The server's clock (moved by tests).
    pub clock: Arc<ServerClock>,
    /// Token signing keys.
    pub keys: Arc<Keys>,
    /// Test switches of the demo payment provider.
    pub demo_provider: Arc<DemoProviderSwitches>,
    /// Where upload bytes are kept.
    pub uploads_dir: std::path::PathBuf,
    /// One lock per upload being written.
    pub upload_locks: Arc<locks::UploadLocks>,
    /// Idempotency keys whose write is running now.
    pub idempotency_in_flight: Arc<idempotency::InFlight>,
    /// Where SMS codes leave: the built-in outbox, or a real provider put here instead.
    pub sms: Arc<dyn features::auth::sms::SmsSender>,
    /// The cap on concurrent argon2 checks (sign-ins wait for it briefly, then are refused).
    pub password_checks: Arc<features::auth::PasswordChecks>,
    /// The header a trusted reverse proxy puts the client's address in; `None`: the socket
    /// peer is the client ([`extract::ClientAddr`]).
    pub client_ip_header: Option<axum::http::HeaderName>,
    /// The server's public base URL (`https://host[:port]`, no trailing slash): configuration
    /// (`serve --public-url`, else the address it listens on), the only source of the URLs it
    /// hands out (checkout pages); a request's `Host` header is never trusted for them.
    pub public_url: Arc<str>,
}

/// Switches that make the demo payment provider misbehave the way real ones do.
#[derive(Debug, Default)]
pub struct DemoProviderSwitches {
    lose_notifications: std::sync::atomic::AtomicBool,
}

impl DemoProviderSwitches {
    /// Whether notifications are lost in transit (the backend must query).
    pub fn lose_notifications(&self) -> bool {
        self.lose_notifications
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Loses (or delivers again) notifications from now on.
    pub fn set_lose_notifications(&self, lose: bool) {
        self.lose_notifications
            .store(lose, std::sync::atomic::Ordering::SeqCst);
    }
}

impl AppState {
    /// Opens the database in `data_dir` and loads (or makes) the keys.
    pub async fn open(data_dir: &std::path::Path, clock: Arc<ServerClock>) -> anyhow::Result<Self> {
        let changes = Arc::new(changes::Hub::default());
        let db = db::open_announcing(data_dir, Arc::clone(&changes)).await?;
        let keys = Arc::new(Keys::load_or_create(&db).await?);
        let uploads_dir = data_dir.join("uploads");
        files::dir(&uploads_dir)?;
        let sms = Arc::new(features::auth::sms::OutboxSender::new(
            db.clone(),
            clock.clone(),
        ));
        Ok(Self {
            db,
            changes,
            clock,
            keys,
            sms,
            password_checks: Arc::new(features::auth::PasswordChecks::for_this_host(
                features::auth::HASH_WAIT,
            )),
            client_ip_header: None,
            demo_provider: Arc::default(),
            uploads_dir,
            upload_locks: Arc::default(),
            idempotency_in_flight: Arc::default(),
            // `serve::start` sets the configured (or listening) URL before serving.
            public_url: Arc::from("https://127.0.0.1:8443"),
        })
    }
}

/// The whole HTTP application.
pub fn app(state: AppState) -> Router {
    router::router(state)
}

/// The OpenAPI 3.1 document of the contract.
pub fn openapi() -> serde_json::Value {
    router::openapi()
}
