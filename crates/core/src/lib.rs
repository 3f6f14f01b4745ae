//! linli-core: all client logic of Linli, behind one facade, [`Core`].
//!
//! Every face (the Tauri shell, tests, phones later) calls only [`Core`]'s methods. This file
//! holds the facade itself (open, subscribe, sync now, status, shutdown); each feature adds
//! its own methods with an `impl Core` block in its folder:
//! - [`auth`]: the session (sign in/out, household, locale, notifications; token refresh,
//!   tokens in the OS keyring via [`TokenStore`]);
//! - [`join`]: choosing the backend by joining a community (join link, QR picture, pin);
//! - `notices`, [`passes`], [`bills`] (with its documents), [`tickets`] (with photos) and
//!   [`share`] (saving pictures);
//! - [`photo`], [`documents`], [`notify`] and [`tus`] are the libraries features use (photo
//!   preparation, receipt PDF and ledger CSV, notification texts, resumable uploads).
//!
//! Shared mechanisms, which import no feature: `inner` (the state behind a handle), `http`,
//! `store` (`<data_dir>/app.db`: who is signed in, locale, households, never tokens; one
//! `<data_dir>/accounts/<user id>/cache.db` per account), `sync` (the change feed and the pull
//! loop), the [`outbox`] (a durable queue of writes sent with `Idempotency-Key`s), `events`
//! ([`linli_wire::ipc::CoreEvent`] on a broadcast channel), `background`, `error`, `deps`,
//! `secret`. `registry` is the one place that lists each feature's outbox kinds, pulls and
//! feed tables.
//!
//! Reads come from local state and never need the network: a resident opening the app on the
//! metro sees their notices. Writes land locally at once and go out through the outbox.
//!
//! Time, ids and the token store are injected ([`CoreDeps`]), so tests control them.

pub mod auth;
mod background;
mod bench_seed;
pub mod bills;
mod deps;
pub mod documents;
mod error;
mod events;
pub mod homes;
mod http;
mod inner;
pub mod join;
mod notices;
pub mod notify;
pub mod outbox;
pub mod passes;
pub mod photo;
mod pin;
mod registry;
mod secret;
pub mod share;
mod store;
mod sync;
pub mod tickets;
mod token_store;
pub mod tus;

pub use auth::{
    KEYRING_SERVICE, KeyringTokenStore, MemoryTokenStore, TokenStore, TokenStoreError, account_key,
};
pub use deps::{Clock, IdGen, Sleep, SystemClock, UuidV7Gen};
pub use error::Error;
#[doc(hidden)]
pub use http::NetStats;
pub use secret::{Secret, TokenPair};

use crate::events::Events;
use crate::http::{Backend, Http, Trust, check_base_url};
use crate::inner::Inner;
use crate::outbox::handler::Handlers;
use crate::store::app::AppDb;
use crate::sync::{FeedTables, HomeTables, Pulls};
use linli_wire::ipc::{CoreEvent, SyncStatus};
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::{Mutex, Notify, RwLock, broadcast, watch};

/// Each feature's part in the shared loops, as [`registry`] lists it. Declared here, at the
/// root, so that `inner` (which holds it) need not import the loops that take `Inner`.
pub(crate) struct Features {
    /// Outbox kinds: how each queued write is sent and what its answer changes.
    pub(crate) outbox: &'static Handlers,
    /// Lists pulled whole after the feed, in order.
    pub(crate) pulls: &'static Pulls,
    /// Tables the change feed writes.
    pub(crate) feed: &'static FeedTables,
    /// Tables of homes' data, forgotten when the home is no longer active.
    pub(crate) homes: &'static HomeTables,
}

