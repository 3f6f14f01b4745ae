//! The demo provider's side of a payment: its checkout page (where the payer confirms or
//! makes the payment fail) and the webhook it notifies the backend at.
//!
//! The checkout page is the provider's, not the contract's: it lives outside `/v1`, takes the
//! order's secret checkout token instead of a resident's bearer token, and is left out of the
//! OpenAPI document. It is plain HTML with no script: in a browser its forms post the payer's
//! choice; the app shows it in a sandboxed frame and offers the forms' actions (`data-action`)
//! as its own buttons, posting the chosen form's URL through the core. The webhook is part of the contract (a real
//! provider's adapter posts there too) under its own security scheme: the signature.
//!
//! Invariants of the pages:
//! - Their URLs are built from the server's configured public URL
//!   ([`crate::AppState::public_url`]), never from the request's `Host`.
//! - The secret is a path segment (`/demo-pay/{id}/{token}`), never a query: the request log
//!   writes route templates only ([`crate::router`]), and `Referrer-Policy: no-referrer` keeps
//!   it from leaving with a link.
//! - The token is compared in constant time (`subtle`); a wrong one is 404, like an unknown id.
//! - Every answer carries [`page_headers`]: a CSP allowing nothing but the page's own style
//!   (by hash) and forms posting to this server, `frame-ancestors 'none'` and
//!   `X-Frame-Options: DENY` (no clickjacking), `no-referrer` and `Cache-Control: no-store`.

use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use linli_wire::bills::PaymentOrderState;
use sha2::Digest as _;
use std::sync::LazyLock;
use subtle::ConstantTimeEq as _;

use super::notifications::deliver_demo_notifications;
use super::orders as payments;
use super::provider as demo;
use crate::AppState;
use crate::error::{ApiError, ApiResult};

fn yuan(minor: i64) -> String {
    format!("{}.{:02}", minor / 100, (minor % 100).abs())
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const PAGE_STYLE: &str = "body{margin:0;font-family:'Noto Sans CJK SC','PingFang SC',sans-serif;\
background:#f2f4f7;color:#1f2937}.bar{background:#1aad19;color:#fff;padding:14px 18px;\
font-size:15px}.bar b{font-size:17px}.card{margin:16px;background:#fff;border-radius:14px;\
padding:20px;box-shadow:0 4px 14px rgba(0,0,0,.06)}.amount{font-size:38px;font-weight:700;\
text-align:center;margin:8px 0 4px}.muted{color:#6b7280;font-size:13px;text-align:center}\
dl{display:grid;grid-template-columns:auto 1fr;gap:8px 12px;font-size:14px;margin:18px 0 0}\
dt{color:#6b7280}dd{margin:0;text-align:right}button{display:block;width:100%;border:0;\
border-radius:22px;padding:12px;font-size:16px;margin-top:12px;cursor:pointer}\
.pay{background:#1aad19;color:#fff}.fail{background:#fff;color:#ee0a24;border:1px solid #fbc4c4}\
.note{margin:0 16px;color:#9ca3af;font-size:12px;line-height:1.6}.result{text-align:center;\
font-size:18px;padding:26px 0}";

/// The pages' Content-Security-Policy: nothing loads or runs; only the inline style (by its
/// hash) applies, forms post only to this server, and no one may frame the page.
static CSP: LazyLock<String> = LazyLock::new(|| {
    let style = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(PAGE_STYLE));
    format!(
        "default-src 'none'; style-src 'sha256-{style}'; form-action 'self'; \
         frame-ancestors 'none'; base-uri 'none'"
    )
});

/// The headers of every checkout answer (see the module's invariants).
pub async fn page_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if let Ok(csp) = HeaderValue::from_str(&CSP) {
        headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<title>{}</title><style>{PAGE_STYLE}</style></head><body>\
<div class=\"bar\"><b>安居支付</b> · 沙箱收银台</div>{body}</body></html>",
        escape(title)
    ))
}

async fn checkout_order(
    state: &AppState,
    id: uuid::Uuid,
    token: &str,
) -> ApiResult<payments::OrderRow> {
    let now = state.clock.now_ms();
    let mut tx = state.db.begin_with("BEGIN IMMEDIATE").await?;
    // Only an order past its time is settled here; following it is the backend's business.
    // Constant time: how much of a guess matched must not show in how long the answer takes.
    let row = payments::load(&mut tx, id)
        .await?
        .filter(|row| bool::from(row.checkout_token.as_bytes().ct_eq(token.as_bytes())))
        .ok_or_else(ApiError::not_found)?;
    let row = if now >= row.expires_at {
        payments::refresh(&mut tx, id, now, true)
            .await?
            .ok_or_else(ApiError::not_found)?
    } else {
        row
    };
    tx.commit().await?;
    Ok(row)
}

