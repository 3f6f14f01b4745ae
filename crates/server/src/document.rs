//! What the OpenAPI document says beyond each handler's own annotation, stated once for all
//! operations so the document is as strict as the server and no handler can forget it:
//!
//! - operationIds are `<feature>_<handler>` ([`name_operations`]), unique across the contract
//!   (code generators name methods after them);
//! - the limits of `linli_wire::limits::SCHEMA_LIMITS` on the request schemas (lengths, item
//!   counts, ranges, patterns), from the constants the server checks against;
//! - the `Idempotency-Key` header's form, `Tus-Resumable`'s only value, and a replay's
//!   `Idempotent-Replayed` header on every success of an idempotent write (a replay answers
//!   the stored status: 201 or 204, never a 200 of its own);
//! - 404 on every operation with a path parameter (nothing there, or not the caller's), 412
//!   on every tus operation (a missing or other `Tus-Resumable`);
//! - the links a client (or schemathesis's stateful phase) follows from a created resource
//!   to the operations on it ([`LINKS`]).
//!
//! It works on the document as JSON: the rules name JSON members, as the contract does (and
//! utoipa's `Link` would serialize its `operationId` as `operation_id`).

use linli_wire::headers::{IDEMPOTENCY_KEY, PROBLEM_JSON};
use linli_wire::limits::{
    IDEMPOTENCY_KEY_MAX_CHARS, IDEMPOTENCY_KEY_PATTERN, Rule, SCHEMA_LIMITS, SchemaLimit,
};
use serde_json::{Map, Value, json};
use utoipa::openapi::OpenApi;

/// The tus protocol version header every tus request carries.
const TUS_RESUMABLE: &str = "Tus-Resumable";

/// tus's checksum extension, as the server reads it: `sha1` or `sha256`, a space, padded
/// Base64.
const UPLOAD_CHECKSUM_PATTERN: &str =
    "^(sha1|sha256) ([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$";

/// Names each operation of a feature `<feature>_<handler>`, unless its annotation already
/// gave a name of that form.
pub(crate) fn name_operations(feature: &str, doc: &mut OpenApi) {
    let prefix = format!("{feature}_");
    for item in doc.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
            &mut item.head,
            &mut item.options,
        ];
        for operation in operations.into_iter().flatten() {
            if let Some(id) = &mut operation.operation_id
                && !id.starts_with(&prefix)
            {
                *id = format!("{prefix}{id}");
            }
        }
    }
}

