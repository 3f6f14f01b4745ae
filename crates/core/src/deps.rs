//! What the core takes from the outside world, injected so tests control it: the time and
//! new ids. (Secrets come in through [`crate::TokenStore`], the network through the base URL.)

use chrono::{DateTime, Utc};
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;
use uuid::Uuid;

/// A pause started by [`Clock::sleep`].
pub type Sleep = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// The current time, and waiting for it to pass. Token expiry, outbox backoff, read marks, the
/// background loop's cadence and how long a payment is followed use it, never the system
/// clock or a timer directly, so a test moves time instead of waiting for it.
pub trait Clock: Send + Sync {
    /// Now, in UTC.
    fn now(&self) -> DateTime<Utc>;

    /// Completes once `duration` has passed on this clock. The default is a tokio timer,
    /// which is right for a clock that follows real time (such as [`SystemClock`]); a clock
    /// that moves only when told must override it, or its pauses would take real time.
    fn sleep(&self, duration: Duration) -> Sleep {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// The system clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// New ids for things the client creates (outbox items, later repair orders, payments).
pub trait IdGen: Send + Sync {
    /// A fresh id; UUIDv7 in production so ids sort by creation time.
    fn new_id(&self) -> Uuid;
}

/// UUIDv7 from the system clock and a random source.
#[derive(Clone, Copy, Debug, Default)]
pub struct UuidV7Gen;

impl IdGen for UuidV7Gen {
    fn new_id(&self) -> Uuid {
        Uuid::now_v7()
    }
}
