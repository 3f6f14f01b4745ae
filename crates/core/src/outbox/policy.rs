//! The outbox's rules as pure functions: the state machine, what an HTTP outcome means for an
//! item, the backoff schedule and which items are due. No I/O, no clock: the caller passes
//! `now` and the jitter.

use super::OutboxState;
use chrono::{DateTime, Utc};
use linli_wire::ErrorCode;
use std::time::Duration;

/// What happens to an item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OutboxEvent {
    /// The flusher picks the item up and sends it.
    Send,
    /// The backend accepted it (2xx, or the stored answer of an earlier attempt).
    Accepted,
    /// A transient failure (network, 5xx, 429/503, 409 in progress, auth): send again later
    /// with the same `Idempotency-Key`.
    RetryLater,
    /// The backend refused it for good (any other 4xx). Kept for the resident to see.
    Refused,
    /// The send stopped without an answer (app killed, session ended mid-flush): send again.
    Interrupted,
    /// An item this one depends on was refused (e.g. its photo upload): wait for the resident.
    DependencyRefused,
    /// The resident asked to try a blocked item again (after editing it).
    Retried,
}

/// The next state of an item in `state` on `event`, or `None` when `event` cannot happen in
/// `state` (a bug: the caller logs it and leaves the row alone). One `match`, no wildcard, so a
/// new state or event must be placed explicitly.
pub fn transition(state: OutboxState, event: OutboxEvent) -> Option<OutboxState> {
    use OutboxEvent as E;
    use OutboxState as S;
    match (state, event) {
        (S::Pending, E::Send) => Some(S::InFlight),
        (S::Pending, E::DependencyRefused) => Some(S::Blocked),
        (S::InFlight, E::Accepted) => Some(S::Done),
        (S::InFlight, E::RetryLater | E::Interrupted) => Some(S::Pending),
        (S::InFlight, E::Refused) => Some(S::Rejected),
        (S::Blocked, E::Retried) => Some(S::Pending),
        (S::Pending, E::Accepted | E::RetryLater | E::Refused | E::Interrupted | E::Retried)
        | (S::InFlight, E::Send | E::DependencyRefused | E::Retried)
        | (
            S::Blocked,
            E::Send
            | E::Accepted
            | E::RetryLater
            | E::Refused
            | E::Interrupted
            | E::DependencyRefused,
        )
        | (
            S::Done | S::Rejected,
            E::Send
            | E::Accepted
            | E::RetryLater
            | E::Refused
            | E::Interrupted
            | E::DependencyRefused
            | E::Retried,
        ) => None,
    }
}

/// What an HTTP answer means for the item that was sent. The HTTP layer has already refreshed
/// the token once on a 401, so a 401 here is retried later rather than refused.
pub fn event_for_status(status: u16, code: ErrorCode) -> OutboxEvent {
    match status {
        200..=299 => OutboxEvent::Accepted,
        401 | 408 | 425 | 429 | 500..=599 => OutboxEvent::RetryLater,
        409 if code == ErrorCode::IdempotencyInProgress => OutboxEvent::RetryLater,
        _ => OutboxEvent::Refused,
    }
}

/// Exponential backoff with full jitter (AWS "Exponential Backoff and Jitter").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    /// Ceiling of the first retry.
    pub base: Duration,
    /// Largest ceiling.
    pub cap: Duration,
}

/// Outbox retries: first within 2 s, doubling, never more than 5 min apart so a write made
/// offline goes out soon after the network returns even if the loop's probe misses it.
pub const OUTBOX_BACKOFF: Backoff = Backoff {
    base: Duration::from_secs(2),
    cap: Duration::from_secs(300),
};

/// Health probes while offline: the backend's return should show within a minute.
pub const PROBE_BACKOFF: Backoff = Backoff {
    base: Duration::from_secs(2),
    cap: Duration::from_secs(60),
};

impl Backoff {
    /// Upper bound of the wait after the `attempt`-th failure (1-based): `min(cap, base·2^(n-1))`.
    pub fn ceiling(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1).min(30);
        self.base
            .checked_mul(1u32 << doublings)
            .unwrap_or(self.cap)
            .min(self.cap)
    }

    /// The wait after the `attempt`-th failure: `jitter` (in `[0, 1]`, uniform) of the ceiling,
    /// but never less than the server's `Retry-After`.
    pub fn delay(&self, attempt: u32, jitter: f64, retry_after: Option<Duration>) -> Duration {
        let jitter = if jitter.is_finite() {
            jitter.clamp(0.0, 1.0)
        } else {
            1.0
        };
        let jittered = self.ceiling(attempt).mul_f64(jitter);
        jittered.max(retry_after.unwrap_or(Duration::ZERO))
    }
}

