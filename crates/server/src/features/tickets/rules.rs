//! The tickets' rules, free of SQL and HTTP: the state machine (which steps the resident and
//! staff may take in each state, answered as `allowed`), what a new ticket and each step's
//! body must satisfy, the promised deadlines, and which automatic step is due. A refused step
//! is 409 `invalid-transition` with `current_state` and `allowed`; a bad body 422.

use chrono::{Duration, NaiveDate};
use linli_wire::ErrorCode;
use linli_wire::limits;
use linli_wire::tickets::{
    CreateTicket, Rating, TicketKind, TicketPlace, TicketState, TicketUrgency,
};

use super::store::{Row, enum_str};
use crate::clock::from_ms;
use crate::error::{ApiError, ApiResult};

/// Days after completion within which the resident may reopen.
pub const REOPEN_DAYS: i64 = 7;
/// Days after which a completed ticket confirms itself.
pub const AUTO_CONFIRM_DAYS: i64 = 3;
/// Days after which a confirmed, unrated ticket closes itself.
pub const AUTO_CLOSE_DAYS: i64 = 7;
/// At most this many photos per ticket (the contract's limit).
pub use linli_wire::limits::MAX_PHOTOS;
/// Category codes per kind (the contract's list).
pub use linli_wire::limits::ticket_categories as categories;

const DAY_MS: i64 = 24 * 3600 * 1000;
const HOUR_MS: i64 = 3600 * 1000;

/// Promised (response, fix) deadlines after creation, in ms.
pub(super) fn deadlines(kind: TicketKind, urgency: TicketUrgency) -> (i64, i64) {
    match (kind, urgency) {
        (TicketKind::Repair, TicketUrgency::Urgent) => (30 * 60 * 1000, DAY_MS),
        (TicketKind::Repair, _) => (2 * HOUR_MS, 3 * DAY_MS),
        (TicketKind::Complaint, _) => (DAY_MS, 7 * DAY_MS),
        _ => (3 * DAY_MS, 3 * DAY_MS),
    }
}

/// What the resident may do in a state.
pub(super) fn resident_allowed(
    state: TicketState,
    completed_at: Option<i64>,
    now: i64,
) -> Vec<&'static str> {
    let mut allowed = Vec::new();
    if !matches!(
        state,
        TicketState::Canceled | TicketState::Closed | TicketState::Rejected
    ) {
        allowed.push("comment");
    }
    match state {
        TicketState::Submitted => allowed.push("cancel"),
        TicketState::Completed => {
            allowed.push("confirm");
            allowed.push("rate");
        }
        TicketState::Confirmed => allowed.push("rate"),
        _ => {}
    }
    if matches!(state, TicketState::Completed | TicketState::Confirmed)
        && completed_at.is_some_and(|at| now - at <= REOPEN_DAYS * DAY_MS)
    {
        allowed.push("reopen");
    }
    allowed
}

/// What staff may do in a state.
pub(super) fn staff_allowed(state: TicketState) -> Vec<&'static str> {
    let mut allowed = match state {
        TicketState::Submitted => vec!["accept", "reject"],
        TicketState::Reopened => vec!["accept"],
        TicketState::Accepted => vec!["assign", "defer", "reject"],
        TicketState::Assigned => vec!["assign", "start", "defer"],
        TicketState::InProgress => vec!["defer", "complete", "request_payment"],
        TicketState::Deferred => vec!["start"],
        TicketState::AwaitingPayment => vec!["complete"],
        _ => vec![],
    };
    if !matches!(
        state,
        TicketState::Canceled | TicketState::Closed | TicketState::Rejected | TicketState::Other
    ) {
        allowed.push("comment");
    }
    allowed
}

pub(super) fn invalid(state: TicketState, allowed: &[&str]) -> ApiError {
    ApiError::new(ErrorCode::InvalidTransition)
        .detail("this ticket's state does not allow that")
        .transition(
            enum_str(&state),
            allowed.iter().map(|a| (*a).to_owned()).collect(),
        )
}

/// What a new ticket must satisfy (checked on a fresh write only).
pub(super) fn validate(request: &CreateTicket, now: i64) -> ApiResult<()> {
    if !categories(request.kind).contains(&request.category.as_str()) {
        return Err(ApiError::invalid(
            "/category",
            "unknown",
            "not a category of this kind",
        ));
    }
    let description = request.description.trim();
    let (min, max) = (
        limits::TICKET_DESCRIPTION_MIN_CHARS,
        limits::TICKET_DESCRIPTION_MAX_CHARS,
    );
    if !(min..=max).contains(&description.chars().count()) {
        return Err(ApiError::invalid(
            "/description",
            "length",
            format!("describe it in {min} to {max} characters"),
        ));
    }
    if request.place == TicketPlace::Public
        && request
            .place_note
            .as_deref()
            .is_none_or(|n| n.trim().is_empty())
    {
        return Err(ApiError::invalid(
            "/place_note",
            "required",
            "say where in the community",
        ));
    }
    if request.visit_windows.len() > linli_wire::limits::MAX_VISIT_WINDOWS {
        return Err(ApiError::invalid(
            "/visit_windows",
            "too-many",
            format!(
                "at most {} visit windows",
                linli_wire::limits::MAX_VISIT_WINDOWS
            ),
        ));
    }
    for (i, w) in request.visit_windows.iter().enumerate() {
        if w.until <= w.from || w.until.timestamp_millis() <= now {
            return Err(ApiError::invalid(
                &format!("/visit_windows/{i}"),
                "invalid",
                "a window must end after it starts, in the future",
            ));
        }
    }
    if request.anonymous && request.kind != TicketKind::Suggestion {
        return Err(ApiError::invalid(
            "/anonymous",
            "not-allowed",
            "only suggestions can be anonymous",
        ));
    }
    if request.attachment_ids.len() > MAX_PHOTOS {
        return Err(ApiError::invalid(
            "/attachment_ids",
            "too-many",
            format!("at most {MAX_PHOTOS} photos"),
        ));
    }
    Ok(())
}

