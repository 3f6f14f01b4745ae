//! Visitor passes on the device.
//!
//! Issued passes are cached (`passes` table, replaced from `GET /v1/passes` on each sync), so
//! a pass shows, QR and all, with no network: the gate verifies it offline too. A pass written
//! offline is an outbox item (`create_pass`, its id the pass id, sent with an Idempotency-Key)
//! and shows as `pending` ("will be issued when online") until the backend issues it; a refused
//! one shows as `rejected` with the code. Revoking needs the network (the backend must tell the
//! gates) and says so plainly when it is missing.
//!
//! The QR is drawn here, in Rust, at error correction M, so the same code that tests decode it
//! draws what the resident shows at the gate.

use crate::error::{Error, StorageContext};
use crate::http::{Call, Reply};
use crate::inner::{Account, Inner};
use crate::outbox::handler::{KindHandler, post_payload};
use crate::outbox::{OutboxItem, OutboxKind};
use crate::store::cache::Cache;
use crate::store::to_ms;
use base64::Engine;
use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use linli_wire::ipc::{NewPass, PassView, PassViewState};
use linli_wire::limits::{
    PASS_MAX_DAYS, PASS_MAX_ENTRIES, PASS_MIN_ENTRIES, RECURRING_PASS_MAX_DAYS,
};
use linli_wire::passes::{CreatePass, PassList, PassState, VisitorPass};
use linli_wire::sync::EntityKind;
use linli_wire::{ErrorCode, MembershipId, PassId};
use sqlx::Row;

/// Payload version of `create_pass` items.
pub(crate) const CREATE_PASS_PAYLOAD_VERSION: i64 = 1;

/// `create_pass`: `POST /v1/passes`. The issued pass reaches the cache with the next pull.
pub(crate) struct CreatePassKind;

impl KindHandler for CreatePassKind {
    fn kind(&self) -> OutboxKind {
        OutboxKind::CreatePass
    }

    fn request(&self, item: &OutboxItem) -> Result<Call, String> {
        post_payload::<CreatePass>(item, CREATE_PASS_PAYLOAD_VERSION, "/v1/passes")
    }

    fn accepted<'a>(
        &'a self,
        _inner: &'a Inner,
        _account: &'a Account,
        _item: &'a OutboxItem,
        _reply: &'a Reply,
    ) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async { Ok(()) })
    }

    fn refused_changes(&self) -> &'static [EntityKind] {
        // What the runner announced for every refused request before kinds had handlers;
        // kept unchanged by the restructure.
        &[EntityKind::Notice]
    }
}

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

