//! The tickets' SQL: the `tickets` row, the timeline (`ticket_events`), photo binding
//! (`ticket_attachments`) and the wire view of a ticket ([`render`]). Nothing here decides
//! whether a step is allowed; [`super::rules`] does, and callers run these inside their own
//! `BEGIN IMMEDIATE` transaction so the check, the move and the event commit together.

use chrono::NaiveDate;
use linli_wire::tickets::{
    Actor, CreateTicket, Ticket, TicketEvent, TicketKind, TicketPlace, TicketState, TicketUrgency,
};
use linli_wire::{BillLineId, MembershipId, TicketId};
use sqlx::{SqliteConnection, SqlitePool};
use uuid::Uuid;

use super::MAX_PHOTOS;
use super::rules;
use crate::clock::from_ms;
use crate::error::{ApiError, ApiResult};

pub(super) use super::updates::{
    clear_completion, mark_responded, set_assignee, set_completed_at, set_confirmed_at,
    set_payment, set_rating, set_resume_on,
};

/// An enum's wire text, as stored (the `tickets` columns hold the contract's words).
pub(super) fn enum_str<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The enum a stored wire text names, if it still names one.
pub(super) fn enum_from<T: serde::de::DeserializeOwned>(text: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(text.to_owned())).ok()
}

/// One `tickets` row as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(super) struct Row {
    pub(super) id: String,
    pub(super) number: String,
    pub(super) membership_id: String,
    pub(super) user_id: String,
    pub(super) kind: String,
    pub(super) category: String,
    pub(super) place: String,
    pub(super) place_note: Option<String>,
    pub(super) urgency: String,
    pub(super) description: String,
    pub(super) visit_windows: String,
    pub(super) anonymous: i64,
    pub(super) bill_line_id: Option<String>,
    pub(super) state: String,
    pub(super) created_at: i64,
    pub(super) response_due_at: i64,
    pub(super) fix_due_at: i64,
    pub(super) responded_at: Option<i64>,
    pub(super) completed_at: Option<i64>,
    pub(super) confirmed_at: Option<i64>,
    pub(super) resume_on: Option<String>,
    pub(super) payment_minor: Option<i64>,
    pub(super) assignee: Option<String>,
    pub(super) rating: Option<String>,
}

impl Row {
    /// The row's state (an unknown text reads as `Other`).
    pub(super) fn state(&self) -> TicketState {
        enum_from(&self.state).unwrap_or(TicketState::Other)
    }
}

/// The ticket with this id or number.
pub(super) async fn load(conn: &mut SqliteConnection, id: &str) -> ApiResult<Option<Row>> {
    Ok(
        sqlx::query_as("SELECT * FROM tickets WHERE id = ? OR number = ?")
            .bind(id)
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?,
    )
}

/// Appends an event to a ticket's timeline; its id.
pub(super) async fn event(
    conn: &mut SqliteConnection,
    ticket: &str,
    now: i64,
    actor: Actor,
    actor_name: &str,
    action: &str,
    note: Option<&str>,
) -> ApiResult<String> {
    let id = Uuid::now_v7().to_string();
    sqlx::query("INSERT INTO ticket_events (id, ticket_id, at, actor, actor_name, action, note) VALUES (?, ?, ?, ?, ?, ?, ?)")
        .bind(&id)
        .bind(ticket)
        .bind(now)
        .bind(enum_str(&actor))
        .bind(actor_name)
        .bind(action)
        .bind(note)
        .execute(&mut *conn)
        .await?;
    changed(conn, ticket, now).await?;
    Ok(id)
}

/// Records a change for every ticket that time alone changed in `(since, now]`: a deadline
/// passed (`overdue`) or the days to reopen it ran out (`allowed`). The feed renders it anew.
pub(super) async fn record_time_passed(
    conn: &mut SqliteConnection,
    since: i64,
    now: i64,
) -> ApiResult<()> {
    let reopen = super::REOPEN_DAYS * 24 * 3600 * 1000;
    let ids: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM tickets WHERE (fix_due_at >= ?1 AND fix_due_at < ?2)
            OR (response_due_at >= ?1 AND response_due_at < ?2 AND responded_at IS NULL)
            OR (completed_at + ?3 >= ?1 AND completed_at + ?3 < ?2)",
    )
    .bind(since)
    .bind(now)
    .bind(reopen)
    .fetch_all(&mut *conn)
    .await?;
    for id in ids {
        changed(&mut *conn, &id, now).await?;
    }
    Ok(())
}

