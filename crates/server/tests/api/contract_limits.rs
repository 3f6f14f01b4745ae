//! The committed document is as strict as the server: operationIds a generator can name
//! methods after, every limit the server checks (read here from linli-wire's constants, not
//! copied), the header forms, the answers shared mechanisms give, the stored 201 of a replay;
//! and the server holds to the page sizes the document states instead of clamping them.

use crate::tickets::{create, household, repair};
use crate::{Fixture, expect_problem};
use linli_wire::limits::{self, Rule, SCHEMA_LIMITS};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;

fn committed() -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../openapi/linli.v1.json");
    let text = std::fs::read_to_string(&path).expect("openapi/linli.v1.json");
    serde_json::from_str(&text).expect("json")
}

/// Every operation: (method, path, operation).
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("item") {
            out.push((method.clone(), path.clone(), operation.clone()));
        }
    }
    out
}

#[test]
fn operation_ids_are_unique_and_named_feature_verb() {
    let doc = committed();
    let mut seen: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (method, path, operation) in operations(&doc) {
        let id = operation["operationId"]
            .as_str()
            .unwrap_or_else(|| panic!("{method} {path} has an operationId"));
        let (feature, verb) = id.split_once('_').unwrap_or((id, ""));
        assert!(
            !feature.is_empty()
                && !verb.is_empty()
                && id.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
            "{method} {path}: operationId {id} is <feature>_<verb> in snake_case"
        );
        seen.entry(id.to_owned())
            .or_default()
            .push(format!("{method} {path}"));
    }
    let duplicates: Vec<_> = seen.iter().filter(|(_, ops)| ops.len() > 1).collect();
    assert!(
        duplicates.is_empty(),
        "operationIds name one operation each (generators break on duplicates): {duplicates:?}"
    );
}

#[test]
fn the_document_carries_every_limit_the_server_checks() {
    let doc = committed();
    for (schema, member, rule) in SCHEMA_LIMITS {
        let property = &doc["components"]["schemas"][schema]["properties"][member];
        assert!(property.is_object(), "{schema}.{member} is in the document");
        let expect = |key: &str, value: Value| {
            assert_eq!(property[key], value, "{schema}.{member} states {key}");
        };
        match *rule {
            Rule::Chars { min, max } => {
                if min > 0 {
                    expect("minLength", min.into());
                }
                expect("maxLength", max.into());
            }
            Rule::Items { min, max } => {
                if min > 0 {
                    expect("minItems", min.into());
                }
                expect("maxItems", max.into());
            }
            Rule::Range { min, max } => {
                expect("minimum", min.into());
                expect("maximum", max.into());
            }
            Rule::Pattern(pattern) => expect("pattern", pattern.into()),
            Rule::Digits(count) => expect("pattern", format!("^[0-9]{{{count}}}$").into()),
        }
    }
    // The ones the issue names, so the table above cannot quietly lose them.
    let pass = &doc["components"]["schemas"]["CreatePass"]["properties"]["max_entries"];
    assert_eq!(
        pass["minimum"],
        limits::PASS_MIN_ENTRIES,
        "max_entries from 1"
    );
    assert_eq!(
        pass["maximum"],
        limits::PASS_MAX_ENTRIES,
        "max_entries to 10"
    );
    let bills = &doc["components"]["schemas"]["CreatePaymentOrder"]["properties"]["bill_ids"];
    assert_eq!(bills["minItems"], 1, "bill_ids from 1");
    assert_eq!(bills["maxItems"], limits::ORDER_MAX_BILLS, "bill_ids to 24");

    for (path, max, default) in [
        (
            "/v1/notices",
            limits::NOTICES_PAGE_MAX,
            limits::NOTICES_PAGE_DEFAULT,
        ),
        (
            "/v1/sync/changes",
            limits::SYNC_PAGE_MAX,
            limits::SYNC_PAGE_DEFAULT,
        ),
    ] {
        let limit = doc["paths"][path]["get"]["parameters"]
            .as_array()
            .expect("parameters")
            .iter()
            .find(|p| p["name"] == "limit")
            .unwrap_or_else(|| panic!("{path} takes limit"))
            .clone();
        let schema = &limit["schema"];
        assert_eq!(schema["minimum"], 1, "{path} limit from 1");
        assert_eq!(schema["maximum"], max, "{path} limit's maximum");
        assert_eq!(schema["default"], default, "{path} limit's default");
    }
}

