//! The session: signing in and out, keeping it alive, the household shown, the locale and
//! the notification setting. Every feature needs it (each request is `Inner::authed`, each
//! list is the current household's); it needs no feature.
//!
//! - Sign-in saves the token pair to the [`TokenStore`] *before* using it, then reads
//!   `/v1/me` into the account's cache and picks a household.
//! - Every authenticated request goes through `Inner::authed`: an access token past its
//!   expiry (by the injected clock) or a 401 triggers one refresh, then the request is retried
//!   once. Refreshes are single-flight: the account's token mutex is held across the refresh
//!   request, so concurrent callers wait and reuse the new pair instead of presenting the
//!   same refresh token twice (which the server would treat as theft after its grace window).
//!   The new pair is persisted before it is used.
//! - A refresh answered `refresh-reused` or `unauthenticated` ends the session: tokens and
//!   the account's cache are deleted, `ended_because` is recorded and `SessionEnded` emitted.
//!   A network failure during a refresh is only `offline`.
//! - Tokens missing from the store (deleted by hand, another keyring) answer
//!   `session-expired` without deleting the cache, so unsent writes survive a new sign-in of
//!   the same resident.

// The store is its own module (not a child of `auth`), so `inner` can hold one without
mod cache;
mod invitations;
mod members;
mod session;
mod tokens;

pub(crate) use cache::{ACTIVE_COMMUNITIES, ACTIVE_MEMBERSHIPS, ACTIVE_UNITS, MembershipsFeed};

// importing `auth`, which imports `inner`.
pub use crate::token_store::{
    KEYRING_SERVICE, KeyringTokenStore, MemoryTokenStore, TokenStore, TokenStoreError,
};

use crate::Core;
use crate::error::Error;
use crate::http::check_base_url;
use crate::secret::Secret;
use base64::Engine;
use linli_wire::auth::SmsCodeSent;
use linli_wire::ipc::{AccountView, Locale, SessionView};
use linli_wire::me::{Membership, MembershipState};
use linli_wire::sync::EntityKind;
use linli_wire::{MembershipId, UserId};

/// The token store key of `user_id` on the backend at `base_url`: `"<user id>@<host:port>"`.
pub fn account_key(user_id: UserId, base_url: &str) -> Result<String, Error> {
    let url = check_base_url(base_url)?;
    Ok(format!("{user_id}@{}", crate::http::authority(&url)))
}

/// The `sub` claim of a JWT access token (read, not verified: the server verifies it).
pub(crate) fn user_id_from_access_token(token: &Secret) -> Result<UserId, Error> {
    #[derive(serde::Deserialize)]
    struct Claims {
        sub: String,
    }
    let bad = |why: &str| Error::BadResponse(format!("the access token is not usable: {why}"));
    let payload = token
        .expose()
        .split('.')
        .nth(1)
        .ok_or_else(|| bad("not a JWT"))?;
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .map_err(|_| bad("claims are not base64url"))?;
    let claims: Claims = serde_json::from_slice(&json).map_err(|_| bad("no sub claim"))?;
    claims.sub.parse().map_err(|_| bad("sub is not a user id"))
}

/// The household to show: the remembered one while it is active, else the first active one.
pub(crate) fn choose_household(
    memberships: &[Membership],
    remembered: Option<MembershipId>,
) -> Option<MembershipId> {
    let active = |m: &&Membership| m.state == MembershipState::Active;
    remembered
        .filter(|id| memberships.iter().filter(active).any(|m| m.id == *id))
        .or_else(|| memberships.iter().find(active).map(|m| m.id))
}

impl Core {
    /// Who is signed in, the locale, the backend and why the last session ended. Local only.
    pub async fn session(&self) -> Result<SessionView, Error> {
        let state = self.inner.app.state().await?;
        let current = self.inner.account.read().await.clone();
        let account = match current {
            Some(account) if !account.has_ended() => self.inner.account_view(&account).await?,
            Some(_) | None => None,
        };
        let backend = self.backend_view(account.is_some()).await?;
        Ok(SessionView {
            account,
            locale: state.locale,
            backend,
            ended_because: state.ended_because,
            notifications: state.notifications,
            elderly_mode: state.elderly,
            elderly_offered: state.elderly_offered,
        })
    }

    /// Signs in with phone and password: tokens to the token store first, then `/v1/me`, the
    /// household, and a first sync (its failure does not fail the sign-in).
    pub async fn sign_in(&self, phone: &str, password: &str) -> Result<AccountView, Error> {
        self.inner.sign_in(phone, password).await
    }

    /// Asks the backend to send a sign-in code to `phone` by SMS. Any valid number gets the same
    /// answer (a new one registers by signing in with the code); too many asks are
    /// `rate-limited` with the wait.
    pub async fn request_sign_in_code(&self, phone: &str) -> Result<SmsCodeSent, Error> {
        self.inner.request_sign_in_code(phone).await
    }

    /// Signs in with the SMS code `phone` received, like [`Core::sign_in`]; a number with no
    /// account yet gets one, with no home. A wrong or used-up code is `sms-code-invalid`.
    pub async fn sign_in_with_code(&self, phone: &str, code: &str) -> Result<AccountView, Error> {
        self.inner.sign_in_with_code(phone, code).await
    }

