//! What a resident does with their tickets: report one ([`create`]), list and read them, and
//! the steps on their own ticket (comment, cancel, confirm, reopen, rate). A resident sees and
//! acts on only the tickets they created; another resident's answers 404. Every read runs the
//! due automatic steps first, in the same transaction.

use linli_wire::ErrorCode;
use linli_wire::me::Action;
use linli_wire::tickets::{
    Actor, CreateTicket, Rating, Ticket, TicketComment, TicketKind, TicketReason, TicketState,
};
use linli_wire::{MembershipId, TicketId};
use sqlx::SqliteConnection;

use super::jobs::advance;
use super::rules;
use super::store::{self, PhotoOwner, Row, Step, bind_photos, event, load, render, set_state};
use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::Resident;

/// Reports a ticket inside the caller's transaction (the idempotent write's): checks it, numbers
/// it, writes it with its first event and photos, and answers the resident's view of it.
pub(super) async fn create(
    tx: &mut SqliteConnection,
    resident: &Resident,
    request: &CreateTicket,
    now: i64,
) -> ApiResult<Ticket> {
    rules::validate(request, now)?;
    let user_id = resident.user_id.to_string();
    let role = store::active_membership(tx, &request.membership_id.to_string(), &user_id)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::MembershipRequired))?;
    // The rights matrix (memberships::rules): a repair is one right, the other kinds another.
    let action = match request.kind {
        TicketKind::Repair => Action::ReportRepair,
        _ => Action::Complain,
    };
    crate::features::memberships::rules::require(&role, action)?;
    if load(tx, &request.id.to_string()).await?.is_some() {
        return Err(ApiError::new(ErrorCode::AlreadyExists).detail("this ticket id is taken"));
    }
    if let Some(line) = request.bill_line_id {
        // A disputed bill line: a complaint about one of this household's own bills.
        let ours =
            store::household_bill_line(tx, &line.to_string(), &request.membership_id.to_string())
                .await?;
        if request.kind != TicketKind::Complaint || !ours {
            return Err(ApiError::invalid(
                "/bill_line_id",
                "not-available",
                "only a complaint can name a bill line, and only one of this household's bills",
            ));
        }
    }
    let prefix = rules::number_prefix(request.kind, now);
    let seq = store::numbered(tx, &prefix).await?;
    let number = format!("{prefix}{:04}", seq + 1);
    let deadlines = rules::deadlines(request.kind, request.urgency);
    store::insert(tx, request, &user_id, &number, now, deadlines).await?;
    let name = store::display_name(tx, &user_id).await?;
    let id = request.id.to_string();
    event(tx, &id, now, Actor::Resident, &name, "created", None).await?;
    bind_photos(
        tx,
        PhotoOwner::Resident(&user_id),
        &id,
        None,
        &request.attachment_ids,
    )
    .await?;
    let row = load(tx, &id)
        .await?
        .ok_or_else(|| ApiError::internal("the new ticket vanished"))?;
    render(tx, &row, now, false).await
}

/// The resident's tickets (of one household, or all), newest first.
pub(super) async fn list(
    state: &AppState,
    resident: &Resident,
    membership_id: Option<MembershipId>,
) -> ApiResult<Vec<Ticket>> {
    let now = state.clock.now_ms();
    let mut tx = state.db.begin_with("BEGIN IMMEDIATE").await?;
    let rows = store::of_user(
        &mut tx,
        &resident.user_id.to_string(),
        membership_id.map(|m| m.to_string()).as_deref(),
    )
    .await?;
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        advance(&mut tx, &row, now).await?;
        let row = load(&mut tx, &row.id)
            .await?
            .ok_or_else(ApiError::not_found)?;
        items.push(render(&mut tx, &row, now, false).await?);
    }
    tx.commit().await?;
    Ok(items)
}

/// The ticket as `user`'s list shows it now (their own, of an active household), for the
/// change feed; `None` when it is not (or no longer) theirs to see. Read-only: the feed reads
/// in one snapshot, and due automatic steps are housekeeping's (which records them).
pub(crate) async fn visible(
    conn: &mut SqliteConnection,
    user: uuid::Uuid,
    id: uuid::Uuid,
    now: i64,
) -> ApiResult<Option<Ticket>> {
    let Some(row) = load(conn, &id.to_string()).await? else {
        return Ok(None);
    };
    let active: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM memberships WHERE id = ? AND state = 'active')",
    )
    .bind(&row.membership_id)
    .fetch_one(&mut *conn)
    .await?;
    if row.user_id != user.to_string() || !active {
        return Ok(None);
    }
    Ok(Some(render(conn, &row, now, false).await?))
}

