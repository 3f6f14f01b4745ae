// Generated from crates/wire by `cargo xtask gen-types`. Do not edit by hand.

export type UserId = string;

export type CommunityId = string;

export type UnitId = string;

export type MembershipId = string;

export type NoticeId = string;

export type MutationId = string;

export type ErrorCode = "validation-failed" | "unauthenticated" | "invalid-credentials" | "sms-code-invalid" | "token-expired" | "refresh-reused" | "forbidden" | "membership-required" | "role-forbidden" | "not-found" | "method-not-allowed" | "invalid-transition" | "already-exists" | "room-not-found" | "already-member" | "request-pending" | "amount-changed" | "payment-in-progress" | "already-paid" | "upload-offset-mismatch" | "checksum-mismatch" | "tus-version-unsupported" | "payload-too-large" | "unsupported-media-type" | "idempotency-in-progress" | "idempotency-key-reused" | "idempotency-key-missing" | "precondition-failed" | "precondition-required" | "sync-cursor-expired" | "rate-limited" | "bad-request" | "internal-error" | "service-unavailable" | "offline" | "bad-response" | "tls-error" | "insecure-url" | "keyring-unavailable" | "keyring-locked" | "not-signed-in" | "session-expired" | "storage-error" | "clipboard-unavailable" | "photo-empty" | "photo-unreadable" | "photo-too-large" | "photo-damaged" | "join-link-invalid" | "qr-not-found" | "pin-mismatch" | "no-backend" | "internal" | "upload-quota-exceeded" | "pass-wrong-gate-group" | "pass-not-yet-valid" | "pass-expired" | "pass-used-up" | "pass-revoked" | "photo-format-unsupported" | "unknown";

export type FieldError = { 
/**
 * JSON Pointer (RFC 6901) into the request body, e.g. `/phone`.
 */
pointer: string, 
/**
 * Short machine-readable reason, e.g. `required`, `too-long`.
 */
code: string, 
/**
 * Human-readable explanation.
 */
detail: string, };

export type Problem = { 
/**
 * Problem type URI; `PROBLEM_TYPE_BASE` + code for Linli's own problems.
 */
type: string, 
/**
 * Short summary of the problem type (localised by `Accept-Language`).
 */
title: string, 
/**
 * The HTTP status code, repeated for convenience.
 */
status: number, 
/**
 * Explanation of this occurrence (localised); never internals.
 */
detail: string | null, 
/**
 * URI reference of this occurrence.
 */
instance: string | null, 
/**
 * Stable machine-readable code: what clients branch on.
 */
code: ErrorCode, 
/**
 * Correlation id, also found in the server log.
 */
trace_id: string | null, 
/**
 * For `validation-failed`: which members are wrong.
 */
errors: Array<FieldError>, 
/**
 * For `invalid-transition`: the resource's current state.
 */
current_state: string | null, 
/**
 * For `invalid-transition`: the actions allowed in the current state.
 */
allowed: Array<string>, 
/**
 * For `amount-changed`: the total due now, in minor units.
 */
amount_minor: number | null, 
/**
 * For `payment-in-progress`: the open payment order to follow instead.
 */
order_id: PaymentOrderId | null, 
/**
 * Mirrors the `Retry-After` header (seconds) for 429, 503 and 409 in-progress.
 */
retry_after_s: number | null, };

export type IpcError = { 
/**
 * The code the UI branches on.
 */
code: ErrorCode, 
/**
 * A readable message for logs and as a fallback; the UI shows its own text per code.
 */
message: string, 
/**
 * What the code's text names, where it names something: the picture format of
 * `photo-format-unsupported` ("TIFF"). Not localised: a name, put into the UI's text.
 */
subject?: string, };

export type LoginRequest = { 
/**
 * Mainland mobile number, 11 digits (a leading +86 is accepted).
 */
phone: string, 
/**
 * The account password.
 */
password: string, };

export type SmsCodeRequest = { 
/**
 * Mainland mobile number, 11 digits (a leading +86 is accepted).
 */
phone: string, };

export type SmsCodeSent = { 
/**
 * Seconds until another code may be asked for this phone.
 */
resend_after_s: number, 
/**
 * Seconds the code stays valid.
 */
expires_in_s: number, };

export type SmsLoginRequest = { 
/**
 * The phone the code was sent to.
 */
phone: string, 
/**
 * The 6 digits of the SMS.
 */
code: string, };

export type User = { 
/**
 * Account id.
 */
id: UserId, 
/**
 * Name shown in the app (e.g. 王女士).
 */
display_name: string, 
/**
 * Phone number with the middle digits hidden (138****5678).
 */
phone_masked: string, };

export type Community = { 
/**
 * Community id.
 */
id: CommunityId, 
/**
 * Name, e.g. 翠湖花园.
 */
name: string, 
/**
 * Street address.
 */
address: string, 
/**
 * The property company (物业) that runs it.
 */
property_company: string, 
/**
 * The service desk's phone number.
 */
service_phone: string, };

export type Unit = { 
/**
 * Unit id.
 */
id: UnitId, 
/**
 * Building, e.g. 3栋.
 */
building: string, 
/**
 * Entrance, e.g. 2单元 (empty when the building has one).
 */
entrance: string, 
/**
 * Room number, e.g. 1502.
 */
room: string, 
/**
 * Floor area in square metres ×100 (integer, never a float: 89.50 m² is 8950).
 */
area_centi_m2: number, };

