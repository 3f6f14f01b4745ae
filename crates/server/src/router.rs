//! The assembly of the contract's routes: the document's header (info, tags, security
//! schemes), one line per feature, and the layers every request passes through. Each feature
//! declares its own routes next to its handlers (`features::<feature>::routes`).
//!
//! The two meta endpoints (health and the document itself) are served here, with the
//! document they describe.
//!
//! [`router`] and [`openapi`] come from the same [`OpenApiRouter`], so a route cannot exist
//! without being documented (and the committed document's drift test catches the rest).

use crate::AppState;
use crate::features::{
    auth, billing, communities, gate, homes, me, memberships, notices, passes, sync, tickets,
    uploads,
};
use axum::Json;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use serde::{Deserialize, Serialize};
use tower_http::compression::CompressionLayer;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The largest request body accepted (JSON only in v1).
const BODY_LIMIT: usize = 256 * 1024;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Linli resident API",
        version = "1.0.0",
        description = "The contract between the Linli resident app and a property company's \
backend. Errors are RFC 9457 problems (application/problem+json) whose `code` member is \
stable; see https://linli.app/problems/. Writes that are not naturally idempotent take an \
`Idempotency-Key`.",
        license(name = "MIT OR Apache-2.0", identifier = "MIT OR Apache-2.0")
    ),
    servers((url = "https://127.0.0.1:8443", description = "the reference backend, demo mode")),
    modifiers(&BearerAuth),
    tags(
        (name = "meta", description = "Health and the contract itself"),
        (name = "auth", description = "Sign-in and tokens"),
        (name = "residents", description = "The signed-in resident and their households"),
        (name = "communities", description = "Communities before signing in: what a join link leads to. A join link is `https://<host>[:<port>][/<prefix>]/join/<community id>[?name=<name>][&pin=sha256/<base64url of the SHA-256 of a certificate's DER: a CA in the presented chain, or the backend's own certificate>]`; the backend's base URL is what precedes `/join/`. A private CA is trusted only when it matches the pin. A pin of the backend's own (leaf) certificate trusts exactly that certificate, for the hosts it names and while it is valid, and nothing else for that backend: once the backend renews its certificate, apps that joined through such a link fail with `tls-error` until they join again with a new link (`linli-server join-link --pin leaf`); a CA pin survives renewals under that CA."),
        (name = "homes", description = "The community directory and requests to bind a home"),
        (name = "notices", description = "Community notices"),
        (name = "sync", description = "The change feed"),
        (name = "passes", description = "Visitor passes"),
        (name = "gate", description = "Gate devices: keys, revocations, entry logs"),
        (name = "bills", description = "Bills, payment orders, receipts and the fee ledger"),
        (name = "tickets", description = "Repairs, complaints, suggestions and praise, followed to a rating; staff actions"),
        (name = "uploads", description = "Resumable photo uploads (tus 1.0.0: creation, creation-with-upload, expiration, checksum, termination)"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
        components.add_security_scheme(
            "gate",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("A gate device's token (`linli-server gate add`)"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "staff",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("A staff member's token (`linli-server staff-add`)"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "demo_signature",
            SecurityScheme::ApiKey(utoipa::openapi::security::ApiKey::Header(
                utoipa::openapi::security::ApiKeyValue::with_description(
                    "Linli-Demo-Signature",
                    "`t=<unix seconds>,sig=<base64url Ed25519 signature of t \".\" body>` \
                     by the demo payment provider's key",
                ),
            )),
        );
    }
}

fn api() -> OpenApiRouter<AppState> {
    let meta = OpenApiRouter::new()
        .routes(routes!(health))
        .routes(routes!(openapi_json));
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(feature("meta", meta))
        .merge(feature("auth", auth::routes()))
        .merge(feature("me", me::routes()))
        .merge(feature("communities", communities::routes()))
        .merge(feature("memberships", memberships::routes()))
        .merge(feature("homes", homes::routes()))
        .merge(feature("notices", notices::routes()))
        .merge(feature("sync", sync::routes()))
        .merge(feature("passes", passes::routes()))
        .merge(feature("gate", gate::routes()))
        .merge(feature("billing", billing::routes()))
        .merge(feature("tickets", tickets::routes()))
        .merge(feature("uploads", uploads::routes()))
}

/// A feature's routes, their operations named `<feature>_<handler>` (unique in the contract).
fn feature(name: &str, mut routes: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    crate::document::name_operations(name, routes.get_openapi_mut());
    routes
}

/// Liveness answer.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Health {
    /// Always `ok`.
    pub status: String,
}

/// Whether the backend is up; clients probe it while offline.
#[utoipa::path(get, path = "/v1/health", tag = "meta",
    responses((status = 200, description = "Up", body = Health)))]
pub async fn health() -> Json<Health> {
    Json(Health {
        status: "ok".to_owned(),
    })
}

/// This contract as OpenAPI 3.1.
#[utoipa::path(get, path = "/v1/openapi.json", tag = "meta",
    responses((status = 200, description = "The OpenAPI document", content_type = "application/json")))]
pub async fn openapi_json() -> Json<serde_json::Value> {
    Json(openapi())
}