#[test]
fn header_forms_and_shared_answers_are_on_every_operation() {
    let doc = committed();
    for (method, path, operation) in operations(&doc) {
        let parameters = operation["parameters"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let responses = &operation["responses"];
        let header = |name: &str| {
            parameters
                .iter()
                .find(|p| p["in"] == "header" && p["name"] == name)
        };
        if parameters.iter().any(|p| p["in"] == "path") {
            assert!(
                responses["404"].is_object(),
                "{method} {path} takes a path parameter, so it documents 404"
            );
        }
        for parameter in parameters.iter().filter(|p| p["in"] == "path") {
            if parameter["name"] == "id" && path != "/v1/staff/tickets/{id}/actions" {
                let schema = &parameter["schema"];
                let format = if schema["$ref"].is_string() {
                    let name = schema["$ref"]
                        .as_str()
                        .and_then(|r| r.rsplit('/').next())
                        .expect("ref");
                    doc["components"]["schemas"][name]["format"].clone()
                } else {
                    schema["format"].clone()
                };
                assert_eq!(format, "uuid", "{method} {path}: the id is a UUID");
            }
        }
        for parameter in parameters.iter().filter(|p| p["in"] == "header") {
            let types = &parameter["schema"]["type"];
            assert!(
                types != "null" && !types.as_array().is_some_and(|t| t.contains(&"null".into())),
                "{method} {path}: header {} is text or absent, never null",
                parameter["name"]
            );
        }
        if let Some(key) = header("Idempotency-Key") {
            assert_eq!(
                key["schema"]["pattern"],
                limits::IDEMPOTENCY_KEY_PATTERN,
                "{method} {path}: the key's form"
            );
            assert!(
                responses["200"].is_null(),
                "{method} {path}: a replay is the stored answer, not a 200 of its own"
            );
            let success = responses
                .as_object()
                .expect("responses")
                .iter()
                .find(|(status, _)| status.starts_with('2'))
                .map(|(_, r)| r.clone())
                .expect("a success");
            assert!(
                success["headers"]["Idempotent-Replayed"].is_object(),
                "{method} {path}: the success says how a replay is marked"
            );
        }
        if let Some(tus) = header("Tus-Resumable") {
            assert_eq!(tus["required"], true, "{method} {path}: Tus-Resumable");
            assert_eq!(
                tus["schema"]["enum"],
                serde_json::json!(["1.0.0"]),
                "{method} {path}: the one tus version"
            );
            assert!(responses["412"].is_object(), "{method} {path}: 412");
        }
    }
}

#[tokio::test]
async fn a_replay_answers_the_stored_201_the_document_describes() {
    let fx = Fixture::start().await;
    let token = fx.wang_fang().await;
    let membership = household(&fx, &token).await;
    let body = repair(&fx, &membership, &[]);
    let first = create(&fx, &token, body.clone()).await;
    assert_eq!(first.status().as_u16(), 201, "created");
    assert!(first.headers().get("idempotent-replayed").is_none());
    let again = create(&fx, &token, body).await;
    assert_eq!(again.status().as_u16(), 201, "the replay is the stored 201");
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    let doc = committed();
    let created = &doc["paths"]["/v1/tickets"]["post"]["responses"]["201"];
    assert!(
        created["headers"]["Idempotent-Replayed"].is_object(),
        "the document says a replay is the 201 with Idempotent-Replayed"
    );
}

#[tokio::test]
async fn page_sizes_out_of_range_are_refused_not_clamped() {
    let fx = Fixture::start().await;
    let token = fx.wang_fang().await;
    for (path, max) in [
        ("/v1/notices", limits::NOTICES_PAGE_MAX),
        ("/v1/sync/changes", limits::SYNC_PAGE_MAX),
    ] {
        for bad in ["0".to_owned(), "-1".to_owned(), (max + 1).to_string()] {
            expect_problem(
                fx.get(&format!("{path}?limit={bad}"), &token).await,
                400,
                "bad-request",
            )
            .await;
        }
        let ok = fx.get(&format!("{path}?limit={max}"), &token).await;
        assert_eq!(ok.status().as_u16(), 200, "{path}?limit={max} is in range");
    }
}

#[tokio::test]
async fn an_integer_written_with_a_zero_fraction_is_the_integer() {
    // JSON Schema (and so a client generated from the document) counts 2.0 as an integer.
    let fx = Fixture::start().await;
    let token = fx.wang_fang().await;
    let membership = crate::passes::first_membership(&fx, &token).await;
    let mut body = crate::passes::pass_body(&fx, &membership);
    body["max_entries"] = serde_json::json!(2.0);
    let key = body["id"].as_str().expect("id").to_owned();
    let response = crate::passes::create(&fx, &token, &body, &key).await;
    assert_eq!(response.status().as_u16(), 201, "2.0 entries is 2 entries");
    let pass: Value = response.json().await.expect("pass");
    assert_eq!(pass["max_entries"], 2);
    body["max_entries"] = serde_json::json!(2.5);
    body["id"] = serde_json::json!(uuid::Uuid::now_v7());
    let key = body["id"].as_str().expect("id").to_owned();
    expect_problem(
        crate::passes::create(&fx, &token, &body, &key).await,
        422,
        "validation-failed",
    )
    .await;
}
