//! Lists read whole, conditionally: [`Inner::get_kept`] sends the `ETag` of the answer kept
//! for the same path and query (`kept_answers`) as `If-None-Match`; a `304` answers with the
//! kept body, a `200` replaces it. So a list re-read when nothing changed costs a request and
//! no body. The kept answers go with a bootstrap after a 410 (the feed's wipe), so a fresh
//! start reads everything afresh.

use crate::error::{Error, StorageContext};
use crate::http::Call;
use crate::inner::{Account, Inner};
use crate::store::cache::Cache;
use reqwest::StatusCode;
use sqlx::SqliteConnection;

impl Cache {
    async fn kept(&self, target: &str) -> Result<Option<(String, Vec<u8>)>, Error> {
        sqlx::query_as("SELECT etag, body FROM kept_answers WHERE target = ?")
            .bind(target)
            .fetch_optional(&self.pool)
            .await
            .storage("read a kept answer")
    }

    async fn keep(&self, target: &str, etag: &str, body: &[u8]) -> Result<(), Error> {
        sqlx::query(
            "INSERT INTO kept_answers (target, etag, body) VALUES (?, ?, ?)
             ON CONFLICT (target) DO UPDATE SET etag = excluded.etag, body = excluded.body",
        )
        .bind(target)
        .bind(etag)
        .bind(body)
        .execute(&self.pool)
        .await
        .storage("keep an answer")?;
        Ok(())
    }
}

/// Forgets every kept answer (inside a bootstrap's wipe).
pub(crate) async fn forget_kept(conn: &mut SqliteConnection) -> Result<(), Error> {
    sqlx::query("DELETE FROM kept_answers")
        .execute(conn)
        .await
        .storage("forget the kept answers")?;
    Ok(())
}

impl Inner {
    /// `GET call` with `If-None-Match` from the kept answer; the body (the kept one on 304).
    pub(crate) async fn get_kept(&self, account: &Account, call: Call) -> Result<Vec<u8>, Error> {
        let target = call.target();
        let kept = account.cache.kept(&target).await?;
        let call = match &kept {
            Some((etag, _)) => call.if_none_match(etag.clone()),
            None => call,
        };
        let reply = self.authed(account, &call).await?;
        if reply.status == StatusCode::NOT_MODIFIED {
            return kept.map(|(_, body)| body).ok_or_else(|| {
                Error::BadResponse(format!("{target} answered 304 to an unconditional GET"))
            });
        }
        let etag = reply.etag().map(str::to_owned);
        let body = reply.into_body();
        if let Some(etag) = etag {
            account.cache.keep(&target, &etag, &body).await?;
        }
        Ok(body)
    }

    /// [`Inner::get_kept`], decoded.
    pub(crate) async fn get_kept_json<T: serde::de::DeserializeOwned>(
        &self,
        account: &Account,
        call: Call,
        what: &str,
    ) -> Result<T, Error> {
        let body = self.get_kept(account, call).await?;
        serde_json::from_slice(&body)
            .map_err(|err| Error::BadResponse(format!("{what} could not be read: {err}")))
    }
}
