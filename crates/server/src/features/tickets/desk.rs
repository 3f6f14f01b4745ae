//! The property company's side of tickets: enrolling staff, the service-desk terminal's staff
//! record, and [`staff_act`], the one way a staff action is applied, whether it comes from the
//! staff endpoint, the command line (`linli-server staff`), the demo's desk or a test.

use linli_wire::tickets::{Actor, StaffAction, Ticket, TicketState};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::jobs::advance;
use super::rules;
use super::store::{self, PhotoOwner, Step, bind_photos, load, render, set_state};
use crate::AppState;
use crate::error::{ApiError, ApiResult};

/// Enrols a staff member; returns (id, token). The token is shown once.
pub async fn add_staff(
    db: &sqlx::SqlitePool,
    name: &str,
    post: &str,
    now: i64,
) -> anyhow::Result<(String, String)> {
    let id = Uuid::now_v7().to_string();
    let mut secret = [0u8; 24];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut secret);
    let token = format!(
        "stf_{}",
        base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, secret)
    );
    let hash = Sha256::digest(token.as_bytes()).to_vec();
    store::insert_staff(db, &id, name, post, &hash, now).await?;
    Ok((id, token))
}

/// The staff record behind the service-desk terminal's `--by` name, made on first use: it owns
/// the after-photos filed from the terminal. Its token is thrown away, so it cannot sign in.
pub async fn desk_staff(db: &sqlx::SqlitePool, display: &str, now: i64) -> anyhow::Result<String> {
    match store::desk_staff_id(db, display).await? {
        Some(id) => Ok(id),
        None => Ok(add_staff(db, display, "desk", now).await?.0),
    }
}

/// Who acts for the property company: a staff member (whose uploads can be attached as
/// after-photos) or the demo's desk (no id, so no photos).
#[derive(Clone, Copy, Debug)]
pub struct Desk<'a> {
    /// The staff id, if a staff member acts.
    pub staff_id: Option<&'a str>,
    /// The name residents see, e.g. 李娜（客服）.
    pub display: &'a str,
}

/// Applies a staff action to a ticket (by id or number): the staff endpoint, the command line
/// and the demo all come through here.
pub async fn staff_act(
    state: &AppState,
    desk: &Desk<'_>,
    ticket: &str,
    action: StaffAction,
) -> ApiResult<Ticket> {
    let who = desk.display;
    let now = state.clock.now_ms();
    let mut tx = state.db.begin_with("BEGIN IMMEDIATE").await?;
    let row = load(&mut tx, ticket)
        .await?
        .ok_or_else(ApiError::not_found)?;
    advance(&mut tx, &row, now).await?;
    let row = load(&mut tx, &row.id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let current = row.state();
    let allowed = rules::staff_allowed(current);
    let name = match &action {
        StaffAction::Accept => "accept",
        StaffAction::Assign { .. } => "assign",
        StaffAction::Start => "start",
        StaffAction::Defer { .. } => "defer",
        StaffAction::Reject { .. } => "reject",
        StaffAction::Complete { .. } => "complete",
        StaffAction::RequestPayment { .. } => "request_payment",
        StaffAction::Comment { .. } => "comment",
    };
    if !allowed.contains(&name) {
        return Err(rules::invalid(current, &allowed));
    }
    let by = Step {
        ticket: &row.id,
        at: now,
        actor: Actor::Staff,
        by: who,
    };
    match action {
        StaffAction::Accept => {
            set_state(&mut tx, &row.id, TicketState::Accepted).await?;
            store::mark_responded(&mut tx, &row.id, now).await?;
            by.record(&mut tx, "accepted", None).await?;
        }
        StaffAction::Assign { assignee } => {
            set_state(&mut tx, &row.id, TicketState::Assigned).await?;
            store::set_assignee(&mut tx, &row.id, assignee.trim()).await?;
            by.record(&mut tx, "assigned", Some(assignee.trim()))
                .await?;
        }
        StaffAction::Start => {
            by.moves_to(&mut tx, TicketState::InProgress, "started", None)
                .await?;
        }
        StaffAction::Defer { resume_on, reason } => {
            rules::check_resume_on(resume_on, now)?;
            set_state(&mut tx, &row.id, TicketState::Deferred).await?;
            store::set_resume_on(&mut tx, &row.id, resume_on).await?;
            by.record(
                &mut tx,
                "deferred",
                Some(&format!("{reason}（{resume_on} 恢复处理）")),
            )
            .await?;
        }
        StaffAction::Reject { reason } => {
            let reason = rules::rejection_reason(&reason)?;
            set_state(&mut tx, &row.id, TicketState::Rejected).await?;
            store::mark_responded(&mut tx, &row.id, now).await?;
            by.record(&mut tx, "rejected", Some(reason)).await?;
        }
        StaffAction::Complete {
            note,
            attachment_ids,
        } => {
            set_state(&mut tx, &row.id, TicketState::Completed).await?;
            store::set_completed_at(&mut tx, &row.id, now).await?;
            let event_id = by.record(&mut tx, "completed", Some(note.trim())).await?;
            if !attachment_ids.is_empty() {
                let staff = desk.staff_id.ok_or_else(|| {
                    ApiError::invalid(
                        "/attachment_ids",
                        "not-available",
                        "only a staff member's own uploads can be attached",
                    )
                })?;
                bind_photos(
                    &mut tx,
                    PhotoOwner::Staff(staff),
                    &row.id,
                    Some(&event_id),
                    &attachment_ids,
                )
                .await?;
            }
        }
        StaffAction::RequestPayment { amount_minor, note } => {
            rules::check_payment(amount_minor)?;
            set_state(&mut tx, &row.id, TicketState::AwaitingPayment).await?;
            store::set_payment(&mut tx, &row.id, amount_minor).await?;
            by.record(&mut tx, "payment_requested", Some(note.trim()))
                .await?;
        }
        StaffAction::Comment { text } => {
            by.record(&mut tx, "comment", Some(text.trim())).await?;
        }
    }
    let row = load(&mut tx, &row.id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let ticket = render(&mut tx, &row, now, true).await?;
    tx.commit().await?;
    Ok(ticket)
}

/// Used by the window test and the command line to find the latest ticket.
pub async fn latest_number(db: &sqlx::SqlitePool) -> anyhow::Result<Option<String>> {
    Ok(store::latest_number(db).await?)
}
