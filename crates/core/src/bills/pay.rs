//! Paying: creating an order (kept before it is sent), following it to the backend's outcome,
//! cancelling it, and the billing pull that also re-sends an order whose answer was lost.

use super::{FOLLOW_FIRST_PAUSE, FOLLOW_FOR, FOLLOW_MAX_PAUSE, refused};
use crate::error::Error;
use crate::http::Call;
use crate::inner::{Account, Inner};
use linli_wire::bills::{
    BillList, CreatePaymentOrder, LedgerList, PaymentChannel, PaymentOrder, PaymentOrderList,
    ReceiptList,
};
use linli_wire::me::Action;
use linli_wire::{BillId, ErrorCode, PaymentOrderId};

impl Inner {
    /// Sends orders whose answer never arrived (same id and key: at most one order), then
    /// pulls every active household's bills, orders, receipts and ledger, each list with
    /// `If-None-Match` (an unchanged one answers 304). True when anything changed. An open
    /// order's outcome arrives through the feed (a `bill` change), or by `follow_payment`
    /// while the resident waits for it; it is not asked for here.
    pub(crate) async fn pull_billing(&self, account: &Account) -> Result<bool, Error> {
        let mut changed = false;
        for membership in account.cache.memberships().await? {
            if membership.state == linli_wire::me::MembershipState::Active {
                changed |= self.pull_home_billing(account, &membership).await?;
            }
        }
        Ok(changed)
    }

    /// Whether an order was sent whose answer never arrived (it is sent again at each sync).
    pub(crate) async fn has_unanswered_orders(&self, account: &Account) -> Result<bool, Error> {
        for membership in account.cache.memberships().await? {
            let orders = account.cache.orders_of(&membership).await?;
            if orders
                .iter()
                .any(|(_, request, answered)| request.is_some() && answered.is_none())
            {
                return Ok(true);
            }
        }
        Ok(false)
    }

    async fn pull_home_billing(
        &self,
        account: &Account,
        membership: &linli_wire::me::Membership,
    ) -> Result<bool, Error> {
        for (id, request, answered) in account.cache.orders_of(membership).await? {
            if let (Some(request), None) = (request, answered) {
                match self.send_order(account, &request).await {
                    Ok(_) | Err(Error::Api { .. }) => {}
                    Err(err) => return Err(err),
                }
                tracing::info!(%id, "a payment order's answer was lost; sent again");
            }
        }
        let household = membership.id.to_string();
        let list = |path: &'static str| Call::get(path).query("membership_id", household.clone());
        let orders: PaymentOrderList = self
            .get_kept_json(account, list("/v1/payment-orders"), "the payment orders")
            .await?;
        // Bills after orders: an order that just became final has settled them.
        let bills: BillList = self
            .get_kept_json(account, list("/v1/bills"), "the bills")
            .await?;
        let receipts: ReceiptList = self
            .get_kept_json(account, list("/v1/receipts"), "the receipts")
            .await?;
        // The fee ledger is for the members the backend lets pay the property fee (its
        // `allowed` says so); for the others there is none to keep.
        let ledger = if membership.allowed.contains(&Action::PayPropertyFee) {
            self.get_kept_json::<LedgerList>(account, list("/v1/ledger"), "the ledger")
                .await?
        } else {
            LedgerList { items: Vec::new() }
        };
        account
            .cache
            .replace_billing(
                membership,
                &bills.items,
                &orders.items,
                &receipts.items,
                &ledger.items,
            )
            .await
    }

    /// Posts an order. A refusal (4xx) means no order exists: its request is forgotten.
    async fn send_order(
        &self,
        account: &Account,
        request: &CreatePaymentOrder,
    ) -> Result<PaymentOrder, Error> {
        let call = Call::post("/v1/payment-orders", request)?.idempotent(request.id.0);
        match self.authed(account, &call).await {
            Ok(reply) => {
                let order: PaymentOrder = reply.json("the payment order")?;
                account.cache.store_order(&order).await?;
                Ok(order)
            }
            Err(err @ Error::Api { status, .. }) if (400..500).contains(&status) => {
                account.cache.forget_order(request.id).await?;
                Err(err)
            }
            Err(err) => Err(err),
        }
    }

