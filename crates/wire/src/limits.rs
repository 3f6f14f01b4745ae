//! Contract facts: the limits and code lists the backend enforces and the app shows, written
//! once. The reference backend checks requests against them, the core checks input before it
//! queues anything, and the UI reads them from `ui/src/generated/wire.ts` (`LIMITS`,
//! `TICKET_CATEGORIES`, generated from here by [`crate::ts`]), so none of them is written
//! again in another tier.

use crate::tickets::TicketKind;

/// Photos on one ticket, or on one staff step.
pub const MAX_PHOTOS: usize = 9;
/// Preferred visit windows on one repair report.
pub const MAX_VISIT_WINDOWS: usize = 3;
/// Entries one visitor pass allows, at least.
pub const PASS_MIN_ENTRIES: u32 = 1;
/// Entries one visitor pass allows, at most.
pub const PASS_MAX_ENTRIES: u32 = 10;
/// How far a gate's clock may be from the backend's, in seconds: a gate opens a pass this
/// much before or after its window, and the backend counts such entries.
pub const GATE_CLOCK_SKEW_S: i64 = 300;
/// How long a one-off visitor pass may last, in days.
pub const PASS_MAX_DAYS: i64 = 7;
/// How long a recurring visitor pass may last, in days.
pub const RECURRING_PASS_MAX_DAYS: i64 = 90;
/// Digits of an SMS sign-in code.
pub const SMS_CODE_DIGITS: usize = 6;
/// How long an SMS sign-in code stays valid, in seconds.
pub const SMS_CODE_TTL_S: u32 = 300;
/// Wrong tries before an SMS code is void (a new one must be asked for).
pub const SMS_CODE_MAX_TRIES: u32 = 5;
/// Seconds between two codes sent to one phone.
pub const SMS_RESEND_S: u32 = 60;
/// Codes sent to one phone in one day (Beijing time), at most.
pub const SMS_DAILY_PER_PHONE: u32 = 10;
/// Codes asked for by one client address in one day (Beijing time), at most.
pub const SMS_DAILY_PER_CLIENT: u32 = 50;
/// Uploads one resident (or staff member) may hold at once that are not on a ticket yet:
/// unfinished ones and finished ones waiting to be attached. Two full reports' photos, so
/// the app can queue a report while the previous one is still being sent.
pub const UPLOAD_QUOTA_COUNT: usize = 2 * MAX_PHOTOS;
/// Bytes those uploads may reserve together (their announced `Upload-Length`s): four uploads
/// of the largest size, far more than the app's prepared photos ever need.
pub const UPLOAD_QUOTA_BYTES: u64 = 100 * 1024 * 1024;
/// How long a finished upload waits to be attached before it is deleted, in hours; also how
/// long an unfinished one lives (tus `Upload-Expires`).
pub const UPLOAD_TTL_HOURS: i64 = 24;

/// A visitor's name on a pass, in characters (trimmed).
pub const VISITOR_NAME_MAX_CHARS: usize = 32;
/// A pass's purpose, in characters (trimmed).
pub const PASS_PURPOSE_MAX_CHARS: usize = 50;
/// A licence plate on a pass, in characters, at least (e.g. 浙A1234 is 6).
pub const PLATE_MIN_CHARS: usize = 5;
/// A licence plate on a pass, in characters, at most.
pub const PLATE_MAX_CHARS: usize = 10;
/// A ticket's description, in characters (trimmed), at least.
pub const TICKET_DESCRIPTION_MIN_CHARS: usize = 2;
/// A ticket's description, in characters (trimmed), at most.
pub const TICKET_DESCRIPTION_MAX_CHARS: usize = 2000;
/// A comment on a ticket, in characters (trimmed).
pub const COMMENT_MAX_CHARS: usize = 1000;
/// The lowest score of a rating.
pub const RATING_MIN: u8 = 1;
/// The highest score of a rating.
pub const RATING_MAX: u8 = 5;
/// Tags on one rating, at most.
pub const RATING_MAX_TAGS: usize = 10;
/// Bills one payment order settles, at most (and at least one).
pub const ORDER_MAX_BILLS: usize = 24;
/// An owner's name on a home request, in characters (as normalised).
pub const OWNER_NAME_MAX_CHARS: usize = 50;
/// Why a home request is refused, in characters (trimmed).
pub const REFUSAL_REASON_MAX_CHARS: usize = 200;
/// Entries one gate uploads in one batch, at most.
pub const GATE_ENTRIES_MAX: usize = 1000;
/// A page of notices: at most this many (`limit`).
pub const NOTICES_PAGE_MAX: u32 = 100;
/// A page of notices when `limit` is absent.
pub const NOTICES_PAGE_DEFAULT: u32 = 20;
/// A page of the change feed: at most this many changes (`limit`).
pub const SYNC_PAGE_MAX: u32 = 500;
/// A page of the change feed when `limit` is absent.
pub const SYNC_PAGE_DEFAULT: u32 = 100;
/// A password, in bytes of UTF-8 (argon2's input), at most.
pub const PASSWORD_MAX_BYTES: usize = 256;
/// Notices one batch of read marks names, at most (and at least one).
pub const READ_MARKS_MAX: usize = 500;
/// The longest `Idempotency-Key` (its string's characters).
pub const IDEMPOTENCY_KEY_MAX_CHARS: usize = 255;

