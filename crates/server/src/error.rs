//! Errors as RFC 9457 problems.
//!
//! A handler fails with an [`ApiError`]: a [`ErrorCode`] plus optional detail. It does not
//! render itself; it travels in the response's extensions to [`render_problems`], the one
//! middleware that knows the request (its `Accept-Language` and trace id) and writes the
//! `application/problem+json` body. The same middleware turns every other error response into
//! a problem, coded by its status ([`ApiError::from_status`]): axum's extractor rejections
//! (a path or query parameter that does not parse, a body that is too large, not JSON or not
//! `application/json`; `text/plain`) and its bare answers (unknown route, wrong method with
//! its `Allow`), so every error a client sees has a `code`, whatever the route. Internal
//! failures are logged with the trace id and never described to the client.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use linli_wire::headers::PROBLEM_JSON;
use linli_wire::{ErrorCode, FieldError, Problem};

/// A failed request, rendered as a problem by [`render_problems`].
#[derive(Clone, Debug)]
pub struct ApiError {
    /// The code clients branch on.
    pub code: ErrorCode,
    /// Explanation of this occurrence, for people.
    pub detail: Option<String>,
    /// Invalid request members (`validation-failed`).
    pub errors: Vec<FieldError>,
    /// Seconds to wait (`rate-limited`, `service-unavailable`, `idempotency-in-progress`).
    pub retry_after_s: Option<u64>,
    /// Members only some codes carry (boxed: most errors have none).
    pub extra: Option<Box<ProblemExtra>>,
}

/// Problem members of particular codes.
#[derive(Clone, Debug, Default)]
pub struct ProblemExtra {
    /// The total due now (`amount-changed`).
    pub amount_minor: Option<i64>,
    /// The open order (`payment-in-progress`).
    pub order_id: Option<String>,
    /// The resource's state (`invalid-transition`).
    pub current_state: Option<String>,
    /// The actions its state allows (`invalid-transition`).
    pub allowed: Vec<String>,
}

impl ApiError {
    /// An error with only a code.
    pub fn new(code: ErrorCode) -> Self {
        Self {
            code,
            detail: None,
            errors: Vec::new(),
            retry_after_s: None,
            extra: None,
        }
    }

    /// Adds the amount due now (`amount-changed`).
    #[must_use]
    pub fn amount(mut self, amount_minor: i64) -> Self {
        self.extra.get_or_insert_default().amount_minor = Some(amount_minor);
        self
    }

    /// Names the open order (`payment-in-progress`).
    #[must_use]
    pub fn order(mut self, order_id: String) -> Self {
        self.extra.get_or_insert_default().order_id = Some(order_id);
        self
    }

    /// Adds the current state and the actions it allows (`invalid-transition`).
    #[must_use]
    pub fn transition(mut self, current_state: String, allowed: Vec<String>) -> Self {
        let extra = self.extra.get_or_insert_default();
        extra.current_state = Some(current_state);
        extra.allowed = allowed;
        self
    }

    /// Adds an explanation (never internals).
    #[must_use]
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// Adds `Retry-After`.
    #[must_use]
    pub fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after_s = Some(seconds.max(1));
        self
    }

    /// A `validation-failed` error for one member.
    pub fn invalid(pointer: &str, code: &str, detail: impl Into<String>) -> Self {
        let mut err = Self::new(ErrorCode::ValidationFailed);
        err.errors.push(FieldError {
            pointer: pointer.to_owned(),
            code: code.to_owned(),
            detail: detail.into(),
        });
        err
    }

    /// 404.
    pub fn not_found() -> Self {
        Self::new(ErrorCode::NotFound)
    }

    /// 400 with an explanation.
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(ErrorCode::BadRequest).detail(detail)
    }

    /// The error for a status answered outside our handlers (axum's rejections of a path,
    /// query or body, routing, body limits): the code whose meaning that status has.
    pub fn from_status(status: StatusCode) -> Self {
        let code = match status.as_u16() {
            401 => ErrorCode::Unauthenticated,
            403 => ErrorCode::Forbidden,
            404 => ErrorCode::NotFound,
            405 => ErrorCode::MethodNotAllowed,
            413 => ErrorCode::PayloadTooLarge,
            415 => ErrorCode::UnsupportedMediaType,
            422 => ErrorCode::ValidationFailed,
            429 => ErrorCode::RateLimited,
            503 => ErrorCode::ServiceUnavailable,
            500..=599 => ErrorCode::InternalError,
            _ => ErrorCode::BadRequest,
        };
        Self::new(code)
    }

    /// A failure of ours: logged in full, answered as a bare `internal-error`.
    pub fn internal(err: impl std::fmt::Display) -> Self {
        tracing::error!(error = %err, "internal error");
        Self::new(ErrorCode::InternalError)
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(err: sqlx::Error) -> Self {
        Self::internal(format_args!("database: {err}"))
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(err: anyhow::Error) -> Self {
        Self::internal(format_args!("{err:#}"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.code.http_status())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = status.into_response();
        response.extensions_mut().insert(self);
        response
    }
}

/// Result of a handler.
pub type ApiResult<T> = Result<T, ApiError>;

/// The languages problem titles come in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    /// Simplified Chinese (the default).
    Zh,
    /// English.
    En,
}

impl Lang {
    /// Picks from an `Accept-Language` header: the first of zh/en listed wins; zh by default.
    pub fn negotiate(header: Option<&str>) -> Self {
        let Some(header) = header else {
            return Self::Zh;
        };
        let mut best: Option<(f32, Self)> = None;
        for part in header.split(',') {
            let mut pieces = part.trim().split(';');
            let tag = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = pieces
                .find_map(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|q| q.parse::<f32>().ok())
                })
                .unwrap_or(1.0);
            let lang = if tag.starts_with("zh") {
                Self::Zh
            } else if tag.starts_with("en") {
                Self::En
            } else {
                continue;
            };
            if best.is_none_or(|(best_q, _)| q > best_q) {
                best = Some((q, lang));
            }
        }
        best.map_or(Self::Zh, |(_, lang)| lang)
    }
}

