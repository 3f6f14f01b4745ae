//! Request extractors that fail with problems: [`Resident`] (a valid bearer token of a
//! non-revoked sign-in), [`Staff`] (a staff member's token, unexpired and not revoked: see
//! [`admit_device`], which the gate's extractor shares), [`AppJson`] (a JSON body whose errors
//! name the member) and [`IdempotencyKey`]; and, never failing, [`ClientAddr`] (the address
//! per-address limits count by). Nothing here reads the `Host` header: the server's own URL is
//! configuration ([`crate::AppState::public_url`]).
//! [`PageLimit`] is a query member: a page size the contract bounds and the server holds to
//! (out of range is the query's rejection, 400 `bad-request`, never quietly clamped).

use crate::AppState;
use crate::error::ApiError;
use crate::tokens::AccessError;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use linli_wire::ErrorCode;
use linli_wire::headers::IDEMPOTENCY_KEY;
use serde::de::DeserializeOwned;
use sha2::{Digest as _, Sha256};
use std::net::{IpAddr, SocketAddr};
use uuid::Uuid;

/// The bearer token of a request (resident, gate or staff), or `unauthenticated`.
pub(crate) fn bearer(parts: &Parts) -> Result<&str, ApiError> {
    parts
        .headers
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| {
            let (scheme, token) = value.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        })
        .ok_or_else(|| ApiError::new(ErrorCode::Unauthenticated))
}

/// The client's address, as the per-address budgets count it: the socket peer or, only when
/// the operator named a trusted reverse proxy's header (`serve --client-ip-header`), the last
/// address in that header: the one the proxy itself saw (earlier entries are whatever the
/// client claimed, so they are never believed). An IPv6 client counts by its /64, the block
/// one subscriber gets; an IPv4-mapped address counts as the IPv4 address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientAddr(pub String);

impl ClientAddr {
    /// The budget key of `ip`.
    pub fn of(ip: IpAddr) -> Self {
        Self(match ip.to_canonical() {
            IpAddr::V4(v4) => v4.to_string(),
            IpAddr::V6(v6) => {
                let block = u128::from(v6) & !((1_u128 << 64) - 1);
                format!("{}/64", std::net::Ipv6Addr::from(block))
            }
        })
    }
}

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let forwarded = state.client_ip_header.as_ref().and_then(|name| {
            parts
                .headers
                .get_all(name)
                .iter()
                .filter_map(|value| value.to_str().ok())
                .flat_map(|value| value.split(','))
                .next_back()
                .and_then(|last| last.trim().parse::<IpAddr>().ok())
        });
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|info| info.0.ip());
        Ok(forwarded
            .or(peer)
            .map_or_else(|| Self("unknown".to_owned()), Self::of))
    }
}

/// Whether a stored device token (a gate's, a staff member's) still admits at `now` (ms): a
/// revoked one is refused at once (`unauthenticated`), an expired one is `token-expired`.
pub(crate) fn admit_device(
    expires_at: i64,
    revoked_at: Option<i64>,
    now: i64,
) -> Result<(), ApiError> {
    if revoked_at.is_some() {
        return Err(ApiError::new(ErrorCode::Unauthenticated).detail("this token was revoked"));
    }
    if now >= expires_at {
        return Err(ApiError::new(ErrorCode::TokenExpired)
            .detail("this token has expired; the operator issues a new one"));
    }
    Ok(())
}

/// The signed-in resident making the request.
#[derive(Clone, Copy, Debug)]
pub struct Resident {
    /// User id.
    pub user_id: Uuid,
    /// The sign-in (refresh token family) the access token belongs to.
    pub family_id: Uuid,
    /// When the access token expires, Unix seconds (a long-lived answer, the change stream,
    /// ends then).
    pub expires_at_s: i64,
}

impl FromRequestParts<AppState> for Resident {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer(parts)?;
        let claims = state
            .keys
            .verify_access(token, state.clock.now().timestamp())
            .map_err(|err| match err {
                AccessError::Expired => ApiError::new(ErrorCode::TokenExpired),
                AccessError::Invalid => ApiError::new(ErrorCode::Unauthenticated),
            })?;
        // A signed-out or revoked sign-in stops working at once, not only at `exp`.
        let revoked: Option<Option<i64>> =
            sqlx::query_scalar("SELECT revoked_at FROM token_families WHERE id = ?")
                .bind(claims.sid.to_string())
                .fetch_optional(&state.db)
                .await?;
        match revoked {
            Some(None) => Ok(Self {
                user_id: claims.sub,
                family_id: claims.sid,
                expires_at_s: claims.exp,
            }),
            Some(Some(_)) | None => Err(ApiError::new(ErrorCode::Unauthenticated)),
        }
    }
}

