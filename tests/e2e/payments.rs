//! Exactly one charge: the app pays through a proxy that loses the answer of
//! `POST /v1/payment-orders` after the backend committed (once, and three times running) or
//! drops the request before the backend sees it; the payer then pays in the demo provider's
//! page. Counted on both sides, never from the app's own view: the backend's orders, receipts
//! and idempotency outcomes, the provider's own books (payments opened, charges taken), and
//! the requests the proxy saw the backend receive, apply or answer from its stored outcome.

use crate::bills::{form_action, payer};
use crate::proxy::{CuttingProxy, Seen};
use crate::support::Env;
use linli_server::features::billing::provider::Books;
use linli_server::testing::{DEMO_PASSWORD, WANG_FANG_PHONE};
use linli_wire::ErrorCode;
use linli_wire::bills::{BillState, ClientAction, PaymentChannel, PaymentOrderState};
use reqwest::Method;

const ORDERS: &str = "/v1/payment-orders";

/// What the backend and the provider hold, as an auditor counts it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Audit {
    /// The resident's payment orders.
    orders: i64,
    /// Idempotent writes the backend applied for the resident (one per key).
    outcomes: i64,
    /// Receipts issued, to anyone.
    receipts: i64,
    /// The demo provider's books.
    books: Books,
}

async fn audit(env: &Env, user: &str) -> Audit {
    let server = &env.server;
    Audit {
        orders: server
            .count(&format!(
                "SELECT COUNT(*) FROM payment_orders WHERE user_id = '{user}'"
            ))
            .await,
        outcomes: server
            .count(&format!(
                "SELECT COUNT(*) FROM idempotency_keys WHERE user_id = '{user}'"
            ))
            .await,
        receipts: server.count("SELECT COUNT(*) FROM receipts").await,
        books: server.provider_books().await,
    }
}