    /// Starts paying whole bills of the current household.
    pub(crate) async fn pay(
        &self,
        account: &Account,
        bill_ids: &[BillId],
        channel: PaymentChannel,
    ) -> Result<PaymentOrder, Error> {
        if bill_ids.is_empty() {
            return Err(Error::Invalid("choose the bills to pay".into()));
        }
        let membership = self.current_membership(account).await?;
        let bills = account.cache.bills_of(&membership).await?;
        // An order we sent whose answer we never saw may hold these bills: find out first.
        let unanswered = account
            .cache
            .orders_of(&membership)
            .await?
            .into_iter()
            .any(|(_, request, answered)| request.is_some() && answered.is_none());
        if unanswered {
            self.pull_billing(account).await?;
            return Err(refused(
                ErrorCode::PaymentInProgress,
                "an earlier payment is still being confirmed; check your payment history",
            ));
        }
        let mut amount = 0;
        let mut currency = None;
        for id in bill_ids {
            let bill = bills
                .iter()
                .find(|b| b.id == *id)
                .ok_or_else(|| Error::NotFound(format!("bill {id}")))?;
            if bill.open_order_id.is_some() {
                return Err(refused(
                    ErrorCode::PaymentInProgress,
                    "a payment for this bill is in progress; do not pay again",
                ));
            }
            if bill.due_minor <= 0 {
                return Err(refused(
                    ErrorCode::AlreadyPaid,
                    "this bill has nothing to pay",
                ));
            }
            amount += bill.due_minor;
            currency.get_or_insert_with(|| bill.currency.clone());
        }
        let request = CreatePaymentOrder {
            id: PaymentOrderId(self.ids.new_id()),
            membership_id: membership.id,
            bill_ids: bill_ids.to_vec(),
            channel,
            amount_expected_minor: amount,
            currency: currency.unwrap_or_else(|| linli_wire::bills::CNY.to_owned()),
        };
        account
            .cache
            .remember_order(&request, self.now().timestamp_millis())
            .await?;
        let result = self.send_order(account, &request).await;
        if let Err(Error::Api { problem, .. }) = &result
            && problem.code == ErrorCode::AmountChanged
        {
            // Show the new total: refresh the bills before the resident looks again.
            self.pull_billing(account).await?;
        }
        result
    }

    /// The order as the backend has it now (it asks the provider); the cached one offline.
    /// Follows an order until it is final (or [`FOLLOW_FOR`] has passed): the backend's answer
    /// each time, never a guess; offline spells are waited out.
    pub(crate) async fn follow_payment(
        &self,
        account: &Account,
        id: PaymentOrderId,
    ) -> Result<PaymentOrder, Error> {
        // Measured and waited on the injected clock: the limit is the payer's time.
        let started = self.now();
        let limit = chrono::TimeDelta::from_std(FOLLOW_FOR).unwrap_or(chrono::TimeDelta::MAX);
        let mut pause = FOLLOW_FIRST_PAUSE;
        loop {
            let latest = match self.payment_order(account, id).await {
                Ok(order) if !order.state.is_open() => return Ok(order),
                Ok(order) => Ok(order),
                Err(err @ Error::Offline(_)) => Err(err),
                Err(err) => return Err(err),
            };
            if self.now() - started >= limit {
                return latest;
            }
            self.clock.sleep(pause).await;
            pause = (pause * 3 / 2).min(FOLLOW_MAX_PAUSE);
        }
    }

    pub(crate) async fn payment_order(
        &self,
        account: &Account,
        id: PaymentOrderId,
    ) -> Result<PaymentOrder, Error> {
        match self
            .authed(account, &Call::get(format!("/v1/payment-orders/{id}")))
            .await
        {
            Ok(reply) => {
                let order: PaymentOrder = reply.json("the payment order")?;
                let was = self.cached_order(account, id).await?;
                account.cache.store_order(&order).await?;
                if was.map(|w| w.state) != Some(order.state) && !order.state.is_open() {
                    // Final now: bills and receipts changed with it.
                    self.pull_billing(account).await?;
                }
                Ok(order)
            }
            Err(Error::Offline(reason)) => self
                .cached_order(account, id)
                .await?
                .ok_or(Error::Offline(reason)),
            Err(err) => Err(err),
        }
    }

    async fn cached_order(
        &self,
        account: &Account,
        id: PaymentOrderId,
    ) -> Result<Option<PaymentOrder>, Error> {
        let membership = self.current_membership(account).await?;
        Ok(account
            .cache
            .orders_of(&membership)
            .await?
            .into_iter()
            .find(|(o, ..)| *o == id)
            .and_then(|(_, _, order)| order))
    }

    /// Cancels an unpaid order.
    pub(crate) async fn cancel_payment(
        &self,
        account: &Account,
        id: PaymentOrderId,
    ) -> Result<PaymentOrder, Error> {
        let order: PaymentOrder = self
            .authed(
                account,
                &Call::post_empty(format!("/v1/payment-orders/{id}/cancel")),
            )
            .await?
            .json("the payment order")?;
        account.cache.store_order(&order).await?;
        self.pull_billing(account).await?;
        Ok(order)
    }

    /// The household's payment orders the backend answered, newest first (cache).
    pub(crate) async fn payment_history(
        &self,
        account: &Account,
    ) -> Result<Vec<PaymentOrder>, Error> {
        let membership = self.current_membership(account).await?;
        Ok(account
            .cache
            .orders_of(&membership)
            .await?
            .into_iter()
            .filter_map(|(.., order)| order)
            .collect())
    }
}
