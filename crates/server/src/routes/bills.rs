//! Bills, payment orders, receipts and the fee ledger, as residents see them.
//!
//! A resident sees the bills, receipts and ledger of the units and communities of their
//! active households, and the payment orders they made; anything else answers 404, never
//! 403, so ids of other households leak nothing. Staff-only columns (`staff_note`) are never
//! selected here.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{Duration, NaiveDate};
use linli_wire::bills::{
    Bill, BillLine, BillList, BillState, CreatePaymentOrder, FeeItem, LedgerAttachment,
    LedgerDirection, LedgerLine, LedgerList, LedgerPeriod, MeterReading, PaymentChannel,
    PaymentOrder, PaymentOrderList, Receipt, ReceiptLine, ReceiptList,
};
use linli_wire::{
    BillId, BillLineId, CommunityId, ErrorCode, MembershipId, PaymentOrderId, Problem, ReceiptId,
    UnitId,
};
use serde::Deserialize;
use sqlx::SqliteConnection;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::AppState;
use crate::clock::from_ms;
use crate::error::{ApiError, ApiResult};
use crate::extract::{AppJson, IdempotencyKey, Resident};
use crate::idempotency::{Begun, IdempotentWrite};
use crate::payments::{self, OrderRow, demo};

/// Query of the household-scoped lists.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HouseholdQuery {
    /// Only this household's (else all of the resident's active households).
    pub membership_id: Option<MembershipId>,
}

/// `https://host:port` as the client reached us (for links we hand out): the HTTP/2
/// `:authority`, else the `Host` header.
#[derive(Clone, Debug)]
pub struct Origin(pub String);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Origin {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        let host = parts
            .uri
            .authority()
            .map(|a| a.as_str().to_owned())
            .or_else(|| {
                parts
                    .headers
                    .get(header::HOST)
                    .and_then(|h| h.to_str().ok())
                    .map(str::to_owned)
            })
            .filter(|h| {
                h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '-' | '[' | ']'))
            })
            .unwrap_or_else(|| "127.0.0.1".to_owned());
        Ok(Self(format!("https://{host}")))
    }
}

/// Units of the resident's active households (one, when `membership` is given).
async fn units_of(
    conn: &mut SqliteConnection,
    user: Uuid,
    membership: Option<MembershipId>,
) -> ApiResult<Vec<String>> {
    let units: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT unit_id FROM memberships
         WHERE user_id = ? AND state = 'active' AND (? IS NULL OR id = ?)",
    )
    .bind(user.to_string())
    .bind(membership.map(|m| m.to_string()))
    .bind(membership.map(|m| m.to_string()))
    .fetch_all(&mut *conn)
    .await?;
    if units.is_empty() && membership.is_some() {
        return Err(ApiError::new(ErrorCode::MembershipRequired));
    }
    Ok(units)
}

fn date(text: &str) -> sqlx::Result<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|err| sqlx::Error::Decode(Box::new(err)))
}

fn fee_item(text: &str) -> FeeItem {
    serde_json::from_value(serde_json::Value::String(text.to_owned())).unwrap_or(FeeItem::Other)
}

/// The community's calendar day at `now_ms` (Beijing, UTC+8 all year).
pub(crate) fn community_today(now_ms: i64) -> NaiveDate {
    (from_ms(now_ms) + Duration::hours(8)).date_naive()
}

#[derive(sqlx::FromRow)]
struct BillRow {
    id: String,
    unit_id: String,
    title: String,
    period_from: String,
    period_to: String,
    issued_at: i64,
    due_date: String,
    currency: String,
    voided_at: Option<i64>,
    paid_at: Option<i64>,
    open_order_id: Option<String>,
}

