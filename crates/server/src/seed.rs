//! Demo data (`linli-server serve --demo`): one property company, two communities, three
//! residents (one with two households), a couple of months of realistic notices, and a year
//! of bills, payments and receipts with four quarters of the fee ledger ([`bills`], [`ledger`]); the notices are in [`notices`].
//!
//! Seeding runs only on an empty database, so restarting the demo keeps what residents did.
//! Times are relative to the server clock, so the notices always look recent.

mod bills;
mod ledger;
mod notices;
pub mod tickets;

use notices::{Demo, NOTICES, targets_of};

use crate::changes::{self, Scope};
use crate::features::auth::hash_password;
use crate::features::notices::{NewNotice, publish};
use chrono::{DateTime, Duration, Timelike, Utc};
use linli_wire::notices::{NoticeCategory, NoticePriority};
use linli_wire::sync::{ChangeOp, EntityKind};
use sqlx::SqlitePool;
use uuid::Uuid;

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "demo1234";
/// 王芳: two households (翠湖花园 3栋2单元1502, owner; 锦绣江南 8栋601, tenant).
pub const WANG_FANG_PHONE: &str = "13800000001";
/// 李强: 翠湖花园 5栋1单元302.
pub const LI_QIANG_PHONE: &str = "13800000002";
/// 张伟: 锦绣江南 2栋1101.
pub const ZHANG_WEI_PHONE: &str = "13800000003";

/// The demo accounts, as printed by `linli-server demo-accounts`.
pub const DEMO_ACCOUNTS: &[(&str, &str, &str)] = &[
    (
        WANG_FANG_PHONE,
        "王芳",
        "翠湖花园 3栋2单元1502（业主）、锦绣江南 8栋601（租户）",
    ),
    (LI_QIANG_PHONE, "李强", "翠湖花园 5栋1单元302（业主）"),
    (ZHANG_WEI_PHONE, "张伟", "锦绣江南 2栋1101（家属）"),
];

/// The property company that runs both demo communities.
pub const DEMO_COMPANY: &str = "安居物业服务有限公司";

struct Site {
    name: &'static str,
    address: &'static str,
    phone: &'static str,
    publisher: &'static str,
}

const SITES: [Site; 2] = [
    Site {
        name: "翠湖花园",
        address: "杭州市西湖区文三路 188 号",
        phone: "0571-8888 6666",
        publisher: "翠湖花园物业服务中心",
    },
    Site {
        name: "锦绣江南",
        address: "杭州市滨江区江南大道 1999 号",
        phone: "0571-8666 8888",
        publisher: "锦绣江南物业服务中心",
    },
];

/// (site, building, entrance, room, area m² × 100)
const UNITS: &[(usize, &str, &str, &str, i64)] = &[
    (0, "3栋", "2单元", "1502", 8950),
    (0, "5栋", "1单元", "302", 12_030),
    (0, "1栋", "1单元", "801", 9_612),
    (1, "8栋", "", "601", 7_230),
    (1, "2栋", "", "1101", 14_388),
    (0, "1栋", "1单元", "802", 9_612),
    (0, "1栋", "2单元", "1101", 10_520),
];

/// The property's owner records: (index into [`UNITS`], owner's name). 1栋1单元801 and 802
/// have a recorded owner and nobody bound, so a new resident can bind one as its owner
/// (陈静 binds 801 at once; any other name waits for the desk); 1栋2单元1101 has no record.
pub const OWNER_RECORDS: &[(usize, &str)] = &[
    (0, "王芳"),
    (1, "李强"),
    (2, "陈静"),
    (5, "赵敏"),
    (3, "刘洋"),
    (4, "张建国"),
];

/// Parking spaces: (index into [`UNITS`], space).
const PARKING: &[(usize, &str)] = &[(0, "B2-117"), (4, "B1-032")];

