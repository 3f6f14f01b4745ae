//! The account's own tables: the resident (`account`) and their households (`memberships`),
//! stored whole from `GET /v1/me` and kept by the change feed in between.

use crate::error::{Error, StorageContext};
use crate::store::cache::{Cache, decode, encode};
use crate::sync::{CacheChange, FeedTable};
use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use linli_wire::MembershipId;
use linli_wire::me::{Me, Membership, User};
use linli_wire::sync::EntityKind;
use sqlx::SqliteConnection;

/// The cache's active homes as SQL subqueries (this feature's `memberships` table), for the
/// features' [`crate::sync::HomeData`]: membership ids, community ids, unit ids.
pub(crate) const ACTIVE_MEMBERSHIPS: &str = "SELECT id FROM memberships WHERE state = 'active'";
/// See [`ACTIVE_MEMBERSHIPS`].
pub(crate) const ACTIVE_COMMUNITIES: &str =
    "SELECT community_id FROM memberships WHERE state = 'active'";
/// See [`ACTIVE_MEMBERSHIPS`].
pub(crate) const ACTIVE_UNITS: &str =
    "SELECT json_extract(data, '$.unit.id') FROM memberships WHERE state = 'active'";

/// The feed's memberships: a new one goes last, a known one keeps its place.
pub(crate) struct MembershipsFeed;

impl FeedTable for MembershipsFeed {
    fn apply<'a>(
        &'a self,
        conn: &'a mut SqliteConnection,
        change: &'a CacheChange,
        _notes: &'a mut crate::sync::FeedNotes,
    ) -> BoxFuture<'a, Result<Option<EntityKind>, Error>> {
        Box::pin(async move {
            match change {
                CacheChange::UpsertMembership(membership) => {
                    let position: i64 = sqlx::query_scalar(
                        "SELECT COALESCE((SELECT position FROM memberships WHERE id = ?),
                         (SELECT COALESCE(MAX(position), -1) + 1 FROM memberships))",
                    )
                    .bind(membership.id.to_string())
                    .fetch_one(&mut *conn)
                    .await
                    .storage("place a household")?;
                    upsert_membership(conn, membership, position).await?;
                }
                CacheChange::DeleteMembership(id) => {
                    sqlx::query("DELETE FROM memberships WHERE id = ?")
                        .bind(id.to_string())
                        .execute(&mut *conn)
                        .await
                        .storage("delete a household")?;
                }
                _ => return Ok(None),
            }
            Ok(Some(EntityKind::Membership))
        })
    }

    fn wipe<'a>(
        &'a self,
        conn: &'a mut SqliteConnection,
    ) -> BoxFuture<'a, Result<EntityKind, Error>> {
        Box::pin(async move {
            sqlx::query("DELETE FROM memberships")
                .execute(&mut *conn)
                .await
                .storage("clear the cache for a new bootstrap")?;
            Ok(EntityKind::Membership)
        })
    }
}

impl Cache {
    /// Stores `GET /v1/me`; answers whether anything the UI shows changed.
    pub(crate) async fn save_me(&self, me: &Me, now: DateTime<Utc>) -> Result<bool, Error> {
        let before = (self.user().await?, self.memberships().await?);
        let mut tx = crate::store::write_tx(&self.pool)
            .await
            .storage("save the account")?;
        sqlx::query(
            "INSERT INTO account (id, user_id, data, updated_at) VALUES (1, ?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET user_id = excluded.user_id, data = excluded.data,
             updated_at = excluded.updated_at",
        )
        .bind(me.user.id.to_string())
        .bind(encode(&me.user)?)
        .bind(now.to_rfc3339())
        .execute(&mut *tx)
        .await
        .storage("save the account")?;
        sqlx::query("DELETE FROM memberships")
            .execute(&mut *tx)
            .await
            .storage("replace the households")?;
        for (position, membership) in me.memberships.iter().enumerate() {
            upsert_membership(
                &mut tx,
                membership,
                i64::try_from(position).unwrap_or(i64::MAX),
            )
            .await?;
        }
        tx.commit().await.storage("save the account")?;
        Ok(before != (Some(me.user.clone()), me.memberships.clone()))
    }

    pub(crate) async fn user(&self) -> Result<Option<User>, Error> {
        let data: Option<String> = sqlx::query_scalar("SELECT data FROM account WHERE id = 1")
            .fetch_optional(&self.pool)
            .await
            .storage("read the account")?;
        Ok(data.and_then(|json| decode(&json, "account")))
    }

    pub(crate) async fn memberships(&self) -> Result<Vec<Membership>, Error> {
        let rows: Vec<String> =
            sqlx::query_scalar("SELECT data FROM memberships ORDER BY position, id")
                .fetch_all(&self.pool)
                .await
                .storage("read the households")?;
        Ok(rows
            .iter()
            .filter_map(|json| decode(json, "household"))
            .collect())
    }

    /// The communities of the active households (for the sync: a new one starts the feed over).
    pub(crate) async fn active_communities(&self) -> Result<Vec<String>, Error> {
        sqlx::query_scalar(ACTIVE_COMMUNITIES)
            .fetch_all(&self.pool)
            .await
            .storage("read the households' communities")
    }

    pub(crate) async fn membership(&self, id: MembershipId) -> Result<Option<Membership>, Error> {
        let data: Option<String> = sqlx::query_scalar("SELECT data FROM memberships WHERE id = ?")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await
            .storage("read a household")?;
        Ok(data.and_then(|json| decode(&json, "household")))
    }
}

async fn upsert_membership(
    conn: &mut SqliteConnection,
    membership: &Membership,
    position: i64,
) -> Result<(), Error> {
    let state = serde_json::to_value(membership.state)
        .ok()
        .and_then(|value| value.as_str().map(str::to_owned))
        .unwrap_or_default();
    sqlx::query(
        "INSERT INTO memberships (id, community_id, state, position, data) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET community_id = excluded.community_id,
         state = excluded.state, position = excluded.position, data = excluded.data",
    )
    .bind(membership.id.to_string())
    .bind(membership.community.id.to_string())
    .bind(state)
    .bind(position)
    .bind(encode(membership)?)
    .execute(&mut *conn)
    .await
    .storage("save a household")?;
    Ok(())
}
