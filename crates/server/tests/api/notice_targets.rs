//! Notices that concern some buildings or entrances: staff publish them (targets checked
//! against the community's directory), and each resident's notice says `affects_me`, decided
//! from their own active homes.

use crate::tickets::enrol;
use crate::{Fixture, access, expect_problem};
use linli_server::extract::StaffRole;
use linli_server::seed::{LI_QIANG_PHONE, ZHANG_WEI_PHONE};
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

async fn community_id(fx: &Fixture, name: &str) -> String {
    sqlx::query_scalar("SELECT id FROM communities WHERE name = ?")
        .bind(name)
        .fetch_one(&fx.server.state.db)
        .await
        .expect("community")
}

async fn publish(fx: &Fixture, staff: &str, body: &Value) -> Response {
    fx.request(Method::POST, "/v1/staff/notices", Some(staff))
        .header("Idempotency-Key", format!("\"{}\"", uuid::Uuid::now_v7()))
        .json(body)
        .send()
        .await
        .expect("publish")
}

fn outage(community: &str, title: &str, targets: Value) -> Value {
    json!({
        "community_id": community,
        "title": title,
        "summary": "今日 9:00–15:00 停水",
        "body": "因管道检修，今日 9:00 至 15:00 停水，请提前储水。",
        "category": "water_outage",
        "priority": "urgent",
        "service_back_at": "2030-01-01T07:00:00Z",
        "targets": targets,
    })
}

/// The resident's notice titled `title` in their list (of every community).
async fn listed(fx: &Fixture, token: &str, title: &str) -> Option<Value> {
    let page: Value = fx
        .get("/v1/notices?limit=100", token)
        .await
        .json()
        .await
        .expect("page");
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|n| n["title"] == title)
        .cloned()
}

#[tokio::test]
async fn a_notice_for_some_buildings_affects_only_their_residents() {
    let fx = Fixture::start().await;
    let staff = enrol(&fx, StaffRole::Service, &["翠湖花园"]).await;
    let cuihu = community_id(&fx, "翠湖花园").await;
    // 王芳 lives in 3栋2单元, 李强 in 5栋1单元.
    let response = publish(
        &fx,
        &staff,
        &outage(
            &cuihu,
            "3栋停水",
            json!([{"building": " 3栋 "}, {"building": "3栋"}]),
        ),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED, "published");
    let published: Value = response.json().await.expect("published");
    assert_eq!(
        published["targets"],
        json!([{"building": "3栋", "entrance": null}]),
        "names trimmed, the repeat kept once"
    );
    let entrance = publish(
        &fx,
        &staff,
        &outage(
            &cuihu,
            "5栋1单元停电",
            json!([{"building": "5栋", "entrance": "1单元"}]),
        ),
    )
    .await;
    assert_eq!(entrance.status(), StatusCode::CREATED, "an entrance target");

    let wang = fx.wang_fang().await;
    let li = access(&fx.login(LI_QIANG_PHONE).await);
    let mine = listed(&fx, &wang, "3栋停水").await.expect("王芳 sees it");
    assert_eq!(mine["affects_me"], true, "王芳's home is in 3栋: {mine}");
    assert_eq!(
        mine["targets"][0]["building"], "3栋",
        "the target's name travels"
    );
    assert_eq!(mine["service_back_at"], "2030-01-01T07:00:00Z");
    let theirs = listed(&fx, &li, "3栋停水")
        .await
        .expect("the whole community sees it");
    assert_eq!(theirs["affects_me"], false, "李强 lives in 5栋: {theirs}");
    assert_eq!(
        listed(&fx, &li, "5栋1单元停电").await.expect("listed")["affects_me"],
        true,
        "李强's entrance"
    );
    assert_eq!(
        listed(&fx, &wang, "5栋1单元停电").await.expect("listed")["affects_me"],
        false,
        "not 王芳's building"
    );
    let detail: Value = fx
        .get(
            &format!("/v1/notices/{}", published["id"].as_str().expect("id")),
            &li,
        )
        .await
        .json()
        .await
        .expect("detail");
    assert_eq!(
        detail["affects_me"], false,
        "the detail says the same as the list"
    );
    let everyone = listed(&fx, &li, "冬季消防安全提示").await.expect("listed");
    assert_eq!(
        everyone["affects_me"], true,
        "an untargeted notice concerns everyone"
    );
}

