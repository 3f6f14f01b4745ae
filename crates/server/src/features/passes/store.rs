//! The passes' SQL: a stored pass rendered as the resident sees it (the visitor's phone
//! masked by the memberships feature's rule, [`crate::features::memberships::mask_phone`]), and the lookup of a
//! resident's own pass; and what gates read of passes (revocations, a pass's community, a
//! short code), which the gate feature calls.

use super::keys::FORMAT;
use crate::error::ApiResult;
use crate::features::memberships::mask_phone;
use linli_wire::passes::{Credential, PassEntry, PassState, VisitorPass};
use linli_wire::{CommunityId, EntryId, MembershipId, PassId};
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
         JOIN gates g ON g.id = e.gate_id WHERE e.pass_id = ? ORDER BY e.at",
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

/// The unrevoked pass of `community` behind a short code: (id, credential, kid).
pub(crate) async fn by_short_code(
    db: &sqlx::SqlitePool,
    community: Uuid,
    code: &str,
) -> sqlx::Result<Option<(String, String, String)>> {
    sqlx::query_as(
        "SELECT id, credential, kid FROM passes
         WHERE community_id = ? AND short_code = ? AND revoked_at IS NULL",
    )
    .bind(community.to_string())
    .bind(code)
    .fetch_optional(db)
    .await
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
    Ok(())
}
