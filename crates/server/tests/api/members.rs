//! The owner manages the home's members: the list (owner and family see it, masked; a tenant
//! does not), removing a family member or tenant (their membership ends as if they had left:
//! passes revoked into the gates' list, the home gone from their `/v1/me` list of active
//! homes), each refusal with its code; and housekeeping ending a tenancy after its last day on
//! the server's clock, with the same effects.

use crate::passes::{create as create_pass, pass_body};
use crate::roles::{home, join};
use crate::{Fixture, access, expect_problem};
use reqwest::{Method, StatusCode};
use serde_json::Value;

async fn members(fx: &Fixture, token: &str, membership: &str) -> reqwest::Response {
    fx.get(&format!("/v1/memberships/{membership}/members"), token)
        .await
}

async fn remove(fx: &Fixture, token: &str, membership: &str, member: &str) -> reqwest::Response {
    fx.request(
        Method::DELETE,
        &format!("/v1/memberships/{membership}/members/{member}"),
        Some(token),
    )
    .send()
    .await
    .expect("remove")
}

async fn membership_of(fx: &Fixture, token: &str, id: &str) -> Value {
    let me: Value = fx.get("/v1/me", token).await.json().await.expect("me");
    me["memberships"]
        .as_array()
        .expect("memberships")
        .iter()
        .find(|m| m["id"].as_str() == Some(id))
        .cloned()
        .expect("the membership is listed")
}

async fn revoked(fx: &Fixture, pass: &str) -> i64 {
    fx.count(
        "SELECT COUNT(*) FROM pass_revocations WHERE pass_id = ?",
        pass,
    )
    .await
}