#[derive(sqlx::FromRow)]
struct LineRow {
    id: String,
    fee_item: String,
    name: String,
    period_from: String,
    period_to: String,
    quantity: String,
    unit: String,
    unit_price: String,
    months: Option<i64>,
    meter_previous: Option<String>,
    meter_current: Option<String>,
    meter_read_on: Option<String>,
    amount_minor: i64,
    penalty_minor: i64,
    discount_minor: i64,
    paid_minor: i64,
    note: Option<String>,
}

const BILL_COLUMNS: &str = "id, unit_id, title, period_from, period_to, issued_at, due_date, \
                            currency, voided_at, paid_at, open_order_id";

async fn render_bill(conn: &mut SqliteConnection, row: BillRow, now_ms: i64) -> ApiResult<Bill> {
    let lines: Vec<LineRow> = sqlx::query_as(
        "SELECT id, fee_item, name, period_from, period_to, quantity, unit, unit_price, months,
            meter_previous, meter_current, meter_read_on, amount_minor, penalty_minor,
            discount_minor, paid_minor, note
         FROM bill_lines WHERE bill_id = ? ORDER BY position",
    )
    .bind(&row.id)
    .fetch_all(&mut *conn)
    .await?;
    let mut total = 0i64;
    let mut paid = 0i64;
    let mut rendered = Vec::with_capacity(lines.len());
    for line in lines {
        let gross = line.amount_minor + line.penalty_minor - line.discount_minor;
        total += gross;
        paid += line.paid_minor;
        let meter = match (line.meter_previous, line.meter_current, line.meter_read_on) {
            (Some(previous), Some(current), Some(read_on)) => Some(MeterReading {
                previous,
                current,
                read_on: date(&read_on)?,
            }),
            _ => None,
        };
        rendered.push(BillLine {
            id: BillLineId(crate::db::parse_id(&line.id)?),
            fee_item: fee_item(&line.fee_item),
            name: line.name,
            period_from: date(&line.period_from)?,
            period_to: date(&line.period_to)?,
            quantity: line.quantity,
            unit: line.unit,
            unit_price: line.unit_price,
            months: line.months.and_then(|m| u32::try_from(m).ok()),
            meter,
            amount_minor: line.amount_minor,
            penalty_minor: line.penalty_minor,
            discount_minor: line.discount_minor,
            paid_minor: line.paid_minor,
            due_minor: gross - line.paid_minor,
            note: line.note,
        });
    }
    let due_date = date(&row.due_date)?;
    let state = if row.voided_at.is_some() {
        BillState::Void
    } else if paid >= total {
        BillState::Paid
    } else if paid > 0 {
        BillState::PartiallyPaid
    } else {
        BillState::Unpaid
    };
    let settled = matches!(state, BillState::Paid | BillState::Void);
    Ok(Bill {
        id: BillId(crate::db::parse_id(&row.id)?),
        unit_id: UnitId(crate::db::parse_id(&row.unit_id)?),
        title: row.title,
        period_from: date(&row.period_from)?,
        period_to: date(&row.period_to)?,
        issued_at: from_ms(row.issued_at),
        due_date,
        state,
        overdue: !settled && community_today(now_ms) > due_date,
        currency: row.currency,
        total_minor: total,
        paid_minor: paid,
        due_minor: if row.voided_at.is_some() {
            0
        } else {
            total - paid
        },
        lines: rendered,
        open_order_id: row
            .open_order_id
            .as_deref()
            .map(crate::db::parse_id)
            .transpose()?
            .map(PaymentOrderId),
        paid_at: row.paid_at.map(from_ms),
    })
}

