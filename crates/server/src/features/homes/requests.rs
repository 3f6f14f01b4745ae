//! Home requests, no HTTP: making one (checked, then decided at once when the owner record
//! matches, or routed to its decider), the lists of the requester, of a room's owner and of
//! the desk, cancelling, and deciding. Approval makes the membership through the memberships
//! feature's `join` (which records it in the change feed), so the requester's app learns the
//! home at its next sync.
//!
//! Rules: an owner claim is approved at once only when the room has no active owner and the
//! name given (normalised) equals one of its owner records, and the resident is not guessing
//! (no earlier wrong name for this room, fewer than [`NAME_GUESSES_PER_DAY`] wrong names in a
//! day); otherwise the desk decides, so a
//! second owner of a bound room is never bound silently (nor refused outright: co-owners and
//! sales exist, and the desk holds the deeds). A family or tenant request waits for the room's
//! active owner, or for the desk when it has none; the desk may decide any pending request of
//! the communities it serves. A room's owner decides only family and tenant requests.

use chrono::NaiveDate;
use linli_wire::ErrorCode;
use linli_wire::homes::{CreateHomeRequest, HomeRequest};
use linli_wire::limits;
use linli_wire::me::{Community, MembershipRole, Unit};
use linli_wire::{CommunityId, HomeRequestId, MembershipId, UnitId};
use sqlx::SqliteConnection;
use uuid::Uuid;

use super::directory::normalise_name;
use crate::clock::{community_today, from_ms};
use crate::db::{open_enum, parse_id};
use crate::error::{ApiError, ApiResult};
use crate::features::me::mask_phone;
use crate::features::memberships::invitations::join;
use crate::features::memberships::rules;
use linli_wire::me::Action;

/// Whether a member in `role` may decide the family and tenant requests of their home: the
/// rights matrix's answer (`memberships::rules`), so the list on `/v1/me` and this check agree.
fn may_decide_requests(role: &str) -> bool {
    rules::allows(rules::role(role), Action::DecideHomeRequests)
}

/// Who is deciding.
#[derive(Clone, Debug)]
pub enum Deciding<'a> {
    /// A resident, as the owner of the request's room.
    Owner(Uuid),
    /// The desk: a staff member serving these communities (ids), or the property's own
    /// command line (`None`: every community).
    Desk {
        /// Shown in logs.
        name: &'a str,
        /// The communities served, `None` for all.
        communities: Option<&'a [String]>,
    },
}

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    relation: String,
    ends_on: Option<String>,
    state: String,
    waits_for: Option<String>,
    decided_by: Option<String>,
    reason: Option<String>,
    membership_id: Option<String>,
    created_at: i64,
    decided_at: Option<i64>,
    requester: String,
    phone: String,
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

const SELECT: &str = "SELECT r.id, r.relation, r.ends_on, r.state, r.waits_for, r.decided_by,
        r.reason, r.membership_id, r.created_at, r.decided_at, p.display_name AS requester,
        p.phone, c.id AS community_id, c.name AS community_name, c.address, c.property_company,
        c.service_phone, u.id AS unit_id, u.building, u.entrance, u.room, u.area_centi_m2
     FROM home_requests r JOIN units u ON u.id = r.unit_id
     JOIN communities c ON c.id = u.community_id JOIN users p ON p.id = r.user_id";

fn date(text: Option<String>) -> Result<Option<NaiveDate>, sqlx::Error> {
    text.map(|d| {
        d.parse::<NaiveDate>()
            .map_err(|e| sqlx::Error::Decode(Box::new(e)))
    })
    .transpose()
}

fn to_wire(row: Row) -> Result<HomeRequest, sqlx::Error> {
    Ok(HomeRequest {
        id: HomeRequestId(parse_id(&row.id)?),
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
        relation: open_enum(&row.relation)?,
        ends_on: date(row.ends_on)?,
        requester: row.requester,
        phone_masked: mask_phone(&row.phone),
        state: open_enum(&row.state)?,
        waits_for: row.waits_for.as_deref().map(open_enum).transpose()?,
        decided_by: row.decided_by.as_deref().map(open_enum).transpose()?,
        reason: row.reason,
        membership_id: row
            .membership_id
            .as_deref()
            .map(|id| parse_id(id).map(MembershipId))
            .transpose()?,
        created_at: from_ms(row.created_at),
        decided_at: row.decided_at.map(from_ms),
    })
}

