//! Every error is a problem, whatever rejected the request: the extractors of a path, a query
//! or a body, the router (no such route, a method the route does not take), the body limit.
//! The contract lists these shared answers on each operation they apply to.

use crate::{Fixture, expect_problem};
use reqwest::Method;
use reqwest::header::{ALLOW, CONTENT_TYPE};
use serde_json::{Value, json};

/// The header's value, or "" when absent.
pub(crate) fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_path_id_that_does_not_parse_is_a_bad_request_problem() {
    let fx = Fixture::start().await;
    let token = fx.wang_fang().await;
    let response = fx.get("/v1/notices/not-a-uuid", &token).await;
    let body = expect_problem(response, 400, "bad-request").await;
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("not-a-uuid") || d.to_lowercase().contains("uuid")),
        "the detail names what did not parse: {body}"
    );
    assert_eq!(body["instance"], "/v1/notices/not-a-uuid", "{body}");
}

#[tokio::test]
async fn a_query_that_does_not_parse_is_a_bad_request_problem() {
    let fx = Fixture::start().await;
    let token = fx.wang_fang().await;
    let response = fx.get("/v1/notices?limit=-1", &token).await;
    let body = expect_problem(response, 400, "bad-request").await;
    assert!(
        body["detail"].as_str().is_some_and(|d| d.contains("limit")),
        "the detail names the parameter: {body}"
    );
}

#[tokio::test]
async fn a_body_over_the_limit_is_payload_too_large() {
    let fx = Fixture::start().await;
    let big = json!({ "phone": "13800000001", "password": "x".repeat(300 * 1024) });
    let response = fx
        .request(Method::POST, "/v1/auth/login", None)
        .json(&big)
        .send()
        .await
        .expect("send");
    expect_problem(response, 413, "payload-too-large").await;
}

#[tokio::test]
async fn a_json_body_of_another_media_type_is_unsupported() {
    let fx = Fixture::start().await;
    let response = fx
        .request(Method::POST, "/v1/auth/login", None)
        .header(CONTENT_TYPE, "text/plain")
        .body(r#"{"phone":"13800000001","password":"x"}"#)
        .send()
        .await
        .expect("send");
    expect_problem(response, 415, "unsupported-media-type").await;
}

#[tokio::test]
async fn malformed_json_is_bad_request_and_a_wrong_shape_is_validation_failed() {
    let fx = Fixture::start().await;
    let post = |body: &'static str| {
        fx.request(Method::POST, "/v1/auth/login", None)
            .header(CONTENT_TYPE, "application/json")
            .body(body)
            .send()
    };
    let broken = post(r#"{"phone":"#).await.expect("send");
    expect_problem(broken, 400, "bad-request").await;
    let shape = post(r#"{"phone":5}"#).await.expect("send");
    let body = expect_problem(shape, 422, "validation-failed").await;
    assert!(
        body["detail"].as_str().is_some_and(|d| d.contains("phone")),
        "the detail names the member: {body}"
    );
}

#[tokio::test]
async fn an_unknown_route_is_not_found_inside_and_outside_v1() {
    let fx = Fixture::start().await;
    for path in ["/v1/no-such-thing", "/no-such-page"] {
        let response = fx
            .request(Method::GET, path, None)
            .send()
            .await
            .expect("send");
        expect_problem(response, 404, "not-found").await;
    }
}

#[tokio::test]
async fn a_method_the_route_does_not_take_is_405_with_allow() {
    let fx = Fixture::start().await;
    let response = fx
        .request(Method::DELETE, "/v1/health", None)
        .header("accept-language", "en")
        .send()
        .await
        .expect("send");
    let allow = header(&response, ALLOW.as_str()).to_owned();
    let body = expect_problem(response, 405, "method-not-allowed").await;
    assert!(
        allow.split(',').any(|m| m.trim() == "GET"),
        "Allow names the methods the route takes: {allow:?}"
    );
    assert_eq!(
        body["title"], "Method not allowed",
        "titles follow Accept-Language"
    );
}

/// The operations of the served contract: (method, path, operation).
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("path item") {
            if operation.get("responses").is_some() {
                out.push((method.clone(), path.clone(), operation.clone()));
            }
        }
    }
    out
}

#[tokio::test]
async fn the_contract_lists_the_shared_answers_on_every_operation_they_apply_to() {
    let fx = Fixture::start().await;
    let doc: Value = fx
        .request(Method::GET, "/v1/openapi.json", None)
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("document");
    let mut missing = Vec::new();
    for (method, path, operation) in operations(&doc) {
        let responses = &operation["responses"];
        let params = operation["parameters"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let parsed = params
            .iter()
            .any(|p| p["in"] == "path" || p["in"] == "query");
        let json_body = operation["requestBody"]["content"]
            .get("application/json")
            .is_some();
        let secured = operation["security"]
            .as_array()
            .is_some_and(|s| !s.is_empty() && s.iter().all(|r| r != &json!({})));
        let mut expect = Vec::new();
        if parsed || json_body {
            expect.push("400");
        }
        if secured {
            expect.push("401");
        }
        if json_body {
            expect.extend(["413", "422"]);
        }
        for status in expect {
            if responses.get(status).is_none() {
                missing.push(format!("{method} {path}: {status}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "answers the server gives but the contract does not list: {missing:#?}"
    );
    for name in [
        "BadRequest",
        "PayloadTooLarge",
        "UnsupportedMediaType",
        "ValidationFailed",
    ] {
        assert!(
            doc["components"]["responses"][name]["content"]["application/problem+json"].is_object(),
            "{name} is a shared problem answer"
        );
    }
}
