//! Bills (账单), payment orders (支付订单), receipts (收据) and the fee ledger
//! (公共收益与物业费使用公示).
//!
//! Money is always an integer count of minor units (fen for CNY) next to an ISO 4217
//! `currency`; there is no float anywhere in the contract. Quantities, meter readings and unit
//! prices are *shown* to residents, so they travel as decimal strings exactly as the property
//! company's ledger has them (`"89.50"`, `"0.5380"`); the amounts computed from them are the
//! backend's and are authoritative.
//!
//! A payment is a [`PaymentOrder`] with a client-chosen UUIDv7 id, created with an
//! `Idempotency-Key`. The backend recomputes the amount (409 `amount-changed` when the bills
//! changed since the resident saw them), holds the bills while the order is open (a second
//! order for them is refused with 409 `payment-in-progress`) and answers with a
//! provider-neutral [`ClientAction`]. The order's state is decided by the provider's signed
//! notification or the backend's query of the provider, never by the app. A success that
//! arrives after the order expired is recorded: the bills are paid if they still are unpaid,
//! otherwise the money is refunded (`refund.reason`).

use crate::ids::{CommunityId, MembershipId, UnitId};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;

/// The currency of every amount the reference backend issues.
pub const CNY: &str = "CNY";

/// What a bill line charges for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FeeItem {
    /// 物业费: floor area × unit price × months.
    PropertyFee,
    /// 停车费: per space per month.
    Parking,
    /// 水费: meter reading difference × unit price.
    Water,
    /// 电费: meter reading difference × unit price.
    Electricity,
    /// 公摊: the household's share of common-area water and power.
    SharedArea,
    /// An item this build does not know.
    #[serde(other)]
    Other,
}

/// A meter's two readings behind a water or electricity line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct MeterReading {
    /// The reading the period starts from (decimal string).
    pub previous: String,
    /// The reading the period ends at (decimal string).
    pub current: String,
    /// When the current reading was taken.
    pub read_on: NaiveDate,
}

/// One line of a bill.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct BillLine {
    /// Line id.
    pub id: crate::ids::BillLineId,
    /// What it charges for.
    pub fee_item: FeeItem,
    /// Its name as printed, e.g. 物业费.
    pub name: String,
    /// First day charged.
    pub period_from: NaiveDate,
    /// Last day charged.
    pub period_to: NaiveDate,
    /// How much (decimal string): floor area, spaces, tonnes, kWh.
    pub quantity: String,
    /// Unit of `quantity` and `unit_price`, e.g. `m²`, `个`, `吨`, `度`.
    pub unit: String,
    /// Price per unit (per month where `months` is set), in currency units (decimal string).
    pub unit_price: String,
    /// Months charged, for monthly fees.
    #[serde(default)]
    pub months: Option<u32>,
    /// Meter readings, for metered fees.
    #[serde(default)]
    pub meter: Option<MeterReading>,
    /// quantity × unit price (× months), rounded half up to the minor unit.
    #[ts(type = "number")]
    pub amount_minor: i64,
    /// Late-payment penalty (滞纳金).
    #[ts(type = "number")]
    pub penalty_minor: i64,
    /// Discount (减免).
    #[ts(type = "number")]
    pub discount_minor: i64,
    /// Already paid.
    #[ts(type = "number")]
    pub paid_minor: i64,
    /// Still due: amount + penalty − discount − paid.
    #[ts(type = "number")]
    pub due_minor: i64,
    /// A remark the property company printed on the line.
    #[serde(default)]
    pub note: Option<String>,
}

/// Where a bill stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BillState {
    /// Nothing paid yet.
    Unpaid,
    /// Some lines or part of the amount paid.
    PartiallyPaid,
    /// Settled.
    Paid,
    /// Cancelled by the property company.
    Void,
    /// A state this build does not know.
    #[serde(other)]
    Other,
}

/// A bill for one household.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct Bill {
    /// Bill id.
    pub id: crate::ids::BillId,
    /// The unit billed (every household of the unit sees it).
    pub unit_id: UnitId,
    /// Title as printed, e.g. 2026年第四季度物业费.
    pub title: String,
    /// First day of the billing period.
    pub period_from: NaiveDate,
    /// Last day of the billing period.
    pub period_to: NaiveDate,
    /// When it was issued.
    pub issued_at: DateTime<Utc>,
    /// Pay by this day (community time).
    pub due_date: NaiveDate,
    /// State.
    pub state: BillState,
    /// Past its due date and not settled.
    pub overdue: bool,
    /// ISO 4217.
    pub currency: String,
    /// Sum of the lines' amount + penalty − discount.
    #[ts(type = "number")]
    pub total_minor: i64,
    /// Sum paid.
    #[ts(type = "number")]
    pub paid_minor: i64,
    /// Still due.
    #[ts(type = "number")]
    pub due_minor: i64,
    /// The lines.
    pub lines: Vec<BillLine>,
    /// The payment order that holds this bill while it is open (pay it, or wait).
    #[serde(default)]
    pub open_order_id: Option<crate::ids::PaymentOrderId>,
    /// When it was settled.
    #[serde(default)]
    pub paid_at: Option<DateTime<Utc>>,
}