/// A phone number the backend takes (ECMA-262 regex, as the contract states it): 11 digits
/// starting with 1, optionally after `+86` or `0086`, with spaces or dashes anywhere.
pub const PHONE_PATTERN: &str =
    r"^[ -]*(\+[ -]*8[ -]*6|0[ -]*0[ -]*8[ -]*6)?[ -]*1([ -]*[0-9]){10}[ -]*$";

/// The forms of an `Idempotency-Key` (ECMA-262 regex): an RFC 8941 string of 1 to 255
/// printable ASCII characters without `"` or `\`, or leniently the same characters bare
/// (not starting or ending with a space, which HTTP would strip).
pub const IDEMPOTENCY_KEY_PATTERN: &str =
    r#"^("[ !#-\[\]-~]{1,255}"|[!#-\[\]-~]|[!#-\[\]-~][ !#-\[\]-~]{0,253}[!#-\[\]-~])$"#;

/// One limit of a request member, as the contract's JSON Schema states it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// A string of `min` to `max` characters.
    Chars {
        /// At least.
        min: usize,
        /// At most.
        max: usize,
    },
    /// An array of `min` to `max` items.
    Items {
        /// At least.
        min: usize,
        /// At most.
        max: usize,
    },
    /// An integer from `min` to `max`.
    Range {
        /// At least.
        min: i64,
        /// At most.
        max: i64,
    },
    /// A string matching an ECMA-262 regex.
    Pattern(&'static str),
    /// A string of exactly this many ASCII digits.
    Digits(usize),
}

/// Where a limit applies: the schema (component name), the member, and the rule.
pub type SchemaLimit = (&'static str, &'static str, Rule);

const fn chars(min: usize, max: usize) -> Rule {
    Rule::Chars { min, max }
}
const fn items(min: usize, max: usize) -> Rule {
    Rule::Items { min, max }
}
#[allow(clippy::cast_possible_wrap)]
const fn range(min: u32, max: u32) -> Rule {
    Rule::Range {
        min: min as i64,
        max: max as i64,
    }
}
const fn score() -> Rule {
    range(RATING_MIN as u32, RATING_MAX as u32)
}

