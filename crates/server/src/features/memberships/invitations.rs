//! Invitations into a home, no HTTP: the owner's invitation (checked: an active owner of that
//! home, a valid number, a role of family or tenant, a tenancy's end date in the future, nobody
//! already in the home or already invited), the invitee's list (by the phone their account
//! proved), and accepting or declining, once. Accepting makes an active membership and records
//! it in the change feed, so the invitee's app learns the home at its next sync.

use chrono::NaiveDate;
use linli_wire::ErrorCode;
use linli_wire::invitations::{CreateInvitation, Invitation};
use linli_wire::me::{Community, MembershipRole, Unit};
use linli_wire::sync::{ChangeOp, EntityKind};
use linli_wire::{CommunityId, InvitationId, UnitId};
use sqlx::SqliteConnection;
use uuid::Uuid;

use super::render::mask_phone;
use crate::changes::{self, Scope};
use crate::clock::{community_today, from_ms};
use crate::db::{open_enum, parse_id};
use crate::error::{ApiError, ApiResult};
use crate::features::auth::normalize_phone;

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    role: String,
    ends_on: Option<String>,
    state: String,
    phone: String,
    created_at: i64,
    invited_by: String,
    community_id: String,
    community_name: String,
    address: String,
    property_company: String,
    service_phone: String,
    unit_id: String,
    building: String,
    entrance: String,
    room: String,
    area_centi_m2: i64,
}

const SELECT: &str = "SELECT i.id, i.role, i.ends_on, i.state, i.phone, i.created_at,
        o.display_name AS invited_by, c.id AS community_id, c.name AS community_name, c.address,
        c.property_company, c.service_phone, u.id AS unit_id, u.building, u.entrance, u.room,
        u.area_centi_m2
     FROM invitations i JOIN units u ON u.id = i.unit_id
     JOIN communities c ON c.id = u.community_id
     JOIN memberships m ON m.id = i.invited_by JOIN users o ON o.id = m.user_id";

fn to_wire(row: Row) -> Result<Invitation, sqlx::Error> {
    let ends_on = row
        .ends_on
        .map(|d| {
            d.parse::<NaiveDate>()
                .map_err(|e| sqlx::Error::Decode(Box::new(e)))
        })
        .transpose()?;
    Ok(Invitation {
        id: InvitationId(parse_id(&row.id)?),
        community: Community {
            id: CommunityId(parse_id(&row.community_id)?),
            name: row.community_name,
            address: row.address,
            property_company: row.property_company,
            service_phone: row.service_phone,
        },
        unit: Unit {
            id: UnitId(parse_id(&row.unit_id)?),
            building: row.building,
            entrance: row.entrance,
            room: row.room,
            area_centi_m2: row.area_centi_m2,
        },
        role: open_enum(&row.role)?,
        ends_on,
        invited_by: row.invited_by,
        phone_masked: mask_phone(&row.phone),
        state: open_enum(&row.state)?,
        created_at: from_ms(row.created_at),
    })
}

async fn load(conn: &mut SqliteConnection, id: &str) -> ApiResult<Invitation> {
    let row: Row = sqlx::query_as(&format!("{SELECT} WHERE i.id = ?"))
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
    Ok(to_wire(row)?)
}

/// The checks of a new invitation that need no database: the number, the role, the end date.
fn checked(request: &CreateInvitation, now: i64) -> ApiResult<(String, &'static str)> {
    let phone = normalize_phone(&request.phone).ok_or_else(|| {
        ApiError::invalid(
            "/phone",
            "invalid-phone",
            "an 11-digit mainland mobile number is required",
        )
    })?;
    let role = match (request.role, request.ends_on) {
        (MembershipRole::Family, None) => "family",
        (MembershipRole::Family, Some(_)) => {
            return Err(ApiError::invalid(
                "/ends_on",
                "not-allowed",
                "family stay without an end date",
            ));
        }
        (MembershipRole::Tenant, Some(last)) if last >= community_today(now) => "tenant",
        (MembershipRole::Tenant, Some(_)) => {
            return Err(ApiError::invalid(
                "/ends_on",
                "in-the-past",
                "a tenancy must end today or later",
            ));
        }
        (MembershipRole::Tenant, None) => {
            return Err(ApiError::invalid(
                "/ends_on",
                "required",
                "a tenancy needs its last day",
            ));
        }
        _ => {
            return Err(ApiError::invalid(
                "/role",
                "not-allowed",
                "an owner invites family or a tenant",
            ));
        }
    };
    Ok((phone, role))
}

