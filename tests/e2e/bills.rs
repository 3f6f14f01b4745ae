//! Bills and payments through the core against the real backend: bills read offline, a
//! payment through the demo checkout settles once with a receipt, an order whose answer was
//! lost is sent again with the same key, an app closed mid-payment picks the order up again on
//! its next start, and following an order waits for the backend's outcome.

use crate::support::Env;
use linli_wire::ErrorCode;
use linli_wire::bills::{BillState, ClientAction, PaymentChannel, PaymentOrderState};

/// The `action` URL of the checkout page's form for `what` (`confirm` or `fail`).
pub(crate) fn form_action(html: &str, what: &str) -> String {
    let marker = format!("data-action=\"{what}\"");
    let form = html
        .split("<form")
        .find(|f| f.contains(&marker))
        .expect("the checkout page has the form");
    let start = form.find("action=\"").expect("an action") + "action=\"".len();
    let end = form[start..].find('"').expect("quoted") + start;
    form[start..end].replace("&amp;", "&")
}

/// Signs Wang Fang in, syncs, and opens a payment order for her first unpaid bill; the core,
/// that bill and the `action` URL of the checkout page's confirm form.
async fn checkout_for_unpaid_bill(
    env: &Env,
) -> (
    linli_core::Core,
    linli_wire::bills::Bill,
    linli_wire::bills::PaymentOrder,
    String,
) {
    let (core, _) = env.signed_in().await;
    core.sync_now().await.expect("sync");
    let (unpaid, order) = crate::support::pay_first_unpaid(&core).await;
    let page = core.checkout_page(order.id).await.expect("page");
    let confirm = form_action(&page, "confirm");
    (core, unpaid, order, confirm)
}

/// The cached bill `id`, as the app shows it.
async fn cached_bill(core: &linli_core::Core, id: linli_wire::BillId) -> linli_wire::bills::Bill {
    core.bills()
        .await
        .expect("bills")
        .into_iter()
        .find(|b| b.id == id)
        .expect("the bill")
}

/// A client that trusts the test server, standing for the payer's browser at the provider.
pub(crate) fn payer(env: &Env) -> reqwest::Client {
    reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(
            reqwest::Certificate::from_pem(env.server.ca_pem().as_bytes()).expect("pem"),
        )
        .build()
        .expect("client")
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
    let bill = cached_bill(&core, unpaid.id).await;
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
    let (core, unpaid, order, confirm) = checkout_for_unpaid_bill(&env).await;
    core.shutdown().await;
    drop(core);

    // The payer finished in the provider's page while the app was closed, and the provider's
    // notification never arrived.
    env.server.lose_payment_notifications(true).await;
    // The app starts again a little later (the backend asks a provider at most every 5 s).
    env.server.advance_clock(std::time::Duration::from_secs(10));
    let client = payer(&env);
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
    // The backend asks the provider about its open orders by itself (housekeeping); the
    // outcome reaches the app through the change feed, and the bills it settled are re-read.
    env.server.settle_payments().await;
    core.sync_now().await.expect("sync");
    let followed = core
        .payment_orders()
        .await
        .expect("history")
        .into_iter()
        .find(|o| o.id == order.id)
        .expect("the order");
    assert_eq!(followed.state, PaymentOrderState::Succeeded);
    let bill = cached_bill(&core, unpaid.id).await;
    assert_eq!(bill.state, BillState::Paid);
    let second = core
        .pay(&[unpaid.id], PaymentChannel::Demo)
        .await
        .expect_err("paid");
    assert_eq!(second.code(), ErrorCode::AlreadyPaid);
}

