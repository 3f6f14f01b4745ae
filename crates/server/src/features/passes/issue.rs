//! Issuing a pass (`POST /v1/passes`, after its idempotency check and the rules): the
//! household must be the resident's and active, and its role must allow passes (the
//! memberships feature's rights matrix); the credential is signed at once with the
//! community's current key (linli-pass), carrying the visitor's initials only; the 8-digit
//! short code is drawn from the OS random source until it is unique in the community.

use linli_wire::ErrorCode;
use linli_wire::passes::{CreatePass, VisitorPass};
use rand::Rng;
use sqlx::SqliteConnection;
use uuid::Uuid;

use super::keys::signing_key;
use super::rules::{initials, schedule_claim};
use super::store::{own, render};
use crate::error::{ApiError, ApiResult};

/// Makes the pass `request` asks for, for `user`, and answers it as the contract shows it.
pub(crate) async fn issue(
    conn: &mut SqliteConnection,
    user: Uuid,
    request: &CreatePass,
    now: i64,
) -> ApiResult<VisitorPass> {
    let found: Option<(String, String)> = sqlx::query_as(
        "SELECT u.community_id, m.role FROM memberships m JOIN units u ON u.id = m.unit_id
         WHERE m.id = ? AND m.user_id = ? AND m.state = 'active'",
    )
    .bind(request.membership_id.to_string())
    .bind(user.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    let (community, role) = found.ok_or_else(|| ApiError::new(ErrorCode::MembershipRequired))?;
    crate::features::memberships::rules::require(&role, linli_wire::me::Action::IssuePasses)?;
    let community = crate::db::parse_id(&community)?;
    let taken: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM passes WHERE id = ?)")
        .bind(request.id.to_string())
        .fetch_one(&mut *conn)
        .await?;
    if taken {
        return Err(ApiError::new(ErrorCode::AlreadyExists).detail("this pass id is taken"));
    }

    let mut gate_groups = vec!["pedestrian".to_owned()];
    if request.plate.is_some() {
        gate_groups.push("vehicle".to_owned());
    }
    let (kid, signer) = signing_key(&mut *conn, community, now).await?;
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
        .fetch_one(&mut *conn)
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
    .bind(user.to_string())
    .bind(community.to_string())
    .bind(request.visitor_name.trim())
    .bind(
        request
            .visitor_phone
            .as_deref()
            .and_then(crate::features::auth::normalize_phone),
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
    .execute(&mut *conn)
    .await?;
    super::store::changed(&mut *conn, &request.id.to_string(), now).await?;
    let row = own(&mut *conn, user, request.id.0)
        .await?
        .ok_or_else(|| ApiError::internal("the new pass vanished"))?;
    let pass = render(&mut *conn, row, now).await?;
    Ok(pass)
}