/// Pays Wang Fang's first unpaid bill through a proxy that drops the order's request before
/// the backend `before_server` times and then loses its answer after commit `after_commit`
/// times; the payer confirms in the provider's page; then everything is counted.
async fn pay_losing_answers(before_server: u32, after_commit: u32) {
    let env = Env::start().await;
    let proxy = CuttingProxy::start(&env.server.base_url(), &env.server.ca_pem()).await;
    let core = env.open_core_via(&proxy).await;
    let account = core
        .sign_in(WANG_FANG_PHONE, DEMO_PASSWORD)
        .await
        .expect("signed in through the proxy");
    core.sync_now().await.expect("sync");
    let user = account.user.id.to_string();
    let before = audit(&env, &user).await;
    let unpaid = core
        .bills()
        .await
        .expect("bills")
        .into_iter()
        .find(|b| b.state == BillState::Unpaid)
        .expect("one to pay");

    proxy.cut_before_server(Method::POST, ORDERS, before_server);
    proxy.cut_after_commit(Method::POST, ORDERS, after_commit);
    let lost = core
        .pay(&[unpaid.id], PaymentChannel::Demo)
        .await
        .expect_err("the order's answer never arrived");
    assert_eq!(
        lost.code(),
        ErrorCode::Offline,
        "a lost answer is a network failure, not a refusal: {lost:?}"
    );
    // Each sync sends the kept request again (same id, same key) until one answer arrives.
    let mut syncs = 0;
    let order = loop {
        let known = core
            .payment_orders()
            .await
            .expect("history")
            .into_iter()
            .find(|o| o.bill_ids.contains(&unpaid.id));
        if let Some(order) = known
            && proxy.cuts_left() == 0
        {
            break order;
        }
        assert!(
            syncs < 10,
            "the order was never answered after {syncs} syncs: {:?}",
            proxy.seen()
        );
        core.sync_now().await.expect("sync");
        syncs += 1;
    };
    assert_eq!(proxy.cuts_left(), 0, "every planned loss happened");
    assert_eq!(
        core.pay(&[unpaid.id], PaymentChannel::Demo)
            .await
            .expect_err("held by the order")
            .code(),
        ErrorCode::PaymentInProgress,
        "the app does not start a second payment for the bill"
    );

    // The payer pays in the provider's own page (outside the app, straight at the backend).
    let Some(ClientAction::DemoConfirm { url }) = order.client_action.clone() else {
        panic!("a demo checkout to confirm: {order:?}");
    };
    let client = payer(&env);
    let page = client
        .get(&url)
        .send()
        .await
        .expect("checkout page")
        .text()
        .await
        .expect("page text");
    let confirmed = client
        .post(form_action(&page, "confirm"))
        .send()
        .await
        .expect("confirm")
        .status();
    assert!(confirmed.is_success(), "the payer paid: {confirmed}");
    let followed = core.follow_payment(order.id).await.expect("followed");
    assert_eq!(
        followed.state,
        PaymentOrderState::Succeeded,
        "the backend's outcome"
    );
    core.sync_now().await.expect("sync");
    let bill = core
        .bills()
        .await
        .expect("bills")
        .into_iter()
        .find(|b| b.id == unpaid.id)
        .expect("the bill");
    assert_eq!(bill.state, BillState::Paid, "the bill is settled");
    assert_eq!(
        core.pay(&[unpaid.id], PaymentChannel::Demo)
            .await
            .expect_err("paid")
            .code(),
        ErrorCode::AlreadyPaid,
        "a paid bill cannot be paid again"
    );

    // The backend's side.
    let after = audit(&env, &user).await;
    assert_eq!(
        after.orders - before.orders,
        1,
        "one order on the backend, though its request went out {} times",
        1 + before_server + after_commit
    );
    assert_eq!(
        env.server
            .count(&format!(
                "SELECT COUNT(*) FROM payment_orders WHERE id = '{}' AND state = 'succeeded'",
                order.id
            ))
            .await,
        1,
        "and it is the app's order, succeeded"
    );
    assert_eq!(
        after.outcomes - before.outcomes,
        1,
        "the backend applied one write: every other request replayed its outcome"
    );
    assert_eq!(
        env.server
            .count(&format!(
                "SELECT COUNT(*) FROM payment_order_bills WHERE bill_id = '{}'",
                unpaid.id
            ))
            .await,
        1,
        "no other order ever held the bill"
    );
    assert_eq!(after.receipts - before.receipts, 1, "one receipt issued");
    assert_eq!(
        env.server
            .count(&format!(
                "SELECT COUNT(*) FROM receipts WHERE order_id = '{}'",
                order.id
            ))
            .await,
        1,
        "the receipt is the order's"
    );
    // The wire: the app sent the order once and again after each loss, always with the
    // order's id as its key; the backend acted on the first request it had and answered every
    // later one from the stored outcome.
    let posts: Vec<Seen> = proxy
        .seen()
        .into_iter()
        .filter(|s| s.method == Method::POST && s.path.starts_with(ORDERS))
        .collect();
    assert_eq!(
        posts.len(),
        (1 + before_server + after_commit) as usize,
        "the order went out once and once more after each loss: {posts:?}"
    );
    let key = order.id.0.to_string();
    assert!(
        posts.iter().all(|s| s.key.as_deref() == Some(key.as_str())),
        "every request carried the order's own key {key}: {posts:?}"
    );
    assert_eq!(
        proxy.received(&Method::POST, ORDERS),
        (1 + after_commit) as usize,
        "the backend had each request the network did not drop"
    );
    assert_eq!(
        proxy.applied(&Method::POST, ORDERS),
        1,
        "and acted on one: {posts:?}"
    );
    assert!(
        posts
            .iter()
            .filter(|s| s.received())
            .skip(1)
            .all(|s| s.replayed && s.status == Some(201)),
        "every later request was answered `Idempotent-Replayed: true`: {posts:?}"
    );
    // The provider's own books.
    assert_eq!(
        after.books.opened - before.books.opened,
        1,
        "the provider opened one payment"
    );
    assert_eq!(
        after.books.charges - before.books.charges,
        1,
        "the payer was charged once"
    );
    assert_eq!(
        after.books.charged_minor - before.books.charged_minor,
        order.amount_minor,
        "for the order's amount"
    );
}

#[tokio::test]
async fn an_order_whose_answer_is_lost_once_after_commit_charges_once() {
    pay_losing_answers(0, 1).await;
}

#[tokio::test]
async fn an_order_whose_answer_is_lost_three_times_running_charges_once() {
    pay_losing_answers(0, 3).await;
}

#[tokio::test]
async fn an_order_dropped_before_the_backend_then_answered_late_charges_once() {
    pay_losing_answers(2, 1).await;
}
