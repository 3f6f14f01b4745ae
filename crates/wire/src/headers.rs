//! Names of the HTTP headers the contract gives a meaning to, so client and server spell them
//! the same way.

/// Structured-field string naming one write; the same key on a retry returns the stored outcome.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// Set on a replayed response that came from the idempotency store, not a fresh execution.
pub const IDEMPOTENT_REPLAYED: &str = "idempotent-replayed";
/// Seconds to wait before retrying (429, 503, 409 idempotency-in-progress).
pub const RETRY_AFTER: &str = "retry-after";
/// Media type of every error body (RFC 9457).
pub const PROBLEM_JSON: &str = "application/problem+json";
/// The change stream's resume point: the `id` (sequence number) of the last event received.
pub const LAST_EVENT_ID: &str = "last-event-id";
/// Media type of the change stream (server-sent events).
pub const EVENT_STREAM: &str = "text/event-stream";
