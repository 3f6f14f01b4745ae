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

use linli_wire::bills::{
    Bill, BillList, CreatePaymentOrder, LedgerList, LedgerPeriod, PaymentChannel, PaymentOrder,
    PaymentOrderList, Receipt, ReceiptList,
};
use linli_wire::me::Membership;
use linli_wire::{BillId, ErrorCode, PaymentOrderId, Problem};

use crate::error::{Error, StorageContext};
use crate::http::Call;
use crate::inner::{Account, Inner};
use crate::store::cache::Cache;

/// How long [`crate::Core::follow_payment`] waits for an open order to become final; after that
/// the order is still followed by every sync, and the bills say it is in progress.
pub const FOLLOW_FOR: std::time::Duration = std::time::Duration::from_secs(120);
const FOLLOW_FIRST_PAUSE: std::time::Duration = std::time::Duration::from_millis(500);
const FOLLOW_MAX_PAUSE: std::time::Duration = std::time::Duration::from_secs(5);

fn encode<T: serde::Serialize>(value: &T, what: &str) -> Result<String, Error> {
    serde_json::to_string(value).map_err(|err| Error::Internal(format!("encode {what}: {err}")))
}

fn decode<T: serde::de::DeserializeOwned>(json: &str) -> Option<T> {
    serde_json::from_str(json).ok()
}

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

/// What a household's cached billing holds, to tell whether a sync changed it.
async fn snapshot(
    conn: &mut sqlx::SqliteConnection,
    membership: &Membership,
) -> Result<Vec<String>, Error> {
    sqlx::query_scalar(
        "SELECT data FROM bills WHERE unit_id = ?1
         UNION ALL SELECT coalesce(data, '') FROM payment_orders WHERE membership_id = ?2
         UNION ALL SELECT data FROM receipts WHERE unit_id = ?1",
    )
    .bind(membership.unit.id.to_string())
    .bind(membership.id.to_string())
    .fetch_all(&mut *conn)
    .await
    .storage("read bills")
}

/// Stores the backend's view of an order; an order the backend knows no longer needs its
/// request kept.
async fn upsert_order(
    conn: &mut sqlx::SqliteConnection,
    order: &PaymentOrder,
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO payment_orders (id, membership_id, created_at_ms, request, data)
         VALUES (?, ?, ?, NULL, ?)
         ON CONFLICT (id) DO UPDATE SET request = NULL, data = excluded.data",
    )
    .bind(order.id.to_string())
    .bind(order.membership_id.to_string())
    .bind(order.created_at.timestamp_millis())
    .bind(encode(order, "a payment order")?)
    .execute(&mut *conn)
    .await
    .storage("store a payment order")?;
    Ok(())
}

impl Cache {
    /// Replaces what the backend lists for one household; true when anything changed.
    pub(crate) async fn replace_billing(
        &self,
        membership: &Membership,
        bills: &[Bill],
        orders: &[PaymentOrder],
        receipts: &[Receipt],
        ledger: &[LedgerPeriod],
    ) -> Result<bool, Error> {
        let unit = membership.unit.id.to_string();
        let mut tx = crate::store::write_tx(&self.pool)
            .await
            .storage("store bills")?;
        let before = snapshot(&mut tx, membership).await?;
        sqlx::query("DELETE FROM bills WHERE unit_id = ?")
            .bind(&unit)
            .execute(&mut *tx)
            .await
            .storage("store bills")?;
        for bill in bills {
            sqlx::query("INSERT INTO bills (id, unit_id, due_date, data) VALUES (?, ?, ?, ?)")
                .bind(bill.id.to_string())
                .bind(&unit)
                .bind(bill.due_date.to_string())
                .bind(encode(bill, "a bill")?)
                .execute(&mut *tx)
                .await
                .storage("store bills")?;
        }
        for order in orders {
            upsert_order(&mut tx, order).await?;
        }
        sqlx::query("DELETE FROM receipts WHERE unit_id = ?")
            .bind(&unit)
            .execute(&mut *tx)
            .await
            .storage("store receipts")?;
        for receipt in receipts {
            sqlx::query("INSERT INTO receipts (id, unit_id, paid_at_ms, data) VALUES (?, ?, ?, ?)")
                .bind(receipt.id.to_string())
                .bind(&unit)
                .bind(receipt.paid_at.timestamp_millis())
                .bind(encode(receipt, "a receipt")?)
                .execute(&mut *tx)
                .await
                .storage("store receipts")?;
        }
        sqlx::query("DELETE FROM ledger WHERE community_id = ?")
            .bind(membership.community.id.to_string())
            .execute(&mut *tx)
            .await
            .storage("store the ledger")?;
        for period in ledger {
            sqlx::query("INSERT INTO ledger (community_id, period, data) VALUES (?, ?, ?)")
                .bind(period.community_id.to_string())
                .bind(&period.period)
                .bind(encode(period, "a ledger period")?)
                .execute(&mut *tx)
                .await
                .storage("store the ledger")?;
        }
        let after = snapshot(&mut tx, membership).await?;
        tx.commit().await.storage("store bills")?;
        Ok(before != after)
    }

