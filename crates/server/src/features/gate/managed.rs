//! Gates as the managers (管理) of their community manage them, over HTTP with a staff token:
//! `GET /v1/staff/gates` lists the gates of the communities the manager serves with their
//! tokens' expiry, `POST /v1/staff/gates/{id}/revoke` revokes a gate's token at once (a lost
//! or stolen device; `linli-server gate-revoke` is the same from a terminal). Service and
//! engineering staff are refused (403 `forbidden`); a gate of a community the manager does not
//! serve is not found, exactly like one that does not exist.

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Staff, StaffRole};
use axum::Json;
use axum::extract::{Path, State};
use linli_wire::passes::{GateDevice, GateDeviceList};
use linli_wire::{CommunityId, ErrorCode, Problem};
use sqlx::SqliteConnection;
use uuid::Uuid;

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    community_id: String,
    name: String,
    gate_group: String,
    expires_at: i64,
    revoked_at: Option<i64>,
}

const COLUMNS: &str = "id, community_id, name, gate_group, expires_at, revoked_at";

fn time(ms: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

impl TryFrom<Row> for GateDevice {
    type Error = sqlx::Error;

    fn try_from(row: Row) -> Result<Self, sqlx::Error> {
        Ok(Self {
            id: crate::db::parse_id(&row.id)?,
            community_id: CommunityId(crate::db::parse_id(&row.community_id)?),
            name: row.name,
            group: row.gate_group,
            expires_at: time(row.expires_at),
            revoked_at: row.revoked_at.map(time),
        })
    }
}

/// Managers only: the others' roles do not reach the property's devices.
fn manager(staff: &Staff) -> ApiResult<()> {
    if staff.role == StaffRole::Manager {
        Ok(())
    } else {
        Err(ApiError::new(ErrorCode::Forbidden).detail("only managers (管理) manage gates"))
    }
}

/// The gates of the communities the manager serves, oldest first.
#[utoipa::path(get, path = "/v1/staff/gates", tag = "gate", operation_id = "gate_staff_list",
    security(("staff" = [])),
    responses(
        (status = 200, description = "The gates, oldest first, with their tokens' expiry", body = GateDeviceList),
        (status = 401, description = "`unauthenticated` (no, an unknown or a revoked staff token) or `token-expired`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: only managers (管理) manage gates", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(State(state): State<AppState>, staff: Staff) -> ApiResult<Json<GateDeviceList>> {
    manager(&staff)?;
    let served = serde_json::to_string(&staff.communities).map_err(ApiError::internal)?;
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM gates \
         WHERE community_id IN (SELECT value FROM json_each(?)) ORDER BY created_at, id"
    ))
    .bind(served)
    .fetch_all(&state.db)
    .await?;
    let items = rows
        .into_iter()
        .map(GateDevice::try_from)
        .collect::<Result<_, _>>()?;
    Ok(Json(GateDeviceList { items }))
}

/// Revokes a gate's token at once: its next request is refused. Revoking again answers the
/// gate as it is (the first revocation's time).
#[utoipa::path(post, path = "/v1/staff/gates/{id}/revoke", tag = "gate", operation_id = "gate_staff_revoke",
    security(("staff" = [])),
    params(("id" = Uuid, Path, description = "Gate id")),
    responses(
        (status = 200, description = "Revoked: the gate with `revoked_at`", body = GateDevice),
        (status = 400, description = "`bad-request`: the id is not a UUID", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthenticated` (no, an unknown or a revoked staff token) or `token-expired`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: only managers (管理) manage gates", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not-found`: no such gate in the communities the manager serves", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn revoke(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<Uuid>,
) -> ApiResult<Json<GateDevice>> {
    manager(&staff)?;
    let mut tx = state.db.begin_with("BEGIN IMMEDIATE").await?;
    let found = row(&mut tx, id)
        .await?
        .filter(|row| staff.serves(&row.community_id))
        .ok_or_else(ApiError::not_found)?;
    if found.revoked_at.is_none() {
        sqlx::query("UPDATE gates SET revoked_at = ? WHERE id = ?")
            .bind(state.clock.now_ms())
            .bind(&found.id)
            .execute(&mut *tx)
            .await?;
        tracing::info!(gate = %id, staff = %staff.id, "gate token revoked by a manager");
    }
    let revoked = row(&mut tx, id).await?.ok_or_else(ApiError::not_found)?;
    tx.commit().await?;
    Ok(Json(GateDevice::try_from(revoked)?))
}

async fn row(conn: &mut SqliteConnection, id: Uuid) -> sqlx::Result<Option<Row>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM gates WHERE id = ?"))
        .bind(id.to_string())
        .fetch_optional(conn)
        .await
}
