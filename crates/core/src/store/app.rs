//! `app.db`: which account is signed in, the locale, why the last session ended, this device's
//! settings (notifications, 长辈模式 and whether it was offered), the household each account chose, and the backend chosen by joining a community (its URL, the
//! certificate its join link's pin matched and which kind it is, the community). Never tokens.

use crate::error::{Error, StorageContext};
use crate::pin::Pinned;
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
    /// 长辈模式 is on (device-wide).
    pub(crate) elderly: bool,
    /// The one-time offer of 长辈模式 has been answered.
    pub(crate) elderly_offered: bool,
}

/// The backend chosen by joining a community.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ChosenBackend {
    pub(crate) url: String,
    /// The certificate the join link's pin matched (a CA or the backend's own), if it had one.
    pub(crate) pinned: Option<Pinned>,
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
            "SELECT locale, signed_in_user_id, signed_in_account_key, ended_because, notifications,
             elderly, elderly_offered FROM app_state WHERE id = 1",
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
        let elderly: bool = row.try_get("elderly").storage("read the app state")?;
        let elderly_offered: bool = row
            .try_get("elderly_offered")
            .storage("read the app state")?;
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
            elderly,
            elderly_offered,
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

    /// Turns 长辈模式 on or off; either answers its one-time offer for good.
    pub(crate) async fn set_elderly(&self, on: bool) -> Result<(), Error> {
        sqlx::query("UPDATE app_state SET elderly = ?, elderly_offered = 1 WHERE id = 1")
            .bind(on)
            .execute(&self.pool)
            .await
            .storage("save the elderly mode setting")?;
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
            "SELECT url, pin_kind, pinned_der, community_id, community_name FROM backend
             WHERE id = 1",
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
        let kind: Option<String> = row.try_get("pin_kind").storage("read the chosen backend")?;
        let der: Option<Vec<u8>> = row
            .try_get("pinned_der")
            .storage("read the chosen backend")?;
        let pinned = match (kind, der) {
            (Some(kind), Some(der)) => match Pinned::from_kind(&kind, der) {
                Some(pinned) => Some(pinned),
                None => {
                    // Trusting less than was chosen would only fail later, and more is never
                    // an option: the resident joins again.
                    tracing::warn!(kind, "the chosen backend's pin kind is unknown; join again");
                    return Ok(None);
                }
            },
            // The table's CHECK keeps both or neither.
            _ => None,
        };
        Ok(Some(ChosenBackend {
            url: row.try_get("url").storage("read the chosen backend")?,
            pinned,
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
                "INSERT INTO backend
                 (id, url, pin_kind, pinned_der, community_id, community_name, joined_at)
                 VALUES (1, ?, ?, ?, ?, ?, ?)
                 ON CONFLICT (id) DO UPDATE SET url = excluded.url,
                 pin_kind = excluded.pin_kind, pinned_der = excluded.pinned_der,
                 community_id = excluded.community_id,
                 community_name = excluded.community_name, joined_at = excluded.joined_at",
            )
            .bind(&chosen.url)
            .bind(chosen.pinned.as_ref().map(Pinned::kind))
            .bind(chosen.pinned.as_ref().map(Pinned::der))
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
    async fn elderly_mode_is_off_and_unoffered_at_first_and_survives_a_restart_and_sign_out() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("app.db");
        let db = AppDb::open(&path).await.expect("open");
        let fresh = db.state().await.expect("state");
        assert!(!fresh.elderly, "off by default");
        assert!(
            !fresh.elderly_offered,
            "a fresh device has not been asked yet"
        );
        db.set_elderly(true).await.expect("on");
        db.set_signed_out(None).await.expect("out");
        db.close().await;
        let db = AppDb::open(&path).await.expect("reopen");
        let state = db.state().await.expect("state");
        assert!(
            state.elderly,
            "a device setting: kept across restart and sign-out"
        );
        assert!(state.elderly_offered, "switching it counts as the answer");
        db.set_elderly(false).await.expect("off");
        let state = db.state().await.expect("state");
        assert!(
            !state.elderly && state.elderly_offered,
            "off, and never offered again"
        );
        db.close().await;
    }

    #[tokio::test]
    async fn the_chosen_backend_is_kept_with_its_kind_of_pin_and_forgotten() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("app.db");
        let db = AppDb::open(&path).await.expect("open");
        assert_eq!(
            db.backend().await.expect("read"),
            None,
            "none before joining"
        );
        db.close().await;
        for pinned in [
            Some(Pinned::Ca(vec![1, 2, 3])),
            Some(Pinned::Leaf(vec![4, 5, 6])),
            None,
        ] {
            let db = AppDb::open(&path).await.expect("open");
            let chosen = ChosenBackend {
                url: "https://wuye.example.cn".to_owned(),
                pinned,
                community_id: CommunityId(uuid::Uuid::now_v7()),
                community_name: "翠湖花园".to_owned(),
            };
            db.set_backend(Some(&chosen), Utc::now())
                .await
                .expect("keep");
            db.close().await;
            let db = AppDb::open(&path).await.expect("reopen");
            assert_eq!(
                db.backend().await.expect("read"),
                Some(chosen),
                "the choice and its kind of pin survive a restart (a leaf must not read as a CA)"
            );
            db.close().await;
        }
        let db = AppDb::open(&path).await.expect("open");
        db.set_backend(None, Utc::now()).await.expect("forget");
        assert_eq!(db.backend().await.expect("read"), None, "forgotten");
        db.close().await;
    }

    #[tokio::test]
    async fn a_ca_kept_before_leaf_pins_existed_is_still_a_ca() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("app.db");
        // app.db as the migrations before the leaf pin left it, with a pinned CA.
        let before = sqlx::migrate::Migrator {
            migrations: MIGRATOR
                .migrations
                .iter()
                .filter(|m| m.version < 20261201180000)
                .cloned()
                .collect::<Vec<_>>()
                .into(),
            ..sqlx::migrate::Migrator::DEFAULT
        };
        let pool = super::super::open_db(&path, &before, "old app database")
            .await
            .expect("the old schema");
        let community = CommunityId(uuid::Uuid::now_v7());
        sqlx::query(
            "INSERT INTO backend (id, url, ca_der, community_id, community_name, joined_at)
             VALUES (1, 'https://wuye.example.cn', x'010203', ?, '翠湖花园', '2026-12-01T00:00:00Z')",
        )
        .bind(community.to_string())
        .execute(&pool)
        .await
        .expect("an old row");
        pool.close().await;

        let db = AppDb::open(&path).await.expect("migrates");
        let chosen = db.backend().await.expect("read").expect("kept");
        assert_eq!(
            chosen.pinned,
            Some(Pinned::Ca(vec![1, 2, 3])),
            "a pin kept before leaf pins existed named a CA"
        );
        assert_eq!(chosen.community_id, community, "the rest is kept too");
        db.close().await;
    }
}