    /// The unit's bills as last synced: unsettled first, as the backend ordered them.
    pub(crate) async fn bills_of(&self, membership: &Membership) -> Result<Vec<Bill>, Error> {
        let rows: Vec<String> =
            sqlx::query_scalar("SELECT data FROM bills WHERE unit_id = ? ORDER BY rowid")
                .bind(membership.unit.id.to_string())
                .fetch_all(&self.pool)
                .await
                .storage("read bills")?;
        Ok(rows.iter().filter_map(|r| decode(r)).collect())
    }

    /// The household's payment orders, newest first (ones not yet answered included).
    pub(crate) async fn orders_of(
        &self,
        membership: &Membership,
    ) -> Result<
        Vec<(
            PaymentOrderId,
            Option<CreatePaymentOrder>,
            Option<PaymentOrder>,
        )>,
        Error,
    > {
        let rows: Vec<(String, Option<String>, Option<String>)> = sqlx::query_as(
            "SELECT id, request, data FROM payment_orders WHERE membership_id = ?
             ORDER BY created_at_ms DESC, id DESC",
        )
        .bind(membership.id.to_string())
        .fetch_all(&self.pool)
        .await
        .storage("read payment orders")?;
        Ok(rows
            .into_iter()
            .filter_map(|(id, request, data)| {
                let id = id.parse().ok().map(PaymentOrderId)?;
                Some((
                    id,
                    request.as_deref().and_then(decode),
                    data.as_deref().and_then(decode),
                ))
            })
            .collect())
    }

    /// Keeps a payment order's request before it is sent.
    pub(crate) async fn remember_order(
        &self,
        request: &CreatePaymentOrder,
        now_ms: i64,
    ) -> Result<(), Error> {
        sqlx::query(
            "INSERT INTO payment_orders (id, membership_id, created_at_ms, request, data)
             VALUES (?, ?, ?, ?, NULL)",
        )
        .bind(request.id.to_string())
        .bind(request.membership_id.to_string())
        .bind(now_ms)
        .bind(encode(request, "a payment order")?)
        .execute(&self.pool)
        .await
        .storage("remember a payment")?;
        Ok(())
    }

    /// Stores the backend's view of an order (its request is no longer needed).
    pub(crate) async fn store_order(&self, order: &PaymentOrder) -> Result<(), Error> {
        let mut conn = self.pool.acquire().await.storage("store a payment order")?;
        upsert_order(&mut conn, order).await
    }

    /// Forgets an order the backend refused outright (it never existed there).
    pub(crate) async fn forget_order(&self, id: PaymentOrderId) -> Result<(), Error> {
        sqlx::query("DELETE FROM payment_orders WHERE id = ? AND data IS NULL")
            .bind(id.to_string())
            .execute(&self.pool)
            .await
            .storage("forget a payment")?;
        Ok(())
    }

    /// The unit's receipts, newest first.
    pub(crate) async fn receipts_of(&self, membership: &Membership) -> Result<Vec<Receipt>, Error> {
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT data FROM receipts WHERE unit_id = ? ORDER BY paid_at_ms DESC",
        )
        .bind(membership.unit.id.to_string())
        .fetch_all(&self.pool)
        .await
        .storage("read receipts")?;
        Ok(rows.iter().filter_map(|r| decode(r)).collect())
    }

    /// The community's published ledger, newest period first.
    pub(crate) async fn ledger_of(
        &self,
        membership: &Membership,
    ) -> Result<Vec<LedgerPeriod>, Error> {
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT data FROM ledger WHERE community_id = ? ORDER BY period DESC",
        )
        .bind(membership.community.id.to_string())
        .fetch_all(&self.pool)
        .await
        .storage("read the ledger")?;
        Ok(rows.iter().filter_map(|r| decode(r)).collect())
    }
}

impl Inner {
    /// The current household, in full.
    pub(crate) async fn current_membership(&self, account: &Account) -> Result<Membership, Error> {
        let id = self
            .app
            .household(account.user_id)
            .await?
            .ok_or_else(|| Error::MembershipRequired("choose a household first".into()))?;
        account
            .cache
            .memberships()
            .await?
            .into_iter()
            .find(|m| m.id == id)
            .ok_or_else(|| Error::MembershipRequired("choose a household first".into()))
    }

