//! Visitor passes, the resident's side (`/v1/passes…`).
//!
//! A pass belongs to one household (membership) and is visible only to that household's
//! resident who made it. Creating one issues the signed credential at once (linli-pass) with
//! the community's current key, and an 8-digit short code unique in the community among
//! passes, drawn from the OS random source. The credential carries the visitor's initials
//! only. Revoking is idempotent and enters the community's revocation list for gates.

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{AppJson, IdempotencyKey, Resident};
use crate::idempotency::{Begun, IdempotentWrite};
use crate::routes::me::mask_phone;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use chrono::Duration;
use ed25519_dalek::SigningKey;
use linli_wire::limits;
use linli_wire::passes::{
    CreatePass, Credential, PassEntry, PassList, PassSchedule, PassState, VisitorPass,
};
use linli_wire::{CommunityId, EntryId, ErrorCode, MembershipId, PassId, Problem};
use rand::{Rng, RngCore};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use sqlx::SqliteConnection;
use utoipa::IntoParams;
use uuid::Uuid;

/// The longest window a pass may have.
const MAX_WINDOW: Duration = Duration::days(limits::PASS_MAX_DAYS);
/// The longest window of a recurring pass (a housekeeper for a season).
const MAX_RECURRING_WINDOW: Duration = Duration::days(limits::RECURRING_PASS_MAX_DAYS);
/// Community time: China Standard Time, UTC+8 all year.
const COMMUNITY_UTC_OFFSET_MINUTES: i16 = 480;

/// The credential's schedule claim for a recurring pass, or why it is invalid.
fn schedule_claim(schedule: &PassSchedule) -> ApiResult<linli_pass::Schedule> {
    let mut weekdays = 0_u8;
    for day in &schedule.weekdays {
        if !(1..=7).contains(day) {
            return Err(ApiError::invalid(
                "/schedule/weekdays",
                "out-of-range",
                "weekdays are 1 (Monday) to 7 (Sunday)",
            ));
        }
        weekdays |= 1 << (day - 1);
    }
    if weekdays == 0 {
        return Err(ApiError::invalid(
            "/schedule/weekdays",
            "required",
            "name at least one day",
        ));
    }
    if schedule.from_minute >= schedule.until_minute || schedule.until_minute > 1440 {
        return Err(ApiError::invalid(
            "/schedule/until_minute",
            "out-of-range",
            "the daily hours must end after they start, within the day",
        ));
    }
    Ok(linli_pass::Schedule {
        weekdays,
        from_minute: schedule.from_minute,
        until_minute: schedule.until_minute,
        utc_offset_minutes: COMMUNITY_UTC_OFFSET_MINUTES,
    })
}
/// The credential format this server issues.
pub const FORMAT: &str = "cwt-cose-base45";