/// A staff member's role: what they may do on the tickets of the communities they serve
/// (the matrix is the tickets feature's, `staff_role_allows`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StaffRole {
    /// 客服: takes reports in, assigns, defers, rejects, talks to residents.
    Service,
    /// 工程: does the work: starts, asks for payment, completes with after-photos.
    Engineering,
    /// 管理: everything the others may.
    Manager,
}

impl StaffRole {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Service => "service",
            Self::Engineering => "engineering",
            Self::Manager => "manager",
        }
    }

    /// From the stored spelling (or the command line's).
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "service" => Some(Self::Service),
            "engineering" => Some(Self::Engineering),
            "manager" => Some(Self::Manager),
            _ => None,
        }
    }
}

/// A staff member, by their bearer token (`linli-server staff-add`), with what they may
/// reach: the communities they serve and their role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Staff {
    /// Staff id.
    pub id: String,
    /// Name and post, as residents see it.
    pub display: String,
    /// Their role.
    pub role: StaffRole,
    /// Ids of the communities they serve.
    pub communities: Vec<String>,
}

impl Staff {
    /// Whether they serve the community `id`.
    pub fn serves(&self, community_id: &str) -> bool {
        self.communities.iter().any(|c| c == community_id)
    }
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer(parts)?;
        let hash = Sha256::digest(token.trim().as_bytes()).to_vec();
        let row: Option<(String, String, String, String, i64, Option<i64>)> = sqlx::query_as(
            "SELECT id, name, post, role, expires_at, revoked_at FROM staff WHERE token_hash = ?",
        )
        .bind(hash)
        .fetch_optional(&state.db)
        .await?;
        let (id, name, post, role, expires_at, revoked_at) =
            row.ok_or_else(|| ApiError::new(ErrorCode::Unauthenticated))?;
        admit_device(expires_at, revoked_at, state.clock.now_ms())?;
        let communities =
            sqlx::query_scalar("SELECT community_id FROM staff_communities WHERE staff_id = ?")
                .bind(&id)
                .fetch_all(&state.db)
                .await?;
        Ok(Self {
            id,
            display: format!("{name}（{post}）"),
            // An unknown stored role grants the least.
            role: StaffRole::parse(&role).unwrap_or(StaffRole::Service),
            communities,
        })
    }
}

/// A JSON body. Its rejections are coded by axum's status for them ([`ApiError::from_status`],
/// the mapping every foreign rejection goes through): not JSON is `bad-request` (400), a wrong
/// shape `validation-failed` (422), no `application/json` `unsupported-media-type` (415), over
/// the body limit `payload-too-large` (413).
///
/// Numbers are read as the contract's JSON Schema reads them: `4.0` is the integer 4 (a JSON
/// number with no fraction is an integer there, and a generated client may send one), so
/// [`integral`] turns such numbers into integers before the body takes its Rust shape.
#[derive(Debug)]
pub struct AppJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for AppJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, ApiError> {
        let value = match axum::Json::<serde_json::Value>::from_request(request, state).await {
            Ok(axum::Json(value)) => integral(value),
            Err(err) => return Err(ApiError::from_status(err.status()).detail(err.body_text())),
        };
        serde_path_to_error::deserialize(value)
            .map(Self)
            .map_err(|err| {
                ApiError::new(ErrorCode::ValidationFailed).detail(format!(
                    "Failed to deserialize the JSON body into the target type: {err}"
                ))
            })
    }
}

/// `value` with every number that has no fraction (and fits) as an integer.
fn integral(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Number(n) if n.is_f64() => {
            let f = n.as_f64().unwrap_or(f64::NAN);
            // Within ±2^53 every integer is exact in an f64, so the cast below is exact too.
            let exact = f.fract() == 0.0 && f.abs() <= 9_007_199_254_740_992.0;
            #[allow(clippy::cast_possible_truncation)]
            let whole = f as i64;
            if exact {
                Value::from(whole)
            } else {
                Value::Number(n)
            }
        }
        Value::Array(items) => Value::Array(items.into_iter().map(integral).collect()),
        Value::Object(members) => Value::Object(
            members
                .into_iter()
                .map(|(key, value)| (key, integral(value)))
                .collect(),
        ),
        other => other,
    }
}

/// The `Idempotency-Key` of a write: an RFC 8941 string (`"…"`) or, leniently, a bare token.
#[derive(Clone, Debug)]
pub struct IdempotencyKey(pub String);

impl<S: Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let raw = parts
            .headers
            .get(IDEMPOTENCY_KEY)
            .ok_or_else(|| ApiError::new(ErrorCode::IdempotencyKeyMissing))?
            .to_str()
            .map_err(|_| ApiError::bad_request("Idempotency-Key is not visible ASCII"))?
            .trim();
        parse_key(raw).map(Self).ok_or_else(|| {
            ApiError::bad_request("Idempotency-Key must be a string of 1 to 255 characters")
        })
    }
}