/// Where the core keeps its data and which backend it talks to.
#[derive(Clone, Debug)]
pub struct CoreConfig {
    /// Folder for `app.db` and `accounts/`.
    pub data_dir: PathBuf,
    /// A backend fixed by the app's configuration, e.g. `https://wuye.example.cn` (HTTPS
    /// unless loopback); it overrides the one chosen by joining a community. `None`: the
    /// backend kept in `app.db` by [`Core::join`], or none yet.
    pub base_url: Option<String>,
    /// PEM of an extra root CA to trust for the configured `base_url` (a private or demo CA),
    /// besides the Mozilla roots compiled in (webpki-roots; the OS store is not read).
    pub extra_root_ca_pem: Option<Vec<u8>>,
    /// `User-Agent` of every request.
    pub user_agent: String,
    /// Run the background loop (sync when the change stream says so, on writes, every
    /// `poll_interval` while the stream is down, probe when offline) and the change stream.
    /// Tests turn it off and call [`Core::sync_now`].
    pub background: bool,
    /// Hold the change stream (`GET /v1/sync/stream`) while the background loop runs. Off
    /// only in tests of the polling loop itself and behind a proxy that buffers whole answers.
    pub push: bool,
    /// How often the background loop polls while the change stream is down
    /// ([`DEFAULT_POLL_INTERVAL`]).
    pub poll_interval: std::time::Duration,
    /// Where shared pictures (visitor pass cards) are saved: the OS pictures folder in the app.
    pub pictures_dir: PathBuf,
    /// Where exported documents (receipt PDFs, ledger CSV) are saved: the OS downloads folder.
    pub documents_dir: PathBuf,
    /// A font file that can write Chinese, for receipt PDFs (else a known system font).
    pub cjk_font: Option<PathBuf>,
}

impl CoreConfig {
    /// A config with a fixed backend, no extra CA, a generic user agent and the background
    /// loop on.
    pub fn new(data_dir: impl Into<PathBuf>, base_url: impl Into<String>) -> Self {
        let mut config = Self::joining(data_dir);
        config.base_url = Some(base_url.into());
        config
    }

    /// A config whose backend is the one the resident joins ([`Core::join`]), kept in
    /// `app.db`.
    pub fn joining(data_dir: impl Into<PathBuf>) -> Self {
        let data_dir = data_dir.into();
        Self {
            pictures_dir: data_dir.join("pictures"),
            documents_dir: data_dir.join("documents"),
            cjk_font: None,
            data_dir,
            base_url: None,
            extra_root_ca_pem: None,
            user_agent: format!("Linli/{} (core)", env!("CARGO_PKG_VERSION")),
            background: true,
            push: true,
            poll_interval: DEFAULT_POLL_INTERVAL,
        }
    }
}

/// The poll while the change stream is down: short enough that a new notice shows within a
/// minute.
pub const DEFAULT_POLL_INTERVAL: std::time::Duration = std::time::Duration::from_secs(30);

/// What the core takes from its surroundings.
#[derive(Clone)]
pub struct CoreDeps {
    /// The time.
    pub clock: Arc<dyn Clock>,
    /// New ids (UUIDv7).
    pub ids: Arc<dyn IdGen>,
    /// Where tokens live.
    pub tokens: Arc<dyn TokenStore>,
}

impl CoreDeps {
    /// The real ones: system clock, UUIDv7, the OS keyring.
    pub fn system() -> Result<Self, Error> {
        Ok(Self {
            clock: Arc::new(SystemClock),
            ids: Arc::new(UuidV7Gen),
            tokens: Arc::new(KeyringTokenStore::new()),
        })
    }
}

impl std::fmt::Debug for CoreDeps {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CoreDeps").finish_non_exhaustive()
    }
}

/// The client core. Cheap to clone (one `Arc`); `Send + Sync`.
#[derive(Clone)]
pub struct Core {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Core {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Core")
            .field(
                "backend",
                &self.inner.http.backend().ok().map(|b| b.base.clone()),
            )
            .field("data_dir", &self.inner.data_dir)
            .finish_non_exhaustive()
    }
}