#[tokio::test]
async fn following_a_payment_waits_for_the_backends_outcome() {
    let env = Env::start().await;
    let (core, unpaid, order, confirm) = checkout_for_unpaid_bill(&env).await;
    let client = payer(&env);
    // The app waits while the payer confirms in the provider's own page (outside the app).
    let (followed, confirmed) = tokio::join!(core.follow_payment(order.id), async {
        client
            .post(&confirm)
            .send()
            .await
            .expect("confirm")
            .status()
    });
    assert!(confirmed.is_success(), "{confirmed}");
    let followed = followed.expect("followed");
    assert_eq!(
        followed.state,
        PaymentOrderState::Succeeded,
        "it returned with the backend's outcome, not before"
    );
    let bill = cached_bill(&core, unpaid.id).await;
    assert_eq!(
        bill.state,
        BillState::Paid,
        "the bills followed the outcome"
    );
}

/// Runs a poppler tool; the tests need poppler-utils (installed by `cargo xtask test`).
fn poppler(tool: &str, args: &[&std::ffi::OsStr]) -> std::process::Output {
    std::process::Command::new(tool)
        .args(args)
        .output()
        .unwrap_or_else(|err| panic!("{tool} (poppler-utils) must be installed: {err}"))
}

#[tokio::test]
async fn a_receipt_exports_as_a_pdf_that_renders_and_the_ledger_as_csv() {
    let env = Env::start().await;
    let (core, _) = env.signed_in().await;
    core.sync_now().await.expect("sync");
    let receipt = core.receipts().await.expect("receipts").remove(0);
    env.server.stop().await; // exporting works offline, from the cache
    let path = std::path::PathBuf::from(core.export_receipt_pdf(receipt.id).await.expect("pdf"));
    let bytes = std::fs::read(&path).expect("read the pdf");
    assert!(bytes.starts_with(b"%PDF-"), "a PDF file");
    if let Some(dir) = std::env::var_os("LINLI_ARTIFACTS") {
        // Kept for people to look at (`cargo xtask test` sets this).
        let _ = std::fs::create_dir_all(&dir);
        let _ = std::fs::copy(&path, std::path::Path::new(&dir).join("receipt.pdf"));
    }

    // poppler renders it to a picture with real ink on it …
    let out = tempfile::tempdir().expect("tempdir");
    let prefix = out.path().join("page");
    let rendered = poppler(
        "pdftoppm",
        &[
            "-png".as_ref(),
            "-r".as_ref(),
            "72".as_ref(),
            path.as_os_str(),
            prefix.as_os_str(),
        ],
    );
    assert!(
        rendered.status.success(),
        "pdftoppm: {}",
        String::from_utf8_lossy(&rendered.stderr)
    );
    let page = image::open(out.path().join("page-1.png"))
        .expect("page 1 rendered")
        .to_luma8();
    let dark = page.pixels().filter(|p| p.0[0] < 128).count();
    assert!(dark > 2_000, "the page has text on it ({dark} dark pixels)");

    // … and its text is real text: Chinese, the number and the amount can be read back.
    let text = poppler(
        "pdftotext",
        &[
            "-enc".as_ref(),
            "UTF-8".as_ref(),
            path.as_os_str(),
            "-".as_ref(),
        ],
    );
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("收款收据"), "{text}");
    assert!(text.contains(&receipt.number), "{text}");
    assert!(
        text.contains(&linli_core::documents::yuan(receipt.amount_minor)),
        "{text}"
    );
    assert!(text.contains("王芳") && text.contains("翠湖花园"), "{text}");

    let period = core.ledger().await.expect("ledger").remove(0);
    let csv = std::fs::read(core.export_ledger_csv(&period.period).await.expect("csv"))
        .expect("read csv");
    let csv = String::from_utf8(csv).expect("UTF-8");
    assert!(
        csv.starts_with('\u{feff}'),
        "a BOM so spreadsheets read Chinese"
    );
    assert_eq!(
        csv.lines().count(),
        period.lines.len() + 4,
        "header, lines, three totals"
    );
    assert!(csv.contains(&format!(
        "结余,{}",
        linli_core::documents::yuan(period.balance_minor)
    )));
}
