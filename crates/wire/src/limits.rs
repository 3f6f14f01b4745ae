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