/// A link: from (operationId, status) to operationId, its name, and its parameters
/// (parameter, runtime expression).
type Link = (
    (&'static str, &'static str),
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

const ID: &[(&str, &str)] = &[("id", "$response.body#/id")];
const FIRST_ITEM: &[(&str, &str)] = &[("id", "$response.body#/items/0/id")];
const FIRST_HOME: &[(&str, &str)] = &[("id", "$response.body#/memberships/0/id")];

/// The links the contract declares: a created (or listed) resource to what can be done to it.
pub(crate) const LINKS: &[Link] = &[
    (("tickets_create", "201"), "Ticket", "tickets_detail", ID),
    (("tickets_create", "201"), "Comment", "tickets_comment", ID),
    (("tickets_create", "201"), "Cancel", "tickets_cancel", ID),
    (("tickets_create", "201"), "Confirm", "tickets_confirm", ID),
    (("tickets_create", "201"), "Rate", "tickets_rate", ID),
    (("tickets_create", "201"), "Reopen", "tickets_reopen", ID),
    (
        ("tickets_create", "201"),
        "StaffAction",
        "tickets_staff_action",
        ID,
    ),
    (("passes_create", "201"), "Pass", "passes_detail", ID),
    (("passes_create", "201"), "Revoke", "passes_revoke", ID),
    (
        ("billing_create_order", "201"),
        "Order",
        "billing_order",
        ID,
    ),
    (
        ("billing_create_order", "201"),
        "Cancel",
        "billing_cancel_order",
        ID,
    ),
    (
        ("billing_list_bills", "200"),
        "FirstBill",
        "billing_bill",
        FIRST_ITEM,
    ),
    (("homes_create", "201"), "Cancel", "homes_cancel", ID),
    (("homes_create", "201"), "Approve", "homes_approve", ID),
    (("homes_create", "201"), "Refuse", "homes_refuse", ID),
    (
        ("homes_create", "201"),
        "DeskApprove",
        "homes_staff_approve",
        ID,
    ),
    (
        ("homes_create", "201"),
        "DeskRefuse",
        "homes_staff_refuse",
        ID,
    ),
    (
        ("memberships_invite", "201"),
        "Accept",
        "memberships_accept",
        ID,
    ),
    (
        ("memberships_invite", "201"),
        "Decline",
        "memberships_decline",
        ID,
    ),
    (
        ("gate_staff_list", "200"),
        "RevokeFirst",
        "gate_staff_revoke",
        FIRST_ITEM,
    ),
    (
        ("notices_list", "200"),
        "FirstNotice",
        "notices_detail",
        FIRST_ITEM,
    ),
    (
        ("notices_list", "200"),
        "MarkRead",
        "notices_mark_read",
        FIRST_ITEM,
    ),
    (
        ("me_get", "200"),
        "Members",
        "memberships_members_of",
        FIRST_HOME,
    ),
    (
        ("communities_list", "200"),
        "Community",
        "communities_detail",
        FIRST_ITEM,
    ),
    (
        ("communities_list", "200"),
        "Buildings",
        "homes_buildings",
        FIRST_ITEM,
    ),
];

/// The document as JSON with what this module states added (see the module's doc).
pub(crate) fn refine(doc: &OpenApi) -> Value {
    // utoipa's types serialize infallibly (string keys, no non-finite numbers).
    let mut value = serde_json::to_value(doc).unwrap_or_default();
    apply_limits(&mut value, SCHEMA_LIMITS);
    shared_answers(&mut value);
    operations(&mut value);
    links(&mut value, LINKS);
    value
}

fn apply_limits(doc: &mut Value, limits: &[SchemaLimit]) {
    for (schema, member, rule) in limits {
        let Some(property) = doc
            .pointer_mut(&format!("/components/schemas/{schema}/properties/{member}"))
            .and_then(Value::as_object_mut)
        else {
            // The api test names every limit that lands nowhere.
            continue;
        };
        match *rule {
            Rule::Chars { min, max } => {
                if min > 0 {
                    property.insert("minLength".into(), min.into());
                }
                property.insert("maxLength".into(), max.into());
            }
            Rule::Items { min, max } => {
                if min > 0 {
                    property.insert("minItems".into(), min.into());
                }
                property.insert("maxItems".into(), max.into());
            }
            Rule::Range { min, max } => {
                property.insert("minimum".into(), min.into());
                property.insert("maximum".into(), max.into());
            }
            Rule::Pattern(pattern) => {
                property.insert("pattern".into(), pattern.into());
            }
            Rule::Digits(count) => {
                property.insert("pattern".into(), format!("^[0-9]{{{count}}}$").into());
            }
        }
    }
}

fn problem_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": { PROBLEM_JSON: { "schema": { "$ref": "#/components/schemas/Problem" } } }
    })
}

fn shared_answers(doc: &mut Value) {
    let Some(responses) = doc
        .pointer_mut("/components/responses")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    responses.insert(
        "NotFound".into(),
        problem_response(
            "`not-found`: nothing with this id (or code) that the caller may see: \
             another household's resource is not found either",
        ),
    );
    responses.insert(
        "TusVersionUnsupported".into(),
        problem_response(
            "`tus-version-unsupported` (with `Tus-Version: 1.0.0`): no `Tus-Resumable` \
             header, or another version (tus 1.0.0 answers this with 412)",
        ),
    );
}

fn operations(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for item in paths.values_mut().filter_map(Value::as_object_mut) {
        for (method, operation) in item.iter_mut() {
            let Some(operation) = operation.as_object_mut() else {
                continue;
            };
            operation_answers(operation);
            if method == "get" {
                conditional_answers(operation);
            }
        }
    }
}

/// A `GET` whose `200` is JSON carries an `ETag` and may answer `304` to `If-None-Match`
/// ([`crate::conditional`], or the handler's own for notices).
fn conditional_answers(operation: &mut Map<String, Value>) {
    let Some(responses) = operation
        .get_mut("responses")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    let Some(ok) = responses.get_mut("200").and_then(Value::as_object_mut) else {
        return;
    };
    if !ok
        .get("content")
        .and_then(Value::as_object)
        .is_some_and(|c| c.contains_key("application/json"))
    {
        return;
    }
    ok.entry("headers")
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .map(|headers| {
            headers.entry("ETag").or_insert_with(|| {
                json!({
                    "description": "The answer's entity tag: send it back in `If-None-Match` \
                                    to be answered 304 while the answer is the same",
                    "schema": { "type": "string" }
                })
            })
        });
    responses.entry("304").or_insert_with(|| {
        json!({
            "description": "Not modified: `If-None-Match` named this answer's `ETag` (RFC 9110 \
                            weak comparison, or `*`); no body, the `ETag` again",
            "headers": { "ETag": { "description": "The answer's entity tag", "schema": { "type": "string" } } }
        })
    });
    let parameters = operation
        .entry("parameters")
        .or_insert_with(|| json!([]))
        .as_array_mut();
    if let Some(parameters) = parameters
        && !parameters.iter().any(|p| {
            p.get("name")
                .and_then(Value::as_str)
                .is_some_and(|n| n.eq_ignore_ascii_case("If-None-Match"))
        })
    {
        parameters.push(json!({
            "name": "If-None-Match",
            "in": "header",
            "required": false,
            "description": "ETags of earlier answers (or `*`): answered 304 when one matches",
            "schema": { "type": "string" }
        }));
    }
}

