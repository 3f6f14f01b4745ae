//! Ending a membership: its row, the member's passes for the home, and the change feed.

use linli_wire::sync::{ChangeOp, EntityKind};
use sqlx::SqliteConnection;
use uuid::Uuid;

use crate::changes::{self, Scope};

/// What leaving found.
#[derive(Debug, PartialEq, Eq)]
pub enum Left {
    /// The membership ended now; this many passes were revoked with it.
    Now { passes_revoked: usize },
    /// It had ended before (leaving again changes nothing).
    Already,
    /// Not the user's membership.
    NotFound,
}

/// Ends `user`'s membership `id` at `now` (call inside a write transaction).
pub async fn leave(
    conn: &mut SqliteConnection,
    user: Uuid,
    id: Uuid,
    now: i64,
) -> sqlx::Result<Left> {
    let state: Option<String> =
        sqlx::query_scalar("SELECT state FROM memberships WHERE id = ? AND user_id = ?")
            .bind(id.to_string())
            .bind(user.to_string())
            .fetch_optional(&mut *conn)
            .await?;
    match state.as_deref() {
        None => return Ok(Left::NotFound),
        Some("ended") => return Ok(Left::Already),
        Some(_) => {}
    }
    sqlx::query("UPDATE memberships SET state = 'ended', version = version + 1 WHERE id = ?")
        .bind(id.to_string())
        .execute(&mut *conn)
        .await?;
    let passes_revoked =
        crate::features::passes::revoke_all_of_membership(conn, &id.to_string(), now).await?;
    changes::record(
        conn,
        EntityKind::Membership,
        id,
        ChangeOp::Upsert,
        Scope::User(user),
        now,
    )
    .await?;
    Ok(Left::Now { passes_revoked })
}