pub(crate) fn parse_key(raw: &str) -> Option<String> {
    let inner = match raw.strip_prefix('"') {
        Some(rest) => rest.strip_suffix('"')?,
        None => raw,
    };
    let ok = !inner.is_empty()
        && inner.len() <= 255
        && inner
            .bytes()
            .all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\');
    ok.then(|| inner.to_owned())
}

/// A page size asked for in a query (`limit`): `MIN` to `MAX`, `DEFAULT` when absent. Its
/// schema states the range and the default, from the same constants the check uses; a value
/// outside it fails the query's deserialisation, so the query extractor's rejection (400
/// `bad-request`, rendered as every rejection is) answers it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageLimit<const MIN: u32, const MAX: u32, const DEFAULT: u32>(u32);

impl<const MIN: u32, const MAX: u32, const DEFAULT: u32> PageLimit<MIN, MAX, DEFAULT> {
    /// The page size.
    pub const fn get(self) -> u32 {
        self.0
    }
}

impl<const MIN: u32, const MAX: u32, const DEFAULT: u32> Default for PageLimit<MIN, MAX, DEFAULT> {
    fn default() -> Self {
        Self(DEFAULT)
    }
}

impl<'de, const MIN: u32, const MAX: u32, const DEFAULT: u32> serde::Deserialize<'de>
    for PageLimit<MIN, MAX, DEFAULT>
{
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = u32::deserialize(deserializer)?;
        if (MIN..=MAX).contains(&value) {
            Ok(Self(value))
        } else {
            Err(serde::de::Error::custom(format!(
                "limit must be {MIN} to {MAX}, not {value}"
            )))
        }
    }
}

impl<const MIN: u32, const MAX: u32, const DEFAULT: u32> utoipa::PartialSchema
    for PageLimit<MIN, MAX, DEFAULT>
{
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int32)))
            .minimum(Some(MIN))
            .maximum(Some(MAX))
            .default(Some(DEFAULT.into()))
            .into()
    }
}

impl<const MIN: u32, const MAX: u32, const DEFAULT: u32> utoipa::ToSchema
    for PageLimit<MIN, MAX, DEFAULT>
{
}

#[cfg(test)]
mod tests {
    use super::{ClientAddr, PageLimit, parse_key};

    #[test]
    fn a_client_counts_by_its_ipv4_address_or_its_ipv6_block() {
        let of = |text: &str| ClientAddr::of(text.parse().expect("an address")).0;
        assert_eq!(of("203.0.113.5"), "203.0.113.5");
        assert_eq!(of("::ffff:203.0.113.5"), "203.0.113.5", "mapped is IPv4");
        assert_eq!(
            of("2001:db8:1:2:aaaa::1"),
            of("2001:db8:1:2:bbbb::9"),
            "one subscriber's /64 is one client"
        );
        assert_eq!(of("2001:db8:1:2::1"), "2001:db8:1:2::/64");
    }

    #[test]
    fn numbers_without_a_fraction_are_integers_as_in_json_schema() {
        let value = super::integral(serde_json::json!({"a": [4.0, 4.5, -0.0, 1e300], "b": 7}));
        assert_eq!(value, serde_json::json!({"a": [4, 4.5, 0, 1e300], "b": 7}));
    }

    #[test]
    fn a_page_limit_out_of_range_is_refused_not_clamped() {
        type Limit = PageLimit<1, 100, 20>;
        let parse = |query: &str| {
            let uri: axum::http::Uri = format!("/v1/notices?{query}").parse().expect("uri");
            axum::extract::Query::<std::collections::HashMap<String, Limit>>::try_from_uri(&uri)
                .map(|axum::extract::Query(mut m)| m.remove("limit"))
        };
        assert_eq!(parse("limit=1").ok().flatten().map(Limit::get), Some(1));
        assert_eq!(parse("limit=100").ok().flatten().map(Limit::get), Some(100));
        for bad in ["limit=0", "limit=101", "limit=-1", "limit=ten"] {
            assert!(parse(bad).is_err(), "{bad} is refused, not clamped");
        }
        assert_eq!(Limit::default().get(), 20, "absent is the default");
    }

    #[test]
    fn idempotency_key_accepts_sf_strings_and_bare_tokens() {
        let id = "0193a2b4-7c1d-7e00-8000-000000000001";
        assert_eq!(parse_key(&format!("\"{id}\"")).as_deref(), Some(id));
        assert_eq!(parse_key(id).as_deref(), Some(id));
        assert_eq!(parse_key("\"\""), None, "empty");
        assert_eq!(parse_key("\"unterminated"), None);
        assert_eq!(parse_key(&"k".repeat(256)), None, "too long");
    }
}