/// The OpenAPI document, as JSON (its last touches are made on the JSON: utoipa's own types
/// would spell a link's `operationId` wrongly).
pub fn openapi() -> serde_json::Value {
    let (_, mut doc) = api().split_for_parts();
    document_foreign_errors(&mut doc);
    crate::document::refine(&doc)
}

/// The answers every route gives before its handler decides anything, as shared components:
/// (status, component name, description).
const FOREIGN_ERRORS: [(&str, &str, &str); 5] = [
    (
        "400",
        "BadRequest",
        "`bad-request`: a path or query parameter that does not parse, a body that is not \
         JSON, or a malformed `Idempotency-Key`",
    ),
    (
        "401",
        "Unauthenticated",
        "`unauthenticated`: no valid token of the kind this operation takes \
         (`token-expired`: a resident's access token ran out; refresh and retry)",
    ),
    (
        "413",
        "PayloadTooLarge",
        "`payload-too-large`: the body is larger than the limit",
    ),
    (
        "415",
        "UnsupportedMediaType",
        "`unsupported-media-type`: the body's `Content-Type` is not the one the operation takes",
    ),
    (
        "422",
        "ValidationFailed",
        "`validation-failed`: the body is JSON but not of the operation's shape",
    ),
];

/// Operations that read their JSON body as bytes (a signature covers the bytes), so no
/// extractor checks its media type: they answer no 415.
const RAW_JSON_BODIES: &[&str] = &["/v1/webhooks/payments/demo"];

/// Adds to every operation the answers the shared mechanisms give for it (the extractors'
/// rejections, rendered by `error::render_problems`), where the operation does not describe
/// them itself: 400 when it takes path or query parameters, an `Idempotency-Key` or a body;
/// 401 when it takes a token; 413 when it takes a body; 415 and 422 when that body is JSON
/// (read by `extract::AppJson`).
/// The answers of no operation (404 for an unknown route, 405 with `Allow` for a method a
/// route does not take) are described in docs/problems.md.
fn document_foreign_errors(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::path::ParameterIn;
    use utoipa::openapi::security::SecurityRequirement;
    use utoipa::openapi::{Content, Ref, RefOr, ResponseBuilder};
    let components = doc.components.get_or_insert_with(Default::default);
    for (_, name, description) in FOREIGN_ERRORS {
        let response = ResponseBuilder::new()
            .description(description)
            .content(
                linli_wire::headers::PROBLEM_JSON,
                Content::new(Some(Ref::from_schema_name("Problem"))),
            )
            .build();
        components
            .responses
            .insert(name.to_owned(), RefOr::T(response));
    }
    for (path, item) in &mut doc.paths.paths {
        let checks_media_type = !RAW_JSON_BODIES.contains(&path.as_str());
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
            let parameters = operation.parameters.as_deref().unwrap_or_default();
            let parsed = parameters.iter().any(|p| {
                matches!(p.parameter_in, ParameterIn::Path | ParameterIn::Query)
                    || p.name
                        .eq_ignore_ascii_case(linli_wire::headers::IDEMPOTENCY_KEY)
            });
            let body = operation.request_body.as_ref();
            let json = body.is_some_and(|b| b.content.contains_key("application/json"));
            // Optional security (an empty requirement) never answers 401 for a missing token.
            let secured = operation.security.as_ref().is_some_and(|s| {
                !s.is_empty() && s.iter().all(|r| *r != SecurityRequirement::default())
            });
            let applies = [
                parsed || body.is_some(),
                secured,
                body.is_some(),
                json && checks_media_type,
                json,
            ];
            for ((status, name, _), applies) in FOREIGN_ERRORS.into_iter().zip(applies) {
                if applies {
                    operation
                        .responses
                        .responses
                        .entry(status.to_owned())
                        .or_insert_with(|| RefOr::Ref(Ref::from_response_name(name)));
                }
            }
        }
    }
}

/// The application router.
pub fn router(state: AppState) -> Router {
    let (router, _) = api().split_for_parts();
    router
        .merge(billing::provider_pages())
        .merge(communities::join_page())
        .fallback(|| async { crate::error::ApiError::not_found() })
        .layer(axum::middleware::from_fn(crate::conditional::etag))
        .layer(axum::middleware::from_fn(crate::error::render_problems))
        .layer(axum::middleware::from_fn(crate::headers::baseline))
        // gzip or brotli as the client's Accept-Encoding asks (with `Vary`), on whatever the
        // routes answer; the default predicate leaves out bodies under 32 bytes, images
        // (attachments are JPEG/PNG/WebP already) and the event stream (it must flush each
        // event, not a compressor's block).
        .layer(CompressionLayer::new())
        .layer(axum::middleware::from_fn(
            crate::conditional::weaken_when_encoded,
        ))
        .layer(axum::middleware::from_fn(crate::unread::mark))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(tower_http::trace::TraceLayer::new_for_http().make_span_with(request_span))
        .with_state(state)
}

/// The request log's span: the method and the matched route's template
/// (`/demo-pay/{id}/{token}`), never the request's URI. Paths and queries carry secrets (a
/// checkout token) and personal ids; a path that is no route is logged as `-`.
fn request_span(request: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    let route = request
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or("-", axum::extract::MatchedPath::as_str);
    tracing::debug_span!("request", method = %request.method(), route = %route)
}
