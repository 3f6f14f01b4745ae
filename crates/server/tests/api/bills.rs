//! Bills, payment orders, receipts and the ledger, over real HTTPS (the provider's
//! notifications are in [`crate::payments`]).
//!
//! Every payment test ends by checking the books agree: bills, orders and receipts are
//! consistent and nothing was charged twice.

use crate::{Fixture, access, expect_problem};
use linli_server::features::billing::provider as demo;
use linli_server::seed::LI_QIANG_PHONE;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

pub(crate) async fn household(fx: &Fixture, token: &str) -> String {
    let me: Value = fx.get("/v1/me", token).await.json().await.expect("me");
    me["memberships"][0]["id"]
        .as_str()
        .expect("membership")
        .to_owned()
}

pub(crate) async fn bills(fx: &Fixture, token: &str, membership: &str) -> Vec<Value> {
    let list: Value = fx
        .get(&format!("/v1/bills?membership_id={membership}"), token)
        .await
        .json()
        .await
        .expect("bills");
    list["items"].as_array().expect("items").clone()
}

pub(crate) fn unpaid(bills: &[Value]) -> Vec<Value> {
    bills
        .iter()
        .filter(|b| b["state"] == "unpaid")
        .cloned()
        .collect()
}

pub(crate) async fn create_order(
    fx: &Fixture,
    token: &str,
    membership: &str,
    bills: &[&Value],
    expected: i64,
    key: &str,
) -> reqwest::Response {
    fx.request(Method::POST, "/v1/payment-orders", Some(token))
        .header("Idempotency-Key", format!("\"{key}\""))
        .json(&json!({
            "id": key,
            "membership_id": membership,
            "bill_ids": bills.iter().map(|b| b["id"].clone()).collect::<Vec<_>>(),
            "channel": "demo",
            "amount_expected_minor": expected,
            "currency": "CNY",
        }))
        .send()
        .await
        .expect("create order")
}

/// Creates an order for `bills` at their due total with a fresh key; the order's JSON.
pub(crate) async fn open_order(
    fx: &Fixture,
    token: &str,
    membership: &str,
    bills: &[&Value],
) -> Value {
    let response = create_order(
        fx,
        token,
        membership,
        bills,
        due(bills),
        &Uuid::now_v7().to_string(),
    )
    .await;
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "an order for bills that are due"
    );
    response.json().await.expect("order")
}

pub(crate) fn due(bills: &[&Value]) -> i64 {
    bills
        .iter()
        .map(|b| b["due_minor"].as_i64().expect("due"))
        .sum()
}

pub(crate) async fn order(fx: &Fixture, token: &str, id: &str) -> Value {
    fx.get(&format!("/v1/payment-orders/{id}"), token)
        .await
        .json()
        .await
        .expect("order")
}

/// Posts to the checkout page's form (`confirm` or `fail`) as a browser would.
pub(crate) async fn checkout(fx: &Fixture, order: &Value, action: &str) -> StatusCode {
    let url = order["client_action"]["url"].as_str().expect("demo url");
    assert_eq!(order["client_action"]["type"], "demo_confirm");
    assert!(!url.contains('?'), "the checkout secret is no query: {url}");
    fx.client
        .post(format!("{url}/{action}"))
        .send()
        .await
        .expect("checkout")
        .status()
}

/// A notification signed with the demo provider's key, as it would arrive.
pub(crate) async fn notify(fx: &Fixture, body: &Value) -> reqwest::Response {
    let mut conn = fx.server.state.db.acquire().await.expect("db");
    let key = demo::signing_key(&mut conn).await.expect("key");
    let body = serde_json::to_vec(body).expect("json");
    let header = demo::sign(&key, fx.clock.now().timestamp(), &body);
    fx.request(Method::POST, "/v1/webhooks/payments/demo", None)
        .header("content-type", "application/json")
        .header(demo::SIGNATURE_HEADER, header)
        .body(body)
        .send()
        .await
        .expect("notify")
}

