//! Deltas for everything the app caches (issue 12, part 1): each write of a ticket, a pass or a
//! home's billing reaches the feed of exactly the residents who see it in its list, rendered as
//! that list renders it; a home left turns its tickets into tombstones; every GET JSON answer
//! has an `ETag` and answers 304 to `If-None-Match` until something changes.

use crate::bills::{bills, household, open_order, unpaid};
use crate::passes::{create as create_pass, pass_body};
use crate::tickets::{create as create_ticket, post, repair, staff};
use crate::{Fixture, access};
use linli_server::seed::LI_QIANG_PHONE;
use reqwest::{Method, StatusCode, header};
use serde_json::{Value, json};

/// Follows `token`'s feed from `cursor` (none: bootstrap) to its end: (changes, cursor).
async fn drain(fx: &Fixture, token: &str, mut cursor: Option<String>) -> (Vec<Value>, String) {
    let mut all = Vec::new();
    loop {
        let query = match &cursor {
            Some(cursor) => format!("?limit=200&cursor={cursor}"),
            None => "?limit=200".to_owned(),
        };
        let response = fx.get(&format!("/v1/sync/changes{query}"), token).await;
        assert_eq!(response.status(), StatusCode::OK, "the feed answers");
        let feed: Value = response.json().await.expect("feed");
        all.extend(feed["changes"].as_array().expect("changes").iter().cloned());
        cursor = Some(feed["next_cursor"].as_str().expect("cursor").to_owned());
        if feed["has_more"] == false {
            return (all, cursor.expect("cursor"));
        }
    }
}

fn of_kind<'a>(changes: &'a [Value], kind: &str) -> Vec<&'a Value> {
    changes.iter().filter(|c| c["kind"] == kind).collect()
}

async fn json_of(fx: &Fixture, token: &str, path: &str) -> Value {
    fx.get(path, token).await.json().await.expect("json")
}

#[tokio::test]
async fn tickets_passes_and_billing_reach_exactly_the_residents_who_see_them() {
    let fx = Fixture::start().await;
    let wang = fx.wang_fang().await;
    let li = access(&fx.login(LI_QIANG_PHONE).await);
    let (_, wang_cursor) = drain(&fx, &wang, None).await;
    let (_, li_cursor) = drain(&fx, &li, None).await;

    let membership = household(&fx, &wang).await;
    let ticket: Value = create_ticket(&fx, &wang, repair(&fx, &membership, &[]))
        .await
        .json()
        .await
        .expect("ticket");
    let id = ticket["id"].as_str().expect("id").to_owned();
    let staff = staff(&fx).await;
    let accepted = post(
        &fx,
        &staff,
        &format!("/v1/staff/tickets/{id}/actions"),
        Some(json!({"action": "accept"})),
    )
    .await;
    assert_eq!(accepted.status(), StatusCode::OK, "staff accept");
    let pass = issue_pass(&fx, &wang).await;
    let open = unpaid(&bills(&fx, &wang, &membership).await);
    open_order(&fx, &wang, &membership, &[&open[0]]).await;

    let (changes, _) = drain(&fx, &wang, Some(wang_cursor)).await;
    let tickets = of_kind(&changes, "ticket");
    assert_eq!(
        tickets.len(),
        1,
        "one change per ticket per page: {tickets:?}"
    );
    assert_eq!(
        tickets[0]["data"],
        json_of(&fx, &wang, &format!("/v1/tickets/{id}")).await,
        "the ticket exactly as the resident's own read shows it, with the staff step"
    );
    assert_eq!(tickets[0]["data"]["state"], "accepted");
    let passes = of_kind(&changes, "pass");
    assert_eq!(passes.len(), 1, "the pass issued: {passes:?}");
    assert_eq!(
        passes[0]["data"],
        json_of(
            &fx,
            &wang,
            &format!("/v1/passes/{}", pass["id"].as_str().expect("id"))
        )
        .await,
        "the pass as the resident's list shows it"
    );
    let billing = of_kind(&changes, "bill");
    assert_eq!(
        billing.len(),
        1,
        "one change for the home's billing: {billing:?}"
    );
    assert!(
        billing[0].get("data").is_none(),
        "a billing change says re-read, it carries no entity"
    );

    let (theirs, _) = drain(&fx, &li, Some(li_cursor)).await;
    for kind in ["ticket", "pass", "bill"] {
        assert!(
            of_kind(&theirs, kind).is_empty(),
            "a neighbour's feed has none of Wang Fang's {kind}s: {theirs:?}"
        );
    }
}

