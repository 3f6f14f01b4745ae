//! Sign-in throttling as an attacker meets it: attempts reserved before argon2 runs (parallel
//! guesses try at most the budget), a budget per client address across phones, a budget per
//! (phone, address) so a stranger cannot lock the owner out, and SMS-code tries counted by
//! the same mechanism.

use crate::{Fixture, expect_problem};
use linli_server::features::auth::MAX_FAILURES;
use linli_server::seed::{DEMO_PASSWORD, LI_QIANG_PHONE};
use linli_server::serve::AuthOptions;
use reqwest::{Method, StatusCode};
use serde_json::json;

const STRANGER: [u8; 4] = [127, 0, 0, 2];
const OWNER: [u8; 4] = [127, 0, 0, 3];

fn retry_after(response: &reqwest::Response) -> u64 {
    response
        .headers()
        .get("retry-after")
        .expect("the refusal says how long to wait (Retry-After)")
        .to_str()
        .expect("ascii")
        .parse()
        .expect("delta-seconds")
}

#[tokio::test]
async fn forty_parallel_wrong_passwords_try_at_most_the_budget() {
    let fx = Fixture::start().await;
    let client = fx.client_from(STRANGER);
    let attempts = (0..40).map(|n| {
        let (fx, client) = (&fx, &client);
        async move {
            fx.try_password(client, LI_QIANG_PHONE, &format!("guess{n}"))
                .await
                .status()
        }
    });
    let statuses = futures::future::join_all(attempts).await;
    let tried = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let limited = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(
        tried,
        usize::try_from(MAX_FAILURES).expect("small"),
        "exactly the budget is checked against the password, however many arrive at once: \
         {statuses:?}"
    );
    assert_eq!(
        tried + limited,
        40,
        "the rest are refused unchecked: {statuses:?}"
    );
    assert_eq!(
        fx.server.state.password_checks.checked(),
        u64::try_from(MAX_FAILURES).expect("small"),
        "argon2 ran only for the reserved attempts"
    );
}

#[tokio::test]
async fn a_strangers_wrong_passwords_do_not_lock_the_owner_out() {
    let fx = Fixture::start().await;
    let stranger = fx.client_from(STRANGER);
    for n in 0..20 {
        let response = fx
            .try_password(&stranger, LI_QIANG_PHONE, &format!("guess{n}"))
            .await;
        let expected = if n < MAX_FAILURES {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::TOO_MANY_REQUESTS
        };
        assert_eq!(response.status(), expected, "the stranger's try {n}");
    }
    let owner = fx.client_from(OWNER);
    let response = fx.try_password(&owner, LI_QIANG_PHONE, DEMO_PASSWORD).await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "the owner, from her own address, signs in at once"
    );
    let response = fx
        .try_password(&stranger, LI_QIANG_PHONE, DEMO_PASSWORD)
        .await;
    expect_problem(response, 429, "rate-limited").await;
}

#[tokio::test]
async fn one_password_over_many_phones_is_slowed_per_address() {
    let fx = Fixture::start().await;
    let stranger = fx.client_from(STRANGER);
    // Unknown numbers cost argon2 all the same (the decoy hash); 25 of them at once.
    let attempts = (0..25).map(|n| {
        let (fx, stranger) = (&fx, &stranger);
        async move {
            fx.try_password(stranger, &format!("139{n:08}"), "123456")
                .await
                .status()
        }
    });
    let statuses = futures::future::join_all(attempts).await;
    let tried = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    assert_eq!(
        tried,
        usize::try_from(linli_server::features::auth::ADDRESS_FAILURES).expect("small"),
        "one address gets its budget across all phones, not a budget per phone: {statuses:?}"
    );
    let next = fx.try_password(&stranger, "13912345678", "123456").await;
    assert!(
        (1..=15 * 60).contains(&retry_after(&next)),
        "until the oldest failure leaves the window"
    );
    expect_problem(next, 429, "rate-limited").await;
    let owner = fx.client_from(OWNER);
    let response = fx.try_password(&owner, LI_QIANG_PHONE, DEMO_PASSWORD).await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "another address is not slowed"
    );
    // The spent address may still sign in by a code that reached the phone.
    let asked = stranger
        .post(fx.url("/v1/auth/sms-codes"))
        .json(&json!({ "phone": DEMO_NEIGHBOUR }))
        .send()
        .await
        .expect("ask");
    assert_eq!(asked.status(), StatusCode::ACCEPTED);
    let by_code = stranger
        .post(fx.url("/v1/auth/sms-login"))
        .json(&json!({"phone": DEMO_NEIGHBOUR, "code": fx.sms_code(DEMO_NEIGHBOUR).await}))
        .send()
        .await
        .expect("sms login");
    assert_eq!(
        by_code.status(),
        StatusCode::OK,
        "a right code is never held back by the address's password budget"
    );
}