/// A household of a demo resident: (index into [`UNITS`], role).
type Household = (usize, &'static str);

/// (phone, name, households)
const RESIDENTS: &[(&str, &str, &[Household])] = &[
    (WANG_FANG_PHONE, "王芳", &[(0, "owner"), (3, "tenant")]),
    (LI_QIANG_PHONE, "李强", &[(1, "owner")]),
    (ZHANG_WEI_PHONE, "张伟", &[(4, "family")]),
];

/// Whether the database already holds demo data.
pub async fn is_seeded(db: &SqlitePool) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM communities)")
        .fetch_one(db)
        .await
}

fn at_hour(day: DateTime<Utc>, hour_beijing: u32) -> DateTime<Utc> {
    // Beijing is UTC+8 all year.
    let beijing = day + Duration::hours(8);
    let midnight = beijing
        .with_hour(0)
        .and_then(|d| d.with_minute(0))
        .and_then(|d| d.with_second(0))
        .and_then(|d| d.with_nanosecond(0))
        .unwrap_or(beijing);
    midnight + Duration::hours(i64::from(hour_beijing)) - Duration::hours(8)
}

/// Fills an empty database with the demo community. Does nothing if data exists.
pub async fn seed(db: &SqlitePool, now: DateTime<Utc>) -> anyhow::Result<bool> {
    if is_seeded(db).await? {
        return Ok(false);
    }
    let now_ms = now.timestamp_millis();
    let password_hash = hash_password(DEMO_PASSWORD)?;
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    let mut site_ids = Vec::new();
    for site in &SITES {
        let id = Uuid::now_v7();
        sqlx::query(
            "INSERT INTO communities (id, name, address, property_company, service_phone)
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(id.to_string())
        .bind(site.name)
        .bind(site.address)
        .bind(DEMO_COMPANY)
        .bind(site.phone)
        .execute(&mut *tx)
        .await?;
        site_ids.push(id);
    }
    let mut unit_ids = Vec::new();
    for (site, building, entrance, room, area) in UNITS {
        let id = Uuid::now_v7();
        sqlx::query(
            "INSERT INTO units (id, community_id, building, entrance, room, area_centi_m2)
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(id.to_string())
        .bind(site_ids[*site].to_string())
        .bind(building)
        .bind(entrance)
        .bind(room)
        .bind(area)
        .execute(&mut *tx)
        .await?;
        unit_ids.push(id);
    }
    for (unit, name) in OWNER_RECORDS {
        sqlx::query(
            "INSERT INTO owner_records (unit_id, owner_name, recorded_at) VALUES (?, ?, ?)",
        )
        .bind(unit_ids[*unit].to_string())
        .bind(name)
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
    }
    // The first household of each unit pays its bills in the demo history.
    let mut payers: Vec<Option<(Uuid, Uuid)>> = vec![None; UNITS.len()];
    for (phone, name, households) in RESIDENTS {
        let user = Uuid::now_v7();
        sqlx::query(
            "INSERT INTO users (id, phone, display_name, password_hash, created_at)
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(user.to_string())
        .bind(phone)
        .bind(name)
        .bind(&password_hash)
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
        for (order, (unit, role)) in households.iter().enumerate() {
            let id = Uuid::now_v7();
            sqlx::query(
                "INSERT INTO memberships (id, user_id, unit_id, role, state, created_at)
                 VALUES (?, ?, ?, ?, 'active', ?)",
            )
            .bind(id.to_string())
            .bind(user.to_string())
            .bind(unit_ids[*unit].to_string())
            .bind(role)
            .bind(now_ms + i64::try_from(order).unwrap_or(0))
            .execute(&mut *tx)
            .await?;
            payers[*unit].get_or_insert((id, user));
            changes::record(
                &mut tx,
                EntityKind::Membership,
                id,
                ChangeOp::Upsert,
                Scope::User(user),
                now_ms,
            )
            .await?;
        }
    }
    for (index, payer) in payers.iter().enumerate() {
        let Some((membership_id, user_id)) = payer else {
            continue;
        };
        let unit = bills::SeedUnit {
            unit_id: unit_ids[index],
            membership_id: *membership_id,
            user_id: *user_id,
            area_centi_m2: UNITS[index].4,
            parking: PARKING
                .iter()
                .find(|(u, _)| *u == index)
                .map(|(_, space)| *space),
            salt: i64::try_from(index).unwrap_or(0),
        };
        bills::seed_unit(&mut tx, &unit, now).await?;
    }
    for (index, community) in site_ids.iter().enumerate() {
        ledger::seed_ledger(
            &mut tx,
            *community,
            100 + 18 * i64::try_from(index).unwrap_or(0),
            now,
        )
        .await?;
    }
    tx.commit().await?;

    // Oldest first, so ids (UUIDv7) follow publication order.
    let mut ordered: Vec<&Demo> = NOTICES.iter().collect();
    ordered.sort_by_key(|demo| std::cmp::Reverse(demo.days_ago));
    for demo in ordered {
        let published_at =
            now - Duration::days(demo.days_ago) - Duration::minutes(37 + demo.days_ago * 13);
        let (starts_at, ends_at) = match demo.window {
            Some((days, hour, hours)) => {
                let start = at_hour(now + Duration::days(days), hour);
                (Some(start), Some(start + Duration::hours(hours)))
            }
            None => (None, None),
        };
        let notice = NewNotice {
            community_id: site_ids[demo.site],
            title: demo.title.to_owned(),
            summary: demo.summary.to_owned(),
            body: demo.body.to_owned(),
            category: demo.category,
            priority: if demo.urgent {
                NoticePriority::Urgent
            } else {
                NoticePriority::Normal
            },
            pinned: demo.pinned,
            publisher: SITES[demo.site].publisher.to_owned(),
            published_at,
            starts_at,
            ends_at,
            expires_at: None,
            // An outage's service comes back when its window ends.
            service_back_at: ends_at.filter(|_| {
                matches!(
                    demo.category,
                    NoticeCategory::WaterOutage | NoticeCategory::PowerOutage
                )
            }),
            targets: targets_of(demo.title),
        };
        publish(db, &notice, now_ms).await?;
    }
    // Residents have read their older notices already; the recent ones stay unread.
    sqlx::query(
        "INSERT INTO notice_reads (user_id, notice_id, read_at)
         SELECT m.user_id, n.id, n.published_at + 3600000
         FROM memberships m JOIN units u ON u.id = m.unit_id
         JOIN notices n ON n.community_id = u.community_id
         WHERE n.published_at < ?",
    )
    .bind(now_ms - Duration::days(10).num_milliseconds())
    .execute(db)
    .await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_targeted_demo_notice_exists_and_names_its_sites_buildings() {
        for (title, buildings) in notices::TARGETED {
            let demo = NOTICES
                .iter()
                .find(|n| n.title == *title)
                .unwrap_or_else(|| panic!("{title} is a demo notice"));
            for building in *buildings {
                assert!(
                    UNITS
                        .iter()
                        .any(|(site, b, ..)| *site == demo.site && b == building),
                    "{title}: {building} has demo units in its community, so publishing accepts it"
                );
            }
        }
    }

    #[test]
    fn there_are_enough_realistic_notices() {
        assert!(NOTICES.len() >= 30, "the issue asks for 30+ notices");
        for site in 0..SITES.len() {
            assert!(
                NOTICES.iter().any(|n| n.site == site && n.urgent),
                "each community shows an urgent notice"
            );
        }
    }

    #[test]
    fn beijing_hours_are_placed_in_utc() {
        let day = DateTime::parse_from_rfc3339("2026-11-22T20:00:00Z")
            .expect("date")
            .with_timezone(&Utc);
        // 20:00 UTC is already 23 Nov 04:00 in Beijing; 9:00 Beijing that day is 01:00 UTC.
        assert_eq!(at_hour(day, 9).to_rfc3339(), "2026-11-23T01:00:00+00:00");
    }
}
