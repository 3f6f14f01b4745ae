//! Payment orders: how a resident's money settles bills, exactly once.
//!
//! Invariants:
//! - An order's amount is the backend's own sum of its bills' due amounts; the resident's
//!   expected amount is only compared (409 `amount-changed`).
//! - While an order is open (`awaiting_payment`, `processing`) its bills carry
//!   `open_order_id`, and no other order may take them (409 `payment-in-progress`).
//! - The state moves on provider facts only: a signed notification or the backend's own query
//!   of the provider. Each fact is applied once: notifications are deduplicated on their event
//!   id in the same transaction that applies them, and settling a succeeded order is a no-op.
//! - An unpaid order past `expires_at` is closed at the provider first; if the payer was
//!   faster, it is a success. A success that arrives after the order expired (`late`) settles
//!   the bills if they are still unpaid and not held by another order; otherwise the money is
//!   refunded (`refund.reason = bills_already_paid`). Money is never kept without a receipt
//!   and never dropped.

use chrono::Duration;
use linli_wire::bills::{
    ClientAction, PaymentChannel, PaymentOrder, PaymentOrderState, Refund, RefundReason,
};
use linli_wire::{BillId, MembershipId, PaymentOrderId, ReceiptId};
use sqlx::SqliteConnection;
use uuid::Uuid;

use super::provider as demo;
use crate::clock::from_ms;
use crate::error::{ApiError, ApiResult};

/// How long an unpaid order stays payable.
pub const ORDER_TTL: Duration = Duration::minutes(15);
/// The backend asks the provider at most this often per order while following it.
pub const QUERY_INTERVAL_MS: i64 = 5_000;

/// `out_trade_no` of an order: its UUID as 32 hex digits (WeChat allows 6–32 characters).
pub fn out_trade_no(id: Uuid) -> String {
    id.simple().to_string()
}

/// The order id behind an `out_trade_no`.
pub fn order_of_trade_no(out_trade_no: &str) -> Option<Uuid> {
    Uuid::try_parse(out_trade_no).ok()
}

pub(crate) fn state_str(state: PaymentOrderState) -> &'static str {
    match state {
        PaymentOrderState::AwaitingPayment => "awaiting_payment",
        PaymentOrderState::Processing => "processing",
        PaymentOrderState::Succeeded => "succeeded",
        PaymentOrderState::Failed => "failed",
        PaymentOrderState::Canceled => "canceled",
        PaymentOrderState::Expired => "expired",
        PaymentOrderState::Refunded => "refunded",
        PaymentOrderState::Other => "other",
    }
}

fn parse_state(text: &str) -> PaymentOrderState {
    serde_json::from_value(serde_json::Value::String(text.to_owned()))
        .unwrap_or(PaymentOrderState::Other)
}

pub(crate) fn channel_str(channel: PaymentChannel) -> &'static str {
    match channel {
        PaymentChannel::WechatApp => "wechat_app",
        PaymentChannel::AlipayApp => "alipay_app",
        PaymentChannel::Stripe => "stripe",
        PaymentChannel::Demo => "demo",
        PaymentChannel::Other => "other",
    }
}

pub(crate) fn parse_channel(text: &str) -> PaymentChannel {
    serde_json::from_value(serde_json::Value::String(text.to_owned()))
        .unwrap_or(PaymentChannel::Other)
}

/// An order row.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct OrderRow {
    /// Order id.
    pub id: String,
    /// Household paying.
    pub membership_id: String,
    /// Resident who created it.
    pub user_id: String,
    /// Channel (snake_case).
    pub channel: String,
    /// Amount the backend computed.
    pub amount_minor: i64,
    /// ISO 4217.
    pub currency: String,
    /// State (snake_case).
    pub state: String,
    /// Created (ms).
    pub created_at: i64,
    /// Unpaid orders expire at (ms).
    pub expires_at: i64,
    /// When the provider took the money (ms).
    pub paid_at: Option<i64>,
    /// The provider's transaction id.
    pub provider_txn_id: Option<String>,
    /// The receipt, once succeeded.
    pub receipt_id: Option<String>,
    /// Why the provider declined.
    pub failure_reason: Option<String>,
    /// 1 when the money arrived after expiry.
    pub late: i64,
    /// Amount refunded.
    pub refund_minor: Option<i64>,
    /// Why it was refunded.
    pub refund_reason: Option<String>,
    /// When (ms).
    pub refunded_at: Option<i64>,
    /// When the provider was last asked (ms).
    pub queried_at: Option<i64>,
    /// Secret of the demo checkout URL.
    pub checkout_token: String,
}

impl OrderRow {
    pub(crate) fn state(&self) -> PaymentOrderState {
        parse_state(&self.state)
    }
    pub(crate) fn uuid(&self) -> sqlx::Result<Uuid> {
        crate::db::parse_id(&self.id)
    }
}