/// `GET /v1/bills`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct BillList {
    /// Unsettled bills first (oldest due date first), then settled ones, newest first.
    pub items: Vec<Bill>,
}

/// How the resident pays.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PaymentChannel {
    /// WeChat Pay in-app (APIv3 app pay).
    WechatApp,
    /// Alipay in-app.
    AlipayApp,
    /// Stripe PaymentSheet.
    Stripe,
    /// The reference backend's sandbox provider.
    Demo,
    /// A channel this build does not know.
    #[serde(other)]
    Other,
}

/// `POST /v1/payment-orders` (with `Idempotency-Key`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct CreatePaymentOrder {
    /// Client-chosen UUIDv7.
    pub id: crate::ids::PaymentOrderId,
    /// Household whose bills these are.
    pub membership_id: MembershipId,
    /// The bills to settle in full.
    pub bill_ids: Vec<crate::ids::BillId>,
    /// How the resident pays.
    pub channel: PaymentChannel,
    /// The total the resident was shown; the backend refuses with 409 `amount-changed` when
    /// its own total differs.
    #[ts(type = "number")]
    pub amount_expected_minor: i64,
    /// ISO 4217 of `amount_expected_minor`.
    pub currency: String,
}

/// What the app does to let the resident pay; the backend builds and signs everything.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientAction {
    /// Call the WeChat SDK's `PayReq` with these (signed by the backend).
    WechatAppSdk {
        /// App id.
        appid: String,
        /// Merchant id.
        partnerid: String,
        /// Prepay id.
        prepayid: String,
        /// Always `Sign=WXPay`.
        package: String,
        /// Nonce.
        noncestr: String,
        /// Seconds since the epoch, as a string.
        timestamp: String,
        /// RSA-SHA256 signature.
        sign: String,
    },
    /// Pass this order string to the Alipay SDK.
    AlipayAppSdk {
        /// Signed order string.
        order_string: String,
    },
    /// Present Stripe's PaymentSheet.
    StripeSheet {
        /// The PaymentIntent's client secret.
        client_secret: String,
        /// Publishable key.
        publishable_key: String,
    },
    /// Open this page of the reference backend's sandbox provider in the browser.
    DemoConfirm {
        /// Absolute HTTPS URL of the checkout page.
        url: String,
    },
    /// An action this build does not know: tell the resident to update the app.
    #[serde(other)]
    Other,
}

/// Where a payment order stands. Final states: `succeeded`, `failed`, `canceled`, `expired`,
/// `refunded`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PaymentOrderState {
    /// Waiting for the resident to pay at the provider.
    AwaitingPayment,
    /// The provider is processing the payment.
    Processing,
    /// Paid; the bills are settled and a receipt exists.
    Succeeded,
    /// The provider refused the payment; nothing was taken.
    Failed,
    /// Cancelled before it was paid.
    Canceled,
    /// Not paid in time; nothing was taken (a late payment is refunded or applied).
    Expired,
    /// Paid and given back (late payment for bills that were settled meanwhile).
    Refunded,
    /// A state this build does not know.
    #[serde(other)]
    Other,
}

impl PaymentOrderState {
    /// Whether the order can still change on its own (keep following it).
    pub fn is_open(self) -> bool {
        matches!(self, Self::AwaitingPayment | Self::Processing)
    }
}

/// Why money was given back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RefundReason {
    /// The payment arrived after the order expired and the bills had been paid by then.
    BillsAlreadyPaid,
    /// A reason this build does not know.
    #[serde(other)]
    Other,
}

/// Money given back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct Refund {
    /// Amount.
    #[ts(type = "number")]
    pub amount_minor: i64,
    /// Why.
    pub reason: RefundReason,
    /// When.
    pub refunded_at: DateTime<Utc>,
}

/// A payment order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct PaymentOrder {
    /// Client-chosen id.
    pub id: crate::ids::PaymentOrderId,
    /// Household.
    pub membership_id: MembershipId,
    /// The bills it settles.
    pub bill_ids: Vec<crate::ids::BillId>,
    /// Amount, recomputed by the backend.
    #[ts(type = "number")]
    pub amount_minor: i64,
    /// ISO 4217.
    pub currency: String,
    /// Channel.
    pub channel: PaymentChannel,
    /// State.
    pub state: PaymentOrderState,
    /// What the app does to pay, while the order awaits payment.
    #[serde(default)]
    pub client_action: Option<ClientAction>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Unpaid orders expire at this time.
    pub expires_at: DateTime<Utc>,
    /// When the provider took the money.
    #[serde(default)]
    pub paid_at: Option<DateTime<Utc>>,
    /// The provider's transaction id.
    #[serde(default)]
    pub provider_txn_id: Option<String>,
    /// The receipt, once succeeded.
    #[serde(default)]
    pub receipt_id: Option<crate::ids::ReceiptId>,
    /// Why it failed, as the provider said (for people).
    #[serde(default)]
    pub failure_reason: Option<String>,
    /// The payment arrived after the order had expired.
    #[serde(default)]
    pub late: bool,
    /// Money given back, if any.
    #[serde(default)]
    pub refund: Option<Refund>,
}