#[tokio::test]
async fn a_home_left_turns_its_tickets_into_tombstones() {
    let fx = Fixture::start().await;
    let wang = fx.wang_fang().await;
    let membership = household(&fx, &wang).await;
    let ticket: Value = create_ticket(&fx, &wang, repair(&fx, &membership, &[]))
        .await
        .json()
        .await
        .expect("ticket");
    let id = ticket["id"].as_str().expect("id").to_owned();
    let (_, cursor) = drain(&fx, &wang, None).await;

    let left = fx
        .request(
            Method::DELETE,
            &format!("/v1/memberships/{membership}"),
            Some(&wang),
        )
        .send()
        .await
        .expect("leave");
    assert!(left.status().is_success(), "she leaves: {}", left.status());
    let staff = staff(&fx).await;
    post(
        &fx,
        &staff,
        &format!("/v1/staff/tickets/{id}/actions"),
        Some(json!({"action": "accept"})),
    )
    .await;
    let (changes, _) = drain(&fx, &wang, Some(cursor)).await;
    let tickets = of_kind(&changes, "ticket");
    assert_eq!(tickets.len(), 1, "the step is delivered once: {tickets:?}");
    assert_eq!(
        tickets[0]["op"], "delete",
        "a ticket of a home left arrives as a tombstone, never with its data"
    );
    assert!(tickets[0].get("data").is_none());
}

#[tokio::test]
async fn lists_answer_304_until_they_change_and_every_get_json_has_an_etag() {
    let fx = Fixture::start().await;
    let wang = fx.wang_fang().await;
    let membership = household(&fx, &wang).await;
    let path = format!("/v1/bills?membership_id={membership}");
    let first = fx.get(&path, &wang).await;
    let etag = first
        .headers()
        .get(header::ETAG)
        .expect("the list has an ETag")
        .to_str()
        .expect("ascii")
        .to_owned();
    let conditional = |tag: String| {
        fx.request(Method::GET, &path, Some(&wang))
            .header(header::IF_NONE_MATCH, tag)
            .send()
    };
    let same = conditional(etag.clone()).await.expect("get");
    assert_eq!(same.status(), StatusCode::NOT_MODIFIED, "unchanged: 304");
    assert_eq!(
        same.headers().get(header::ETAG).map(|v| v.to_str().ok()),
        Some(Some(etag.as_str())),
        "a 304 names the ETag again"
    );
    assert!(
        same.bytes().await.expect("body").is_empty(),
        "and has no body"
    );
    for tag in [
        format!("W/{etag}"),
        format!("\"other\", {etag}"),
        "*".to_owned(),
    ] {
        let answer = conditional(tag.clone()).await.expect("get");
        assert_eq!(answer.status(), StatusCode::NOT_MODIFIED, "{tag} matches");
    }
    let other = conditional("\"other\"".to_owned()).await.expect("get");
    assert_eq!(other.status(), StatusCode::OK, "another tag gets the body");

    let open = unpaid(&bills(&fx, &wang, &membership).await);
    open_order(&fx, &wang, &membership, &[&open[0]]).await;
    let changed = conditional(etag.clone()).await.expect("get");
    assert_eq!(
        changed.status(),
        StatusCode::OK,
        "a bill now held by an order: 200"
    );
    assert_ne!(
        changed
            .headers()
            .get(header::ETAG)
            .and_then(|v| v.to_str().ok()),
        Some(etag.as_str()),
        "with a new ETag"
    );

    for path in [
        "/v1/me".to_owned(),
        "/v1/tickets".to_owned(),
        "/v1/passes".to_owned(),
        format!("/v1/payment-orders?membership_id={membership}"),
        format!("/v1/receipts?membership_id={membership}"),
        format!("/v1/ledger?membership_id={membership}"),
        "/v1/home-requests".to_owned(),
        "/v1/home-requests/to-decide".to_owned(),
        "/v1/sync/changes".to_owned(),
        "/v1/notices".to_owned(),
        "/v1/health".to_owned(),
    ] {
        let answer = fx.get(&path, &wang).await;
        assert_eq!(answer.status(), StatusCode::OK, "{path}");
        assert!(
            answer.headers().contains_key(header::ETAG),
            "{path} answers with an ETag"
        );
    }
}