/// The books agree: every succeeded order has exactly one receipt of its amount, each paid
/// bill is settled by exactly one succeeded order, and no bill is paid twice.
pub(crate) async fn books_agree(fx: &Fixture) {
    let db = &fx.server.state.db;
    let orphan: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM payment_orders o LEFT JOIN receipts r ON r.order_id = o.id
         WHERE o.state = 'succeeded' AND (r.id IS NULL OR r.amount_minor != o.amount_minor)",
    )
    .fetch_one(db)
    .await
    .expect("query");
    assert_eq!(orphan, 0, "every succeeded order has its receipt");
    let twice: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT ob.bill_id FROM payment_order_bills ob
         JOIN payment_orders o ON o.id = ob.order_id WHERE o.state = 'succeeded'
         GROUP BY ob.bill_id HAVING COUNT(*) > 1)",
    )
    .fetch_one(db)
    .await
    .expect("query");
    assert_eq!(twice, 0, "no bill is settled by two orders");
    let unsettled_paid: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM bills b WHERE b.paid_at IS NOT NULL AND NOT EXISTS
            (SELECT 1 FROM payment_order_bills ob JOIN payment_orders o ON o.id = ob.order_id
             WHERE ob.bill_id = b.id AND o.state = 'succeeded')",
    )
    .fetch_one(db)
    .await
    .expect("query");
    assert_eq!(unsettled_paid, 0, "a paid bill has the order that paid it");
    let held_by_closed: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM bills b JOIN payment_orders o ON o.id = b.open_order_id
         WHERE o.state NOT IN ('awaiting_payment', 'processing')",
    )
    .fetch_one(db)
    .await
    .expect("query");
    assert_eq!(held_by_closed, 0, "no bill is held by a finished order");
}

#[tokio::test]
async fn bills_are_itemised_in_fen_and_only_the_households_own() {
    let fx = Fixture::start().await;
    let token = fx.wang_fang().await;
    let membership = household(&fx, &token).await;
    let items = bills(&fx, &token, &membership).await;
    assert_eq!(
        items.len(),
        20,
        "a year of utilities, property fee and parking"
    );
    assert_ne!(items[0]["state"], "paid", "unsettled bills come first");
    assert!(
        items.iter().any(|b| b["overdue"] == true),
        "some are overdue"
    );
    for bill in &items {
        let lines = bill["lines"].as_array().expect("lines");
        let total: i64 = lines
            .iter()
            .map(|l| {
                l["amount_minor"].as_i64().expect("int") + l["penalty_minor"].as_i64().expect("int")
                    - l["discount_minor"].as_i64().expect("int")
            })
            .sum();
        assert_eq!(
            bill["total_minor"], total,
            "the total is the lines' sum: {}",
            bill["title"]
        );
        for line in lines {
            assert!(
                line["amount_minor"].is_i64(),
                "money is an integer count of fen"
            );
        }
    }
    let water = items
        .iter()
        .flat_map(|b| b["lines"].as_array().expect("lines").iter())
        .find(|l| l["fee_item"] == "water")
        .expect("a water line");
    assert!(water["meter"]["previous"].is_string() && water["meter"]["current"].is_string());
    let text = serde_json::to_string(&items).expect("json");
    assert!(
        !text.contains("内部备注"),
        "staff notes never reach residents"
    );

    // Another resident sees none of it and can pay none of it.
    let li = access(&fx.login(LI_QIANG_PHONE).await);
    let bill_id = items[0]["id"].as_str().expect("id");
    expect_problem(
        fx.get(&format!("/v1/bills/{bill_id}"), &li).await,
        404,
        "not-found",
    )
    .await;
    let li_membership = household(&fx, &li).await;
    let response = create_order(
        &fx,
        &li,
        &li_membership,
        &[&items[0]],
        due(&[&items[0]]),
        &Uuid::now_v7().to_string(),
    )
    .await;
    expect_problem(response, 404, "not-found").await;
    let response = create_order(
        &fx,
        &li,
        &membership,
        &[&items[0]],
        due(&[&items[0]]),
        &Uuid::now_v7().to_string(),
    )
    .await;
    expect_problem(response, 403, "membership-required").await;
}

