//! Running the server: TLS material, database, HTTPS listener and housekeeping.
//!
//! The data dir is made owner-only first ([`crate::files::secure`]). [`start`] binds first (so `127.0.0.1:0` resolves to a real port before anything is
//! announced), then serves in a background task until [`Running::stop`]. Housekeeping runs
//! every hour: expired idempotency outcomes, old sign-in attempts, change log rows past their
//! retention, and uploads no ticket will hold (rejected, lapsed unfinished, finished but never
//! attached) are deleted. Every two seconds the demo
//! payment provider delivers (or retries) its notifications, unpaid orders past their time are
//! expired, and tickets take their automatic steps (and, with `--demo`, their demo steps).

use crate::clock::ServerClock;
use crate::tls::TlsFiles;
use crate::{AppState, app, changes, idempotency, seed};
use anyhow::Context;
use axum_server::Handle;
use axum_server::tls_rustls::RustlsConfig;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;

/// How to start.
#[derive(Clone, Debug)]
pub struct Options {
    /// Database and TLS files live here.
    pub data_dir: PathBuf,
    /// Where to listen; port 0 picks a free one.
    pub addr: SocketAddr,
    /// Seed the demo community into an empty database.
    pub demo: bool,
    /// Sign-in's limits that depend on the deployment.
    pub auth: AuthOptions,
    /// The base URL residents reach this server at (`https://host[:port]`), for the URLs it
    /// hands out; `None`: the address it listens on (right for 127.0.0.1 and tests; behind a
    /// proxy or on 0.0.0.0 it must be set).
    pub public_url: Option<String>,
}

/// Sign-in's deployment-dependent limits.
#[derive(Clone, Debug)]
pub struct AuthOptions {
    /// Concurrent argon2 checks; `None`: one per core this process may use.
    pub hash_permits: Option<usize>,
    /// How long a sign-in waits for a free check before it answers 503 with `Retry-After`.
    pub hash_wait: Duration,
    /// The header a trusted reverse proxy puts the client's address in (e.g.
    /// `X-Forwarded-For`); `None`, the default: the socket peer is the client, and no header
    /// a client sends is believed.
    pub client_ip_header: Option<axum::http::HeaderName>,
}

impl Default for AuthOptions {
    fn default() -> Self {
        Self {
            hash_permits: None,
            hash_wait: crate::features::auth::HASH_WAIT,
            client_ip_header: None,
        }
    }
}

/// A server that is listening.
#[derive(Debug)]
pub struct Running {
    /// `https://127.0.0.1:<port>`.
    pub url: String,
    /// The bound address.
    pub addr: SocketAddr,
    /// The CA certificate clients must trust.
    pub ca_path: PathBuf,
    /// The shared state (tests reach the database and clock through it).
    pub state: AppState,
    handle: Handle,
    server: JoinHandle<std::io::Result<()>>,
    housekeeping: JoinHandle<()>,
    announcer: JoinHandle<()>,
}

/// Starts serving.
pub async fn start(options: &Options, clock: Arc<ServerClock>) -> anyhow::Result<Running> {
    // Owner-only before anything secret is written into it, whatever the umask.
    crate::files::secure(&options.data_dir)?;
    let tls = TlsFiles::in_data_dir(&options.data_dir);
    tls.ensure()?;
    let mut state = AppState::open(&options.data_dir, clock).await?;
    let auth = &options.auth;
    state.password_checks = Arc::new(match auth.hash_permits {
        Some(permits) => crate::features::auth::PasswordChecks::new(permits, auth.hash_wait),
        None => crate::features::auth::PasswordChecks::for_this_host(auth.hash_wait),
    });
    state.client_ip_header = auth.client_ip_header.clone();
    if options.demo && seed::seed(&state.db, state.clock.now()).await? {
        tracing::info!("demo data seeded");
    }
    let listener = std::net::TcpListener::bind(options.addr)
        .with_context(|| format!("listen on {}", options.addr))?;
    listener
        .set_nonblocking(true)
        .context("make the listener non-blocking")?;
    let addr = listener.local_addr().context("listener address")?;
    let host = match addr {
        SocketAddr::V4(v4) => v4.ip().to_string(),
        SocketAddr::V6(v6) => format!("[{}]", v6.ip()),
    };
    let url = format!("https://{host}:{}", addr.port());
    state.public_url = match &options.public_url {
        Some(configured) => public_url(configured)?,
        None => url.as_str(),
    }
    .into();
    let config = RustlsConfig::from_config(tls.server_config()?);
    let handle = Handle::new();
    let server = tokio::spawn(
        axum_server::from_tcp_rustls(listener, config)
            .handle(handle.clone())
            .serve(
                app(state.clone())
                    .layer(axum::middleware::from_fn(crate::headers::hsts))
                    .into_make_service_with_connect_info::<SocketAddr>(),
            ),
    );
    let housekeeping = tokio::spawn(housekeeping(state.clone(), options.demo));
    let announcer = tokio::spawn(Arc::clone(&state.changes).run(state.db.clone()));
    Ok(Running {
        url,
        addr,
        ca_path: tls.ca_cert.clone(),
        state,
        handle,
        server,
        housekeeping,
        announcer,
    })
}