/// The bills of the resident's households: unsettled first (earliest due first), then
/// settled ones, newest first.
#[utoipa::path(get, path = "/v1/bills", tag = "bills", security(("bearer" = [])),
    params(HouseholdQuery),
    responses(
        (status = 200, description = "The bills", body = BillList),
        (status = 401, description = "`unauthenticated` or `token-expired`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`membership-required`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_bills(
    State(state): State<AppState>,
    resident: Resident,
    Query(query): Query<HouseholdQuery>,
) -> ApiResult<Json<BillList>> {
    let now = state.clock.now_ms();
    let mut tx = state.db.begin_with("BEGIN IMMEDIATE").await?;
    // An order past its time must not hold bills nobody can pay any more.
    payments::expire_due(&mut tx, now).await?;
    let units = units_of(&mut tx, resident.user_id, query.membership_id).await?;
    let mut items = Vec::new();
    for unit in units {
        let rows: Vec<BillRow> = sqlx::query_as(&format!(
            "SELECT {BILL_COLUMNS} FROM bills WHERE unit_id = ?"
        ))
        .bind(&unit)
        .fetch_all(&mut *tx)
        .await?;
        for row in rows {
            items.push(render_bill(&mut tx, row, now).await?);
        }
    }
    tx.commit().await?;
    items.sort_by(|a, b| {
        let settled = |b: &Bill| matches!(b.state, BillState::Paid | BillState::Void);
        settled(a).cmp(&settled(b)).then_with(|| {
            if settled(a) {
                b.due_date.cmp(&a.due_date)
            } else {
                a.due_date.cmp(&b.due_date)
            }
        })
    });
    Ok(Json(BillList { items }))
}

async fn own_bill(conn: &mut SqliteConnection, user: Uuid, id: Uuid) -> ApiResult<Option<BillRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {BILL_COLUMNS} FROM bills WHERE id = ? AND unit_id IN
            (SELECT unit_id FROM memberships WHERE user_id = ? AND state = 'active')"
    ))
    .bind(id.to_string())
    .bind(user.to_string())
    .fetch_optional(&mut *conn)
    .await?)
}