async fn load(conn: &mut SqliteConnection, id: &str) -> ApiResult<HomeRequest> {
    let row: Row = sqlx::query_as(&format!("{SELECT} WHERE r.id = ?"))
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
    Ok(to_wire(row)?)
}

async fn list(
    conn: &mut SqliteConnection,
    filter: &str,
    bind: &str,
) -> ApiResult<Vec<HomeRequest>> {
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "{SELECT} WHERE {filter} ORDER BY r.created_at DESC, r.id DESC LIMIT 100"
    ))
    .bind(bind)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().map(to_wire).collect::<Result<_, _>>()?)
}

/// The checks that need no database: the relation, the owner's name, the end date. Returns
/// the stored relation and the normalised name.
fn checked(request: &CreateHomeRequest, now: i64) -> ApiResult<(&'static str, Option<String>)> {
    let name = request
        .owner_name
        .as_deref()
        .map(normalise_name)
        .filter(|n| !n.is_empty());
    let relation = match request.relation {
        MembershipRole::Owner => "owner",
        MembershipRole::Family => "family",
        MembershipRole::Tenant => "tenant",
        MembershipRole::Other => {
            return Err(ApiError::invalid(
                "/relation",
                "not-allowed",
                "owner, family or tenant",
            ));
        }
    };
    match (relation, &name, request.ends_on) {
        ("owner", None, _) => Err(ApiError::invalid(
            "/owner_name",
            "required",
            "an owner gives their name as the property recorded it",
        )),
        ("owner", Some(n), _) if n.chars().count() > limits::OWNER_NAME_MAX_CHARS => {
            Err(ApiError::invalid(
                "/owner_name",
                "too-long",
                format!("at most {} characters", limits::OWNER_NAME_MAX_CHARS),
            ))
        }
        ("owner" | "family", _, Some(_)) => Err(ApiError::invalid(
            "/ends_on",
            "not-allowed",
            "only a tenancy has an end date",
        )),
        ("tenant", _, None) => Err(ApiError::invalid(
            "/ends_on",
            "required",
            "a tenancy needs its last day",
        )),
        ("tenant", _, Some(last)) if last < community_today(now) => Err(ApiError::invalid(
            "/ends_on",
            "in-the-past",
            "a tenancy must end today or later",
        )),
        ("family" | "tenant", Some(_), _) => Err(ApiError::invalid(
            "/owner_name",
            "not-allowed",
            "only an owner gives the owner's name",
        )),
        _ => Ok((relation, name)),
    }
}

async fn has_active_owner(conn: &mut SqliteConnection, unit: &str) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM memberships WHERE unit_id = ? AND role = 'owner'
                        AND state = 'active')",
    )
    .bind(unit)
    .fetch_one(&mut *conn)
    .await
}

/// How many owner names that did not match a record one resident may try in a day before
/// every further claim goes to the desk.
pub const NAME_GUESSES_PER_DAY: i64 = 3;

/// Whether `name` may bind `unit` at once for `user`: it equals one of the room's owner
/// records, and the record is not being guessed. A resident who gave this room a name that did
/// not match, or gave [`NAME_GUESSES_PER_DAY`] such names to any rooms in the last day, is
/// never bound at once again (cancelling and asking again would otherwise try names until one
/// fits): those claims, right or wrong, wait for the desk.
async fn name_matches(
    conn: &mut SqliteConnection,
    user: Uuid,
    unit: &str,
    name: &str,
    now: i64,
) -> sqlx::Result<bool> {
    let (guessed_here, guesses_today): (bool, i64) = sqlx::query_as(
        "SELECT EXISTS (SELECT 1 FROM home_requests WHERE user_id = ?1 AND unit_id = ?2
                        AND name_matched = 0),
                (SELECT COUNT(*) FROM home_requests WHERE user_id = ?1 AND name_matched = 0
                        AND created_at > ?3)",
    )
    .bind(user.to_string())
    .bind(unit)
    .bind(now - 24 * 3600 * 1000)
    .fetch_one(&mut *conn)
    .await?;
    let recorded: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM owner_records WHERE unit_id = ? AND owner_name = ?)",
    )
    .bind(unit)
    .bind(name)
    .fetch_one(&mut *conn)
    .await?;
    Ok(recorded && !guessed_here && guesses_today < NAME_GUESSES_PER_DAY)
}