/// Codes after which the server asked to wait (`Retry-After`): a manual sync does not jump
/// the queue for these, it only skips the client's own backoff after network failures.
pub fn server_asked_to_wait(last_error_code: Option<ErrorCode>) -> bool {
    matches!(
        last_error_code,
        Some(
            ErrorCode::RateLimited
                | ErrorCode::ServiceUnavailable
                | ErrorCode::IdempotencyInProgress
        )
    )
}

/// Minimal view of an item for [`due_heads`].
#[derive(Clone, Debug, PartialEq)]
pub struct QueuedItem<'a> {
    /// Items of one aggregate go in order.
    pub aggregate: &'a str,
    /// Current state.
    pub state: OutboxState,
    /// Not before.
    pub next_attempt_at: DateTime<Utc>,
    /// Why the last attempt failed.
    pub last_error_code: Option<ErrorCode>,
}

/// Indexes of the items to send now: the first open item of each aggregate (in queue order),
/// if it is pending and due. `force` (a manual sync) ignores the client's own backoff, not a
/// wait the server asked for. Done and rejected items never block an aggregate.
pub fn due_heads(items: &[QueuedItem<'_>], now: DateTime<Utc>, force: bool) -> Vec<usize> {
    let mut seen: Vec<&str> = Vec::new();
    let mut due = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let open = match item.state {
            OutboxState::Pending | OutboxState::InFlight | OutboxState::Blocked => true,
            OutboxState::Done | OutboxState::Rejected => false,
        };
        if !open || seen.contains(&item.aggregate) {
            continue;
        }
        seen.push(item.aggregate);
        let waited =
            item.next_attempt_at <= now || (force && !server_asked_to_wait(item.last_error_code));
        if item.state == OutboxState::Pending && waited {
            due.push(index);
        }
    }
    due
}

#[cfg(test)]
mod tests {
    use super::*;
    use OutboxEvent as E;
    use OutboxState as S;

    const STATES: [S; 5] = [S::Pending, S::InFlight, S::Done, S::Rejected, S::Blocked];
    const EVENTS: [E; 7] = [
        E::Send,
        E::Accepted,
        E::RetryLater,
        E::Refused,
        E::Interrupted,
        E::DependencyRefused,
        E::Retried,
    ];

    #[test]
    fn happy_path_and_retry() {
        assert_eq!(transition(S::Pending, E::Send), Some(S::InFlight));
        assert_eq!(transition(S::InFlight, E::Accepted), Some(S::Done));
        assert_eq!(transition(S::InFlight, E::RetryLater), Some(S::Pending));
        assert_eq!(
            transition(S::InFlight, E::Interrupted),
            Some(S::Pending),
            "an item in flight when the app died is sent again with the same key"
        );
        assert_eq!(transition(S::InFlight, E::Refused), Some(S::Rejected));
        assert_eq!(
            transition(S::Pending, E::DependencyRefused),
            Some(S::Blocked)
        );
        assert_eq!(transition(S::Blocked, E::Retried), Some(S::Pending));
    }

    #[test]
    fn done_and_rejected_are_terminal() {
        for event in EVENTS {
            assert_eq!(
                transition(S::Done, event),
                None,
                "done is final ({event:?})"
            );
            assert_eq!(
                transition(S::Rejected, event),
                None,
                "rejected is final ({event:?})"
            );
        }
    }

    #[test]
    fn only_in_flight_items_get_answers() {
        for state in STATES {
            let answered = transition(state, E::Accepted).is_some();
            assert_eq!(
                answered,
                state == S::InFlight,
                "{state:?} cannot be accepted"
            );
        }
    }