export type MembershipRole = "owner" | "family" | "tenant" | "other";

export type MembershipState = "pending" | "active" | "rejected" | "ended" | "other";

export type Action = "report_repair" | "complain" | "issue_passes" | "read_notices" | "pay_bills" | "pay_property_fee" | "invite" | "see_members" | "manage_members" | "decide_home_requests" | "move_out" | "other";

export type Membership = { 
/**
 * Membership id.
 */
id: MembershipId, 
/**
 * The community.
 */
community: Community, 
/**
 * The unit.
 */
unit: Unit, 
/**
 * The resident's role.
 */
role: MembershipRole, 
/**
 * Whether it is in force.
 */
state: MembershipState, 
/**
 * A tenancy's last day (Beijing); absent for owners and family. The tenancy ends at the
 * start of the next day.
 */
ends_on: string | null, 
/**
 * What this member may do in this home, as the backend decides (empty once ended).
 */
allowed: Array<Action>, };

export type HomeMember = { 
/**
 * The member's membership id (the one to remove).
 */
membership_id: MembershipId, 
/**
 * Their name with all but the first character hidden (王*), or in full for oneself.
 */
name: string, 
/**
 * Their phone with the middle digits hidden (138****0001).
 */
phone_masked: string, 
/**
 * Their role in the home.
 */
role: MembershipRole, 
/**
 * A tenancy's last day.
 */
ends_on: string | null, 
/**
 * When they joined the home.
 */
since: string, 
/**
 * Whether this is the caller.
 */
is_me: boolean, 
/**
 * Whether the caller may remove this member.
 */
removable: boolean, };

export type HomeMemberList = { 
/**
 * The members.
 */
items: Array<HomeMember>, };

export type Me = { 
/**
 * The account.
 */
user: User, 
/**
 * Every household, active ones first.
 */
memberships: Array<Membership>, };

export type InvitationId = string;

export type CreateInvitation = { 
/**
 * The invitee's mainland mobile number.
 */
phone: string, 
/**
 * `family` or `tenant`.
 */
role: MembershipRole, 
/**
 * The last day of a tenancy (Beijing); required for a tenant, absent otherwise.
 */
ends_on: string | null, };

export type InvitationState = "pending" | "accepted" | "declined" | "other";

export type Invitation = { 
/**
 * Invitation id.
 */
id: InvitationId, 
/**
 * The home's community.
 */
community: Community, 
/**
 * The home.
 */
unit: Unit, 
/**
 * The role offered.
 */
role: MembershipRole, 
/**
 * A tenancy's last day.
 */
ends_on: string | null, 
/**
 * The owner's name, as they show it.
 */
invited_by: string, 
/**
 * The invitee's phone, masked (138****0001).
 */
phone_masked: string, 
/**
 * Where it stands.
 */
state: InvitationState, 
/**
 * When it was made.
 */
created_at: string, };

export type InvitationList = { 
/**
 * Newest first.
 */
items: Array<Invitation>, };

export type HomeRequestId = string;

export type NameList = { 
/**
 * In the property's order (numbers by value: 2栋 before 10栋).
 */
items: Array<string>, };

export type DirectoryRoom = { 
/**
 * The unit.
 */
unit: Unit, 
/**
 * Whether an owner is bound to it (an active owner membership).
 */
owner_bound: boolean, 
/**
 * The owner record's names, masked (王*), when the property has a record.
 */
owner_hint: string | null, };

export type RoomList = { 
/**
 * By room number.
 */
items: Array<DirectoryRoom>, };

export type CreateHomeRequest = { 
/**
 * The room, from the directory.
 */
unit_id: UnitId, 
/**
 * How the resident relates to it.
 */
relation: MembershipRole, 
/**
 * An owner's own name as the property recorded it (required for an owner, absent
 * otherwise).
 */
owner_name: string | null, 
/**
 * A tenancy's last day (Beijing): required for a tenant, absent otherwise.
 */
ends_on: string | null, };

export type HomeRequestState = "pending" | "approved" | "refused" | "cancelled" | "other";

export type Decider = "record" | "owner" | "desk" | "other";

export type HomeRequest = { 
/**
 * Request id.
 */
id: HomeRequestId, 
/**
 * The room's community.
 */
community: Community, 
/**
 * The room.
 */
unit: Unit, 
/**
 * The relation asked for.
 */
relation: MembershipRole, 
/**
 * A tenancy's last day.
 */
ends_on: string | null, 
/**
 * The requester's name, as they show it.
 */
requester: string, 
/**
 * The requester's phone, masked (139****0055).
 */
phone_masked: string, 
/**
 * Where it stands.
 */
state: HomeRequestState, 
/**
 * Who decides it, while pending.
 */
waits_for: Decider | null, 
/**
 * Who decided it, once decided.
 */
decided_by: Decider | null, 
/**
 * Why it was refused.
 */
reason: string | null, 
/**
 * The membership an approval made.
 */
membership_id: MembershipId | null, 
/**
 * When it was made.
 */
created_at: string, 
/**
 * When it was decided or cancelled.
 */
decided_at: string | null, };

