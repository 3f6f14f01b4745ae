//! `app.db`: which account is signed in, the locale, why the last session ended, the
//! household each account chose, and the backend chosen by joining a community (its URL, the
//! pinned CA, the community). Never tokens.

use crate::error::{Error, StorageContext};
use chrono::{DateTime, Utc};
use linli_wire::ipc::Locale;
use linli_wire::{CommunityId, ErrorCode, MembershipId, UserId};
use sqlx::{Row, SqlitePool};
use std::path::Path;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/app");

/// The signed-in account as `app.db` remembers it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SignedIn {
    pub(crate) user_id: UserId,
    pub(crate) account_key: String,
}

/// The one row of `app_state`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct AppState {
    pub(crate) locale: Locale,
    pub(crate) signed_in: Option<SignedIn>,
    pub(crate) ended_because: Option<ErrorCode>,
    pub(crate) notifications: bool,
}

/// The backend chosen by joining a community.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ChosenBackend {
    pub(crate) url: String,
    /// The CA certificate (DER) the join link's pin matched.
    pub(crate) ca_der: Option<Vec<u8>>,
    pub(crate) community_id: CommunityId,
    pub(crate) community_name: String,
}

/// Handle on `app.db`.
#[derive(Clone, Debug)]
pub(crate) struct AppDb {
    pool: SqlitePool,
}

fn parse_kebab<T: serde::de::DeserializeOwned>(text: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(text.to_owned())).ok()
}

impl AppDb {
    pub(crate) async fn open(path: &Path) -> Result<Self, Error> {
        let pool = super::open_db(path, &MIGRATOR, "app database").await?;
        Ok(Self { pool })
    }

    pub(crate) async fn close(&self) {
        self.pool.close().await;
    }

    pub(crate) async fn state(&self) -> Result<AppState, Error> {
        let row = sqlx::query(
            "SELECT locale, signed_in_user_id, signed_in_account_key, ended_because, notifications
             FROM app_state WHERE id = 1",
        )
        .fetch_one(&self.pool)
        .await
        .storage("read the app state")?;
        let locale: String = row.try_get("locale").storage("read the locale")?;
        let user: Option<String> = row
            .try_get("signed_in_user_id")
            .storage("read the account")?;
        let key: Option<String> = row
            .try_get("signed_in_account_key")
            .storage("read the account")?;
        let ended: Option<String> = row.try_get("ended_because").storage("read the app state")?;
        let notifications: bool = row.try_get("notifications").storage("read the app state")?;
        let signed_in = match (user.and_then(|u| u.parse().ok()), key) {
            (Some(user_id), Some(account_key)) => Some(SignedIn {
                user_id,
                account_key,
            }),
            _ => None,
        };
        Ok(AppState {
            locale: parse_kebab(&locale).unwrap_or_default(),
            signed_in,
            ended_because: ended.as_deref().and_then(parse_kebab),
            notifications,
        })
    }

    pub(crate) async fn set_locale(&self, locale: Locale) -> Result<(), Error> {
        sqlx::query("UPDATE app_state SET locale = ? WHERE id = 1")
            .bind(locale.as_tag())
            .execute(&self.pool)
            .await
            .storage("save the locale")?;
        Ok(())
    }

    pub(crate) async fn set_notifications(&self, on: bool) -> Result<(), Error> {
        sqlx::query("UPDATE app_state SET notifications = ? WHERE id = 1")
            .bind(on)
            .execute(&self.pool)
            .await
            .storage("save the notification setting")?;
        Ok(())
    }

    /// Records `signed_in` as the account; clears any earlier "ended because".
    pub(crate) async fn set_signed_in(&self, signed_in: &SignedIn) -> Result<(), Error> {
        sqlx::query(
            "UPDATE app_state SET signed_in_user_id = ?, signed_in_account_key = ?,
             ended_because = NULL WHERE id = 1",
        )
        .bind(signed_in.user_id.to_string())
        .bind(&signed_in.account_key)
        .execute(&self.pool)
        .await
        .storage("record the signed-in account")?;
        Ok(())
    }

    /// Nobody is signed in any more; `ended_because` is set when it happened on its own.
    pub(crate) async fn set_signed_out(
        &self,
        ended_because: Option<ErrorCode>,
    ) -> Result<(), Error> {
        sqlx::query(
            "UPDATE app_state SET signed_in_user_id = NULL, signed_in_account_key = NULL,
             ended_because = ? WHERE id = 1",
        )
        .bind(ended_because.map(ErrorCode::as_str))
        .execute(&self.pool)
        .await
        .storage("record the sign-out")?;
        Ok(())
    }

