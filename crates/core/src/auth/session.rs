//! Signing in and out, the household shown, and the account as the UI sees it.

use super::{choose_household, user_id_from_access_token};
use crate::error::Error;
use crate::http::Call;
use crate::inner::{Account, Inner};
use crate::secret::TokenPair;
use crate::store::app::SignedIn;
use linli_wire::auth::{
    LoginRequest, RefreshRequest, SmsCodeRequest, SmsCodeSent, SmsLoginRequest, TokenResponse,
};
use linli_wire::ipc::AccountView;
use linli_wire::me::{Me, Membership};
use linli_wire::{CommunityId, MembershipId};
use std::sync::Arc;

impl Inner {
    /// The account as the UI shows it, from the cache. `None` before `/v1/me` was stored.
    pub(crate) async fn account_view(
        &self,
        account: &Account,
    ) -> Result<Option<AccountView>, Error> {
        let Some(user) = account.cache.user().await? else {
            return Ok(None);
        };
        let memberships = account.cache.memberships().await?;
        let chosen = self.app.household(account.user_id).await?;
        let current_membership_id =
            chosen.filter(|id| memberships.iter().any(|membership| membership.id == *id));
        Ok(Some(AccountView {
            user,
            memberships,
            current_membership_id,
        }))
    }

    /// The current household, in full.
    pub(crate) async fn current_membership(&self, account: &Account) -> Result<Membership, Error> {
        let id = self
            .app
            .household(account.user_id)
            .await?
            .ok_or_else(|| Error::MembershipRequired("choose a household first".into()))?;
        account
            .cache
            .memberships()
            .await?
            .into_iter()
            .find(|m| m.id == id)
            .ok_or_else(|| Error::MembershipRequired("choose a household first".into()))
    }

    /// The community of the current household, if one is chosen and cached.
    pub(crate) async fn current_community(
        &self,
        account: &Account,
    ) -> Result<Option<CommunityId>, Error> {
        let Some(chosen) = self.app.household(account.user_id).await? else {
            return Ok(None);
        };
        Ok(account
            .cache
            .membership(chosen)
            .await?
            .map(|membership| membership.community.id))
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
        let login = LoginRequest {
            phone: phone.to_owned(),
            password: password.to_owned(),
        };
        self.sign_in_by(Call::post("/v1/auth/login", &login)?).await
    }

    /// Asks for a sign-in code by SMS. The backend answers the same for any valid number.
    pub(crate) async fn request_sign_in_code(&self, phone: &str) -> Result<SmsCodeSent, Error> {
        let request = SmsCodeRequest {
            phone: phone.to_owned(),
        };
        let call = Call::post("/v1/auth/sms-codes", &request)?;
        self.http
            .send(&call, None, self.now())
            .await?
            .json("the SMS code answer")
    }

    /// Signs in with the code the phone received (a new number gets an account, no home).
    pub(crate) async fn sign_in_with_code(
        &self,
        phone: &str,
        code: &str,
    ) -> Result<AccountView, Error> {
        let login = SmsLoginRequest {
            phone: phone.to_owned(),
            code: code.to_owned(),
        };
        self.sign_in_by(Call::post("/v1/auth/sms-login", &login)?)
            .await
    }

    /// Sends a sign-in call and opens the account its tokens name: tokens to the token store
    /// first, then `/v1/me`, the household, and a first sync.
    async fn sign_in_by(&self, login: Call) -> Result<AccountView, Error> {
        let session_guard = self.session_lock.lock().await;
        let response: TokenResponse = self
            .http
            .send(&login, None, self.now())
            .await?
            .json("the sign-in answer")?;
        let pair = TokenPair::from_response(response, self.now());
        let user_id = user_id_from_access_token(&pair.access)?;
        let key = format!("{user_id}@{}", self.http.backend()?.authority);
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

        // The first sync is this one, not also the background loop's: it is not woken (its
        // next round comes at its interval), and the /v1/me just read is not read again.
        account
            .me_fresh
            .store(true, std::sync::atomic::Ordering::SeqCst);
        {
            let _sync = self.sync_lock.lock().await;
            if let Err(err) = self.pull(&account).await {
                tracing::warn!("first sync after sign-in failed: {err}");
            }
        }
        // The stream starts now; the sync above was this sign-in's one (the background loop
        // is not woken for another).
        self.push.kick();
        self.account_view(&account)
            .await?
            .ok_or_else(|| Error::Internal("the account vanished during sign-in".to_owned()))
    }

    pub(crate) async fn leave_household(&self, id: MembershipId) -> Result<AccountView, Error> {
        let account = self.current_account().await?;
        self.authed(&account, &Call::delete(format!("/v1/memberships/{}", id.0)))
            .await?;
        {
            let _sync = self.sync_lock.lock().await;
            self.pull(&account).await?;
        }
        self.account_view(&account)
            .await?
            .ok_or_else(|| Error::Internal("the account vanished while leaving".to_owned()))
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