export type HomeRequestList = { 
/**
 * Newest first.
 */
items: Array<HomeRequest>, };

export type Refusal = { 
/**
 * Shown to the requester (1–200 characters).
 */
reason: string, };

export type NoticeCategory = "water_outage" | "power_outage" | "elevator_maintenance" | "fire_safety" | "community_event" | "fees" | "general" | "other";

export type NoticePriority = "normal" | "urgent" | "other";

export type NoticeTarget = { 
/**
 * The building, e.g. 3栋.
 */
building: string, 
/**
 * One entrance of it (e.g. 1单元); `null` for the whole building.
 */
entrance: string | null, };

export type Notice = { 
/**
 * Notice id.
 */
id: NoticeId, 
/**
 * The community it is published in.
 */
community_id: CommunityId, 
/**
 * Headline.
 */
title: string, 
/**
 * One-line summary for the list.
 */
summary: string, 
/**
 * Full text; paragraphs separated by blank lines.
 */
body: string, 
/**
 * Category.
 */
category: NoticeCategory, 
/**
 * Priority.
 */
priority: NoticePriority, 
/**
 * Pinned notices come first.
 */
pinned: boolean, 
/**
 * Who published it, e.g. 翠湖花园物业服务中心.
 */
publisher: string, 
/**
 * When it was published.
 */
published_at: string, 
/**
 * When the event it announces starts (an outage window), if any.
 */
starts_at: string | null, 
/**
 * When that event ends, if known.
 */
ends_at: string | null, 
/**
 * After this moment the notice is no longer shown.
 */
expires_at: string | null, 
/**
 * When the service an outage stops (停水, 停电) is expected back, if said.
 */
service_back_at: string | null, 
/**
 * The buildings or entrances it concerns; empty for the whole community.
 */
targets: Array<NoticeTarget>, 
/**
 * Whether it concerns one of the resident's homes, decided by the backend from their
 * active households (always true for a notice to the whole community).
 */
affects_me: boolean, 
/**
 * When this resident read it; `null` while unread.
 */
read_at: string | null, 
/**
 * Increases on every change; the `ETag` of the notice.
 */
version: number, };

export type PublishNotice = { 
/**
 * The community (one the staff member serves).
 */
community_id: CommunityId, 
/**
 * Headline, 1–60 characters.
 */
title: string, 
/**
 * One-line summary for the list, up to 120 characters.
 */
summary: string, 
/**
 * Full text, 1–5000 characters.
 */
body: string, 
/**
 * Category.
 */
category: NoticeCategory, 
/**
 * Priority.
 */
priority: NoticePriority, 
/**
 * Pinned to the top.
 */
pinned: boolean, 
/**
 * When the event starts, if it is one.
 */
starts_at: string | null, 
/**
 * When the event ends, if known.
 */
ends_at: string | null, 
/**
 * When the service is expected back (停水, 停电), if said.
 */
service_back_at: string | null, 
/**
 * After this moment the notice is no longer shown.
 */
expires_at: string | null, 
/**
 * The buildings or entrances it concerns (empty: the whole community), each one of the
 * community's directory, at most 50.
 */
targets: Array<NoticeTarget>, };

export type PublishedNotice = { 
/**
 * The new notice.
 */
id: NoticeId, 
/**
 * Its targets, as residents will see them.
 */
targets: Array<NoticeTarget>, };

export type NoticePage = { 
/**
 * The notices.
 */
items: Array<Notice>, 
/**
 * Pass as `cursor` to get the next page; absent on the last page.
 */
next_cursor: string | null, };

export type ReadMarks = { 
/**
 * Notices to mark read; unknown or invisible ids are ignored.
 */
notice_ids: Array<NoticeId>, 
/**
 * When the resident read them (client clock); the server keeps the earliest mark.
 */
read_at: string, };

export type PassId = string;

export type EntryId = string;

export type PassSchedule = { 
/**
 * ISO weekdays, 1 = Monday … 7 = Sunday.
 */
weekdays: Array<number>, 
/**
 * Opens at this minute of the day (0–1439).
 */
from_minute: number, 
/**
 * Closes at this minute of the day (1–1440), after `from_minute`.
 */
until_minute: number, };

export type CreatePass = { 
/**
 * Client-chosen UUIDv7.
 */
id: PassId, 
/**
 * The household inviting.
 */
membership_id: MembershipId, 
/**
 * Visitor's name as the resident types it (shown to the resident and staff; only the
 * initials go into the credential).
 */
visitor_name: string, 
/**
 * Visitor's phone, optional; never in the credential.
 */
visitor_phone: string | null, 
/**
 * Car plate, optional (e.g. 浙A12345); gives the `vehicle` gate group.
 */
plate: string | null, 
/**
 * Why they come (e.g. 探亲访友, 送货, 家政).
 */
purpose: string, 
/**
 * Valid from.
 */
valid_from: string, 
/**
 * Valid until (at most 7 days after `valid_from`).
 */
valid_until: string, 
/**
 * Entries allowed per gate group, 1–10.
 */
max_entries: number, 
/**
 * For a recurring pass (a window of up to 90 days): the days and hours it opens.
 */
schedule: PassSchedule | null, };

export type PassState = "active" | "revoked" | "expired" | "other";