/// A resident behind the same address as the guesser (one carrier NAT address).
const DEMO_NEIGHBOUR: &str = linli_server::seed::ZHANG_WEI_PHONE;

#[tokio::test]
async fn wrong_sms_codes_and_wrong_passwords_share_one_budget() {
    let fx = Fixture::start().await;
    let stranger = fx.client_from(STRANGER);
    let asked = fx
        .request(Method::POST, "/v1/auth/sms-codes", None)
        .json(&json!({ "phone": LI_QIANG_PHONE }))
        .send()
        .await
        .expect("ask");
    assert_eq!(asked.status(), StatusCode::ACCEPTED);
    let code: u32 = fx.sms_code(LI_QIANG_PHONE).await.parse().expect("digits");
    for n in 1..=3 {
        let wrong = stranger
            .post(fx.url("/v1/auth/sms-login"))
            .json(
                &json!({"phone": LI_QIANG_PHONE, "code": format!("{:06}", (code + n) % 1_000_000)}),
            )
            .send()
            .await
            .expect("sms login");
        expect_problem(wrong, 401, "sms-code-invalid").await;
    }
    for n in 0..2 {
        let wrong = fx
            .try_password(&stranger, LI_QIANG_PHONE, &format!("guess{n}"))
            .await;
        expect_problem(wrong, 401, "invalid-credentials").await;
    }
    let sixth = fx
        .try_password(&stranger, LI_QIANG_PHONE, "guess-again")
        .await;
    expect_problem(sixth, 429, "rate-limited").await;
    // The owner's right code, from her phone's address, still signs her in.
    let owner = fx.client_from(OWNER);
    let right = owner
        .post(fx.url("/v1/auth/sms-login"))
        .json(&json!({"phone": LI_QIANG_PHONE, "code": format!("{code:06}")}))
        .send()
        .await
        .expect("sms login");
    assert_eq!(
        right.status(),
        StatusCode::OK,
        "a right code is never throttled away"
    );
}

#[tokio::test]
async fn many_addresses_guessing_one_phone_are_spaced_not_blocked() {
    let fx = Fixture::start().await;
    // Four addresses spend their whole budgets on one phone: its ceiling.
    for host in 10..14 {
        let guesser = fx.client_from([127, 0, 0, host]);
        for n in 0..MAX_FAILURES {
            let wrong = fx
                .try_password(&guesser, LI_QIANG_PHONE, &format!("guess{host}-{n}"))
                .await;
            expect_problem(wrong, 401, "invalid-credentials").await;
        }
    }
    let fifth = fx.client_from([127, 0, 0, 14]);
    let spaced = fx.try_password(&fifth, LI_QIANG_PHONE, "guess-fifth").await;
    let wait = retry_after(&spaced);
    assert!((1..=10).contains(&wait), "spaced 10 s at first, not {wait}");
    expect_problem(spaced, 429, "rate-limited").await;

    // The owner is slowed like everyone, never blocked: her code signs her in meanwhile, and
    // her password once the spacing has passed.
    let owner = fx.client_from(OWNER);
    let asked = owner
        .post(fx.url("/v1/auth/sms-codes"))
        .json(&json!({ "phone": LI_QIANG_PHONE }))
        .send()
        .await
        .expect("ask");
    assert_eq!(asked.status(), StatusCode::ACCEPTED);
    let by_code = owner
        .post(fx.url("/v1/auth/sms-login"))
        .json(&json!({"phone": LI_QIANG_PHONE, "code": fx.sms_code(LI_QIANG_PHONE).await}))
        .send()
        .await
        .expect("sms login");
    assert_eq!(
        by_code.status(),
        StatusCode::OK,
        "a right code is not spaced"
    );
    fx.clock.advance(std::time::Duration::from_secs(wait));
    let by_password = fx.try_password(&owner, LI_QIANG_PHONE, DEMO_PASSWORD).await;
    assert_eq!(
        by_password.status(),
        StatusCode::OK,
        "after the spacing, at once"
    );
}

