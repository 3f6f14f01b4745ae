//! The join link: how a resident's app finds their community's backend (加入小区).
//!
//! A property company hands out one link per community, as text or as a QR code on the notice
//! board:
//!
//! ```text
//! https://<host>[:<port>][/<prefix>]/join/<community id>[?name=<community name>][&pin=sha256/<base64url>]
//! ```
//!
//! - The backend's base URL is everything before `/join/`: scheme, host, port and any path
//!   prefix. It is always `https`: a link is made to travel, so it never names plain HTTP.
//! - `<community id>` is the community's UUID; `name` is only for showing before the backend
//!   has answered (the backend's own answer is what the app keeps).
//! - `pin` is the SHA-256 of the DER of a certificate the backend presents, written `sha256/` +
//!   base64url without padding (43 characters): either a CA certificate in its chain or the
//!   backend's own (leaf) certificate. A private CA is trusted only when it matches the pin,
//!   and then for that backend (the backend may renew its certificate under it); a pinned leaf
//!   is trusted exactly, for the hosts it names, and nothing else is for that backend: when
//!   the backend renews it, the app answers `tls-error` until the resident joins again with a
//!   new link. Without a pin only the public roots are trusted.
//!
//! It is an `https` link rather than a `linli://` one so that a phone camera opens it like any
//! other link and the backend can answer it with a page of its own (how to open it in the
//! app); nothing needs a URL scheme registered first. Anything else (another scheme,
//! credentials, a fragment, a path that does not end in `/join/<uuid>`, an unknown or repeated
//! parameter, a malformed pin) is refused with [`JoinLinkError`]: the app shows
//! `join-link-invalid`.

use crate::ids::CommunityId;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use url::Url;

/// The `pin` value's prefix: the only hash spoken.
pub const PIN_PREFIX: &str = "sha256/";

/// The SHA-256 of a certificate's DER (a CA's in the backend's chain, or the backend's own), as
/// a join link carries it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Pin(pub [u8; 32]);

impl Pin {
    /// Reads `sha256/<base64url, no padding>`.
    pub fn parse(text: &str) -> Result<Self, JoinLinkError> {
        let encoded = text.strip_prefix(PIN_PREFIX).ok_or(JoinLinkError::BadPin)?;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(encoded)
            .map_err(|_| JoinLinkError::BadPin)?;
        let digest: [u8; 32] = bytes.try_into().map_err(|_| JoinLinkError::BadPin)?;
        Ok(Self(digest))
    }
}

impl std::fmt::Display for Pin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let encoded = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(self.0);
        write!(f, "{PIN_PREFIX}{encoded}")
    }
}

/// A parsed join link.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JoinLink {
    /// The backend's base URL (https, no trailing slash, no query).
    pub backend: Url,
    /// The community to join.
    pub community_id: CommunityId,
    /// The community's name as the link shows it (display only).
    pub community_name: Option<String>,
    /// The pin of the backend's CA or of its own certificate, when they are not publicly
    /// trusted.
    pub pin: Option<Pin>,
}

/// Why a text is not a join link.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JoinLinkError {
    /// Not a URL at all.
    NotUrl,
    /// Not `https`, or no host.
    NotHttps,
    /// The URL carries a user name or password.
    Credentials,
    /// The URL has a `#fragment`.
    Fragment,
    /// The path does not end in `/join/<community id>`.
    NotJoinPath,
    /// A query parameter other than `name` and `pin`.
    UnknownParameter(String),
    /// `name` or `pin` given twice.
    RepeatedParameter(String),
    /// The pin is not `sha256/` + 43 base64url characters.
    BadPin,
}

impl std::fmt::Display for JoinLinkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotUrl => f.write_str("not a link"),
            Self::NotHttps => f.write_str("a join link starts with https:// and names a host"),
            Self::Credentials => f.write_str("a join link carries no user name or password"),
            Self::Fragment => f.write_str("a join link has no #fragment"),
            Self::NotJoinPath => f.write_str("a join link's path ends in /join/<community id>"),
            Self::UnknownParameter(name) => write!(f, "unknown parameter {name:?}"),
            Self::RepeatedParameter(name) => write!(f, "parameter {name:?} given twice"),
            Self::BadPin => f.write_str("the pin is not sha256/ and 43 base64url characters"),
        }
    }
}

impl std::error::Error for JoinLinkError {}

impl JoinLink {
    /// Reads a join link (surrounding white space is ignored, as a pasted link has some).
    pub fn parse(text: &str) -> Result<Self, JoinLinkError> {
        let url = Url::parse(text.trim()).map_err(|_| JoinLinkError::NotUrl)?;
        if url.scheme() != "https" || url.host_str().is_none_or(str::is_empty) {
            return Err(JoinLinkError::NotHttps);
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(JoinLinkError::Credentials);
        }
        if url.fragment().is_some() {
            return Err(JoinLinkError::Fragment);
        }
        let path = url.path();
        let (prefix, id) = path
            .rsplit_once("/join/")
            .ok_or(JoinLinkError::NotJoinPath)?;
        let community_id: CommunityId = id.parse().map_err(|_| JoinLinkError::NotJoinPath)?;
        let mut community_name = None;
        let mut pin = None;
        for (name, value) in url.query_pairs() {
            match name.as_ref() {
                "name" if community_name.is_none() => community_name = Some(value.into_owned()),
                "pin" if pin.is_none() => pin = Some(Pin::parse(&value)?),
                "name" | "pin" => return Err(JoinLinkError::RepeatedParameter(name.into_owned())),
                _ => return Err(JoinLinkError::UnknownParameter(name.into_owned())),
            }
        }
        let mut backend = url.clone();
        backend.set_query(None);
        backend.set_path(prefix);
        Ok(Self {
            backend,
            community_id,
            community_name: community_name.filter(|name| !name.trim().is_empty()),
            pin,
        })
    }

