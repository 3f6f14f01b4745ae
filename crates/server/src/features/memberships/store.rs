//! Ending a membership: its row, the member's passes for the home, and the change feed. One
//! way for all three causes (the member leaves, the owner removes them, the tenancy reaches
//! its last day), so each has the same effects.

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
    let found: Option<String> =
        sqlx::query_scalar("SELECT id FROM memberships WHERE id = ? AND user_id = ?")
            .bind(id.to_string())
            .bind(user.to_string())
            .fetch_optional(&mut *conn)
            .await?;
    if found.is_none() {
        return Ok(Left::NotFound);
    }
    end(conn, id, now).await
}

/// Ends membership `id`, whoever asks (the caller has checked they may): its state becomes
/// `ended` (its version moves), the member's passes for the home are revoked into the
/// revocation list, and the member's change feed carries it. Call inside a write transaction.
pub async fn end(conn: &mut SqliteConnection, id: Uuid, now: i64) -> sqlx::Result<Left> {
    let found: Option<(String, String)> =
        sqlx::query_as("SELECT user_id, state FROM memberships WHERE id = ?")
            .bind(id.to_string())
            .fetch_optional(&mut *conn)
            .await?;
    let Some((member, state)) = found else {
        return Ok(Left::NotFound);
    };
    if state == "ended" {
        return Ok(Left::Already);
    }
    let member = crate::db::parse_id(&member)?;
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
        Scope::User(member),
        now,
    )
    .await?;
    Ok(Left::Now { passes_revoked })
}

/// The caller's own membership `id`: (unit, stored role, state), if it is theirs.
pub async fn own(
    conn: &mut SqliteConnection,
    user: Uuid,
    id: Uuid,
) -> sqlx::Result<Option<(String, String, String)>> {
    sqlx::query_as("SELECT unit_id, role, state FROM memberships WHERE id = ? AND user_id = ?")
        .bind(id.to_string())
        .bind(user.to_string())
        .fetch_optional(&mut *conn)
        .await
}
