//! The bills' and receipts' SQL, as residents see them: the units of a resident's active
//! households, a bill with its lines, a receipt with its lines, and the lookups that answer
//! 404 for anything that is not the resident's. What a role sees of its home's bills is the
//! memberships feature's rights matrix: a tenant sees only the tenant's bills and receipts. Staff-only columns (`staff_note`) are never
//! selected here.

use chrono::NaiveDate;
use linli_wire::bills::{Bill, BillLine, BillState, FeeItem, MeterReading, Receipt, ReceiptLine};
use linli_wire::{BillId, BillLineId, ErrorCode, MembershipId, PaymentOrderId, ReceiptId, UnitId};
use sqlx::SqliteConnection;
use uuid::Uuid;

use super::orders::{self as payments, OrderRow};
use crate::clock::{community_today, from_ms};
use crate::error::{ApiError, ApiResult};
use crate::features::memberships::rules;
use linli_wire::me::Action;

/// A unit of one of the resident's active households, and whether their role there sees
/// every bill (else only the tenant's: the rights matrix, `memberships::rules`).
pub(crate) struct HomeUnit {
    pub(crate) unit: String,
    pub(crate) sees_all: bool,
}

/// Units of the resident's active households (one, when `membership` is given).
pub(crate) async fn units_of(
    conn: &mut SqliteConnection,
    user: Uuid,
    membership: Option<MembershipId>,
) -> ApiResult<Vec<HomeUnit>> {
    let units: Vec<(String, String)> = sqlx::query_as(
        "SELECT unit_id, role FROM memberships
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
    Ok(units
        .into_iter()
        .map(|(unit, role)| HomeUnit {
            unit,
            sees_all: rules::sees_all_bills(&role),
        })
        .collect())
}

/// SQL true when the bill `bill` (a column or `?`) is the tenant's: all its lines are utility
/// or parking items.
fn tenants_bill_sql(bill: &str) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM bill_lines tl WHERE tl.bill_id = {bill}
            AND tl.fee_item NOT IN ({}))",
        rules::tenant_items_sql()
    )
}

/// SQL true when the receipt `receipt` (a column) pays only the tenant's items.
fn tenants_receipt_sql(receipt: &str) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM receipt_lines trl JOIN bill_lines tl ON tl.id = trl.bill_line_id
            WHERE trl.receipt_id = {receipt} AND tl.fee_item NOT IN ({}))",
        rules::tenant_items_sql()
    )
}

/// Whether the member in `role` may see and pay bill `bill` of their home; 403
/// `role-forbidden` when it is not the tenant's and their role sees only those.
pub(crate) async fn may_see_bill(
    conn: &mut SqliteConnection,
    role: &str,
    bill: &str,
) -> ApiResult<()> {
    if rules::sees_all_bills(role) {
        return Ok(());
    }
    let tenants: bool = sqlx::query_scalar(&format!("SELECT {}", tenants_bill_sql("?")))
        .bind(bill)
        .fetch_one(&mut *conn)
        .await?;
    if tenants {
        Ok(())
    } else {
        Err(rules::refusal(role, Action::PayPropertyFee))
    }
}

pub(crate) fn date(text: &str) -> sqlx::Result<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|err| sqlx::Error::Decode(Box::new(err)))
}

pub(crate) fn fee_item(text: &str) -> FeeItem {
    serde_json::from_value(serde_json::Value::String(text.to_owned())).unwrap_or(FeeItem::Other)
}

#[derive(sqlx::FromRow)]
pub(crate) struct BillRow {
    pub(crate) id: String,
    pub(crate) unit_id: String,
    pub(crate) title: String,
    pub(crate) period_from: String,
    pub(crate) period_to: String,
    pub(crate) issued_at: i64,
    pub(crate) due_date: String,
    pub(crate) currency: String,
    pub(crate) voided_at: Option<i64>,
    pub(crate) paid_at: Option<i64>,
    pub(crate) open_order_id: Option<String>,
}

#[derive(sqlx::FromRow)]
pub(crate) struct LineRow {
    pub(crate) id: String,
    pub(crate) fee_item: String,
    pub(crate) name: String,
    pub(crate) period_from: String,
    pub(crate) period_to: String,
    pub(crate) quantity: String,
    pub(crate) unit: String,
    pub(crate) unit_price: String,
    pub(crate) months: Option<i64>,
    pub(crate) meter_previous: Option<String>,
    pub(crate) meter_current: Option<String>,
    pub(crate) meter_read_on: Option<String>,
    pub(crate) amount_minor: i64,
    pub(crate) penalty_minor: i64,
    pub(crate) discount_minor: i64,
    pub(crate) paid_minor: i64,
    pub(crate) note: Option<String>,
}

pub(crate) const BILL_COLUMNS: &str = "id, unit_id, title, period_from, period_to, issued_at, due_date, \
                            currency, voided_at, paid_at, open_order_id";

