//! The billing tables of a household: bills, payment orders (with the request of one not yet
//! answered), receipts and the community's ledger, replaced together on each sync.

use crate::error::{Error, StorageContext};
use crate::store::cache::Cache;
use linli_wire::PaymentOrderId;
use linli_wire::bills::{Bill, CreatePaymentOrder, LedgerPeriod, PaymentOrder, Receipt};
use linli_wire::me::Membership;

fn encode<T: serde::Serialize>(value: &T, what: &str) -> Result<String, Error> {
    serde_json::to_string(value).map_err(|err| Error::Internal(format!("encode {what}: {err}")))
}

fn decode<T: serde::de::DeserializeOwned>(json: &str) -> Option<T> {
    serde_json::from_str(json).ok()
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

/// A home no longer active takes its bills, receipts, ledger, payment_orders with it.
impl crate::sync::HomeData for super::BillingPull {
    fn home_kind(&self) -> linli_wire::sync::EntityKind {
        linli_wire::sync::EntityKind::Bill
    }

    fn forget_ended<'a>(
        &'a self,
        conn: &'a mut sqlx::SqliteConnection,
    ) -> futures::future::BoxFuture<'a, Result<bool, Error>> {
        Box::pin(async move {
            let mut gone = 0;
            gone += sqlx::query(&format!(
                "DELETE FROM bills WHERE unit_id NOT IN ({})",
                crate::auth::ACTIVE_UNITS
            ))
            .execute(&mut *conn)
            .await
            .storage("forget a home's bills")?
            .rows_affected();
            gone += sqlx::query(&format!(
                "DELETE FROM receipts WHERE unit_id NOT IN ({})",
                crate::auth::ACTIVE_UNITS
            ))
            .execute(&mut *conn)
            .await
            .storage("forget a home's receipts")?
            .rows_affected();
            gone += sqlx::query(&format!(
                "DELETE FROM ledger WHERE community_id NOT IN ({})",
                crate::auth::ACTIVE_COMMUNITIES
            ))
            .execute(&mut *conn)
            .await
            .storage("forget a home's ledger")?
            .rows_affected();
            // An order not yet answered stays: its answer is still to be learned.
            gone += sqlx::query(&format!(
                "DELETE FROM payment_orders WHERE membership_id NOT IN ({}) AND data IS NOT NULL",
                crate::auth::ACTIVE_MEMBERSHIPS
            ))
            .execute(&mut *conn)
            .await
            .storage("forget a home's payment_orders")?
            .rows_affected();
            Ok(gone > 0)
        })
    }
}
