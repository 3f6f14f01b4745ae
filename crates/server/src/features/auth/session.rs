//! The sign-in flows behind `/v1/auth/*`, no HTTP: each runs in the database and answers the
//! token pair (or the problem) the handler sends.
//!
//! Login reserves an attempt from the [`throttle`] first (429 `rate-limited` with
//! `Retry-After` when a budget is spent), then checks the argon2 hash within the server's
//! hashing capacity (503 `service-unavailable` with `Retry-After` when none comes free; the
//! reservation is cancelled), also for unknown phones, against a decoy hash, so timing does
//! not reveal which numbers have accounts. A successful login releases the reservation and
//! starts a token family; a failed one leaves it standing.
//!
//! Refresh rotates: the presented token is marked rotated and its successor (see
//! [`crate::tokens`]) becomes current. Presenting a rotated token again within
//! [`REFRESH_GRACE`] while its successor is still unused answers the same successor (the
//! client lost our response); any other reuse revokes the whole family and answers
//! `refresh-reused`, which also stops the family's access tokens at once.

use super::rules::{ms, normalize_phone};
use super::throttle::{self, Attempt, Secret};
use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::tokens::{
    ACCESS_TTL, REFRESH_ABSOLUTE, REFRESH_GRACE, REFRESH_IDLE, new_refresh_token, refresh_hash,
};
use linli_wire::auth::{LoginRequest, RefreshRequest, TokenResponse};
use linli_wire::{ErrorCode, limits};
use sqlx::SqliteConnection;
use uuid::Uuid;

fn pair(state: &AppState, user: Uuid, family: Uuid, refresh_token: String) -> TokenResponse {
    TokenResponse {
        access_token: state
            .keys
            .issue_access(user, family, state.clock.now().timestamp()),
        token_type: "Bearer".to_owned(),
        expires_in: ACCESS_TTL.as_secs(),
        refresh_token,
    }
}

/// Signs in from `client`: reserves an attempt from the throttle, checks the password (with
/// hashing capacity), then starts a token family and releases the reservation.
pub(crate) async fn login(
    state: &AppState,
    request: &LoginRequest,
    client: &str,
) -> ApiResult<TokenResponse> {
    let Some(phone) = normalize_phone(&request.phone) else {
        return Err(ApiError::invalid(
            "/phone",
            "invalid-phone",
            "an 11-digit mainland mobile number is required",
        ));
    };
    if request.password.is_empty() || request.password.len() > limits::PASSWORD_MAX_BYTES {
        return Err(ApiError::invalid(
            "/password",
            "invalid-length",
            format!(
                "the password must be 1 to {} bytes",
                limits::PASSWORD_MAX_BYTES
            ),
        ));
    }
    let now = state.clock.now_ms();
    let attempt = Attempt {
        secret: Secret::Password,
        phone: &phone,
        client,
    };
    let mut tx = state.db.begin_with("BEGIN IMMEDIATE").await?;
    let reservation = throttle::reserve(&mut tx, attempt, now).await?;
    tx.commit().await?;

    let account: Option<(String, String)> =
        sqlx::query_as("SELECT id, password_hash FROM users WHERE phone = ?")
            .bind(&phone)
            .fetch_optional(&state.db)
            .await?;
    // No account, or one made by SMS code with no password (an empty hash): the decoy is
    // checked either way, so timing tells none of them apart, and neither ever matches.
    let hash = account
        .as_ref()
        .map(|(_, hash)| hash.clone())
        .filter(|hash| !hash.is_empty());
    let Ok(matches) = state
        .password_checks
        .verify(request.password.clone(), hash)
        .await
    else {
        throttle::cancel(&state.db, reservation).await?;
        return Err(ApiError::new(ErrorCode::ServiceUnavailable)
            .detail("too many sign-ins at once; try again in a moment")
            .retry_after(1));
    };
    let user = match account {
        Some((id, hash)) if matches && !hash.is_empty() => crate::db::parse_id(&id)?,
        // The reservation stands: it is this failure.
        _ => return Err(ApiError::new(ErrorCode::InvalidCredentials)),
    };

    let mut tx = state.db.begin_with("BEGIN IMMEDIATE").await?;
    throttle::release(&mut tx, reservation, attempt).await?;
    let tokens = start_family(state, &mut tx, user, now).await?;
    tx.commit().await?;
    Ok(tokens)
}

/// Starts a token family for `user` (a sign-in, by password or by SMS code) in `tx`, and
/// answers its first pair.
pub(super) async fn start_family(
    state: &AppState,
    tx: &mut SqliteConnection,
    user: Uuid,
    now: i64,
) -> ApiResult<TokenResponse> {
    let family = Uuid::now_v7();
    let refresh_token = new_refresh_token();
    sqlx::query(
        "INSERT INTO token_families (id, user_id, created_at, last_used_at) VALUES (?, ?, ?, ?)",
    )
    .bind(family.to_string())
    .bind(user.to_string())
    .bind(now)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    insert_refresh(tx, &refresh_hash(&refresh_token), family, now).await?;
    tracing::info!(%user, %family, "signed in");
    Ok(pair(state, user, family, refresh_token))
}