/// One bill with its lines.
#[utoipa::path(get, path = "/v1/bills/{id}", tag = "bills", security(("bearer" = [])),
    params(("id" = BillId, Path, description = "Bill id")),
    responses(
        (status = 200, description = "The bill", body = Bill),
        (status = 401, description = "`unauthenticated` or `token-expired`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found` (also for another household's bill)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn bill(
    State(state): State<AppState>,
    resident: Resident,
    Path(id): Path<BillId>,
) -> ApiResult<Json<Bill>> {
    let now = state.clock.now_ms();
    let mut tx = state.db.begin_with("BEGIN IMMEDIATE").await?;
    // An order past its time must not hold bills nobody can pay any more.
    payments::expire_due(&mut tx, now).await?;
    let row = own_bill(&mut tx, resident.user_id, id.0)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let bill = render_bill(&mut tx, row, now).await?;
    tx.commit().await?;
    Ok(Json(bill))
}

/// Creates a payment order for whole bills and opens the payment at the provider.
#[utoipa::path(post, path = "/v1/payment-orders", tag = "bills", security(("bearer" = [])),
    request_body = CreatePaymentOrder,
    params(("Idempotency-Key" = String, Header, description = "RFC 8941 string naming this write")),
    responses(
        (status = 201, description = "Created; `client_action` says how to pay", body = PaymentOrder),
        (status = 200, description = "Replayed (`Idempotent-Replayed: true`)", body = PaymentOrder),
        (status = 401, description = "`unauthenticated` or `token-expired`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`membership-required`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`: a bill is not this household's", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`amount-changed` (with `amount_minor`), `payment-in-progress` (with `order_id`), `already-paid`, or `already-exists`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation-failed` or `idempotency-key-reused`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_order(
    State(state): State<AppState>,
    resident: Resident,
    Origin(origin): Origin,
    IdempotencyKey(key): IdempotencyKey,
    AppJson(request): AppJson<CreatePaymentOrder>,
) -> ApiResult<Response> {
    let now = state.clock.now_ms();
    if request.bill_ids.is_empty() || request.bill_ids.len() > 24 {
        return Err(ApiError::invalid(
            "/bill_ids",
            "count",
            "choose 1 to 24 bills",
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
    let mut write = match IdempotentWrite::begin(
        &state,
        resident.user_id,
        &key,
        ("POST", "/v1/payment-orders"),
        &request,
    )
    .await?
    {
        Begun::Replay(stored) => return Ok(stored.into_response()),
        Begun::Fresh(write) => write,
    };
    let tx = &mut *write.tx;
    // An order past its time must not hold bills nobody can pay any more.
    payments::expire_due(&mut *tx, now).await?;
    let unit: Option<String> = sqlx::query_scalar(
        "SELECT unit_id FROM memberships WHERE id = ? AND user_id = ? AND state = 'active'",
    )
    .bind(request.membership_id.to_string())
    .bind(resident.user_id.to_string())
    .fetch_optional(&mut *tx)
    .await?;
    let unit = unit.ok_or_else(|| ApiError::new(ErrorCode::MembershipRequired))?;
    let taken: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM payment_orders WHERE id = ?)")
            .bind(request.id.to_string())
            .fetch_one(&mut *tx)
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
        .fetch_optional(&mut *tx)
        .await?;
        let row = row.ok_or_else(ApiError::not_found)?;
        if let Some(holder) = &row.open_order_id {
            return Err(ApiError::new(ErrorCode::PaymentInProgress)
                .detail("a payment for this bill is in progress; do not pay again")
                .order(holder.clone()));
        }
        let bill = render_bill(&mut *tx, row, now).await?;
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
    .bind(resident.user_id.to_string())
    .bind(payments::channel_str(request.channel))
    .bind(amount)
    .bind(&currency)
    .bind(now)
    .bind(expires)
    .bind(&token)
    .execute(&mut *tx)
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
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE bills SET open_order_id = ? WHERE id = ?")
            .bind(request.id.to_string())
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
    }
    demo::create(
        &mut *tx,
        &payments::out_trade_no(request.id.0),
        amount,
        &currency,
        now,
    )
    .await?;
    let row = payments::load(&mut *tx, request.id.0)
        .await?
        .ok_or_else(|| ApiError::internal("the new order vanished"))?;
    let order = payments::render(&mut *tx, &row, &origin).await?;
    write.created(order, now).await
}

async fn own_order(
    conn: &mut SqliteConnection,
    user: Uuid,
    id: Uuid,
    now_ms: i64,
) -> ApiResult<OrderRow> {
    let owner: Option<String> =
        sqlx::query_scalar("SELECT user_id FROM payment_orders WHERE id = ?")
            .bind(id.to_string())
            .fetch_optional(&mut *conn)
            .await?;
    if owner.as_deref() != Some(user.to_string().as_str()) {
        return Err(ApiError::not_found());
    }
    payments::refresh(conn, id, now_ms, false)
        .await?
        .ok_or_else(ApiError::not_found)
}

/// One payment order. While it is open the backend asks the provider (at most every few
/// seconds), so a lost notification costs nothing.
#[utoipa::path(get, path = "/v1/payment-orders/{id}", tag = "bills", security(("bearer" = [])),
    params(("id" = PaymentOrderId, Path, description = "Order id")),
    responses(
        (status = 200, description = "The order", body = PaymentOrder),
        (status = 401, description = "`unauthenticated` or `token-expired`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn order(
    State(state): State<AppState>,
    resident: Resident,
    Origin(origin): Origin,
    Path(id): Path<PaymentOrderId>,
) -> ApiResult<Json<PaymentOrder>> {
    let now = state.clock.now_ms();
    let mut tx = state.db.begin_with("BEGIN IMMEDIATE").await?;
    let row = own_order(&mut tx, resident.user_id, id.0, now).await?;
    let order = payments::render(&mut tx, &row, &origin).await?;
    tx.commit().await?;
    Ok(Json(order))
}

/// The resident's payment orders (payment history), newest first.
#[utoipa::path(get, path = "/v1/payment-orders", tag = "bills", security(("bearer" = [])),
    params(HouseholdQuery),
    responses(
        (status = 200, description = "The orders", body = PaymentOrderList),
        (status = 401, description = "`unauthenticated` or `token-expired`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_orders(
    State(state): State<AppState>,
    resident: Resident,
    Origin(origin): Origin,
    Query(query): Query<HouseholdQuery>,
) -> ApiResult<Json<PaymentOrderList>> {
    let now = state.clock.now_ms();
    let mut tx = state.db.begin_with("BEGIN IMMEDIATE").await?;
    // An order past its time must not hold bills nobody can pay any more.
    payments::expire_due(&mut tx, now).await?;
    let rows: Vec<OrderRow> = sqlx::query_as(
        "SELECT * FROM payment_orders WHERE user_id = ? AND (? IS NULL OR membership_id = ?)
         ORDER BY created_at DESC, id DESC LIMIT 200",
    )
    .bind(resident.user_id.to_string())
    .bind(query.membership_id.map(|m| m.to_string()))
    .bind(query.membership_id.map(|m| m.to_string()))
    .fetch_all(&mut *tx)
    .await?;
    let mut items = Vec::with_capacity(rows.len());
    for row in &rows {
        items.push(payments::render(&mut tx, row, &origin).await?);
    }
    tx.commit().await?;
    Ok(Json(PaymentOrderList { items }))
}

/// Cancels an unpaid order; its bills can be paid again. If the payer was faster, the order
/// is returned succeeded instead.
#[utoipa::path(post, path = "/v1/payment-orders/{id}/cancel", tag = "bills", security(("bearer" = [])),
    params(("id" = PaymentOrderId, Path, description = "Order id")),
    responses(
        (status = 200, description = "The order afterwards (`canceled`, or final already)", body = PaymentOrder),
        (status = 401, description = "`unauthenticated` or `token-expired`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn cancel_order(
    State(state): State<AppState>,
    resident: Resident,
    Origin(origin): Origin,
    Path(id): Path<PaymentOrderId>,
) -> ApiResult<Json<PaymentOrder>> {
    let now = state.clock.now_ms();
    let mut tx = state.db.begin_with("BEGIN IMMEDIATE").await?;
    let row = own_order(&mut tx, resident.user_id, id.0, now).await?;
    payments::cancel(&mut tx, &row, now).await?;
    let row = payments::load(&mut tx, id.0)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let order = payments::render(&mut tx, &row, &origin).await?;
    tx.commit().await?;
    Ok(Json(order))
}

#[derive(sqlx::FromRow)]
struct ReceiptRow {
    id: String,
    number: String,
    order_id: String,
    unit_id: String,
    payer: String,
    issuer: String,
    community: String,
    unit_label: String,
    amount_minor: i64,
    currency: String,
    channel: String,
    provider_txn_id: String,
    paid_at: i64,
}

async fn render_receipt(conn: &mut SqliteConnection, row: ReceiptRow) -> ApiResult<Receipt> {
    let lines: Vec<(String, String, String, String, String, i64)> = sqlx::query_as(
        "SELECT bill_id, bill_line_id, name, period_from, period_to, amount_minor
         FROM receipt_lines WHERE receipt_id = ? ORDER BY position",
    )
    .bind(&row.id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(Receipt {
        id: ReceiptId(crate::db::parse_id(&row.id)?),
        number: row.number,
        order_id: PaymentOrderId(crate::db::parse_id(&row.order_id)?),
        unit_id: UnitId(crate::db::parse_id(&row.unit_id)?),
        payer: row.payer,
        issuer: row.issuer,
        community: row.community,
        unit: row.unit_label,
        lines: lines
            .into_iter()
            .map(|(bill, line, name, from, to, amount_minor)| {
                Ok(ReceiptLine {
                    bill_id: BillId(crate::db::parse_id(&bill)?),
                    bill_line_id: BillLineId(crate::db::parse_id(&line)?),
                    name,
                    period_from: date(&from)?,
                    period_to: date(&to)?,
                    amount_minor,
                })
            })
            .collect::<sqlx::Result<_>>()?,
        amount_minor: row.amount_minor,
        currency: row.currency,
        channel: payments::parse_channel(&row.channel),
        provider_txn_id: row.provider_txn_id,
        paid_at: from_ms(row.paid_at),
    })
}

/// Receipts of the resident's households, newest first.
#[utoipa::path(get, path = "/v1/receipts", tag = "bills", security(("bearer" = [])),
    params(HouseholdQuery),
    responses(
        (status = 200, description = "The receipts", body = ReceiptList),
        (status = 401, description = "`unauthenticated` or `token-expired`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`membership-required`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_receipts(
    State(state): State<AppState>,
    resident: Resident,
    Query(query): Query<HouseholdQuery>,
) -> ApiResult<Json<ReceiptList>> {
    let mut conn = state.db.acquire().await?;
    let units = units_of(&mut conn, resident.user_id, query.membership_id).await?;
    let mut items = Vec::new();
    for unit in units {
        let rows: Vec<ReceiptRow> =
            sqlx::query_as("SELECT * FROM receipts WHERE unit_id = ? ORDER BY paid_at DESC")
                .bind(&unit)
                .fetch_all(&mut *conn)
                .await?;
        for row in rows {
            items.push(render_receipt(&mut conn, row).await?);
        }
    }
    items.sort_by_key(|r| std::cmp::Reverse(r.paid_at));
    Ok(Json(ReceiptList { items }))
}

/// One receipt.
#[utoipa::path(get, path = "/v1/receipts/{id}", tag = "bills", security(("bearer" = [])),
    params(("id" = ReceiptId, Path, description = "Receipt id")),
    responses(
        (status = 200, description = "The receipt", body = Receipt),
        (status = 401, description = "`unauthenticated` or `token-expired`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn receipt(
    State(state): State<AppState>,
    resident: Resident,
    Path(id): Path<ReceiptId>,
) -> ApiResult<Json<Receipt>> {
    let mut conn = state.db.acquire().await?;
    let row: Option<ReceiptRow> = sqlx::query_as(
        "SELECT * FROM receipts WHERE id = ? AND unit_id IN
            (SELECT unit_id FROM memberships WHERE user_id = ? AND state = 'active')",
    )
    .bind(id.to_string())
    .bind(resident.user_id.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    let row = row.ok_or_else(ApiError::not_found)?;
    Ok(Json(render_receipt(&mut conn, row).await?))
}

/// The published fee ledger of the resident's communities, newest period first.
#[utoipa::path(get, path = "/v1/ledger", tag = "bills", security(("bearer" = [])),
    params(HouseholdQuery),
    responses(
        (status = 200, description = "Published periods", body = LedgerList),
        (status = 401, description = "`unauthenticated` or `token-expired`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`membership-required`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn ledger(
    State(state): State<AppState>,
    resident: Resident,
    Query(query): Query<HouseholdQuery>,
) -> ApiResult<Json<LedgerList>> {
    let mut conn = state.db.acquire().await?;
    let units = units_of(&mut conn, resident.user_id, query.membership_id).await?;
    let mut communities: Vec<String> = Vec::new();
    for unit in &units {
        let community: String = sqlx::query_scalar("SELECT community_id FROM units WHERE id = ?")
            .bind(unit)
            .fetch_one(&mut *conn)
            .await?;
        if !communities.contains(&community) {
            communities.push(community);
        }
    }
    let mut items = Vec::new();
    for community in communities {
        let periods: Vec<(String, String, String, String, i64, String)> = sqlx::query_as(
            "SELECT period, title, period_from, period_to, published_at, currency
             FROM ledger_periods WHERE community_id = ? ORDER BY period_from DESC",
        )
        .bind(&community)
        .fetch_all(&mut *conn)
        .await?;
        for (period, title, from, to, published_at, currency) in periods {
            let lines: Vec<(String, String, String, i64, Option<String>)> = sqlx::query_as(
                "SELECT direction, category, name, amount_minor, note FROM ledger_lines
                 WHERE community_id = ? AND period = ? ORDER BY position",
            )
            .bind(&community)
            .bind(&period)
            .fetch_all(&mut *conn)
            .await?;
            let attachments: Vec<(i64, String, String, i64)> = sqlx::query_as(
                "SELECT position, name, media_type, length(content) FROM ledger_attachments
                 WHERE community_id = ? AND period = ? ORDER BY position",
            )
            .bind(&community)
            .bind(&period)
            .fetch_all(&mut *conn)
            .await?;
            let lines: Vec<LedgerLine> = lines
                .into_iter()
                .map(
                    |(direction, category, name, amount_minor, note)| LedgerLine {
                        direction: if direction == "income" {
                            LedgerDirection::Income
                        } else {
                            LedgerDirection::Expense
                        },
                        category,
                        name,
                        amount_minor,
                        note,
                    },
                )
                .collect();
            let sum = |d: LedgerDirection| -> i64 {
                lines
                    .iter()
                    .filter(|l| l.direction == d)
                    .map(|l| l.amount_minor)
                    .sum()
            };
            let income = sum(LedgerDirection::Income);
            let expense = sum(LedgerDirection::Expense);
            items.push(LedgerPeriod {
                community_id: CommunityId(crate::db::parse_id(&community)?),
                attachments: attachments
                    .into_iter()
                    .map(|(position, name, media_type, size)| LedgerAttachment {
                        href: format!("/v1/ledger/{community}/{period}/attachments/{position}"),
                        name,
                        media_type,
                        size: u64::try_from(size).unwrap_or(0),
                    })
                    .collect(),
                period,
                title,
                period_from: date(&from)?,
                period_to: date(&to)?,
                published_at: from_ms(published_at),
                currency,
                income_minor: income,
                expense_minor: expense,
                balance_minor: income - expense,
                lines,
            });
        }
    }
    Ok(Json(LedgerList { items }))
}

/// A document published with a ledger period.
#[utoipa::path(get, path = "/v1/ledger/{community_id}/{period}/attachments/{position}", tag = "bills",
    security(("bearer" = [])),
    params(
        ("community_id" = CommunityId, Path, description = "Community"),
        ("period" = String, Path, description = "Period key, e.g. 2026-Q3"),
        ("position" = i64, Path, description = "Attachment number"),
    ),
    responses(
        (status = 200, description = "The file, with its media type"),
        (status = 401, description = "`unauthenticated` or `token-expired`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn ledger_attachment(
    State(state): State<AppState>,
    resident: Resident,
    Path((community, period, position)): Path<(CommunityId, String, i64)>,
) -> ApiResult<Response> {
    let row: Option<(String, String, Vec<u8>)> = sqlx::query_as(
        "SELECT a.name, a.media_type, a.content FROM ledger_attachments a
         WHERE a.community_id = ? AND a.period = ? AND a.position = ? AND a.community_id IN
            (SELECT u.community_id FROM memberships m JOIN units u ON u.id = m.unit_id
             WHERE m.user_id = ? AND m.state = 'active')",
    )
    .bind(community.to_string())
    .bind(&period)
    .bind(position)
    .bind(resident.user_id.to_string())
    .fetch_optional(&state.db)
    .await?;
    let (name, media_type, content) = row.ok_or_else(ApiError::not_found)?;
    let disposition = format!(
        "attachment; filename=\"ledger-{position}\"; filename*=UTF-8''{}",
        percent_encode(&name)
    );
    Ok((
        [
            (header::CONTENT_TYPE, media_type),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        content,
    )
        .into_response())
}

/// RFC 5987 percent-encoding of a file name.
fn percent_encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