/// Records in the change log that the ticket changed, for its resident's feed. Every step
/// (created, staff's, the resident's, the desk's and the jobs') is an event on the timeline,
/// so [`event`] calls this and no step can forget it.
async fn changed(conn: &mut SqliteConnection, ticket: &str, now: i64) -> ApiResult<()> {
    let Some((id, user)): Option<(String, String)> =
        sqlx::query_as("SELECT id, user_id FROM tickets WHERE id = ?")
            .bind(ticket)
            .fetch_optional(&mut *conn)
            .await?
    else {
        return Ok(());
    };
    let uuid = |s: &str| Uuid::parse_str(s).map_err(ApiError::internal);
    crate::changes::record(
        conn,
        linli_wire::sync::EntityKind::Ticket,
        uuid(&id)?,
        linli_wire::sync::ChangeOp::Upsert,
        crate::changes::Scope::User(uuid(&user)?),
        now,
    )
    .await?;
    Ok(())
}

/// Who takes steps on one ticket, and when: every step is an event on its timeline, and most
/// also move the ticket to a new state.
pub(super) struct Step<'a> {
    pub(super) ticket: &'a str,
    pub(super) at: i64,
    pub(super) actor: Actor,
    pub(super) by: &'a str,
}

impl Step<'_> {
    /// Records a step on the timeline; its event id.
    pub(super) async fn record(
        &self,
        conn: &mut SqliteConnection,
        action: &str,
        note: Option<&str>,
    ) -> ApiResult<String> {
        event(
            conn,
            self.ticket,
            self.at,
            self.actor,
            self.by,
            action,
            note,
        )
        .await
    }

    /// Moves the ticket to `state` and records the step that did it; its event id.
    pub(super) async fn moves_to(
        &self,
        conn: &mut SqliteConnection,
        state: TicketState,
        action: &str,
        note: Option<&str>,
    ) -> ApiResult<String> {
        set_state(conn, self.ticket, state).await?;
        self.record(conn, action, note).await
    }
}

