//! What the core takes from the outside world, injected so tests control it: the time and
//! new ids. (Secrets come in through [`crate::TokenStore`], the network through the base URL.)

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// The current time. Token expiry, outbox backoff and read marks use it, never the system
/// clock directly.
pub trait Clock: Send + Sync {
    /// Now, in UTC.
    fn now(&self) -> DateTime<Utc>;
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
