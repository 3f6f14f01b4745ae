//! The demo provider's checkout page as an attacker meets it: its URL comes from the server's
//! configuration whatever `Host` a request names, its secret is a path segment the request
//! log never writes, and every answer forbids framing, referrers, caching and anything but
//! its own style.

use crate::bills::{bills, household, unpaid};
use crate::{Fixture, expect_problem};
use reqwest::header::HOST;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

/// An HTTP/1.1 client trusting the fixture's CA: there the `Host` header is what names the
/// server (HTTP/2 has `:authority`), so a forged one reaches the handlers.
fn http1(fx: &Fixture) -> reqwest::Client {
    let ca = std::fs::read(&fx.server.ca_path).expect("ca");
    reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(&ca).expect("pem"))
        .http1_only()
        .build()
        .expect("client")
}

/// Opens an order for the first unpaid bill over HTTP/1.1, the request naming `host` as its
/// `Host`.
async fn order_naming(fx: &Fixture, token: &str, host: &str) -> Value {
    let membership = household(fx, token).await;
    let open = unpaid(&bills(fx, token, &membership).await);
    let key = Uuid::now_v7().to_string();
    let response = http1(fx)
        .post(fx.url("/v1/payment-orders"))
        .bearer_auth(token)
        .header(HOST, host)
        .header("Idempotency-Key", format!("\"{key}\""))
        .json(&json!({
            "id": key,
            "membership_id": membership,
            "bill_ids": [open[0]["id"]],
            "channel": "demo",
            "amount_expected_minor": open[0]["due_minor"],
            "currency": "CNY",
        }))
        .send()
        .await
        .expect("create order");
    assert_eq!(response.status(), StatusCode::CREATED, "an order");
    response.json().await.expect("order")
}

fn checkout_url(order: &Value) -> String {
    order["client_action"]["url"]
        .as_str()
        .expect("a demo checkout URL")
        .to_owned()
}

#[tokio::test]
async fn the_checkout_url_comes_from_configuration_never_from_the_host_header() {
    let fx = Fixture::configured(Some("https://pay.linli.test:9443/")).await;
    let token = fx.wang_fang().await;
    let order = order_naming(&fx, &token, "evil.example").await;
    let url = checkout_url(&order);
    assert!(
        url.starts_with("https://pay.linli.test:9443/demo-pay/"),
        "the configured public URL, not the Host the request named: {url}"
    );
    let id = order["id"].as_str().expect("id");
    let again: Value = fx
        .request(
            Method::GET,
            &format!("/v1/payment-orders/{id}"),
            Some(&token),
        )
        .header(HOST, "evil.example:1")
        .send()
        .await
        .expect("order")
        .json()
        .await
        .expect("json");
    assert_eq!(
        checkout_url(&again),
        url,
        "every rendering of the order agrees"
    );

    // Without configuration: the address it listens on, still not the Host header.
    let fx = Fixture::start().await;
    let token = fx.wang_fang().await;
    let url = checkout_url(&order_naming(&fx, &token, "evil.example").await);
    assert!(
        url.starts_with(&format!("{}/demo-pay/", fx.server.url)),
        "{url} is on {}",
        fx.server.url
    );
}

#[tokio::test]
async fn the_secret_is_a_path_segment_the_log_never_writes_and_the_page_is_locked_down() {
    let fx = Fixture::start().await;
    let token = fx.wang_fang().await;
    let order = order_naming(&fx, &token, "127.0.0.1").await;
    let url = checkout_url(&order);
    let id = order["id"].as_str().expect("id");
    let secret = url
        .rsplit('/')
        .next()
        .expect("the secret's segment")
        .to_owned();
    assert!(
        !url.contains('?') && secret.len() >= 20,
        "the secret is the last path segment, no query: {url}"
    );

    let page = fx.client.get(&url).send().await.expect("page");
    assert_eq!(page.status(), StatusCode::OK);
    let header = |response: &reqwest::Response, name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let csp = header(&page, "content-security-policy");
    for part in [
        "default-src 'none'",
        "style-src 'sha256-",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(part), "the CSP has {part}: {csp}");
    }
    assert!(!csp.contains("unsafe"), "no unsafe source: {csp}");
    assert_eq!(header(&page, "x-frame-options"), "DENY");
    assert_eq!(header(&page, "referrer-policy"), "no-referrer");
    assert_eq!(header(&page, "cache-control"), "no-store");
    let html = page.text().await.expect("html");
    assert!(
        html.contains(&format!("{url}/confirm")),
        "the forms post under the same public URL"
    );

    // The old query form is no route any more; a wrong secret is an unknown order.
    let old = fx
        .client
        .get(fx.url(&format!("/demo-pay/{id}?t={secret}")))
        .send()
        .await
        .expect("old form");
    expect_problem(old, 404, "not-found").await;
    let mut wrong = secret.clone().into_bytes();
    let last = wrong.last_mut().expect("a byte");
    *last = if *last == b'A' { b'B' } else { b'A' };
    let wrong = String::from_utf8(wrong).expect("ascii");
    let guessed = fx
        .client
        .get(fx.url(&format!("/demo-pay/{id}/{wrong}")))
        .send()
        .await
        .expect("guess");
    assert_eq!(header(&guessed, "x-frame-options"), "DENY", "refusals too");
    expect_problem(guessed, 404, "not-found").await;

    let paid = fx
        .client
        .post(format!("{url}/confirm"))
        .send()
        .await
        .expect("confirm");
    assert_eq!(paid.status(), StatusCode::OK, "the payer confirms");
    assert_eq!(header(&paid, "cache-control"), "no-store");
    assert!(header(&paid, "content-security-policy").contains("frame-ancestors 'none'"));

    // Everything the server logged (every test's, at trace level: crate::LOG).
    let text = crate::LOG.text();
    assert!(
        !text.contains(&secret) && !text.contains(&wrong),
        "no checkout secret (nor a guess) reaches the log"
    );
    assert!(
        text.contains("/demo-pay/{id}/{token}"),
        "the request log names the route template instead: {text}"
    );
}
