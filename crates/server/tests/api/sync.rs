//! The change feed: bootstrap pages, incremental changes, tombstones, expiry.

use crate::{Fixture, expect_problem};
use linli_server::changes;
use linli_server::features::notices::{NewNotice, publish, withdraw};
use linli_wire::notices::{NoticeCategory, NoticePriority};
use reqwest::StatusCode;
use serde_json::Value;
use std::collections::HashSet;

async fn page(fx: &Fixture, token: &str, cursor: Option<&str>, limit: u32) -> Value {
    let query = match cursor {
        Some(cursor) => format!("?limit={limit}&cursor={cursor}"),
        None => format!("?limit={limit}"),
    };
    let response = fx.get(&format!("/v1/sync/changes{query}"), token).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("feed")
}

/// Follows the feed until `has_more` is false; returns (changes, cursor).
async fn drain(
    fx: &Fixture,
    token: &str,
    mut cursor: Option<String>,
    limit: u32,
) -> (Vec<Value>, String) {
    let mut all = Vec::new();
    loop {
        let feed = page(fx, token, cursor.as_deref(), limit).await;
        all.extend(feed["changes"].as_array().expect("changes").iter().cloned());
        cursor = Some(feed["next_cursor"].as_str().expect("cursor").to_owned());
        if feed["has_more"] == false {
            return (all, cursor.expect("cursor"));
        }
    }
}

pub(crate) async fn community_id(fx: &Fixture, name: &str) -> uuid::Uuid {
    let id: String = sqlx::query_scalar("SELECT id FROM communities WHERE name = ?")
        .bind(name)
        .fetch_one(&fx.server.state.db)
        .await
        .expect("community");
    id.parse().expect("uuid")
}

pub(crate) fn notice(community: uuid::Uuid, title: &str, fx: &Fixture) -> NewNotice {
    NewNotice {
        community_id: community,
        title: title.to_owned(),
        summary: String::new(),
        body: String::new(),
        category: NoticeCategory::WaterOutage,
        priority: NoticePriority::Urgent,
        pinned: false,
        publisher: "物业".to_owned(),
        published_at: fx.clock.now(),
        starts_at: None,
        ends_at: None,
        expires_at: None,
        service_back_at: None,
        targets: Vec::new(),
    }
}

#[tokio::test]
async fn bootstrap_in_small_pages_delivers_every_entity_once() {
    let fx = Fixture::start().await;
    let token = fx.wang_fang().await;
    let (changes, _) = drain(&fx, &token, None, 7).await;
    let ids: HashSet<&str> = changes
        .iter()
        .map(|c| c["id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids.len(), changes.len(), "no entity twice");
    let memberships = changes.iter().filter(|c| c["kind"] == "membership").count();
    assert_eq!(memberships, 2, "both households");
    let notices = changes.iter().filter(|c| c["kind"] == "notice").count();
    assert!(notices >= 30, "every notice of both communities: {notices}");
}

#[tokio::test]
async fn changes_after_the_cursor_include_new_notices_read_marks_and_tombstones() {
    let fx = Fixture::start().await;
    let token = fx.wang_fang().await;
    let (_, cursor) = drain(&fx, &token, None, 100).await;
    let cuihu = community_id(&fx, "翠湖花园").await;
    let now = fx.clock.now_ms();
    let id = publish(&fx.server.state.db, &notice(cuihu, "临时停水", &fx), now)
        .await
        .expect("publish");
    let (changes, cursor) = drain(&fx, &token, Some(cursor), 100).await;
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(changes[0]["op"], "upsert");
    assert_eq!(changes[0]["data"]["title"], "临时停水");
    assert!(changes[0]["data"]["read_at"].is_null());

    let put = fx
        .request(
            reqwest::Method::PUT,
            &format!("/v1/notices/{id}/read"),
            Some(&token),
        )
        .send()
        .await
        .expect("read");
    assert_eq!(put.status(), StatusCode::NO_CONTENT);
    assert!(
        withdraw(&fx.server.state.db, id, now)
            .await
            .expect("withdraw")
    );
    let (changes, _) = drain(&fx, &token, Some(cursor), 100).await;
    assert_eq!(
        changes.len(),
        1,
        "the read mark and the deletion fold into one entry"
    );
    assert_eq!(changes[0]["op"], "delete", "a tombstone");
    assert!(changes[0].get("data").is_none_or(Value::is_null));
}

#[tokio::test]
async fn other_residents_changes_are_invisible() {
    let fx = Fixture::start().await;
    let li = crate::access(&fx.login(linli_server::seed::LI_QIANG_PHONE).await);
    let (_, cursor) = drain(&fx, &li, None, 100).await;
    let jinxiu = community_id(&fx, "锦绣江南").await;
    publish(
        &fx.server.state.db,
        &notice(jinxiu, "锦绣江南停电", &fx),
        fx.clock.now_ms(),
    )
    .await
    .expect("publish");
    let (changes, _) = drain(&fx, &li, Some(cursor), 100).await;
    assert!(changes.is_empty(), "李强 lives in 翠湖花园: {changes:?}");
}

#[tokio::test]
async fn expired_and_foreign_cursors() {
    let fx = Fixture::start().await;
    let token = fx.wang_fang().await;
    let (_, cursor) = drain(&fx, &token, None, 100).await;
    changes::reset(&fx.server.state.db).await.expect("reset");
    let body = expect_problem(
        fx.get(&format!("/v1/sync/changes?cursor={cursor}"), &token)
            .await,
        410,
        "sync-cursor-expired",
    )
    .await;
    assert!(body["detail"].is_string(), "tells the client what to do");
    expect_problem(
        fx.get("/v1/sync/changes?cursor=%25%25", &token).await,
        400,
        "bad-request",
    )
    .await;
    let (changes, _) = drain(&fx, &token, None, 100).await;
    assert!(!changes.is_empty(), "bootstrapping again works");
}