/// The limits above as the contract states them on the request schemas (the backend's
/// document applies them; an api test checks each one is there). Limits the server checks
/// after trimming are stated on the untrimmed value: a blank string passes the schema and is
/// refused with `validation-failed`, as documented.
pub const SCHEMA_LIMITS: &[SchemaLimit] = &[
    ("LoginRequest", "phone", Rule::Pattern(PHONE_PATTERN)),
    ("SmsCodeRequest", "phone", Rule::Pattern(PHONE_PATTERN)),
    ("SmsLoginRequest", "phone", Rule::Pattern(PHONE_PATTERN)),
    ("SmsLoginRequest", "code", Rule::Digits(SMS_CODE_DIGITS)),
    // Stated in characters, which JSON Schema counts: at most 4 bytes each, so any password
    // within the schema is within the server's byte limit.
    ("LoginRequest", "password", chars(1, PASSWORD_MAX_BYTES / 4)),
    ("ReadMarks", "notice_ids", items(1, READ_MARKS_MAX)),
    ("CreateInvitation", "phone", Rule::Pattern(PHONE_PATTERN)),
    (
        "CreatePass",
        "visitor_name",
        chars(1, VISITOR_NAME_MAX_CHARS),
    ),
    ("CreatePass", "purpose", chars(1, PASS_PURPOSE_MAX_CHARS)),
    (
        "CreatePass",
        "plate",
        chars(PLATE_MIN_CHARS, PLATE_MAX_CHARS),
    ),
    ("CreatePass", "visitor_phone", Rule::Pattern(PHONE_PATTERN)),
    (
        "CreatePass",
        "max_entries",
        range(PASS_MIN_ENTRIES, PASS_MAX_ENTRIES),
    ),
    (
        "CreateTicket",
        "description",
        chars(TICKET_DESCRIPTION_MIN_CHARS, TICKET_DESCRIPTION_MAX_CHARS),
    ),
    ("CreateTicket", "visit_windows", items(0, MAX_VISIT_WINDOWS)),
    ("CreateTicket", "attachment_ids", items(0, MAX_PHOTOS)),
    ("TicketComment", "text", chars(1, COMMENT_MAX_CHARS)),
    ("TicketComment", "attachment_ids", items(0, MAX_PHOTOS)),
    ("Rating", "overall", score()),
    ("Rating", "speed", score()),
    ("Rating", "service", score()),
    ("Rating", "tags", items(0, RATING_MAX_TAGS)),
    ("CreatePaymentOrder", "bill_ids", items(1, ORDER_MAX_BILLS)),
    (
        "CreateHomeRequest",
        "owner_name",
        chars(0, OWNER_NAME_MAX_CHARS),
    ),
    ("Refusal", "reason", chars(1, REFUSAL_REASON_MAX_CHARS)),
    ("GateEntries", "entries", items(0, GATE_ENTRIES_MAX)),
];

/// The ticket kinds a resident files, in the order the app offers them.
pub const TICKET_KINDS: [TicketKind; 4] = [
    TicketKind::Repair,
    TicketKind::Complaint,
    TicketKind::Suggestion,
    TicketKind::Praise,
];

/// Category codes per kind (the app shows them in words).
pub fn ticket_categories(kind: TicketKind) -> &'static [&'static str] {
    match kind {
        TicketKind::Repair => &[
            "water_electric",
            "doors_windows",
            "elevator",
            "public_lighting",
            "pipes",
            "greenery",
            "other",
        ],
        TicketKind::Complaint => &[
            "service",
            "environment",
            "noise",
            "security",
            "parking",
            "fees",
            "other",
        ],
        TicketKind::Suggestion => &["facilities", "management", "activities", "other"],
        TicketKind::Praise => &["staff", "service", "other"],
        TicketKind::Other => &[],
    }
}

/// The TypeScript declarations of these facts, for the generated file.
pub(crate) fn typescript() -> String {
    let kinds: Vec<String> = TICKET_KINDS
        .iter()
        .map(|kind| {
            let name = serde_json::to_value(kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            let codes: Vec<String> = ticket_categories(*kind)
                .iter()
                .map(|c| format!("'{c}'"))
                .collect();
            format!("  {name}: [{}],\n", codes.join(", "))
        })
        .collect();
    format!(
        "/** Limits the backend enforces (crates/wire/src/limits.rs). */\n\
         export const LIMITS = {{\n  maxPhotos: {MAX_PHOTOS},\n  maxVisitWindows: \
         {MAX_VISIT_WINDOWS},\n  passMinEntries: {PASS_MIN_ENTRIES},\n  passMaxEntries: \
         {PASS_MAX_ENTRIES},\n  passMaxDays: {PASS_MAX_DAYS},\n  recurringPassMaxDays: \
         {RECURRING_PASS_MAX_DAYS},\n  smsCodeDigits: {SMS_CODE_DIGITS},\n}} as const;\n\n\
         /** Category codes per ticket kind, in the order the app offers them. */\n\
         export const TICKET_CATEGORIES = {{\n{}}} as const;\n",
        kinds.concat()
    )
}