/// `user` invites someone into the home of their membership `membership`.
pub async fn invite(
    conn: &mut SqliteConnection,
    user: Uuid,
    membership: Uuid,
    request: &CreateInvitation,
    now: i64,
) -> ApiResult<Invitation> {
    let (phone, role) = checked(request, now)?;
    let home: Option<(String, String, String)> =
        sqlx::query_as("SELECT unit_id, role, state FROM memberships WHERE id = ? AND user_id = ?")
            .bind(membership.to_string())
            .bind(user.to_string())
            .fetch_optional(&mut *conn)
            .await?;
    let (unit, my_role, state) = home.ok_or_else(ApiError::not_found)?;
    if state != "active" {
        return Err(ApiError::new(ErrorCode::MembershipRequired));
    }
    super::rules::require(&my_role, linli_wire::me::Action::Invite)?;
    let taken: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id
             WHERE m.unit_id = ?1 AND u.phone = ?2 AND m.state = 'active')
         OR EXISTS (SELECT 1 FROM invitations WHERE unit_id = ?1 AND phone = ?2 AND state = 'pending')",
    )
    .bind(&unit)
    .bind(&phone)
    .fetch_one(&mut *conn)
    .await?;
    if taken {
        return Err(ApiError::new(ErrorCode::AlreadyExists)
            .detail("this number is already in the home, or already invited to it"));
    }
    let id = Uuid::now_v7().to_string();
    sqlx::query(
        "INSERT INTO invitations (id, unit_id, invited_by, phone, role, ends_on, state, created_at)
         VALUES (?, ?, ?, ?, ?, ?, 'pending', ?)",
    )
    .bind(&id)
    .bind(&unit)
    .bind(membership.to_string())
    .bind(&phone)
    .bind(role)
    .bind(request.ends_on.map(|d| d.to_string()))
    .bind(now)
    .execute(&mut *conn)
    .await?;
    load(conn, &id).await
}

/// The pending invitations addressed to `user`'s phone, newest first.
pub async fn addressed_to(conn: &mut SqliteConnection, user: Uuid) -> ApiResult<Vec<Invitation>> {
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "{SELECT} WHERE i.state = 'pending' AND i.phone = (SELECT phone FROM users WHERE id = ?)
         ORDER BY i.created_at DESC, i.id DESC"
    ))
    .bind(user.to_string())
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().map(to_wire).collect::<Result<_, _>>()?)
}

/// The invitee's answer: accepting makes the membership (its id), declining makes none.
pub async fn decide(
    conn: &mut SqliteConnection,
    user: Uuid,
    id: InvitationId,
    accept: bool,
    now: i64,
) -> ApiResult<Option<Uuid>> {
    let found: Option<(String, String, Option<String>, String)> = sqlx::query_as(
        "SELECT i.unit_id, i.role, i.ends_on, i.state FROM invitations i
         WHERE i.id = ? AND i.phone = (SELECT phone FROM users WHERE id = ?)",
    )
    .bind(id.0.to_string())
    .bind(user.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    let (unit, role, ends_on, state) = found.ok_or_else(ApiError::not_found)?;
    if state != "pending" {
        // An answered invitation takes no step any more.
        return Err(ApiError::new(ErrorCode::InvalidTransition).transition(state, Vec::new()));
    }
    let decided = if accept { "accepted" } else { "declined" };
    sqlx::query("UPDATE invitations SET state = ?, decided_at = ? WHERE id = ?")
        .bind(decided)
        .bind(now)
        .bind(id.0.to_string())
        .execute(&mut *conn)
        .await?;
    if !accept {
        return Ok(None);
    }
    let membership = join(conn, user, &unit, &role, ends_on.as_deref(), now).await?;
    Ok(Some(membership))
}

/// Makes (or revives, after an earlier move-out) `user`'s active membership of `unit`, and
/// records it in the change feed (home requests approve through it too).
pub(crate) async fn join(
    conn: &mut SqliteConnection,
    user: Uuid,
    unit: &str,
    role: &str,
    ends_on: Option<&str>,
    now: i64,
) -> ApiResult<Uuid> {
    let earlier: Option<String> =
        sqlx::query_scalar("SELECT id FROM memberships WHERE user_id = ? AND unit_id = ?")
            .bind(user.to_string())
            .bind(unit)
            .fetch_optional(&mut *conn)
            .await?;
    let id = match earlier {
        Some(id) => {
            sqlx::query(
                "UPDATE memberships SET role = ?, state = 'active', ends_on = ?, version = version + 1
                 WHERE id = ?",
            )
            .bind(role)
            .bind(ends_on)
            .bind(&id)
            .execute(&mut *conn)
            .await?;
            parse_id(&id)?
        }
        None => {
            let id = Uuid::now_v7();
            sqlx::query(
                "INSERT INTO memberships (id, user_id, unit_id, role, state, created_at, ends_on)
                 VALUES (?, ?, ?, ?, 'active', ?, ?)",
            )
            .bind(id.to_string())
            .bind(user.to_string())
            .bind(unit)
            .bind(role)
            .bind(now)
            .bind(ends_on)
            .execute(&mut *conn)
            .await?;
            id
        }
    };
    changes::record(
        conn,
        EntityKind::Membership,
        id,
        ChangeOp::Upsert,
        Scope::User(user),
        now,
    )
    .await?;
    Ok(id)
}
