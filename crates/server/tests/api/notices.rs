//! Notices: visibility, ETags, idempotent read marks.

use crate::{Fixture, access, expect_problem};
use linli_server::seed::{LI_QIANG_PHONE, ZHANG_WEI_PHONE};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn notices(fx: &Fixture, token: &str, query: &str) -> Value {
    let response = fx.get(&format!("/v1/notices{query}"), token).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("page")
}

async fn me(fx: &Fixture, token: &str) -> Value {
    fx.get("/v1/me", token).await.json().await.expect("me")
}

#[tokio::test]
async fn me_lists_both_households_of_wang_fang() {
    let fx = Fixture::start().await;
    let token = fx.wang_fang().await;
    let me = me(&fx, &token).await;
    assert_eq!(me["user"]["display_name"], "王芳");
    assert_eq!(
        me["user"]["phone_masked"], "138****0001",
        "the number is masked"
    );
    let names: Vec<&str> = me["memberships"]
        .as_array()
        .expect("memberships")
        .iter()
        .map(|m| m["community"]["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["翠湖花园", "锦绣江南"]);
    assert_eq!(
        me["memberships"][0]["unit"]["area_centi_m2"], 8950,
        "area is integer"
    );
}

#[tokio::test]
async fn list_pages_newest_first_and_answers_304_for_its_etag() {
    let fx = Fixture::start().await;
    let token = fx.wang_fang().await;
    let first = fx.get("/v1/notices?limit=10", &token).await;
    let etag = first.headers()["etag"].to_str().expect("etag").to_owned();
    let page: Value = first.json().await.expect("page");
    let items = page["items"].as_array().expect("items");
    assert_eq!(items.len(), 10);
    let dates: Vec<&str> = items
        .iter()
        .map(|n| n["published_at"].as_str().expect("date"))
        .collect();
    let mut sorted = dates.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(dates, sorted, "newest first");
    let cursor = page["next_cursor"].as_str().expect("more pages");
    let rest = notices(&fx, &token, &format!("?limit=100&cursor={cursor}")).await;
    let total = 10 + rest["items"].as_array().expect("items").len();
    assert!(total >= 30, "two communities of demo notices: {total}");
    assert!(rest["next_cursor"].is_null(), "last page");

    let again = fx
        .request(Method::GET, "/v1/notices?limit=10", Some(&token))
        .header("if-none-match", &etag)
        .send()
        .await
        .expect("conditional");
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "unchanged list");

    let id = items[0]["id"].as_str().expect("id");
    let put = fx
        .request(Method::PUT, &format!("/v1/notices/{id}/read"), Some(&token))
        .send()
        .await
        .expect("read");
    assert_eq!(put.status(), StatusCode::NO_CONTENT);
    let after = fx
        .request(Method::GET, "/v1/notices?limit=10", Some(&token))
        .header("if-none-match", &etag)
        .send()
        .await
        .expect("conditional");
    assert_eq!(
        after.status(),
        StatusCode::OK,
        "a read mark changes the list's ETag"
    );
}

#[tokio::test]
async fn detail_etag_follows_the_read_state() {
    let fx = Fixture::start().await;
    let token = fx.wang_fang().await;
    let page = notices(&fx, &token, "?limit=1").await;
    let id = page["items"][0]["id"].as_str().expect("id").to_owned();
    assert!(
        page["items"][0]["read_at"].is_null(),
        "the newest notice is unread"
    );
    let detail = fx.get(&format!("/v1/notices/{id}"), &token).await;
    let etag = detail.headers()["etag"].to_str().expect("etag").to_owned();
    let not_modified = fx
        .request(Method::GET, &format!("/v1/notices/{id}"), Some(&token))
        .header("if-none-match", &etag)
        .send()
        .await
        .expect("conditional");
    assert_eq!(not_modified.status(), StatusCode::NOT_MODIFIED);
    for _ in 0..2 {
        let put = fx
            .request(Method::PUT, &format!("/v1/notices/{id}/read"), Some(&token))
            .send()
            .await
            .expect("read");
        assert_eq!(
            put.status(),
            StatusCode::NO_CONTENT,
            "marking twice is fine"
        );
    }
    let read: Value = fx
        .get(&format!("/v1/notices/{id}"), &token)
        .await
        .json()
        .await
        .expect("json");
    assert!(read["read_at"].is_string(), "now read");
}

#[tokio::test]
async fn a_resident_never_sees_another_communitys_notices() {
    let fx = Fixture::start().await;
    let li = access(&fx.login(LI_QIANG_PHONE).await);
    let zhang = access(&fx.login(ZHANG_WEI_PHONE).await);
    let zhang_me = me(&fx, &zhang).await;
    let jinxiu = zhang_me["memberships"][0]["community"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let jinxiu_notice = notices(&fx, &zhang, "?limit=1").await["items"][0]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    expect_problem(
        fx.get(&format!("/v1/notices/{jinxiu_notice}"), &li).await,
        404,
        "not-found",
    )
    .await;
    expect_problem(
        fx.get(&format!("/v1/notices?community_id={jinxiu}"), &li)
            .await,
        403,
        "membership-required",
    )
    .await;
    let li_all = notices(&fx, &li, "?limit=100").await;
    assert!(
        li_all["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|n| n["community_id"] != jinxiu.as_str()),
        "李强 lives in 翠湖花园 only"
    );
    let put = fx
        .request(
            Method::PUT,
            &format!("/v1/notices/{jinxiu_notice}/read"),
            Some(&li),
        )
        .send()
        .await
        .expect("read");
    expect_problem(put, 404, "not-found").await;
}

#[tokio::test]
async fn read_marks_are_idempotent_by_key() {
    let fx = Fixture::start().await;
    let token = fx.wang_fang().await;
    let page = notices(&fx, &token, "?limit=2").await;
    let ids: Vec<Value> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|n| n["id"].clone())
        .collect();
    let body = json!({"notice_ids": ids, "read_at": "2026-01-01T08:00:00Z"});
    let key = format!("\"{}\"", uuid::Uuid::now_v7());
    let send = |body: Value, key: Option<String>| {
        let mut request = fx
            .request(Method::POST, "/v1/notices/read-marks", Some(&token))
            .json(&body);
        if let Some(key) = key {
            request = request.header("idempotency-key", key);
        }
        request.send()
    };
    let first = send(body.clone(), Some(key.clone())).await.expect("send");
    assert_eq!(first.status(), StatusCode::NO_CONTENT);
    assert!(
        first.headers().get("idempotent-replayed").is_none(),
        "a fresh execution"
    );
    let replay = send(body.clone(), Some(key.clone())).await.expect("send");
    assert_eq!(replay.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        replay.headers()["idempotent-replayed"],
        "true",
        "the stored outcome"
    );
    let other = json!({"notice_ids": [ids[0]], "read_at": "2026-01-01T08:00:00Z"});
    expect_problem(
        send(other, Some(key)).await.expect("send"),
        422,
        "idempotency-key-reused",
    )
    .await;
    expect_problem(
        send(body, None).await.expect("send"),
        400,
        "idempotency-key-missing",
    )
    .await;
    let read: Value = fx
        .get(
            &format!("/v1/notices/{}", ids[0].as_str().expect("id")),
            &token,
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        read["read_at"], "2026-01-01T08:00:00Z",
        "the client's read time is kept"
    );
}

/// The list leaves a notice out once it expired; its detail and its single read mark must
/// too, answering as for an unknown notice (404 `not-found`), not show a stale notice.
#[tokio::test]
async fn an_expired_notice_is_gone_from_the_detail_as_from_the_list() {
    use linli_server::features::notices::{NewNotice, publish};
    use linli_wire::notices::{NoticeCategory, NoticePriority};
    let fx = Fixture::start().await;
    let community: String = sqlx::query_scalar("SELECT id FROM communities WHERE name = ?")
        .bind("翠湖花园")
        .fetch_one(&fx.server.state.db)
        .await
        .expect("community");
    let now = fx.clock.now();
    let id = publish(
        &fx.server.state.db,
        &NewNotice {
            community_id: community.parse().expect("uuid"),
            title: "今晚停水".to_owned(),
            summary: String::new(),
            body: String::new(),
            category: NoticeCategory::WaterOutage,
            priority: NoticePriority::Urgent,
            pinned: false,
            publisher: "物业".to_owned(),
            published_at: now,
            starts_at: None,
            ends_at: None,
            expires_at: Some(now + chrono::TimeDelta::minutes(30)),
            service_back_at: None,
            targets: Vec::new(),
        },
        fx.clock.now_ms(),
    )
    .await
    .expect("publish");
    let token = fx.wang_fang().await;
    let before = fx.get(&format!("/v1/notices/{id}"), &token).await;
    assert_eq!(before.status(), StatusCode::OK, "shown before it expires");

    fx.clock.advance(std::time::Duration::from_secs(31 * 60));
    let token = fx.wang_fang().await;
    let listed = notices(&fx, &token, "?limit=100").await;
    assert!(
        listed["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|n| n["id"] != id.to_string()),
        "the list leaves the expired notice out"
    );
    expect_problem(
        fx.get(&format!("/v1/notices/{id}"), &token).await,
        404,
        "not-found",
    )
    .await;
    let put = fx
        .request(Method::PUT, &format!("/v1/notices/{id}/read"), Some(&token))
        .send()
        .await
        .expect("read");
    expect_problem(put, 404, "not-found").await;
}