export type Credential = { 
/**
 * `cwt-cose-base45`.
 */
format: string, 
/**
 * The QR text (`VP1:` + Base45).
 */
payload: string, 
/**
 * The signing key's id.
 */
kid: string, };

export type PassEntry = { 
/**
 * Entry id (chosen by the gate).
 */
id: EntryId, 
/**
 * The gate.
 */
gate_id: string, 
/**
 * The gate's name for people, e.g. 东门人行道闸.
 */
gate_name: string, 
/**
 * The gate's group.
 */
gate_group: string, 
/**
 * When the visitor passed.
 */
at: string, };

export type VisitorPass = { 
/**
 * Pass id.
 */
id: PassId, 
/**
 * Household.
 */
membership_id: MembershipId, 
/**
 * Community.
 */
community_id: CommunityId, 
/**
 * Visitor's name.
 */
visitor_name: string, 
/**
 * Visitor's phone, masked.
 */
visitor_phone_masked: string | null, 
/**
 * Car plate.
 */
plate: string | null, 
/**
 * Purpose.
 */
purpose: string, 
/**
 * Valid from.
 */
valid_from: string, 
/**
 * Valid until.
 */
valid_until: string, 
/**
 * Entries allowed per gate group.
 */
max_entries: number, 
/**
 * Gate groups it opens.
 */
gate_groups: Array<string>, 
/**
 * For a recurring pass: the days and hours it opens.
 */
schedule: PassSchedule | null, 
/**
 * State.
 */
state: PassState, 
/**
 * What the gate scans.
 */
credential: Credential, 
/**
 * 8-digit code for a visitor without a working QR (looked up online by the gate).
 */
short_code: string, 
/**
 * Entries reported by gates.
 */
entries: Array<PassEntry>, 
/**
 * Created.
 */
created_at: string, 
/**
 * Revoked, if it was.
 */
revoked_at: string | null, };

export type PassList = { 
/**
 * Newest first.
 */
items: Array<VisitorPass>, };

export type BillId = string;

export type BillLineId = string;

export type PaymentOrderId = string;

export type ReceiptId = string;

export type FeeItem = "property_fee" | "parking" | "water" | "electricity" | "shared_area" | "other";

export type MeterReading = { 
/**
 * The reading the period starts from (decimal string).
 */
previous: string, 
/**
 * The reading the period ends at (decimal string).
 */
current: string, 
/**
 * When the current reading was taken.
 */
read_on: string, };

export type BillLine = { 
/**
 * Line id.
 */
id: BillLineId, 
/**
 * What it charges for.
 */
fee_item: FeeItem, 
/**
 * Its name as printed, e.g. 物业费.
 */
name: string, 
/**
 * First day charged.
 */
period_from: string, 
/**
 * Last day charged.
 */
period_to: string, 
/**
 * How much (decimal string): floor area, spaces, tonnes, kWh.
 */
quantity: string, 
/**
 * Unit of `quantity` and `unit_price`, e.g. `m²`, `个`, `吨`, `度`.
 */
unit: string, 
/**
 * Price per unit (per month where `months` is set), in currency units (decimal string).
 */
unit_price: string, 
/**
 * Months charged, for monthly fees.
 */
months: number | null, 
/**
 * Meter readings, for metered fees.
 */
meter: MeterReading | null, 
/**
 * quantity × unit price (× months), rounded half up to the minor unit.
 */
amount_minor: number, 
/**
 * Late-payment penalty (滞纳金).
 */
penalty_minor: number, 
/**
 * Discount (减免).
 */
discount_minor: number, 
/**
 * Already paid.
 */
paid_minor: number, 
/**
 * Still due: amount + penalty − discount − paid.
 */
due_minor: number, 
/**
 * A remark the property company printed on the line.
 */
note: string | null, };

export type BillState = "unpaid" | "partially_paid" | "paid" | "void" | "other";

export type Bill = { 
/**
 * Bill id.
 */
id: BillId, 
/**
 * The unit billed (every household of the unit sees it).
 */
unit_id: UnitId, 
/**
 * Title as printed, e.g. 2026年第四季度物业费.
 */
title: string, 
/**
 * First day of the billing period.
 */
period_from: string, 
/**
 * Last day of the billing period.
 */
period_to: string, 
/**
 * When it was issued.
 */
issued_at: string, 
/**
 * Pay by this day (community time).
 */
due_date: string, 
/**
 * State.
 */
state: BillState, 
/**
 * Past its due date and not settled.
 */
overdue: boolean, 
/**
 * ISO 4217.
 */
currency: string, 
/**
 * Sum of the lines' amount + penalty − discount.
 */
total_minor: number, 
/**
 * Sum paid.
 */
paid_minor: number, 
/**
 * Still due.
 */
due_minor: number, 
/**
 * The lines.
 */
lines: Array<BillLine>, 
/**
 * The payment order that holds this bill while it is open (pay it, or wait).
 */
open_order_id: PaymentOrderId | null, 
/**
 * When it was settled.
 */
paid_at: string | null, };

export type BillList = { 
/**
 * Unsettled bills first (oldest due date first), then settled ones, newest first.
 */
items: Array<Bill>, };

export type PaymentChannel = "wechat_app" | "alipay_app" | "stripe" | "demo" | "other";

