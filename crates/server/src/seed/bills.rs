//! A realistic year of bills, payments and receipts for every demo household (the fee
//! ledger is in [`super::ledger`]).
//!
//! Amounts are computed the way the property company prints them: quantity × unit price
//! (× months), rounded half up to the fen, all in integers (quantities in thousandths, prices
//! in ten-thousandths of a yuan). Everything is placed relative to the seeding time: the
//! latest utilities bill is open, the one before it is overdue with a late fee, this
//! quarter's property fee is overdue, this quarter's parking is open but not yet due, and
//! everything older is paid, each payment with its succeeded order and receipt.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use sqlx::SqliteConnection;
use uuid::Uuid;

/// Amount in fen of `quantity_milli` × `price_e4` (yuan × 10⁴) × `months`, half up.
pub fn amount_minor(quantity_milli: i64, price_e4: i64, months: i64) -> i64 {
    (quantity_milli * price_e4 * months + 50_000) / 100_000
}

/// `value / 10^scale` printed with `decimals` places (truncating extra places).
pub fn decimal(value: i64, scale: u32, decimals: u32) -> String {
    let unit = 10_i64.pow(scale);
    let whole = value / unit;
    if decimals == 0 {
        return whole.to_string();
    }
    let frac = (value % unit) * 10_i64.pow(decimals) / unit;
    format!("{whole}.{frac:0width$}", width = decimals as usize)
}

pub(super) fn month_start(date: NaiveDate) -> NaiveDate {
    date.with_day(1).unwrap_or(date)
}

pub(super) fn add_months(date: NaiveDate, months: i64) -> NaiveDate {
    let total = i64::from(date.year()) * 12 + i64::from(date.month0()) + months;
    let year = i32::try_from(total.div_euclid(12)).unwrap_or(date.year());
    let month = u32::try_from(total.rem_euclid(12)).unwrap_or(0) + 1;
    NaiveDate::from_ymd_opt(year, month, 1).unwrap_or(date)
}

pub(super) fn last_day(month: NaiveDate) -> NaiveDate {
    add_months(month, 1) - Duration::days(1)
}

pub(super) fn beijing_ms(day: NaiveDate, hour: u32) -> i64 {
    day.and_hms_opt(hour, 0, 0)
        .map(|t| t.and_utc().timestamp_millis() - 8 * 3_600_000)
        .unwrap_or(0)
}

pub(super) const QUARTER_NAMES: [&str; 4] = ["第一季度", "第二季度", "第三季度", "第四季度"];

struct Line {
    fee_item: &'static str,
    name: &'static str,
    from: NaiveDate,
    to: NaiveDate,
    quantity: String,
    unit: &'static str,
    unit_price: &'static str,
    months: Option<i64>,
    meter: Option<(String, String, NaiveDate)>,
    amount: i64,
    penalty: i64,
    discount: i64,
    note: Option<String>,
}

struct NewBill {
    title: String,
    from: NaiveDate,
    to: NaiveDate,
    issued: NaiveDate,
    due: NaiveDate,
    lines: Vec<Line>,
    /// Paid this many days before the due date.
    paid_days_early: Option<i64>,
}

/// One household's unit, as the seed knows it.
pub struct SeedUnit {
    pub unit_id: Uuid,
    pub membership_id: Uuid,
    pub user_id: Uuid,
    pub area_centi_m2: i64,
    pub parking: Option<&'static str>,
    /// Varies usage between households.
    pub salt: i64,
}