/// `user` asks to bind a room. Approved at once (with its membership) or pending.
pub async fn create(
    conn: &mut SqliteConnection,
    user: Uuid,
    request: &CreateHomeRequest,
    now: i64,
) -> ApiResult<HomeRequest> {
    let (relation, name) = checked(request, now)?;
    let unit = request.unit_id.0.to_string();
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM units WHERE id = ?)")
        .bind(&unit)
        .fetch_one(&mut *conn)
        .await?;
    if !exists {
        return Err(ApiError::new(ErrorCode::RoomNotFound)
            .detail("no such room in the community's directory"));
    }
    let (member, pending): (bool, bool) = sqlx::query_as(
        "SELECT EXISTS (SELECT 1 FROM memberships WHERE user_id = ?1 AND unit_id = ?2
                        AND state = 'active'),
                EXISTS (SELECT 1 FROM home_requests WHERE user_id = ?1 AND unit_id = ?2
                        AND state = 'pending')",
    )
    .bind(user.to_string())
    .bind(&unit)
    .fetch_one(&mut *conn)
    .await?;
    if member {
        return Err(ApiError::new(ErrorCode::AlreadyMember));
    }
    if pending {
        return Err(ApiError::new(ErrorCode::RequestPending));
    }
    let owned = has_active_owner(conn, &unit).await?;
    // `Some(matched)` when the name was checked against the record (an owner claim of a room
    // with no active owner), kept so that guesses are counted.
    let checked_name = match (&name, owned) {
        (Some(name), false) => Some(name_matches(conn, user, &unit, name, now).await?),
        _ => None,
    };
    let matches = checked_name == Some(true);
    let waits_for = match relation {
        "owner" if matches => None,
        "owner" => Some("desk"),
        _ if owned => Some("owner"),
        _ => Some("desk"),
    };
    let id = Uuid::now_v7().to_string();
    sqlx::query(
        "INSERT INTO home_requests (id, user_id, unit_id, relation, ends_on, owner_name, state,
                                    waits_for, name_matched, created_at)
         VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)",
    )
    .bind(&id)
    .bind(user.to_string())
    .bind(&unit)
    .bind(relation)
    .bind(request.ends_on.map(|d| d.to_string()))
    .bind(&name)
    .bind(waits_for)
    .bind(checked_name)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    if waits_for.is_none() {
        approve(conn, &id, "record", None, now).await?;
    }
    load(conn, &id).await
}

/// The requester's own requests, every state.
pub async fn mine(conn: &mut SqliteConnection, user: Uuid) -> ApiResult<Vec<HomeRequest>> {
    list(conn, "r.user_id = ?", &user.to_string()).await
}

/// The pending requests waiting for `user` as the owner of their room.
pub async fn to_decide(conn: &mut SqliteConnection, user: Uuid) -> ApiResult<Vec<HomeRequest>> {
    list(
        conn,
        "r.state = 'pending' AND r.relation IN ('family', 'tenant') AND r.unit_id IN
            (SELECT unit_id FROM memberships WHERE user_id = ? AND state = 'active'
             AND role = 'owner')",
        &user.to_string(),
    )
    .await
}

/// The pending requests of the communities a desk serves (`None`: all).
pub async fn for_desk(
    conn: &mut SqliteConnection,
    communities: Option<&[String]>,
) -> ApiResult<Vec<HomeRequest>> {
    // Filtered in SQL, before the list's limit, so another community's backlog hides nothing.
    match communities {
        None => list(conn, "r.state = ?", "pending").await,
        Some(served) => {
            let served = serde_json::to_string(served).map_err(ApiError::internal)?;
            list(
                conn,
                "r.state = 'pending' AND c.id IN (SELECT value FROM json_each(?))",
                &served,
            )
            .await
        }
    }
}

