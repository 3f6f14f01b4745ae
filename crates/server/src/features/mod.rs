//! The backend's features, one folder each: its HTTP handlers (with their OpenAPI
//! annotations) and its `routes()`, its rules, its SQL, and the functions the command line,
//! the seed, the housekeeping and the test server call (never a handler). Shared mechanisms
//! (state, serve, tls, db, error, extractors, idempotency, change log, clock, tokens) stay
//! outside, at the crate's top.
//!
//! A feature may use the shared mechanisms. When it needs another feature's data it calls that
//! feature's store or rules functions (never its handlers) and says so in its `//!`: passes
//! (the auth feature's phone rule, the memberships feature's masked phone), gate (the passes'
//! keys), sync (the notices' and memberships' stores), memberships (writes the passes'
//! revocation list when a membership ends, without importing passes), me (the
//! memberships' rendering of households), homes (the memberships' join, the tickets' staff
//! matrix, the memberships' masked phone), and every feature acting for a home (tickets,
//! passes, billing, invitations) the memberships feature's rights matrix (`memberships::rules`).

pub mod auth;
pub mod billing;
pub mod communities;
pub mod gate;
pub mod homes;
pub mod me;
pub mod memberships;
pub mod notices;
pub mod passes;
pub mod sync;
pub mod tickets;
pub mod uploads;
