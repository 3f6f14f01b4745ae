//! `GET /v1/sync/stream`: server-sent events that tell a signed-in resident's app that
//! something it may see changed, so it pulls the feed at once instead of waiting for its poll.
//!
//! An event is `event: change`, `id: <seq>`, `data: {"kind": …, "seq": …}` ([`StreamEvent`])
//! and nothing more: the app pulls the feed when told, so a lost event (a dropped connection)
//! loses nothing. Which rows a resident hears of is exactly what the feed would give them
//! ([`changes::rows_after`]: their own rows and their active households' communities'). A
//! burst of changes is one wake-up of the stream ([`changes::Hub`]) and at most one event per
//! row. `Last-Event-ID` resumes after that sequence number; without it the stream starts at
//! the log's end (the app pulls the feed once it is connected).
//!
//! A comment is sent at once (so the client knows the stream is up) and every keep-alive
//! interval; at each one the token is checked again, so the stream ends when the access token
//! expires or its sign-in is revoked (the client reconnects with a fresh token). It also ends
//! when the server stops, so shutdown never waits on an open stream.

use crate::AppState;
use crate::changes;
use crate::error::{ApiError, ApiResult};
use crate::extract::Resident;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, Sse};
use futures::Stream;
use linli_wire::headers::LAST_EVENT_ID;
use linli_wire::sync::{EntityKind, StreamEvent};
use std::collections::VecDeque;
use std::convert::Infallible;
use tokio::sync::watch;
use uuid::Uuid;

/// At most this many rows are read per wake-up; more wait for the next read, at once.
const BATCH: usize = 200;

/// Tells the resident, as it happens, that something they may see changed.
#[utoipa::path(get, path = "/v1/sync/stream", tag = "sync", operation_id = "sync_stream",
    security(("bearer" = [])),
    params(("Last-Event-ID" = Option<i64>, Header, minimum = 0,
        description = "Resume after this event (its `seq`); absent: from now")),
    responses(
        (status = 200, description = "Server-sent events, one `change` event per change the \
resident may see (`id:` its `seq`, `data:` a `StreamEvent`), and a comment at once and every \
15 s. The stream ends when the access token expires or is revoked, or the server stops; \
reconnect with backoff and `Last-Event-ID`", content_type = "text/event-stream", body = StreamEvent),
        (status = 400, description = "`bad-request`: `Last-Event-ID` is not a sequence number", body = linli_wire::Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthenticated` or `token-expired`", body = linli_wire::Problem, content_type = "application/problem+json"),
    ))]
pub async fn stream(
    State(state): State<AppState>,
    resident: Resident,
    headers: HeaderMap,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let resume = match headers.get(LAST_EVENT_ID) {
        None => None,
        Some(value) => Some(
            value
                .to_str()
                .ok()
                .and_then(|v| v.trim().parse::<i64>().ok())
                .filter(|seq| *seq >= 0)
                .ok_or_else(|| ApiError::bad_request("Last-Event-ID is not a sequence number"))?,
        ),
    };
    let latest = state.changes.subscribe();
    let after = match resume {
        Some(seq) => seq,
        None => {
            let mut conn = state.db.acquire().await?;
            changes::max_seq(&mut conn).await?
        }
    };
    let mut listener = Listener {
        keep_alive: tokio::time::interval(state.changes.keep_alive()),
        closing: state.changes.closing(),
        state,
        resident,
        latest,
        after,
        pending: VecDeque::from([Event::default().comment("linli change stream")]),
        // A resumed stream first catches up on what it missed.
        catch_up: resume.is_some(),
    };
    // The first tick is immediate; the opening comment already covers it.
    listener.keep_alive.reset();
    let events = futures::stream::unfold(listener, |mut listener| async move {
        let event = listener.next().await?;
        Some((Ok(event), listener))
    });
    Ok(Sse::new(events))
}

/// What woke a waiting stream.
enum Wake {
    Changed,
    KeepAlive,
    Closing,
}

/// One open stream's state.
struct Listener {
    state: AppState,
    resident: Resident,
    latest: watch::Receiver<i64>,
    /// The last sequence number this stream has dealt with.
    after: i64,
    pending: VecDeque<Event>,
    catch_up: bool,
    keep_alive: tokio::time::Interval,
    closing: watch::Receiver<bool>,
}

impl Listener {
    /// The next event to send; `None` ends the stream.
    async fn next(&mut self) -> Option<Event> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                return Some(event);
            }
            if std::mem::take(&mut self.catch_up) {
                self.read().await?;
                continue;
            }
            let wake = tokio::select! {
                changed = self.latest.changed() => match changed {
                    Ok(()) => Wake::Changed,
                    Err(_) => Wake::Closing,
                },
                _ = self.keep_alive.tick() => Wake::KeepAlive,
                _ = self.closing.wait_for(|closing| *closing) => Wake::Closing,
            };
            match wake {
                Wake::Changed => self.read().await?,
                Wake::KeepAlive if self.still_signed_in().await => {
                    return Some(Event::default().comment(""));
                }
                Wake::KeepAlive | Wake::Closing => return None,
            }
        }
    }

    /// Queues an event per row the resident may see after `after`. `None` on a database
    /// failure: the stream ends and the client reconnects.
    async fn read(&mut self) -> Option<()> {
        let announced = *self.latest.borrow_and_update();
        let rows = match self.rows().await {
            Ok(rows) => rows,
            Err(err) => {
                tracing::warn!(error = %err, "the change stream could not read the log");
                return None;
            }
        };
        for (seq, kind, _) in &rows {
            let kind: EntityKind = crate::db::open_enum(kind).unwrap_or(EntityKind::Other);
            let data = StreamEvent { kind, seq: *seq };
            let event = Event::default()
                .event("change")
                .id(seq.to_string())
                .json_data(data)
                .ok()?;
            self.pending.push_back(event);
        }
        let last_row = rows.last().map(|(seq, _, _)| *seq);
        if rows.len() == BATCH {
            // More rows wait: read again before anything else.
            self.catch_up = true;
        }
        let reached = if self.catch_up {
            last_row.unwrap_or(self.after)
        } else {
            // Every committed row up to `announced` was in that read; skip the invisible ones.
            last_row.unwrap_or(self.after).max(announced)
        };
        self.after = self.after.max(reached);
        Some(())
    }

    async fn rows(&self) -> sqlx::Result<Vec<(i64, String, String)>> {
        let mut conn = self.state.db.acquire().await?;
        changes::rows_after(&mut conn, self.resident.user_id, self.after, BATCH).await
    }

    /// Whether the token that opened the stream is still good: not expired, not revoked.
    async fn still_signed_in(&self) -> bool {
        if self.state.clock.now().timestamp() >= self.resident.expires_at_s {
            return false;
        }
        revoked(&self.state, self.resident.family_id)
            .await
            .is_ok_and(|revoked| !revoked)
    }
}

async fn revoked(state: &AppState, family: Uuid) -> sqlx::Result<bool> {
    let revoked: Option<Option<i64>> =
        sqlx::query_scalar("SELECT revoked_at FROM token_families WHERE id = ?")
            .bind(family.to_string())
            .fetch_optional(&state.db)
            .await?;
    Ok(!matches!(revoked, Some(None)))
}
