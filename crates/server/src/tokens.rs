//! Token material: EdDSA access tokens and opaque refresh tokens.
//!
//! Access tokens are compact JWTs (RFC 7519) signed with Ed25519 (`alg: EdDSA`, RFC 8037),
//! valid for [`ACCESS_TTL`], claims `sub`, `sid` (the refresh token family), `aud`, `iat`,
//! `exp`, `jti`. Refresh tokens are 256 random bits, base64url; only their SHA-256 is stored.
//! The successor of a refresh token is derived as `HMAC-SHA256(secret, old token)`, so a
//! client whose refresh response was lost can present the old token again within the grace
//! window and receive the same successor, without the server ever storing a usable token.
//! The signing key and the HMAC secret live in the `settings` table and are made on first use.
//!
//! Device tokens (gates, staff) are opaque, stored as SHA-256, and have a term
//! ([`GATE_TOKEN_TTL`], [`STAFF_TOKEN_TTL`] by default) and a revocation time; see
//! [`DeviceToken`].

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use hmac::{Hmac, Mac};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::SqlitePool;
use std::time::Duration;
use uuid::Uuid;

/// Lifetime of an access token.
pub const ACCESS_TTL: Duration = Duration::from_secs(15 * 60);
/// A refresh family unused this long expires (sliding).
pub const REFRESH_IDLE: Duration = Duration::from_secs(30 * 24 * 3600);
/// A refresh family expires this long after sign-in, however much it is used.
pub const REFRESH_ABSOLUTE: Duration = Duration::from_secs(180 * 24 * 3600);
/// How long a rotated refresh token may be presented again for the same successor.
pub const REFRESH_GRACE: Duration = Duration::from_secs(60);
/// The `aud` of every access token.
const AUDIENCE: &str = "linli";
/// How long a gate's token is valid unless the operator says otherwise (`gate-add
/// --valid-days`): a gate is a fixed device on the property, re-enrolled once a year; a lost
/// or stolen one is revoked at once instead. (A year also outlasts the 90 days a retired pass
/// key stays trusted, so one token sees a key rotation through.)
pub const GATE_TOKEN_TTL: Duration = Duration::from_secs(365 * 24 * 3600);
/// How long a staff token is valid unless the operator says otherwise (`staff-add
/// --valid-days`): staff have no sign-in of their own yet, so a term, not a session.
pub const STAFF_TOKEN_TTL: Duration = Duration::from_secs(30 * 24 * 3600);

/// A device token as issued (a gate's, a staff member's): shown once, stored as SHA-256, valid
/// until `expires_at_ms` unless revoked first (`crate::extract::admit_device` checks both on
/// every request).
#[derive(Clone, Debug)]
pub struct DeviceToken {
    /// The gate's or the staff member's id (what `gate-revoke` / `staff-revoke` take).
    pub id: String,
    /// The bearer token.
    pub token: String,
    /// When it stops working, Unix milliseconds.
    pub expires_at_ms: i64,
}

impl DeviceToken {
    /// The expiry as a time (what the CLI prints, RFC 3339).
    pub fn expires_at(&self) -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::from_timestamp_millis(self.expires_at_ms).unwrap_or_default()
    }
}

impl DeviceToken {
    /// What the CLI prints, once: `{"<id_key>", "token", "expires_at"}` (RFC 3339).
    pub fn printed(&self, id_key: &str) -> serde_json::Value {
        let mut line = serde_json::json!({
            "token": self.token,
            "expires_at": self.expires_at().to_rfc3339(),
        });
        line[id_key] = self.id.clone().into();
        line
    }
}

/// A token's term of `n` days (the CLI's `--valid-days`).
pub fn days(n: u32) -> Duration {
    Duration::from_secs(u64::from(n) * 24 * 3600)
}

/// Milliseconds of a token's term.
pub fn term_ms(ttl: Duration) -> i64 {
    i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX)
}

/// The server's secrets.
pub struct Keys {
    signing: SigningKey,
    verifying: VerifyingKey,
    kid: String,
    successor_secret: [u8; 32],
    code_secret: [u8; 32],
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keys")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

/// Why an access token was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum AccessError {
    /// Well-formed and correctly signed, but past `exp`.
    Expired,
    /// Anything else: malformed, wrong signature, wrong audience.
    Invalid,
}

/// What a valid access token says.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Claims {
    /// User id.
    pub sub: Uuid,
    /// Refresh token family (the sign-in).
    pub sid: Uuid,
    /// Audience.
    pub aud: String,
    /// Issued at (seconds).
    pub iat: i64,
    /// Expires at (seconds).
    pub exp: i64,
    /// Token id.
    pub jti: Uuid,
}