/// The number prefix of a new ticket: kind and the community's day, e.g. `BX20261201`.
pub(super) fn number_prefix(kind: TicketKind, now: i64) -> String {
    let prefix = match kind {
        TicketKind::Repair => "BX",
        TicketKind::Complaint => "TS",
        TicketKind::Suggestion => "JY",
        _ => "BY",
    };
    let day = (from_ms(now) + Duration::hours(8))
        .format("%Y%m%d")
        .to_string();
    format!("{prefix}{day}")
}

/// Whether an open ticket missed its fix deadline, or its response deadline unanswered.
pub(super) fn overdue(row: &Row, now: i64) -> bool {
    let done = matches!(
        row.state(),
        TicketState::Completed
            | TicketState::Confirmed
            | TicketState::Closed
            | TicketState::Rejected
            | TicketState::Canceled
    );
    !done && (now > row.fix_due_at || (row.responded_at.is_none() && now > row.response_due_at))
}

/// A comment's text, trimmed: 1 to 1000 characters.
pub(super) fn comment_text(text: &str) -> ApiResult<&str> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > limits::COMMENT_MAX_CHARS {
        return Err(ApiError::invalid(
            "/text",
            "length",
            format!("1 to {} characters", limits::COMMENT_MAX_CHARS),
        ));
    }
    Ok(text)
}

/// Why a ticket is reopened, trimmed: required.
pub(super) fn reopen_reason(reason: &str) -> ApiResult<&str> {
    let text = reason.trim();
    if text.is_empty() {
        return Err(ApiError::invalid(
            "/reason",
            "required",
            "say what is still wrong",
        ));
    }
    Ok(text)
}

/// A rating: scores 1 to 5, at most 10 tags.
pub(super) fn check_rating(rating: &Rating) -> ApiResult<()> {
    if [rating.overall, rating.speed, rating.service]
        .iter()
        .any(|s| !(limits::RATING_MIN..=limits::RATING_MAX).contains(s))
        || rating.tags.len() > limits::RATING_MAX_TAGS
    {
        return Err(ApiError::invalid(
            "/overall",
            "range",
            format!(
                "scores are {} to {}, at most {} tags",
                limits::RATING_MIN,
                limits::RATING_MAX,
                limits::RATING_MAX_TAGS
            ),
        ));
    }
    Ok(())
}

/// A deferral resumes on a later day than the community's today.
pub(super) fn check_resume_on(resume_on: NaiveDate, now: i64) -> ApiResult<()> {
    if resume_on <= crate::clock::community_today(now) {
        return Err(ApiError::invalid(
            "/resume_on",
            "in-the-past",
            "resume on a later day",
        ));
    }
    Ok(())
}

/// A rejection's reason, trimmed: required.
pub(super) fn rejection_reason(reason: &str) -> ApiResult<&str> {
    if reason.trim().is_empty() {
        return Err(ApiError::invalid(
            "/reason",
            "required",
            "a rejection needs a reason",
        ));
    }
    Ok(reason.trim())
}

/// A payment request asks for a positive amount.
pub(super) fn check_payment(amount_minor: i64) -> ApiResult<()> {
    if amount_minor <= 0 {
        return Err(ApiError::invalid(
            "/amount_minor",
            "range",
            "a positive amount",
        ));
    }
    Ok(())
}

/// An automatic step the system takes on a ticket when its day comes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum AutoStep {
    /// A deferred ticket resumes on its day, in the state it would be in.
    Resume(TicketState),
    /// A completed ticket confirms itself after [`AUTO_CONFIRM_DAYS`].
    Confirm,
    /// A confirmed, unrated ticket closes itself after [`AUTO_CLOSE_DAYS`].
    Close,
}

/// The automatic step due for a ticket at `now`, if any.
pub(super) fn auto_step(row: &Row, now: i64) -> Option<AutoStep> {
    let today = crate::clock::community_today(now);
    match row.state() {
        TicketState::Deferred => {
            let due = row
                .resume_on
                .as_deref()
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
            due.is_some_and(|d| today >= d).then(|| {
                AutoStep::Resume(if row.assignee.is_some() {
                    TicketState::InProgress
                } else {
                    TicketState::Accepted
                })
            })
        }
        TicketState::Completed
            if row
                .completed_at
                .is_some_and(|at| now - at >= AUTO_CONFIRM_DAYS * DAY_MS) =>
        {
            Some(AutoStep::Confirm)
        }
        TicketState::Confirmed
            if row.rating.is_none()
                && row
                    .confirmed_at
                    .is_some_and(|at| now - at >= AUTO_CLOSE_DAYS * DAY_MS) =>
        {
            Some(AutoStep::Close)
        }
        _ => None,
    }
}