/// The short, localised summary of a problem type.
pub fn title(code: ErrorCode, lang: Lang) -> &'static str {
    use ErrorCode as C;
    let (zh, en) = match code {
        C::ValidationFailed => ("请求内容有误", "The request is invalid"),
        C::Unauthenticated => ("需要登录", "Authentication required"),
        C::InvalidCredentials => ("手机号或密码错误", "Wrong phone number or password"),
        C::SmsCodeInvalid => (
            "验证码错误或已失效",
            "The SMS code is wrong or no longer valid",
        ),
        C::TokenExpired => ("登录凭证已过期", "The access token has expired"),
        C::RefreshReused => (
            "登录凭证被重复使用，已退出登录",
            "A used refresh token was presented; the session was revoked",
        ),
        C::Forbidden => ("没有权限", "Not allowed"),
        C::RoleForbidden => (
            "您在此房屋的身份不能进行此操作",
            "Your role in this home does not allow this",
        ),
        C::MembershipRequired => ("需要先绑定房屋", "No active household for this resource"),
        C::NotFound => ("未找到", "Not found"),
        C::MethodNotAllowed => ("不支持此请求方法", "Method not allowed"),
        C::InvalidTransition => ("当前状态不允许此操作", "Not allowed in the current state"),
        C::AlreadyExists => ("已存在", "Already exists"),
        C::RoomNotFound => ("没有这个房间", "No such room"),
        C::AlreadyMember => ("已是该房屋的成员", "Already a member of this home"),
        C::RequestPending => (
            "该房屋已有待处理的申请",
            "A request for this home is pending",
        ),
        C::AmountChanged => ("金额已变化", "Amount changed"),
        C::PaymentInProgress => ("支付进行中", "Payment in progress"),
        C::AlreadyPaid => ("无需支付", "Nothing to pay"),
        C::UploadOffsetMismatch => ("上传位置不一致", "Upload offset mismatch"),
        C::ChecksumMismatch => ("校验和不匹配", "Checksum mismatch"),
        C::TusVersionUnsupported => ("不支持的 tus 版本", "Unsupported tus version"),
        C::PayloadTooLarge => ("内容过大", "Payload too large"),
        C::UnsupportedMediaType => ("不支持的内容类型", "Unsupported media type"),
        C::IdempotencyInProgress => ("相同请求正在处理中", "The same request is still running"),
        C::IdempotencyKeyReused => (
            "幂等键已用于不同的请求",
            "The idempotency key was used for another request",
        ),
        C::IdempotencyKeyMissing => ("缺少 Idempotency-Key", "Idempotency-Key is required"),
        C::PreconditionFailed => ("数据已被修改", "The resource has changed"),
        C::PreconditionRequired => ("缺少 If-Match", "If-Match is required"),
        C::SyncCursorExpired => ("同步游标已过期", "The sync cursor has expired"),
        C::RateLimited => ("请求过于频繁", "Too many requests"),
        C::BadRequest => ("无法理解的请求", "Bad request"),
        C::InternalError => ("服务器内部错误", "Internal server error"),
        C::ServiceUnavailable => ("服务暂不可用", "Service unavailable"),
        C::UploadQuotaExceeded => ("待用上传已达上限", "Upload quota exceeded"),
        C::PassWrongGateGroup => ("通行证不适用于此门岗", "The pass does not open this gate"),
        C::PassNotYetValid => ("通行证尚未生效", "The pass is not valid yet"),
        C::PassExpired => ("通行证已过期", "The pass has expired"),
        C::PassUsedUp => ("通行证次数已用完", "The pass has no entries left"),
        C::PassRevoked => ("通行证已撤销", "The pass was revoked"),
        C::Offline
        | C::BadResponse
        | C::TlsError
        | C::InsecureUrl
        | C::KeyringUnavailable
        | C::KeyringLocked
        | C::NotSignedIn
        | C::SessionExpired
        | C::StorageError
        | C::ClipboardUnavailable
        | C::PhotoEmpty
        | C::PhotoUnreadable
        | C::PhotoTooLarge
        | C::PhotoDamaged
        | C::JoinLinkInvalid
        | C::QrNotFound
        | C::PinMismatch
        | C::NoBackend
        | C::Internal
        | C::PhotoFormatUnsupported
        | C::Unknown => ("错误", "Error"),
    };
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