#[tokio::test]
async fn what_time_alone_changes_reaches_the_feed() {
    let fx = Fixture::start().await;
    let wang = fx.wang_fang().await;
    let pass = issue_pass(&fx, &wang).await;
    // The housekeeping has run once before (its first pass only notes the time).
    linli_server::serve::settle_payments(&fx.server.state)
        .await
        .expect("housekeeping");
    let (_, cursor) = drain(&fx, &wang, None).await;
    fx.clock.advance(std::time::Duration::from_secs(7 * 3600));
    linli_server::serve::settle_payments(&fx.server.state)
        .await
        .expect("housekeeping");
    let wang = fx.wang_fang().await; // the first access token ran out meanwhile
    let (changes, _) = drain(&fx, &wang, Some(cursor)).await;
    let passes = of_kind(&changes, "pass");
    assert_eq!(passes.len(), 1, "the pass that ran out: {changes:?}");
    assert_eq!(passes[0]["id"], pass["id"]);
    assert_eq!(
        passes[0]["data"]["state"], "expired",
        "its validity ended with no write, and the feed says so"
    );
}

#[tokio::test]
async fn a_home_request_reaches_its_maker_and_the_rooms_owner_not_a_neighbour() {
    use crate::homes::{NEWCOMER, ROOM_1502, ask, by_code, made, unit};
    let fx = Fixture::start().await;
    let family = by_code(&fx, NEWCOMER).await;
    let wang = fx.wang_fang().await;
    let li = access(&fx.login(LI_QIANG_PHONE).await);
    let (_, family_cursor) = drain(&fx, &family, None).await;
    let (_, wang_cursor) = drain(&fx, &wang, None).await;
    let (_, li_cursor) = drain(&fx, &li, None).await;
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
    for (who, token, cursor, sees) in [
        ("the maker", &family, family_cursor, true),
        ("the room's owner", &wang, wang_cursor, true),
        ("a neighbour", &li, li_cursor, false),
    ] {
        let (changes, _) = drain(&fx, token, Some(cursor)).await;
        let requests = of_kind(&changes, "home_request");
        assert_eq!(
            requests.len(),
            usize::from(sees),
            "{who}'s feed: {changes:?}"
        );
        if sees {
            assert_eq!(requests[0]["id"], asked["id"]);
            assert!(
                requests[0].get("data").is_none(),
                "re-read the lists: no entity in the feed"
            );
        }
    }
}

/// A pass the resident issues for their first home (a fresh idempotency key).
async fn issue_pass(fx: &Fixture, token: &str) -> Value {
    let me: Value = json_of(fx, token, "/v1/me").await;
    create_pass(
        fx,
        token,
        &pass_body(fx, &me["memberships"][0]),
        &uuid::Uuid::now_v7().to_string(),
    )
    .await
    .json()
    .await
    .expect("pass")
}