fn view_of_queued(
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

impl Cache {
    /// Replaces the cached passes with the backend's list.
    pub(crate) async fn replace_passes(&self, passes: &[VisitorPass]) -> Result<bool, Error> {
        let mut tx = crate::store::write_tx(&self.pool)
            .await
            .storage("store passes")?;
        let before: Vec<String> = sqlx::query_scalar("SELECT data FROM passes ORDER BY id")
            .fetch_all(&mut *tx)
            .await
            .storage("read passes")?;
        sqlx::query("DELETE FROM passes")
            .execute(&mut *tx)
            .await
            .storage("store passes")?;
        let mut after = Vec::with_capacity(passes.len());
        for pass in passes {
            let data = serde_json::to_string(pass)
                .map_err(|err| Error::Internal(format!("encode a pass: {err}")))?;
            sqlx::query(
                "INSERT INTO passes (id, membership_id, created_at_ms, data) VALUES (?, ?, ?, ?)",
            )
            .bind(pass.id.to_string())
            .bind(pass.membership_id.to_string())
            .bind(to_ms(pass.created_at))
            .bind(&data)
            .execute(&mut *tx)
            .await
            .storage("store passes")?;
            after.push((pass.id.to_string(), data));
        }
        tx.commit().await.storage("store passes")?;
        after.sort();
        let after: Vec<String> = after.into_iter().map(|(_, data)| data).collect();
        Ok(before != after)
    }

    /// Stores one pass (after a revoke).
    pub(crate) async fn upsert_pass(&self, pass: &VisitorPass) -> Result<(), Error> {
        let data = serde_json::to_string(pass)
            .map_err(|err| Error::Internal(format!("encode a pass: {err}")))?;
        sqlx::query(
            "INSERT INTO passes (id, membership_id, created_at_ms, data) VALUES (?, ?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET data = excluded.data",
        )
        .bind(pass.id.to_string())
        .bind(pass.membership_id.to_string())
        .bind(to_ms(pass.created_at))
        .bind(data)
        .execute(&self.pool)
        .await
        .storage("store a pass")?;
        Ok(())
    }

    /// Issued passes of a household, newest first.
    pub(crate) async fn passes_of(
        &self,
        membership: MembershipId,
    ) -> Result<Vec<VisitorPass>, Error> {
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT data FROM passes WHERE membership_id = ? ORDER BY created_at_ms DESC, id DESC",
        )
        .bind(membership.to_string())
        .fetch_all(&self.pool)
        .await
        .storage("read passes")?;
        Ok(rows
            .iter()
            .filter_map(|json| serde_json::from_str(json).ok())
            .collect())
    }

    /// Passes waiting in the outbox (or refused there), oldest first.
    pub(crate) async fn queued_passes(
        &self,
    ) -> Result<Vec<(CreatePass, PassViewState, Option<ErrorCode>)>, Error> {
        let rows = sqlx::query(
            "SELECT payload, state, last_error_code FROM outbox
             WHERE kind = ? AND payload_version = ? AND state != 'done' ORDER BY seq",
        )
        .bind(OutboxKind::CreatePass.as_str())
        .bind(CREATE_PASS_PAYLOAD_VERSION)
        .fetch_all(&self.pool)
        .await
        .storage("read queued passes")?;
        let mut out = Vec::new();
        for row in rows {
            let payload: String = row.try_get("payload").storage("read queued passes")?;
            let state: String = row.try_get("state").storage("read queued passes")?;
            let code: Option<String> = row
                .try_get("last_error_code")
                .storage("read queued passes")?;
            let Ok(request) = serde_json::from_str::<CreatePass>(&payload) else {
                continue;
            };
            let code = code.and_then(|c| serde_json::from_value(serde_json::Value::String(c)).ok());
            let state = if state == "rejected" {
                PassViewState::Rejected
            } else {
                PassViewState::Pending
            };
            out.push((request, state, code));
        }
        Ok(out)
    }
}

impl Inner {
    /// Refreshes the cached passes from the backend; true when they changed.
    pub(crate) async fn pull_passes(&self, account: &Account) -> Result<bool, Error> {
        let reply = self.authed(account, &Call::get("/v1/passes")).await?;
        let list: PassList = reply.json("the pass list")?;
        account.cache.replace_passes(&list.items).await
    }

    /// The household's passes: issued ones from the cache and queued ones from the outbox.
    pub(crate) async fn pass_views(
        &self,
        account: &Account,
        membership: MembershipId,
    ) -> Result<Vec<PassView>, Error> {
        let now = self.now();
        let issued = account.cache.passes_of(membership).await?;
        let mut views: Vec<PassView> = Vec::new();
        for (request, state, code) in account.cache.queued_passes().await?.into_iter().rev() {
            if request.membership_id == membership && !issued.iter().any(|p| p.id == request.id) {
                views.push(view_of_queued(&request, state, code));
            }
        }
        views.extend(issued.iter().map(|pass| view_of(pass, now)));
        Ok(views)
    }

    /// Revokes a pass online and caches the answer.
    pub(crate) async fn revoke_pass(
        &self,
        account: &Account,
        id: PassId,
    ) -> Result<PassView, Error> {
        let call = Call::post_empty(format!("/v1/passes/{id}/revoke"));
        let reply = self.authed(account, &call).await?;
        let pass: VisitorPass = reply.json("the revoked pass")?;
        account.cache.upsert_pass(&pass).await?;
        Ok(view_of(&pass, self.now()))
    }

    /// The PNG data URL of an issued pass's QR code.
    pub(crate) async fn pass_qr(&self, account: &Account, id: PassId) -> Result<String, Error> {
        let pass: Option<String> = sqlx::query_scalar("SELECT data FROM passes WHERE id = ?")
            .bind(id.to_string())
            .fetch_optional(&account.cache.pool)
            .await
            .storage("read a pass")?;
        let pass: VisitorPass = pass
            .and_then(|json| serde_json::from_str(&json).ok())
            .ok_or_else(|| Error::NotFound(format!("pass {id}")))?;
        let png = qr_png(&pass.credential.payload)?;
        Ok(format!(
            "data:image/png;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(png)
        ))
    }
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
