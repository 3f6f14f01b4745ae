//! The `passes` table (replaced from `GET /v1/passes` on each sync) and the passes still
//! queued in the outbox.

use super::outbox::CREATE_PASS_PAYLOAD_VERSION;
use crate::error::{Error, StorageContext};
use crate::outbox::OutboxKind;
use crate::store::cache::Cache;
use crate::store::to_ms;
use linli_wire::ipc::PassViewState;
use linli_wire::passes::{CreatePass, VisitorPass};
use linli_wire::{ErrorCode, MembershipId};
use sqlx::Row;

impl Cache {
    /// Replaces the cached passes with the backend's list.
    pub(crate) async fn replace_passes(&self, passes: &[VisitorPass]) -> Result<bool, Error> {
        let mut tx = crate::store::write_tx(&self.pool)
            .await
            .storage("store passes")?;
        let before: Vec<String> = sqlx::query_scalar("SELECT data FROM passes ORDER BY id")
            .fetch_all(&mut *tx)
            .await
            .storage("read passes")?;
        sqlx::query("DELETE FROM passes")
            .execute(&mut *tx)
            .await
            .storage("store passes")?;
        let mut after = Vec::with_capacity(passes.len());
        for pass in passes {
            let data = serde_json::to_string(pass)
                .map_err(|err| Error::Internal(format!("encode a pass: {err}")))?;
            sqlx::query(
                "INSERT INTO passes (id, membership_id, created_at_ms, data) VALUES (?, ?, ?, ?)",
            )
            .bind(pass.id.to_string())
            .bind(pass.membership_id.to_string())
            .bind(to_ms(pass.created_at))
            .bind(&data)
            .execute(&mut *tx)
            .await
            .storage("store passes")?;
            after.push((pass.id.to_string(), data));
        }
        tx.commit().await.storage("store passes")?;
        after.sort();
        let after: Vec<String> = after.into_iter().map(|(_, data)| data).collect();
        Ok(before != after)
    }

    /// Stores one pass (after a revoke).
    pub(crate) async fn upsert_pass(&self, pass: &VisitorPass) -> Result<(), Error> {
        let data = serde_json::to_string(pass)
            .map_err(|err| Error::Internal(format!("encode a pass: {err}")))?;
        sqlx::query(
            "INSERT INTO passes (id, membership_id, created_at_ms, data) VALUES (?, ?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET data = excluded.data",
        )
        .bind(pass.id.to_string())
        .bind(pass.membership_id.to_string())
        .bind(to_ms(pass.created_at))
        .bind(data)
        .execute(&self.pool)
        .await
        .storage("store a pass")?;
        Ok(())
    }

    /// Issued passes of a household, newest first.
    pub(crate) async fn passes_of(
        &self,
        membership: MembershipId,
    ) -> Result<Vec<VisitorPass>, Error> {
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT data FROM passes WHERE membership_id = ? ORDER BY created_at_ms DESC, id DESC",
        )
        .bind(membership.to_string())
        .fetch_all(&self.pool)
        .await
        .storage("read passes")?;
        Ok(rows
            .iter()
            .filter_map(|json| serde_json::from_str(json).ok())
            .collect())
    }

    /// Passes waiting in the outbox (or refused there), oldest first.
    pub(crate) async fn queued_passes(
        &self,
    ) -> Result<Vec<(CreatePass, PassViewState, Option<ErrorCode>)>, Error> {
        let rows = sqlx::query(
            "SELECT payload, state, last_error_code FROM outbox
             WHERE kind = ? AND payload_version = ? AND state != 'done' ORDER BY seq",
        )
        .bind(OutboxKind::CreatePass.as_str())
        .bind(CREATE_PASS_PAYLOAD_VERSION)
        .fetch_all(&self.pool)
        .await
        .storage("read queued passes")?;
        let mut out = Vec::new();
        for row in rows {
            let payload: String = row.try_get("payload").storage("read queued passes")?;
            let state: String = row.try_get("state").storage("read queued passes")?;
            let code: Option<String> = row
                .try_get("last_error_code")
                .storage("read queued passes")?;
            let Ok(request) = serde_json::from_str::<CreatePass>(&payload) else {
                continue;
            };
            let code = code.and_then(|c| serde_json::from_value(serde_json::Value::String(c)).ok());
            let state = if state == "rejected" {
                PassViewState::Rejected
            } else {
                PassViewState::Pending
            };
            out.push((request, state, code));
        }
        Ok(out)
    }
}

/// A home no longer active takes its passes with it.
impl crate::sync::HomeData for super::PassesPull {
    fn home_kind(&self) -> linli_wire::sync::EntityKind {
        linli_wire::sync::EntityKind::Pass
    }

    fn forget_ended<'a>(
        &'a self,
        conn: &'a mut sqlx::SqliteConnection,
    ) -> futures::future::BoxFuture<'a, Result<bool, Error>> {
        Box::pin(async move {
            let mut gone = 0;
            gone += sqlx::query(&format!(
                "DELETE FROM passes WHERE membership_id NOT IN ({})",
                crate::auth::ACTIVE_MEMBERSHIPS
            ))
            .execute(&mut *conn)
            .await
            .storage("forget a home's passes")?
            .rows_affected();
            Ok(gone > 0)
        })
    }
}

/// The feed's passes: a pass as the backend's list shows it, or a tombstone.
pub(crate) struct PassesFeed;

impl crate::sync::FeedTable for PassesFeed {
    fn apply<'a>(
        &'a self,
        conn: &'a mut sqlx::SqliteConnection,
        change: &'a crate::sync::CacheChange,
        _notes: &'a mut crate::sync::FeedNotes,
    ) -> futures::future::BoxFuture<'a, Result<Option<linli_wire::sync::EntityKind>, Error>> {
        use crate::sync::CacheChange;
        Box::pin(async move {
            match change {
                CacheChange::UpsertPass(pass, version) => {
                    let data = serde_json::to_string(pass)
                        .map_err(|err| Error::Internal(format!("encode a pass: {err}")))?;
                    crate::sync::feed::VersionedRow {
                        table: "passes",
                        id: pass.id.to_string(),
                        membership: pass.membership_id.to_string(),
                        created_at_ms: to_ms(pass.created_at),
                        data,
                        version: *version,
                    }
                    .upsert(conn)
                    .await?;
                }
                CacheChange::DeletePass(id) => {
                    crate::sync::feed::delete_row(conn, "passes", *id).await?;
                }
                _ => return Ok(None),
            }
            Ok(Some(linli_wire::sync::EntityKind::Pass))
        })
    }

    fn wipe<'a>(
        &'a self,
        _conn: &'a mut sqlx::SqliteConnection,
    ) -> futures::future::BoxFuture<'a, Result<linli_wire::sync::EntityKind, Error>> {
        // The list read whole after the bootstrap replaces the table.
        Box::pin(async { Ok(linli_wire::sync::EntityKind::Pass) })
    }
}