impl Core {
    /// Opens `app.db` and the signed-in account's cache (if any) and, unless
    /// `config.background` is off, starts the background loop. Needs no network: with the
    /// backend down the signed-in account still shows.
    pub async fn open(config: CoreConfig, deps: CoreDeps) -> Result<Core, Error> {
        let fixed = config.base_url.as_deref().map(check_base_url).transpose()?;
        // Owner-only (and tightened if an older version left it looser) before anything in it
        // is opened.
        store::files::secure(&config.data_dir).map_err(|source| Error::Storage {
            context: format!("create the data folder {}", config.data_dir.display()),
            source: Box::new(source),
        })?;
        let app = AppDb::open(&config.data_dir.join("app.db")).await?;
        let state = app.state().await?;
        let events = Events::new();
        let http = Http::new(state.locale, events.clone());
        let fixed_backend = fixed.is_some();
        let backend = match fixed {
            Some(base) => {
                let extra = config
                    .extra_root_ca_pem
                    .as_deref()
                    .map_or(Trust::PublicRoots, Trust::Pem);
                Some(Backend::new(base, extra, &config.user_agent)?)
            }
            None => match app.backend().await? {
                Some(chosen) => {
                    let base = check_base_url(&chosen.url)?;
                    let trust = chosen
                        .pinned
                        .as_ref()
                        .map_or(Trust::PublicRoots, Trust::Pinned);
                    Some(Backend::new(base, trust, &config.user_agent)?)
                }
                None => None,
            },
        };
        let authority = backend.as_ref().map(|b| b.authority.clone());
        http.set_backend(backend);
        let (stop, stop_rx) = watch::channel(false);
        let inner = Arc::new(Inner {
            fixed_backend,
            user_agent: config.user_agent.clone(),
            data_dir: config.data_dir.clone(),
            pictures_dir: config.pictures_dir.clone(),
            upload_progress: std::sync::Mutex::default(),
            documents_dir: config.documents_dir.clone(),
            cjk_font: config.cjk_font.clone(),
            clock: deps.clock,
            ids: deps.ids,
            token_store: deps.tokens,
            http,
            app,
            events,
            account: RwLock::new(None),
            session_lock: Mutex::new(()),
            sync_lock: Mutex::new(()),
            wake: Arc::new(Notify::new()),
            stop,
            background: std::sync::Mutex::new(None),
            push_task: std::sync::Mutex::new(None),
            push: Arc::default(),
            poll_interval: config.poll_interval,
            features: &registry::FEATURES,
        });
        if let (Some(signed_in), Some(authority)) = (state.signed_in, authority) {
            let expected = format!("{}@{authority}", signed_in.user_id);
            if signed_in.account_key == expected {
                let account = inner
                    .open_account(signed_in.user_id, signed_in.account_key)
                    .await?;
                *inner.account.write().await = Some(Arc::new(account));
            } else {
                tracing::warn!(
                    "the signed-in account belongs to another backend; showing nobody signed in"
                );
            }
        }
        if config.background && config.push {
            let push = tokio::spawn(sync::stream::run(
                Arc::downgrade(&inner),
                Arc::clone(&inner.wake),
                stop_rx.clone(),
            ));
            *inner
                .push_task
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(push);
        }
        if config.background {
            let task = tokio::spawn(background::run(
                Arc::downgrade(&inner),
                Arc::clone(&inner.wake),
                stop_rx,
            ));
            *inner
                .background
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(task);
        }
        Ok(Core { inner })
    }

    /// Events for the UI (connectivity, data changed, outbox, session ended).
    pub fn subscribe(&self) -> broadcast::Receiver<CoreEvent> {
        self.inner.events.subscribe()
    }

    /// Flushes the outbox and pulls the change feed now (pull-to-refresh). Being offline is
    /// not an error here: the status says `online: false`.
    pub async fn sync_now(&self) -> Result<SyncStatus, Error> {
        let account = self.inner.current_account().await?;
        let result = {
            let _sync = self.inner.sync_lock.lock().await;
            match self
                .inner
                .flush(&account, true, self.inner.features.outbox)
                .await
            {
                Ok(()) => self.inner.pull(&account).await,
                Err(err) => Err(err),
            }
        };
        match result {
            Ok(()) | Err(Error::Offline(_)) => Ok(self.status().await),
            Err(err) => Err(err),
        }
    }

    /// Requests answered and body bytes received since the core opened, for tests and
    /// benchmarks measuring what a sync costs.
    #[doc(hidden)]
    pub fn net_stats(&self) -> NetStats {
        self.inner.http.stats()
    }

