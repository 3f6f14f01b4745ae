//! The HTTP layer's own checks: URLs, problems, `Retry-After`.

use super::*;

#[test]
fn https_is_required_except_to_loopback() {
    assert!(check_base_url("https://wuye.example.cn").is_ok());
    assert!(check_base_url("https://127.0.0.1:8443/").is_ok());
    assert!(
        check_base_url("http://127.0.0.1:8080").is_ok(),
        "loopback v4"
    );
    assert!(
        check_base_url("http://127.8.0.1:8080").is_ok(),
        "all of 127/8"
    );
    assert!(check_base_url("http://[::1]:8080").is_ok(), "loopback v6");
    assert!(check_base_url("http://localhost:8080").is_ok());
    for bad in [
        "http://wuye.example.cn",
        "http://192.168.1.10:8080",
        "http://127.0.0.1.nip.io",
        "ftp://127.0.0.1",
        "not a url",
        "https://",
    ] {
        let err = check_base_url(bad).expect_err(bad);
        assert_eq!(err.code(), ErrorCode::InsecureUrl, "{bad} must be refused");
    }
}

#[test]
fn authority_includes_default_port() {
    let url = check_base_url("https://wuye.example.cn").expect("url");
    assert_eq!(authority(&url), "wuye.example.cn:443");
    let url = check_base_url("https://127.0.0.1:8443/api").expect("url");
    assert_eq!(authority(&url), "127.0.0.1:8443");
}

#[test]
fn linli_problem_keeps_its_code() {
    let body = br#"{"type":"https://linli.app/problems/token-expired","title":"Expired",
        "status":401,"code":"token-expired"}"#;
    let problem = parse_problem(401, body);
    assert_eq!(problem.code, ErrorCode::TokenExpired);
    assert_eq!(problem.title, "Expired");
}

#[test]
fn newer_linli_code_stays_unknown() {
    let body = br#"{"type":"https://linli.app/problems/brand-new","title":"t","status":409,
        "code":"brand-new"}"#;
    assert_eq!(parse_problem(409, body).code, ErrorCode::Unknown);
}

#[test]
fn foreign_problem_and_non_json_are_bad_response() {
    let foreign = br#"{"type":"about:blank","title":"Bad Gateway","status":502}"#;
    let problem = parse_problem(502, foreign);
    assert_eq!(problem.code, ErrorCode::BadResponse, "no code to trust");
    assert_eq!(problem.status, 502, "status kept for retry decisions");

    let html = b"<html><body>502 Bad Gateway</body></html>";
    let problem = parse_problem(502, html);
    assert_eq!(problem.code, ErrorCode::BadResponse);
    assert_eq!(problem.status, 502);

    assert_eq!(parse_problem(500, b"").code, ErrorCode::BadResponse);
    assert_eq!(
        parse_problem(500, br#"{"code":7}"#).code,
        ErrorCode::BadResponse
    );
}

#[test]
fn retry_after_seconds_and_dates() {
    let now = DateTime::parse_from_rfc3339("2025-06-01T08:00:00Z")
        .expect("date")
        .with_timezone(&Utc);
    assert_eq!(
        parse_retry_after("120", now),
        Some(Duration::from_secs(120))
    );
    assert_eq!(
        parse_retry_after("Sun, 01 Jun 2025 08:00:30 GMT", now),
        Some(Duration::from_secs(30))
    );
    assert_eq!(
        parse_retry_after("Sun, 01 Jun 2025 07:00:00 GMT", now),
        Some(Duration::ZERO),
        "a date in the past means now"
    );
    assert_eq!(parse_retry_after("soon", now), None);
}