#[tokio::test]
async fn the_seeded_outage_names_its_buildings() {
    let fx = Fixture::start().await;
    let wang = fx.wang_fang().await;
    let seeded = listed(&fx, &wang, "关于3栋、5栋临时停水的通知")
        .await
        .expect("the seed's outage");
    assert_eq!(seeded["affects_me"], true, "王芳 lives in 3栋");
    assert_eq!(
        seeded["targets"],
        json!([{"building": "3栋", "entrance": null}, {"building": "5栋", "entrance": null}])
    );
    assert_eq!(
        seeded["service_back_at"], seeded["ends_at"],
        "service comes back when the outage ends"
    );
    let zhang = access(&fx.login(ZHANG_WEI_PHONE).await);
    let other = listed(&fx, &zhang, "8栋供水管道维修")
        .await
        .expect("listed");
    assert_eq!(
        other["affects_me"], false,
        "张伟 lives in 2栋, the outage is 8栋's"
    );
    let untargeted = listed(&fx, &wang, "配电房检修停电通知")
        .await
        .expect("listed");
    assert_eq!(untargeted["targets"], json!([]), "the whole community");
    assert_eq!(untargeted["affects_me"], true);
}

#[tokio::test]
async fn targets_outside_the_directory_are_refused_and_nothing_is_published() {
    let fx = Fixture::start().await;
    let staff = enrol(&fx, StaffRole::Manager, &["翠湖花园"]).await;
    let cuihu = community_id(&fx, "翠湖花园").await;
    for (targets, pointer) in [
        (json!([{"building": "7栋"}]), "/targets/0/building"),
        (
            json!([{"building": "3栋"}, {"building": "8栋"}]),
            "/targets/1/building",
        ),
        (
            json!([{"building": "3栋", "entrance": "9单元"}]),
            "/targets/0/entrance",
        ),
        (
            json!([{"building": "3栋", "entrance": ""}]),
            "/targets/0/entrance",
        ),
    ] {
        let response = publish(
            &fx,
            &staff,
            &outage(&cuihu, "错误的停水通知", targets.clone()),
        )
        .await;
        let problem = expect_problem(response, 422, "validation-failed").await;
        assert_eq!(
            problem["errors"][0]["pointer"], pointer,
            "{targets} is refused at its place: {problem}"
        );
    }
    let many: Vec<Value> = (0..51).map(|_| json!({"building": "3栋"})).collect();
    let response = publish(&fx, &staff, &outage(&cuihu, "错误的停水通知", json!(many))).await;
    let problem = expect_problem(response, 422, "validation-failed").await;
    assert_eq!(problem["errors"][0]["pointer"], "/targets");
    let wang = fx.wang_fang().await;
    assert!(
        listed(&fx, &wang, "错误的停水通知").await.is_none(),
        "a refused notice is not published"
    );
    assert_eq!(
        fx.count(
            "SELECT COUNT(*) FROM notices WHERE title = ?",
            "错误的停水通知"
        )
        .await,
        0
    );
}

#[tokio::test]
async fn only_the_desk_and_managers_of_the_community_publish() {
    let fx = Fixture::start().await;
    let cuihu = community_id(&fx, "翠湖花园").await;
    let engineer = enrol(&fx, StaffRole::Engineering, &["翠湖花园"]).await;
    let response = publish(&fx, &engineer, &outage(&cuihu, "工程部通知", json!([]))).await;
    expect_problem(response, 403, "forbidden").await;
    let elsewhere = enrol(&fx, StaffRole::Manager, &["锦绣江南"]).await;
    let response = publish(&fx, &elsewhere, &outage(&cuihu, "别的小区", json!([]))).await;
    expect_problem(response, 403, "forbidden").await;
    let resident = fx.wang_fang().await;
    let response = publish(&fx, &resident, &outage(&cuihu, "住户", json!([]))).await;
    expect_problem(response, 401, "unauthenticated").await;
    let desk = enrol(&fx, StaffRole::Service, &["翠湖花园"]).await;
    let mut empty = outage(&cuihu, "", json!([]));
    let response = publish(&fx, &desk, &empty).await;
    let problem = expect_problem(response, 422, "validation-failed").await;
    assert_eq!(problem["errors"][0]["pointer"], "/title");
    empty["title"] = json!("全小区通知");
    let key = format!("\"{}\"", uuid::Uuid::now_v7());
    let send = || {
        fx.request(Method::POST, "/v1/staff/notices", Some(&desk))
            .header("Idempotency-Key", key.clone())
            .json(&empty)
            .send()
    };
    let first = send().await.expect("publish");
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.expect("published");
    let again = send().await.expect("publish again");
    assert_eq!(
        again.headers()["idempotent-replayed"],
        "true",
        "a retry is replayed"
    );
    let again: Value = again.json().await.expect("replayed");
    assert_eq!(first["id"], again["id"], "published once");
    let seen = listed(&fx, &resident, "全小区通知").await.expect("listed");
    assert_eq!(seen["affects_me"], true, "no targets: the whole community");
}
