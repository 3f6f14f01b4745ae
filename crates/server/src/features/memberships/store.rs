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
    let passes_revoked = revoke_passes(conn, id, now).await?;
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

/// Revokes every pass the member made for the home and not revoked yet, entering each in its
/// community's revocation list (`pass_revocations`, which gates sync), as the passes feature's
/// own revoke does; how many. Written here rather than called there because the passes
/// feature asks this one's rights matrix, and features may not import each other both ways.
async fn revoke_passes(
    conn: &mut SqliteConnection,
    membership: Uuid,
    now: i64,
) -> sqlx::Result<usize> {
    let membership = membership.to_string();
    sqlx::query(
        "INSERT INTO pass_revocations (pass_id, community_id, at)
         SELECT id, community_id, ? FROM passes WHERE membership_id = ? AND revoked_at IS NULL
         ORDER BY created_at, id",
    )
    .bind(now)
    .bind(&membership)
    .execute(&mut *conn)
    .await?;
    let revoked = sqlx::query(
        "UPDATE passes SET revoked_at = ? WHERE membership_id = ? AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(&membership)
    .execute(&mut *conn)
    .await?;
    Ok(usize::try_from(revoked.rows_affected()).unwrap_or(usize::MAX))
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