async fn insert_refresh(
    conn: &mut SqliteConnection,
    hash: &[u8],
    family: Uuid,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO refresh_tokens (hash, family_id, issued_at) VALUES (?, ?, ?)")
        .bind(hash)
        .bind(family.to_string())
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct Presented {
    family_id: String,
    user_id: String,
    rotated_at: Option<i64>,
    successor_hash: Option<Vec<u8>>,
    created_at: i64,
    last_used_at: i64,
    revoked_reason: Option<String>,
}

/// Rotates a refresh token (or answers its successor again within the grace), revoking the
/// family on any other reuse.
pub(crate) async fn refresh(
    state: &AppState,
    request: &RefreshRequest,
) -> ApiResult<TokenResponse> {
    let now = state.clock.now_ms();
    let presented_hash = refresh_hash(&request.refresh_token);
    let mut tx = state.db.begin_with("BEGIN IMMEDIATE").await?;
    let presented: Option<Presented> = sqlx::query_as(
        "SELECT f.id AS family_id, f.user_id, t.rotated_at, t.successor_hash, f.created_at,
                f.last_used_at, f.revoked_reason
         FROM refresh_tokens t JOIN token_families f ON f.id = t.family_id
         WHERE t.hash = ?",
    )
    .bind(&presented_hash)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(presented) = presented else {
        return Err(ApiError::new(ErrorCode::Unauthenticated).detail("unknown refresh token"));
    };
    let family = crate::db::parse_id(&presented.family_id)?;
    let user = crate::db::parse_id(&presented.user_id)?;
    match presented.revoked_reason.as_deref() {
        None => {}
        Some("reuse") => return Err(ApiError::new(ErrorCode::RefreshReused)),
        Some(_) => {
            return Err(ApiError::new(ErrorCode::Unauthenticated).detail("signed out"));
        }
    }
    if now - presented.last_used_at > ms(REFRESH_IDLE)
        || now - presented.created_at > ms(REFRESH_ABSOLUTE)
    {
        return Err(ApiError::new(ErrorCode::Unauthenticated).detail("the sign-in has expired"));
    }

    let successor = state.keys.successor_of(&request.refresh_token);
    let successor_hash = refresh_hash(&successor);
    match presented.rotated_at {
        None => {
            sqlx::query(
                "UPDATE refresh_tokens SET rotated_at = ?, successor_hash = ? WHERE hash = ?",
            )
            .bind(now)
            .bind(&successor_hash)
            .bind(&presented_hash)
            .execute(&mut *tx)
            .await?;
            insert_refresh(&mut tx, &successor_hash, family, now).await?;
        }
        Some(rotated_at) => {
            let successor_unused: Option<Option<i64>> =
                sqlx::query_scalar("SELECT rotated_at FROM refresh_tokens WHERE hash = ?")
                    .bind(&successor_hash)
                    .fetch_optional(&mut *tx)
                    .await?;
            let within_grace = now - rotated_at <= ms(REFRESH_GRACE)
                && presented.successor_hash.as_deref() == Some(successor_hash.as_slice())
                && successor_unused == Some(None);
            if !within_grace {
                revoke(&mut tx, family, "reuse", now).await?;
                tx.commit().await?;
                tracing::warn!(%user, %family, "refresh token replayed; family revoked");
                return Err(ApiError::new(ErrorCode::RefreshReused));
            }
            tracing::info!(%family, "rotated refresh token presented within grace");
        }
    }
    sqlx::query("UPDATE token_families SET last_used_at = ? WHERE id = ?")
        .bind(now)
        .bind(family.to_string())
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(pair(state, user, family, successor))
}

async fn revoke(
    conn: &mut SqliteConnection,
    family: Uuid,
    reason: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE token_families SET revoked_at = ?, revoked_reason = ?
         WHERE id = ? AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(reason)
    .bind(family.to_string())
    .execute(conn)
    .await?;
    Ok(())
}

/// Signs out: revokes the refresh token's family; unknown or revoked tokens change nothing.
pub(crate) async fn logout(state: &AppState, request: &RefreshRequest) -> ApiResult<()> {
    let now = state.clock.now_ms();
    let family: Option<String> =
        sqlx::query_scalar("SELECT family_id FROM refresh_tokens WHERE hash = ?")
            .bind(refresh_hash(&request.refresh_token))
            .fetch_optional(&state.db)
            .await?;
    if let Some(family) = family {
        let mut tx = state.db.begin_with("BEGIN IMMEDIATE").await?;
        revoke(&mut tx, crate::db::parse_id(&family)?, "logout", now).await?;
        tx.commit().await?;
    }
    Ok(())
}
