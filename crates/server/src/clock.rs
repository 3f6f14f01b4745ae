//! The server's clock. Production reads the system time; tests move it forward
//! ([`ServerClock::advance`]) to expire tokens and grace windows without sleeping, and may
//! stop it first ([`ServerClock::freeze`]) so a deadline can be approached to the millisecond.
//!
//! Stored times are Unix milliseconds, so this module also converts between those and
//! `DateTime<Utc>`.

use chrono::{DateTime, Utc};
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

/// Marks a clock that follows the system time.
const RUNNING: i64 = i64::MIN;

/// System time (or, once frozen, a fixed reading) plus an offset that only tests change.
#[derive(Debug)]
pub struct ServerClock {
    offset_ms: AtomicI64,
    /// The reading the clock stopped at, or [`RUNNING`].
    frozen_ms: AtomicI64,
}

impl Default for ServerClock {
    fn default() -> Self {
        Self {
            offset_ms: AtomicI64::new(0),
            frozen_ms: AtomicI64::new(RUNNING),
        }
    }
}

impl ServerClock {
    /// The real time.
    pub fn system() -> Self {
        Self::default()
    }

    /// Now, as this server sees it.
    pub fn now(&self) -> DateTime<Utc> {
        let base = match self.frozen_ms.load(Ordering::SeqCst) {
            RUNNING => Utc::now(),
            frozen => from_ms(frozen),
        };
        base + chrono::Duration::milliseconds(self.offset_ms.load(Ordering::SeqCst))
    }

    /// Now in Unix milliseconds.
    pub fn now_ms(&self) -> i64 {
        self.now().timestamp_millis()
    }

    /// Moves the clock forward (tests only).
    pub fn advance(&self, by: Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.offset_ms.fetch_add(ms, Ordering::SeqCst);
    }

    /// Stops the clock at the current system time (tests only): from then on only
    /// [`Self::advance`] moves it, so "one second before the deadline" stays one second before
    /// however slowly the test runs. The reading does not jump.
    pub fn freeze(&self) {
        let wall = Utc::now().timestamp_millis();
        let _ = self
            .frozen_ms
            .compare_exchange(RUNNING, wall, Ordering::SeqCst, Ordering::SeqCst);
    }
}

/// Unix milliseconds to a timestamp (out-of-range values clamp to the epoch).
pub fn from_ms(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// The community's calendar day at `now_ms` (Beijing, UTC+8 all year).
pub fn community_today(now_ms: i64) -> chrono::NaiveDate {
    (from_ms(now_ms) + chrono::Duration::hours(8)).date_naive()
}
