//! Invitations: an owner invites family or a tenant by phone; the invitee (here a new number
//! that registered by SMS code) sees it, accepts it and is a member of the home, in that role;
//! each refusal has its code; an answer is given once.

use crate::passes::{create as create_pass, pass_body};
use crate::{Fixture, access, expect_problem};
use linli_server::seed::{LI_QIANG_PHONE, WANG_FANG_PHONE};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const NEW_PHONE: &str = "13900000055";

/// Signs a number in by SMS code (registering it if new); its access token.
async fn by_code(fx: &Fixture, phone: &str) -> String {
    access(&fx.sign_in_by_code(phone).await)
}

/// Wang Fang's memberships: (owner of 翠湖花园 1502, tenant in 锦绣江南).
async fn wang_homes(fx: &Fixture, token: &str) -> (String, String) {
    let me: Value = fx.get("/v1/me", token).await.json().await.expect("me");
    let find = |role: &str| {
        me["memberships"]
            .as_array()
            .expect("memberships")
            .iter()
            .find(|m| m["role"] == role)
            .and_then(|m| m["id"].as_str())
            .expect("a home in that role")
            .to_owned()
    };
    (find("owner"), find("tenant"))
}

async fn invite(fx: &Fixture, token: &str, membership: &str, body: Value) -> reqwest::Response {
    fx.request(
        Method::POST,
        &format!("/v1/memberships/{membership}/invitations"),
        Some(token),
    )
    .header("Idempotency-Key", format!("\"{}\"", uuid::Uuid::now_v7()))
    .json(&body)
    .send()
    .await
    .expect("invite")
}

async fn answer(fx: &Fixture, token: &str, id: &str, what: &str) -> reqwest::Response {
    fx.request(
        Method::POST,
        &format!("/v1/invitations/{id}/{what}"),
        Some(token),
    )
    .send()
    .await
    .expect("answer")
}

#[tokio::test]
async fn an_invited_number_joins_the_home_in_its_role() {
    let fx = Fixture::start().await;
    let wang = fx.wang_fang().await;
    let (owned, _) = wang_homes(&fx, &wang).await;
    let made = invite(
        &fx,
        &wang,
        &owned,
        json!({"phone": NEW_PHONE, "role": "family"}),
    )
    .await;
    assert_eq!(made.status(), StatusCode::CREATED);
    let made: Value = made.json().await.expect("invitation");
    assert_eq!(made["state"], "pending");
    assert_eq!(
        made["phone_masked"], "139****0055",
        "the owner sees whom, masked"
    );
    assert_eq!(made["invited_by"], "王芳");

    let newcomer = by_code(&fx, NEW_PHONE).await;
    let list: Value = fx
        .get("/v1/invitations", &newcomer)
        .await
        .json()
        .await
        .expect("list");
    assert_eq!(
        list["items"].as_array().expect("items").len(),
        1,
        "the invitee sees it"
    );
    assert_eq!(list["items"][0]["id"], made["id"]);
    assert_eq!(list["items"][0]["community"]["name"], "翠湖花园");
    let li = access(&fx.login(LI_QIANG_PHONE).await);
    let others: Value = fx
        .get("/v1/invitations", &li)
        .await
        .json()
        .await
        .expect("list");
    assert_eq!(others["items"], json!([]), "nobody else does");
    let id = made["id"].as_str().expect("id");
    expect_problem(answer(&fx, &li, id, "accept").await, 404, "not-found").await;

    let joined = answer(&fx, &newcomer, id, "accept").await;
    assert_eq!(joined.status(), StatusCode::OK);
    let joined: Value = joined.json().await.expect("membership");
    assert_eq!(
        (joined["role"].as_str(), joined["state"].as_str()),
        (Some("family"), Some("active"))
    );
    let me: Value = fx.get("/v1/me", &newcomer).await.json().await.expect("me");
    assert_eq!(
        me["memberships"][0]["id"], joined["id"],
        "the home is theirs now"
    );
    let feed = fx
        .count(
            "SELECT COUNT(*) FROM change_log WHERE kind = 'membership' AND entity_id = ?",
            joined["id"].as_str().expect("id"),
        )
        .await;
    assert_eq!(feed, 1, "the app learns it from the change feed");
    let pass = create_pass(
        &fx,
        &newcomer,
        &pass_body(&fx, &joined),
        &uuid::Uuid::now_v7().to_string(),
    )
    .await;
    assert_eq!(pass.status(), StatusCode::CREATED, "family invite visitors");

    expect_problem(
        answer(&fx, &newcomer, id, "accept").await,
        409,
        "invalid-transition",
    )
    .await;
    let list: Value = fx
        .get("/v1/invitations", &newcomer)
        .await
        .json()
        .await
        .expect("list");
    assert_eq!(
        list["items"],
        json!([]),
        "an answered invitation leaves the list"
    );
    let again = invite(
        &fx,
        &wang,
        &owned,
        json!({"phone": NEW_PHONE, "role": "family"}),
    )
    .await;
    expect_problem(again, 409, "already-exists").await;
}

