//! Memberships as the contract shows them (`Membership`, owned by this feature): a resident's
//! households with what each allows (the rights matrix, [`super::rules`]), and the masked
//! phone. `/v1/me` (the me feature), the change feed ([`crate::features::sync`]) and accepting
//! an invitation render memberships with these.

use linli_wire::me::{Community, Membership, Unit};
use linli_wire::{CommunityId, MembershipId, UnitId};
use sqlx::SqliteConnection;
use uuid::Uuid;

use super::rules;
use crate::db::open_enum;
use chrono::NaiveDate;

#[derive(sqlx::FromRow)]
struct MembershipRow {
    id: String,
    role: String,
    state: String,
    ends_on: Option<String>,
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

const MEMBERSHIP_SELECT: &str = "SELECT m.id, m.role, m.state, m.ends_on, m.version,
        c.id AS community_id, c.name AS community_name, c.address, c.property_company,
        c.service_phone, u.id AS unit_id, u.building, u.entrance, u.room, u.area_centi_m2
     FROM memberships m JOIN units u ON u.id = m.unit_id JOIN communities c ON c.id = u.community_id";

fn to_wire(row: MembershipRow) -> Result<(Membership, i64), sqlx::Error> {
    let id = crate::db::parse_id;
    let role = open_enum(&row.role)?;
    let state = open_enum(&row.state)?;
    let ends_on = row
        .ends_on
        .map(|d| {
            d.parse::<NaiveDate>()
                .map_err(|e| sqlx::Error::Decode(Box::new(e)))
        })
        .transpose()?;
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
            role,
            state,
            ends_on,
            allowed: rules::allowed(role, state),
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