fn bills_for(unit: &SeedUnit, today: NaiveDate) -> Vec<NewBill> {
    let mut bills = Vec::new();
    let this_month = month_start(today);
    // Utilities: the last twelve months, billed on the 5th and due on the 25th of the next.
    let mut water_meter = 1_000_000 + unit.salt * 37_000; // thousandths of a tonne
    let mut power_meter = 10_000_000 + unit.salt * 410_000; // thousandths of a kWh
    for k in (1..=12_i64).rev() {
        let month = add_months(this_month, -k);
        let billed = add_months(month, 1);
        let issued = billed + Duration::days(4);
        let due = billed + Duration::days(24);
        let water = (8 + (k * 5 + unit.salt) % 7) * 1000 + ((k * 3) % 10) * 100;
        let season = match month.month() {
            7 | 8 => 140,
            1 | 2 | 12 => 110,
            6 | 9 => 60,
            _ => 0,
        };
        let power = (170 + season + (k * 13 + unit.salt * 7) % 50) * 1000;
        let water_prev = water_meter;
        water_meter += water;
        let power_prev = power_meter;
        power_meter += power;
        let read_on = last_day(month);
        let overdue = due < today;
        let paid = k > 2;
        let mut lines = vec![
            Line {
                fee_item: "water",
                name: "水费",
                from: month,
                to: last_day(month),
                quantity: decimal(water, 3, 1),
                unit: "吨",
                unit_price: "3.90",
                months: None,
                meter: Some((
                    decimal(water_prev, 3, 1),
                    decimal(water_meter, 3, 1),
                    read_on,
                )),
                amount: amount_minor(water, 39_000, 1),
                penalty: 0,
                discount: 0,
                note: Some("含污水处理费 1.00 元/吨".to_owned()),
            },
            Line {
                fee_item: "electricity",
                name: "电费",
                from: month,
                to: last_day(month),
                quantity: decimal(power, 3, 0),
                unit: "度",
                unit_price: "0.5380",
                months: None,
                meter: Some((
                    decimal(power_prev, 3, 0),
                    decimal(power_meter, 3, 0),
                    read_on,
                )),
                amount: amount_minor(power, 5_380, 1),
                penalty: 0,
                discount: 0,
                note: None,
            },
            Line {
                fee_item: "shared_area",
                name: "公共区域水电分摊",
                from: month,
                to: last_day(month),
                quantity: decimal(unit.area_centi_m2 * 10, 3, 2),
                unit: "m²",
                unit_price: "0.12",
                months: None,
                meter: None,
                amount: amount_minor(unit.area_centi_m2 * 10, 1_200, 1),
                penalty: 0,
                discount: 0,
                note: Some("电梯、楼道照明及二次供水用电按建筑面积分摊".to_owned()),
            },
        ];
        if !paid && overdue {
            let days = (today - due).num_days();
            let base: i64 = lines.iter().map(|l| l.amount).sum();
            // 滞纳金: 0.05% of the amount per day overdue.
            lines[0].penalty = (base * 5 * days + 5_000) / 10_000;
            lines[0].note = Some(format!("逾期 {days} 天，滞纳金按日万分之五计"));
        }
        bills.push(NewBill {
            title: format!("{}年{}月水电费", month.year(), month.month()),
            from: month,
            to: last_day(month),
            issued,
            due,
            lines,
            paid_days_early: paid.then_some(3 + (k + unit.salt) % 9),
        });
    }
    // Property fee and parking: the last four quarters, this one included.
    let quarter = NaiveDate::from_ymd_opt(today.year(), (today.month0() / 3) * 3 + 1, 1)
        .unwrap_or(this_month);
    for q in (0..4_i64).rev() {
        let from = add_months(quarter, -3 * q);
        let to = add_months(from, 3) - Duration::days(1);
        let name = QUARTER_NAMES[(from.month0() / 3) as usize];
        let current = q == 0;
        let area_milli = unit.area_centi_m2 * 10;
        let fee = amount_minor(area_milli, 28_000, 3);
        let discount = if q == 3 { fee * 5 / 100 } else { 0 };
        bills.push(NewBill {
            title: format!("{}年{}物业费", from.year(), name),
            from,
            to,
            issued: from,
            due: from + Duration::days(14),
            lines: vec![Line {
                fee_item: "property_fee",
                name: "物业服务费",
                from,
                to,
                quantity: decimal(area_milli, 3, 2),
                unit: "m²",
                unit_price: "2.80",
                months: Some(3),
                meter: None,
                amount: fee,
                penalty: 0,
                discount,
                note: (discount > 0).then(|| "年度预缴优惠 95 折".to_owned()),
            }],
            paid_days_early: (!current).then_some(5 + q),
        });
        if let Some(space) = unit.parking {
            bills.push(NewBill {
                title: format!("{}年{}停车费", from.year(), name),
                from,
                to,
                issued: from,
                due: to,
                lines: vec![Line {
                    fee_item: "parking",
                    name: "地下车位管理费",
                    from,
                    to,
                    quantity: "1".to_owned(),
                    unit: "个",
                    unit_price: "300.00",
                    months: Some(3),
                    meter: None,
                    amount: amount_minor(1000, 3_000_000, 3),
                    penalty: 0,
                    discount: 0,
                    note: Some(format!("车位 {space}")),
                }],
                paid_days_early: (!current).then_some(20),
            });
        }
    }
    bills
}