#[tokio::test]
async fn the_owner_sees_the_members_and_removes_one() {
    let fx = Fixture::start().await;
    let home = home(&fx).await;
    let owner = home.token("owner");
    let owned = home.id("owner");
    let listed = members(&fx, &owner, &owned).await;
    assert_eq!(
        listed.status(),
        StatusCode::OK,
        "the owner sees the members"
    );
    let listed: Value = listed.json().await.expect("members");
    let items = listed["items"].as_array().expect("items");
    assert_eq!(items.len(), 4, "owner, family, tenant and the spare");
    assert_eq!(items[0]["role"], "owner", "owners first");
    assert_eq!(items[0]["is_me"], true);
    assert_eq!(items[0]["name"], "王芳", "one's own name in full");
    assert_eq!(items[0]["removable"], false, "not oneself");
    let tenant = items
        .iter()
        .find(|m| m["role"] == "tenant")
        .expect("the tenant");
    assert_eq!(tenant["phone_masked"], "139****0062", "phones are masked");
    assert!(
        tenant["ends_on"].is_string(),
        "a tenancy shows its last day"
    );
    assert_eq!(tenant["removable"], true, "the owner may remove the tenant");
    assert!(tenant["since"].is_string());

    let family: Value = members(&fx, &home.token("family"), &home.id("family"))
        .await
        .json()
        .await
        .expect("members");
    assert!(
        family["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|m| m["removable"] == false),
        "family see the list but remove nobody"
    );

    // The tenant made a pass; the owner removes them.
    let tenant_token = home.token("tenant");
    let tenant_id = home.id("tenant");
    let pass = create_pass(
        &fx,
        &tenant_token,
        &pass_body(&fx, &home.member("tenant").2),
        &uuid::Uuid::now_v7().to_string(),
    )
    .await;
    assert_eq!(pass.status(), StatusCode::CREATED, "a tenant issues passes");
    let pass: Value = pass.json().await.expect("pass");
    let pass = pass["id"].as_str().expect("id").to_owned();
    assert_eq!(
        remove(&fx, &owner, &owned, &tenant_id).await.status(),
        StatusCode::NO_CONTENT,
        "the owner removes the tenant"
    );
    let ended = membership_of(&fx, &tenant_token, &tenant_id).await;
    assert_eq!(ended["state"], "ended", "the tenancy ended");
    assert_eq!(
        ended["allowed"],
        serde_json::json!([]),
        "an ended home allows nothing"
    );
    assert_eq!(
        revoked(&fx, &pass).await,
        1,
        "the tenant's pass is on the revocation list"
    );
    let feed = fx
        .count(
            "SELECT COUNT(*) FROM change_log WHERE kind = 'membership' AND entity_id = ?",
            &tenant_id,
        )
        .await;
    assert_eq!(
        feed, 2,
        "joining and the removal reach the tenant's app through the feed"
    );
    let after: Value = members(&fx, &owner, &owned)
        .await
        .json()
        .await
        .expect("members");
    assert_eq!(
        after["items"].as_array().expect("items").len(),
        3,
        "the list follows"
    );
    assert_eq!(
        remove(&fx, &owner, &owned, &tenant_id).await.status(),
        StatusCode::NO_CONTENT,
        "removing again changes nothing"
    );
    expect_problem(
        create_pass(
            &fx,
            &tenant_token,
            &pass_body(&fx, &ended),
            &uuid::Uuid::now_v7().to_string(),
        )
        .await,
        403,
        "membership-required",
    )
    .await;
}

#[tokio::test]
async fn each_refusal_of_the_members_list_and_removal_has_its_code() {
    let fx = Fixture::start().await;
    let home = home(&fx).await;
    let owner = home.token("owner");
    let owned = home.id("owner");
    expect_problem(
        members(&fx, &home.token("tenant"), &home.id("tenant")).await,
        403,
        "role-forbidden",
    )
    .await;
    expect_problem(
        remove(
            &fx,
            &home.token("family"),
            &home.id("family"),
            &home.id("tenant"),
        )
        .await,
        403,
        "role-forbidden",
    )
    .await;
    expect_problem(
        remove(&fx, &owner, &owned, &owned).await,
        409,
        "invalid-transition",
    )
    .await;
    let stranger = uuid::Uuid::now_v7().to_string();
    expect_problem(
        remove(&fx, &owner, &owned, &stranger).await,
        404,
        "not-found",
    )
    .await;
    // Another home's member (王芳's tenancy elsewhere) is not this home's.
    let me: Value = fx.get("/v1/me", &owner).await.json().await.expect("me");
    let elsewhere = me["memberships"]
        .as_array()
        .expect("memberships")
        .iter()
        .find(|m| m["role"] == "tenant")
        .and_then(|m| m["id"].as_str())
        .expect("王芳 rents elsewhere")
        .to_owned();
    expect_problem(
        remove(&fx, &owner, &owned, &elsewhere).await,
        404,
        "not-found",
    )
    .await;
    // Someone else's membership as the acting one.
    expect_problem(
        members(&fx, &owner, &home.id("family")).await,
        404,
        "not-found",
    )
    .await;
    assert_eq!(
        membership_of(&fx, &home.token("tenant"), &home.id("tenant")).await["state"],
        "active",
        "no refusal ended anybody"
    );
}

#[tokio::test]
async fn housekeeping_ends_a_tenancy_after_its_last_day_in_beijing() {
    let fx = Fixture::start().await;
    fx.clock.freeze();
    let owner = fx.wang_fang().await;
    let me: Value = fx.get("/v1/me", &owner).await.json().await.expect("me");
    let owned = me["memberships"][0]["id"].as_str().expect("id").to_owned();
    let today = (fx.clock.now() + chrono::Duration::hours(8)).date_naive();
    let (tenant, membership) =
        join(&fx, &owner, &owned, "13900000071", "tenant", Some(today)).await;
    let id = membership["id"].as_str().expect("id").to_owned();
    let pass = create_pass(
        &fx,
        &tenant,
        &pass_body(&fx, &membership),
        &uuid::Uuid::now_v7().to_string(),
    )
    .await;
    assert_eq!(pass.status(), StatusCode::CREATED);
    let pass: Value = pass.json().await.expect("pass");
    let pass = pass["id"].as_str().expect("id").to_owned();

    linli_server::serve::tidy(&fx.server.state)
        .await
        .expect("housekeeping");
    assert_eq!(
        membership_of(&fx, &tenant, &id).await["state"],
        "active",
        "the last day itself is still the tenant's"
    );
    // To the first moment of the next Beijing day.
    let now = fx.clock.now();
    let next_day = today
        .succ_opt()
        .expect("tomorrow")
        .and_hms_opt(0, 0, 0)
        .expect("midnight")
        - chrono::Duration::hours(8);
    let wait = (next_day.and_utc() - now).to_std().expect("ahead");
    fx.clock.advance(wait - std::time::Duration::from_millis(1));
    // Up to a day passed: yesterday's access tokens have expired; sign in again.
    let owner = fx.wang_fang().await;
    let tenant = access(&fx.sign_in_by_code("13900000071").await);
    linli_server::serve::tidy(&fx.server.state)
        .await
        .expect("housekeeping");
    assert_eq!(
        membership_of(&fx, &tenant, &id).await["state"],
        "active",
        "a millisecond before Beijing midnight the tenancy still runs"
    );
    fx.clock.advance(std::time::Duration::from_millis(1));
    linli_server::serve::tidy(&fx.server.state)
        .await
        .expect("housekeeping");
    let ended = membership_of(&fx, &tenant, &id).await;
    assert_eq!(
        ended["state"], "ended",
        "the tenancy ended with its last day"
    );
    assert_eq!(
        revoked(&fx, &pass).await,
        1,
        "its pass is revoked for the gates"
    );
    let listed: Value = members(&fx, &owner, &owned)
        .await
        .json()
        .await
        .expect("members");
    assert!(
        listed["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|m| m["membership_id"].as_str() != Some(id.as_str())),
        "the owner's list no longer shows the tenant"
    );
}
