//! Conditional requests, one mechanism for every list a client reads whole: a middleware gives
//! each `GET` answer `200` with a JSON body and no `ETag` of its own a weak `ETag` (the
//! SHA-256 of the identity body, 128 bits of it in base64url; weak because the answer may
//! leave gzip or brotli encoded, another representation, and one tag must name both, so the
//! 200 and the 304 agree), and answers `304 Not Modified` (the
//! `ETag`, no body) when the request's `If-None-Match` matches it.
//!
//! `If-None-Match` is compared as RFC 9110 §13.1.2 says: `*` matches any current answer, else
//! a comma-separated list of entity tags, each compared weakly (`W/"x"` matches `"x"`). The
//! body is still rendered (the hash needs it), so a 304 saves the network, not the server's
//! work: what a phone on mobile data pays for. Answers that choose their own `ETag` (a notice,
//! an attachment) are left to their handlers, which answer their own 304s.

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use sha2::{Digest, Sha256};

/// Bodies larger than this are sent without an `ETag` (nothing the API lists comes near it).
const MAX_HASHED: usize = 8 * 1024 * 1024;

/// Middleware: `ETag` on every `GET` JSON `200` without one, `304` when the client has it.
pub async fn etag(request: Request, next: Next) -> Response {
    let conditional = request.method() == Method::GET;
    let if_none_match = request
        .headers()
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(str::to_owned)
        .collect::<Vec<_>>();
    let response = next.run(request).await;
    if !conditional
        || response.status() != StatusCode::OK
        || response.headers().contains_key(header::ETAG)
        || !is_json(response.headers())
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_HASHED).await else {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            "the answer could not be read",
        )
            .into_response();
    };
    // Weak: the hash is of the identity body, and the answer may leave compressed (another
    // representation, RFC 9110 §8.8.3); a weak tag holds for both, so the 200 and a 304 name
    // the same one whatever the coding.
    let tag = format!("W/\"{}\"", B64.encode(&Sha256::digest(&bytes)[..16]));
    let Ok(value) = HeaderValue::from_str(&tag) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    parts.headers.insert(header::ETAG, value);
    if if_none_match.iter().any(|list| matches(list, &tag)) {
        parts.status = StatusCode::NOT_MODIFIED;
        parts.headers.remove(header::CONTENT_TYPE);
        parts.headers.remove(header::CONTENT_LENGTH);
        return Response::from_parts(parts, Body::empty());
    }
    Response::from_parts(parts, Body::from(bytes))
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

/// Whether an `If-None-Match` field value matches `tag` (weak comparison).
pub fn matches(field: &str, tag: &str) -> bool {
    let field = field.trim();
    if field == "*" {
        return true;
    }
    let opaque = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    let tag = opaque(tag);
    field.split(',').any(|candidate| opaque(candidate) == tag)
}

/// Middleware outside the compression layer: a strong `ETag` names one representation, and
/// a gzip or brotli body is another one than the identity body it was hashed from (RFC 9110
/// §8.8.3), so an encoded answer carries the tag as weak (`W/"…"`), as nginx does.
/// `If-None-Match` compares weakly, so the client's next request still matches it.
pub async fn weaken_when_encoded(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let encoded = response
        .headers()
        .get(header::CONTENT_ENCODING)
        .is_some_and(|coding| coding.as_bytes() != b"identity");
    if !encoded {
        return response;
    }
    let strong = response
        .headers()
        .get(header::ETAG)
        .and_then(|tag| tag.to_str().ok())
        .filter(|tag| tag.starts_with('"'))
        .and_then(|tag| HeaderValue::from_str(&format!("W/{tag}")).ok());
    if let Some(weak) = strong {
        response.headers_mut().insert(header::ETAG, weak);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn if_none_match_compares_weakly_in_a_list() {
        let tag = "\"abc\"";
        assert!(matches("\"abc\"", tag), "the same tag");
        assert!(matches("W/\"abc\"", tag), "weak comparison ignores W/");
        assert!(matches("\"x\", W/\"abc\"", tag), "any tag of a list");
        assert!(matches("*", tag), "* matches any current answer");
        assert!(!matches("\"abd\"", tag), "another tag");
        assert!(!matches("abc", tag), "an unquoted value is no tag of ours");
    }
}