export type CreatePaymentOrder = { 
/**
 * Client-chosen UUIDv7.
 */
id: PaymentOrderId, 
/**
 * Household whose bills these are.
 */
membership_id: MembershipId, 
/**
 * The bills to settle in full.
 */
bill_ids: Array<BillId>, 
/**
 * How the resident pays.
 */
channel: PaymentChannel, 
/**
 * The total the resident was shown; the backend refuses with 409 `amount-changed` when
 * its own total differs.
 */
amount_expected_minor: number, 
/**
 * ISO 4217 of `amount_expected_minor`.
 */
currency: string, };

export type ClientAction = { "type": "wechat_app_sdk", 
/**
 * App id.
 */
appid: string, 
/**
 * Merchant id.
 */
partnerid: string, 
/**
 * Prepay id.
 */
prepayid: string, 
/**
 * Always `Sign=WXPay`.
 */
package: string, 
/**
 * Nonce.
 */
noncestr: string, 
/**
 * Seconds since the epoch, as a string.
 */
timestamp: string, 
/**
 * RSA-SHA256 signature.
 */
sign: string, } | { "type": "alipay_app_sdk", 
/**
 * Signed order string.
 */
order_string: string, } | { "type": "stripe_sheet", 
/**
 * The PaymentIntent's client secret.
 */
client_secret: string, 
/**
 * Publishable key.
 */
publishable_key: string, } | { "type": "demo_confirm", 
/**
 * Absolute HTTPS URL of the checkout page.
 */
url: string, } | { "type": "other" };

export type PaymentOrderState = "awaiting_payment" | "processing" | "succeeded" | "failed" | "canceled" | "expired" | "refunded" | "other";

export type RefundReason = "bills_already_paid" | "other";

export type Refund = { 
/**
 * Amount.
 */
amount_minor: number, 
/**
 * Why.
 */
reason: RefundReason, 
/**
 * When.
 */
refunded_at: string, };

export type PaymentOrder = { 
/**
 * Client-chosen id.
 */
id: PaymentOrderId, 
/**
 * Household.
 */
membership_id: MembershipId, 
/**
 * The bills it settles.
 */
bill_ids: Array<BillId>, 
/**
 * Amount, recomputed by the backend.
 */
amount_minor: number, 
/**
 * ISO 4217.
 */
currency: string, 
/**
 * Channel.
 */
channel: PaymentChannel, 
/**
 * State.
 */
state: PaymentOrderState, 
/**
 * What the app does to pay, while the order awaits payment.
 */
client_action: ClientAction | null, 
/**
 * Created.
 */
created_at: string, 
/**
 * Unpaid orders expire at this time.
 */
expires_at: string, 
/**
 * When the provider took the money.
 */
paid_at: string | null, 
/**
 * The provider's transaction id.
 */
provider_txn_id: string | null, 
/**
 * The receipt, once succeeded.
 */
receipt_id: ReceiptId | null, 
/**
 * Why it failed, as the provider said (for people).
 */
failure_reason: string | null, 
/**
 * The payment arrived after the order had expired.
 */
late: boolean, 
/**
 * Money given back, if any.
 */
refund: Refund | null, };

export type PaymentOrderList = { 
/**
 * Newest first.
 */
items: Array<PaymentOrder>, };

export type ReceiptLine = { 
/**
 * The bill.
 */
bill_id: BillId, 
/**
 * The bill line.
 */
bill_line_id: BillLineId, 
/**
 * Its name, e.g. 物业费.
 */
name: string, 
/**
 * First day charged.
 */
period_from: string, 
/**
 * Last day charged.
 */
period_to: string, 
/**
 * Amount paid for it.
 */
amount_minor: number, };

export type Receipt = { 
/**
 * Receipt id.
 */
id: ReceiptId, 
/**
 * Receipt number as printed, e.g. `SJ202611290001`.
 */
number: string, 
/**
 * The order it is for.
 */
order_id: PaymentOrderId, 
/**
 * The unit paid for.
 */
unit_id: UnitId, 
/**
 * Who paid (display name).
 */
payer: string, 
/**
 * Who issued it (the property company).
 */
issuer: string, 
/**
 * Community.
 */
community: string, 
/**
 * Unit, e.g. 3栋2单元1502.
 */
unit: string, 
/**
 * What was paid.
 */
lines: Array<ReceiptLine>, 
/**
 * Total.
 */
amount_minor: number, 
/**
 * ISO 4217.
 */
currency: string, 
/**
 * Channel.
 */
channel: PaymentChannel, 
/**
 * The provider's transaction id.
 */
provider_txn_id: string, 
/**
 * When it was paid.
 */
paid_at: string, };

export type ReceiptList = { 
/**
 * Newest first.
 */
items: Array<Receipt>, };

export type LedgerDirection = "income" | "expense" | "other";

export type LedgerLine = { 
/**
 * Income or expense.
 */
direction: LedgerDirection, 
/**
 * Category, e.g. 保洁服务, 公共收益.
 */
category: string, 
/**
 * What it was, e.g. 电梯年检.
 */
name: string, 
/**
 * Amount (positive).
 */
amount_minor: number, 
/**
 * A remark.
 */
note: string | null, };

export type LedgerAttachment = { 
/**
 * File name.
 */
name: string, 
/**
 * Media type.
 */
media_type: string, 
/**
 * Size in bytes.
 */
size: number, 
/**
 * Path on this backend (`/v1/…`), fetched with the resident's token.
 */
href: string, };