#[derive(Serialize, Deserialize)]
struct Header {
    alg: String,
    typ: String,
    kid: String,
}

impl Keys {
    /// Loads the keys from the database, creating them on first start.
    pub async fn load_or_create(db: &SqlitePool) -> anyhow::Result<Self> {
        let signing = setting_or_create(db, "jwt_ed25519_seed").await?;
        let successor_secret = setting_or_create(db, "refresh_successor_secret").await?;
        let code_secret = setting_or_create(db, "sms_code_secret").await?;
        let signing = SigningKey::from_bytes(&signing);
        let verifying = signing.verifying_key();
        let kid = hex::encode(&Sha256::digest(verifying.as_bytes())[..8]);
        Ok(Self {
            signing,
            verifying,
            kid,
            successor_secret,
            code_secret,
        })
    }

    /// The HMAC an SMS code is stored as: keyed by a server secret over phone and code, so a
    /// copy of the database cannot be searched for the million possible codes.
    pub fn code_mac(&self, phone: &str, code: &str) -> Vec<u8> {
        self.code_hmac(phone, code).finalize().into_bytes().to_vec()
    }

    /// Whether `code` is the one stored as `mac` for `phone` (compared in constant time).
    pub fn code_mac_matches(&self, phone: &str, code: &str, mac: &[u8]) -> bool {
        self.code_hmac(phone, code).verify_slice(mac).is_ok()
    }

    fn code_hmac(&self, phone: &str, code: &str) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.code_secret)
            .expect("HMAC takes keys of any length");
        mac.update(phone.as_bytes());
        mac.update(b":");
        mac.update(code.as_bytes());
        mac
    }

    /// Signs an access token for `user` in family `sid`, issued at `now_s` (Unix seconds).
    pub fn issue_access(&self, user: Uuid, sid: Uuid, now_s: i64) -> String {
        let header = Header {
            alg: "EdDSA".to_owned(),
            typ: "JWT".to_owned(),
            kid: self.kid.clone(),
        };
        let ttl = i64::try_from(ACCESS_TTL.as_secs()).unwrap_or(900);
        let claims = Claims {
            sub: user,
            sid,
            aud: AUDIENCE.to_owned(),
            iat: now_s,
            exp: now_s + ttl,
            jti: Uuid::now_v7(),
        };
        let signing_input = format!(
            "{}.{}",
            B64.encode(serde_json::to_vec(&header).unwrap_or_default()),
            B64.encode(serde_json::to_vec(&claims).unwrap_or_default())
        );
        let signature = self.signing.sign(signing_input.as_bytes());
        format!("{signing_input}.{}", B64.encode(signature.to_bytes()))
    }

    /// Verifies an access token at `now_s`.
    pub fn verify_access(&self, token: &str, now_s: i64) -> Result<Claims, AccessError> {
        let mut parts = token.split('.');
        let (Some(header), Some(claims), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(AccessError::Invalid);
        };
        let header: Header = B64
            .decode(header)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or(AccessError::Invalid)?;
        // Only our own algorithm and key: never let the token choose ("alg": "none" attacks).
        if header.alg != "EdDSA" || header.kid != self.kid {
            return Err(AccessError::Invalid);
        }
        let signature = B64
            .decode(signature)
            .ok()
            .and_then(|bytes| Signature::from_slice(&bytes).ok())
            .ok_or(AccessError::Invalid)?;
        let signing_input_len = token.len() - token.rsplit('.').next().map_or(0, str::len) - 1;
        // Strict: no small-order R or key, no non-canonical S (RFC 8032 edge cases).
        self.verifying
            .verify_strict(&token.as_bytes()[..signing_input_len], &signature)
            .map_err(|_| AccessError::Invalid)?;
        let claims: Claims = B64
            .decode(claims)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or(AccessError::Invalid)?;
        if claims.aud != AUDIENCE {
            return Err(AccessError::Invalid);
        }
        if now_s >= claims.exp {
            return Err(AccessError::Expired);
        }
        Ok(claims)
    }

    /// The successor of a refresh token: deterministic, so a retried refresh gets the same one.
    pub fn successor_of(&self, refresh_token: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.successor_secret)
            .expect("HMAC takes keys of any length");
        mac.update(refresh_token.as_bytes());
        B64.encode(mac.finalize().into_bytes())
    }
}