/// The community's signing key, made on first use.
pub(crate) async fn signing_key(
    conn: &mut SqliteConnection,
    community: Uuid,
    now_ms: i64,
) -> sqlx::Result<(String, SigningKey)> {
    let current: Option<(String, Vec<u8>)> = sqlx::query_as(
        "SELECT kid, seed FROM pass_keys WHERE community_id = ? AND retired_at IS NULL
         ORDER BY created_at DESC LIMIT 1",
    )
    .bind(community.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    if let Some((kid, seed)) = current
        && let Ok(seed) = <[u8; 32]>::try_from(seed.as_slice())
    {
        return Ok((kid, SigningKey::from_bytes(&seed)));
    }
    let mut seed = [0_u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut seed);
    // Named after the public key itself (as a JWK thumbprint would be), so it is unique.
    let signing = SigningKey::from_bytes(&seed);
    let kid = hex::encode(&Sha256::digest(signing.verifying_key().as_bytes())[..8]);
    sqlx::query("INSERT INTO pass_keys (kid, community_id, seed, created_at) VALUES (?, ?, ?, ?)")
        .bind(&kid)
        .bind(community.to_string())
        .bind(seed.as_slice())
        .bind(now_ms)
        .execute(&mut *conn)
        .await?;
    Ok((kid, signing))
}

/// Rotates the signing key of the community named `community`: the current key is retired
/// (gates keep trusting it for 90 more days, so passes it signed still open) and the next pass
/// is signed with a new one. Returns the new key's id.
pub async fn rotate_key(
    db: &sqlx::SqlitePool,
    community: &str,
    now_ms: i64,
) -> anyhow::Result<String> {
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    let id: String = sqlx::query_scalar("SELECT id FROM communities WHERE name = ?")
        .bind(community)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no community named {community}"))?;
    sqlx::query(
        "UPDATE pass_keys SET retired_at = ? WHERE community_id = ? AND retired_at IS NULL",
    )
    .bind(now_ms)
    .bind(&id)
    .execute(&mut *tx)
    .await?;
    let (kid, _) = signing_key(&mut tx, crate::db::parse_id(&id)?, now_ms).await?;
    tx.commit().await?;
    Ok(kid)
}

/// `张*` from `张伟`: what the guard may compare with the visitor, and no more.
pub fn initials(name: &str) -> String {
    name.trim()
        .chars()
        .next()
        .map_or_else(String::new, |first| format!("{first}*"))
}

#[derive(sqlx::FromRow)]
struct PassRow {
    id: String,
    membership_id: String,
    community_id: String,
    visitor_name: String,
    visitor_phone: Option<String>,
    plate: Option<String>,
    purpose: String,
    valid_from: i64,
    valid_until: i64,
    max_entries: i64,
    gate_groups: String,
    kid: String,
    credential: String,
    short_code: String,
    created_at: i64,
    revoked_at: Option<i64>,
    schedule: Option<String>,
}

async fn render(conn: &mut SqliteConnection, row: PassRow, now_ms: i64) -> ApiResult<VisitorPass> {
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
async fn own(conn: &mut SqliteConnection, user: Uuid, id: Uuid) -> sqlx::Result<Option<PassRow>> {
    sqlx::query_as("SELECT * FROM passes WHERE id = ? AND user_id = ?")
        .bind(id.to_string())
        .bind(user.to_string())
        .fetch_optional(conn)
        .await
}

fn validate(request: &CreatePass, now_ms: i64) -> ApiResult<()> {
    let name = request.visitor_name.trim().chars().count();
    if !(1..=32).contains(&name) {
        return Err(ApiError::invalid(
            "/visitor_name",
            "invalid-length",
            "1 to 32 characters",
        ));
    }
    let purpose = request.purpose.trim().chars().count();
    if !(1..=50).contains(&purpose) {
        return Err(ApiError::invalid(
            "/purpose",
            "invalid-length",
            "1 to 50 characters",
        ));
    }
    if let Some(phone) = &request.visitor_phone
        && crate::routes::auth::normalize_phone(phone).is_none()
    {
        return Err(ApiError::invalid(
            "/visitor_phone",
            "invalid-phone",
            "an 11-digit mobile number",
        ));
    }
    if let Some(plate) = &request.plate
        && !(5..=10).contains(&plate.trim().chars().count())
    {
        return Err(ApiError::invalid(
            "/plate",
            "invalid-plate",
            "a licence plate such as 浙A12345",
        ));
    }
    if !(limits::PASS_MIN_ENTRIES..=limits::PASS_MAX_ENTRIES).contains(&request.max_entries) {
        return Err(ApiError::invalid(
            "/max_entries",
            "out-of-range",
            format!(
                "{} to {} entries",
                limits::PASS_MIN_ENTRIES,
                limits::PASS_MAX_ENTRIES
            ),
        ));
    }
    if request.valid_until <= request.valid_from {
        return Err(ApiError::invalid(
            "/valid_until",
            "before-start",
            "must be after valid_from",
        ));
    }
    let longest = if request.schedule.is_some() {
        MAX_RECURRING_WINDOW
    } else {
        MAX_WINDOW
    };
    if request.valid_until - request.valid_from > longest {
        return Err(ApiError::invalid(
            "/valid_until",
            "too-long",
            format!(
                "a pass lasts at most {} days ({} for a recurring one)",
                limits::PASS_MAX_DAYS,
                limits::RECURRING_PASS_MAX_DAYS
            ),
        ));
    }
    if let Some(schedule) = &request.schedule {
        schedule_claim(schedule)?;
    }
    if request.valid_until.timestamp_millis() <= now_ms {
        return Err(ApiError::invalid(
            "/valid_until",
            "in-the-past",
            "the window has already ended",
        ));
    }
    Ok(())
}

/// Creates a pass and issues its credential.
#[utoipa::path(post, path = "/v1/passes", tag = "passes", security(("bearer" = [])),
    request_body = CreatePass,
    params(("Idempotency-Key" = String, Header, description = "RFC 8941 string naming this write")),
    responses(
        (status = 201, description = "Issued", body = VisitorPass),
        (status = 200, description = "Replayed (`Idempotent-Replayed: true`)", body = VisitorPass),
        (status = 401, description = "`unauthenticated` or `token-expired`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`membership-required`: not one of the resident's active households", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`already-exists`: this pass id is taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation-failed` or `idempotency-key-reused`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create(
    State(state): State<AppState>,
    resident: Resident,
    IdempotencyKey(key): IdempotencyKey,
    AppJson(request): AppJson<CreatePass>,
) -> ApiResult<Response> {
    let now = state.clock.now_ms();
    let mut write = match IdempotentWrite::begin(
        &state,
        resident.user_id,
        &key,
        ("POST", "/v1/passes"),
        &request,
    )
    .await?
    {
        Begun::Replay(stored) => return Ok(stored.into_response()),
        Begun::Fresh(write) => write,
    };
    // Only a fresh write is validated: its windows are checked against now, and a replay days
    // later (the first answer was lost) must answer as the first time, not 422.
    validate(&request, now)?;
    let tx = &mut *write.tx;
    let community: Option<String> = sqlx::query_scalar(
        "SELECT u.community_id FROM memberships m JOIN units u ON u.id = m.unit_id
         WHERE m.id = ? AND m.user_id = ? AND m.state = 'active'",
    )
    .bind(request.membership_id.to_string())
    .bind(resident.user_id.to_string())
    .fetch_optional(&mut *tx)
    .await?;
    let community = crate::db::parse_id(
        &community.ok_or_else(|| ApiError::new(ErrorCode::MembershipRequired))?,
    )?;
    let taken: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM passes WHERE id = ?)")
        .bind(request.id.to_string())
        .fetch_one(&mut *tx)
        .await?;
    if taken {
        return Err(ApiError::new(ErrorCode::AlreadyExists).detail("this pass id is taken"));
    }

    let mut gate_groups = vec!["pedestrian".to_owned()];
    if request.plate.is_some() {
        gate_groups.push("vehicle".to_owned());
    }
    let (kid, signer) = signing_key(&mut *tx, community, now).await?;
    let claims = linli_pass::Claims {
        pass_id: request.id.0,
        community_id: community,
        not_before: request.valid_from.timestamp(),
        expires: request.valid_until.timestamp(),
        max_entries: request.max_entries,
        gate_groups: gate_groups.clone(),
        initials: initials(&request.visitor_name),
        schedule: request.schedule.as_ref().map(schedule_claim).transpose()?,
    };
    let credential =
        linli_pass::issue(&claims, &signer, kid.as_bytes()).map_err(ApiError::internal)?;
    let short_code = loop {
        let code = format!("{:08}", rand::rngs::OsRng.gen_range(0..100_000_000_u32));
        let used: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM passes WHERE community_id = ? AND short_code = ?)",
        )
        .bind(community.to_string())
        .bind(&code)
        .fetch_one(&mut *tx)
        .await?;
        if !used {
            break code;
        }
    };
    sqlx::query(
        "INSERT INTO passes (id, membership_id, user_id, community_id, visitor_name, visitor_phone,
            plate, purpose, valid_from, valid_until, max_entries, gate_groups, kid, credential,
            short_code, created_at, schedule)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(request.id.to_string())
    .bind(request.membership_id.to_string())
    .bind(resident.user_id.to_string())
    .bind(community.to_string())
    .bind(request.visitor_name.trim())
    .bind(
        request
            .visitor_phone
            .as_deref()
            .and_then(crate::routes::auth::normalize_phone),
    )
    .bind(request.plate.as_deref().map(str::trim))
    .bind(request.purpose.trim())
    .bind(request.valid_from.timestamp_millis())
    .bind(request.valid_until.timestamp_millis())
    .bind(i64::from(request.max_entries))
    .bind(gate_groups.join(","))
    .bind(&kid)
    .bind(&credential)
    .bind(&short_code)
    .bind(now)
    .bind(
        request
            .schedule
            .as_ref()
            .and_then(|schedule| serde_json::to_string(schedule).ok()),
    )
    .execute(&mut *tx)
    .await?;
    let row = own(&mut *tx, resident.user_id, request.id.0)
        .await?
        .ok_or_else(|| ApiError::internal("the new pass vanished"))?;
    let pass = render(&mut *tx, row, now).await?;
    write.created(pass, now).await
}

/// Query of `GET /v1/passes`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only this household's passes.
    pub membership_id: Option<MembershipId>,
}

/// The resident's passes, newest first.
#[utoipa::path(get, path = "/v1/passes", tag = "passes", security(("bearer" = [])),
    params(ListQuery),
    responses(
        (status = 200, description = "Passes", body = PassList),
        (status = 401, description = "`unauthenticated` or `token-expired`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    State(state): State<AppState>,
    resident: Resident,
    Query(query): Query<ListQuery>,
) -> ApiResult<Json<PassList>> {
    let now = state.clock.now_ms();
    let mut conn = state.db.acquire().await?;
    let membership = query.membership_id.map(|m| m.to_string());
    let rows: Vec<PassRow> = sqlx::query_as(
        "SELECT * FROM passes WHERE user_id = ? AND (? IS NULL OR membership_id = ?)
         ORDER BY created_at DESC, id DESC LIMIT 200",
    )
    .bind(resident.user_id.to_string())
    .bind(&membership)
    .bind(&membership)
    .fetch_all(&mut *conn)
    .await?;
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        items.push(render(&mut conn, row, now).await?);
    }
    Ok(Json(PassList { items }))
}

/// One pass.
#[utoipa::path(get, path = "/v1/passes/{id}", tag = "passes", security(("bearer" = [])),
    params(("id" = PassId, Path, description = "Pass id")),
    responses(
        (status = 200, description = "The pass", body = VisitorPass),
        (status = 401, description = "`unauthenticated` or `token-expired`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found` (or another resident's)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn detail(
    State(state): State<AppState>,
    resident: Resident,
    Path(id): Path<PassId>,
) -> ApiResult<Json<VisitorPass>> {
    let mut conn = state.db.acquire().await?;
    let row = own(&mut conn, resident.user_id, id.0)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(render(&mut conn, row, state.clock.now_ms()).await?))
}

/// Revokes a pass: gates refuse it once they sync. Revoking again changes nothing.
#[utoipa::path(post, path = "/v1/passes/{id}/revoke", tag = "passes", security(("bearer" = [])),
    params(("id" = PassId, Path, description = "Pass id")),
    responses(
        (status = 200, description = "Revoked", body = VisitorPass),
        (status = 401, description = "`unauthenticated` or `token-expired`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found` (or another resident's)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn revoke(
    State(state): State<AppState>,
    resident: Resident,
    Path(id): Path<PassId>,
) -> ApiResult<Json<VisitorPass>> {
    let now = state.clock.now_ms();
    let mut tx = state.db.begin_with("BEGIN IMMEDIATE").await?;
    let row = own(&mut tx, resident.user_id, id.0)
        .await?
        .ok_or_else(ApiError::not_found)?;
    if row.revoked_at.is_none() {
        sqlx::query("UPDATE passes SET revoked_at = ? WHERE id = ?")
            .bind(now)
            .bind(&row.id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO pass_revocations (pass_id, community_id, at) VALUES (?, ?, ?)")
            .bind(&row.id)
            .bind(&row.community_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
    }
    let row = own(&mut tx, resident.user_id, id.0)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let pass = render(&mut tx, row, now).await?;
    tx.commit().await?;
    Ok(Json(pass))
}

#[cfg(test)]
mod tests {
    use super::initials;

    #[test]
    fn only_the_first_character_reaches_the_credential() {
        assert_eq!(initials("张伟"), "张*");
        assert_eq!(initials(" Li Lei"), "L*");
        assert_eq!(initials(""), "");
    }
}