export type LedgerPeriod = { 
/**
 * Community.
 */
community_id: CommunityId, 
/**
 * Period key, e.g. `2026-Q3`.
 */
period: string, 
/**
 * Title as published, e.g. 2026年第三季度收支公示.
 */
title: string, 
/**
 * First day.
 */
period_from: string, 
/**
 * Last day.
 */
period_to: string, 
/**
 * When it was published.
 */
published_at: string, 
/**
 * ISO 4217.
 */
currency: string, 
/**
 * Sum of income lines.
 */
income_minor: number, 
/**
 * Sum of expense lines.
 */
expense_minor: number, 
/**
 * Income − expense.
 */
balance_minor: number, 
/**
 * The lines, income first.
 */
lines: Array<LedgerLine>, 
/**
 * Published documents.
 */
attachments: Array<LedgerAttachment>, };

export type LedgerList = { 
/**
 * Newest period first.
 */
items: Array<LedgerPeriod>, };

export type TicketId = string;

export type TicketKind = "repair" | "complaint" | "suggestion" | "praise" | "other";

export type TicketPlace = "unit" | "public" | "other";

export type TicketUrgency = "normal" | "urgent" | "other";

export type VisitWindow = { 
/**
 * From.
 */
from: string, 
/**
 * Until.
 */
until: string, };

export type CreateTicket = { 
/**
 * Client-chosen UUIDv7.
 */
id: TicketId, 
/**
 * Household.
 */
membership_id: MembershipId, 
/**
 * Kind.
 */
kind: TicketKind, 
/**
 * Category code (see the contract's list per kind), e.g. `water_electric`.
 */
category: string, 
/**
 * Where.
 */
place: TicketPlace, 
/**
 * For a public place: where exactly.
 */
place_note: string | null, 
/**
 * How urgent (repairs).
 */
urgency: TicketUrgency, 
/**
 * What happened.
 */
description: string, 
/**
 * One to three preferred visit windows (repairs in the unit).
 */
visit_windows: Array<VisitWindow>, 
/**
 * Photos, uploaded first (at most 9).
 */
attachment_ids: Array<string>, 
/**
 * A suggestion staff see without the resident's name.
 */
anonymous: boolean, 
/**
 * A complaint about a bill line ("dispute this line").
 */
bill_line_id: BillLineId | null, };

export type TicketState = "submitted" | "accepted" | "assigned" | "in_progress" | "deferred" | "awaiting_payment" | "completed" | "confirmed" | "closed" | "rejected" | "canceled" | "reopened" | "other";

export type Actor = "resident" | "staff" | "system" | "other";

export type TicketEvent = { 
/**
 * Event id.
 */
id: string, 
/**
 * When.
 */
at: string, 
/**
 * Who, by role.
 */
actor: Actor, 
/**
 * Their name as shown (staff name and post, or the resident).
 */
actor_name: string, 
/**
 * What: `created`, `accepted`, `assigned`, `started`, `deferred`, `resumed`, `rejected`,
 * `completed`, `payment_requested`, `comment`, `canceled`, `confirmed`, `reopened`,
 * `rated`, `auto_confirmed`, `auto_closed`.
 */
action: string, 
/**
 * A note (reason, comment text).
 */
note: string | null, 
/**
 * Photos attached to this step.
 */
attachment_ids: Array<string>, };

export type Rating = { 
/**
 * Overall, 1–5.
 */
overall: number, 
/**
 * Speed, 1–5.
 */
speed: number, 
/**
 * Service attitude, 1–5.
 */
service: number, 
/**
 * Tags, e.g. 上门准时.
 */
tags: Array<string>, 
/**
 * Comment.
 */
comment: string | null, };

export type Ticket = { 
/**
 * Ticket id.
 */
id: TicketId, 
/**
 * Number as staff say it, e.g. BX202611290012.
 */
number: string, 
/**
 * Household.
 */
membership_id: MembershipId, 
/**
 * Kind.
 */
kind: TicketKind, 
/**
 * Category code.
 */
category: string, 
/**
 * Where.
 */
place: TicketPlace, 
/**
 * Where exactly, for a public place.
 */
place_note: string | null, 
/**
 * Urgency.
 */
urgency: TicketUrgency, 
/**
 * What happened.
 */
description: string, 
/**
 * Preferred visit windows.
 */
visit_windows: Array<VisitWindow>, 
/**
 * Photos of the report.
 */
attachment_ids: Array<string>, 
/**
 * Anonymous to staff.
 */
anonymous: boolean, 
/**
 * The bill line disputed, for such a complaint.
 */
bill_line_id: BillLineId | null, 
/**
 * State.
 */
state: TicketState, 
/**
 * Actions the resident may take now: `comment`, `cancel`, `confirm`, `reopen`, `rate`.
 */
allowed: Array<string>, 
/**
 * Created.
 */
created_at: string, 
/**
 * The property company promises a response by then.
 */
response_due_at: string, 
/**
 * … and a fix by then.
 */
fix_due_at: string, 
/**
 * Past a promised deadline and not done.
 */
overdue: boolean, 
/**
 * For `deferred`: the day work resumes.
 */
resume_on: string | null, 
/**
 * For `awaiting_payment`: the amount, in minor units.
 */
payment_minor: number | null, 
/**
 * Who is assigned (name and post).
 */
assignee: string | null, 
/**
 * The rating, once given.
 */
rating: Rating | null, 
/**
 * The timeline, oldest first.
 */
events: Array<TicketEvent>, };

