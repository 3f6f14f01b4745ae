//! Typed secrets: a token can be passed around, but not printed, logged or serialized by
//! accident. The only way to the plain text is [`Secret::expose`], called where the
//! `Authorization` header or the refresh body is built and inside the token store.

use chrono::{DateTime, Utc};
use linli_wire::auth::TokenResponse;

/// A secret string (an access or refresh token). `Debug` and `Display` print `<redacted>`;
/// it has no `Serialize`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The plain text. Call only where the secret must leave the process (a header, a request
    /// body, the OS keyring).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// The tokens of one signed-in account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenPair {
    /// Bearer access token (short-lived JWT).
    pub access: Secret,
    /// Opaque refresh token, rotated on every refresh.
    pub refresh: Secret,
    /// When the access token expires (computed with the injected clock from `expires_in`).
    pub access_expires_at: DateTime<Utc>,
}

impl TokenPair {
    /// The pair a token response describes, `now` being when it was received.
    pub(crate) fn from_response(response: TokenResponse, now: DateTime<Utc>) -> Self {
        let lifetime = i64::try_from(response.expires_in).unwrap_or(i64::MAX);
        let access_expires_at = chrono::TimeDelta::try_seconds(lifetime)
            .and_then(|delta| now.checked_add_signed(delta))
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        Self {
            access: Secret::new(response.access_token),
            refresh: Secret::new(response.refresh_token),
            access_expires_at,
        }
    }

    /// True when the access token is expired, or will be within `margin`, at `now`.
    pub(crate) fn access_expired(&self, now: DateTime<Utc>, margin: chrono::TimeDelta) -> bool {
        now + margin >= self.access_expires_at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "eyJhbGciOiJFZERTQSJ9.c2VjcmV0.c2ln";

    #[test]
    fn secret_never_prints_its_value() {
        let secret = Secret::new(TOKEN);
        assert_eq!(format!("{secret:?}"), "<redacted>");
        assert_eq!(format!("{secret}"), "<redacted>");
        assert_eq!(secret.expose(), TOKEN, "expose is the one way to the value");
    }

    #[test]
    fn token_pair_debug_redacts_both_tokens() {
        let pair = TokenPair {
            access: Secret::new(TOKEN),
            refresh: Secret::new("refresh-plain-text"),
            access_expires_at: DateTime::<Utc>::UNIX_EPOCH,
        };
        let printed = format!("{pair:?} {pair:#?}");
        assert!(
            !printed.contains(TOKEN),
            "access token leaked into Debug: {printed}"
        );
        assert!(
            !printed.contains("refresh-plain-text"),
            "refresh token leaked: {printed}"
        );
    }

    #[test]
    fn expiry_is_computed_from_expires_in() {
        let now = DateTime::<Utc>::UNIX_EPOCH;
        let pair = TokenPair::from_response(
            TokenResponse {
                access_token: "a".to_owned(),
                token_type: "Bearer".to_owned(),
                expires_in: 900,
                refresh_token: "r".to_owned(),
            },
            now,
        );
        let margin = chrono::TimeDelta::seconds(30);
        assert!(!pair.access_expired(now, margin), "fresh token is valid");
        assert!(
            pair.access_expired(now + chrono::TimeDelta::seconds(871), margin),
            "refresh a little before the server would refuse it"
        );
    }
}
