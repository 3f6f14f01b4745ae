//! What a pass may be (checked before it is queued, as the backend checks it), how a pass
//! shows (issued or queued), and its QR code, drawn here at error correction M so the same
//! code that tests decode it draws what the resident shows at the gate.

use crate::error::Error;
use chrono::{DateTime, Utc};
use linli_wire::ErrorCode;
use linli_wire::ipc::{NewPass, PassView, PassViewState};
use linli_wire::limits::{
    PASS_MAX_DAYS, PASS_MAX_ENTRIES, PASS_MIN_ENTRIES, RECURRING_PASS_MAX_DAYS,
};
use linli_wire::passes::{CreatePass, PassState, VisitorPass};

/// Checks what the resident entered, as the backend will (so a pass is not queued only to be
/// refused later).
pub(crate) fn validate(input: &NewPass, now: DateTime<Utc>) -> Result<(), Error> {
    let name = input.visitor_name.trim().chars().count();
    if !(1..=32).contains(&name) {
        return Err(Error::Invalid(
            "the visitor's name needs 1 to 32 characters".into(),
        ));
    }
    if !(1..=50).contains(&input.purpose.trim().chars().count()) {
        return Err(Error::Invalid(
            "the purpose needs 1 to 50 characters".into(),
        ));
    }
    if !(PASS_MIN_ENTRIES..=PASS_MAX_ENTRIES).contains(&input.max_entries) {
        return Err(Error::Invalid(format!(
            "a pass allows {PASS_MIN_ENTRIES} to {PASS_MAX_ENTRIES} entries"
        )));
    }
    if input.valid_until <= input.valid_from || input.valid_until <= now {
        return Err(Error::Invalid(
            "the window must end after it starts, in the future".into(),
        ));
    }
    let longest = if input.schedule.is_some() {
        RECURRING_PASS_MAX_DAYS
    } else {
        PASS_MAX_DAYS
    };
    if input.valid_until - input.valid_from > chrono::TimeDelta::days(longest) {
        return Err(Error::Invalid(format!(
            "this pass lasts at most {longest} days"
        )));
    }
    if let Some(schedule) = &input.schedule {
        if schedule.weekdays.is_empty() || schedule.weekdays.iter().any(|d| !(1..=7).contains(d)) {
            return Err(Error::Invalid(
                "choose the days of the week (1 to 7)".into(),
            ));
        }
        if schedule.from_minute >= schedule.until_minute || schedule.until_minute > 1440 {
            return Err(Error::Invalid(
                "the daily hours must end after they start".into(),
            ));
        }
    }
    Ok(())
}

/// How an issued pass looks on the device at `now`.
pub(crate) fn view_of(pass: &VisitorPass, now: DateTime<Utc>) -> PassView {
    let state = match pass.state {
        PassState::Revoked => PassViewState::Revoked,
        _ if now > pass.valid_until => PassViewState::Expired,
        _ if now < pass.valid_from => PassViewState::Upcoming,
        PassState::Expired => PassViewState::Expired,
        PassState::Active | PassState::Other => PassViewState::Active,
    };
    PassView {
        id: pass.id,
        membership_id: pass.membership_id,
        visitor_name: pass.visitor_name.clone(),
        plate: pass.plate.clone(),
        purpose: pass.purpose.clone(),
        valid_from: pass.valid_from,
        valid_until: pass.valid_until,
        max_entries: pass.max_entries,
        entries_used: u32::try_from(pass.entries.len()).unwrap_or(u32::MAX),
        entries: pass.entries.clone(),
        schedule: pass.schedule.clone(),
        state,
        payload: Some(pass.credential.payload.clone()),
        short_code: Some(pass.short_code.clone()),
        error: None,
    }
}

pub(super) fn view_of_queued(
    request: &CreatePass,
    state: PassViewState,
    error: Option<ErrorCode>,
) -> PassView {
    PassView {
        id: request.id,
        membership_id: request.membership_id,
        visitor_name: request.visitor_name.clone(),
        plate: request.plate.clone(),
        purpose: request.purpose.clone(),
        valid_from: request.valid_from,
        valid_until: request.valid_until,
        max_entries: request.max_entries,
        entries_used: 0,
        entries: Vec::new(),
        schedule: request.schedule.clone(),
        state,
        payload: None,
        short_code: None,
        error,
    }
}

/// Draws `payload` as a QR code (error correction M, 4-module quiet zone) in a PNG.
pub fn qr_png(payload: &str) -> Result<Vec<u8>, Error> {
    let code = qrcode::QrCode::with_error_correction_level(payload.as_bytes(), qrcode::EcLevel::M)
        .map_err(|err| Error::Internal(format!("the pass does not fit a QR code: {err}")))?;
    let image = code
        .render::<image::Luma<u8>>()
        .quiet_zone(true)
        .module_dimensions(8, 8)
        .build();
    let mut png = Vec::new();
    image::DynamicImage::ImageLuma8(image)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .map_err(|err| Error::Internal(format!("encode the QR image: {err}")))?;
    Ok(png)
}

/// The QR version and error correction level a payload needs (for the docs and the note).
pub fn qr_version(payload: &str) -> Result<(i16, &'static str), Error> {
    let code = qrcode::QrCode::with_error_correction_level(payload.as_bytes(), qrcode::EcLevel::M)
        .map_err(|err| Error::Internal(format!("the pass does not fit a QR code: {err}")))?;
    let version = match code.version() {
        qrcode::Version::Normal(v) | qrcode::Version::Micro(v) => v,
    };
    Ok((version, "M"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_drawn_qr_decodes_back_to_the_exact_payload() {
        // The shape of a real pass: VP1: and ~290 Base45 characters.
        let payload = format!("VP1:{}", "6BF$5 A:KA*96GJ9%S5J8A.8V2A3*8MA6L1".repeat(8));
        let png = qr_png(&payload).expect("draw");
        let image = image::load_from_memory(&png).expect("a PNG").to_luma8();
        let mut prepared = rqrr::PreparedImage::prepare(image);
        let grids = prepared.detect_grids();
        assert_eq!(grids.len(), 1, "one QR code in the picture");
        let (meta, content) = grids[0].decode().expect("decodes");
        assert_eq!(content, payload, "exactly the credential");
        assert_eq!(meta.ecc_level, 0, "ECC M (format bits 00 in ISO/IEC 18004)");
    }

    #[test]
    fn entries_are_checked_before_queueing() {
        let now = Utc::now();
        let ok = NewPass {
            visitor_name: "刘洋".into(),
            visitor_phone: None,
            plate: None,
            purpose: "送货".into(),
            valid_from: now,
            valid_until: now + chrono::TimeDelta::hours(2),
            max_entries: 1,
            schedule: None,
        };
        assert!(validate(&ok, now).is_ok());
        let long = NewPass {
            valid_until: now + chrono::TimeDelta::days(8),
            ..ok.clone()
        };
        assert_eq!(
            validate(&long, now).map_err(|e| e.code()),
            Err(ErrorCode::ValidationFailed)
        );
        let nameless = NewPass {
            visitor_name: "  ".into(),
            ..ok
        };
        assert!(validate(&nameless, now).is_err());
    }
}