/// A header is text or absent, never JSON's `null`: an optional header's schema (utoipa
/// writes `Option<T>` as `[T, "null"]`) keeps only its type, and `required: false` says it
/// may be left out.
fn never_null(parameter: &mut Map<String, Value>) {
    let Some(schema) = parameter.get_mut("schema").and_then(Value::as_object_mut) else {
        return;
    };
    if let Some(types) = schema.get("type").and_then(Value::as_array) {
        let kept: Vec<Value> = types.iter().filter(|t| *t != "null").cloned().collect();
        let kept = match kept.as_slice() {
            [one] => one.clone(),
            _ => Value::Array(kept),
        };
        schema.insert("type".into(), kept);
    }
}

/// An event stream's `schema` describes each event (OpenAPI 3.1 has no `itemSchema`; 3.2's
/// SSE reading, which tools such as schemathesis apply to 3.1 too): an object of the event's
/// fields, whose `data` is JSON text of the schema the handler named.
fn event_stream_items(response: &mut Value) {
    let Some(media) = response
        .get_mut("content")
        .and_then(|content| content.get_mut("text/event-stream"))
    else {
        return;
    };
    let Some(payload) = media.get("schema").cloned() else {
        return;
    };
    media["schema"] = json!({
        "type": "object",
        "required": ["data"],
        "properties": {
            "event": { "type": "string" },
            "id": { "type": "string" },
            "retry": { "type": "integer", "minimum": 0 },
            "data": {
                "type": "string",
                "contentMediaType": "application/json",
                "contentSchema": payload,
            },
        },
    });
}

/// One operation: its raw body's form, its header parameters' forms and the answers they imply.
fn operation_answers(operation: &mut Map<String, Value>) {
    // Raw bytes (tus's `application/offset+octet-stream`) are a binary string, not an array.
    if let Some(content) = operation
        .get_mut("requestBody")
        .and_then(|body| body.get_mut("content"))
        .and_then(Value::as_object_mut)
    {
        for (media_type, media) in content.iter_mut() {
            if media_type.ends_with("octet-stream") {
                media["schema"] = json!({ "type": "string", "format": "binary" });
            }
        }
    }
    let (mut has_path, mut idempotent, mut tus) = (false, false, false);
    if let Some(parameters) = operation
        .get_mut("parameters")
        .and_then(Value::as_array_mut)
    {
        for parameter in parameters.iter_mut().filter_map(Value::as_object_mut) {
            if parameter.get("in").and_then(Value::as_str) == Some("header") {
                never_null(parameter);
            }
            let name = parameter.get("name").and_then(Value::as_str).unwrap_or("");
            let place = parameter.get("in").and_then(Value::as_str).unwrap_or("");
            if place == "path" {
                has_path = true;
            } else if place == "header" && name.eq_ignore_ascii_case(IDEMPOTENCY_KEY) {
                idempotent = true;
                parameter.insert(
                    "schema".into(),
                    json!({
                        "type": "string",
                        "pattern": IDEMPOTENCY_KEY_PATTERN,
                        "maxLength": IDEMPOTENCY_KEY_MAX_CHARS + 2,
                    }),
                );
                parameter.insert(
                    "description".into(),
                    "Names this write, so a retry is answered as the first time: an RFC 8941 \
                     string (a client-chosen UUIDv7 in quotes); the stored answer is kept at \
                     least 7 days"
                        .into(),
                );
            } else if place == "header" && name.eq_ignore_ascii_case("Upload-Length") {
                // Larger is refused with 413 before anything is stored.
                if let Some(schema) = parameter.get_mut("schema").and_then(Value::as_object_mut) {
                    schema.insert(
                        "maximum".into(),
                        crate::features::uploads::MAX_UPLOAD.into(),
                    );
                }
            } else if place == "header" && name.eq_ignore_ascii_case("Upload-Checksum") {
                parameter.insert(
                    "schema".into(),
                    json!({ "type": "string", "pattern": UPLOAD_CHECKSUM_PATTERN }),
                );
            } else if place == "header" && name.eq_ignore_ascii_case(TUS_RESUMABLE) {
                tus = true;
                parameter.insert("required".into(), true.into());
                parameter.insert(
                    "schema".into(),
                    json!({ "type": "string", "enum": [crate::features::uploads::TUS_VERSION] }),
                );
            }
        }
    }
    let Some(responses) = operation
        .get_mut("responses")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    for response in responses.values_mut() {
        event_stream_items(response);
    }
    if has_path {
        responses
            .entry("404")
            .or_insert_with(|| json!({ "$ref": "#/components/responses/NotFound" }));
    }
    if tus {
        responses
            .entry("412")
            .or_insert_with(|| json!({ "$ref": "#/components/responses/TusVersionUnsupported" }));
    }
    if idempotent {
        for (status, response) in responses.iter_mut() {
            let Some(response) = response.as_object_mut() else {
                continue;
            };
            if !status.starts_with('2') || response.contains_key("$ref") {
                continue;
            }
            let headers = response
                .entry("headers")
                .or_insert_with(|| json!({}))
                .as_object_mut();
            if let Some(headers) = headers {
                headers.insert(
                    "Idempotent-Replayed".into(),
                    json!({
                        "description": "`true` on a replay: this is the stored answer (status \
                                        and body) of the first request with this \
                                        `Idempotency-Key`; absent on the first answer",
                        "schema": { "type": "string", "enum": ["true"] }
                    }),
                );
            }
        }
    }
}