/// The longest text of a foreign rejection kept as a problem's `detail`.
const FOREIGN_DETAIL_MAX: usize = 512;

/// Whether an error response was written by something other than our handlers: axum's
/// extractor rejections (`text/plain`), or a bare status (routing, `405`). Those become
/// problems too; a body of another media type (a page of ours) is left as it is.
fn is_foreign_error(response: &Response) -> bool {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return false;
    }
    match response.headers().get(header::CONTENT_TYPE) {
        None => true,
        Some(value) => value
            .to_str()
            .is_ok_and(|v| v.trim_start().starts_with("text/plain")),
    }
}

/// The rejection text of a foreign 4xx, as a `detail`: axum's rejections describe the input
/// (which parameter, which member), never our state. 5xx texts are never passed on.
async fn foreign_detail(status: StatusCode, body: Body) -> Option<String> {
    if !status.is_client_error() {
        return None;
    }
    let bytes = axum::body::to_bytes(body, FOREIGN_DETAIL_MAX).await.ok()?;
    let text = String::from_utf8(bytes.to_vec()).ok()?;
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// Middleware: renders every error response as `application/problem+json`: the [`ApiError`]
/// a handler or extractor failed with, or (one mechanism for all routes) any other error
/// response, coded by its status.
pub async fn render_problems(request: Request, next: Next) -> Response {
    let lang = Lang::negotiate(
        request
            .headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    let instance = request.uri().path().to_owned();
    let mut response = next.run(request).await;
    let status = response.status();
    let error = match response.extensions_mut().remove::<ApiError>() {
        Some(error) => error,
        None if is_foreign_error(&response) => {
            let (parts, body) = response.into_parts();
            let mut error = ApiError::from_status(status);
            error.detail = foreign_detail(status, body).await;
            response = Response::from_parts(parts, Body::empty());
            error
        }
        None => return response,
    };
    let trace_id = uuid::Uuid::now_v7().simple().to_string();
    if error.code == ErrorCode::InternalError {
        tracing::error!(%trace_id, path = %instance, "answered internal-error");
    }
    let mut problem = Problem::new(error.code, title(error.code, lang));
    problem.status = status.as_u16();
    problem.detail = error.detail;
    problem.errors = error.errors;
    problem.retry_after_s = error.retry_after_s;
    if let Some(extra) = error.extra {
        problem.amount_minor = extra.amount_minor;
        problem.order_id = extra.order_id.as_deref().and_then(|id| id.parse().ok());
        problem.current_state = extra.current_state;
        problem.allowed = extra.allowed;
    }
    problem.instance = Some(instance);
    problem.trace_id = Some(trace_id);
    let body = serde_json::to_vec(&problem).unwrap_or_default();
    let (mut parts, _) = response.into_parts();
    parts
        .headers
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    parts.headers.remove(header::CONTENT_LENGTH);
    if let Some(seconds) = problem.retry_after_s {
        parts
            .headers
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    if status == StatusCode::UNAUTHORIZED {
        let challenge = match problem.code {
            ErrorCode::TokenExpired => {
                r#"Bearer realm="linli", error="invalid_token", error_description="expired""#
            }
            ErrorCode::Unauthenticated => r#"Bearer realm="linli", error="invalid_token""#,
            _ => r#"Bearer realm="linli""#,
        };
        parts.headers.insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static(challenge),
        );
    }
    Response::from_parts(parts, Body::from(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_preferred_known_language() {
        assert_eq!(Lang::negotiate(None), Lang::Zh, "Chinese by default");
        assert_eq!(Lang::negotiate(Some("en-US,en;q=0.9")), Lang::En);
        assert_eq!(Lang::negotiate(Some("fr, en;q=0.5, zh-CN;q=0.8")), Lang::Zh);
        assert_eq!(
            Lang::negotiate(Some("de")),
            Lang::Zh,
            "unknown falls back to zh"
        );
    }

    #[test]
    fn every_server_code_has_a_title_in_both_languages() {
        for code in ErrorCode::ALL {
            if code.http_status() == 500 && *code != ErrorCode::InternalError {
                continue; // client-only codes are never sent
            }
            assert_ne!(
                title(*code, Lang::Zh),
                "错误",
                "{code} needs a Chinese title"
            );
            assert_ne!(
                title(*code, Lang::En),
                "Error",
                "{code} needs an English title"
            );
        }
    }
}
