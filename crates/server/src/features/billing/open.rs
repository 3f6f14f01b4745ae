//! Opening a payment order (`POST /v1/payment-orders` after its idempotency check): the
//! request's shape is checked first ([`check_request`], before the idempotency store is
//! asked), then, in the write's transaction, [`open_order`] sums the bills' due
//! amounts itself (409 `amount-changed` if the resident saw another total), refuses bills held
//! by an open order (409 `payment-in-progress`) or with nothing to pay, holds the bills and
//! opens the payment at the provider.

use linli_wire::ErrorCode;
use linli_wire::bills::{BillState, CreatePaymentOrder, PaymentChannel, PaymentOrder};
use linli_wire::limits;
use sqlx::SqliteConnection;
use uuid::Uuid;

use super::orders as payments;
use super::provider as demo;
use super::store::{BILL_COLUMNS, BillRow, render_bill};
use crate::error::{ApiError, ApiResult};

/// Refuses a request no order can be made of: 1 to [`limits::ORDER_MAX_BILLS`] distinct bills, the demo channel.
pub(crate) fn check_request(request: &CreatePaymentOrder) -> ApiResult<()> {
    if request.bill_ids.is_empty() || request.bill_ids.len() > limits::ORDER_MAX_BILLS {
        return Err(ApiError::invalid(
            "/bill_ids",
            "count",
            format!("choose 1 to {} bills", limits::ORDER_MAX_BILLS),
        ));
    }
    let mut unique = request.bill_ids.clone();
    unique.sort();
    unique.dedup();
    if unique.len() != request.bill_ids.len() {
        return Err(ApiError::invalid(
            "/bill_ids",
            "duplicate",
            "a bill is listed twice",
        ));
    }
    if request.channel != PaymentChannel::Demo {
        return Err(ApiError::invalid(
            "/channel",
            "unavailable",
            "this backend accepts the demo channel only",
        ));
    }
    Ok(())
}

/// Makes the order for `user` and answers it as the contract shows it.
pub(crate) async fn open_order(
    conn: &mut SqliteConnection,
    user: Uuid,
    request: &CreatePaymentOrder,
    origin: &str,
    now: i64,
) -> ApiResult<PaymentOrder> {
    // An order past its time must not hold bills nobody can pay any more.
    payments::expire_due(&mut *conn, now).await?;
    let home: Option<(String, String)> = sqlx::query_as(
        "SELECT unit_id, role FROM memberships WHERE id = ? AND user_id = ? AND state = 'active'",
    )
    .bind(request.membership_id.to_string())
    .bind(user.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    let (unit, role) = home.ok_or_else(|| ApiError::new(ErrorCode::MembershipRequired))?;
    crate::features::memberships::rules::require(&role, linli_wire::me::Action::PayBills)?;
    let taken: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM payment_orders WHERE id = ?)")
            .bind(request.id.to_string())
            .fetch_one(&mut *conn)
            .await?;
    if taken {
        return Err(ApiError::new(ErrorCode::AlreadyExists).detail("this order id is taken"));
    }
    let mut amounts = Vec::with_capacity(request.bill_ids.len());
    let mut currency = None;
    for id in &request.bill_ids {
        let row: Option<BillRow> = sqlx::query_as(&format!(
            "SELECT {BILL_COLUMNS} FROM bills WHERE id = ? AND unit_id = ?"
        ))
        .bind(id.to_string())
        .bind(&unit)
        .fetch_optional(&mut *conn)
        .await?;
        let row = row.ok_or_else(ApiError::not_found)?;
        // A tenant pays the tenant's bills only (the rights matrix).
        super::store::may_see_bill(&mut *conn, &role, &row.id).await?;
        if let Some(holder) = &row.open_order_id {
            return Err(ApiError::new(ErrorCode::PaymentInProgress)
                .detail("a payment for this bill is in progress; do not pay again")
                .order(holder.clone()));
        }
        let bill = render_bill(&mut *conn, row, now).await?;
        if matches!(bill.state, BillState::Paid | BillState::Void) || bill.due_minor <= 0 {
            return Err(
                ApiError::new(ErrorCode::AlreadyPaid).detail("this bill has nothing to pay")
            );
        }
        if currency.get_or_insert_with(|| bill.currency.clone()) != &bill.currency {
            return Err(ApiError::invalid(
                "/bill_ids",
                "currency",
                "bills in different currencies",
            ));
        }
        amounts.push(bill.due_minor);
    }
    let amount: i64 = amounts.iter().sum();
    let currency = currency.unwrap_or_else(|| linli_wire::bills::CNY.to_owned());
    if amount != request.amount_expected_minor || currency != request.currency {
        return Err(ApiError::new(ErrorCode::AmountChanged)
            .detail("the bills changed since you saw them; check the new total")
            .amount(amount));
    }
    let mut token = [0u8; 18];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut token);
    let token = base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, token);
    let expires = now + payments::ORDER_TTL.num_milliseconds();
    sqlx::query(
        "INSERT INTO payment_orders (id, membership_id, user_id, channel, amount_minor, currency,
            state, created_at, expires_at, checkout_token)
         VALUES (?, ?, ?, ?, ?, ?, 'awaiting_payment', ?, ?, ?)",
    )
    .bind(request.id.to_string())
    .bind(request.membership_id.to_string())
    .bind(user.to_string())
    .bind(payments::channel_str(request.channel))
    .bind(amount)
    .bind(&currency)
    .bind(now)
    .bind(expires)
    .bind(&token)
    .execute(&mut *conn)
    .await?;
    for (position, (id, due)) in request.bill_ids.iter().zip(&amounts).enumerate() {
        sqlx::query(
            "INSERT INTO payment_order_bills (order_id, bill_id, position, amount_minor)
             VALUES (?, ?, ?, ?)",
        )
        .bind(request.id.to_string())
        .bind(id.to_string())
        .bind(i64::try_from(position).unwrap_or(i64::MAX))
        .bind(due)
        .execute(&mut *conn)
        .await?;
        sqlx::query("UPDATE bills SET open_order_id = ? WHERE id = ?")
            .bind(request.id.to_string())
            .bind(id.to_string())
            .execute(&mut *conn)
            .await?;
    }
    demo::create(
        &mut *conn,
        &payments::out_trade_no(request.id.0),
        amount,
        &currency,
        now,
    )
    .await?;
    let row = payments::load(&mut *conn, request.id.0)
        .await?
        .ok_or_else(|| ApiError::internal("the new order vanished"))?;
    let order = payments::render(&mut *conn, &row, origin).await?;
    Ok(order)
}