/// Moves a ticket to `state` (the caller records the event).
pub(super) async fn set_state(
    conn: &mut SqliteConnection,
    ticket: &str,
    state: TicketState,
) -> ApiResult<()> {
    sqlx::query("UPDATE tickets SET state = ? WHERE id = ?")
        .bind(enum_str(&state))
        .bind(ticket)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Who uploaded the photos being attached: a resident (their report or comment) or a staff
/// member (after-photos); only their own finished, unattached uploads can be attached.
#[derive(Clone, Copy, Debug)]
pub(super) enum PhotoOwner<'a> {
    Resident(&'a str),
    Staff(&'a str),
}

/// Binds complete uploads of the owner to the ticket (and an event). Refuses anything else.
pub(super) async fn bind_photos(
    conn: &mut SqliteConnection,
    owner: PhotoOwner<'_>,
    ticket: &str,
    event_id: Option<&str>,
    ids: &[Uuid],
) -> ApiResult<()> {
    if ids.len() > MAX_PHOTOS {
        return Err(ApiError::invalid(
            "/attachment_ids",
            "too-many",
            format!("at most {MAX_PHOTOS} photos"),
        ));
    }
    for (position, id) in ids.iter().enumerate() {
        let ok: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM uploads u WHERE u.id = ? AND u.user_id IS ? AND u.staff_id IS ?
                AND u.status = 'complete'
                AND NOT EXISTS (SELECT 1 FROM ticket_attachments a WHERE a.upload_id = u.id))",
        )
        .bind(id.to_string())
        .bind(match owner {
            PhotoOwner::Resident(user) => Some(user),
            PhotoOwner::Staff(_) => None,
        })
        .bind(match owner {
            PhotoOwner::Resident(_) => None,
            PhotoOwner::Staff(staff) => Some(staff),
        })
        .fetch_one(&mut *conn)
        .await?;
        if !ok {
            return Err(ApiError::invalid(
                &format!("/attachment_ids/{position}"),
                "not-available",
                "the photo is not uploaded yet, not yours, or already on another ticket",
            ));
        }
        sqlx::query("INSERT INTO ticket_attachments (upload_id, ticket_id, event_id, position) VALUES (?, ?, ?, ?)")
            .bind(id.to_string())
            .bind(ticket)
            .bind(event_id)
            .bind(i64::try_from(position).unwrap_or(0))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// The wire view of a ticket: its timeline, photos, `overdue` and the steps the viewer
/// (staff or the resident) may take now.
pub(super) async fn render(
    conn: &mut SqliteConnection,
    row: &Row,
    now: i64,
    for_staff: bool,
) -> ApiResult<Ticket> {
    let events: Vec<(String, i64, String, String, String, Option<String>)> = sqlx::query_as(
        "SELECT id, at, actor, actor_name, action, note FROM ticket_events WHERE ticket_id = ? ORDER BY at, id",
    )
    .bind(&row.id)
    .fetch_all(&mut *conn)
    .await?;
    let photos: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT upload_id, event_id FROM ticket_attachments WHERE ticket_id = ? ORDER BY position",
    )
    .bind(&row.id)
    .fetch_all(&mut *conn)
    .await?;
    let state = row.state();
    let overdue = rules::overdue(row, now);
    let uuid = |s: &str| Uuid::parse_str(s).map_err(ApiError::internal);
    let allowed: Vec<String> = if for_staff {
        rules::staff_allowed(state)
            .into_iter()
            .map(str::to_owned)
            .collect()
    } else {
        rules::resident_allowed(state, row.completed_at, now)
            .into_iter()
            .map(str::to_owned)
            .collect()
    };
    Ok(Ticket {
        id: TicketId(uuid(&row.id)?),
        number: row.number.clone(),
        membership_id: MembershipId(uuid(&row.membership_id)?),
        kind: enum_from(&row.kind).unwrap_or(TicketKind::Other),
        category: row.category.clone(),
        place: enum_from(&row.place).unwrap_or(TicketPlace::Other),
        place_note: row.place_note.clone(),
        urgency: enum_from(&row.urgency).unwrap_or(TicketUrgency::Other),
        description: row.description.clone(),
        visit_windows: serde_json::from_str(&row.visit_windows).unwrap_or_default(),
        attachment_ids: photos
            .iter()
            .filter(|(_, e)| e.is_none())
            .map(|(id, _)| uuid(id))
            .collect::<ApiResult<_>>()?,
        anonymous: row.anonymous != 0,
        bill_line_id: row
            .bill_line_id
            .as_deref()
            .map(uuid)
            .transpose()?
            .map(BillLineId),
        state,
        allowed,
        created_at: from_ms(row.created_at),
        response_due_at: from_ms(row.response_due_at),
        fix_due_at: from_ms(row.fix_due_at),
        overdue,
        resume_on: row
            .resume_on
            .as_deref()
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()),
        payment_minor: row.payment_minor,
        assignee: row.assignee.clone(),
        rating: row
            .rating
            .as_deref()
            .and_then(|r| serde_json::from_str(r).ok()),
        events: events
            .into_iter()
            .map(|(id, at, actor, actor_name, action, note)| {
                Ok(TicketEvent {
                    attachment_ids: photos
                        .iter()
                        .filter(|(_, e)| e.as_deref() == Some(id.as_str()))
                        .map(|(p, _)| uuid(p))
                        .collect::<ApiResult<_>>()?,
                    id: uuid(&id)?,
                    at: from_ms(at),
                    actor: enum_from(&actor).unwrap_or(Actor::Other),
                    // An anonymous suggestion hides its author from staff, not from the author.
                    actor_name: if !for_staff || actor != "resident" || row.anonymous == 0 {
                        actor_name
                    } else {
                        "匿名业主".to_owned()
                    },
                    action,
                    note,
                })
            })
            .collect::<ApiResult<_>>()?,
    })
}

/// How many tickets already carry a number starting with `prefix` (kind and day), so the
/// next one is numbered after them.
pub(super) async fn numbered(conn: &mut SqliteConnection, prefix: &str) -> ApiResult<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM tickets WHERE number LIKE ?")
            .bind(format!("{prefix}%"))
            .fetch_one(&mut *conn)
            .await?,
    )
}

