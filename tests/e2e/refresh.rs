//! Single-flight refresh: several calls at once with a spent access token make the backend
//! see exactly one `POST /v1/auth/refresh` (counted at the proxy), and every call succeeds.

use crate::rig::Rig;
use hyper::Method;
use linli_server::testing::{DEMO_PASSWORD, WANG_FANG_PHONE};
use linli_wire::bills::PaymentOrder;
use std::time::Duration;

const CALLERS: usize = 6;

/// Wang Fang signed in (loop off) with a payment order open: a read anyone may repeat.
async fn with_an_order(rig: &Rig) -> (linli_core::Core, PaymentOrder) {
    let core = rig.open(false).await;
    core.sign_in(WANG_FANG_PHONE, DEMO_PASSWORD)
        .await
        .expect("sign in");
    let (_, order) = crate::support::pay_first_unpaid(&core).await;
    (core, order)
}

/// `CALLERS` reads of the order at once, each on its own task.
async fn read_at_once(core: &linli_core::Core, order: &PaymentOrder) {
    let calls: Vec<_> = (0..CALLERS)
        .map(|_| {
            let (core, id) = (core.clone(), order.id);
            tokio::spawn(async move { core.payment_order(id).await })
        })
        .collect();
    for call in calls {
        let read = call.await.expect("the task ran");
        assert_eq!(
            read.expect("every caller succeeds").id,
            order.id,
            "the order"
        );
    }
}

async fn refresh_rows(rig: &Rig) -> i64 {
    rig.env
        .server
        .count("SELECT COUNT(*) FROM refresh_tokens")
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_calls_past_the_expiry_share_one_refresh() {
    let rig = Rig::start().await;
    let (core, order) = with_an_order(&rig).await;
    let rows = refresh_rows(&rig).await;
    assert_eq!(rig.proxy.count(&Method::POST, "/v1/auth/refresh"), 0);

    // Both clocks pass the access token's 15 minutes: the app knows it must refresh first.
    rig.clock.advance(Duration::from_secs(16 * 60));
    rig.env.server.advance_clock(Duration::from_secs(16 * 60));
    read_at_once(&core, &order).await;
    assert_eq!(
        rig.proxy.count(&Method::POST, "/v1/auth/refresh"),
        1,
        "the backend saw one refresh for {CALLERS} callers"
    );
    assert_eq!(
        refresh_rows(&rig).await,
        rows + 1,
        "one rotation on the backend"
    );
    assert_eq!(
        rig.env
            .server
            .count("SELECT COUNT(*) FROM token_families WHERE revoked_at IS NOT NULL")
            .await,
        0,
        "no reuse was suspected"
    );
    core.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_401s_share_one_refresh() {
    let rig = Rig::start().await;
    let (core, order) = with_an_order(&rig).await;
    let reads_before = rig.proxy.count(&Method::GET, "/v1/payment-orders/");

    // Only the backend's time moves: every caller presents the old token and hears 401. The
    // proxy lets the callers' first reads through only once all have arrived, so all were
    // sent with the old token, however the machine schedules the tasks.
    rig.env.server.advance_clock(Duration::from_secs(16 * 60));
    rig.proxy
        .gather(Method::GET, "/v1/payment-orders/", CALLERS);
    read_at_once(&core, &order).await;
    let refused = rig
        .proxy
        .seen()
        .iter()
        .filter(|s| s.path.starts_with("/v1/payment-orders/") && s.status == Some(401))
        .count();
    assert_eq!(
        refused, CALLERS,
        "every caller was refused before the refresh was done"
    );
    assert_eq!(
        rig.proxy.count(&Method::POST, "/v1/auth/refresh"),
        1,
        "the backend saw one refresh for {refused} refused callers"
    );
    assert_eq!(
        rig.proxy.count(&Method::GET, "/v1/payment-orders/") - reads_before,
        CALLERS + refused,
        "each refused caller retried once"
    );
    core.shutdown().await;
}