    /// The backend's base URL as text, without a trailing slash.
    pub fn backend_url(&self) -> String {
        self.backend.as_str().trim_end_matches('/').to_owned()
    }
}

impl std::fmt::Display for JoinLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut url = self.backend.clone();
        let prefix = url.path().trim_end_matches('/').to_owned();
        url.set_path(&format!("{prefix}/join/{}", self.community_id));
        url.set_query(None);
        if self.community_name.is_some() || self.pin.is_some() {
            let mut query = url.query_pairs_mut();
            if let Some(name) = &self.community_name {
                query.append_pair("name", name);
            }
            if let Some(pin) = &self.pin {
                query.append_pair("pin", &pin.to_string());
            }
        }
        f.write_str(url.as_str())
    }
}

/// `GET /v1/communities`: the communities a backend serves (no token needed), for an address
/// typed by hand.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, utoipa::ToSchema)]
pub struct CommunityList {
    /// By name.
    pub items: Vec<crate::me::Community>,
}

/// The backend the app talks to, as the session shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct BackendView {
    /// Its base URL.
    pub url: String,
    /// The community joined through a link (none when the backend was configured).
    pub community_id: Option<CommunityId>,
    /// That community's name, as the backend gave it at joining.
    pub community_name: Option<String>,
    /// A certificate matched against a join link's pin (a private CA, or exactly the
    /// backend's own certificate) is trusted for it.
    pub pinned: bool,
    /// The resident may leave it for another community's backend now (signed out, and not
    /// fixed by the app's configuration).
    pub can_switch: bool,
}

/// What a join link (or a typed address and a community) leads to, before joining.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct JoinPreview {
    /// The join link to pass to `join` (normalised; a typed address gets one made).
    pub link: String,
    /// The backend's base URL.
    pub backend_url: String,
    /// The community, as the backend describes it.
    pub community: crate::me::Community,
    /// The backend's CA or its own certificate was matched against the link's pin.
    pub pinned: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    const ID: &str = "01936f5e-0000-7000-8000-000000000001";

    fn pin() -> Pin {
        Pin([7; 32])
    }

    #[test]
    fn printed_links_parse_back() {
        let cases = [
            JoinLink {
                backend: Url::parse("https://wuye.example.cn").expect("url"),
                community_id: CommunityId(Uuid::parse_str(ID).expect("id")),
                community_name: Some("翠湖花园 & 二期".to_owned()),
                pin: Some(pin()),
            },
            JoinLink {
                backend: Url::parse("https://127.0.0.1:8443/linli").expect("url"),
                community_id: CommunityId(Uuid::now_v7()),
                community_name: None,
                pin: None,
            },
        ];
        for link in cases {
            let text = link.to_string();
            let back = JoinLink::parse(&text).expect(&text);
            assert_eq!(back.community_id, link.community_id, "{text}");
            assert_eq!(back.community_name, link.community_name, "{text}");
            assert_eq!(back.pin, link.pin, "{text}");
            assert_eq!(
                back.backend_url(),
                link.backend.as_str().trim_end_matches('/'),
                "the backend is everything before /join/: {text}"
            );
            assert_eq!(back.to_string(), text, "printing is stable");
        }
    }

    #[test]
    fn the_documented_form_reads() {
        let text = format!(
            "  https://wuye.example.cn:8443/join/{ID}?name=%E7%BF%A0%E6%B9%96%E8%8A%B1%E5%9B%AD&pin={}\n",
            pin()
        );
        let link = JoinLink::parse(&text).expect("a pasted link with white space");
        assert_eq!(link.backend_url(), "https://wuye.example.cn:8443");
        assert_eq!(link.community_name.as_deref(), Some("翠湖花园"));
        assert_eq!(link.pin, Some(pin()));
        assert_eq!(
            pin().to_string().len(),
            PIN_PREFIX.len() + 43,
            "32 bytes are 43 base64url characters"
        );
    }

    #[test]
    fn anything_else_is_refused() {
        let good_pin = pin().to_string();
        let cases = [
            ("翠湖花园".to_owned(), JoinLinkError::NotUrl),
            (
                format!("http://wuye.example.cn/join/{ID}"),
                JoinLinkError::NotHttps,
            ),
            (format!("linli://join/{ID}"), JoinLinkError::NotHttps),
            (
                format!("https://a:b@wuye.example.cn/join/{ID}"),
                JoinLinkError::Credentials,
            ),
            (
                format!("https://wuye.example.cn/join/{ID}#x"),
                JoinLinkError::Fragment,
            ),
            (
                "https://wuye.example.cn/".to_owned(),
                JoinLinkError::NotJoinPath,
            ),
            (
                "https://wuye.example.cn/join/42".to_owned(),
                JoinLinkError::NotJoinPath,
            ),
            (
                format!("https://wuye.example.cn/join/{ID}/more"),
                JoinLinkError::NotJoinPath,
            ),
            (
                format!("https://wuye.example.cn/join/{ID}?trust=all"),
                JoinLinkError::UnknownParameter("trust".to_owned()),
            ),
            (
                format!("https://wuye.example.cn/join/{ID}?pin={good_pin}&pin={good_pin}"),
                JoinLinkError::RepeatedParameter("pin".to_owned()),
            ),
            (
                format!("https://wuye.example.cn/join/{ID}?pin=sha1/AAAA"),
                JoinLinkError::BadPin,
            ),
            (
                format!("https://wuye.example.cn/join/{ID}?pin=sha256/AAAA"),
                JoinLinkError::BadPin,
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(
                JoinLink::parse(&text).expect_err(&text),
                expected,
                "{text} must be refused so"
            );
        }
    }
}