/// `GET /v1/payment-orders`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct PaymentOrderList {
    /// Newest first.
    pub items: Vec<PaymentOrder>,
}

/// A line of a receipt: what a payment settled.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct ReceiptLine {
    /// The bill.
    pub bill_id: crate::ids::BillId,
    /// The bill line.
    pub bill_line_id: crate::ids::BillLineId,
    /// Its name, e.g. 物业费.
    pub name: String,
    /// First day charged.
    pub period_from: NaiveDate,
    /// Last day charged.
    pub period_to: NaiveDate,
    /// Amount paid for it.
    #[ts(type = "number")]
    pub amount_minor: i64,
}

/// A receipt (收据) for one successful payment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct Receipt {
    /// Receipt id.
    pub id: crate::ids::ReceiptId,
    /// Receipt number as printed, e.g. `SJ202611290001`.
    pub number: String,
    /// The order it is for.
    pub order_id: crate::ids::PaymentOrderId,
    /// The unit paid for.
    pub unit_id: UnitId,
    /// Who paid (display name).
    pub payer: String,
    /// Who issued it (the property company).
    pub issuer: String,
    /// Community.
    pub community: String,
    /// Unit, e.g. 3栋2单元1502.
    pub unit: String,
    /// What was paid.
    pub lines: Vec<ReceiptLine>,
    /// Total.
    #[ts(type = "number")]
    pub amount_minor: i64,
    /// ISO 4217.
    pub currency: String,
    /// Channel.
    pub channel: PaymentChannel,
    /// The provider's transaction id.
    pub provider_txn_id: String,
    /// When it was paid.
    pub paid_at: DateTime<Utc>,
}

/// `GET /v1/receipts`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct ReceiptList {
    /// Newest first.
    pub items: Vec<Receipt>,
}

/// Income or expense.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LedgerDirection {
    /// Money in: fees collected, income from common parts (parking, advertising).
    Income,
    /// Money out: cleaning, security, greenery, maintenance, common utilities.
    Expense,
    /// A direction this build does not know.
    #[serde(other)]
    Other,
}

/// One line of the ledger.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct LedgerLine {
    /// Income or expense.
    pub direction: LedgerDirection,
    /// Category, e.g. 保洁服务, 公共收益.
    pub category: String,
    /// What it was, e.g. 电梯年检.
    pub name: String,
    /// Amount (positive).
    #[ts(type = "number")]
    pub amount_minor: i64,
    /// A remark.
    #[serde(default)]
    pub note: Option<String>,
}

/// A document published with a ledger period (audit report, contract, invoice scan).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct LedgerAttachment {
    /// File name.
    pub name: String,
    /// Media type.
    pub media_type: String,
    /// Size in bytes.
    #[ts(type = "number")]
    pub size: u64,
    /// Path on this backend (`/v1/…`), fetched with the resident's token.
    pub href: String,
}

/// One published period of 公共收益与物业费使用公示.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct LedgerPeriod {
    /// Community.
    pub community_id: CommunityId,
    /// Period key, e.g. `2026-Q3`.
    pub period: String,
    /// Title as published, e.g. 2026年第三季度收支公示.
    pub title: String,
    /// First day.
    pub period_from: NaiveDate,
    /// Last day.
    pub period_to: NaiveDate,
    /// When it was published.
    pub published_at: DateTime<Utc>,
    /// ISO 4217.
    pub currency: String,
    /// Sum of income lines.
    #[ts(type = "number")]
    pub income_minor: i64,
    /// Sum of expense lines.
    #[ts(type = "number")]
    pub expense_minor: i64,
    /// Income − expense.
    #[ts(type = "number")]
    pub balance_minor: i64,
    /// The lines, income first.
    pub lines: Vec<LedgerLine>,
    /// Published documents.
    pub attachments: Vec<LedgerAttachment>,
}

/// `GET /v1/ledger`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, ToSchema)]
pub struct LedgerList {
    /// Newest period first.
    pub items: Vec<LedgerPeriod>,
}

/// The body the demo provider posts to `/v1/webhooks/payments/demo`, signed with its Ed25519
/// key: header `Linli-Demo-Signature: t=<unix seconds>,sig=<base64url(Ed25519(t + "." +
/// body))>`. A real provider's adapter decodes its own format into the same facts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DemoNotification {
    /// Unique per event; a repeated event is acknowledged and ignored.
    pub event_id: String,
    /// `out_trade_no`: the order id as 32 hex digits.
    pub out_trade_no: String,
    /// The provider's transaction id.
    pub provider_txn_id: String,
    /// `SUCCESS`, `FAILED` or `REFUNDED`.
    pub status: String,
    /// Amount the provider took.
    pub amount_minor: i64,
    /// ISO 4217.
    pub currency: String,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
}