/// The requester withdraws a pending request.
pub async fn cancel(
    conn: &mut SqliteConnection,
    user: Uuid,
    id: HomeRequestId,
    now: i64,
) -> ApiResult<HomeRequest> {
    let state: Option<String> =
        sqlx::query_scalar("SELECT state FROM home_requests WHERE id = ? AND user_id = ?")
            .bind(id.0.to_string())
            .bind(user.to_string())
            .fetch_optional(&mut *conn)
            .await?;
    let state = state.ok_or_else(ApiError::not_found)?;
    if state != "pending" {
        return Err(ApiError::new(ErrorCode::InvalidTransition).transition(state, Vec::new()));
    }
    sqlx::query(
        "UPDATE home_requests SET state = 'cancelled', waits_for = NULL, decided_at = ?
         WHERE id = ?",
    )
    .bind(now)
    .bind(id.0.to_string())
    .execute(&mut *conn)
    .await?;
    load(conn, &id.0.to_string()).await
}

/// Decides a pending request: approves it (making the membership) or refuses it with a
/// reason. A request the decider may not see is not found.
pub async fn decide(
    conn: &mut SqliteConnection,
    who: &Deciding<'_>,
    id: HomeRequestId,
    refusal: Option<&str>,
    now: i64,
) -> ApiResult<HomeRequest> {
    let found: Option<(String, String, String, String)> = sqlx::query_as(
        "SELECT r.state, r.relation, r.unit_id, u.community_id FROM home_requests r
         JOIN units u ON u.id = r.unit_id WHERE r.id = ?",
    )
    .bind(id.0.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    let (state, relation, unit, community) = found.ok_or_else(ApiError::not_found)?;
    let decided_by = match who {
        Deciding::Owner(user) => {
            let role: Option<String> = sqlx::query_scalar(
                "SELECT role FROM memberships WHERE user_id = ? AND unit_id = ?
                 AND state = 'active'",
            )
            .bind(user.to_string())
            .bind(&unit)
            .fetch_optional(&mut *conn)
            .await?;
            // Another home's request, or an owner claim (the desk's), is not theirs to see.
            if !role.as_deref().is_some_and(may_decide_requests) || relation == "owner" {
                return Err(ApiError::not_found());
            }
            "owner"
        }
        Deciding::Desk { communities, .. } => {
            if communities.is_some_and(|served| !served.contains(&community)) {
                return Err(ApiError::not_found());
            }
            "desk"
        }
    };
    if state != "pending" {
        return Err(ApiError::new(ErrorCode::InvalidTransition).transition(state, Vec::new()));
    }
    match refusal {
        None => approve(conn, &id.0.to_string(), decided_by, desk_name(who), now).await?,
        Some(reason) => {
            let reason = reason.trim();
            if reason.is_empty() || reason.chars().count() > limits::REFUSAL_REASON_MAX_CHARS {
                return Err(ApiError::invalid(
                    "/reason",
                    "length",
                    format!(
                        "a reason of 1 to {} characters",
                        limits::REFUSAL_REASON_MAX_CHARS
                    ),
                ));
            }
            sqlx::query(
                "UPDATE home_requests SET state = 'refused', waits_for = NULL, decided_by = ?,
                        decider = ?, reason = ?, decided_at = ? WHERE id = ?",
            )
            .bind(decided_by)
            .bind(desk_name(who))
            .bind(reason)
            .bind(now)
            .bind(id.0.to_string())
            .execute(&mut *conn)
            .await?;
        }
    }
    load(conn, &id.0.to_string()).await
}

/// Approves request `id`: the requester becomes an active member in its relation.
async fn approve(
    conn: &mut SqliteConnection,
    id: &str,
    decided_by: &str,
    decider: Option<&str>,
    now: i64,
) -> ApiResult<()> {
    let (user, unit, relation, ends_on): (String, String, String, Option<String>) = sqlx::query_as(
        "SELECT user_id, unit_id, relation, ends_on FROM home_requests WHERE id = ?",
    )
    .bind(id)
    .fetch_one(&mut *conn)
    .await?;
    let membership = join(
        conn,
        parse_id(&user)?,
        &unit,
        &relation,
        ends_on.as_deref(),
        now,
    )
    .await?;
    sqlx::query(
        "UPDATE home_requests SET state = 'approved', waits_for = NULL, decided_by = ?,
                decider = ?, membership_id = ?, decided_at = ? WHERE id = ?",
    )
    .bind(decided_by)
    .bind(decider)
    .bind(membership.to_string())
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The desk's name, kept with its decision (`decider`; an owner is known by their membership).
fn desk_name<'a>(who: &Deciding<'a>) -> Option<&'a str> {
    match who {
        Deciding::Desk { name, .. } => Some(name),
        Deciding::Owner(_) => None,
    }
}
