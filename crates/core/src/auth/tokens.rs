//! Keeping the session alive: every authenticated request, the single-flight refresh, the
//! end of a session, and the token store (on the blocking pool: keyring calls block on D-Bus
//! or the Keychain). See [`super`] for the rules.

use crate::error::Error;
use crate::http::{Call, Reply};
use crate::inner::{Account, Inner};
use crate::secret::TokenPair;
use linli_wire::ErrorCode;
use linli_wire::auth::{RefreshRequest, TokenResponse};
use std::sync::Arc;

/// Refresh a little before the access token expires, so a request does not race the expiry.
const EXPIRY_MARGIN: chrono::TimeDelta = chrono::TimeDelta::seconds(30);

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
    pub(super) async fn tokens_for(&self, account: &Account) -> Result<TokenPair, Error> {
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

    pub(crate) async fn load_tokens(&self, key: &str) -> Result<Option<TokenPair>, Error> {
        let store = Arc::clone(&self.token_store);
        let key = key.to_owned();
        tokio::task::spawn_blocking(move || store.load(&key))
            .await
            .map_err(|err| Error::Internal(format!("token store task: {err}")))?
            .map_err(Error::from)
    }

    pub(crate) async fn save_tokens(&self, key: &str, pair: &TokenPair) -> Result<(), Error> {
        let store = Arc::clone(&self.token_store);
        let key = key.to_owned();
        let pair = pair.clone();
        tokio::task::spawn_blocking(move || store.save(&key, &pair))
            .await
            .map_err(|err| Error::Internal(format!("token store task: {err}")))?
            .map_err(Error::from)
    }

    pub(crate) async fn delete_tokens(&self, key: &str) -> Result<(), Error> {
        let store = Arc::clone(&self.token_store);
        let key = key.to_owned();
        tokio::task::spawn_blocking(move || store.delete(&key))
            .await
            .map_err(|err| Error::Internal(format!("token store task: {err}")))?
            .map_err(Error::from)
    }
}
