//! The ticket row's single-column updates, each in the caller's transaction: the first
//! response time, the assignee, the day deferred work resumes, completion and confirmation
//! times, the rating and the payment. The steps that call them ([`super::desk`],
//! [`super::resident`], [`super::jobs`]) decide whether they may; these only write, and
//! [`super::store`] (re-exporting them) stays the one place callers name.

use chrono::NaiveDate;
use sqlx::SqliteConnection;

/// Records the first response (accepting or rejecting); a later one keeps the first time.
pub(super) async fn mark_responded(
    conn: &mut SqliteConnection,
    ticket: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE tickets SET responded_at = coalesce(responded_at, ?) WHERE id = ?")
        .bind(now)
        .bind(ticket)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Who does the work.
pub(super) async fn set_assignee(
    conn: &mut SqliteConnection,
    ticket: &str,
    assignee: &str,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE tickets SET assignee = ? WHERE id = ?")
        .bind(assignee)
        .bind(ticket)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The day a deferred ticket resumes.
pub(super) async fn set_resume_on(
    conn: &mut SqliteConnection,
    ticket: &str,
    resume_on: NaiveDate,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE tickets SET resume_on = ? WHERE id = ?")
        .bind(resume_on.to_string())
        .bind(ticket)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// When the work was completed (the reopen and auto-confirm periods count from it).
pub(super) async fn set_completed_at(
    conn: &mut SqliteConnection,
    ticket: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE tickets SET completed_at = ? WHERE id = ?")
        .bind(now)
        .bind(ticket)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// When the ticket was confirmed (the auto-close period counts from it).
pub(super) async fn set_confirmed_at(
    conn: &mut SqliteConnection,
    ticket: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE tickets SET confirmed_at = ? WHERE id = ?")
        .bind(now)
        .bind(ticket)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// A reopened ticket is no longer completed nor confirmed.
pub(super) async fn clear_completion(
    conn: &mut SqliteConnection,
    ticket: &str,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE tickets SET completed_at = NULL, confirmed_at = NULL WHERE id = ?")
        .bind(ticket)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The resident's rating (stored as its JSON); rating also confirms, if not yet confirmed.
pub(super) async fn set_rating(
    conn: &mut SqliteConnection,
    ticket: &str,
    rating_json: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE tickets SET rating = ?, confirmed_at = coalesce(confirmed_at, ?) WHERE id = ?",
    )
    .bind(rating_json)
    .bind(now)
    .bind(ticket)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The price a payment request asks.
pub(super) async fn set_payment(
    conn: &mut SqliteConnection,
    ticket: &str,
    amount_minor: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE tickets SET payment_minor = ? WHERE id = ?")
        .bind(amount_minor)
        .bind(ticket)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
