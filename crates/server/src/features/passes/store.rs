//! The passes' SQL: a stored pass rendered as the resident sees it (the visitor's phone
//! masked by the memberships feature's rule, [`crate::features::memberships::mask_phone`]), and the lookup of a
//! resident's own pass; and what gates read of passes (revocations, a pass's community, a
//! short code), which the gate feature calls.

use super::keys::FORMAT;
use crate::error::ApiResult;
use crate::features::memberships::mask_phone;
use linli_wire::passes::{Credential, PassEntry, PassState, VisitorPass};
use linli_wire::{CommunityId, EntryId, ErrorCode, MembershipId, PassId};
use sqlx::SqliteConnection;
use uuid::Uuid;

#[derive(sqlx::FromRow)]
pub(crate) struct PassRow {
    pub(crate) id: String,
    pub(crate) membership_id: String,
    pub(crate) community_id: String,
    pub(crate) visitor_name: String,
    pub(crate) visitor_phone: Option<String>,
    pub(crate) plate: Option<String>,
    pub(crate) purpose: String,
    pub(crate) valid_from: i64,
    pub(crate) valid_until: i64,
    pub(crate) max_entries: i64,
    pub(crate) gate_groups: String,
    pub(crate) kid: String,
    pub(crate) credential: String,
    pub(crate) short_code: String,
    pub(crate) created_at: i64,
    pub(crate) revoked_at: Option<i64>,
    pub(crate) schedule: Option<String>,
}

pub(crate) async fn render(
    conn: &mut SqliteConnection,
    row: PassRow,
    now_ms: i64,
) -> ApiResult<VisitorPass> {
    let entries: Vec<(String, String, String, String, i64)> = sqlx::query_as(
        "SELECT e.id, e.gate_id, g.name, e.gate_group, e.at FROM pass_entries e \
         JOIN gates g ON g.id = e.gate_id WHERE e.pass_id = ? AND e.refusal IS NULL \
         ORDER BY e.at",
    )
    .bind(&row.id)
    .fetch_all(&mut *conn)
    .await?;
    let state = if row.revoked_at.is_some() {
        PassState::Revoked
    } else if now_ms > row.valid_until {
        PassState::Expired
    } else {
        PassState::Active
    };
    let from = crate::clock::from_ms;
    Ok(VisitorPass {
        id: PassId(crate::db::parse_id(&row.id)?),
        membership_id: MembershipId(crate::db::parse_id(&row.membership_id)?),
        community_id: CommunityId(crate::db::parse_id(&row.community_id)?),
        visitor_name: row.visitor_name,
        visitor_phone_masked: row.visitor_phone.as_deref().map(mask_phone),
        plate: row.plate,
        purpose: row.purpose,
        valid_from: from(row.valid_from),
        valid_until: from(row.valid_until),
        max_entries: u32::try_from(row.max_entries).unwrap_or(1),
        gate_groups: row.gate_groups.split(',').map(str::to_owned).collect(),
        schedule: row
            .schedule
            .as_deref()
            .and_then(|json| serde_json::from_str(json).ok()),
        state,
        credential: Credential {
            format: FORMAT.to_owned(),
            payload: row.credential,
            kid: row.kid,
        },
        short_code: row.short_code,
        entries: entries
            .into_iter()
            .map(|(id, gate_id, gate_name, gate_group, at)| {
                Ok(PassEntry {
                    id: EntryId(crate::db::parse_id(&id)?),
                    gate_id,
                    gate_name,
                    gate_group,
                    at: from(at),
                })
            })
            .collect::<Result<_, sqlx::Error>>()?,
        created_at: from(row.created_at),
        revoked_at: row.revoked_at.map(from),
    })
}

/// The pass `id` if `user` made it.
pub(crate) async fn own(
    conn: &mut SqliteConnection,
    user: Uuid,
    id: Uuid,
) -> sqlx::Result<Option<PassRow>> {
    sqlx::query_as("SELECT * FROM passes WHERE id = ? AND user_id = ?")
        .bind(id.to_string())
        .bind(user.to_string())
        .fetch_optional(conn)
        .await
}

