//! Sign-in by SMS code: the same answer for every number, codes read from the built-in
//! sender's outbox (what a phone would have received), one use, five tries, five minutes,
//! spacing and daily caps, and registration of a new number with no home.

use crate::{Fixture, access, expect_problem};
use linli_server::features::auth::sms::outbox;
use linli_server::seed::WANG_FANG_PHONE;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

const NEW_PHONE: &str = "13900000077";

async fn ask(fx: &Fixture, phone: &str) -> reqwest::Response {
    fx.request(Method::POST, "/v1/auth/sms-codes", None)
        .json(&json!({ "phone": phone }))
        .send()
        .await
        .expect("ask for a code")
}

async fn sign_in(fx: &Fixture, phone: &str, code: &str) -> reqwest::Response {
    fx.request(Method::POST, "/v1/auth/sms-login", None)
        .json(&json!({ "phone": phone, "code": code }))
        .send()
        .await
        .expect("sign in by code")
}

/// A 6-digit code that is not `code`.
fn other_than(code: &str) -> String {
    let n: u32 = code.parse().expect("digits");
    format!("{:06}", (n + 1) % 1_000_000)
}

fn retry_after(response: &reqwest::Response) -> u64 {
    response.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("delta-seconds")
}

#[tokio::test]
async fn every_valid_number_gets_the_same_answer_and_only_a_hash_is_kept() {
    let fx = Fixture::start().await;
    let known = ask(&fx, WANG_FANG_PHONE).await;
    assert_eq!(known.status(), StatusCode::ACCEPTED);
    let known: Value = known.json().await.expect("json");
    let unknown = ask(&fx, NEW_PHONE).await;
    assert_eq!(unknown.status(), StatusCode::ACCEPTED);
    let unknown: Value = unknown.json().await.expect("json");
    assert_eq!(
        known, unknown,
        "the answer does not tell whether the number has an account"
    );
    assert_eq!(known, json!({"resend_after_s": 60, "expires_in_s": 300}));

    let all = outbox(&fx.server.state.db, None).await.expect("outbox");
    assert_eq!(all.len(), 2, "one message per number");
    let code = fx.sms_code(NEW_PHONE).await;
    assert!(
        all[1].body.contains("5 分钟"),
        "Chinese by default: {}",
        all[1].body
    );
    let stored = fx
        .count(
            "SELECT COUNT(*) FROM sms_codes WHERE instr(hex(code_mac), hex(?1)) > 0 \
             OR instr(phone || client || id, ?1) > 0",
            &code,
        )
        .await;
    assert_eq!(stored, 0, "the code itself is stored nowhere");
}

#[tokio::test]
async fn a_code_signs_in_the_resident_once() {
    let fx = Fixture::start().await;
    let by_password = fx.wang_fang().await;
    let me: Value = fx
        .get("/v1/me", &by_password)
        .await
        .json()
        .await
        .expect("me");
    assert_eq!(
        ask(&fx, WANG_FANG_PHONE).await.status(),
        StatusCode::ACCEPTED
    );
    let code = fx.sms_code(WANG_FANG_PHONE).await;

    let response = sign_in(&fx, "+86 138 0000 0001", &code).await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "+86 and spaces are accepted"
    );
    assert_eq!(
        response.headers()["cache-control"],
        "no-store",
        "RFC 6749 §5.1"
    );
    let tokens: Value = response.json().await.expect("tokens");
    let again: Value = fx
        .get("/v1/me", &access(&tokens))
        .await
        .json()
        .await
        .expect("me");
    assert_eq!(
        again["user"]["id"], me["user"]["id"],
        "the same account as by password"
    );
    assert_eq!(again["memberships"], me["memberships"], "with its homes");

    let replay = sign_in(&fx, WANG_FANG_PHONE, &code).await;
    expect_problem(replay, 401, "sms-code-invalid").await;
}

#[tokio::test]
async fn a_new_number_registers_with_no_home_and_no_password() {
    let fx = Fixture::start().await;
    let users = fx
        .count("SELECT COUNT(*) FROM users WHERE phone <> ?", "")
        .await;
    ask(&fx, NEW_PHONE).await;
    let tokens: Value = sign_in(&fx, NEW_PHONE, &fx.sms_code(NEW_PHONE).await)
        .await
        .json()
        .await
        .expect("tokens");
    let me: Value = fx
        .get("/v1/me", &access(&tokens))
        .await
        .json()
        .await
        .expect("me");
    assert_eq!(me["memberships"], json!([]), "no home until one is bound");
    assert_eq!(me["user"]["phone_masked"], "139****0077");
    assert_eq!(
        fx.count("SELECT COUNT(*) FROM users WHERE phone <> ?", "")
            .await,
        users + 1,
        "one account made"
    );

    fx.clock.advance(Duration::from_secs(61));
    ask(&fx, NEW_PHONE).await;
    let second: Value = sign_in(&fx, NEW_PHONE, &fx.sms_code(NEW_PHONE).await)
        .await
        .json()
        .await
        .expect("tokens");
    let me_again: Value = fx
        .get("/v1/me", &access(&second))
        .await
        .json()
        .await
        .expect("me");
    assert_eq!(
        me_again["user"]["id"], me["user"]["id"],
        "the number keeps its account"
    );

    let by_password = fx
        .request(Method::POST, "/v1/auth/login", None)
        .json(&json!({"phone": NEW_PHONE, "password": ""}))
        .send()
        .await
        .expect("login");
    expect_problem(by_password, 422, "validation-failed").await;
    let by_password = fx
        .request(Method::POST, "/v1/auth/login", None)
        .json(&json!({"phone": NEW_PHONE, "password": "anything"}))
        .send()
        .await
        .expect("login");
    expect_problem(by_password, 401, "invalid-credentials").await;
}

