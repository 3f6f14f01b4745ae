//! Binding a home: the directory walked level by level (rooms say whether an owner is bound
//! and show only a masked hint of the owner record), an owner bound at once by a matching
//! name, every other claim routed to its decider (the desk, or the room's owner for family and
//! tenants), each refusal with its code, and decisions by the room's owner. The desk's side is
//! in `home_desk`.

use crate::tickets::post;
use crate::{Fixture, access, expect_problem};
use linli_server::seed::LI_QIANG_PHONE;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

pub(crate) const NEWCOMER: &str = "13900000066";
pub(crate) const SECOND: &str = "13900000067";

pub(crate) async fn by_code(fx: &Fixture, phone: &str) -> String {
    access(&fx.sign_in_by_code(phone).await)
}

pub(crate) async fn json_of(fx: &Fixture, path: &str, token: &str) -> Value {
    let response = fx.get(path, token).await;
    assert_eq!(response.status(), StatusCode::OK, "GET {path}");
    response.json().await.expect("json")
}

pub(crate) async fn community_id(fx: &Fixture, token: &str, name: &str) -> String {
    let list = json_of(fx, "/v1/communities", token).await;
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|c| c["name"] == name)
        .and_then(|c| c["id"].as_str())
        .expect("the community is listed")
        .to_owned()
}

