//! The background loop: keeps the cache fresh and the outbox moving while the app runs.
//!
//! It syncs (flush, then pull) at start, at once when a write, a sign-in or the change stream
//! ([`crate::sync::stream`]) pokes it, and every `CoreConfig::poll_interval` while the change
//! stream is down (never while it is up: the stream says when there is something to pull). While the backend is unreachable it probes `GET /v1/health` with
//! backoff and syncs as soon as the probe answers. It holds only a weak reference to the core
//! between rounds, so dropping every `Core` handle ends it; `Core::shutdown` ends it at once.
//! Most tests do not start it (`CoreConfig::background = false`) and call `sync_now` instead;
//! its waits are the injected [`crate::Clock`]'s, so the tests that do start it move time.

use crate::error::Error;
use crate::http::Call;
use crate::inner::Inner;
use crate::outbox::policy::PROBE_BACKOFF;
use rand::Rng;
use std::sync::Weak;
use std::time::Duration;
use tokio::sync::{Notify, watch};

/// The wait while the change stream is up: only a poke (or an outbox item falling due) wakes
/// the loop.
const WHILE_PUSHED: Duration = Duration::from_secs(24 * 3600);
/// Never spin: at least this long between rounds, even if an item is due sooner.
const MIN_WAIT: Duration = Duration::from_secs(1);

pub(crate) async fn run(
    core: Weak<Inner>,
    wake: std::sync::Arc<Notify>,
    mut stop: watch::Receiver<bool>,
) {
    let mut offline_probes: u32 = 0;
    loop {
        let (wait, clock) = {
            let Some(inner) = core.upgrade() else {
                return;
            };
            let wait = inner.background_round(&mut offline_probes).await;
            (wait, std::sync::Arc::clone(&inner.clock))
        };
        tokio::select! {
            // The injected clock's pause, so the cadence and the probe's backoff follow it.
            () = clock.sleep(wait) => {}
            () = wake.notified() => {}
            changed = stop.changed() => {
                if changed.is_err() || *stop.borrow() {
                    return;
                }
            }
        }
    }
}

impl Inner {
    /// One round; answers how long to wait before the next.
    async fn background_round(&self, offline_probes: &mut u32) -> Duration {
        let Ok(account) = self.current_account().await else {
            return self.poll_wait();
        };
        if self.http.online_state() == Some(false) {
            let probe = self
                .http
                .send(&Call::get("/v1/health"), None, self.now())
                .await;
            if probe.is_err() {
                *offline_probes = offline_probes.saturating_add(1);
                let jitter = rand::thread_rng().r#gen::<f64>();
                return PROBE_BACKOFF
                    .delay(*offline_probes, jitter, None)
                    .max(MIN_WAIT);
            }
        }
        let result = {
            let _sync = self.sync_lock.lock().await;
            match self.flush(&account, false, self.features.outbox).await {
                Ok(()) => self.pull(&account).await,
                Err(err) => Err(err),
            }
        };
        match result {
            Err(Error::Offline(_)) => {
                *offline_probes = offline_probes.saturating_add(1);
                let jitter = rand::thread_rng().r#gen::<f64>();
                PROBE_BACKOFF
                    .delay(*offline_probes, jitter, None)
                    .max(MIN_WAIT)
            }
            Err(err) => {
                tracing::warn!("background sync failed: {err}");
                *offline_probes = 0;
                self.poll_wait()
            }
            Ok(()) => {
                *offline_probes = 0;
                let poll = self.poll_wait();
                self.next_outbox_due(&account)
                    .await
                    .map_or(poll, |due| due.clamp(MIN_WAIT, poll))
            }
        }
    }

    /// Until the next poll: none while the change stream is up.
    fn poll_wait(&self) -> Duration {
        if self.push.is_up() {
            WHILE_PUSHED
        } else {
            self.poll_interval
        }
    }

    /// Time until the earliest pending item is due, if any.
    async fn next_outbox_due(&self, account: &crate::inner::Account) -> Option<Duration> {
        let items = account.cache.open_items().await.ok()?;
        let now = self.now();
        items
            .iter()
            .filter(|item| item.state == crate::outbox::OutboxState::Pending)
            .map(|item| {
                (item.next_attempt_at - now)
                    .to_std()
                    .unwrap_or(Duration::ZERO)
            })
            .min()
    }
}
