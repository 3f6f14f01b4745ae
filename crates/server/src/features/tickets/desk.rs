//! The property company's side of tickets: enrolling staff, the service-desk terminal's staff
//! record, and [`staff_act`], the one way a staff action is applied, whether it comes from the
//! staff endpoint, the command line (`linli-server staff`), the demo's desk or a test.

use linli_wire::tickets::{Actor, StaffAction, Ticket, TicketState};

use super::jobs::advance;
use super::rules;
use super::store::{self, PhotoOwner, Step, bind_photos, load, render, set_state};
use crate::AppState;
use crate::error::{ApiError, ApiResult};

/// Who acts for the property company: a staff member over HTTP (whose uploads can be attached
/// as after-photos, and who reaches only the communities they serve, in their role), or the
/// service desk on the server itself (the command line, the demo, housekeeping: `staff: None`).
#[derive(Clone, Copy, Debug)]
pub struct Desk<'a> {
    /// The staff id, if a staff member acts.
    pub staff_id: Option<&'a str>,
    /// The name residents see, e.g. 李娜（客服）.
    pub display: &'a str,
    /// The staff member acting over HTTP, whose communities and role bound the action.
    pub staff: Option<&'a crate::extract::Staff>,
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
    if let Some(staff) = desk.staff {
        // Another community's ticket does not exist for them, as a resident's does not.
        let community = store::community_of(&mut tx, &row.id).await?;
        if !staff.serves(&community) {
            return Err(ApiError::not_found());
        }
    }
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
    if let Some(staff) = desk.staff
        && !super::staff::staff_role_allows(staff.role, name)
    {
        return Err(ApiError::new(linli_wire::ErrorCode::Forbidden)
            .detail(format!("a {} may not {name}", staff.role.as_str())));
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
