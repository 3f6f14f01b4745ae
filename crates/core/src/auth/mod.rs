//! Signing in and out, and keeping the session alive.
//!
//! - Sign-in saves the token pair to the [`TokenStore`] *before* using it, then reads
//!   `/v1/me` into the account's cache and picks a household.
//! - Every authenticated request goes through [`Inner::authed`]: an access token past its
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
// importing `auth`, which imports `inner`.
pub use crate::token_store::{
    KEYRING_SERVICE, KeyringTokenStore, MemoryTokenStore, TokenStore, TokenStoreError,
};

use crate::error::Error;
use crate::http::{Call, Reply, check_base_url};
use crate::inner::{Account, Inner};
use crate::secret::{Secret, TokenPair};
use crate::store::app::SignedIn;
use base64::Engine;
use linli_wire::auth::{LoginRequest, RefreshRequest, TokenResponse};
use linli_wire::ipc::AccountView;
use linli_wire::me::{Me, Membership, MembershipState};
use linli_wire::{ErrorCode, MembershipId, UserId};
use std::sync::Arc;

/// Refresh a little before the access token expires, so a request does not race the expiry.
const EXPIRY_MARGIN: chrono::TimeDelta = chrono::TimeDelta::seconds(30);

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

fn is_session_ending(code: ErrorCode) -> bool {
    matches!(code, ErrorCode::RefreshReused | ErrorCode::Unauthenticated)
}

impl Inner {
    /// Why an ended account cannot be used.
    async fn ended_error(&self) -> Error {
        match self.current_account().await {
            Err(err) => err,
            Ok(_) => Error::NotSignedIn,
        }
    }

    /// The account's current pair, loaded from the store on first use.
    async fn tokens_for(&self, account: &Account) -> Result<TokenPair, Error> {
        let mut tokens = account.tokens.lock().await;
        if account.has_ended() {
            drop(tokens);
            return Err(self.ended_error().await);
        }
        if tokens.is_none() {
            *tokens = self.load_tokens(&account.key).await?;
        }
        tokens
            .clone()
            .ok_or(Error::SessionExpired(ErrorCode::Unauthenticated))
    }

    /// A valid access token (refreshed when about to expire), for requests outside `authed`.
    pub(crate) async fn fresh_access(
        &self,
        account: &Account,
    ) -> Result<crate::secret::Secret, Error> {
        let mut pair = self.tokens_for(account).await?;
        if pair.access_expired(self.now(), EXPIRY_MARGIN) {
            pair = self.refresh(account, &pair).await?;
        }
        Ok(pair.access)
    }

    /// Sends `call` with the account's access token, refreshing once when needed.
    pub(crate) async fn authed(&self, account: &Account, call: &Call) -> Result<Reply, Error> {
        let mut pair = self.tokens_for(account).await?;
        if pair.access_expired(self.now(), EXPIRY_MARGIN) {
            pair = self.refresh(account, &pair).await?;
        }
        match self.http.send(call, Some(&pair.access), self.now()).await {
            Err(Error::Api {
                status: 401,
                problem,
                ..
            }) if problem.code != ErrorCode::InvalidCredentials => {
                tracing::info!(code = %problem.code, "access token refused; refreshing once");
                let fresh = self.refresh(account, &pair).await?;
                self.http.send(call, Some(&fresh.access), self.now()).await
            }
            other => other,
        }
    }

    /// Single-flight refresh: `stale` is the pair the caller used. If another caller already
    /// replaced it, that pair is reused without a request.
    async fn refresh(&self, account: &Account, stale: &TokenPair) -> Result<TokenPair, Error> {
        let mut tokens = account.tokens.lock().await;
        if account.has_ended() {
            drop(tokens);
            return Err(self.ended_error().await);
        }
        if let Some(current) = tokens.as_ref()
            && current.access != stale.access
        {
            return Ok(current.clone());
        }
        let refresh_token = tokens.as_ref().unwrap_or(stale).refresh.clone();
        let call = Call::post(
            "/v1/auth/refresh",
            &RefreshRequest {
                refresh_token: refresh_token.expose().to_owned(),
            },
        )?;
        match self.http.send(&call, None, self.now()).await {
            Ok(reply) => {
                let response: TokenResponse = reply.json("the refreshed tokens")?;
                let pair = TokenPair::from_response(response, self.now());
                // Persist first: if the app dies now, the next start has the pair the server
                // expects (the old refresh token is already spent).
                self.save_tokens(&account.key, &pair).await?;
                *tokens = Some(pair.clone());
                tracing::debug!("access token refreshed");
                Ok(pair)
            }
            Err(Error::Api {
                status: 401,
                problem,
                ..
            }) if is_session_ending(problem.code) => {
                let code = problem.code;
                tracing::warn!(%code, "the session was ended by the backend");
                *tokens = None;
                account.mark_ended();
                drop(tokens);
                self.end_session(account, code).await;
                Err(Error::SessionExpired(code))
            }
            Err(err) => Err(err),
        }
    }