impl Running {
    /// Stops at once: the listener closes, change streams end and open connections are
    /// dropped.
    pub async fn stop(self) {
        self.state.changes.close();
        self.handle.shutdown();
        self.housekeeping.abort();
        if let Err(err) = self.announcer.await {
            tracing::warn!(%err, "the change announcer ended abnormally");
        }
        if let Err(err) = self.server.await {
            tracing::warn!(%err, "server task ended abnormally");
        }
        self.state.db.close().await;
    }

    /// Serves until the server fails (the binary waits on this or on a signal).
    pub async fn wait(&mut self) -> anyhow::Result<()> {
        (&mut self.server)
            .await
            .context("server task")?
            .context("serve")
    }
}

async fn housekeeping(state: AppState, demo: bool) {
    let mut hourly = tokio::time::interval(Duration::from_secs(3600));
    let mut payments = tokio::time::interval(Duration::from_secs(2));
    payments.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = hourly.tick() => {
                if let Err(err) = tidy(&state).await {
                    tracing::warn!(error = %err, "housekeeping failed; will retry");
                }
            }
            _ = payments.tick() => {
                if let Err(err) = settle_payments(&state).await {
                    tracing::warn!(error = %err, "payment housekeeping failed; will retry");
                }
                if let Err(err) = crate::features::tickets::advance_all(&state).await {
                    tracing::warn!(error = %err, "ticket housekeeping failed; will retry");
                }
                if demo && let Err(err) = crate::features::tickets::demo_progress(&state).await {
                    tracing::warn!(error = %err, "demo ticket steps failed; will retry");
                }
            }
        }
    }
}

/// The frequent housekeeping of payments and passes: the demo provider's notifications
/// delivered, orders past their time expired, open orders asked about at the provider (a lost
/// notification), passes that expired since the last pass recorded for their owners' feeds.
/// Public so a test can run it at a moment of its choosing.
pub async fn settle_payments(state: &AppState) -> anyhow::Result<()> {
    crate::features::billing::deliver_demo_notifications(state).await?;
    let mut tx = state.db.begin_with("BEGIN IMMEDIATE").await?;
    crate::features::billing::expire_due(&mut tx, state.clock.now_ms())
        .await
        .map_err(|err| anyhow::anyhow!("expire payment orders: {}", err.code))?;
    crate::features::billing::follow_open(&mut tx, state.clock.now_ms())
        .await
        .map_err(|err| anyhow::anyhow!("follow open payment orders: {}", err.code))?;
    // A pass whose validity ended turned `expired` with no write: its owner's feed hears it.
    let now = state.clock.now_ms();
    let since = changes::last_run(&mut tx, "passes_time_at", now).await?;
    crate::features::passes::store::record_expired(&mut tx, since, now).await?;
    tx.commit().await?;
    Ok(())
}

/// One hourly housekeeping pass, on the server's clock. Public so a test can run the job itself
/// at a moment of its choosing rather than wait an hour for the timer.
pub async fn tidy(state: &AppState) -> anyhow::Result<()> {
    let now = state.clock.now_ms();
    idempotency::purge(&state.db, now).await?;
    crate::features::auth::throttle::forget_old(&state.db, now).await?;
    let retention = i64::try_from(changes::RETENTION.as_millis()).unwrap_or(i64::MAX);
    changes::compact(&state.db, now - retention).await?;
    crate::features::uploads::purge_expired(state).await?;
    crate::features::auth::sms::forget_old_codes(&state.db, now).await?;
    crate::features::memberships::end_tenancies(state).await?;
    Ok(())
}

/// A configured public URL, checked: `https` with a host and nothing after it but an optional
/// path prefix (no query, fragment or credentials); the trailing `/` dropped.
fn public_url(configured: &str) -> anyhow::Result<&str> {
    let trimmed = configured.trim_end_matches('/');
    let parsed = url::Url::parse(trimmed)
        .with_context(|| format!("the public URL {configured:?} is not a URL"))?;
    anyhow::ensure!(
        parsed.scheme() == "https"
            && parsed.host_str().is_some()
            && parsed.username().is_empty()
            && parsed.password().is_none()
            && parsed.query().is_none()
            && parsed.fragment().is_none(),
        "the public URL {configured:?} must be https://host[:port][/prefix]"
    );
    Ok(trimmed)
}

/// The data dir's CA certificate path (for printing).
pub fn ca_path(data_dir: &Path) -> PathBuf {
    TlsFiles::in_data_dir(data_dir).ca_cert
}