/// The unit id of a room, found by walking the directory as the app does.
pub(crate) async fn room(fx: &Fixture, token: &str, at: (&str, &str, &str, &str)) -> Value {
    let (community, building, entrance, number) = at;
    let id = community_id(fx, token, community).await;
    let rooms = fx
        .request(
            Method::GET,
            &format!("/v1/communities/{id}/rooms"),
            Some(token),
        )
        .query(&[("building", building), ("entrance", entrance)])
        .send()
        .await
        .expect("rooms");
    assert_eq!(rooms.status(), StatusCode::OK);
    let rooms: Value = rooms.json().await.expect("rooms json");
    rooms["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|r| r["unit"]["room"] == number)
        .cloned()
        .expect("the room is in the directory")
}

pub(crate) async fn unit(fx: &Fixture, token: &str, at: (&str, &str, &str, &str)) -> String {
    room(fx, token, at).await["unit"]["id"]
        .as_str()
        .expect("unit id")
        .to_owned()
}

pub(crate) const ROOM_801: (&str, &str, &str, &str) = ("翠湖花园", "1栋", "1单元", "801");
pub(crate) const ROOM_1502: (&str, &str, &str, &str) = ("翠湖花园", "3栋", "2单元", "1502");
pub(crate) const ROOM_601: (&str, &str, &str, &str) = ("锦绣江南", "8栋", "", "601");

pub(crate) async fn ask(fx: &Fixture, token: &str, body: Value) -> reqwest::Response {
    ask_with_key(fx, token, &uuid::Uuid::now_v7().to_string(), body).await
}

pub(crate) async fn ask_with_key(
    fx: &Fixture,
    token: &str,
    key: &str,
    body: Value,
) -> reqwest::Response {
    fx.request(Method::POST, "/v1/home-requests", Some(token))
        .header("Idempotency-Key", format!("\"{key}\""))
        .json(&body)
        .send()
        .await
        .expect("home request")
}

pub(crate) async fn made(response: reqwest::Response) -> Value {
    assert_eq!(response.status(), StatusCode::CREATED, "a request is made");
    response.json().await.expect("request json")
}

pub(crate) async fn roles_in_me(fx: &Fixture, token: &str) -> Vec<(String, String, String)> {
    let me = json_of(fx, "/v1/me", token).await;
    me["memberships"]
        .as_array()
        .expect("memberships")
        .iter()
        .map(|m| {
            (
                m["unit"]["room"].as_str().unwrap_or_default().to_owned(),
                m["role"].as_str().unwrap_or_default().to_owned(),
                m["state"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_directory_is_walked_one_level_at_a_time_and_hints_only_a_surname() {
    let fx = Fixture::start().await;
    let token = by_code(&fx, NEWCOMER).await;
    let id = community_id(&fx, &token, "翠湖花园").await;
    let buildings = json_of(&fx, &format!("/v1/communities/{id}/buildings"), &token).await;
    assert_eq!(
        buildings["items"],
        json!(["1栋", "3栋", "5栋"]),
        "buildings by number"
    );
    let entrances = fx
        .request(
            Method::GET,
            &format!("/v1/communities/{id}/entrances"),
            Some(&token),
        )
        .query(&[("building", "1栋")])
        .send()
        .await
        .expect("entrances");
    let entrances: Value = entrances.json().await.expect("entrances json");
    assert_eq!(entrances["items"], json!(["1单元", "2单元"]));

    let free = room(&fx, &token, ROOM_801).await;
    assert_eq!(free["owner_bound"], false, "nobody is bound to 801");
    assert_eq!(free["owner_hint"], "陈*", "the record's surname, masked");
    let bound = room(&fx, &token, ROOM_1502).await;
    assert_eq!(bound["owner_bound"], true, "王芳 owns 1502");
    assert_eq!(
        bound["owner_hint"], "王*",
        "a 2-character name keeps only its surname"
    );
    let unrecorded = room(&fx, &token, ("翠湖花园", "1栋", "2单元", "1101")).await;
    assert_eq!(unrecorded["owner_hint"], Value::Null, "no record, no hint");

    let raw = fx
        .request(
            Method::GET,
            &format!("/v1/communities/{id}/rooms"),
            Some(&token),
        )
        .query(&[("building", "1栋"), ("entrance", "1单元")])
        .send()
        .await
        .expect("rooms")
        .text()
        .await
        .expect("text");
    assert!(
        !raw.contains("陈静") && !raw.contains("赵敏"),
        "no owner's name leaves the backend: {raw}"
    );
    let nowhere = fx
        .get(
            &format!("/v1/communities/{}/buildings", uuid::Uuid::now_v7()),
            &token,
        )
        .await;
    expect_problem(nowhere, 404, "not-found").await;
}

#[tokio::test]
async fn an_owner_whose_name_matches_the_record_is_bound_at_once() {
    let fx = Fixture::start().await;
    let token = by_code(&fx, NEWCOMER).await;
    let unit = unit(&fx, &token, ROOM_801).await;
    let key = uuid::Uuid::now_v7().to_string();
    let body = json!({"unit_id": unit, "relation": "owner", "owner_name": " 陈 静 "});
    let request = made(ask_with_key(&fx, &token, &key, body.clone()).await).await;
    assert_eq!(request["state"], "approved", "{request}");
    assert_eq!(request["decided_by"], "record");
    assert!(
        request["membership_id"].is_string(),
        "the membership is named"
    );
    assert_eq!(
        roles_in_me(&fx, &token).await,
        [("801".to_owned(), "owner".to_owned(), "active".to_owned())],
        "the home is bound, active"
    );
    let feed = json_of(&fx, "/v1/sync/changes", &token).await;
    assert!(
        feed["changes"]
            .as_array()
            .expect("changes")
            .iter()
            .any(|c| c["kind"] == "membership" && c["id"] == request["membership_id"]),
        "the change feed carries the new membership: {feed}"
    );
    assert_eq!(room(&fx, &token, ROOM_801).await["owner_bound"], true);

    let again = ask_with_key(&fx, &token, &key, body).await;
    assert_eq!(again.status(), StatusCode::CREATED, "a retry replays");
    assert_eq!(
        again
            .headers()
            .get("idempotent-replayed")
            .map(|v| v.as_bytes()),
        Some(&b"true"[..])
    );
}

#[tokio::test]
async fn owner_claims_that_cannot_be_checked_wait_for_the_desk() {
    let fx = Fixture::start().await;
    let token = by_code(&fx, NEWCOMER).await;
    let wrong = made(
        ask(
            &fx,
            &token,
            json!({"unit_id": unit(&fx, &token, ROOM_801).await, "relation": "owner", "owner_name": "陈晶"}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (&wrong["state"], &wrong["waits_for"]),
        (&json!("pending"), &json!("desk")),
        "a name that does not match the record goes to the desk"
    );
    let unrecorded = made(
        ask(
            &fx,
            &token,
            json!({"unit_id": unit(&fx, &token, ("翠湖花园", "1栋", "2单元", "1101")).await, "relation": "owner", "owner_name": "陈静"}),
        )
        .await,
    )
    .await;
    assert_eq!(unrecorded["waits_for"], "desk", "no owner record: the desk");
    let second = by_code(&fx, SECOND).await;
    let claim = made(
        ask(
            &fx,
            &second,
            json!({"unit_id": unit(&fx, &second, ROOM_1502).await, "relation": "owner", "owner_name": "王芳"}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (&claim["state"], &claim["waits_for"]),
        (&json!("pending"), &json!("desk")),
        "a second owner of a bound room is not bound silently, even with the right name"
    );
    assert!(
        roles_in_me(&fx, &token).await.is_empty(),
        "nothing bound yet"
    );

    let wang = fx.wang_fang().await;
    let theirs = json_of(&fx, "/v1/home-requests/to-decide", &wang).await;
    assert_eq!(
        theirs["items"],
        json!([]),
        "owner claims are the desk's, not the current owner's"
    );
    let id = claim["id"].as_str().expect("id");
    let refused = post(&fx, &wang, &format!("/v1/home-requests/{id}/approve"), None).await;
    expect_problem(refused, 404, "not-found").await;
}

#[tokio::test]
async fn each_bad_request_has_its_code_and_changes_nothing() {
    let fx = Fixture::start().await;
    let token = by_code(&fx, NEWCOMER).await;
    let unit_801 = unit(&fx, &token, ROOM_801).await;
    let nowhere = ask(
        &fx,
        &token,
        json!({"unit_id": uuid::Uuid::now_v7(), "relation": "family"}),
    )
    .await;
    expect_problem(nowhere, 404, "room-not-found").await;
    for (body, pointer) in [
        (
            json!({"unit_id": unit_801, "relation": "landlord"}),
            "/relation",
        ),
        (
            json!({"unit_id": unit_801, "relation": "owner"}),
            "/owner_name",
        ),
        (
            json!({"unit_id": unit_801, "relation": "owner", "owner_name": "  "}),
            "/owner_name",
        ),
        (
            json!({"unit_id": unit_801, "relation": "tenant"}),
            "/ends_on",
        ),
        (
            json!({"unit_id": unit_801, "relation": "tenant", "ends_on": "2020-01-31"}),
            "/ends_on",
        ),
        (
            json!({"unit_id": unit_801, "relation": "family", "ends_on": "2099-01-31"}),
            "/ends_on",
        ),
        (
            json!({"unit_id": unit_801, "relation": "family", "owner_name": "陈静"}),
            "/owner_name",
        ),
    ] {
        let refused = ask(&fx, &token, body.clone()).await;
        let problem = expect_problem(refused, 422, "validation-failed").await;
        assert_eq!(
            problem["errors"][0]["pointer"], pointer,
            "{body} points at the field: {problem}"
        );
    }
    let first = made(
        ask(
            &fx,
            &token,
            json!({"unit_id": unit_801, "relation": "family"}),
        )
        .await,
    )
    .await;
    assert_eq!(first["state"], "pending");
    let twice = ask(
        &fx,
        &token,
        json!({"unit_id": unit_801, "relation": "tenant", "ends_on": "2099-01-31"}),
    )
    .await;
    expect_problem(twice, 409, "request-pending").await;

    let wang = fx.wang_fang().await;
    let own = ask(
        &fx,
        &wang,
        json!({"unit_id": unit(&fx, &wang, ROOM_1502).await, "relation": "family"}),
    )
    .await;
    expect_problem(own, 409, "already-member").await;
    let rows = fx
        .count(
            "SELECT COUNT(*) FROM home_requests WHERE user_id = (SELECT id FROM users WHERE phone = ?)",
            NEWCOMER,
        )
        .await;
    assert_eq!(rows, 1, "only the one good request was kept");
}

#[tokio::test]
async fn the_rooms_owner_approves_family_and_refuses_a_tenant_with_a_reason() {
    let fx = Fixture::start().await;
    let family = by_code(&fx, NEWCOMER).await;
    let tenant = by_code(&fx, SECOND).await;
    let unit_1502 = unit(&fx, &family, ROOM_1502).await;
    let asked = made(
        ask(
            &fx,
            &family,
            json!({"unit_id": unit_1502, "relation": "family"}),
        )
        .await,
    )
    .await;
    assert_eq!(
        asked["waits_for"], "owner",
        "the room has an owner: they decide"
    );
    let rent = made(
        ask(
            &fx,
            &tenant,
            json!({"unit_id": unit_1502, "relation": "tenant", "ends_on": "2099-06-30"}),
        )
        .await,
    )
    .await;

    let wang = fx.wang_fang().await;
    let waiting = json_of(&fx, "/v1/home-requests/to-decide", &wang).await;
    assert_eq!(
        waiting["items"].as_array().map(Vec::len),
        Some(2),
        "{waiting}"
    );
    assert_eq!(
        waiting["items"][1]["phone_masked"], "139****0066",
        "whom, masked"
    );

    let li = access(&fx.login(LI_QIANG_PHONE).await);
    let id = asked["id"].as_str().expect("id");
    let stranger = post(&fx, &li, &format!("/v1/home-requests/{id}/approve"), None).await;
    expect_problem(stranger, 404, "not-found").await;

    let approved = post(&fx, &wang, &format!("/v1/home-requests/{id}/approve"), None).await;
    assert_eq!(approved.status(), StatusCode::OK);
    let approved: Value = approved.json().await.expect("json");
    assert_eq!(
        (&approved["state"], &approved["decided_by"]),
        (&json!("approved"), &json!("owner"))
    );
    assert_eq!(
        roles_in_me(&fx, &family).await,
        [("1502".to_owned(), "family".to_owned(), "active".to_owned())]
    );
    let again = post(&fx, &wang, &format!("/v1/home-requests/{id}/approve"), None).await;
    expect_problem(again, 409, "invalid-transition").await;

    let rid = rent["id"].as_str().expect("id");
    let blank = post(
        &fx,
        &wang,
        &format!("/v1/home-requests/{rid}/refuse"),
        Some(json!({"reason": " "})),
    )
    .await;
    let problem = expect_problem(blank, 422, "validation-failed").await;
    assert_eq!(problem["errors"][0]["pointer"], "/reason");
    let refused = post(
        &fx,
        &wang,
        &format!("/v1/home-requests/{rid}/refuse"),
        Some(json!({"reason": "没有出租给此人"})),
    )
    .await;
    assert_eq!(refused.status(), StatusCode::OK);
    let mine = json_of(&fx, "/v1/home-requests", &tenant).await;
    assert_eq!(mine["items"][0]["state"], "refused");
    assert_eq!(
        mine["items"][0]["reason"], "没有出租给此人",
        "the requester reads why"
    );
    assert!(
        roles_in_me(&fx, &tenant).await.is_empty(),
        "refused: no home"
    );
}

#[tokio::test]
async fn a_pending_request_is_cancelled_once_and_only_by_its_maker() {
    let fx = Fixture::start().await;
    let token = by_code(&fx, NEWCOMER).await;
    let asked = made(
        ask(
            &fx,
            &token,
            json!({"unit_id": unit(&fx, &token, ROOM_801).await, "relation": "family"}),
        )
        .await,
    )
    .await;
    let id = asked["id"].as_str().expect("id");
    let other = fx.wang_fang().await;
    let theirs = post(&fx, &other, &format!("/v1/home-requests/{id}/cancel"), None).await;
    expect_problem(theirs, 404, "not-found").await;
    let done = post(&fx, &token, &format!("/v1/home-requests/{id}/cancel"), None).await;
    assert_eq!(done.status(), StatusCode::OK);
    let done: Value = done.json().await.expect("json");
    assert_eq!(done["state"], "cancelled");
    let again = post(&fx, &token, &format!("/v1/home-requests/{id}/cancel"), None).await;
    expect_problem(again, 409, "invalid-transition").await;
    let renewed = ask(
        &fx,
        &token,
        json!({"unit_id": asked["unit"]["id"], "relation": "family"}),
    )
    .await;
    assert_eq!(
        renewed.status(),
        StatusCode::CREATED,
        "a cancelled request does not block a new one"
    );
}

/// Cancels the resident's request `request` (a created request's body).
async fn cancel(fx: &Fixture, token: &str, request: &Value) {
    let id = request["id"].as_str().expect("id");
    let done = post(fx, token, &format!("/v1/home-requests/{id}/cancel"), None).await;
    assert_eq!(done.status(), StatusCode::OK, "cancelled");
}

#[tokio::test]
async fn guessing_owner_names_stops_binding_at_once() {
    let fx = Fixture::start().await;
    let token = by_code(&fx, NEWCOMER).await;
    let unit_801 = unit(&fx, &token, ROOM_801).await;
    let owner =
        |name: &str, unit: &str| json!({"unit_id": unit, "relation": "owner", "owner_name": name});
    let wrong = made(ask(&fx, &token, owner("陈晶", &unit_801)).await).await;
    cancel(&fx, &token, &wrong).await;
    let right = made(ask(&fx, &token, owner("陈静", &unit_801)).await).await;
    assert_eq!(
        (&right["state"], &right["waits_for"]),
        (&json!("pending"), &json!("desk")),
        "after a wrong name for this room, even the right one waits for the desk"
    );
    cancel(&fx, &token, &right).await;

    // Three claims in a day that did not bind (wrong names, or held back), on any rooms, and
    // no claim binds at once any more.
    let unit_802 = unit(&fx, &token, ("翠湖花园", "1栋", "1单元", "802")).await;
    let third = made(ask(&fx, &token, owner("赵明", &unit_802)).await).await;
    cancel(&fx, &token, &third).await;
    let mut conn = fx.own_connection().await;
    let place = ("1栋", "2单元", "1101");
    assert!(
        linli_server::features::homes::record_owner(
            &mut conn,
            "翠湖花园",
            place,
            "孙磊",
            fx.clock.now_ms()
        )
        .await
        .expect("record"),
        "the room exists"
    );
    let fresh = unit(&fx, &token, ("翠湖花园", "1栋", "2单元", "1101")).await;
    let blocked = made(ask(&fx, &token, owner("孙磊", &fresh)).await).await;
    assert_eq!(
        blocked["waits_for"], "desk",
        "a resident who guesses is checked by people"
    );
    let someone_else = by_code(&fx, SECOND).await;
    let fine = made(ask(&fx, &someone_else, owner("陈静", &unit_801)).await).await;
    assert_eq!(
        fine["state"], "approved",
        "another resident is not held back by the guesser"
    );
}