#[tokio::test]
async fn five_wrong_tries_void_the_code() {
    let fx = Fixture::start().await;
    ask(&fx, WANG_FANG_PHONE).await;
    let code = fx.sms_code(WANG_FANG_PHONE).await;
    for try_no in 1..=5 {
        let wrong = sign_in(&fx, WANG_FANG_PHONE, &other_than(&code)).await;
        let body = expect_problem(wrong, 401, "sms-code-invalid").await;
        assert!(body["detail"].is_string(), "try {try_no} explains itself");
    }
    let right = sign_in(&fx, WANG_FANG_PHONE, &code).await;
    expect_problem(right, 401, "sms-code-invalid").await;

    fx.clock.advance(Duration::from_secs(61));
    ask(&fx, WANG_FANG_PHONE).await;
    let fresh = sign_in(&fx, WANG_FANG_PHONE, &fx.sms_code(WANG_FANG_PHONE).await).await;
    assert_eq!(fresh.status(), StatusCode::OK, "a new code works again");
}

#[tokio::test]
async fn a_code_lasts_five_minutes_and_a_new_one_voids_it() {
    let fx = Fixture::start().await;
    ask(&fx, WANG_FANG_PHONE).await;
    let first = fx.sms_code(WANG_FANG_PHONE).await;
    fx.clock.advance(Duration::from_secs(61));
    ask(&fx, WANG_FANG_PHONE).await;
    let second = fx.sms_code(WANG_FANG_PHONE).await;
    if first != second {
        let old = sign_in(&fx, WANG_FANG_PHONE, &first).await;
        expect_problem(old, 401, "sms-code-invalid").await;
    }
    fx.clock.advance(Duration::from_secs(301));
    let late = sign_in(&fx, WANG_FANG_PHONE, &second).await;
    expect_problem(late, 401, "sms-code-invalid").await;
}

#[tokio::test]
async fn codes_are_spaced_a_minute_and_ten_a_day_per_number() {
    let fx = Fixture::start().await;
    assert_eq!(ask(&fx, NEW_PHONE).await.status(), StatusCode::ACCEPTED);
    let soon = ask(&fx, NEW_PHONE).await;
    let wait = retry_after(&soon);
    assert!(
        (1..=60).contains(&wait),
        "wait the rest of the minute, not {wait}"
    );
    expect_problem(soon, 429, "rate-limited").await;
    for _ in 1..10 {
        fx.clock.advance(Duration::from_secs(61));
        // Moving the clock may cross Beijing midnight, which starts a new day's count: then
        // the cap is reached later, never sooner.
        assert_eq!(ask(&fx, NEW_PHONE).await.status(), StatusCode::ACCEPTED);
    }
    fx.clock.advance(Duration::from_secs(61));
    let capped = ask(&fx, NEW_PHONE).await;
    if capped.status() == StatusCode::TOO_MANY_REQUESTS {
        let wait = retry_after(&capped);
        assert!(
            wait > 60 && wait <= 86_400,
            "until Beijing midnight, not {wait}"
        );
        expect_problem(capped, 429, "rate-limited").await;
    }
    let sent = outbox(&fx.server.state.db, Some(NEW_PHONE))
        .await
        .expect("outbox");
    assert!(
        sent.len() <= 11,
        "refused asks send nothing: {} sent",
        sent.len()
    );
    assert!(sent.len() >= 10, "every accepted ask sent one");
}

#[tokio::test]
async fn one_address_may_ask_fifty_codes_a_day() {
    let fx = Fixture::start().await;
    fx.clock.freeze();
    for n in 0..50 {
        let phone = format!("1390000{n:04}");
        assert_eq!(
            ask(&fx, &phone).await.status(),
            StatusCode::ACCEPTED,
            "ask {n}"
        );
    }
    let capped = ask(&fx, "13911112222").await;
    expect_problem(capped, 429, "rate-limited").await;
    let sent = outbox(&fx.server.state.db, Some("13911112222"))
        .await
        .expect("outbox");
    assert!(sent.is_empty(), "the refused ask sent nothing");
}

#[tokio::test]
async fn malformed_numbers_and_codes_are_refused_with_pointers() {
    let fx = Fixture::start().await;
    let body = expect_problem(ask(&fx, "12345").await, 422, "validation-failed").await;
    assert_eq!(body["errors"][0]["pointer"], "/phone");
    let body = expect_problem(
        sign_in(&fx, "12345", "123456").await,
        422,
        "validation-failed",
    )
    .await;
    assert_eq!(body["errors"][0]["pointer"], "/phone");
    let body = expect_problem(
        sign_in(&fx, WANG_FANG_PHONE, "12ab56").await,
        422,
        "validation-failed",
    )
    .await;
    assert_eq!(body["errors"][0]["pointer"], "/code");
    let none = sign_in(&fx, WANG_FANG_PHONE, "123456").await;
    expect_problem(none, 401, "sms-code-invalid").await;
}
