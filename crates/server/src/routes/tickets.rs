//! Service tickets: residents report, staff act, the system keeps promises and deadlines.
//!
//! Invariants:
//! - Every change is one transaction that checks the state, moves it, and appends the event
//!   to the timeline; an action the state does not allow answers 409 `invalid-transition` with
//!   `current_state` and `allowed`.
//! - A resident sees and acts on only the tickets they created; another resident's ticket
//!   answers 404. Photos must be complete uploads of the creator, bound to no other ticket.
//! - Deadlines: the response and fix deadlines are promised at creation (by kind and urgency);
//!   `overdue` is computed on read. Automatic steps (a deferred ticket resuming on its day, a
//!   completed one confirming itself after [`AUTO_CONFIRM_DAYS`], a confirmed one closing after
//!   [`AUTO_CLOSE_DAYS`] without a rating) run on read and in housekeeping, so they happen even
//!   when nobody looks.

use axum::Json;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use chrono::{Duration, NaiveDate};
use linli_wire::tickets::{
    Actor, CreateTicket, Rating, StaffAction, Ticket, TicketComment, TicketEvent, TicketKind,
    TicketList, TicketPlace, TicketReason, TicketState, TicketUrgency,
};
use linli_wire::{BillLineId, ErrorCode, MembershipId, Problem, TicketId};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use sqlx::SqliteConnection;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::AppState;
use crate::clock::from_ms;
use crate::error::{ApiError, ApiResult};
use crate::extract::{AppJson, IdempotencyKey, Resident};
use crate::idempotency::{Begun, IdempotentWrite};

/// Days after completion within which the resident may reopen.
pub const REOPEN_DAYS: i64 = 7;
/// Days after which a completed ticket confirms itself.
pub const AUTO_CONFIRM_DAYS: i64 = 3;
/// Days after which a confirmed, unrated ticket closes itself.
pub const AUTO_CLOSE_DAYS: i64 = 7;
/// At most this many photos per ticket.
pub const MAX_PHOTOS: usize = 9;

const DAY_MS: i64 = 24 * 3600 * 1000;
const HOUR_MS: i64 = 3600 * 1000;

fn enum_str<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn enum_from<T: serde::de::DeserializeOwned>(text: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(text.to_owned())).ok()
}