/// The resident's own ticket, its due automatic steps taken; 404 for anyone else's.
async fn own(
    conn: &mut SqliteConnection,
    resident: &Resident,
    id: TicketId,
    now: i64,
) -> ApiResult<Row> {
    let row = load(conn, &id.to_string())
        .await?
        .filter(|r| r.user_id == resident.user_id.to_string())
        .ok_or_else(ApiError::not_found)?;
    advance(conn, &row, now).await?;
    load(conn, &row.id).await?.ok_or_else(ApiError::not_found)
}

/// One of the resident's tickets with its timeline.
pub(super) async fn detail(
    state: &AppState,
    resident: &Resident,
    id: TicketId,
) -> ApiResult<Ticket> {
    let now = state.clock.now_ms();
    let mut tx = state.db.begin_with("BEGIN IMMEDIATE").await?;
    let row = own(&mut tx, resident, id, now).await?;
    let ticket = render(&mut tx, &row, now, false).await?;
    tx.commit().await?;
    Ok(ticket)
}

/// What a resident does to their ticket.
pub(super) enum ResidentStep {
    Comment(TicketComment),
    Cancel,
    Confirm,
    Reopen(TicketReason),
    Rate(Rating),
}

/// Applies a resident's step to their own ticket; the ticket as they now see it.
pub(super) async fn step(
    state: &AppState,
    resident: &Resident,
    id: TicketId,
    step: ResidentStep,
) -> ApiResult<Ticket> {
    let now = state.clock.now_ms();
    let mut tx = state.db.begin_with("BEGIN IMMEDIATE").await?;
    let row = own(&mut tx, resident, id, now).await?;
    let current = row.state();
    let allowed = rules::resident_allowed(current, row.completed_at, now);
    let name = store::display_name(&mut tx, &row.user_id).await?;
    let action = match &step {
        ResidentStep::Comment(_) => "comment",
        ResidentStep::Cancel => "cancel",
        ResidentStep::Confirm => "confirm",
        ResidentStep::Reopen(_) => "reopen",
        ResidentStep::Rate(_) => "rate",
    };
    if !allowed.contains(&action) {
        return Err(rules::invalid(current, &allowed));
    }
    let by = Step {
        ticket: &row.id,
        at: now,
        actor: Actor::Resident,
        by: &name,
    };
    match step {
        ResidentStep::Comment(comment) => {
            let text = rules::comment_text(&comment.text)?;
            let event_id = by.record(&mut tx, "comment", Some(text)).await?;
            bind_photos(
                &mut tx,
                PhotoOwner::Resident(&row.user_id),
                &row.id,
                Some(&event_id),
                &comment.attachment_ids,
            )
            .await?;
        }
        ResidentStep::Cancel => {
            by.moves_to(&mut tx, TicketState::Canceled, "canceled", None)
                .await?;
        }
        ResidentStep::Confirm => {
            set_state(&mut tx, &row.id, TicketState::Confirmed).await?;
            store::set_confirmed_at(&mut tx, &row.id, now).await?;
            by.record(&mut tx, "confirmed", None).await?;
        }
        ResidentStep::Reopen(reason) => {
            let text = rules::reopen_reason(&reason.reason)?;
            set_state(&mut tx, &row.id, TicketState::Reopened).await?;
            store::clear_completion(&mut tx, &row.id).await?;
            by.record(&mut tx, "reopened", Some(text)).await?;
        }
        ResidentStep::Rate(rating) => {
            rules::check_rating(&rating)?;
            set_state(&mut tx, &row.id, TicketState::Closed).await?;
            let stored = serde_json::to_string(&rating).map_err(ApiError::internal)?;
            store::set_rating(&mut tx, &row.id, &stored, now).await?;
            let note = format!(
                "{}★ {}",
                rating.overall,
                rating.comment.as_deref().unwrap_or("")
            );
            by.record(&mut tx, "rated", Some(note.trim())).await?;
        }
    }
    let row = load(&mut tx, &row.id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let ticket = render(&mut tx, &row, now, false).await?;
    tx.commit().await?;
    Ok(ticket)
}