/// Seeds one household's bills, with orders and receipts for the paid ones.
pub async fn seed_unit(
    conn: &mut SqliteConnection,
    unit: &SeedUnit,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    let today = (now + Duration::hours(8)).date_naive();
    let (payer, community, company, label): (String, String, String, String) = sqlx::query_as(
        "SELECT us.display_name, c.name, c.property_company, un.building || un.entrance || un.room
         FROM units un JOIN communities c ON c.id = un.community_id, users us
         WHERE un.id = ? AND us.id = ?",
    )
    .bind(unit.unit_id.to_string())
    .bind(unit.user_id.to_string())
    .fetch_one(&mut *conn)
    .await?;
    let mut receipt_seq = 0;
    for (n, bill) in bills_for(unit, today).into_iter().enumerate() {
        let bill_id = Uuid::now_v7();
        let paid_at = bill
            .paid_days_early
            .map(|d| beijing_ms(bill.due - Duration::days(d), 20) + (n as i64 % 50) * 61_000);
        sqlx::query(
            "INSERT INTO bills (id, unit_id, title, period_from, period_to, issued_at, due_date,
                currency, paid_at, staff_note)
             VALUES (?, ?, ?, ?, ?, ?, ?, 'CNY', ?, ?)",
        )
        .bind(bill_id.to_string())
        .bind(unit.unit_id.to_string())
        .bind(&bill.title)
        .bind(bill.from.to_string())
        .bind(bill.to.to_string())
        .bind(beijing_ms(bill.issued, 9))
        .bind(bill.due.to_string())
        .bind(paid_at)
        .bind("内部备注：抄表员 周师傅")
        .execute(&mut *conn)
        .await?;
        let mut total = 0;
        let mut line_ids = Vec::new();
        for (position, line) in bill.lines.iter().enumerate() {
            let id = Uuid::now_v7();
            let due = line.amount + line.penalty - line.discount;
            total += due;
            sqlx::query(
                "INSERT INTO bill_lines (id, bill_id, position, fee_item, name, period_from,
                    period_to, quantity, unit, unit_price, months, meter_previous, meter_current,
                    meter_read_on, amount_minor, penalty_minor, discount_minor, paid_minor, note,
                    staff_note)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(id.to_string())
            .bind(bill_id.to_string())
            .bind(position as i64)
            .bind(line.fee_item)
            .bind(line.name)
            .bind(line.from.to_string())
            .bind(line.to.to_string())
            .bind(&line.quantity)
            .bind(line.unit)
            .bind(line.unit_price)
            .bind(line.months)
            .bind(line.meter.as_ref().map(|m| m.0.clone()))
            .bind(line.meter.as_ref().map(|m| m.1.clone()))
            .bind(line.meter.as_ref().map(|m| m.2.to_string()))
            .bind(line.amount)
            .bind(line.penalty)
            .bind(line.discount)
            .bind(if paid_at.is_some() { due } else { 0 })
            .bind(&line.note)
            .bind("内部备注：核对无误")
            .execute(&mut *conn)
            .await?;
            line_ids.push((id, line, due));
        }
        let Some(paid_at) = paid_at else { continue };
        // The payment that settled it: a succeeded WeChat order and its receipt.
        let order = Uuid::now_v7();
        let txn = format!("42000026{:010}{:04}", paid_at / 1000, n);
        sqlx::query(
            "INSERT INTO payment_orders (id, membership_id, user_id, channel, amount_minor,
                currency, state, created_at, expires_at, paid_at, provider_txn_id,
                checkout_token)
             VALUES (?, ?, ?, 'wechat_app', ?, 'CNY', 'succeeded', ?, ?, ?, ?, '')",
        )
        .bind(order.to_string())
        .bind(unit.membership_id.to_string())
        .bind(unit.user_id.to_string())
        .bind(total)
        .bind(paid_at - 40_000)
        .bind(paid_at - 40_000 + 15 * 60_000)
        .bind(paid_at)
        .bind(&txn)
        .execute(&mut *conn)
        .await?;
        sqlx::query(
            "INSERT INTO payment_order_bills (order_id, bill_id, position, amount_minor)
             VALUES (?, ?, 0, ?)",
        )
        .bind(order.to_string())
        .bind(bill_id.to_string())
        .bind(total)
        .execute(&mut *conn)
        .await?;
        receipt_seq += 1;
        let receipt = Uuid::now_v7();
        let day = (crate::clock::from_ms(paid_at) + Duration::hours(8)).format("%Y%m%d");
        sqlx::query(
            "INSERT INTO receipts (id, number, order_id, unit_id, payer, issuer, community,
                unit_label, amount_minor, currency, channel, provider_txn_id, paid_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'CNY', 'wechat_app', ?, ?)",
        )
        .bind(receipt.to_string())
        .bind(format!("SJ{day}{}{:03}", unit.salt, receipt_seq))
        .bind(order.to_string())
        .bind(unit.unit_id.to_string())
        .bind(&payer)
        .bind(&company)
        .bind(&community)
        .bind(&label)
        .bind(total)
        .bind(&txn)
        .bind(paid_at)
        .execute(&mut *conn)
        .await?;
        for (position, (line_id, line, due)) in line_ids.iter().enumerate() {
            sqlx::query(
                "INSERT INTO receipt_lines (receipt_id, position, bill_id, bill_line_id, name,
                    period_from, period_to, amount_minor)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(receipt.to_string())
            .bind(position as i64)
            .bind(bill_id.to_string())
            .bind(line_id.to_string())
            .bind(line.name)
            .bind(line.from.to_string())
            .bind(line.to.to_string())
            .bind(due)
            .execute(&mut *conn)
            .await?;
        }
        sqlx::query("UPDATE payment_orders SET receipt_id = ? WHERE id = ?")
            .bind(receipt.to_string())
            .bind(order.to_string())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_integer_and_round_half_up() {
        // 89.50 m² × ¥2.80 × 3 months = ¥751.80
        assert_eq!(amount_minor(89_500, 28_000, 3), 75_180);
        // 256 kWh × ¥0.5380 = ¥137.728 → ¥137.73
        assert_eq!(amount_minor(256_000, 5_380, 1), 13_773);
        // 11.5 t × ¥3.90 = ¥44.85
        assert_eq!(amount_minor(11_500, 39_000, 1), 4_485);
        assert_eq!(decimal(1_234_500, 3, 1), "1234.5");
        assert_eq!(decimal(89_500, 3, 2), "89.50");
        assert_eq!(decimal(75_180, 2, 2), "751.80");
    }

    #[test]
    fn a_year_of_bills_with_open_and_overdue_ones() {
        let unit = SeedUnit {
            unit_id: Uuid::nil(),
            membership_id: Uuid::nil(),
            user_id: Uuid::nil(),
            area_centi_m2: 8_950,
            parking: Some("B2-117"),
            salt: 1,
        };
        let today = NaiveDate::from_ymd_opt(2026, 11, 29).expect("date");
        let bills = bills_for(&unit, today);
        assert_eq!(
            bills.len(),
            12 + 4 + 4,
            "12 months of utilities, 4 quarters of fees and parking"
        );
        let open: Vec<_> = bills
            .iter()
            .filter(|b| b.paid_days_early.is_none())
            .map(|b| b.title.as_str())
            .collect();
        assert_eq!(
            open,
            [
                "2026年9月水电费",
                "2026年10月水电费",
                "2026年第四季度物业费",
                "2026年第四季度停车费"
            ]
        );
        let september = &bills[10];
        assert!(
            september.due < today && september.lines[0].penalty > 0,
            "the overdue bill carries a late fee"
        );
        let parking = bills
            .iter()
            .find(|b| b.title == "2026年第四季度停车费")
            .expect("parking");
        assert!(
            parking.due > today,
            "this quarter's parking is open but not due yet"
        );
    }
}
