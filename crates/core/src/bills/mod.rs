//! Bills, payments, receipts and the fee ledger on the device.
//!
//! Reading works offline: each sync replaces the cached bills, payment orders, receipts and
//! ledger of the current household with the backend's. Paying needs the network and is
//! never trusted to the app's own side of the flow:
//! - The order (client-chosen UUIDv7, also the `Idempotency-Key`) is written to the cache
//!   with its request *before* it is sent. If the app dies or the answer is lost, the next
//!   sync sends the same request again, so the backend creates at most one order, and the
//!   app never forgets an order that may exist.
//! - The app refuses to start a second payment for a bill held by an open order it knows of
//!   (`payment-in-progress`); the backend refuses it too.
//! - The order's outcome comes only from the backend (`GET /v1/payment-orders/{id}`, which
//!   queries the provider). While the payer waits, [`crate::Core::follow_payment`] asks again
//!   with growing pauses (the network may come and go meanwhile) until the order is final or
//!   [`FOLLOW_FOR`] has passed; every sync also follows open orders until they are final.
//! - The demo provider's checkout page is fetched through the core (the backend may use a
//!   private CA the webview does not trust) and its actions are posted through the core, only
//!   ever to the backend's own origin.
//!
//! Uses the session's current household ([`crate::auth`]).

mod cache;
mod checkout;
mod documents;
mod pay;

use crate::Core;
use crate::error::Error;
use crate::inner::{Account, Inner};
use crate::sync::Pull;
use futures::future::BoxFuture;
use linli_wire::bills::{Bill, LedgerPeriod, PaymentChannel, PaymentOrder, Receipt};
use linli_wire::sync::EntityKind;
use linli_wire::{BillId, ErrorCode, PaymentOrderId, Problem};

/// How long [`crate::Core::follow_payment`] waits for an open order to become final; after that
/// the order is still followed by every sync, and the bills say it is in progress.
pub const FOLLOW_FOR: std::time::Duration = std::time::Duration::from_secs(120);
const FOLLOW_FIRST_PAUSE: std::time::Duration = std::time::Duration::from_millis(500);
const FOLLOW_MAX_PAUSE: std::time::Duration = std::time::Duration::from_secs(5);

/// A payment refused by the app itself, shaped like the backend's problem.
fn refused(code: ErrorCode, detail: &str) -> Error {
    let mut problem = Problem::new(code, detail);
    problem.detail = Some(detail.to_owned());
    Error::Api {
        status: code.http_status(),
        problem: Box::new(problem),
        retry_after: None,
    }
}

/// Re-sends unanswered orders, then fetches the household's billing whole.
pub(crate) struct BillingPull;

impl Pull for BillingPull {
    fn kind(&self) -> EntityKind {
        EntityKind::Bill
    }

    fn stale_on(&self) -> Option<EntityKind> {
        Some(EntityKind::Bill)
    }

    fn pending<'a>(
        &'a self,
        inner: &'a Inner,
        account: &'a Account,
    ) -> BoxFuture<'a, Result<bool, Error>> {
        Box::pin(inner.has_unanswered_orders(account))
    }

    fn pull<'a>(
        &'a self,
        inner: &'a Inner,
        account: &'a Account,
    ) -> BoxFuture<'a, Result<bool, Error>> {
        Box::pin(inner.pull_billing(account))
    }
}

impl Core {
    /// The current household's bills as last synced (unsettled first). Works offline.
    pub async fn bills(&self) -> Result<Vec<Bill>, Error> {
        let account = self.inner.current_account().await?;
        let membership = self.inner.current_membership(&account).await?;
        account.cache.bills_of(&membership).await
    }

    /// The current household's payment orders (payment history), newest first. Offline too.
    pub async fn payment_orders(&self) -> Result<Vec<PaymentOrder>, Error> {
        let account = self.inner.current_account().await?;
        self.inner.payment_history(&account).await
    }

    /// The current household's receipts, newest first. Works offline.
    pub async fn receipts(&self) -> Result<Vec<Receipt>, Error> {
        let account = self.inner.current_account().await?;
        let membership = self.inner.current_membership(&account).await?;
        account.cache.receipts_of(&membership).await
    }

    /// The community's published fee ledger, newest period first. Works offline.
    pub async fn ledger(&self) -> Result<Vec<LedgerPeriod>, Error> {
        let account = self.inner.current_account().await?;
        let membership = self.inner.current_membership(&account).await?;
        account.cache.ledger_of(&membership).await
    }

    /// Starts paying whole bills: creates the payment order (kept before it is sent, so it is
    /// never forgotten) and returns it with the provider action. Needs the network.
    pub async fn pay(
        &self,
        bill_ids: &[BillId],
        channel: PaymentChannel,
    ) -> Result<PaymentOrder, Error> {
        let account = self.inner.current_account().await?;
        let result = self.inner.pay(&account, bill_ids, channel).await;
        self.inner.events.data_changed(vec![EntityKind::Bill]);
        result
    }

    /// A payment order as the backend has it now (the cached copy offline). Poll it while
    /// the payment is open; its outcome is the backend's, never the app's guess.
    pub async fn payment_order(&self, id: PaymentOrderId) -> Result<PaymentOrder, Error> {
        let account = self.inner.current_account().await?;
        let order = self.inner.payment_order(&account, id).await?;
        if !order.state.is_open() {
            self.inner.events.data_changed(vec![EntityKind::Bill]);
        }
        Ok(order)
    }

    /// Waits for an order's outcome, asking the backend with growing pauses until it is final
    /// or [`FOLLOW_FOR`] has passed (then the order as last seen, still open).
    pub async fn follow_payment(&self, id: PaymentOrderId) -> Result<PaymentOrder, Error> {
        let account = self.inner.current_account().await?;
        let order = self.inner.follow_payment(&account, id).await?;
        if !order.state.is_open() {
            self.inner.events.data_changed(vec![EntityKind::Bill]);
        }
        Ok(order)
    }

    /// Cancels an unpaid payment order; its bills can be paid again.
    pub async fn cancel_payment(&self, id: PaymentOrderId) -> Result<PaymentOrder, Error> {
        let account = self.inner.current_account().await?;
        let order = self.inner.cancel_payment(&account, id).await?;
        self.inner.events.data_changed(vec![EntityKind::Bill]);
        Ok(order)
    }

    /// The demo provider's checkout page (HTML) of an order awaiting payment, fetched from
    /// the backend's own origin.
    pub async fn checkout_page(&self, id: PaymentOrderId) -> Result<String, Error> {
        let account = self.inner.current_account().await?;
        self.inner.checkout_page(&account, id).await
    }

    /// Sends the payer's choice from the checkout page (its form's URL, which must be the
    /// backend's `…/confirm` or `…/fail`) and returns the order afterwards.
    pub async fn checkout_action(
        &self,
        id: PaymentOrderId,
        action_url: &str,
    ) -> Result<PaymentOrder, Error> {
        let account = self.inner.current_account().await?;
        let order = self.inner.checkout_action(&account, id, action_url).await?;
        self.inner.events.data_changed(vec![EntityKind::Bill]);
        Ok(order)
    }
}