#[tokio::test]
async fn paying_through_the_demo_checkout_settles_the_bills_once_with_a_receipt() {
    let fx = Fixture::start().await;
    let token = fx.wang_fang().await;
    let membership = household(&fx, &token).await;
    let all = bills(&fx, &token, &membership).await;
    let open = unpaid(&all);
    let chosen = [&open[0], &open[1]];
    let amount = due(&chosen);
    let key = Uuid::now_v7().to_string();

    let created = create_order(&fx, &token, &membership, &chosen, amount, &key).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let created: Value = created.json().await.expect("order");
    assert_eq!(created["state"], "awaiting_payment");
    assert_eq!(created["amount_minor"], amount, "the backend's own total");
    let replay = create_order(&fx, &token, &membership, &chosen, amount, &key).await;
    assert_eq!(
        replay.status(),
        StatusCode::CREATED,
        "a replay answers as the first time"
    );
    assert_eq!(
        replay
            .headers()
            .get("idempotent-replayed")
            .map(|v| v.to_str().unwrap_or("")),
        Some("true")
    );

    // While it is open, nobody pays these bills again.
    let again = create_order(
        &fx,
        &token,
        &membership,
        &[&open[0]],
        due(&[&open[0]]),
        &Uuid::now_v7().to_string(),
    )
    .await;
    let problem = expect_problem(again, 409, "payment-in-progress").await;
    assert_eq!(
        problem["order_id"], created["id"],
        "names the order to follow"
    );
    let held = bills(&fx, &token, &membership).await;
    assert_eq!(
        held.iter()
            .filter(|b| b["open_order_id"] == created["id"])
            .count(),
        2
    );

    // The checkout page is the provider's: it shows the amount and takes the payer's word.
    let page = fx
        .client
        .get(created["client_action"]["url"].as_str().expect("url"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    let yuan = format!("¥{}.{:02}", amount / 100, amount % 100);
    assert!(page.contains(&yuan), "the page shows {yuan}");
    assert_eq!(checkout(&fx, &created, "confirm").await, StatusCode::OK);

    let paid = order(&fx, &token, created["id"].as_str().expect("id")).await;
    assert_eq!(paid["state"], "succeeded", "{paid}");
    assert!(paid["client_action"].is_null(), "nothing more to do");
    let receipt_id = paid["receipt_id"].as_str().expect("a receipt");
    let receipt: Value = fx
        .get(&format!("/v1/receipts/{receipt_id}"), &token)
        .await
        .json()
        .await
        .expect("receipt");
    assert_eq!(receipt["amount_minor"], amount);
    assert_eq!(receipt["provider_txn_id"], paid["provider_txn_id"]);
    assert_eq!(receipt["payer"], "王芳");
    assert_eq!(receipt["unit"], "3栋2单元1502");
    let receipt_total: i64 = receipt["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .map(|l| l["amount_minor"].as_i64().expect("int"))
        .sum();
    assert_eq!(receipt_total, amount, "the receipt's lines add up");
    let after = bills(&fx, &token, &membership).await;
    for bill in &chosen {
        let now = after
            .iter()
            .find(|b| b["id"] == bill["id"])
            .expect("still listed");
        assert_eq!(now["state"], "paid");
        assert_eq!(now["due_minor"], 0);
        assert!(now["open_order_id"].is_null());
    }
    // Paying a paid bill is refused.
    let twice = create_order(
        &fx,
        &token,
        &membership,
        &[&open[0]],
        due(&[&open[0]]),
        &Uuid::now_v7().to_string(),
    )
    .await;
    expect_problem(twice, 409, "already-paid").await;
    let history: Value = fx
        .get(
            &format!("/v1/payment-orders?membership_id={membership}"),
            &token,
        )
        .await
        .json()
        .await
        .expect("orders");
    assert_eq!(history["items"][0]["id"], created["id"], "newest first");
    books_agree(&fx).await;
}

#[tokio::test]
async fn a_failed_or_cancelled_payment_frees_the_bills() {
    let fx = Fixture::start().await;
    let token = fx.wang_fang().await;
    let membership = household(&fx, &token).await;
    let open = unpaid(&bills(&fx, &token, &membership).await);
    let first: Value = open_order(&fx, &token, &membership, &[&open[0]]).await;
    assert_eq!(checkout(&fx, &first, "fail").await, StatusCode::OK);
    let failed = order(&fx, &token, first["id"].as_str().expect("id")).await;
    assert_eq!(failed["state"], "failed");
    assert!(failed["failure_reason"].is_string());

    let second: Value = open_order(&fx, &token, &membership, &[&open[0]]).await;
    assert_eq!(
        second["state"], "awaiting_payment",
        "the bill could be paid again"
    );
    let cancelled: Value = fx
        .request(
            Method::POST,
            &format!(
                "/v1/payment-orders/{}/cancel",
                second["id"].as_str().expect("id")
            ),
            Some(&token),
        )
        .send()
        .await
        .expect("cancel")
        .json()
        .await
        .expect("order");
    assert_eq!(cancelled["state"], "canceled");
    assert_eq!(
        checkout(&fx, &second, "confirm").await,
        StatusCode::CONFLICT,
        "a cancelled order cannot be paid"
    );
    let bill: Value = fx
        .get(
            &format!("/v1/bills/{}", open[0]["id"].as_str().expect("id")),
            &token,
        )
        .await
        .json()
        .await
        .expect("bill");
    assert_eq!(bill["state"], "unpaid");
    assert!(bill["open_order_id"].is_null());
    books_agree(&fx).await;
}

#[tokio::test]
async fn the_amount_is_checked_against_what_the_resident_saw() {
    let fx = Fixture::start().await;
    let token = fx.wang_fang().await;
    let membership = household(&fx, &token).await;
    let open = unpaid(&bills(&fx, &token, &membership).await);
    let amount = due(&[&open[0]]);
    // Staff add a late fee after the resident looked.
    sqlx::query("UPDATE bill_lines SET penalty_minor = penalty_minor + 250 WHERE bill_id = ? AND position = 0")
        .bind(open[0]["id"].as_str().expect("id"))
        .execute(&fx.server.state.db)
        .await
        .expect("update");
    let response = create_order(
        &fx,
        &token,
        &membership,
        &[&open[0]],
        amount,
        &Uuid::now_v7().to_string(),
    )
    .await;
    let problem = expect_problem(response, 409, "amount-changed").await;
    assert_eq!(
        problem["amount_minor"],
        amount + 250,
        "the new total to show"
    );
    books_agree(&fx).await;
}

#[tokio::test]
async fn the_ledger_adds_up_and_its_attachments_download() {
    let fx = Fixture::start().await;
    let token = fx.wang_fang().await;
    let membership = household(&fx, &token).await;
    let ledger: Value = fx
        .get(&format!("/v1/ledger?membership_id={membership}"), &token)
        .await
        .json()
        .await
        .expect("ledger");
    let periods = ledger["items"].as_array().expect("items");
    assert_eq!(periods.len(), 4, "four published quarters");
    for period in periods {
        let lines = period["lines"].as_array().expect("lines");
        let sum = |d: &str| -> i64 {
            lines
                .iter()
                .filter(|l| l["direction"] == d)
                .map(|l| l["amount_minor"].as_i64().expect("int"))
                .sum()
        };
        assert_eq!(period["income_minor"], sum("income"));
        assert_eq!(period["expense_minor"], sum("expense"));
        assert_eq!(period["balance_minor"], sum("income") - sum("expense"));
    }
    let href = periods[0]["attachments"][0]["href"].as_str().expect("href");
    let csv = fx.get(href, &token).await;
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .expect("ct")
            .starts_with("text/csv")
    );
    let bytes = csv.bytes().await.expect("bytes");
    assert!(
        bytes.starts_with("\u{feff}方向".as_bytes()),
        "UTF-8 with BOM so spreadsheets read Chinese"
    );
    let li = access(&fx.login(LI_QIANG_PHONE).await);
    let other_community = fx
        .get(
            href,
            &access(&fx.login(linli_server::seed::ZHANG_WEI_PHONE).await),
        )
        .await;
    assert_eq!(
        other_community.status(),
        StatusCode::NOT_FOUND,
        "another community's documents stay closed"
    );
    assert_eq!(
        fx.get(href, &li).await.status(),
        StatusCode::OK,
        "a neighbour in the same community may read it"
    );
}