/// A fresh refresh token for a new sign-in.
pub fn new_refresh_token() -> String {
    let mut bytes = [0_u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    B64.encode(bytes)
}

/// What the database stores of a refresh token.
pub fn refresh_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

async fn setting_or_create(db: &SqlitePool, name: &str) -> anyhow::Result<[u8; 32]> {
    let mut fresh = [0_u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut fresh);
    // INSERT OR IGNORE then read: two servers starting at once agree on one value.
    sqlx::query("INSERT OR IGNORE INTO settings (name, value) VALUES (?, ?)")
        .bind(name)
        .bind(fresh.as_slice())
        .execute(db)
        .await?;
    let stored: Vec<u8> = sqlx::query_scalar("SELECT value FROM settings WHERE name = ?")
        .bind(name)
        .fetch_one(db)
        .await?;
    stored
        .try_into()
        .map_err(|_| anyhow::anyhow!("setting {name} is not 32 bytes"))
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn keys() -> Keys {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = crate::db::open(dir.path()).await.expect("db");
        Keys::load_or_create(&db).await.expect("keys")
    }

    #[tokio::test]
    async fn access_token_round_trips_and_expires() {
        let keys = keys().await;
        let (user, sid) = (Uuid::now_v7(), Uuid::now_v7());
        let token = keys.issue_access(user, sid, 1_000);
        let claims = keys.verify_access(&token, 1_000).expect("valid now");
        assert_eq!((claims.sub, claims.sid), (user, sid));
        assert_eq!(
            keys.verify_access(&token, 1_000 + 15 * 60).map(|_| ()),
            Err(AccessError::Expired),
            "15 minutes later it is expired, not invalid, so the client refreshes"
        );
    }

    #[tokio::test]
    async fn tampered_or_unsigned_tokens_are_invalid() {
        let keys = keys().await;
        let token = keys.issue_access(Uuid::now_v7(), Uuid::now_v7(), 1_000);
        let mut parts: Vec<&str> = token.split('.').collect();
        let forged_claims = B64.encode(br#"{"sub":"00000000-0000-0000-0000-000000000000"}"#);
        parts[1] = &forged_claims;
        assert_eq!(
            keys.verify_access(&parts.join("."), 1_000).map(|_| ()),
            Err(AccessError::Invalid)
        );
        let none_header = B64.encode(br#"{"alg":"none","typ":"JWT","kid":""}"#);
        let unsigned = format!(
            "{none_header}.{}.",
            token.split('.').nth(1).expect("claims")
        );
        assert_eq!(
            keys.verify_access(&unsigned, 1_000).map(|_| ()),
            Err(AccessError::Invalid),
            "alg none is never accepted"
        );
        let other = self::keys().await;
        assert_eq!(
            other.verify_access(&token, 1_000).map(|_| ()),
            Err(AccessError::Invalid),
            "another server's key does not verify"
        );
    }

    /// RFC 8032 edge case: were the verifying key of small order (the identity point here),
    /// R = identity with S = 0 would satisfy the plain verification equation for any claims.
    /// The check is strict, so even then no made-up token passes.
    #[tokio::test]
    async fn a_small_order_signature_is_refused() {
        let mut keys = keys().await;
        let mut identity = [0u8; 32];
        identity[0] = 1;
        keys.verifying = VerifyingKey::from_bytes(&identity).expect("the identity point decodes");
        let header = B64.encode(
            serde_json::to_vec(&Header {
                alg: "EdDSA".into(),
                typ: "JWT".into(),
                kid: keys.kid.clone(),
            })
            .expect("header"),
        );
        let claims = B64.encode(
            serde_json::to_vec(&Claims {
                sub: Uuid::now_v7(),
                sid: Uuid::now_v7(),
                aud: AUDIENCE.into(),
                iat: 1_000,
                exp: 2_000,
                jti: Uuid::now_v7(),
            })
            .expect("claims"),
        );
        let mut signature = identity.to_vec();
        signature.extend_from_slice(&[0u8; 32]);
        let forged = format!("{header}.{claims}.{}", B64.encode(signature));
        assert_eq!(
            keys.verify_access(&forged, 1_000).map(|_| ()),
            Err(AccessError::Invalid),
            "a signature that holds for every message is no signature"
        );
    }

    #[tokio::test]
    async fn successor_is_deterministic_per_token() {
        let keys = keys().await;
        let token = new_refresh_token();
        assert_eq!(keys.successor_of(&token), keys.successor_of(&token));
        assert_ne!(
            keys.successor_of(&token),
            keys.successor_of(&new_refresh_token())
        );
    }
}