/// Categories per kind (codes; the app shows them in words).
pub fn categories(kind: TicketKind) -> &'static [&'static str] {
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

/// Promised (response, fix) deadlines after creation, in ms.
fn deadlines(kind: TicketKind, urgency: TicketUrgency) -> (i64, i64) {
    match (kind, urgency) {
        (TicketKind::Repair, TicketUrgency::Urgent) => (30 * 60 * 1000, DAY_MS),
        (TicketKind::Repair, _) => (2 * HOUR_MS, 3 * DAY_MS),
        (TicketKind::Complaint, _) => (DAY_MS, 7 * DAY_MS),
        _ => (3 * DAY_MS, 3 * DAY_MS),
    }
}

/// What the resident may do in a state.
fn resident_allowed(state: TicketState, completed_at: Option<i64>, now: i64) -> Vec<&'static str> {
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
fn staff_allowed(state: TicketState) -> Vec<&'static str> {
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

fn invalid(state: TicketState, allowed: &[&str]) -> ApiError {
    ApiError::new(ErrorCode::InvalidTransition)
        .detail("this ticket's state does not allow that")
        .transition(
            enum_str(&state),
            allowed.iter().map(|a| (*a).to_owned()).collect(),
        )
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct Row {
    id: String,
    number: String,
    membership_id: String,
    user_id: String,
    kind: String,
    category: String,
    place: String,
    place_note: Option<String>,
    urgency: String,
    description: String,
    visit_windows: String,
    anonymous: i64,
    bill_line_id: Option<String>,
    state: String,
    created_at: i64,
    response_due_at: i64,
    fix_due_at: i64,
    responded_at: Option<i64>,
    completed_at: Option<i64>,
    confirmed_at: Option<i64>,
    resume_on: Option<String>,
    payment_minor: Option<i64>,
    assignee: Option<String>,
    rating: Option<String>,
}

impl Row {
    fn state(&self) -> TicketState {
        enum_from(&self.state).unwrap_or(TicketState::Other)
    }
}

async fn load(conn: &mut SqliteConnection, id: &str) -> ApiResult<Option<Row>> {
    Ok(
        sqlx::query_as("SELECT * FROM tickets WHERE id = ? OR number = ?")
            .bind(id)
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?,
    )
}

async fn event(
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
    Ok(id)
}

/// Who takes steps on one ticket, and when: every step is an event on its timeline, and most
/// also move the ticket to a new state.
struct Step<'a> {
    ticket: &'a str,
    at: i64,
    actor: Actor,
    by: &'a str,
}

impl Step<'_> {
    /// Records a step on the timeline; its event id.
    async fn record(
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
    async fn moves_to(
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

async fn set_state(conn: &mut SqliteConnection, ticket: &str, state: TicketState) -> ApiResult<()> {
    sqlx::query("UPDATE tickets SET state = ? WHERE id = ?")
        .bind(enum_str(&state))
        .bind(ticket)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Binds complete uploads of `user` to the ticket (and an event). Refuses anything else.
/// Who uploaded the photos being attached: a resident (their report or comment) or a staff
/// member (after-photos); only their own finished, unattached uploads can be attached.
#[derive(Clone, Copy, Debug)]
enum PhotoOwner<'a> {
    Resident(&'a str),
    Staff(&'a str),
}

async fn bind_photos(
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
            "at most 9 photos",
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

/// Runs the automatic steps due for one ticket.
async fn advance(conn: &mut SqliteConnection, row: &Row, now: i64) -> ApiResult<()> {
    let today = crate::routes::bills::community_today(now);
    match row.state() {
        TicketState::Deferred => {
            let due = row
                .resume_on
                .as_deref()
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
            if due.is_some_and(|d| today >= d) {
                let next = if row.assignee.is_some() {
                    TicketState::InProgress
                } else {
                    TicketState::Accepted
                };
                set_state(conn, &row.id, next).await?;
                event(conn, &row.id, now, Actor::System, "系统", "resumed", None).await?;
            }
        }
        TicketState::Completed
            if row
                .completed_at
                .is_some_and(|at| now - at >= AUTO_CONFIRM_DAYS * DAY_MS) =>
        {
            set_state(conn, &row.id, TicketState::Confirmed).await?;
            sqlx::query("UPDATE tickets SET confirmed_at = ? WHERE id = ?")
                .bind(now)
                .bind(&row.id)
                .execute(&mut *conn)
                .await?;
            event(
                conn,
                &row.id,
                now,
                Actor::System,
                "系统",
                "auto_confirmed",
                None,
            )
            .await?;
        }
        TicketState::Confirmed
            if row.rating.is_none()
                && row
                    .confirmed_at
                    .is_some_and(|at| now - at >= AUTO_CLOSE_DAYS * DAY_MS) =>
        {
            set_state(conn, &row.id, TicketState::Closed).await?;
            event(
                conn,
                &row.id,
                now,
                Actor::System,
                "系统",
                "auto_closed",
                None,
            )
            .await?;
        }
        _ => {}
    }
    Ok(())
}

/// Runs automatic steps for every ticket that may need one (housekeeping).
pub async fn advance_all(state: &AppState) -> anyhow::Result<()> {
    let now = state.clock.now_ms();
    let mut tx = state.db.begin_with("BEGIN IMMEDIATE").await?;
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT * FROM tickets WHERE state IN ('deferred', 'completed', 'confirmed')",
    )
    .fetch_all(&mut *tx)
    .await?;
    for row in &rows {
        // Twice: a completed ticket may confirm and then close in one pass.
        advance(&mut tx, row, now)
            .await
            .map_err(|e| anyhow::anyhow!("{}", e.code))?;
        if let Some(again) = load(&mut tx, &row.id)
            .await
            .map_err(|e| anyhow::anyhow!("{}", e.code))?
        {
            advance(&mut tx, &again, now)
                .await
                .map_err(|e| anyhow::anyhow!("{}", e.code))?;
        }
    }
    tx.commit().await?;
    Ok(())
}

async fn render(
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
    let done = matches!(
        state,
        TicketState::Completed
            | TicketState::Confirmed
            | TicketState::Closed
            | TicketState::Rejected
            | TicketState::Canceled
    );
    let overdue = !done
        && (now > row.fix_due_at || (row.responded_at.is_none() && now > row.response_due_at));
    let uuid = |s: &str| Uuid::parse_str(s).map_err(ApiError::internal);
    let allowed: Vec<String> = if for_staff {
        staff_allowed(state)
            .into_iter()
            .map(str::to_owned)
            .collect()
    } else {
        resident_allowed(state, row.completed_at, now)
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

fn validate(request: &CreateTicket, now: i64) -> ApiResult<()> {
    if !categories(request.kind).contains(&request.category.as_str()) {
        return Err(ApiError::invalid(
            "/category",
            "unknown",
            "not a category of this kind",
        ));
    }
    let description = request.description.trim();
    if description.chars().count() < 2 || description.chars().count() > 2000 {
        return Err(ApiError::invalid(
            "/description",
            "length",
            "describe it in 2 to 2000 characters",
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
    if request.visit_windows.len() > 3 {
        return Err(ApiError::invalid(
            "/visit_windows",
            "too-many",
            "at most three visit windows",
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
            "at most 9 photos",
        ));
    }
    Ok(())
}

/// Creates a ticket (idempotent by id and `Idempotency-Key`).
#[utoipa::path(post, path = "/v1/tickets", tag = "tickets", security(("bearer" = [])),
    request_body = CreateTicket,
    params(("Idempotency-Key" = String, Header, description = "RFC 8941 string naming this write")),
    responses(
        (status = 201, description = "Created", body = Ticket),
        (status = 200, description = "Replayed (`Idempotent-Replayed: true`)", body = Ticket),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`membership-required`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`already-exists`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation-failed` (a photo not uploaded, not yours or already used; a bad category …)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create(
    State(state): State<AppState>,
    resident: Resident,
    IdempotencyKey(key): IdempotencyKey,
    AppJson(request): AppJson<CreateTicket>,
) -> ApiResult<Response> {
    let now = state.clock.now_ms();
    let mut write = match IdempotentWrite::begin(
        &state,
        resident.user_id,
        &key,
        ("POST", "/v1/tickets"),
        &request,
    )
    .await?
    {
        Begun::Replay(stored) => return Ok(stored.into_response()),
        Begun::Fresh(write) => write,
    };
    // Only a fresh write is validated: its windows are checked against now, and a replay days
    // later (the first answer was lost) must answer as the first time, not 422.
    validate(&request, now)?;
    let tx = &mut *write.tx;
    let active: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM memberships WHERE id = ? AND user_id = ? AND state = 'active')")
        .bind(request.membership_id.to_string())
        .bind(resident.user_id.to_string())
        .fetch_one(&mut *tx)
        .await?;
    if !active {
        return Err(ApiError::new(ErrorCode::MembershipRequired));
    }
    if load(&mut *tx, &request.id.to_string()).await?.is_some() {
        return Err(ApiError::new(ErrorCode::AlreadyExists).detail("this ticket id is taken"));
    }
    if let Some(line) = request.bill_line_id {
        // A disputed bill line: a complaint about one of this household's own bills.
        let ours: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM bill_lines l JOIN bills b ON b.id = l.bill_id
               JOIN memberships m ON m.unit_id = b.unit_id
             WHERE l.id = ? AND m.id = ?)",
        )
        .bind(line.to_string())
        .bind(request.membership_id.to_string())
        .fetch_one(&mut *tx)
        .await?;
        if request.kind != TicketKind::Complaint || !ours {
            return Err(ApiError::invalid(
                "/bill_line_id",
                "not-available",
                "only a complaint can name a bill line, and only one of this household's bills",
            ));
        }
    }
    let prefix = match request.kind {
        TicketKind::Repair => "BX",
        TicketKind::Complaint => "TS",
        TicketKind::Suggestion => "JY",
        _ => "BY",
    };
    let day = (from_ms(now) + Duration::hours(8))
        .format("%Y%m%d")
        .to_string();
    let seq: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tickets WHERE number LIKE ?")
        .bind(format!("{prefix}{day}%"))
        .fetch_one(&mut *tx)
        .await?;
    let number = format!("{prefix}{day}{:04}", seq + 1);
    let (respond, fix) = deadlines(request.kind, request.urgency);
    sqlx::query(
        "INSERT INTO tickets (id, number, membership_id, user_id, kind, category, place, place_note, urgency,
            description, visit_windows, anonymous, bill_line_id, state, created_at, response_due_at, fix_due_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'submitted', ?, ?, ?)",
    )
    .bind(request.id.to_string())
    .bind(&number)
    .bind(request.membership_id.to_string())
    .bind(resident.user_id.to_string())
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
    .execute(&mut *tx)
    .await?;
    let name: String = sqlx::query_scalar("SELECT display_name FROM users WHERE id = ?")
        .bind(resident.user_id.to_string())
        .fetch_one(&mut *tx)
        .await?;
    event(
        &mut *tx,
        &request.id.to_string(),
        now,
        Actor::Resident,
        &name,
        "created",
        None,
    )
    .await?;
    bind_photos(
        &mut *tx,
        PhotoOwner::Resident(&resident.user_id.to_string()),
        &request.id.to_string(),
        None,
        &request.attachment_ids,
    )
    .await?;
    let row = load(&mut *tx, &request.id.to_string())
        .await?
        .ok_or_else(|| ApiError::internal("the new ticket vanished"))?;
    let ticket = render(&mut *tx, &row, now, false).await?;
    write.created(ticket, now).await
}

/// Query of `GET /v1/tickets`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only this household's.
    pub membership_id: Option<MembershipId>,
}

/// The resident's tickets, newest first.
#[utoipa::path(get, path = "/v1/tickets", tag = "tickets", security(("bearer" = [])),
    params(ListQuery),
    responses((status = 200, description = "Tickets", body = TicketList), (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    resident: Resident,
    Query(query): Query<ListQuery>,
) -> ApiResult<Json<TicketList>> {
    let now = state.clock.now_ms();
    let mut tx = state.db.begin_with("BEGIN IMMEDIATE").await?;
    let rows: Vec<Row> = sqlx::query_as("SELECT * FROM tickets WHERE user_id = ? AND (? IS NULL OR membership_id = ?) ORDER BY created_at DESC")
        .bind(resident.user_id.to_string())
        .bind(query.membership_id.map(|m| m.to_string()))
        .bind(query.membership_id.map(|m| m.to_string()))
        .fetch_all(&mut *tx)
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
    Ok(Json(TicketList { items }))
}

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

/// One ticket with its timeline.
#[utoipa::path(get, path = "/v1/tickets/{id}", tag = "tickets", security(("bearer" = [])),
    params(("id" = TicketId, Path, description = "Ticket id")),
    responses((status = 200, description = "The ticket", body = Ticket), (status = 404, description = "`not-found` (also for another resident's)", body = Problem, content_type = "application/problem+json")))]
pub async fn detail(
    State(state): State<AppState>,
    resident: Resident,
    Path(id): Path<TicketId>,
) -> ApiResult<Json<Ticket>> {
    let now = state.clock.now_ms();
    let mut tx = state.db.begin_with("BEGIN IMMEDIATE").await?;
    let row = own(&mut tx, &resident, id, now).await?;
    let ticket = render(&mut tx, &row, now, false).await?;
    tx.commit().await?;
    Ok(Json(ticket))
}

/// What a resident does to their ticket.
enum ResidentStep {
    Comment(TicketComment),
    Cancel,
    Confirm,
    Reopen(TicketReason),
    Rate(Rating),
}

async fn resident_step(
    state: &AppState,
    resident: &Resident,
    id: TicketId,
    step: ResidentStep,
) -> ApiResult<Json<Ticket>> {
    let now = state.clock.now_ms();
    let mut tx = state.db.begin_with("BEGIN IMMEDIATE").await?;
    let row = own(&mut tx, resident, id, now).await?;
    let current = row.state();
    let allowed = resident_allowed(current, row.completed_at, now);
    let name: String = sqlx::query_scalar("SELECT display_name FROM users WHERE id = ?")
        .bind(&row.user_id)
        .fetch_one(&mut *tx)
        .await?;
    let action = match &step {
        ResidentStep::Comment(_) => "comment",
        ResidentStep::Cancel => "cancel",
        ResidentStep::Confirm => "confirm",
        ResidentStep::Reopen(_) => "reopen",
        ResidentStep::Rate(_) => "rate",
    };
    if !allowed.contains(&action) {
        return Err(invalid(current, &allowed));
    }
    let by = Step {
        ticket: &row.id,
        at: now,
        actor: Actor::Resident,
        by: &name,
    };
    match step {
        ResidentStep::Comment(comment) => {
            let text = comment.text.trim();
            if text.is_empty() || text.chars().count() > 1000 {
                return Err(ApiError::invalid("/text", "length", "1 to 1000 characters"));
            }
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
            sqlx::query("UPDATE tickets SET confirmed_at = ? WHERE id = ?")
                .bind(now)
                .bind(&row.id)
                .execute(&mut *tx)
                .await?;
            by.record(&mut tx, "confirmed", None).await?;
        }
        ResidentStep::Reopen(reason) => {
            let text = reason.reason.trim();
            if text.is_empty() {
                return Err(ApiError::invalid(
                    "/reason",
                    "required",
                    "say what is still wrong",
                ));
            }
            set_state(&mut tx, &row.id, TicketState::Reopened).await?;
            sqlx::query("UPDATE tickets SET completed_at = NULL, confirmed_at = NULL WHERE id = ?")
                .bind(&row.id)
                .execute(&mut *tx)
                .await?;
            by.record(&mut tx, "reopened", Some(text)).await?;
        }
        ResidentStep::Rate(rating) => {
            if [rating.overall, rating.speed, rating.service]
                .iter()
                .any(|s| !(1..=5).contains(s))
                || rating.tags.len() > 10
            {
                return Err(ApiError::invalid("/overall", "range", "scores are 1 to 5"));
            }
            set_state(&mut tx, &row.id, TicketState::Closed).await?;
            sqlx::query("UPDATE tickets SET rating = ?, confirmed_at = coalesce(confirmed_at, ?) WHERE id = ?")
                .bind(serde_json::to_string(&rating).map_err(ApiError::internal)?)
                .bind(now)
                .bind(&row.id)
                .execute(&mut *tx)
                .await?;
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
    Ok(Json(ticket))
}

/// Adds a comment (with photos).
#[utoipa::path(post, path = "/v1/tickets/{id}/comments", tag = "tickets", security(("bearer" = [])), request_body = TicketComment,
    params(("id" = TicketId, Path, description = "Ticket id")),
    responses((status = 200, description = "The ticket", body = Ticket), (status = 409, description = "`invalid-transition`", body = Problem, content_type = "application/problem+json")))]
pub async fn comment(
    State(state): State<AppState>,
    resident: Resident,
    Path(id): Path<TicketId>,
    AppJson(body): AppJson<TicketComment>,
) -> ApiResult<Json<Ticket>> {
    resident_step(&state, &resident, id, ResidentStep::Comment(body)).await
}

/// Cancels a ticket not yet accepted.
#[utoipa::path(post, path = "/v1/tickets/{id}/cancel", tag = "tickets", security(("bearer" = [])),
    params(("id" = TicketId, Path, description = "Ticket id")),
    responses((status = 200, description = "The ticket", body = Ticket), (status = 409, description = "`invalid-transition`", body = Problem, content_type = "application/problem+json")))]
pub async fn cancel(
    State(state): State<AppState>,
    resident: Resident,
    Path(id): Path<TicketId>,
) -> ApiResult<Json<Ticket>> {
    resident_step(&state, &resident, id, ResidentStep::Cancel).await
}

/// Confirms a completed ticket.
#[utoipa::path(post, path = "/v1/tickets/{id}/confirm", tag = "tickets", security(("bearer" = [])),
    params(("id" = TicketId, Path, description = "Ticket id")),
    responses((status = 200, description = "The ticket", body = Ticket), (status = 409, description = "`invalid-transition`", body = Problem, content_type = "application/problem+json")))]
pub async fn confirm(
    State(state): State<AppState>,
    resident: Resident,
    Path(id): Path<TicketId>,
) -> ApiResult<Json<Ticket>> {
    resident_step(&state, &resident, id, ResidentStep::Confirm).await
}

/// Reopens a completed ticket: not fixed (within the reopen period).
#[utoipa::path(post, path = "/v1/tickets/{id}/reopen", tag = "tickets", security(("bearer" = [])), request_body = TicketReason,
    params(("id" = TicketId, Path, description = "Ticket id")),
    responses((status = 200, description = "The ticket", body = Ticket), (status = 409, description = "`invalid-transition`", body = Problem, content_type = "application/problem+json")))]
pub async fn reopen(
    State(state): State<AppState>,
    resident: Resident,
    Path(id): Path<TicketId>,
    AppJson(body): AppJson<TicketReason>,
) -> ApiResult<Json<Ticket>> {
    resident_step(&state, &resident, id, ResidentStep::Reopen(body)).await
}

/// Rates a completed or confirmed ticket, which closes it.
#[utoipa::path(post, path = "/v1/tickets/{id}/rating", tag = "tickets", security(("bearer" = [])), request_body = Rating,
    params(("id" = TicketId, Path, description = "Ticket id")),
    responses((status = 200, description = "The ticket", body = Ticket), (status = 409, description = "`invalid-transition`", body = Problem, content_type = "application/problem+json")))]
pub async fn rate(
    State(state): State<AppState>,
    resident: Resident,
    Path(id): Path<TicketId>,
    AppJson(body): AppJson<Rating>,
) -> ApiResult<Json<Ticket>> {
    resident_step(&state, &resident, id, ResidentStep::Rate(body)).await
}

/// A staff member, by their bearer token (`linli-server staff-add`).
#[derive(Clone, Debug)]
pub struct Staff {
    /// Staff id.
    pub id: String,
    /// Name and post, as residents see it.
    pub display: String,
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = crate::extract::bearer(parts)?;
        let hash = Sha256::digest(token.trim().as_bytes()).to_vec();
        let row: Option<(String, String, String)> =
            sqlx::query_as("SELECT id, name, post FROM staff WHERE token_hash = ?")
                .bind(hash)
                .fetch_optional(&state.db)
                .await?;
        let (id, name, post) = row.ok_or_else(|| ApiError::new(ErrorCode::Unauthenticated))?;
        Ok(Self {
            id,
            display: format!("{name}（{post}）"),
        })
    }
}

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
    sqlx::query(
        "INSERT INTO staff (id, name, post, token_hash, created_at) VALUES (?, ?, ?, ?, ?)",
    )
    .bind(&id)
    .bind(name)
    .bind(post)
    .bind(Sha256::digest(token.as_bytes()).to_vec())
    .bind(now)
    .execute(db)
    .await?;
    Ok((id, token))
}

/// The staff record behind the service-desk terminal's `--by` name, made on first use: it owns
/// the after-photos filed from the terminal. Its token is thrown away, so it cannot sign in.
pub async fn desk_staff(db: &sqlx::SqlitePool, display: &str, now: i64) -> anyhow::Result<String> {
    let found: Option<String> =
        sqlx::query_scalar("SELECT id FROM staff WHERE name = ? AND post = 'desk'")
            .bind(display)
            .fetch_optional(db)
            .await?;
    match found {
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
    let allowed = staff_allowed(current);
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
        return Err(invalid(current, &allowed));
    }
    let respond = || {
        sqlx::query("UPDATE tickets SET responded_at = coalesce(responded_at, ?) WHERE id = ?")
            .bind(now)
            .bind(&row.id)
    };
    let by = Step {
        ticket: &row.id,
        at: now,
        actor: Actor::Staff,
        by: who,
    };
    match action {
        StaffAction::Accept => {
            set_state(&mut tx, &row.id, TicketState::Accepted).await?;
            respond().execute(&mut *tx).await?;
            by.record(&mut tx, "accepted", None).await?;
        }
        StaffAction::Assign { assignee } => {
            set_state(&mut tx, &row.id, TicketState::Assigned).await?;
            sqlx::query("UPDATE tickets SET assignee = ? WHERE id = ?")
                .bind(assignee.trim())
                .bind(&row.id)
                .execute(&mut *tx)
                .await?;
            by.record(&mut tx, "assigned", Some(assignee.trim()))
                .await?;
        }
        StaffAction::Start => {
            by.moves_to(&mut tx, TicketState::InProgress, "started", None)
                .await?;
        }
        StaffAction::Defer { resume_on, reason } => {
            if resume_on <= crate::routes::bills::community_today(now) {
                return Err(ApiError::invalid(
                    "/resume_on",
                    "in-the-past",
                    "resume on a later day",
                ));
            }
            set_state(&mut tx, &row.id, TicketState::Deferred).await?;
            sqlx::query("UPDATE tickets SET resume_on = ? WHERE id = ?")
                .bind(resume_on.to_string())
                .bind(&row.id)
                .execute(&mut *tx)
                .await?;
            by.record(
                &mut tx,
                "deferred",
                Some(&format!("{reason}（{resume_on} 恢复处理）")),
            )
            .await?;
        }
        StaffAction::Reject { reason } => {
            if reason.trim().is_empty() {
                return Err(ApiError::invalid(
                    "/reason",
                    "required",
                    "a rejection needs a reason",
                ));
            }
            set_state(&mut tx, &row.id, TicketState::Rejected).await?;
            respond().execute(&mut *tx).await?;
            by.record(&mut tx, "rejected", Some(reason.trim())).await?;
        }
        StaffAction::Complete {
            note,
            attachment_ids,
        } => {
            set_state(&mut tx, &row.id, TicketState::Completed).await?;
            sqlx::query("UPDATE tickets SET completed_at = ? WHERE id = ?")
                .bind(now)
                .bind(&row.id)
                .execute(&mut *tx)
                .await?;
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
            if amount_minor <= 0 {
                return Err(ApiError::invalid(
                    "/amount_minor",
                    "range",
                    "a positive amount",
                ));
            }
            set_state(&mut tx, &row.id, TicketState::AwaitingPayment).await?;
            sqlx::query("UPDATE tickets SET payment_minor = ? WHERE id = ?")
                .bind(amount_minor)
                .bind(&row.id)
                .execute(&mut *tx)
                .await?;
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

/// A staff action on a ticket.
#[utoipa::path(post, path = "/v1/staff/tickets/{id}/actions", tag = "tickets", security(("staff" = [])), request_body = StaffAction,
    params(("id" = String, Path, description = "Ticket id or number")),
    responses(
        (status = 200, description = "The ticket as staff see it", body = Ticket),
        (status = 401, description = "`unauthenticated`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`invalid-transition` with `current_state` and `allowed`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn staff_action(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    AppJson(action): AppJson<StaffAction>,
) -> ApiResult<Json<Ticket>> {
    let desk = Desk {
        staff_id: Some(&staff.id),
        display: &staff.display,
    };
    Ok(Json(staff_act(&state, &desk, &id, action).await?))
}

/// Demo mode: moves submitted tickets along a minute at a time (accept, assign, start,
/// complete), so the demo shows a living timeline.
pub async fn demo_progress(state: &AppState) -> anyhow::Result<()> {
    let now = state.clock.now_ms();
    let rows: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT t.id, t.state, max(e.at) FROM tickets t JOIN ticket_events e ON e.ticket_id = t.id
         WHERE t.state IN ('submitted', 'accepted', 'assigned', 'in_progress', 'reopened') AND t.kind = 'repair'
         GROUP BY t.id",
    )
    .fetch_all(&state.db)
    .await?;
    for (id, current, last) in rows {
        if now - last < 60_000 {
            continue;
        }
        let action = match current.as_str() {
            "submitted" | "reopened" => StaffAction::Accept,
            "accepted" => StaffAction::Assign {
                assignee: "王师傅（水电工）".into(),
            },
            "assigned" => StaffAction::Start,
            _ => StaffAction::Complete {
                note: "已上门维修，试用正常。".into(),
                attachment_ids: Vec::new(),
            },
        };
        let desk = Desk {
            staff_id: None,
            display: "李娜（客服）",
        };
        if let Err(err) = staff_act(state, &desk, &id, action).await {
            tracing::warn!(code = %err.code, "demo step failed");
        }
    }
    Ok(())
}

/// Used by the window test and the command line to find the latest ticket.
pub async fn latest_number(db: &sqlx::SqlitePool) -> anyhow::Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT number FROM tickets ORDER BY created_at DESC LIMIT 1")
            .fetch_optional(db)
            .await?,
    )
}
