//! Tickets' housekeeping: the automatic steps (a deferred ticket resuming on its day, a
//! completed one confirming itself, a confirmed one closing unrated) run on every read of a
//! ticket through [`advance`] and for all tickets in the hourly tidy ([`advance_all`]), so they
//! happen even when nobody looks; and the demo's desk that moves repairs along.

use linli_wire::tickets::{Actor, StaffAction, TicketState};
use sqlx::SqliteConnection;

use super::desk::{Desk, staff_act};
use super::rules::{AutoStep, auto_step};
use super::store::{self, Row, event, load, set_state};
use crate::AppState;
use crate::error::ApiResult;

/// Runs the automatic step due for one ticket, if any.
pub(super) async fn advance(conn: &mut SqliteConnection, row: &Row, now: i64) -> ApiResult<()> {
    match auto_step(row, now) {
        Some(AutoStep::Resume(next)) => {
            set_state(conn, &row.id, next).await?;
            event(conn, &row.id, now, Actor::System, "系统", "resumed", None).await?;
        }
        Some(AutoStep::Confirm) => {
            set_state(conn, &row.id, TicketState::Confirmed).await?;
            store::set_confirmed_at(conn, &row.id, now).await?;
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
        Some(AutoStep::Close) => {
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
        None => {}
    }
    Ok(())
}

/// Runs automatic steps for every ticket that may need one (housekeeping).
pub async fn advance_all(state: &AppState) -> anyhow::Result<()> {
    let now = state.clock.now_ms();
    let mut tx = state.db.begin_with("BEGIN IMMEDIATE").await?;
    let rows = store::awaiting_steps(&mut tx).await?;
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
    // What time alone changed since the last pass (a deadline, the days to reopen) reaches
    // the residents' feeds too.
    let since = crate::changes::last_run(&mut tx, "tickets_time_at", now).await?;
    store::record_time_passed(&mut tx, since, now)
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.code))?;
    tx.commit().await?;
    Ok(())
}

/// Demo mode: moves submitted tickets along a minute at a time (accept, assign, start,
/// complete), so the demo shows a living timeline.
pub async fn demo_progress(state: &AppState) -> anyhow::Result<()> {
    let now = state.clock.now_ms();
    let rows = store::open_repairs(&state.db).await?;
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
            staff: None,
        };
        if let Err(err) = staff_act(state, &desk, &id, action).await {
            tracing::warn!(code = %err.code, "demo step failed");
        }
    }
    Ok(())
}