    #[test]
    fn statuses_map_to_events() {
        let c = ErrorCode::Unknown;
        assert_eq!(event_for_status(204, c), E::Accepted);
        assert_eq!(
            event_for_status(500, ErrorCode::InternalError),
            E::RetryLater
        );
        assert_eq!(event_for_status(502, ErrorCode::BadResponse), E::RetryLater);
        assert_eq!(
            event_for_status(503, ErrorCode::ServiceUnavailable),
            E::RetryLater
        );
        assert_eq!(event_for_status(429, ErrorCode::RateLimited), E::RetryLater);
        assert_eq!(
            event_for_status(401, ErrorCode::TokenExpired),
            E::RetryLater
        );
        assert_eq!(
            event_for_status(409, ErrorCode::IdempotencyInProgress),
            E::RetryLater,
            "the first attempt is still running"
        );
        assert_eq!(
            event_for_status(409, ErrorCode::InvalidTransition),
            E::Refused
        );
        assert_eq!(
            event_for_status(422, ErrorCode::IdempotencyKeyReused),
            E::Refused
        );
        assert_eq!(
            event_for_status(422, ErrorCode::ValidationFailed),
            E::Refused
        );
        assert_eq!(event_for_status(404, ErrorCode::NotFound), E::Refused);
        assert_eq!(event_for_status(403, ErrorCode::Forbidden), E::Refused);
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let b = OUTBOX_BACKOFF;
        assert_eq!(b.ceiling(1), Duration::from_secs(2));
        assert_eq!(b.ceiling(2), Duration::from_secs(4));
        assert_eq!(b.ceiling(5), Duration::from_secs(32));
        assert_eq!(b.ceiling(9), Duration::from_secs(300), "capped at 5 min");
        assert_eq!(b.ceiling(u32::MAX), Duration::from_secs(300), "no overflow");
        assert_eq!(
            b.ceiling(0),
            Duration::from_secs(2),
            "attempt 0 acts as the first"
        );
    }

    #[test]
    fn full_jitter_stays_within_the_ceiling() {
        let b = OUTBOX_BACKOFF;
        assert_eq!(b.delay(3, 0.0, None), Duration::ZERO);
        assert_eq!(b.delay(3, 0.5, None), Duration::from_secs(4));
        assert_eq!(b.delay(3, 1.0, None), Duration::from_secs(8));
        assert_eq!(
            b.delay(3, 7.0, None),
            Duration::from_secs(8),
            "jitter clamped"
        );
        assert_eq!(
            b.delay(3, f64::NAN, None),
            Duration::from_secs(8),
            "NaN is safe"
        );
        assert_eq!(b.delay(3, -1.0, None), Duration::ZERO);
    }

    #[test]
    fn retry_after_is_a_minimum() {
        let b = OUTBOX_BACKOFF;
        assert_eq!(
            b.delay(1, 0.1, Some(Duration::from_secs(30))),
            Duration::from_secs(30),
            "the server's Retry-After wins over a shorter jittered wait"
        );
        assert_eq!(
            b.delay(9, 1.0, Some(Duration::from_secs(30))),
            Duration::from_secs(300),
            "a longer backoff is kept"
        );
    }

    fn item(aggregate: &str, state: S, due_ms: i64, code: Option<ErrorCode>) -> QueuedItem<'_> {
        QueuedItem {
            aggregate,
            state,
            next_attempt_at: crate::store::from_ms(due_ms),
            last_error_code: code,
        }
    }

    #[test]
    fn one_head_per_aggregate_and_rejected_never_blocks() {
        let now = crate::store::from_ms(1_000);
        let items = [
            item("a", S::Rejected, 0, None),
            item("a", S::Pending, 0, None),
            item("a", S::Pending, 0, None),
            item("b", S::Pending, 5_000, Some(ErrorCode::Offline)),
            item("b", S::Pending, 0, None),
            item("c", S::Done, 0, None),
            item("c", S::Blocked, 0, None),
            item("c", S::Pending, 0, None),
        ];
        assert_eq!(
            due_heads(&items, now, false),
            [1],
            "a: rejected head skipped, next item due; b: head waits; c: blocked head waits"
        );
        assert_eq!(
            due_heads(&items, now, true),
            [1, 3],
            "a manual sync skips the client's own backoff"
        );
        let waiting = [item("a", S::Pending, 5_000, Some(ErrorCode::RateLimited))];
        assert!(
            due_heads(&waiting, now, true).is_empty(),
            "a manual sync still honours the server's Retry-After"
        );
    }
}
