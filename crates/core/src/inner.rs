//! The state behind a [`crate::Core`] handle, shared by the facade and the background loop.
//!
//! Locks, in the order they may be taken: `session_lock` (sign in/out) → `sync_lock` (one
//! sync or flush at a time) → `account` (held only to clone the `Arc`, never across an
//! `.await` that does I/O) → `Account::tokens` (held across a refresh request: that is the
//! single flight). No lock is held while waiting on a database connection that another lock
//! holder might need, and no database connection is held across a network call.

use crate::deps::{Clock, IdGen};
use crate::error::{Error, StorageContext};
use crate::events::Events;
use crate::http::Http;
use crate::secret::TokenPair;
use crate::store::app::AppDb;
use crate::store::cache::Cache;
use crate::token_store::TokenStore;
use chrono::{DateTime, Utc};
use linli_wire::UserId;
use linli_wire::ipc::CoreEvent;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::{Mutex, Notify, RwLock, watch};
use tokio::task::JoinHandle;

/// Everything a core owns.
pub(crate) struct Inner {
    /// The backend is the configured one (`CoreConfig::base_url`): joining is refused.
    pub(crate) fixed_backend: bool,
    /// `User-Agent` of every request, for the clients made when the backend changes.
    pub(crate) user_agent: String,
    pub(crate) data_dir: PathBuf,
    pub(crate) pictures_dir: PathBuf,
    /// Upload progress per attachment (bytes confirmed, total), for the UI.
    pub(crate) upload_progress: std::sync::Mutex<std::collections::HashMap<uuid::Uuid, (u64, u64)>>,
    pub(crate) documents_dir: PathBuf,
    pub(crate) cjk_font: Option<PathBuf>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) ids: Arc<dyn IdGen>,
    pub(crate) token_store: Arc<dyn TokenStore>,
    pub(crate) http: Http,
    pub(crate) app: AppDb,
    pub(crate) events: Events,
    pub(crate) account: RwLock<Option<Arc<Account>>>,
    pub(crate) session_lock: Mutex<()>,
    pub(crate) sync_lock: Mutex<()>,
    /// Poked by writes and sign-in: the background loop runs at once.
    pub(crate) wake: Arc<Notify>,
    pub(crate) stop: watch::Sender<bool>,
    pub(crate) background: std::sync::Mutex<Option<JoinHandle<()>>>,
    /// The change stream's task ([`crate::sync::stream`]), beside the background loop.
    pub(crate) push_task: std::sync::Mutex<Option<JoinHandle<()>>>,
    /// Whether the change stream is up (the loop does not poll then), and its pause switch.
    pub(crate) push: Arc<PushState>,
    /// How often the loop polls while the change stream is down.
    pub(crate) poll_interval: std::time::Duration,
    /// What each feature registered ([`crate::registry`]): the runner and the pull loop
    /// reach the features only through this.
    pub(crate) features: &'static crate::Features,
}

/// The signed-in account: its cache and (lazily loaded) tokens.
pub(crate) struct Account {
    pub(crate) user_id: UserId,
    /// Token store key, `"<user id>@<host:port>"`.
    pub(crate) key: String,
    pub(crate) dir: PathBuf,
    pub(crate) cache: Cache,
    /// `None` until first needed (the keyring may be locked at start; offline reads must not
    /// need it). Held across a refresh: concurrent callers wait and reuse the new pair.
    pub(crate) tokens: Mutex<Option<TokenPair>>,
    /// Set once the session ended; nothing may use the tokens or the cache afterwards.
    pub(crate) ended: AtomicBool,
    /// `/v1/me` was just read (by the sign-in): the next sync need not read it again.
    pub(crate) me_fresh: AtomicBool,
}

impl Account {
    pub(crate) fn has_ended(&self) -> bool {
        self.ended.load(Ordering::SeqCst)
    }

    pub(crate) fn mark_ended(&self) {
        self.ended.store(true, Ordering::SeqCst);
    }
}

/// Folder of one account's cache.
pub(crate) fn account_dir(data_dir: &Path, user_id: UserId) -> PathBuf {
    data_dir.join("accounts").join(user_id.to_string())
}

impl Inner {
    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// The signed-in account, or why there is none.
    pub(crate) async fn current_account(&self) -> Result<Arc<Account>, Error> {
        let current = self.account.read().await.clone();
        match current {
            Some(account) if !account.has_ended() => Ok(account),
            Some(_) | None => match self.app.state().await?.ended_because {
                Some(code) => Err(Error::SessionExpired(code)),
                None => Err(Error::NotSignedIn),
            },
        }
    }

    /// Opens (creating) the cache of `user_id` and recovers its outbox.
    pub(crate) async fn open_account(
        &self,
        user_id: UserId,
        key: String,
    ) -> Result<Account, Error> {
        let dir = account_dir(&self.data_dir, user_id);
        let cache = Cache::open(&dir.join("cache.db")).await?;
        let recovered = cache.recover_outbox(self.now()).await?;
        if recovered > 0 {
            tracing::info!(
                recovered,
                "writes interrupted by the last exit will be sent again"
            );
        }
        Ok(Account {
            user_id,
            key,
            dir,
            cache,
            tokens: Mutex::new(None),
            ended: AtomicBool::new(false),
            me_fresh: AtomicBool::new(false),
        })
    }

    /// Closes the account's cache and deletes its folder (sign-out, ended session).
    pub(crate) async fn wipe_account(&self, account: &Account) -> Result<(), Error> {
        account.mark_ended();
        account.cache.close().await;
        match tokio::fs::remove_dir_all(&account.dir).await {
            Ok(()) => Ok(()),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(err) => Err(err).storage("delete the account's cached data"),
        }
    }

    /// Announces the outbox counts (after every change to the queue).
    pub(crate) async fn emit_outbox(&self, account: &Account) {
        match account.cache.outbox_counts().await {
            Ok(counts) => self.events.emit(CoreEvent::Outbox {
                pending: counts.pending,
                rejected: counts.rejected,
            }),
            Err(err) => tracing::warn!("cannot count the outbox: {err}"),
        }
    }
}

/// The change stream's state (`crate::sync::stream`): whether it is up, and the app's
/// switch to pause it.
#[derive(Debug)]
pub(crate) struct PushState {
    up: AtomicBool,
    paused: watch::Sender<bool>,
    /// Poked at sign-in: a stream task waiting for an account tries at once.
    kick: Notify,
}

impl Default for PushState {
    fn default() -> Self {
        Self {
            up: AtomicBool::new(false),
            paused: watch::Sender::new(false),
            kick: Notify::new(),
        }
    }
}

impl PushState {
    /// Whether the backend is telling us of changes right now (no need to poll).
    pub(crate) fn is_up(&self) -> bool {
        self.up.load(Ordering::SeqCst)
    }

    /// Drops the stream and keeps it closed (`true`), or lets it connect again (`false`).
    pub(crate) fn pause(&self, paused: bool) {
        self.paused.send_replace(paused);
    }

    /// Someone signed in: try to connect now.
    pub(crate) fn kick(&self) {
        self.kick.notify_one();
    }

    /// Resolves at the next [`Self::kick`].
    pub(crate) async fn kicked(&self) {
        self.kick.notified().await;
    }

    pub(crate) fn set_up(&self, up: bool) {
        self.up.store(up, Ordering::SeqCst);
    }

    /// The pause switch, to wait on.
    pub(crate) fn paused(&self) -> watch::Receiver<bool> {
        self.paused.subscribe()
    }
}