pub(crate) async fn render_bill(
    conn: &mut SqliteConnection,
    row: BillRow,
    now_ms: i64,
) -> ApiResult<Bill> {
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

/// Bill `id` if it is of one of `user`'s active households; 403 `role-forbidden` when their
/// role there does not see it (a tenant and a property-fee bill).
pub(crate) async fn own_bill(
    conn: &mut SqliteConnection,
    user: Uuid,
    id: Uuid,
) -> ApiResult<Option<BillRow>> {
    let row: Option<BillRow> = sqlx::query_as(&format!(
        "SELECT {BILL_COLUMNS} FROM bills WHERE id = ? AND unit_id IN
            (SELECT unit_id FROM memberships WHERE user_id = ? AND state = 'active')"
    ))
    .bind(id.to_string())
    .bind(user.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(row) = &row {
        let role = role_in_unit(conn, user, &row.unit_id).await?;
        may_see_bill(conn, &role, &row.id).await?;
    }
    Ok(row)
}

/// `user`'s stored role in `unit` (an active household of theirs).
async fn role_in_unit(conn: &mut SqliteConnection, user: Uuid, unit: &str) -> ApiResult<String> {
    let role: Option<String> = sqlx::query_scalar(
        "SELECT role FROM memberships WHERE user_id = ? AND unit_id = ? AND state = 'active'",
    )
    .bind(user.to_string())
    .bind(unit)
    .fetch_optional(&mut *conn)
    .await?;
    role.ok_or_else(|| ApiError::new(ErrorCode::MembershipRequired))
}

pub(crate) async fn own_order(
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

#[derive(sqlx::FromRow)]
pub(crate) struct ReceiptRow {
    pub(crate) id: String,
    pub(crate) number: String,
    pub(crate) order_id: String,
    pub(crate) unit_id: String,
    pub(crate) payer: String,
    pub(crate) issuer: String,
    pub(crate) community: String,
    pub(crate) unit_label: String,
    pub(crate) amount_minor: i64,
    pub(crate) currency: String,
    pub(crate) channel: String,
    pub(crate) provider_txn_id: String,
    pub(crate) paid_at: i64,
}

pub(crate) async fn render_receipt(
    conn: &mut SqliteConnection,
    row: ReceiptRow,
) -> ApiResult<Receipt> {
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

/// The bills of one unit (only the tenant's unless `home.sees_all`).
pub(crate) async fn bills_of_unit(
    conn: &mut SqliteConnection,
    home: &HomeUnit,
) -> sqlx::Result<Vec<BillRow>> {
    sqlx::query_as(&format!(
        "SELECT {BILL_COLUMNS} FROM bills WHERE unit_id = ? AND (? OR {})",
        tenants_bill_sql("bills.id")
    ))
    .bind(&home.unit)
    .bind(home.sees_all)
    .fetch_all(conn)
    .await
}

/// The payment orders `user` made (of one household, or all), newest first, at most 200.
pub(crate) async fn orders_of(
    conn: &mut SqliteConnection,
    user: Uuid,
    membership: Option<MembershipId>,
) -> sqlx::Result<Vec<OrderRow>> {
    sqlx::query_as(
        "SELECT * FROM payment_orders WHERE user_id = ? AND (? IS NULL OR membership_id = ?)
         ORDER BY created_at DESC, id DESC LIMIT 200",
    )
    .bind(user.to_string())
    .bind(membership.map(|m| m.to_string()))
    .bind(membership.map(|m| m.to_string()))
    .fetch_all(conn)
    .await
}

/// The receipts of one unit, newest first (only the tenant's unless `home.sees_all`).
pub(crate) async fn receipts_of_unit(
    conn: &mut SqliteConnection,
    home: &HomeUnit,
) -> sqlx::Result<Vec<ReceiptRow>> {
    sqlx::query_as(&format!(
        "SELECT * FROM receipts WHERE unit_id = ? AND (? OR {}) ORDER BY paid_at DESC",
        tenants_receipt_sql("receipts.id")
    ))
    .bind(&home.unit)
    .bind(home.sees_all)
    .fetch_all(conn)
    .await
}

/// Receipt `id` if it is of one of `user`'s active households; 403 `role-forbidden` when
/// their role there does not see it (a tenant and a receipt for the property fee).
pub(crate) async fn own_receipt(
    conn: &mut SqliteConnection,
    user: Uuid,
    id: Uuid,
) -> ApiResult<Option<ReceiptRow>> {
    let row: Option<ReceiptRow> = sqlx::query_as(
        "SELECT * FROM receipts WHERE id = ? AND unit_id IN
            (SELECT unit_id FROM memberships WHERE user_id = ? AND state = 'active')",
    )
    .bind(id.to_string())
    .bind(user.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(row) = &row {
        let role = role_in_unit(conn, user, &row.unit_id).await?;
        if !rules::sees_all_bills(&role) {
            let tenants: bool = sqlx::query_scalar(&format!(
                "SELECT {} FROM receipts WHERE id = ?",
                tenants_receipt_sql("receipts.id")
            ))
            .bind(&row.id)
            .fetch_one(&mut *conn)
            .await?;
            if !tenants {
                return Err(rules::refusal(&role, Action::PayPropertyFee));
            }
        }
    }
    Ok(row)
}