    /// The session ended without the resident asking: tokens and cache go, the reason stays.
    pub(crate) async fn end_session(&self, account: &Account, code: ErrorCode) {
        {
            let mut slot = self.account.write().await;
            match slot.as_deref() {
                Some(current) if std::ptr::eq(current, account) => *slot = None,
                Some(_) | None => return,
            }
        }
        account.mark_ended();
        if let Err(err) = self.delete_tokens(&account.key).await {
            tracing::warn!("could not delete the ended session's tokens: {err}");
        }
        if let Err(err) = self.app.set_signed_out(Some(code)).await {
            tracing::warn!("could not record the ended session: {err}");
        }
        if let Err(err) = self.wipe_account(account).await {
            tracing::warn!("could not delete the ended session's cache: {err}");
        }
        self.events
            .emit(linli_wire::ipc::CoreEvent::SessionEnded { code });
    }

    /// Re-picks the household when the remembered one is gone; answers whether it changed.
    pub(crate) async fn ensure_household(&self, account: &Account) -> Result<bool, Error> {
        let memberships = account.cache.memberships().await?;
        let remembered = self.app.household(account.user_id).await?;
        let chosen = choose_household(&memberships, remembered);
        if chosen == remembered {
            return Ok(false);
        }
        self.app
            .set_household(account.user_id, chosen, self.now())
            .await?;
        Ok(true)
    }

    /// `GET /v1/me` into the cache; answers whether what the UI shows changed.
    pub(crate) async fn refresh_me(&self, account: &Account) -> Result<bool, Error> {
        let me: Me = self
            .authed(account, &Call::get("/v1/me"))
            .await?
            .json("your account")?;
        if me.user.id != account.user_id {
            return Err(Error::BadResponse(
                "/v1/me answered another account than the token's".to_owned(),
            ));
        }
        let changed = account.cache.save_me(&me, self.now()).await?;
        let household_changed = self.ensure_household(account).await?;
        Ok(changed || household_changed)
    }

    pub(crate) async fn sign_in(&self, phone: &str, password: &str) -> Result<AccountView, Error> {
        let session_guard = self.session_lock.lock().await;
        let login = Call::post(
            "/v1/auth/login",
            &LoginRequest {
                phone: phone.to_owned(),
                password: password.to_owned(),
            },
        )?;
        let response: TokenResponse = self
            .http
            .send(&login, None, self.now())
            .await?
            .json("the sign-in answer")?;
        let pair = TokenPair::from_response(response, self.now());
        let user_id = user_id_from_access_token(&pair.access)?;
        let key = format!("{user_id}@{}", self.authority);
        // Saved before first use: a locked keyring fails the sign-in instead of leaving a
        // session the app cannot resume.
        self.save_tokens(&key, &pair).await?;

        let previous = self.account.read().await.clone();
        let account = match previous {
            Some(previous) if previous.user_id == user_id && !previous.has_ended() => {
                *previous.tokens.lock().await = Some(pair);
                previous
            }
            other => {
                if let Some(previous) = other {
                    // Another resident signs in on this device: the previous one's data goes.
                    tracing::info!("signing the previous account out of this device");
                    *self.account.write().await = None;
                    if let Err(err) = self.delete_tokens(&previous.key).await {
                        tracing::warn!("could not delete the previous account's tokens: {err}");
                    }
                    self.wipe_account(&previous).await?;
                }
                let account = self.open_account(user_id, key.clone()).await?;
                *account.tokens.lock().await = Some(pair);
                Arc::new(account)
            }
        };
        if let Err(err) = self.refresh_me(&account).await {
            if !matches!(self.account.read().await.as_deref(), Some(a) if std::ptr::eq(a, &*account))
            {
                account.cache.close().await;
            }
            return Err(err);
        }
        self.app
            .set_signed_in(&SignedIn {
                user_id,
                account_key: key,
            })
            .await?;
        *self.account.write().await = Some(Arc::clone(&account));
        drop(session_guard);

        {
            let _sync = self.sync_lock.lock().await;
            if let Err(err) = self.pull(&account).await {
                tracing::warn!("first sync after sign-in failed: {err}");
            }
        }
        self.wake.notify_one();
        self.account_view(&account)
            .await?
            .ok_or_else(|| Error::Internal("the account vanished during sign-in".to_owned()))
    }

    pub(crate) async fn sign_out(&self) -> Result<(), Error> {
        let _session = self.session_lock.lock().await;
        let Some(account) = self.account.read().await.clone() else {
            self.app.set_signed_out(None).await?;
            return Ok(());
        };
        // Best effort: revoke the token family on the server.
        match self.tokens_for(&account).await {
            Ok(pair) => {
                let call = Call::post(
                    "/v1/auth/logout",
                    &RefreshRequest {
                        refresh_token: pair.refresh.expose().to_owned(),
                    },
                )?;
                if let Err(err) = self.http.send(&call, None, self.now()).await {
                    tracing::info!("server logout failed (signing out locally anyway): {err}");
                }
            }
            Err(err) => tracing::info!("no tokens to revoke on the server: {err}"),
        }
        // A locked keyring stops here with nothing changed: unlock and sign out again.
        self.delete_tokens(&account.key).await?;
        let _sync = self.sync_lock.lock().await;
        {
            let mut slot = self.account.write().await;
            if matches!(slot.as_deref(), Some(a) if std::ptr::eq(a, &*account)) {
                *slot = None;
            }
        }
        self.app.set_signed_out(None).await?;
        self.wipe_account(&account).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
