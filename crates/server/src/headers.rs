//! The headers every answer carries, set in one place rather than per route.
//!
//! - `X-Content-Type-Options: nosniff` on every answer: a client takes the media type we say
//!   (a photo is never run as a page, a JSON answer never as script).
//! - `Cache-Control: no-store` on every answer that does not choose its own: nearly every
//!   answer names a resident, a home or a token, so nothing is kept by an HTTP cache unless
//!   its handler says so. Two do: a notice list or detail (`private, no-cache` with its
//!   `ETag`: a shared cache keeps nothing, a private one must ask again, and the `304` the
//!   `ETag` earns needs a kept copy) and an attachment (`private, max-age=31536000,
//!   immutable`: its id is its content).
//! - `Strict-Transport-Security` ([`hsts`]) on the HTTPS listener only (serve.rs): a browser
//!   that reached us once over TLS does not try plain HTTP again. Without `includeSubDomains`:
//!   the backend's host may share a domain with a property company's other sites.

use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// One year, the value HSTS preload lists expect.
const HSTS: &str = "max-age=31536000";

/// Middleware: `nosniff` on every answer, `no-store` unless the answer chose its caching.
pub async fn baseline(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// Middleware of the HTTPS listener: `Strict-Transport-Security` on every answer.
pub async fn hsts(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    response.headers_mut().insert(
        header::STRICT_TRANSPORT_SECURITY,
        HeaderValue::from_static(HSTS),
    );
    response
}