#[tokio::test]
async fn a_sign_in_finding_no_hashing_capacity_is_told_to_come_back() {
    let fx = Fixture::start_with(AuthOptions {
        hash_permits: Some(1),
        hash_wait: std::time::Duration::from_millis(50),
        ..AuthOptions::default()
    })
    .await;
    let checks = fx.server.state.password_checks.clone();
    let held = checks.hold_all().await;
    let busy = fx
        .try_password(&fx.client, LI_QIANG_PHONE, DEMO_PASSWORD)
        .await;
    assert!(retry_after(&busy) >= 1, "Retry-After on a 503");
    expect_problem(busy, 503, "service-unavailable").await;
    assert_eq!(checks.checked(), 0, "argon2 never ran without a permit");
    assert_eq!(
        fx.count(
            "SELECT COUNT(*) FROM sign_in_attempts WHERE phone = ?",
            LI_QIANG_PHONE
        )
        .await,
        0,
        "an attempt that could not be checked does not count against the resident"
    );
    drop(held);
    let response = fx
        .try_password(&fx.client, LI_QIANG_PHONE, DEMO_PASSWORD)
        .await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "capacity again: signed in"
    );
    assert_eq!(checks.checked(), 1);
}

/// Default: `X-Forwarded-For` is whatever the client claims, so it changes nothing. With the
/// operator's trusted proxy header, its last address is the client.
#[tokio::test]
async fn a_forwarded_address_counts_only_behind_a_configured_proxy() {
    let fx = Fixture::start().await;
    for n in 0..MAX_FAILURES {
        let wrong = fx
            .request(Method::POST, "/v1/auth/login", None)
            .header("x-forwarded-for", format!("203.0.113.{n}"))
            .json(&json!({"phone": LI_QIANG_PHONE, "password": "guess"}))
            .send()
            .await
            .expect("login");
        expect_problem(wrong, 401, "invalid-credentials").await;
    }
    let claimed = fx
        .request(Method::POST, "/v1/auth/login", None)
        .header("x-forwarded-for", "198.51.100.7")
        .json(&json!({"phone": LI_QIANG_PHONE, "password": DEMO_PASSWORD}))
        .send()
        .await
        .expect("login");
    expect_problem(claimed, 429, "rate-limited").await;

    let fx = Fixture::start_with(AuthOptions {
        client_ip_header: Some(reqwest::header::HeaderName::from_static("x-forwarded-for")),
        ..AuthOptions::default()
    })
    .await;
    let via_proxy = |forwarded: &'static str, password: &'static str| {
        fx.request(Method::POST, "/v1/auth/login", None)
            .header("x-forwarded-for", forwarded)
            .json(&json!({"phone": LI_QIANG_PHONE, "password": password}))
            .send()
    };
    for _ in 0..MAX_FAILURES {
        let wrong = via_proxy("10.9.9.9, 203.0.113.5", "guess")
            .await
            .expect("login");
        expect_problem(wrong, 401, "invalid-credentials").await;
    }
    let spoofed = via_proxy("198.51.100.7, 203.0.113.5", DEMO_PASSWORD)
        .await
        .expect("login");
    expect_problem(spoofed, 429, "rate-limited").await;
    let owner = via_proxy("203.0.113.5, 198.51.100.7", DEMO_PASSWORD)
        .await
        .expect("login");
    assert_eq!(
        owner.status(),
        StatusCode::OK,
        "the address the proxy saw is the owner's own"
    );
}
