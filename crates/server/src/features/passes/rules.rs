//! The passes' rules, no HTTP and no SQL: what a pass request may ask for (name, phone,
//! window lengths, a recurring schedule) and what of the visitor reaches the credential. The
//! phone check is the auth feature's rule ([`crate::features::auth::normalize_phone`]).

use crate::error::{ApiError, ApiResult};
use chrono::Duration;
use linli_wire::limits;
use linli_wire::passes::{CreatePass, PassSchedule};

/// The longest window a pass may have.
const MAX_WINDOW: Duration = Duration::days(limits::PASS_MAX_DAYS);
/// The longest window of a recurring pass (a housekeeper for a season).
const MAX_RECURRING_WINDOW: Duration = Duration::days(limits::RECURRING_PASS_MAX_DAYS);
/// Community time: China Standard Time, UTC+8 all year.
const COMMUNITY_UTC_OFFSET_MINUTES: i16 = 480;

/// The credential's schedule claim for a recurring pass, or why it is invalid.
pub(crate) fn schedule_claim(schedule: &PassSchedule) -> ApiResult<linli_pass::Schedule> {
    let mut weekdays = 0_u8;
    for day in &schedule.weekdays {
        if !(1..=7).contains(day) {
            return Err(ApiError::invalid(
                "/schedule/weekdays",
                "out-of-range",
                "weekdays are 1 (Monday) to 7 (Sunday)",
            ));
        }
        weekdays |= 1 << (day - 1);
    }
    if weekdays == 0 {
        return Err(ApiError::invalid(
            "/schedule/weekdays",
            "required",
            "name at least one day",
        ));
    }
    if schedule.from_minute >= schedule.until_minute || schedule.until_minute > 1440 {
        return Err(ApiError::invalid(
            "/schedule/until_minute",
            "out-of-range",
            "the daily hours must end after they start, within the day",
        ));
    }
    Ok(linli_pass::Schedule {
        weekdays,
        from_minute: schedule.from_minute,
        until_minute: schedule.until_minute,
        utc_offset_minutes: COMMUNITY_UTC_OFFSET_MINUTES,
    })
}

/// `张*` from `张伟`: what the guard may compare with the visitor, and no more.
pub fn initials(name: &str) -> String {
    name.trim()
        .chars()
        .next()
        .map_or_else(String::new, |first| format!("{first}*"))
}

/// Refuses a pass request the rules do not allow (422 with the field).
pub(crate) fn validate(request: &CreatePass, now_ms: i64) -> ApiResult<()> {
    let name = request.visitor_name.trim().chars().count();
    if !(1..=limits::VISITOR_NAME_MAX_CHARS).contains(&name) {
        return Err(ApiError::invalid(
            "/visitor_name",
            "invalid-length",
            format!("1 to {} characters", limits::VISITOR_NAME_MAX_CHARS),
        ));
    }
    let purpose = request.purpose.trim().chars().count();
    if !(1..=limits::PASS_PURPOSE_MAX_CHARS).contains(&purpose) {
        return Err(ApiError::invalid(
            "/purpose",
            "invalid-length",
            format!("1 to {} characters", limits::PASS_PURPOSE_MAX_CHARS),
        ));
    }
    if let Some(phone) = &request.visitor_phone
        && crate::features::auth::normalize_phone(phone).is_none()
    {
        return Err(ApiError::invalid(
            "/visitor_phone",
            "invalid-phone",
            "an 11-digit mobile number",
        ));
    }
    if let Some(plate) = &request.plate
        && !(limits::PLATE_MIN_CHARS..=limits::PLATE_MAX_CHARS)
            .contains(&plate.trim().chars().count())
    {
        return Err(ApiError::invalid(
            "/plate",
            "invalid-plate",
            "a licence plate such as 浙A12345",
        ));
    }
    if !(limits::PASS_MIN_ENTRIES..=limits::PASS_MAX_ENTRIES).contains(&request.max_entries) {
        return Err(ApiError::invalid(
            "/max_entries",
            "out-of-range",
            format!(
                "{} to {} entries",
                limits::PASS_MIN_ENTRIES,
                limits::PASS_MAX_ENTRIES
            ),
        ));
    }
    if request.valid_until <= request.valid_from {
        return Err(ApiError::invalid(
            "/valid_until",
            "before-start",
            "must be after valid_from",
        ));
    }
    let longest = if request.schedule.is_some() {
        MAX_RECURRING_WINDOW
    } else {
        MAX_WINDOW
    };
    if request.valid_until - request.valid_from > longest {
        return Err(ApiError::invalid(
            "/valid_until",
            "too-long",
            format!(
                "a pass lasts at most {} days ({} for a recurring one)",
                limits::PASS_MAX_DAYS,
                limits::RECURRING_PASS_MAX_DAYS
            ),
        ));
    }
    if let Some(schedule) = &request.schedule {
        schedule_claim(schedule)?;
    }
    if request.valid_until.timestamp_millis() <= now_ms {
        return Err(ApiError::invalid(
            "/valid_until",
            "in-the-past",
            "the window has already ended",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::initials;

    #[test]
    fn only_the_first_character_reaches_the_credential() {
        assert_eq!(initials("张伟"), "张*");
        assert_eq!(initials(" Li Lei"), "L*");
        assert_eq!(initials(""), "");
    }
}
