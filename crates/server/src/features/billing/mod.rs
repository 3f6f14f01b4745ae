//! Bills, payment orders, receipts and the fee ledger: how a resident's money settles bills,
//! exactly once, with the demo payment provider standing in for a real one.
//!
//! A resident sees the bills, receipts and ledger of the units and communities of their
//! active households, and the payment orders they made; anything else answers 404, never 403.
//!
//! - [`handlers`] and [`ledger`]: the contract's HTTP side (and the provider's webhook);
//!   `ledger_store`: the ledger's SQL.
//! - [`store`]: the bills' and receipts' SQL; `open`: opening a payment order (checks, sums,
//!   holds the bills, opens the payment at the provider).
//! - [`orders`]: the payment order state machine and its invariants; [`orders::expire_due`]
//!   is also a housekeeping job.
//! - [`provider`]: the demo provider's own books, key and notification queue;
//!   [`notifications`]: its notifications reaching the backend (and its retry loop, run by
//!   housekeeping); [`checkout`]: its checkout pages, outside the contract.

pub mod checkout;
pub mod handlers;
pub mod ledger;
mod ledger_store;
pub mod notifications;
mod open;
pub mod orders;
pub mod provider;
pub(crate) mod store;

pub use checkout::provider_pages;
pub use notifications::deliver_demo_notifications;
pub use orders::{ORDER_TTL, expire_due, follow_open};

use crate::AppState;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// This feature's documented routes (the checkout pages are not: see [`provider_pages`]).
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(handlers::list_bills))
        .routes(routes!(handlers::bill))
        .routes(routes!(handlers::create_order, handlers::list_orders))
        .routes(routes!(handlers::order))
        .routes(routes!(handlers::cancel_order))
        .routes(routes!(handlers::list_receipts))
        .routes(routes!(handlers::receipt))
        .routes(routes!(ledger::ledger))
        .routes(routes!(ledger::ledger_attachment))
        .routes(routes!(handlers::demo_webhook))
}