    /// Signs out: server logout (best effort), the token entry deleted, the account's cache
    /// folder deleted. Signing out when nobody is signed in succeeds.
    pub async fn sign_out(&self) -> Result<(), Error> {
        self.inner.sign_out().await
    }

    /// Shows another of the resident's (active) households.
    pub async fn switch_household(&self, id: MembershipId) -> Result<AccountView, Error> {
        let account = self.inner.current_account().await?;
        let membership = account
            .cache
            .membership(id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("household {id}")))?;
        if membership.state != MembershipState::Active {
            return Err(Error::MembershipRequired(format!(
                "household {id} is not active and cannot be shown"
            )));
        }
        self.inner
            .app
            .set_household(account.user_id, Some(id), self.inner.now())
            .await?;
        self.inner
            .events
            .data_changed(vec![EntityKind::Membership, EntityKind::Notice]);
        self.inner
            .account_view(&account)
            .await?
            .ok_or(Error::NotSignedIn)
    }

    /// Leaves a home (moving out; needs the network): the backend ends the membership and
    /// revokes the visitor passes made for it; the sync that follows drops the home's data from
    /// this device and shows another home, if there is one.
    pub async fn leave_household(&self, id: MembershipId) -> Result<AccountView, Error> {
        self.inner.leave_household(id).await
    }

    /// Remembers the UI language; requests ask for it in `Accept-Language` from now on.
    pub async fn set_locale(&self, locale: Locale) -> Result<(), Error> {
        self.inner.app.set_locale(locale).await?;
        self.inner.http.set_locale(locale);
        Ok(())
    }

    /// Turns desktop notifications of ticket progress on or off (kept on this device).
    pub async fn set_notifications(&self, on: bool) -> Result<(), Error> {
        self.inner.app.set_notifications(on).await
    }

    /// Turns 长辈模式 on or off (kept on this device, across sign-out); answers its one-time
    /// offer for good either way.
    pub async fn set_elderly_mode(&self, on: bool) -> Result<(), Error> {
        self.inner.app.set_elderly(on).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use linli_wire::ErrorCode;
    use linli_wire::me::{Community, MembershipRole, Unit};
    use linli_wire::{CommunityId, UnitId};
    use uuid::Uuid;

    fn jwt(claims: &str) -> Secret {
        let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        Secret::new(format!(
            "{}.{}.sig",
            engine.encode(r#"{"alg":"EdDSA"}"#),
            engine.encode(claims)
        ))
    }

    #[test]
    fn user_id_comes_from_the_sub_claim() {
        let id = Uuid::now_v7();
        let token = jwt(&format!(r#"{{"sub":"{id}","aud":"linli","exp":1}}"#));
        assert_eq!(user_id_from_access_token(&token).expect("sub"), UserId(id));
        for bad in [
            jwt(r#"{"aud":"linli"}"#),
            jwt(r#"{"sub":"nope"}"#),
            Secret::new("opaque"),
        ] {
            let err = user_id_from_access_token(&bad).expect_err("unusable token");
            assert_eq!(err.code(), ErrorCode::BadResponse);
            assert!(
                !err.to_string().contains("opaque"),
                "no token text in messages"
            );
        }
    }

    #[test]
    fn account_key_is_user_at_authority() {
        let id = UserId(Uuid::nil());
        assert_eq!(
            account_key(id, "https://127.0.0.1:8443").expect("key"),
            "00000000-0000-0000-0000-000000000000@127.0.0.1:8443"
        );
        assert_eq!(
            account_key(id, "https://wuye.example.cn/").expect("key"),
            "00000000-0000-0000-0000-000000000000@wuye.example.cn:443"
        );
    }

    fn membership(state: MembershipState) -> Membership {
        Membership {
            id: MembershipId(Uuid::now_v7()),
            community: Community {
                id: CommunityId(Uuid::now_v7()),
                name: "翠湖花园".to_owned(),
                address: String::new(),
                property_company: String::new(),
                service_phone: String::new(),
            },
            unit: Unit {
                id: UnitId(Uuid::now_v7()),
                building: "3栋".to_owned(),
                entrance: String::new(),
                room: "1502".to_owned(),
                area_centi_m2: 8950,
            },
            role: MembershipRole::Owner,
            state,
            ends_on: None,
            allowed: Vec::new(),
        }
    }

    #[test]
    fn household_choice() {
        let pending = membership(MembershipState::Pending);
        let first = membership(MembershipState::Active);
        let second = membership(MembershipState::Active);
        let all = [pending.clone(), first.clone(), second.clone()];
        assert_eq!(
            choose_household(&all, None),
            Some(first.id),
            "first active one"
        );
        assert_eq!(
            choose_household(&all, Some(second.id)),
            Some(second.id),
            "remembered"
        );
        assert_eq!(
            choose_household(&all, Some(pending.id)),
            Some(first.id),
            "a household that is not active cannot stay chosen"
        );
        assert_eq!(choose_household(&[pending], None), None);
    }
}