    /// Connectivity and the outbox at a glance (zeros when nobody is signed in).
    pub async fn status(&self) -> SyncStatus {
        let mut status = SyncStatus {
            online: self.inner.http.is_online(),
            last_synced_at: None,
            outbox_pending: 0,
            outbox_rejected: 0,
        };
        if let Ok(account) = self.inner.current_account().await {
            match account.cache.outbox_counts().await {
                Ok(counts) => {
                    status.outbox_pending = counts.pending;
                    status.outbox_rejected = counts.rejected;
                }
                Err(err) => tracing::warn!("cannot count the outbox: {err}"),
            }
            status.last_synced_at = account.cache.last_synced_at().await.unwrap_or_default();
        }
        status
    }

    /// Drops the change stream and keeps it closed (a phone app going to the background):
    /// the background loop polls meanwhile, if it runs at all.
    pub fn pause_push(&self) {
        self.inner.push.pause(true);
    }

    /// Lets the change stream connect again (the app is in front again).
    pub fn resume_push(&self) {
        self.inner.push.pause(false);
    }

    /// Stops the background loop and closes the databases. Other calls fail afterwards.
    pub async fn shutdown(&self) {
        let _ = self.inner.stop.send(true);
        let push = self
            .inner
            .push_task
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(push) = push
            && let Err(err) = push.await
        {
            tracing::warn!("the change stream's task ended badly: {err}");
        }
        let task = self
            .inner
            .background
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(task) = task
            && let Err(err) = task.await
        {
            tracing::warn!("the background loop ended badly: {err}");
        }
        let _sync = self.inner.sync_lock.lock().await;
        if let Some(account) = self.inner.account.read().await.clone() {
            account.cache.close().await;
        }
        self.inner.app.close().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use linli_wire::ErrorCode;
    use linli_wire::ipc::Locale;

    fn assert_send_sync<T: Send + Sync + Clone>() {}

    #[test]
    fn core_is_send_sync_and_clone() {
        assert_send_sync::<Core>();
    }

    fn deps() -> CoreDeps {
        CoreDeps {
            clock: Arc::new(SystemClock),
            ids: Arc::new(UuidV7Gen),
            tokens: Arc::new(MemoryTokenStore::new()),
        }
    }

    #[tokio::test]
    async fn insecure_backend_is_refused_at_open() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut config = CoreConfig::new(dir.path(), "http://wuye.example.cn");
        config.background = false;
        let err = Core::open(config, deps()).await.expect_err("plain http");
        assert_eq!(err.code(), ErrorCode::InsecureUrl);
    }

    #[tokio::test]
    async fn fresh_core_is_signed_out_and_works_without_network() {
        let dir = tempfile::tempdir().expect("tempdir");
        // Port 9 (discard) on loopback: nothing listens, every request is refused.
        let mut config = CoreConfig::new(dir.path(), "http://127.0.0.1:9");
        config.background = false;
        let core = Core::open(config, deps()).await.expect("open");
        let session = core.session().await.expect("session needs no network");
        assert_eq!(session.account, None);
        assert_eq!(session.locale, Locale::ZhCn);
        assert_eq!(
            core.notices().await.expect_err("signed out").code(),
            ErrorCode::NotSignedIn
        );
        assert_eq!(
            core.sync_now().await.expect_err("signed out").code(),
            ErrorCode::NotSignedIn
        );
        core.set_locale(Locale::En).await.expect("locale");
        core.sign_out().await.expect("signing out twice is fine");

        let mut events = core.subscribe();
        let err = core
            .sign_in("13800000001", "demo1234")
            .await
            .expect_err("down");
        assert_eq!(
            err.code(),
            ErrorCode::Offline,
            "connection refused is offline: {err}"
        );
        assert_eq!(
            events.try_recv().expect("an event"),
            CoreEvent::Connectivity { online: false }
        );
        assert!(!core.status().await.online);
        core.shutdown().await;

        let mut config = CoreConfig::new(dir.path(), "http://127.0.0.1:9");
        config.background = false;
        let core = Core::open(config, deps()).await.expect("reopen");
        assert_eq!(
            core.session().await.expect("session").locale,
            Locale::En,
            "the locale is remembered in app.db"
        );
        core.shutdown().await;
    }
}