/// Loads an order.
pub async fn load(conn: &mut SqliteConnection, id: Uuid) -> sqlx::Result<Option<OrderRow>> {
    sqlx::query_as("SELECT * FROM payment_orders WHERE id = ?")
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await
}

/// The checkout page of an order at the demo provider, under the server's configured public
/// URL (never a request's `Host`). The secret is a path segment, not a query: the request log
/// writes only route templates (`crate::router`), so it never sees it.
pub fn demo_checkout_url(public_url: &str, row: &OrderRow) -> String {
    format!("{public_url}/demo-pay/{}/{}", row.id, row.checkout_token)
}

/// Renders an order for its resident. `origin` is the server's public URL
/// ([`crate::AppState::public_url`]).
pub async fn render(
    conn: &mut SqliteConnection,
    row: &OrderRow,
    origin: &str,
) -> sqlx::Result<PaymentOrder> {
    let bills: Vec<String> = sqlx::query_scalar(
        "SELECT bill_id FROM payment_order_bills WHERE order_id = ? ORDER BY position",
    )
    .bind(&row.id)
    .fetch_all(&mut *conn)
    .await?;
    let state = row.state();
    let channel = parse_channel(&row.channel);
    let client_action = (state == PaymentOrderState::AwaitingPayment).then(|| match channel {
        PaymentChannel::Demo => ClientAction::DemoConfirm {
            url: demo_checkout_url(origin, row),
        },
        _ => ClientAction::Other,
    });
    let refund = match (row.refund_minor, row.refunded_at) {
        (Some(amount_minor), Some(at)) => Some(Refund {
            amount_minor,
            reason: serde_json::from_value(serde_json::Value::String(
                row.refund_reason.clone().unwrap_or_default(),
            ))
            .unwrap_or(RefundReason::Other),
            refunded_at: from_ms(at),
        }),
        _ => None,
    };
    Ok(PaymentOrder {
        id: PaymentOrderId(row.uuid()?),
        membership_id: MembershipId(crate::db::parse_id(&row.membership_id)?),
        bill_ids: bills
            .iter()
            .map(|b| crate::db::parse_id(b).map(BillId))
            .collect::<sqlx::Result<_>>()?,
        amount_minor: row.amount_minor,
        currency: row.currency.clone(),
        channel,
        state,
        client_action,
        created_at: from_ms(row.created_at),
        expires_at: from_ms(row.expires_at),
        paid_at: row.paid_at.map(from_ms),
        provider_txn_id: row.provider_txn_id.clone(),
        receipt_id: row
            .receipt_id
            .as_deref()
            .map(crate::db::parse_id)
            .transpose()?
            .map(ReceiptId),
        failure_reason: row.failure_reason.clone(),
        late: row.late != 0,
        refund,
    })
}