/// The pass as `user`'s list shows it now (their own, of an active household), for the change
/// feed; `None` when it is not (or no longer) theirs to see.
pub(crate) async fn visible(
    conn: &mut SqliteConnection,
    user: Uuid,
    id: Uuid,
    now_ms: i64,
) -> ApiResult<Option<VisitorPass>> {
    let row: Option<PassRow> = sqlx::query_as(
        "SELECT p.* FROM passes p JOIN memberships m ON m.id = p.membership_id
         WHERE p.id = ? AND p.user_id = ? AND m.state = 'active'",
    )
    .bind(id.to_string())
    .bind(user.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    match row {
        Some(row) => Ok(Some(render(conn, row, now_ms).await?)),
        None => Ok(None),
    }
}

/// Revocations of `community`'s passes after sequence `since` (at most 5,000), in order.
pub(crate) async fn revoked_since(
    db: &sqlx::SqlitePool,
    community: Uuid,
    since: i64,
) -> sqlx::Result<Vec<(i64, String)>> {
    sqlx::query_as(
        "SELECT seq, pass_id FROM pass_revocations WHERE community_id = ? AND seq > ?
         ORDER BY seq LIMIT 5000",
    )
    .bind(community.to_string())
    .bind(since)
    .fetch_all(db)
    .await
}

/// Whether `pass` is one of `community`'s.
pub(crate) async fn is_of_community(
    conn: &mut SqliteConnection,
    pass: PassId,
    community: Uuid,
) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM passes WHERE id = ? AND community_id = ?)")
        .bind(pass.to_string())
        .bind(community.to_string())
        .fetch_one(conn)
        .await
}

/// Whether the comma-separated `gate_groups` column holds the group bound as `?{n}`.
fn opens_group(n: u8) -> String {
    format!("instr(',' || gate_groups || ',', ',' || ?{n} || ',') > 0")
}

/// The unrevoked pass of `community` opening gates of `group` behind a short code: (id,
/// credential, kid). Another group's pass is not found, as if the code were wrong.
pub(crate) async fn by_short_code(
    db: &sqlx::SqlitePool,
    community: Uuid,
    group: &str,
    code: &str,
) -> sqlx::Result<Option<(String, String, String)>> {
    sqlx::query_as(&format!(
        "SELECT id, credential, kid FROM passes
         WHERE community_id = ?1 AND short_code = ?2 AND revoked_at IS NULL AND {}",
        opens_group(3)
    ))
    .bind(community.to_string())
    .bind(code)
    .bind(group)
    .fetch_optional(db)
    .await
}

/// The gate clock's tolerance ([`linli_wire::limits::GATE_CLOCK_SKEW_S`]) in ms: the window a
/// gate opens a pass in is the one the backend counts its entries in.
const SKEW_MS: i64 = linli_wire::limits::GATE_CLOCK_SKEW_S * 1000;