/// Writes a new, submitted ticket with its promised (response, fix) deadlines.
pub(super) async fn insert(
    conn: &mut SqliteConnection,
    request: &CreateTicket,
    user_id: &str,
    number: &str,
    now: i64,
    (respond, fix): (i64, i64),
) -> ApiResult<()> {
    sqlx::query(
        "INSERT INTO tickets (id, number, membership_id, user_id, kind, category, place, place_note, urgency,
            description, visit_windows, anonymous, bill_line_id, state, created_at, response_due_at, fix_due_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'submitted', ?, ?, ?)",
    )
    .bind(request.id.to_string())
    .bind(number)
    .bind(request.membership_id.to_string())
    .bind(user_id)
    .bind(enum_str(&request.kind))
    .bind(&request.category)
    .bind(enum_str(&request.place))
    .bind(request.place_note.as_deref().map(str::trim))
    .bind(enum_str(&request.urgency))
    .bind(request.description.trim())
    .bind(serde_json::to_string(&request.visit_windows).unwrap_or_else(|_| "[]".into()))
    .bind(i64::from(request.anonymous))
    .bind(request.bill_line_id.map(|l| l.to_string()))
    .bind(now)
    .bind(now + respond)
    .bind(now + fix)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The stored role of `membership_id`, if it is an active household of `user_id`.
pub(super) async fn active_membership(
    conn: &mut SqliteConnection,
    membership_id: &str,
    user_id: &str,
) -> ApiResult<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT role FROM memberships WHERE id = ? AND user_id = ? AND state = 'active'",
    )
    .bind(membership_id)
    .bind(user_id)
    .fetch_optional(&mut *conn)
    .await?)
}

/// Whether the bill line is on one of the household's own bills (a disputed line).
pub(super) async fn household_bill_line(
    conn: &mut SqliteConnection,
    line: &str,
    membership_id: &str,
) -> ApiResult<bool> {
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM bill_lines l JOIN bills b ON b.id = l.bill_id
           JOIN memberships m ON m.unit_id = b.unit_id
         WHERE l.id = ? AND m.id = ?)",
    )
    .bind(line)
    .bind(membership_id)
    .fetch_one(&mut *conn)
    .await?)
}

/// The name a resident shows on their tickets' timelines.
pub(super) async fn display_name(conn: &mut SqliteConnection, user_id: &str) -> ApiResult<String> {
    Ok(
        sqlx::query_scalar("SELECT display_name FROM users WHERE id = ?")
            .bind(user_id)
            .fetch_one(&mut *conn)
            .await?,
    )
}

/// The resident's tickets (of one household, or all), newest first.
pub(super) async fn of_user(
    conn: &mut SqliteConnection,
    user_id: &str,
    membership_id: Option<&str>,
) -> sqlx::Result<Vec<Row>> {
    // A home the resident has left keeps its tickets, out of the resident's list.
    sqlx::query_as(
        "SELECT t.* FROM tickets t JOIN memberships m ON m.id = t.membership_id \
         WHERE t.user_id = ? AND m.state = 'active' AND (? IS NULL OR t.membership_id = ?) \
         ORDER BY t.created_at DESC",
    )
    .bind(user_id)
    .bind(membership_id)
    .bind(membership_id)
    .fetch_all(&mut *conn)
    .await
}

/// Tickets in a state an automatic step can leave (housekeeping looks at these only).
pub(super) async fn awaiting_steps(conn: &mut SqliteConnection) -> sqlx::Result<Vec<Row>> {
    sqlx::query_as("SELECT * FROM tickets WHERE state IN ('deferred', 'completed', 'confirmed')")
        .fetch_all(&mut *conn)
        .await
}

/// Open repairs with their state and the time of their last event (for the demo's desk).
pub(super) async fn open_repairs(db: &SqlitePool) -> sqlx::Result<Vec<(String, String, i64)>> {
    sqlx::query_as(
        "SELECT t.id, t.state, max(e.at) FROM tickets t JOIN ticket_events e ON e.ticket_id = t.id
         WHERE t.state IN ('submitted', 'accepted', 'assigned', 'in_progress', 'reopened') AND t.kind = 'repair'
         GROUP BY t.id",
    )
    .fetch_all(db)
    .await
}

/// The most recently created ticket's number.
pub(super) async fn latest_number(db: &SqlitePool) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT number FROM tickets ORDER BY created_at DESC LIMIT 1")
        .fetch_optional(db)
        .await
}

/// The community of a ticket (through the home it was reported for).
pub(super) async fn community_of(conn: &mut SqliteConnection, ticket: &str) -> ApiResult<String> {
    Ok(sqlx::query_scalar(
        "SELECT u.community_id FROM tickets t JOIN memberships m ON m.id = t.membership_id \
         JOIN units u ON u.id = m.unit_id WHERE t.id = ?",
    )
    .bind(ticket)
    .fetch_one(&mut *conn)
    .await?)
}
