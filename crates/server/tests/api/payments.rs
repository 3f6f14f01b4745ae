//! The payment provider's side over real HTTPS: signed notifications (verified, repeats
//! change nothing), a lost one recovered by querying, and a success that arrives after its
//! order expired. Every test ends by checking the books agree ([`crate::bills::books_agree`]).

use crate::bills::{
    bills, books_agree, checkout, due, household, notify, open_order, order, unpaid,
};
use crate::{Fixture, expect_problem};
use linli_server::features::billing::{orders as payments, provider as demo};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

#[tokio::test]
async fn notifications_are_verified_and_repeats_change_nothing() {
    let fx = Fixture::start().await;
    let token = fx.wang_fang().await;
    let membership = household(&fx, &token).await;
    let open = unpaid(&bills(&fx, &token, &membership).await);
    let amount = due(&[&open[0]]);
    let created: Value = open_order(&fx, &token, &membership, &[&open[0]]).await;
    let id = created["id"].as_str().expect("id");
    let event = json!({
        "event_id": "evt_test_1",
        "out_trade_no": id.replace('-', ""),
        "provider_txn_id": "DEMO-TXN-1",
        "status": "SUCCESS",
        "amount_minor": amount,
        "currency": "CNY",
        "occurred_at": fx.clock.now(),
    });

    // A forged or wrong notification never settles anything.
    let unsigned = fx
        .request(Method::POST, "/v1/webhooks/payments/demo", None)
        .json(&event)
        .send()
        .await
        .expect("post");
    expect_problem(unsigned, 401, "unauthenticated").await;
    let mut cheap = event.clone();
    cheap["event_id"] = json!("evt_test_cheap");
    cheap["amount_minor"] = json!(1);
    expect_problem(notify(&fx, &cheap).await, 422, "validation-failed").await;
    assert_eq!(
        order(&fx, &token, id).await["state"],
        "awaiting_payment",
        "a wrong amount settles nothing"
    );

    for _ in 0..3 {
        assert_eq!(
            notify(&fx, &event).await.status(),
            StatusCode::NO_CONTENT,
            "repeats are acknowledged"
        );
    }
    let paid = order(&fx, &token, id).await;
    assert_eq!(paid["state"], "succeeded");
    let receipts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM receipts WHERE order_id = ?")
        .bind(id)
        .fetch_one(&fx.server.state.db)
        .await
        .expect("count");
    assert_eq!(receipts, 1, "three deliveries, one receipt");
    books_agree(&fx).await;
}

#[tokio::test]
async fn a_lost_notification_is_recovered_by_querying_the_provider() {
    let fx = Fixture::start().await;
    fx.server.state.demo_provider.set_lose_notifications(true);
    let token = fx.wang_fang().await;
    let membership = household(&fx, &token).await;
    let open = unpaid(&bills(&fx, &token, &membership).await);
    let created: Value = open_order(&fx, &token, &membership, &[&open[0]]).await;
    assert_eq!(checkout(&fx, &created, "confirm").await, StatusCode::OK);
    let handled: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM payment_events")
        .fetch_one(&fx.server.state.db)
        .await
        .expect("count");
    assert_eq!(handled, 0, "the notification was lost");
    let paid = order(&fx, &token, created["id"].as_str().expect("id")).await;
    assert_eq!(
        paid["state"], "succeeded",
        "following the order asked the provider: {paid}"
    );
    books_agree(&fx).await;
}

#[tokio::test]
async fn a_late_success_is_applied_when_the_bills_are_unpaid_and_refunded_when_not() {
    let fx = Fixture::start().await;
    let token = fx.wang_fang().await;
    let membership = household(&fx, &token).await;
    let open = unpaid(&bills(&fx, &token, &membership).await);
    let (a, b) = (&open[0], &open[1]);

    let order_a: Value = open_order(&fx, &token, &membership, &[a]).await;
    let order_b: Value = open_order(&fx, &token, &membership, &[b]).await;
    fx.clock.advance(std::time::Duration::from_secs(16 * 60));
    let token = fx.wang_fang().await; // the old access token expired meanwhile
    let id_a = order_a["id"].as_str().expect("id");
    let id_b = order_b["id"].as_str().expect("id");
    assert_eq!(order(&fx, &token, id_a).await["state"], "expired");
    assert_eq!(order(&fx, &token, id_b).await["state"], "expired");

    // Bill b is paid by a new order meanwhile.
    let order_c: Value = open_order(&fx, &token, &membership, &[b]).await;
    assert_eq!(checkout(&fx, &order_c, "confirm").await, StatusCode::OK);
    assert_eq!(
        order(&fx, &token, order_c["id"].as_str().expect("id")).await["state"],
        "succeeded"
    );

    // Both payers had raced the close: the provider took their money after all.
    for id in [id_a, id_b] {
        let mut tx = fx.server.state.db.begin().await.expect("tx");
        demo::act(
            &mut tx,
            &payments::out_trade_no(Uuid::parse_str(id).expect("uuid")),
            demo::PayerAction::Confirm,
            true,
            fx.clock.now_ms(),
        )
        .await
        .expect("late payment");
        tx.commit().await.expect("commit");
    }
    linli_server::features::billing::deliver_demo_notifications(&fx.server.state)
        .await
        .expect("deliver");

    let late_a = order(&fx, &token, id_a).await;
    assert_eq!(
        late_a["state"], "succeeded",
        "bill a was still unpaid: {late_a}"
    );
    assert_eq!(late_a["late"], true);
    assert!(late_a["receipt_id"].is_string());
    let late_b = order(&fx, &token, id_b).await;
    assert_eq!(
        late_b["state"], "refunded",
        "bill b was paid by c: {late_b}"
    );
    assert_eq!(late_b["refund"]["reason"], "bills_already_paid");
    assert_eq!(late_b["refund"]["amount_minor"], order_b["amount_minor"]);
    let mut conn = fx.server.state.db.acquire().await.expect("db");
    let provider = demo::query(
        &mut conn,
        &payments::out_trade_no(Uuid::parse_str(id_b).expect("uuid")),
    )
    .await
    .expect("query")
    .expect("payment");
    assert_eq!(
        provider.state, "REFUND",
        "the money went back at the provider"
    );
    drop(conn);
    books_agree(&fx).await;
}
