//! The `home_requests` table: the backend's two lists of home requests (the resident's own,
//! and those waiting for them as an owner), replaced whole on each sync.

use crate::error::{Error, StorageContext};
use crate::store::cache::Cache;
use linli_wire::homes::HomeRequest;
use linli_wire::ipc::HomeRequestsView;

/// The two lists, before a pull replaced them (`None`: never pulled on this device).
pub(crate) type Before = Option<HomeRequestsView>;

impl Cache {
    /// Replaces both lists; answers what was there before and whether anything changed.
    pub(crate) async fn replace_home_requests(
        &self,
        now: &HomeRequestsView,
    ) -> Result<(Before, bool), Error> {
        let before = self.home_requests().await?;
        let pulled: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM home_request_pulls)")
            .fetch_one(&self.pool)
            .await
            .storage("read home requests")?;
        let mut tx = crate::store::write_tx(&self.pool)
            .await
            .storage("store home requests")?;
        sqlx::query("DELETE FROM home_requests")
            .execute(&mut *tx)
            .await
            .storage("store home requests")?;
        for (list, items) in [("mine", &now.mine), ("decide", &now.to_decide)] {
            for request in items {
                let data = serde_json::to_string(request)
                    .map_err(|err| Error::Internal(format!("encode a home request: {err}")))?;
                sqlx::query(
                    "INSERT INTO home_requests (list, id, created_at_ms, data) VALUES (?, ?, ?, ?)",
                )
                .bind(list)
                .bind(request.id.to_string())
                .bind(request.created_at.timestamp_millis())
                .bind(data)
                .execute(&mut *tx)
                .await
                .storage("store home requests")?;
            }
        }
        sqlx::query("INSERT OR IGNORE INTO home_request_pulls (id) VALUES (1)")
            .execute(&mut *tx)
            .await
            .storage("store home requests")?;
        tx.commit().await.storage("store home requests")?;
        let changed = before != *now;
        Ok((pulled.then_some(before), changed || !pulled))
    }

    /// Both lists as last stored, newest first.
    pub(crate) async fn home_requests(&self) -> Result<HomeRequestsView, Error> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT list, data FROM home_requests ORDER BY created_at_ms DESC, id DESC",
        )
        .fetch_all(&self.pool)
        .await
        .storage("read home requests")?;
        let mut view = HomeRequestsView {
            mine: Vec::new(),
            to_decide: Vec::new(),
        };
        for (list, data) in rows {
            let Ok(request) = serde_json::from_str::<HomeRequest>(&data) else {
                continue;
            };
            match list.as_str() {
                "mine" => view.mine.push(request),
                _ => view.to_decide.push(request),
            }
        }
        Ok(view)
    }
}
