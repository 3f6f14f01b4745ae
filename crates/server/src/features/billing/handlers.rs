//! Bills, payment orders, receipts and the fee ledger, as residents see them.
//!
//! A resident sees the bills, receipts and ledger of the units and communities of their
//! active households, and the payment orders they made; anything else answers 404, never
//! 403, so ids of other households leak nothing. Staff-only columns (`staff_note`) are never
//! selected here.
//!
//! This file is the HTTP side of bills, payment orders and receipts (and the provider's
//! webhook); the SQL is in [`super::store`], the order state machine in [`super::orders`].

use super::open::{check_request, open_order};
use super::store::*;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use linli_wire::bills::{
    Bill, BillList, BillState, CreatePaymentOrder, DemoNotification, PaymentOrder,
    PaymentOrderList, Receipt, ReceiptList,
};
use linli_wire::{BillId, MembershipId, PaymentOrderId, Problem, ReceiptId};
use serde::Deserialize;
use utoipa::IntoParams;

use super::orders::{self as payments};
use super::provider as demo;
use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{AppJson, IdempotencyKey, Resident};
use crate::idempotency::{Begun, IdempotentWrite};

/// Query of the household-scoped lists.
/// Query of the household-scoped lists.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HouseholdQuery {
    /// Only this household's (else all of the resident's active households).
    pub membership_id: Option<MembershipId>,
}

/// The bills of the resident's households: unsettled first (earliest due first), then
/// settled ones, newest first. A tenant's list has only the tenant's bills (utilities,
/// parking).
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
    for home in &units {
        let rows = bills_of_unit(&mut tx, home).await?;
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

/// One bill with its lines.
#[utoipa::path(get, path = "/v1/bills/{id}", tag = "bills", security(("bearer" = [])),
    params(("id" = BillId, Path, description = "Bill id")),
    responses(
        (status = 200, description = "The bill", body = Bill),
        (status = 401, description = "`unauthenticated` or `token-expired`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`role-forbidden`: a tenant and a bill that is not the tenant's", body = Problem, content_type = "application/problem+json"),
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
        (status = 401, description = "`unauthenticated` or `token-expired`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`membership-required`, or `role-forbidden` (a tenant and a bill that is not the tenant's)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`: a bill is not this household's", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`amount-changed` (with `amount_minor`), `payment-in-progress` (with `order_id`), `already-paid`, or `already-exists`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation-failed` or `idempotency-key-reused`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_order(
    State(state): State<AppState>,
    resident: Resident,
    IdempotencyKey(key): IdempotencyKey,
    AppJson(request): AppJson<CreatePaymentOrder>,
) -> ApiResult<Response> {
    let now = state.clock.now_ms();
    check_request(&request)?;
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
    let order = open_order(
        &mut write.tx,
        resident.user_id,
        &request,
        &state.public_url,
        now,
    )
    .await?;
    write.created(order, now).await
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
    Path(id): Path<PaymentOrderId>,
) -> ApiResult<Json<PaymentOrder>> {
    let now = state.clock.now_ms();
    let mut tx = state.db.begin_with("BEGIN IMMEDIATE").await?;
    let row = own_order(&mut tx, resident.user_id, id.0, now).await?;
    let order = payments::render(&mut tx, &row, &state.public_url).await?;
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
    Query(query): Query<HouseholdQuery>,
) -> ApiResult<Json<PaymentOrderList>> {
    let now = state.clock.now_ms();
    let mut tx = state.db.begin_with("BEGIN IMMEDIATE").await?;
    // An order past its time must not hold bills nobody can pay any more.
    payments::expire_due(&mut tx, now).await?;
    let rows = orders_of(&mut tx, resident.user_id, query.membership_id).await?;
    let mut items = Vec::with_capacity(rows.len());
    for row in &rows {
        items.push(payments::render(&mut tx, row, &state.public_url).await?);
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
    Path(id): Path<PaymentOrderId>,
) -> ApiResult<Json<PaymentOrder>> {
    let now = state.clock.now_ms();
    let mut tx = state.db.begin_with("BEGIN IMMEDIATE").await?;
    let row = own_order(&mut tx, resident.user_id, id.0, now).await?;
    payments::cancel(&mut tx, &row, now).await?;
    let row = payments::load(&mut tx, id.0)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let order = payments::render(&mut tx, &row, &state.public_url).await?;
    tx.commit().await?;
    Ok(Json(order))
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
    for home in &units {
        let rows = receipts_of_unit(&mut conn, home).await?;
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
        (status = 403, description = "`role-forbidden`: a tenant and a receipt for the property fee", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn receipt(
    State(state): State<AppState>,
    resident: Resident,
    Path(id): Path<ReceiptId>,
) -> ApiResult<Json<Receipt>> {
    let mut conn = state.db.acquire().await?;
    let row = own_receipt(&mut conn, resident.user_id, id.0)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(render_receipt(&mut conn, row).await?))
}

/// A payment notification from the demo provider.
#[utoipa::path(post, path = "/v1/webhooks/payments/demo", tag = "bills",
    security(("demo_signature" = [])),
    request_body = DemoNotification,
    responses(
        (status = 204, description = "Applied, or a repeat that changes nothing"),
        (status = 400, description = "`bad-request`: not a notification", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthenticated`: missing, stale or wrong signature", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`: no such order", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation-failed`: amount or currency differ from the order", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn demo_webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<StatusCode> {
    let signature = headers
        .get(demo::SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok());
    super::notifications::receive_demo(&state, signature, &body).await?;
    Ok(StatusCode::NO_CONTENT)
}