    /// The backend chosen by joining, if any.
    pub(crate) async fn backend(&self) -> Result<Option<ChosenBackend>, Error> {
        let row = sqlx::query(
            "SELECT url, ca_der, community_id, community_name FROM backend WHERE id = 1",
        )
        .fetch_optional(&self.pool)
        .await
        .storage("read the chosen backend")?;
        let Some(row) = row else { return Ok(None) };
        let community: String = row
            .try_get("community_id")
            .storage("read the chosen backend")?;
        let Ok(community_id) = community.parse() else {
            tracing::warn!("the chosen backend's community id is unreadable; join again");
            return Ok(None);
        };
        Ok(Some(ChosenBackend {
            url: row.try_get("url").storage("read the chosen backend")?,
            ca_der: row.try_get("ca_der").storage("read the chosen backend")?,
            community_id,
            community_name: row
                .try_get("community_name")
                .storage("read the chosen backend")?,
        }))
    }

    /// Keeps `chosen` as the backend (replacing any earlier one), or forgets it (`None`).
    pub(crate) async fn set_backend(
        &self,
        chosen: Option<&ChosenBackend>,
        now: DateTime<Utc>,
    ) -> Result<(), Error> {
        let query = match chosen {
            Some(chosen) => sqlx::query(
                "INSERT INTO backend (id, url, ca_der, community_id, community_name, joined_at)
                 VALUES (1, ?, ?, ?, ?, ?)
                 ON CONFLICT (id) DO UPDATE SET url = excluded.url, ca_der = excluded.ca_der,
                 community_id = excluded.community_id,
                 community_name = excluded.community_name, joined_at = excluded.joined_at",
            )
            .bind(&chosen.url)
            .bind(chosen.ca_der.as_deref())
            .bind(chosen.community_id.to_string())
            .bind(&chosen.community_name)
            .bind(now.to_rfc3339()),
            None => sqlx::query("DELETE FROM backend WHERE id = 1"),
        };
        query
            .execute(&self.pool)
            .await
            .storage("save the chosen backend")?;
        Ok(())
    }

    pub(crate) async fn household(&self, user: UserId) -> Result<Option<MembershipId>, Error> {
        let row: Option<String> =
            sqlx::query_scalar("SELECT membership_id FROM households WHERE user_id = ?")
                .bind(user.to_string())
                .fetch_optional(&self.pool)
                .await
                .storage("read the chosen household")?;
        Ok(row.and_then(|id| id.parse().ok()))
    }

    pub(crate) async fn set_household(
        &self,
        user: UserId,
        membership: Option<MembershipId>,
        now: DateTime<Utc>,
    ) -> Result<(), Error> {
        let query = match membership {
            Some(membership) => sqlx::query(
                "INSERT INTO households (user_id, membership_id, chosen_at) VALUES (?, ?, ?)
                 ON CONFLICT (user_id) DO UPDATE SET membership_id = excluded.membership_id,
                 chosen_at = excluded.chosen_at",
            )
            .bind(user.to_string())
            .bind(membership.to_string())
            .bind(now.to_rfc3339()),
            None => sqlx::query("DELETE FROM households WHERE user_id = ?").bind(user.to_string()),
        };
        query
            .execute(&self.pool)
            .await
            .storage("save the chosen household")?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn app_state_roundtrip() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = AppDb::open(&dir.path().join("app.db")).await.expect("open");
        let fresh = db.state().await.expect("state");
        assert_eq!(fresh.locale, Locale::ZhCn, "zh-CN is the default");
        assert_eq!(fresh.signed_in, None);

        let who = SignedIn {
            user_id: UserId(uuid::Uuid::now_v7()),
            account_key: "u@127.0.0.1:8443".to_owned(),
        };
        db.set_locale(Locale::En).await.expect("locale");
        db.set_signed_out(Some(ErrorCode::RefreshReused))
            .await
            .expect("out");
        assert_eq!(
            db.state().await.expect("state").ended_because,
            Some(ErrorCode::RefreshReused)
        );
        db.set_signed_in(&who).await.expect("in");
        let state = db.state().await.expect("state");
        assert_eq!(state.locale, Locale::En);
        assert_eq!(state.signed_in, Some(who));
        assert_eq!(
            state.ended_because, None,
            "a new sign-in forgets why the last ended"
        );
        db.close().await;
    }

    #[tokio::test]
    async fn the_chosen_backend_is_kept_and_forgotten() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = AppDb::open(&dir.path().join("app.db")).await.expect("open");
        assert_eq!(
            db.backend().await.expect("read"),
            None,
            "none before joining"
        );
        let chosen = ChosenBackend {
            url: "https://wuye.example.cn".to_owned(),
            ca_der: Some(vec![1, 2, 3]),
            community_id: CommunityId(uuid::Uuid::now_v7()),
            community_name: "翠湖花园".to_owned(),
        };
        db.set_backend(Some(&chosen), Utc::now())
            .await
            .expect("keep");
        db.close().await;
        let db = AppDb::open(&dir.path().join("app.db"))
            .await
            .expect("reopen");
        assert_eq!(
            db.backend().await.expect("read"),
            Some(chosen),
            "the choice survives a restart"
        );
        db.set_backend(None, Utc::now()).await.expect("forget");
        assert_eq!(db.backend().await.expect("read"), None, "forgotten");
        db.close().await;
    }
}