    /// Sends orders whose answer never arrived (same id and key: at most one order), then
    /// pulls the household's bills, orders, receipts and ledger. True when anything changed.
    pub(crate) async fn pull_billing(&self, account: &Account) -> Result<bool, Error> {
        let Ok(membership) = self.current_membership(account).await else {
            return Ok(false);
        };
        for (id, request, answered) in account.cache.orders_of(&membership).await? {
            if let (Some(request), None) = (request, answered) {
                match self.send_order(account, &request).await {
                    Ok(_) | Err(Error::Api { .. }) => {}
                    Err(err) => return Err(err),
                }
                tracing::info!(%id, "a payment order's answer was lost; sent again");
            }
        }
        let household = membership.id.to_string();
        let mut orders: PaymentOrderList = self
            .authed(
                account,
                &Call::get("/v1/payment-orders").query("membership_id", household.clone()),
            )
            .await?
            .json("the payment orders")?;
        // Follow open orders one by one: that GET makes the backend ask the provider, so a
        // payment finished while the app was closed (and its notification lost) shows up.
        for order in orders.items.iter_mut().filter(|o| o.state.is_open()) {
            *order = self
                .authed(
                    account,
                    &Call::get(format!("/v1/payment-orders/{}", order.id)),
                )
                .await?
                .json("the payment order")?;
        }
        // Bills after orders: an order that just became final has settled them.
        let bills: BillList = self
            .authed(
                account,
                &Call::get("/v1/bills").query("membership_id", household.clone()),
            )
            .await?
            .json("the bills")?;
        let receipts: ReceiptList = self
            .authed(
                account,
                &Call::get("/v1/receipts").query("membership_id", household.clone()),
            )
            .await?
            .json("the receipts")?;
        let ledger: LedgerList = self
            .authed(
                account,
                &Call::get("/v1/ledger").query("membership_id", household),
            )
            .await?
            .json("the ledger")?;
        account
            .cache
            .replace_billing(
                &membership,
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

    /// The path and `t` of a demo checkout URL, if it is on the backend's own origin.
    fn checkout_target(&self, url: &str, id: PaymentOrderId) -> Result<(String, String), Error> {
        let parsed = url::Url::parse(url)
            .map_err(|_| Error::BadResponse("a checkout URL that is not a URL".into()))?;
        let base =
            url::Url::parse(&self.base_url).map_err(|_| Error::Internal("base URL".into()))?;
        let same_origin = parsed.scheme() == base.scheme()
            && parsed.host_str() == base.host_str()
            && parsed.port_or_known_default() == base.port_or_known_default();
        let prefix = format!("/demo-pay/{id}");
        if !same_origin || !parsed.path().starts_with(&prefix) {
            return Err(Error::BadResponse(
                "the checkout is not on this backend".into(),
            ));
        }
        let token = parsed
            .query_pairs()
            .find(|(k, _)| k == "t")
            .map(|(_, v)| v.into_owned())
            .ok_or_else(|| Error::BadResponse("the checkout URL has no token".into()))?;
        Ok((parsed.path().to_owned(), token))
    }

    /// The demo provider's checkout page (HTML) for an order awaiting payment.
    pub(crate) async fn checkout_page(
        &self,
        account: &Account,
        id: PaymentOrderId,
    ) -> Result<String, Error> {
        let order = self.payment_order(account, id).await?;
        let Some(linli_wire::bills::ClientAction::DemoConfirm { url }) = order.client_action else {
            return Err(refused(
                ErrorCode::InvalidTransition,
                "this order cannot be paid any more",
            ));
        };
        let (path, token) = self.checkout_target(&url, id)?;
        let reply = self
            .http
            .send(&Call::get(path).query("t", token), None, self.now())
            .await?;
        Ok(String::from_utf8_lossy(reply.body()).into_owned())
    }

    /// Posts the payer's choice from the checkout page (`…/confirm` or `…/fail`), then asks
    /// the backend how the order stands.
    pub(crate) async fn checkout_action(
        &self,
        account: &Account,
        id: PaymentOrderId,
        action_url: &str,
    ) -> Result<PaymentOrder, Error> {
        let (path, token) = self.checkout_target(action_url, id)?;
        if !(path.ends_with("/confirm") || path.ends_with("/fail")) {
            return Err(Error::BadResponse("not a checkout action".into()));
        }
        match self
            .http
            .send(&Call::post_empty(path).query("t", token), None, self.now())
            .await
        {
            Ok(_) | Err(Error::Api { .. }) => {}
            Err(err) => return Err(err),
        }
        self.payment_order(account, id).await
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