#[tokio::test]
async fn only_an_owner_invites_and_each_mistake_is_named() {
    let fx = Fixture::start().await;
    let wang = fx.wang_fang().await;
    let (owned, rented) = wang_homes(&fx, &wang).await;
    let li = access(&fx.login(LI_QIANG_PHONE).await);
    let family = json!({"phone": NEW_PHONE, "role": "family"});

    expect_problem(
        invite(&fx, &li, &owned, family.clone()).await,
        404,
        "not-found",
    )
    .await;
    expect_problem(
        invite(&fx, &wang, &rented, family.clone()).await,
        403,
        "role-forbidden",
    )
    .await;
    let cases = [
        (json!({"phone": "123", "role": "family"}), "/phone"),
        (json!({"phone": NEW_PHONE, "role": "owner"}), "/role"),
        (json!({"phone": NEW_PHONE, "role": "tenant"}), "/ends_on"),
        (
            json!({"phone": NEW_PHONE, "role": "tenant", "ends_on": "2020-01-31"}),
            "/ends_on",
        ),
        (
            json!({"phone": NEW_PHONE, "role": "family", "ends_on": "2099-01-31"}),
            "/ends_on",
        ),
    ];
    for (body, pointer) in cases {
        let refused = expect_problem(
            invite(&fx, &wang, &owned, body.clone()).await,
            422,
            "validation-failed",
        )
        .await;
        assert_eq!(refused["errors"][0]["pointer"], pointer, "{body}");
    }
    let herself = json!({"phone": WANG_FANG_PHONE, "role": "family"});
    expect_problem(
        invite(&fx, &wang, &owned, herself).await,
        409,
        "already-exists",
    )
    .await;
    let tenant = json!({"phone": NEW_PHONE, "role": "tenant", "ends_on": "2099-06-30"});
    let made: Value = invite(&fx, &wang, &owned, tenant.clone())
        .await
        .json()
        .await
        .expect("made");
    assert_eq!(made["ends_on"], "2099-06-30");
    expect_problem(
        invite(&fx, &wang, &owned, tenant).await,
        409,
        "already-exists",
    )
    .await;
    let stored = fx
        .count(
            "SELECT COUNT(*) FROM invitations WHERE phone = ?",
            NEW_PHONE,
        )
        .await;
    assert_eq!(stored, 1, "refusals store nothing");

    let newcomer = by_code(&fx, NEW_PHONE).await;
    let id = made["id"].as_str().expect("id");
    assert_eq!(
        answer(&fx, &newcomer, id, "decline").await.status(),
        StatusCode::NO_CONTENT
    );
    expect_problem(
        answer(&fx, &newcomer, id, "accept").await,
        409,
        "invalid-transition",
    )
    .await;
    let me: Value = fx.get("/v1/me", &newcomer).await.json().await.expect("me");
    assert_eq!(me["memberships"], json!([]), "declining joins nothing");
}
