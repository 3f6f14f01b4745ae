//! The communities' SQL: one by id or by name, and the list.

use linli_wire::CommunityId;
use linli_wire::me::Community;
use sqlx::SqlitePool;

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    name: String,
    address: String,
    property_company: String,
    service_phone: String,
}

const SELECT: &str = "SELECT id, name, address, property_company, service_phone FROM communities";

fn to_wire(row: Row) -> sqlx::Result<Community> {
    Ok(Community {
        id: CommunityId(crate::db::parse_id(&row.id)?),
        name: row.name,
        address: row.address,
        property_company: row.property_company,
        service_phone: row.service_phone,
    })
}

/// The community with this id, if there is one.
pub(crate) async fn by_id(db: &SqlitePool, id: CommunityId) -> sqlx::Result<Option<Community>> {
    let row: Option<Row> = sqlx::query_as(&format!("{SELECT} WHERE id = ?"))
        .bind(id.to_string())
        .fetch_optional(db)
        .await?;
    row.map(to_wire).transpose()
}

/// The community named `name_or_id` (its name, or its id as text).
pub(crate) async fn find(db: &SqlitePool, name_or_id: &str) -> sqlx::Result<Option<Community>> {
    let row: Option<Row> = sqlx::query_as(&format!("{SELECT} WHERE name = ? OR id = ?"))
        .bind(name_or_id)
        .bind(name_or_id.to_ascii_lowercase())
        .fetch_optional(db)
        .await?;
    row.map(to_wire).transpose()
}

/// Every community, by name.
pub(crate) async fn all(db: &SqlitePool) -> sqlx::Result<Vec<Community>> {
    let rows: Vec<Row> = sqlx::query_as(&format!("{SELECT} ORDER BY name, id"))
        .fetch_all(db)
        .await?;
    rows.into_iter().map(to_wire).collect()
}