fn links(doc: &mut Value, links: &[Link]) {
    let mut by_id: std::collections::HashMap<String, &mut Map<String, Value>> = Default::default();
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for item in paths.values_mut().filter_map(Value::as_object_mut) {
        for operation in item.values_mut().filter_map(Value::as_object_mut) {
            if let Some(id) = operation.get("operationId").and_then(Value::as_str) {
                by_id.insert(id.to_owned(), operation);
            }
        }
    }
    for ((from, status), name, to, parameters) in links {
        let Some(response) = by_id
            .get_mut(*from)
            .and_then(|op| op.get_mut("responses"))
            .and_then(|r| r.get_mut(*status))
            .and_then(Value::as_object_mut)
        else {
            continue;
        };
        let parameters: Map<String, Value> = parameters
            .iter()
            .map(|(p, e)| ((*p).to_owned(), Value::from(*e)))
            .collect();
        let entry = response.entry("links").or_insert_with(|| json!({}));
        if let Some(entry) = entry.as_object_mut() {
            entry.insert(
                (*name).to_owned(),
                json!({ "operationId": to, "parameters": parameters }),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use linli_wire::limits::{IDEMPOTENCY_KEY_PATTERN, PHONE_PATTERN};

    fn matches(pattern: &str, text: &str) -> bool {
        let schema = serde_json::json!({ "type": "string", "pattern": pattern });
        jsonschema::validator_for(&schema)
            .expect("a valid pattern")
            .is_valid(&serde_json::json!(text))
    }

    /// The stated forms are the server's: what the pattern takes, the server takes, and the
    /// other way round (a generator's valid data is accepted, its invalid data refused).
    #[test]
    fn the_phone_pattern_is_what_the_server_takes() {
        for phone in [
            "13800000001",
            "+86 138 0000 0001",
            "138-0000-0001",
            "008613800000001",
            " 13800000001 ",
            "+8613800000001",
            "1380000000",
            "138000000012",
            "23800000001",
            "",
            "+86",
            "+8713800000001",
            "1380000000a",
            "０13800000001",
            "+86+8613800000001",
        ] {
            assert_eq!(
                matches(PHONE_PATTERN, phone),
                crate::features::auth::normalize_phone(phone).is_some(),
                "{phone:?}: the pattern and the server agree"
            );
        }
    }

    #[test]
    fn the_idempotency_key_pattern_is_what_the_server_takes() {
        let long = "k".repeat(255);
        let too_long = "k".repeat(256);
        let quoted_long = format!("\"{long}\"");
        let quoted_too_long = format!("\"{too_long}\"");
        for key in [
            "\"0193a2b4-7c1d-7e00-8000-000000000001\"",
            "0193a2b4-7c1d-7e00-8000-000000000001",
            "a",
            "a b",
            "\" a \"",
            long.as_str(),
            quoted_long.as_str(),
            too_long.as_str(),
            quoted_too_long.as_str(),
            "",
            "\"\"",
            "\"unterminated",
            "back\\slash",
            "qu\"ote",
            "tab\there",
            "ünï",
        ] {
            assert_eq!(
                matches(IDEMPOTENCY_KEY_PATTERN, key),
                crate::extract::parse_key(key).is_some(),
                "{key:?}: the pattern and the server agree"
            );
        }
    }
}