export type TicketList = { 
/**
 * Newest first.
 */
items: Array<Ticket>, };

export type TicketComment = { 
/**
 * Text.
 */
text: string, 
/**
 * Photos, uploaded first.
 */
attachment_ids: Array<string>, };

export type TicketReason = { 
/**
 * Why.
 */
reason: string, };

export type PhotoDraft = { 
/**
 * Its attachment id (the upload's key).
 */
id: string, 
/**
 * A small JPEG data URL to show at once.
 */
thumbnail: string, 
/**
 * Prepared width.
 */
width: number, 
/**
 * Prepared height.
 */
height: number, 
/**
 * Prepared size in bytes.
 */
bytes: number, };

export type NewTicket = { 
/**
 * Kind.
 */
kind: TicketKind, 
/**
 * Category code.
 */
category: string, 
/**
 * Where.
 */
place: TicketPlace, 
/**
 * For a public place: where exactly.
 */
place_note: string | null, 
/**
 * Urgency.
 */
urgency: TicketUrgency, 
/**
 * What happened.
 */
description: string, 
/**
 * Preferred visit windows.
 */
visit_windows: Array<VisitWindow>, 
/**
 * Prepared photos (their draft ids).
 */
photo_ids: Array<string>, 
/**
 * A suggestion staff see without the name.
 */
anonymous: boolean, 
/**
 * The bill line disputed.
 */
bill_line_id: BillLineId | null, };

export type TicketViewState = "pending" | "blocked" | "sent";

export type PhotoProgress = { 
/**
 * Attachment id.
 */
id: string, 
/**
 * Bytes the server confirmed.
 */
sent: number, 
/**
 * Bytes in all.
 */
total: number, 
/**
 * `waiting`, `done` or `rejected`.
 */
state: string, };

export type TicketView = { 
/**
 * Ticket id.
 */
id: TicketId, 
/**
 * Where it stands on the device.
 */
state: TicketViewState, 
/**
 * The queued report, until the backend has it.
 */
request: CreateTicket | null, 
/**
 * The backend's ticket, once sent.
 */
ticket: Ticket | null, 
/**
 * Upload progress of a queued report's photos.
 */
photos: Array<PhotoProgress>, 
/**
 * The last problem sending it.
 */
error: ErrorCode | null, };

export type TicketStep = { "step": "comment", 
/**
 * Text.
 */
text: string, } | { "step": "cancel" } | { "step": "confirm" } | { "step": "reopen", 
/**
 * What is still wrong.
 */
reason: string, } | { "step": "rate", 
/**
 * The rating.
 */
rating: Rating, };

export type BlockedChoice = "send_without" | "discard";

export type EntityKind = "notice" | "membership" | "pass" | "bill" | "ticket" | "home_request" | "other";

export type ChangeOp = "upsert" | "delete" | "other";

export type Change = { 
/**
 * Entity kind.
 */
kind: EntityKind, 
/**
 * Entity id.
 */
id: string, 
/**
 * Upsert or delete.
 */
op: ChangeOp, 
/**
 * The entity's version after the change.
 */
version: number, 
/**
 * The entity (for upserts).
 */
data: unknown, };

export type ChangeFeed = { 
/**
 * Changes in sequence order; at most one per entity per page.
 */
changes: Array<Change>, 
/**
 * Where to continue; store it once the page is applied.
 */
next_cursor: string, 
/**
 * More changes are waiting: ask again at once with `next_cursor`.
 */
has_more: boolean, };

export type StreamEvent = { 
/**
 * What kind of thing changed.
 */
kind: EntityKind, 
/**
 * The change's sequence number; resume after it with `Last-Event-ID`.
 */
seq: bigint, };

export type Locale = "zh-CN" | "en";

export type AccountView = { 
/**
 * The account.
 */
user: User, 
/**
 * Households.
 */
memberships: Array<Membership>, 
/**
 * The household the app currently shows; everything on screen follows it.
 */
current_membership_id: MembershipId | null, };

export type CommunityList = { 
/**
 * By name.
 */
items: Array<Community>, };

export type BackendView = { 
/**
 * Its base URL.
 */
url: string, 
/**
 * The community joined through a link (none when the backend was configured).
 */
community_id: CommunityId | null, 
/**
 * That community's name, as the backend gave it at joining.
 */
community_name: string | null, 
/**
 * A certificate matched against a join link's pin (a private CA, or exactly the
 * backend's own certificate) is trusted for it.
 */
pinned: boolean, 
/**
 * The resident may leave it for another community's backend now (signed out, and not
 * fixed by the app's configuration).
 */
can_switch: boolean, };

export type JoinPreview = { 
/**
 * The join link to pass to `join` (normalised; a typed address gets one made).
 */
link: string, 
/**
 * The backend's base URL.
 */
backend_url: string, 
/**
 * The community, as the backend describes it.
 */
community: Community, 
/**
 * The backend's CA or its own certificate was matched against the link's pin.
 */
pinned: boolean, };