/// Counts one entry through a gate of `group` at `at_ms` (ms, on the server's clock) against
/// the pass, or says why not. The decision is one UPDATE: it moves `entries_used` only for the
/// gate's group, inside the validity window (± the gate clock's tolerance), before a
/// revocation and below `max_entries`, so
/// parallel entries at the limit cannot both be counted. The reason is read only after it
/// refused.
pub(crate) async fn count_entry(
    conn: &mut SqliteConnection,
    pass: PassId,
    group: &str,
    at_ms: i64,
) -> sqlx::Result<Result<(), ErrorCode>> {
    let counted = sqlx::query(&format!(
        "UPDATE passes SET entries_used = entries_used + 1
         WHERE id = ?1 AND {} AND valid_from - ?4 <= ?2 AND ?2 <= valid_until + ?4
           AND (revoked_at IS NULL OR revoked_at > ?2) AND entries_used < max_entries",
        opens_group(3)
    ))
    .bind(pass.to_string())
    .bind(at_ms)
    .bind(group)
    .bind(SKEW_MS)
    .execute(&mut *conn)
    .await?;
    if counted.rows_affected() == 1 {
        changed(&mut *conn, &pass.to_string(), at_ms).await?;
        return Ok(Ok(()));
    }
    let (opens, valid_from, valid_until, revoked_at): (bool, i64, i64, Option<i64>) =
        sqlx::query_as(&format!(
            "SELECT {}, valid_from, valid_until, revoked_at FROM passes WHERE id = ?1",
            opens_group(3)
        ))
        .bind(pass.to_string())
        .bind(at_ms)
        .bind(group)
        .fetch_one(&mut *conn)
        .await?;
    Ok(Err(if !opens {
        ErrorCode::PassWrongGateGroup
    } else if at_ms < valid_from - SKEW_MS {
        ErrorCode::PassNotYetValid
    } else if at_ms > valid_until + SKEW_MS {
        ErrorCode::PassExpired
    } else if revoked_at.is_some_and(|r| r <= at_ms) {
        ErrorCode::PassRevoked
    } else {
        ErrorCode::PassUsedUp
    }))
}

/// `user`'s passes (of one household, or all), newest first, at most 200.
pub(crate) async fn list_of(
    conn: &mut SqliteConnection,
    user: Uuid,
    membership: Option<MembershipId>,
) -> sqlx::Result<Vec<PassRow>> {
    let membership = membership.map(|m| m.to_string());
    sqlx::query_as(
        "SELECT p.* FROM passes p JOIN memberships m ON m.id = p.membership_id
         WHERE p.user_id = ? AND m.state = 'active' AND (? IS NULL OR p.membership_id = ?)
         ORDER BY p.created_at DESC, p.id DESC LIMIT 200",
    )
    .bind(user.to_string())
    .bind(&membership)
    .bind(&membership)
    .fetch_all(conn)
    .await
}

/// Revokes the pass and enters it in its community's revocation list for gates.
pub(crate) async fn revoke(
    conn: &mut SqliteConnection,
    row: &PassRow,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE passes SET revoked_at = ? WHERE id = ?")
        .bind(now)
        .bind(&row.id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("INSERT INTO pass_revocations (pass_id, community_id, at) VALUES (?, ?, ?)")
        .bind(&row.id)
        .bind(&row.community_id)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    changed(conn, &row.id, now).await
}

/// Records a change for every pass whose validity ended in `(since, now]`: its `state` turned
/// `expired` with no write, and the feed would not know it otherwise.
pub(crate) async fn record_expired(
    conn: &mut SqliteConnection,
    since: i64,
    now: i64,
) -> sqlx::Result<()> {
    let ids: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM passes WHERE revoked_at IS NULL AND valid_until >= ? AND valid_until < ?",
    )
    .bind(since)
    .bind(now)
    .fetch_all(&mut *conn)
    .await?;
    for id in ids {
        changed(&mut *conn, &id, now).await?;
    }
    Ok(())
}

/// Records in the change log that the pass changed (issued, revoked, an entry counted), for
/// its owner's feed, in the caller's transaction.
pub(crate) async fn changed(conn: &mut SqliteConnection, pass: &str, now: i64) -> sqlx::Result<()> {
    let Some((id, user)): Option<(String, String)> =
        sqlx::query_as("SELECT id, user_id FROM passes WHERE id = ?")
            .bind(pass)
            .fetch_optional(&mut *conn)
            .await?
    else {
        return Ok(());
    };
    let (Ok(id), Ok(user)) = (Uuid::parse_str(&id), Uuid::parse_str(&user)) else {
        return Ok(());
    };
    crate::changes::record(
        conn,
        linli_wire::sync::EntityKind::Pass,
        id,
        linli_wire::sync::ChangeOp::Upsert,
        crate::changes::Scope::User(user),
        now,
    )
    .await?;
    Ok(())
}
