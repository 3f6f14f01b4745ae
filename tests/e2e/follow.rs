//! `follow_payment` on the injected clock: it asks the backend with growing pauses, stops at
//! the first answer at or past its two-minute limit of the client's time, and waits out an
//! offline spell. The test moves the clock through every pause; nothing waits for real time.
//! Polls are counted at the proxy.

use crate::rig::Rig;
use hyper::Method;
use linli_core::bills::FOLLOW_FOR;
use linli_server::testing::{DEMO_PASSWORD, WANG_FANG_PHONE};
use linli_wire::bills::{ClientAction, PaymentOrder, PaymentOrderState};
use std::time::Duration;

/// The payer's browser: it talks to the backend (the provider's page) itself.
fn payer(rig: &Rig) -> reqwest::Client {
    reqwest::Client::builder()
        .add_root_certificate(
            reqwest::Certificate::from_pem(rig.env.server.ca_pem().as_bytes()).expect("pem"),
        )
        .build()
        .expect("the payer's browser")
}

/// Wang Fang with an open order, and the URL of its checkout page's confirm form.
async fn open_order(rig: &Rig) -> (linli_core::Core, PaymentOrder, String) {
    let core = rig.open(false).await;
    core.sign_in(WANG_FANG_PHONE, DEMO_PASSWORD)
        .await
        .expect("sign in");
    let (_, order) = crate::support::pay_first_unpaid(&core).await;
    let Some(ClientAction::DemoConfirm { url }) = order.client_action.clone() else {
        panic!("a demo checkout: {order:?}");
    };
    let page = payer(rig)
        .get(&url)
        .send()
        .await
        .expect("the checkout page")
        .text()
        .await
        .expect("its text");
    let action = crate::bills::form_action(&page, "confirm");
    let confirm = if action.starts_with("https://") {
        action
    } else {
        format!("{}{action}", rig.env.server.base_url())
    };
    (core, order, confirm)
}

/// Follows `order` on its own task, ending each pause by moving the clock to its deadline;
/// `between` runs before each move with the time the pause would end. Answers the result and
/// the pauses taken.
async fn drive(
    rig: &Rig,
    core: &linli_core::Core,
    order: &PaymentOrder,
    mut between: impl AsyncFnMut(Duration),
) -> (Result<PaymentOrder, linli_core::Error>, Vec<Duration>) {
    let started = rig.clock.now_at();
    let mut follow = tokio::spawn({
        let (core, id) = (core.clone(), order.id);
        async move { core.follow_payment(id).await }
    });
    let mut pauses = Vec::new();
    loop {
        tokio::select! {
            biased;
            done = &mut follow => return (done.expect("the follow task ran"), pauses),
            view = rig.clock.until("a pause of follow_payment", |v| v.waiting.len() == 1) => {
                let wake = view.waiting[0];
                pauses.push((wake - view.now).to_std().expect("forward"));
                between((wake - started).to_std().expect("forward")).await;
                rig.clock.set(wake);
            }
        }
    }
}

#[tokio::test]
async fn following_stops_at_the_two_minute_limit_of_the_client_clock() {
    let rig = Rig::start().await;
    let (core, order, _) = open_order(&rig).await;
    let polls = format!("/v1/payment-orders/{}", order.id);
    let polls_before = rig.proxy.count(&Method::GET, &polls);
    let started = rig.clock.now_at();
    let (result, pauses) = drive(&rig, &core, &order, async |_| {}).await;
    let followed = result.expect("the order as last seen");
    assert_eq!(
        followed.state,
        PaymentOrderState::AwaitingPayment,
        "nobody paid"
    );
    let elapsed = (rig.clock.now_at() - started).to_std().expect("forward");
    let last = *pauses.last().expect("it paused");
    assert!(
        elapsed >= FOLLOW_FOR && elapsed - last < FOLLOW_FOR,
        "it stopped at the first answer at or past {FOLLOW_FOR:?}: {elapsed:?}"
    );
    assert_eq!(
        rig.proxy.count(&Method::GET, &polls) - polls_before,
        pauses.len() + 1,
        "one poll before each pause and one after the last"
    );
    assert_eq!(
        pauses[0],
        Duration::from_millis(500),
        "the first pause is short"
    );
    assert!(
        pauses.windows(2).all(|w| w[0] <= w[1]) && last == Duration::from_secs(5),
        "the pauses grow to 5 s: {pauses:?}"
    );
    core.shutdown().await;
}

#[tokio::test]
async fn following_waits_out_an_offline_spell_and_returns_the_backends_outcome() {
    let rig = Rig::start().await;
    let (core, order, confirm) = open_order(&rig).await;
    let payer = payer(&rig);
    let offline_from = Duration::from_secs(5);
    let online_from = Duration::from_secs(60);
    let mut paid = false;
    let (result, _) = drive(&rig, &core, &order, async |at| {
        if at >= offline_from && at < online_from {
            rig.proxy.set_down(true);
        } else if at >= online_from && !paid {
            rig.proxy.set_down(false);
            // The payer confirmed in the provider's page while the app was offline.
            let status = payer.post(&confirm).send().await.expect("confirm").status();
            assert!(status.is_success(), "{status}");
            paid = true;
        }
    })
    .await;
    let followed = result.expect("followed through the offline spell");
    assert_eq!(
        followed.state,
        PaymentOrderState::Succeeded,
        "the backend's outcome after the network returned"
    );
    let offline_polls = rig
        .proxy
        .seen()
        .iter()
        .filter(|s| s.status.is_none() && s.path.starts_with("/v1/payment-orders/"))
        .count();
    assert!(
        offline_polls >= 5,
        "it kept asking while offline ({offline_polls} polls lost)"
    );
    assert!(paid, "the spell ended before the limit");
    core.shutdown().await;
}