async fn set_state(
    conn: &mut SqliteConnection,
    id: &str,
    state: PaymentOrderState,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE payment_orders SET state = ? WHERE id = ?")
        .bind(state_str(state))
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Lets the order's bills be paid by another order (it ended: failed, expired, cancelled or
/// refunded), and says so in the change log.
async fn release(conn: &mut SqliteConnection, id: &str, now_ms: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE bills SET open_order_id = NULL WHERE open_order_id = ?")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    changed(conn, id, now_ms).await
}

/// Records in the change log that the billing of the order's home changed (an order created
/// or ended, bills settled, a receipt issued), for the home's active members: one `bill` row
/// naming the unit, which the feed delivers as "re-read this home's billing". Every write of
/// an order passes here.
pub(crate) async fn changed(
    conn: &mut SqliteConnection,
    order: &str,
    now_ms: i64,
) -> sqlx::Result<()> {
    let unit: Option<String> = sqlx::query_scalar(
        "SELECT m.unit_id FROM payment_orders o JOIN memberships m ON m.id = o.membership_id
         WHERE o.id = ?",
    )
    .bind(order)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(unit) = unit.and_then(|u| Uuid::parse_str(&u).ok()) else {
        return Ok(());
    };
    crate::changes::record(
        conn,
        linli_wire::sync::EntityKind::Bill,
        unit,
        linli_wire::sync::ChangeOp::Upsert,
        crate::changes::Scope::Unit(unit),
        now_ms,
    )
    .await?;
    Ok(())
}

/// Brings an open order up to date with the provider: at most every
/// [`QUERY_INTERVAL_MS`] while it is payable (`force` skips the wait), and always once it is
/// past `expires_at` (closing it at the provider, or finding the payer was faster).
pub async fn refresh(
    conn: &mut SqliteConnection,
    id: Uuid,
    now_ms: i64,
    force: bool,
) -> ApiResult<Option<OrderRow>> {
    let Some(row) = load(conn, id).await? else {
        return Ok(None);
    };
    if !row.state().is_open() {
        return Ok(Some(row));
    }
    let expired = now_ms >= row.expires_at;
    let recently = row
        .queried_at
        .is_some_and(|at| now_ms - at < QUERY_INTERVAL_MS);
    if !expired && recently && !force {
        return Ok(Some(row));
    }
    sqlx::query("UPDATE payment_orders SET queried_at = ? WHERE id = ?")
        .bind(now_ms)
        .bind(&row.id)
        .execute(&mut *conn)
        .await?;
    let trade_no = out_trade_no(row.uuid()?);
    let payment = if expired {
        demo::close(conn, &trade_no).await?
    } else {
        demo::query(conn, &trade_no).await?
    };
    match payment {
        Some(p) if p.state == "SUCCESS" => settle_from_provider(conn, &row, &p, now_ms).await?,
        Some(p) if p.state == "PAYERROR" => {
            apply_failure(conn, &row, "支付未成功", now_ms).await?;
        }
        _ if expired => {
            set_state(conn, &row.id, PaymentOrderState::Expired).await?;
            release(conn, &row.id, now_ms).await?;
        }
        _ => {}
    }
    Ok(load(conn, id).await?)
}

/// Cancels an open order: closed at the provider first; if the payer was faster, the order
/// succeeds instead.
pub async fn cancel(conn: &mut SqliteConnection, row: &OrderRow, now_ms: i64) -> ApiResult<()> {
    if !row.state().is_open() {
        return Ok(());
    }
    match demo::close(conn, &out_trade_no(row.uuid()?)).await? {
        Some(p) if p.state == "SUCCESS" => settle_from_provider(conn, row, &p, now_ms).await,
        _ => {
            set_state(conn, &row.id, PaymentOrderState::Canceled).await?;
            release(conn, &row.id, now_ms).await?;
            Ok(())
        }
    }
}

/// Applies what the provider's books say was paid.
async fn settle_from_provider(
    conn: &mut SqliteConnection,
    row: &OrderRow,
    payment: &demo::ProviderPayment,
    now_ms: i64,
) -> ApiResult<()> {
    apply_success(
        conn,
        row,
        payment.txn_id.as_deref().unwrap_or_default(),
        payment.paid_at.unwrap_or(now_ms),
        payment.amount_minor,
        &payment.currency,
        now_ms,
    )
    .await
}

/// The provider declined the payment: nothing was taken; the bills are free again.
pub async fn apply_failure(
    conn: &mut SqliteConnection,
    row: &OrderRow,
    reason: &str,
    now_ms: i64,
) -> sqlx::Result<()> {
    if !row.state().is_open() {
        return Ok(());
    }
    sqlx::query("UPDATE payment_orders SET state = 'failed', failure_reason = ? WHERE id = ?")
        .bind(reason)
        .bind(&row.id)
        .execute(&mut *conn)
        .await?;
    release(conn, &row.id, now_ms).await
}

/// The provider took the money. Settles the bills and issues the receipt, or, for a late
/// payment whose bills were settled meanwhile, refunds it. Applying it twice changes nothing.
pub async fn apply_success(
    conn: &mut SqliteConnection,
    row: &OrderRow,
    txn_id: &str,
    paid_at: i64,
    amount_minor: i64,
    currency: &str,
    now_ms: i64,
) -> ApiResult<()> {
    let state = row.state();
    if matches!(
        state,
        PaymentOrderState::Succeeded | PaymentOrderState::Refunded
    ) {
        return Ok(());
    }
    if amount_minor != row.amount_minor || currency != row.currency {
        // A fake or broken notification: never settle bills on it.
        return Err(ApiError::invalid(
            "/amount_minor",
            "amount-mismatch",
            "the paid amount does not match the order",
        ));
    }
    let late = !state.is_open();
    // (bill id, paid at, voided at, held by order)
    type HeldBill = (String, Option<i64>, Option<i64>, Option<String>);
    let bills: Vec<HeldBill> = sqlx::query_as(
        "SELECT b.id, b.paid_at, b.voided_at, b.open_order_id FROM payment_order_bills ob
         JOIN bills b ON b.id = ob.bill_id WHERE ob.order_id = ? ORDER BY ob.position",
    )
    .bind(&row.id)
    .fetch_all(&mut *conn)
    .await?;
    let settleable = bills.iter().all(|(_, paid, voided, holder)| {
        paid.is_none() && voided.is_none() && holder.as_deref().is_none_or(|h| h == row.id)
    });
    sqlx::query(
        "UPDATE payment_orders SET paid_at = ?, provider_txn_id = ?, late = ? WHERE id = ?",
    )
    .bind(paid_at)
    .bind(txn_id)
    .bind(i64::from(late))
    .bind(&row.id)
    .execute(&mut *conn)
    .await?;
    if !settleable {
        demo::refund(conn, &out_trade_no(row.uuid()?)).await?;
        sqlx::query(
            "UPDATE payment_orders SET state = 'refunded', refund_minor = ?, refund_reason = ?,
                refunded_at = ? WHERE id = ?",
        )
        .bind(amount_minor)
        .bind("bills_already_paid")
        .bind(now_ms)
        .bind(&row.id)
        .execute(&mut *conn)
        .await?;
        release(conn, &row.id, now_ms).await?;
        return Ok(());
    }
    for (bill, ..) in &bills {
        sqlx::query(
            "UPDATE bill_lines SET paid_minor = amount_minor + penalty_minor - discount_minor
             WHERE bill_id = ?",
        )
        .bind(bill)
        .execute(&mut *conn)
        .await?;
        sqlx::query("UPDATE bills SET paid_at = ?, open_order_id = NULL WHERE id = ?")
            .bind(paid_at)
            .bind(bill)
            .execute(&mut *conn)
            .await?;
    }
    let receipt = issue_receipt(conn, row, txn_id, paid_at).await?;
    sqlx::query("UPDATE payment_orders SET state = 'succeeded', receipt_id = ? WHERE id = ?")
        .bind(receipt.to_string())
        .bind(&row.id)
        .execute(&mut *conn)
        .await?;
    changed(conn, &row.id, now_ms).await?;
    Ok(())
}

async fn issue_receipt(
    conn: &mut SqliteConnection,
    row: &OrderRow,
    txn_id: &str,
    paid_at: i64,
) -> sqlx::Result<Uuid> {
    let id = Uuid::now_v7();
    let day = (from_ms(paid_at) + Duration::hours(8))
        .format("%Y%m%d")
        .to_string();
    let seq: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM receipts WHERE number LIKE ?")
        .bind(format!("SJ{day}%"))
        .fetch_one(&mut *conn)
        .await?;
    let number = format!("SJ{day}{:04}", seq + 1);
    let (payer, unit_id, community, company, building, entrance, room): (
        String,
        String,
        String,
        String,
        String,
        String,
        String,
    ) = sqlx::query_as(
        "SELECT us.display_name, un.id, c.name, c.property_company, un.building, un.entrance, un.room
         FROM memberships m JOIN users us ON us.id = m.user_id
         JOIN units un ON un.id = m.unit_id JOIN communities c ON c.id = un.community_id
         WHERE m.id = ?",
    )
    .bind(&row.membership_id)
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO receipts (id, number, order_id, unit_id, payer, issuer, community, unit_label,
            amount_minor, currency, channel, provider_txn_id, paid_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(id.to_string())
    .bind(&number)
    .bind(&row.id)
    .bind(&unit_id)
    .bind(&payer)
    .bind(&company)
    .bind(&community)
    .bind(format!("{building}{entrance}{room}"))
    .bind(row.amount_minor)
    .bind(&row.currency)
    .bind(&row.channel)
    .bind(txn_id)
    .bind(paid_at)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO receipt_lines (receipt_id, position, bill_id, bill_line_id, name, period_from,
            period_to, amount_minor)
         SELECT ?, ROW_NUMBER() OVER (ORDER BY ob.position, l.position), l.bill_id, l.id, l.name,
            l.period_from, l.period_to, l.amount_minor + l.penalty_minor - l.discount_minor
         FROM payment_order_bills ob JOIN bill_lines l ON l.bill_id = ob.bill_id
         WHERE ob.order_id = ?",
    )
    .bind(id.to_string())
    .bind(&row.id)
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

/// Asks the provider about every open order not asked recently (at most every
/// [`QUERY_INTERVAL_MS`]): a payment whose notification was lost is found by the backend
/// itself, and its outcome reaches the payer's devices through the change feed, without any
/// app asking for the order.
pub async fn follow_open(conn: &mut SqliteConnection, now_ms: i64) -> ApiResult<usize> {
    let open: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM payment_orders WHERE state IN ('awaiting_payment', 'processing')",
    )
    .fetch_all(&mut *conn)
    .await?;
    for id in &open {
        refresh(conn, crate::db::parse_id(id)?, now_ms, false).await?;
    }
    Ok(open.len())
}

/// Expires every open order past its time (housekeeping; a GET does the same for one order).
pub async fn expire_due(conn: &mut SqliteConnection, now_ms: i64) -> ApiResult<usize> {
    let due: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM payment_orders
         WHERE state IN ('awaiting_payment', 'processing') AND expires_at <= ?",
    )
    .bind(now_ms)
    .fetch_all(&mut *conn)
    .await?;
    for id in &due {
        refresh(conn, crate::db::parse_id(id)?, now_ms, true).await?;
    }
    Ok(due.len())
}
