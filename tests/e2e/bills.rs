//! Bills and payments through the core against the real backend: bills read offline, a
//! payment through the demo checkout settles once with a receipt, an order whose answer was
//! lost is sent again with the same key, and an app closed mid-payment picks the order up
//! again on its next start.

use crate::support::Env;
use linli_wire::ErrorCode;
use linli_wire::bills::{BillState, ClientAction, PaymentChannel, PaymentOrderState};

/// The `action` URL of the checkout page's form for `what` (`confirm` or `fail`).
fn form_action(html: &str, what: &str) -> String {
    let marker = format!("data-action=\"{what}\"");
    let form = html
        .split("<form")
        .find(|f| f.contains(&marker))
        .expect("the checkout page has the form");
    let start = form.find("action=\"").expect("an action") + "action=\"".len();
    let end = form[start..].find('"').expect("quoted") + start;
    form[start..end].replace("&amp;", "&")
}

#[tokio::test]
async fn bills_read_offline_and_a_payment_settles_once_with_a_receipt() {
    let env = Env::start().await;
    let (core, _) = env.signed_in().await;
    core.sync_now().await.expect("sync");
    let bills = core.bills().await.expect("bills");
    assert_eq!(bills.len(), 20, "a year of bills for 3栋2单元1502");
    let receipts_before = core.receipts().await.expect("receipts").len();
    assert!(receipts_before > 0, "the paid ones have receipts");
    assert!(
        !core.ledger().await.expect("ledger").is_empty(),
        "the ledger is cached"
    );

    env.server.stop().await;
    assert_eq!(
        core.bills().await.expect("offline").len(),
        20,
        "bills read from the cache"
    );
    let unpaid = bills
        .iter()
        .find(|b| b.state == BillState::Unpaid)
        .expect("one to pay")
        .clone();
    let offline = core
        .pay(&[unpaid.id], PaymentChannel::Demo)
        .await
        .expect_err("paying needs the network");
    assert_eq!(offline.code(), ErrorCode::Offline);
    env.server.restart().await;
    core.sync_now().await.expect("sync");
    // The request kept before sending was sent again: the order exists, once.
    let held = core.bills().await.expect("bills");
    let order_id = held
        .iter()
        .find(|b| b.id == unpaid.id)
        .and_then(|b| b.open_order_id)
        .expect("the order made it after all");
    assert_eq!(
        env.server
            .count("SELECT COUNT(*) FROM payment_orders WHERE state = 'awaiting_payment'")
            .await,
        1
    );
    let again = core
        .pay(&[unpaid.id], PaymentChannel::Demo)
        .await
        .expect_err("in progress");
    assert_eq!(
        again.code(),
        ErrorCode::PaymentInProgress,
        "never pay twice"
    );

    let order = core.payment_order(order_id).await.expect("order");
    assert_eq!(order.state, PaymentOrderState::AwaitingPayment);
    assert!(matches!(
        order.client_action,
        Some(ClientAction::DemoConfirm { .. })
    ));
    let page = core.checkout_page(order_id).await.expect("checkout page");
    let yuan = format!(
        "¥{}.{:02}",
        order.amount_minor / 100,
        order.amount_minor % 100
    );
    assert!(page.contains(&yuan), "the provider's page shows {yuan}");
    let paid = core
        .checkout_action(order_id, &form_action(&page, "confirm"))
        .await
        .expect("confirm");
    assert_eq!(paid.state, PaymentOrderState::Succeeded);
    let bill = core
        .bills()
        .await
        .expect("bills")
        .into_iter()
        .find(|b| b.id == unpaid.id)
        .expect("bill");
    assert_eq!(
        bill.state,
        BillState::Paid,
        "the cache shows it paid at once"
    );
    let receipts = core.receipts().await.expect("receipts");
    assert_eq!(receipts.len(), receipts_before + 1);
    assert_eq!(Some(receipts[0].id), paid.receipt_id, "newest first");
    assert_eq!(env.server.count("SELECT COUNT(*) FROM receipts r JOIN payment_orders o ON o.id = r.order_id WHERE o.channel = 'demo'").await, 1);
}

#[tokio::test]
async fn an_app_closed_mid_payment_follows_the_order_on_its_next_start() {
    let env = Env::start().await;
    let (core, _) = env.signed_in().await;
    core.sync_now().await.expect("sync");
    let unpaid = core
        .bills()
        .await
        .expect("bills")
        .into_iter()
        .find(|b| b.state == BillState::Unpaid)
        .expect("one to pay");
    let order = core
        .pay(&[unpaid.id], PaymentChannel::Demo)
        .await
        .expect("order");
    let page = core.checkout_page(order.id).await.expect("page");
    let confirm = form_action(&page, "confirm");
    core.shutdown().await;
    drop(core);

    // The payer finished in the provider's page while the app was closed.
    let client = reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(
            reqwest::Certificate::from_pem(env.server.ca_pem().as_bytes()).expect("pem"),
        )
        .build()
        .expect("client");
    let status = client
        .post(&confirm)
        .send()
        .await
        .expect("confirm")
        .status();
    assert!(status.is_success(), "{status}");

    let core = env.open_core().await;
    let remembered = core.payment_orders().await.expect("history");
    assert_eq!(remembered[0].id, order.id, "the order is not forgotten");
    core.sync_now().await.expect("sync");
    let followed = core.payment_order(order.id).await.expect("order");
    assert_eq!(followed.state, PaymentOrderState::Succeeded);
    let bill = core
        .bills()
        .await
        .expect("bills")
        .into_iter()
        .find(|b| b.id == unpaid.id)
        .expect("bill");
    assert_eq!(bill.state, BillState::Paid);
    let second = core
        .pay(&[unpaid.id], PaymentChannel::Demo)
        .await
        .expect_err("paid");
    assert_eq!(second.code(), ErrorCode::AlreadyPaid);
}
