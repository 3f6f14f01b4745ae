//! The community directory, no HTTP: communities, the buildings of one, the entrances of a
//! building and the rooms of an entrance, each room with whether an owner is bound and the
//! masked hint of the property's owner record. Names sort the way people count (2栋 before
//! 10栋), so the pickers read in order.

use linli_wire::homes::DirectoryRoom;
use linli_wire::me::{Community, Unit};
use linli_wire::{CommunityId, UnitId};
use sqlx::SqliteConnection;
use std::cmp::Ordering;

use crate::db::parse_id;
use crate::error::ApiResult;

/// The part of a name people compare first: its leading number, then the rest.
fn natural(a: &str, b: &str) -> Ordering {
    let split = |s: &str| {
        let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
        (digits.parse::<u64>().ok(), s[digits.len()..].to_owned())
    };
    let (na, ra) = split(a);
    let (nb, rb) = split(b);
    match (na, nb) {
        (Some(x), Some(y)) => x.cmp(&y).then_with(|| ra.cmp(&rb)),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => a.cmp(b),
    }
}

/// An owner's name as the property shows it to others: the surname and one `*`, whatever
/// the name's length (王芳 and 王小明 both read 王*), so the hint gives away neither the given
/// name nor its length.
pub fn mask_name(name: &str) -> String {
    name.trim()
        .chars()
        .next()
        .map(|first| format!("{first}*"))
        .unwrap_or_default()
}

/// A name as typed, made comparable: whitespace trimmed, runs of it collapsed, and dropped
/// between characters that are not Latin letters or digits (王 芳 is 王芳; Li  Wei is Li Wei).
pub fn normalise_name(name: &str) -> String {
    let mut out = String::new();
    for word in name.split_whitespace() {
        let joins_latin = out
            .chars()
            .last()
            .is_some_and(|c| c.is_ascii_alphanumeric())
            && word
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric());
        if joins_latin {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

#[derive(sqlx::FromRow)]
struct CommunityRow {
    id: String,
    name: String,
    address: String,
    property_company: String,
    service_phone: String,
}

fn community(row: CommunityRow) -> Result<Community, sqlx::Error> {
    Ok(Community {
        id: CommunityId(parse_id(&row.id)?),
        name: row.name,
        address: row.address,
        property_company: row.property_company,
        service_phone: row.service_phone,
    })
}

const COMMUNITY: &str =
    "SELECT id, name, address, property_company, service_phone FROM communities";

/// One community, if it exists.
pub async fn community_by_id(
    conn: &mut SqliteConnection,
    id: CommunityId,
) -> ApiResult<Option<Community>> {
    let row: Option<CommunityRow> = sqlx::query_as(&format!("{COMMUNITY} WHERE id = ?"))
        .bind(id.0.to_string())
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.map(community).transpose()?)
}

/// The buildings of a community.
pub async fn buildings(conn: &mut SqliteConnection, id: CommunityId) -> ApiResult<Vec<String>> {
    let mut names: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT building FROM units WHERE community_id = ?")
            .bind(id.0.to_string())
            .fetch_all(&mut *conn)
            .await?;
    names.sort_by(|a, b| natural(a, b));
    Ok(names)
}

/// The entrances of one building.
pub async fn entrances(
    conn: &mut SqliteConnection,
    id: CommunityId,
    building: &str,
) -> ApiResult<Vec<String>> {
    let mut names: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT entrance FROM units WHERE community_id = ? AND building = ?",
    )
    .bind(id.0.to_string())
    .bind(building)
    .fetch_all(&mut *conn)
    .await?;
    names.sort_by(|a, b| natural(a, b));
    Ok(names)
}

#[derive(sqlx::FromRow)]
struct RoomRow {
    id: String,
    building: String,
    entrance: String,
    room: String,
    area_centi_m2: i64,
    owner_bound: bool,
    owners: Option<String>,
}

/// The rooms of one entrance of one building.
pub async fn rooms(
    conn: &mut SqliteConnection,
    id: CommunityId,
    building: &str,
    entrance: &str,
) -> ApiResult<Vec<DirectoryRoom>> {
    // Names are joined with a character no name holds, and only ever leave masked.
    let rows: Vec<RoomRow> = sqlx::query_as(
        "SELECT u.id, u.building, u.entrance, u.room, u.area_centi_m2,
                EXISTS (SELECT 1 FROM memberships m WHERE m.unit_id = u.id
                        AND m.role = 'owner' AND m.state = 'active') AS owner_bound,
                (SELECT group_concat(owner_name, char(31)) FROM
                    (SELECT owner_name FROM owner_records r WHERE r.unit_id = u.id
                     ORDER BY recorded_at, owner_name)) AS owners
         FROM units u WHERE u.community_id = ? AND u.building = ? AND u.entrance = ?",
    )
    .bind(id.0.to_string())
    .bind(building)
    .bind(entrance)
    .fetch_all(&mut *conn)
    .await?;
    let mut rooms = rows
        .into_iter()
        .map(|row| {
            Ok(DirectoryRoom {
                unit: Unit {
                    id: UnitId(parse_id(&row.id)?),
                    building: row.building,
                    entrance: row.entrance,
                    room: row.room,
                    area_centi_m2: row.area_centi_m2,
                },
                owner_bound: row.owner_bound,
                owner_hint: row.owners.map(|names| {
                    names
                        .split('\u{1f}')
                        .map(mask_name)
                        .collect::<Vec<_>>()
                        .join("、")
                }),
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    rooms.sort_by(|a, b| natural(&a.unit.room, &b.unit.room));
    Ok(rooms)
}

/// Records (or records again) an owner of a room, by its community's name and address in it;
/// `false` when no such room exists. For the property's own tools (the command line), which
/// are trusted with names.
pub async fn record_owner(
    conn: &mut SqliteConnection,
    community: &str,
    (building, entrance, room): (&str, &str, &str),
    owner_name: &str,
    now: i64,
) -> sqlx::Result<bool> {
    let unit: Option<String> = sqlx::query_scalar(
        "SELECT u.id FROM units u JOIN communities c ON c.id = u.community_id
         WHERE c.name = ? AND u.building = ? AND u.entrance = ? AND u.room = ?",
    )
    .bind(community)
    .bind(building)
    .bind(entrance)
    .bind(room)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(unit) = unit else {
        return Ok(false);
    };
    sqlx::query(
        "INSERT INTO owner_records (unit_id, owner_name, recorded_at) VALUES (?, ?, ?)
         ON CONFLICT (unit_id, owner_name) DO UPDATE SET recorded_at = excluded.recorded_at",
    )
    .bind(unit)
    .bind(normalise_name(owner_name))
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hint_keeps_only_the_surname() {
        assert_eq!(
            mask_name("王芳"),
            "王*",
            "a 2-character name shows its surname only"
        );
        assert_eq!(
            mask_name("王小明"),
            "王*",
            "the length is not given away either"
        );
        assert_eq!(mask_name(""), "", "nothing to hint");
    }

    #[test]
    fn names_compare_without_stray_whitespace() {
        assert_eq!(
            normalise_name(" 王 芳\u{3000}"),
            "王芳",
            "spaces inside a Chinese name"
        );
        assert_eq!(
            normalise_name("Li   Wei "),
            "Li Wei",
            "Latin words stay apart"
        );
    }

    #[test]
    fn buildings_sort_by_their_number() {
        let mut names = vec!["10栋", "2栋", "1栋", "A座"];
        names.sort_by(|a, b| natural(a, b));
        assert_eq!(
            names,
            ["1栋", "2栋", "10栋", "A座"],
            "people count 2 before 10"
        );
    }
}
