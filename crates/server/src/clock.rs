//! The server's clock. Production reads the system time; tests move it forward
//! ([`ServerClock::advance`]) to expire tokens and grace windows without sleeping.
//!
//! Stored times are Unix milliseconds, so this module also converts between those and
//! `DateTime<Utc>`.

use chrono::{DateTime, Utc};
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

/// System time plus an offset that only tests change.
#[derive(Debug, Default)]
pub struct ServerClock {
    offset_ms: AtomicI64,
}

impl ServerClock {
    /// The real time.
    pub fn system() -> Self {
        Self::default()
    }

    /// Now, as this server sees it.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + chrono::Duration::milliseconds(self.offset_ms.load(Ordering::Relaxed))
    }

    /// Now in Unix milliseconds.
    pub fn now_ms(&self) -> i64 {
        self.now().timestamp_millis()
    }

    /// Moves the clock forward (tests only).
    pub fn advance(&self, by: Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.offset_ms.fetch_add(ms, Ordering::Relaxed);
    }
}

/// Unix milliseconds to a timestamp (out-of-range values clamp to the epoch).
pub fn from_ms(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}
