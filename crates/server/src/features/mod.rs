//! The backend's features, one folder each: its HTTP handlers (with their OpenAPI
//! annotations), its rules, its SQL, and the functions the command line, the seed, the
//! housekeeping and the test server call. Shared mechanisms (state, serve, tls, db, error,
//! extractors, idempotency, change log, clock) stay outside, at the crate's top.
//!
//! Tickets are the first feature moved here; the others still live under [`crate::routes`].

pub mod tickets;
