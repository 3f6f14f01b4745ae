//! A resident's service history for the demo app (`linli-server demo-tickets`): a repair
//! followed all the way to a five-star rating, a noise complaint the office is working on, and
//! a public-area repair just assigned (which the demo then moves along a step a minute).
//!
//! Not part of the seed every server gets: the tests count tickets they make themselves, and
//! a property company's own backend starts with none. Placed relative to `now`, written once
//! (a resident who already has tickets gets none), every step an event on its timeline.

use chrono::{DateTime, Duration, Utc};
use sqlx::SqlitePool;
use uuid::Uuid;

/// One seeded ticket: what, where, and its steps as (minutes after creation, actor, name,
/// action, note).
struct Story {
    days_ago: i64,
    kind: &'static str,
    category: &'static str,
    place: &'static str,
    place_note: Option<&'static str>,
    description: &'static str,
    state: &'static str,
    assignee: Option<&'static str>,
    rating: Option<&'static str>,
    steps: &'static [(
        i64,
        &'static str,
        &'static str,
        &'static str,
        Option<&'static str>,
    )],
}

const DESK: &str = "李娜（客服）";

const STORIES: &[Story] = &[
    Story {
        days_ago: 18,
        kind: "repair",
        category: "pipes",
        place: "unit",
        place_note: None,
        description: "卫生间洗手盆下水管接口漏水，柜子里一直是湿的。",
        state: "closed",
        assignee: Some("王师傅（水电工）"),
        rating: Some(
            r#"{"overall":5,"speed":5,"service":5,"tags":["上门准时","修得彻底"],"comment":"王师傅很专业，还帮忙把柜子擦干了。"}"#,
        ),
        steps: &[
            (0, "resident", "", "created", None),
            (12, "staff", DESK, "accepted", None),
            (25, "staff", DESK, "assigned", Some("王师傅（水电工）")),
            (1440 + 540, "staff", DESK, "started", None),
            (
                1440 + 600,
                "staff",
                DESK,
                "completed",
                Some("更换了下水管密封圈和软管，试水半小时无渗漏。"),
            ),
            (1440 + 720, "resident", "", "confirmed", None),
            (1440 + 725, "resident", "", "rated", None),
        ],
    },
    Story {
        days_ago: 2,
        kind: "complaint",
        category: "noise",
        place: "public",
        place_note: Some("中心广场"),
        description: "晚上九点半以后广场舞音乐声音还很大，孩子没法睡觉，希望物业协调一下。",
        state: "accepted",
        assignee: None,
        rating: None,
        steps: &[
            (0, "resident", "", "created", None),
            (48, "staff", DESK, "accepted", None),
            (
                190,
                "staff",
                DESK,
                "comment",
                Some("已联系广场舞队负责人，约定每晚九点前结束并调低音量，我们会连续三晚巡查。"),
            ),
        ],
    },
    Story {
        days_ago: 0,
        kind: "repair",
        category: "public_lighting",
        place: "public",
        place_note: Some("3栋2单元 15楼楼道"),
        description: "15楼楼道的声控灯不亮了，晚上上下楼看不清台阶。",
        state: "assigned",
        assignee: Some("李师傅（电工）"),
        rating: None,
        steps: &[
            (0, "resident", "", "created", None),
            (15, "staff", DESK, "accepted", None),
            (30, "staff", DESK, "assigned", Some("李师傅（电工）")),
        ],
    },
];

/// Writes the stories for the resident with `phone` (their first household); returns how many
/// tickets were written (none if they already have tickets).
pub async fn seed_history(
    db: &SqlitePool,
    phone: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<usize> {
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    let (user, name, membership): (String, String, String) = sqlx::query_as(
        "SELECT u.id, u.display_name, m.id FROM users u JOIN memberships m ON m.user_id = u.id
         WHERE u.phone = ? AND m.state = 'active' ORDER BY m.created_at LIMIT 1",
    )
    .bind(phone)
    .fetch_one(&mut *tx)
    .await?;
    let has: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tickets WHERE user_id = ?")
        .bind(&user)
        .fetch_one(&mut *tx)
        .await?;
    if has > 0 {
        return Ok(0);
    }
    for (n, story) in STORIES.iter().enumerate() {
        let created = now - Duration::days(story.days_ago) - Duration::hours(3);
        let created_ms = created.timestamp_millis();
        let at = |minutes: i64| (created + Duration::minutes(minutes)).timestamp_millis();
        let prefix = if story.kind == "complaint" {
            "TS"
        } else {
            "BX"
        };
        let number = format!(
            "{prefix}{}{:04}",
            (created + Duration::hours(8)).format("%Y%m%d"),
            9001 + n
        );
        let id = Uuid::now_v7().to_string();
        let day = 24 * 60;
        let (respond, fix) = if story.kind == "complaint" {
            (day, 7 * day)
        } else {
            (120, 3 * day)
        };
        let completed = story
            .steps
            .iter()
            .find(|s| s.3 == "completed")
            .map(|s| at(s.0));
        let confirmed = story
            .steps
            .iter()
            .find(|s| s.3 == "confirmed")
            .map(|s| at(s.0));
        let responded = story
            .steps
            .iter()
            .find(|s| s.3 == "accepted")
            .map(|s| at(s.0));
        sqlx::query(
            "INSERT INTO tickets (id, number, membership_id, user_id, kind, category, place,
                place_note, urgency, description, visit_windows, anonymous, state, created_at,
                response_due_at, fix_due_at, responded_at, completed_at, confirmed_at, assignee,
                rating)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'normal', ?, '[]', 0, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(&number)
        .bind(&membership)
        .bind(&user)
        .bind(story.kind)
        .bind(story.category)
        .bind(story.place)
        .bind(story.place_note)
        .bind(story.description)
        .bind(story.state)
        .bind(created_ms)
        .bind(at(respond))
        .bind(at(fix))
        .bind(responded)
        .bind(completed)
        .bind(confirmed)
        .bind(story.assignee)
        .bind(story.rating)
        .execute(&mut *tx)
        .await?;
        for (minutes, actor, who, action, note) in story.steps {
            let who = if *actor == "resident" {
                name.as_str()
            } else {
                who
            };
            sqlx::query(
                "INSERT INTO ticket_events (id, ticket_id, at, actor, actor_name, action, note)
                 VALUES (?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(Uuid::now_v7().to_string())
            .bind(&id)
            .bind(at(*minutes))
            .bind(actor)
            .bind(who)
            .bind(action)
            .bind(note)
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;
    Ok(STORIES.len())
}