export type HomeRequestsView = { 
/**
 * Their own requests, every state, newest first.
 */
mine: Array<HomeRequest>, 
/**
 * Family and tenant requests waiting for them as a room's owner.
 */
to_decide: Array<HomeRequest>, };

export type SessionView = { 
/**
 * `null` when nobody is signed in.
 */
account: AccountView | null, 
/**
 * The remembered UI language.
 */
locale: Locale, 
/**
 * The backend the app talks to; `null` until the resident joins a community (加入小区).
 */
backend: BackendView | null, 
/**
 * Why the last session ended, when it ended on its own (e.g. `refresh-reused`).
 */
ended_because: ErrorCode | null, 
/**
 * Desktop notifications of ticket progress are wanted (the OS may still silence them).
 */
notifications: boolean, 
/**
 * 长辈模式 (elderly mode) is on: larger text and touch targets, higher contrast, a simple
 * home. A setting of this device, kept across restarts and sign-out.
 */
elderly_mode: boolean, 
/**
 * The one-time offer of 长辈模式 after the first sign-in has been answered (or the mode
 * switched on 我的): the UI never offers it again.
 */
elderly_offered: boolean, };

export type SyncStatus = { 
/**
 * The last request reached the backend.
 */
online: boolean, 
/**
 * When the cache was last brought up to date.
 */
last_synced_at: string | null, 
/**
 * Writes waiting to be sent.
 */
outbox_pending: number, 
/**
 * Writes the backend refused for good (kept for the resident to see).
 */
outbox_rejected: number, };

export type CoreEvent = { "type": "connectivity", 
/**
 * Reachable now.
 */
online: boolean, } | { "type": "data-changed", 
/**
 * Which kinds changed.
 */
kinds: Array<EntityKind>, } | { "type": "outbox", 
/**
 * Writes waiting.
 */
pending: number, 
/**
 * Writes refused for good.
 */
rejected: number, } | { "type": "session-ended", 
/**
 * Why.
 */
code: ErrorCode, } | { "type": "notification", 
/**
 * Title.
 */
title: string, 
/**
 * Text.
 */
body: string, 
/**
 * The ticket it is about (none for a summary of several).
 */
ticket_id: TicketId | null, };

export type NewPass = { 
/**
 * Visitor's name.
 */
visitor_name: string, 
/**
 * Visitor's phone, optional.
 */
visitor_phone: string | null, 
/**
 * Car plate, optional.
 */
plate: string | null, 
/**
 * Purpose.
 */
purpose: string, 
/**
 * Valid from.
 */
valid_from: string, 
/**
 * Valid until.
 */
valid_until: string, 
/**
 * Entries allowed.
 */
max_entries: number, 
/**
 * For a recurring pass: the days and hours it opens.
 */
schedule: PassSchedule | null, };

export type PassViewState = "pending" | "rejected" | "active" | "upcoming" | "expired" | "revoked";

export type PassView = { 
/**
 * Pass id.
 */
id: PassId, 
/**
 * Household.
 */
membership_id: MembershipId, 
/**
 * Visitor's name.
 */
visitor_name: string, 
/**
 * Car plate.
 */
plate: string | null, 
/**
 * Purpose.
 */
purpose: string, 
/**
 * Valid from.
 */
valid_from: string, 
/**
 * Valid until.
 */
valid_until: string, 
/**
 * Entries allowed per gate group.
 */
max_entries: number, 
/**
 * Entries gates reported.
 */
entries_used: number, 
/**
 * Those entries, oldest first.
 */
entries: Array<PassEntry>, 
/**
 * For a recurring pass: the days and hours it opens.
 */
schedule: PassSchedule | null, 
/**
 * State.
 */
state: PassViewState, 
/**
 * The QR text, once issued.
 */
payload: string | null, 
/**
 * The 8-digit code, once issued.
 */
short_code: string | null, 
/**
 * Why issuing failed (`Rejected`).
 */
error: ErrorCode | null, };

export type MarkedText = { 
/**
 * The text, as it stands in the notice.
 */
text: string, 
/**
 * Whether it matches one of the query's terms.
 */
hit: boolean, };

export type NoticeHit = { 
/**
 * The notice, pending read marks projected.
 */
notice: Notice, 
/**
 * The whole title, in parts.
 */
title: Array<MarkedText>, 
/**
 * A stretch of the body around its first match (the summary when only the title
 * matched), with `…` parts where it was cut.
 */
snippet: Array<MarkedText>, };

/** Limits the backend enforces (crates/wire/src/limits.rs). */
export const LIMITS = {
  maxPhotos: 9,
  maxVisitWindows: 3,
  passMinEntries: 1,
  passMaxEntries: 10,
  passMaxDays: 7,
  recurringPassMaxDays: 90,
  smsCodeDigits: 6,
} as const;

/** Category codes per ticket kind, in the order the app offers them. */
export const TICKET_CATEGORIES = {
  repair: ['water_electric', 'doors_windows', 'elevator', 'public_lighting', 'pipes', 'greenery', 'other'],
  complaint: ['service', 'environment', 'noise', 'security', 'parking', 'fees', 'other'],
  suggestion: ['facilities', 'management', 'activities', 'other'],
  praise: ['staff', 'service', 'other'],
} as const;
