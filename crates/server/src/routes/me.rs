//! `GET /v1/me`: the signed-in resident and every household (membership) they have.

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::Resident;
use axum::Json;
use axum::extract::State;
use linli_wire::me::{Community, Me, Membership, Unit, User};
use linli_wire::{CommunityId, MembershipId, Problem, UnitId, UserId};
use sqlx::SqliteConnection;
use uuid::Uuid;

#[derive(sqlx::FromRow)]
struct MembershipRow {
    id: String,
    role: String,
    state: String,
    version: i64,
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

const MEMBERSHIP_SELECT: &str = "SELECT m.id, m.role, m.state, m.version,
        c.id AS community_id, c.name AS community_name, c.address, c.property_company,
        c.service_phone, u.id AS unit_id, u.building, u.entrance, u.room, u.area_centi_m2
     FROM memberships m JOIN units u ON u.id = m.unit_id JOIN communities c ON c.id = u.community_id";

/// An open enum from its stored spelling; unknown spellings become `Other`.
pub(crate) fn open_enum<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, sqlx::Error> {
    serde_json::from_value(serde_json::Value::String(text.to_owned()))
        .map_err(|err| sqlx::Error::Decode(Box::new(err)))
}

fn to_wire(row: MembershipRow) -> Result<(Membership, i64), sqlx::Error> {
    let id = crate::db::parse_id;
    Ok((
        Membership {
            id: MembershipId(id(&row.id)?),
            community: Community {
                id: CommunityId(id(&row.community_id)?),
                name: row.community_name,
                address: row.address,
                property_company: row.property_company,
                service_phone: row.service_phone,
            },
            unit: Unit {
                id: UnitId(id(&row.unit_id)?),
                building: row.building,
                entrance: row.entrance,
                room: row.room,
                area_centi_m2: row.area_centi_m2,
            },
            role: open_enum(&row.role)?,
            state: open_enum(&row.state)?,
        },
        row.version,
    ))
}

/// Every membership of `user` with its version, active ones first.
pub(crate) async fn memberships_of(
    conn: &mut SqliteConnection,
    user: Uuid,
) -> sqlx::Result<Vec<(Membership, i64)>> {
    let sql = format!(
        "{MEMBERSHIP_SELECT} WHERE m.user_id = ?
         ORDER BY (m.state = 'active') DESC, m.created_at, m.id"
    );
    let rows: Vec<MembershipRow> = sqlx::query_as(&sql)
        .bind(user.to_string())
        .fetch_all(conn)
        .await?;
    rows.into_iter().map(to_wire).collect()
}

/// One membership of `user`, if it is theirs.
pub(crate) async fn membership(
    conn: &mut SqliteConnection,
    user: Uuid,
    id: Uuid,
) -> sqlx::Result<Option<(Membership, i64)>> {
    let sql = format!("{MEMBERSHIP_SELECT} WHERE m.user_id = ? AND m.id = ?");
    let row: Option<MembershipRow> = sqlx::query_as(&sql)
        .bind(user.to_string())
        .bind(id.to_string())
        .fetch_optional(conn)
        .await?;
    row.map(to_wire).transpose()
}

/// Hides the middle of a phone number: 138****0001.
pub fn mask_phone(phone: &str) -> String {
    if phone.len() == 11 && phone.is_ascii() {
        format!("{}****{}", &phone[..3], &phone[7..])
    } else {
        "****".to_owned()
    }
}

/// The signed-in resident and their households.
#[utoipa::path(get, path = "/v1/me", tag = "residents", security(("bearer" = [])),
    responses(
        (status = 200, description = "The resident", body = Me),
        (status = 401, description = "`unauthenticated` or `token-expired`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn me(State(state): State<AppState>, resident: Resident) -> ApiResult<Json<Me>> {
    let mut conn = state.db.acquire().await?;
    let user: Option<(String, String)> =
        sqlx::query_as("SELECT display_name, phone FROM users WHERE id = ?")
            .bind(resident.user_id.to_string())
            .fetch_optional(&mut *conn)
            .await?;
    let Some((display_name, phone)) = user else {
        return Err(ApiError::new(linli_wire::ErrorCode::Unauthenticated));
    };
    let memberships = memberships_of(&mut conn, resident.user_id)
        .await?
        .into_iter()
        .map(|(membership, _)| membership)
        .collect();
    Ok(Json(Me {
        user: User {
            id: UserId(resident.user_id),
            display_name,
            phone_masked: mask_phone(&phone),
        },
        memberships,
    }))
}
