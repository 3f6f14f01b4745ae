//! A client clock that moves only when the test moves it, with pauses that end when it does.
//!
//! The core waits through [`Clock::sleep`] (the background loop's cadence and probe backoff,
//! how long a payment is followed). With this clock those pauses are registered deadlines: the
//! test sees which pauses the core asked for and ends them by moving the time, so nothing
//! waits for real time and every step is decided by the injected clock alone. A pause whose
//! deadline has not come never ends, whatever the wall clock does.

use chrono::{DateTime, Utc};
use linli_core::{Clock, Sleep};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::{oneshot, watch};

/// One pause the core is waiting in.
#[derive(Debug)]
struct Pause {
    id: u64,
    deadline: DateTime<Utc>,
    /// `None` once the time reached the deadline.
    wake: Option<oneshot::Sender<()>>,
}

#[derive(Debug)]
struct State {
    now: DateTime<Utc>,
    next_id: u64,
    pauses: Vec<Pause>,
    /// Every pause ever asked for, in order.
    asked: Vec<Duration>,
}

#[derive(Debug)]
struct Shared {
    state: Mutex<State>,
    /// Bumped on every change, so waiters look again.
    changed: watch::Sender<u64>,
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn bump(&self) {
        self.changed.send_modify(|n| *n += 1);
    }
}

/// What the test can see of the clock.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct View {
    /// The client's now.
    pub now: DateTime<Utc>,
    /// Deadlines of the pauses the core is still waiting in.
    pub waiting: Vec<DateTime<Utc>>,
    /// Every pause ever asked for, in order.
    pub asked: Vec<Duration>,
}

/// The clock; clone the `Arc` into `CoreDeps`.
#[derive(Debug)]
pub struct ManualClock {
    shared: Arc<Shared>,
}

/// Removes a pause the core gave up (its `select!` took another branch) or finished.
struct Leave {
    shared: Arc<Shared>,
    id: u64,
}

impl Drop for Leave {
    fn drop(&mut self) {
        self.shared.state().pauses.retain(|p| p.id != self.id);
        self.shared.bump();
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        self.shared.state().now
    }

    fn sleep(&self, duration: Duration) -> Sleep {
        let (tx, rx) = oneshot::channel();
        let id = {
            let mut state = self.shared.state();
            let id = state.next_id;
            state.next_id += 1;
            let deadline = state.now + chrono::TimeDelta::from_std(duration).expect("a pause");
            let wake = if deadline <= state.now {
                let _ = tx.send(());
                None
            } else {
                Some(tx)
            };
            state.pauses.push(Pause { id, deadline, wake });
            state.asked.push(duration);
            id
        };
        self.shared.bump();
        let leave = Leave {
            shared: Arc::clone(&self.shared),
            id,
        };
        Box::pin(async move {
            let _leave = leave;
            let _ = rx.await;
        })
    }
}

/// How long a test waits for the core to reach a state before calling it a failure. Only a
/// bound on a broken build: a working one gets there in milliseconds.
const GIVE_UP: Duration = Duration::from_secs(30);

impl ManualClock {
    /// A clock at the current wall time (the server's clock starts there too).
    pub fn new() -> Arc<Self> {
        let (changed, _) = watch::channel(0);
        Arc::new(Self {
            shared: Arc::new(Shared {
                state: Mutex::new(State {
                    now: Utc::now(),
                    next_id: 0,
                    pauses: Vec::new(),
                    asked: Vec::new(),
                }),
                changed,
            }),
        })
    }

    /// The client's now (as the core reads it).
    pub fn now_at(&self) -> DateTime<Utc> {
        self.shared.state().now
    }

    /// What the clock holds now.
    pub fn view(&self) -> View {
        let state = self.shared.state();
        View {
            now: state.now,
            waiting: state
                .pauses
                .iter()
                .filter(|p| p.wake.is_some())
                .map(|p| p.deadline)
                .collect(),
            asked: state.asked.clone(),
        }
    }

    /// Moves the time to `to` (never back) and ends every pause whose deadline it reaches.
    pub fn set(&self, to: DateTime<Utc>) {
        {
            let mut state = self.shared.state();
            assert!(to >= state.now, "the test clock never goes back");
            state.now = to;
            for pause in &mut state.pauses {
                if pause.deadline <= to
                    && let Some(wake) = pause.wake.take()
                {
                    let _ = wake.send(());
                }
            }
        }
        self.shared.bump();
    }

    /// Moves the time forward by `by`.
    pub fn advance(&self, by: Duration) {
        let to = self.now_at() + chrono::TimeDelta::from_std(by).expect("a step");
        self.set(to);
    }

    /// Waits (without moving the time) until `done` holds for the clock's view; `what` names
    /// the awaited state in the failure.
    pub async fn until(&self, what: &str, done: impl Fn(&View) -> bool) -> View {
        let mut changed = self.shared.changed.subscribe();
        let wait = async {
            loop {
                let view = self.view();
                if done(&view) {
                    return view;
                }
                changed.changed().await.expect("the clock lives");
            }
        };
        tokio::time::timeout(GIVE_UP, wait)
            .await
            .unwrap_or_else(|_| panic!("the core never reached: {what} ({:?})", self.view()))
    }

    /// Waits until the core has asked for more than `asked_before` pauses in all and waits in
    /// exactly one: a loop that finished its round and is parked (a poke it had not yet seen
    /// would have ended that pause within the same poll, so a parked loop owes no round).
    pub async fn parked_after(&self, asked_before: usize) -> View {
        self.until("parked after another round", |v| {
            v.asked.len() > asked_before && v.waiting.len() == 1
        })
        .await
    }
}