/// The checkout page of an order.
pub async fn checkout_page(
    State(state): State<AppState>,
    Path((id, token)): Path<(uuid::Uuid, String)>,
) -> ApiResult<Response> {
    let row = checkout_order(&state, id, &token).await?;
    let bills: Vec<String> = sqlx::query_scalar(
        "SELECT b.title FROM payment_order_bills ob JOIN bills b ON b.id = ob.bill_id
         WHERE ob.order_id = ? ORDER BY ob.position",
    )
    .bind(&row.id)
    .fetch_all(&state.db)
    .await?;
    let (company, community, building, entrance, room): (String, String, String, String, String) =
        sqlx::query_as(
            "SELECT c.property_company, c.name, u.building, u.entrance, u.room
             FROM memberships m JOIN units u ON u.id = m.unit_id
             JOIN communities c ON c.id = u.community_id WHERE m.id = ?",
        )
        .bind(&row.membership_id)
        .fetch_one(&state.db)
        .await?;
    let base = &state.public_url;
    let action = |what: &str| {
        format!(
            "{base}/demo-pay/{}/{}/{what}",
            row.id,
            escape(&row.checkout_token)
        )
    };
    let open = row.state() == PaymentOrderState::AwaitingPayment;
    let expires = (crate::clock::from_ms(row.expires_at) + chrono::Duration::hours(8))
        .format("%H:%M")
        .to_string();
    let buttons = if open {
        format!(
            "<form method=\"post\" action=\"{}\" data-action=\"confirm\"><button class=\"pay\" \
             data-testid=\"demo-confirm\" type=\"submit\">确认支付 ¥{}</button></form>\
             <form method=\"post\" action=\"{}\" data-action=\"fail\"><button class=\"fail\" \
             data-testid=\"demo-fail\" type=\"submit\">模拟支付失败</button></form>",
            action("confirm"),
            yuan(row.amount_minor),
            action("fail"),
        )
    } else {
        "<div class=\"result\">此订单已不能支付</div>".to_owned()
    };
    let body = format!(
        "<div class=\"card\"><div class=\"muted\">{}</div><div class=\"amount\">¥{}</div>\
<div class=\"muted\">{} {}{}{}</div><dl><dt>缴费项目</dt><dd>{}</dd><dt>订单号</dt><dd>{}</dd>\
<dt>请在此时间前支付</dt><dd>{expires}</dd></dl>{buttons}</div>\
<p class=\"note\">这是参考后端的沙箱支付渠道，不会产生真实扣款。真实环境中此步骤由微信支付或支付宝完成，\
支付结果以物业后台收到的签名通知为准。</p>",
        escape(&company),
        yuan(row.amount_minor),
        escape(&community),
        escape(&building),
        escape(&entrance),
        escape(&room),
        escape(&bills.join("、")),
        payments::out_trade_no(row.uuid()?),
    );
    Ok(page("安居支付", &body).into_response())
}

async fn act(
    state: &AppState,
    id: uuid::Uuid,
    token: &str,
    action: demo::PayerAction,
) -> ApiResult<Response> {
    let row = checkout_order(state, id, token).await?;
    let now = state.clock.now_ms();
    let payment = {
        let mut tx = state.db.begin_with("BEGIN IMMEDIATE").await?;
        let payment = demo::act(
            &mut tx,
            &payments::out_trade_no(row.uuid()?),
            action,
            false,
            now,
        )
        .await?;
        tx.commit().await?;
        payment
    };
    // The provider notifies at once; a refusal is retried by the delivery loop.
    if let Err(err) = deliver_demo_notifications(state).await {
        tracing::warn!("demo notification delivery failed: {err:#}");
    }
    let text = match payment.as_ref().map(|p| p.state.as_str()) {
        Some("SUCCESS") => "支付成功，请返回邻里 App 查看缴费结果",
        Some("PAYERROR") => "支付未成功，未扣款。请返回邻里 App 重新支付",
        _ => "此订单已关闭，未扣款",
    };
    let status = if payment
        .as_ref()
        .is_some_and(|p| p.state == "SUCCESS" || p.state == "PAYERROR")
    {
        StatusCode::OK
    } else {
        StatusCode::CONFLICT
    };
    Ok((status, page("安居支付", &format!("<div class=\"card\"><div class=\"result\" data-testid=\"demo-result\">{text}</div></div>"))).into_response())
}

/// The payer confirms.
pub async fn checkout_confirm(
    State(state): State<AppState>,
    Path((id, token)): Path<(uuid::Uuid, String)>,
) -> ApiResult<Response> {
    act(&state, id, &token, demo::PayerAction::Confirm).await
}

/// The payer makes it fail.
pub async fn checkout_fail(
    State(state): State<AppState>,
    Path((id, token)): Path<(uuid::Uuid, String)>,
) -> ApiResult<Response> {
    act(&state, id, &token, demo::PayerAction::Fail).await
}

/// The provider's pages (outside the contract).
pub fn provider_pages() -> Router<AppState> {
    Router::new()
        .route("/demo-pay/{id}/{token}", get(checkout_page))
        .route("/demo-pay/{id}/{token}/confirm", post(checkout_confirm))
        .route("/demo-pay/{id}/{token}/fail", post(checkout_fail))
        .layer(axum::middleware::from_fn(page_headers))
}
