//! The `tickets` table: the server's tickets, replaced whole on each sync.

use crate::error::{Error, StorageContext};
use crate::store::cache::Cache;
use linli_wire::tickets::Ticket;

impl Cache {
    /// Replaces the cached tickets with the server's list.
    pub(crate) async fn replace_tickets(&self, tickets: &[Ticket]) -> Result<bool, Error> {
        let mut tx = crate::store::write_tx(&self.pool)
            .await
            .storage("store tickets")?;
        let before: Vec<String> = sqlx::query_scalar("SELECT data FROM tickets ORDER BY id")
            .fetch_all(&mut *tx)
            .await
            .storage("read tickets")?;
        sqlx::query("DELETE FROM tickets")
            .execute(&mut *tx)
            .await
            .storage("store tickets")?;
        let mut after = Vec::new();
        for ticket in tickets {
            let data = serde_json::to_string(ticket)
                .map_err(|err| Error::Internal(format!("encode a ticket: {err}")))?;
            sqlx::query(
                "INSERT INTO tickets (id, membership_id, created_at_ms, data) VALUES (?, ?, ?, ?)",
            )
            .bind(ticket.id.to_string())
            .bind(ticket.membership_id.to_string())
            .bind(ticket.created_at.timestamp_millis())
            .bind(&data)
            .execute(&mut *tx)
            .await
            .storage("store tickets")?;
            after.push((ticket.id.to_string(), data));
        }
        tx.commit().await.storage("store tickets")?;
        after.sort();
        Ok(before != after.into_iter().map(|(_, d)| d).collect::<Vec<_>>())
    }

    /// Stores one ticket the server returned.
    pub(crate) async fn upsert_ticket(&self, ticket: &Ticket) -> Result<(), Error> {
        let data = serde_json::to_string(ticket)
            .map_err(|err| Error::Internal(format!("encode a ticket: {err}")))?;
        sqlx::query(
            "INSERT INTO tickets (id, membership_id, created_at_ms, data) VALUES (?, ?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET data = excluded.data",
        )
        .bind(ticket.id.to_string())
        .bind(ticket.membership_id.to_string())
        .bind(ticket.created_at.timestamp_millis())
        .bind(data)
        .execute(&self.pool)
        .await
        .storage("store a ticket")?;
        Ok(())
    }

    /// Every cached ticket (all households of the account).
    pub(crate) async fn all_tickets(&self) -> Result<Vec<Ticket>, Error> {
        let rows: Vec<String> = sqlx::query_scalar("SELECT data FROM tickets")
            .fetch_all(&self.pool)
            .await
            .storage("read tickets")?;
        Ok(rows
            .iter()
            .filter_map(|data| serde_json::from_str(data).ok())
            .collect())
    }

    /// Cached tickets of a household, newest first.
    pub(crate) async fn tickets_of(&self, membership: &str) -> Result<Vec<Ticket>, Error> {
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT data FROM tickets WHERE membership_id = ? ORDER BY created_at_ms DESC",
        )
        .bind(membership)
        .fetch_all(&self.pool)
        .await
        .storage("read tickets")?;
        Ok(rows
            .iter()
            .filter_map(|r| serde_json::from_str(r).ok())
            .collect())
    }
}

/// A home no longer active takes its tickets with it.
impl crate::sync::HomeData for super::TicketsPull {
    fn home_kind(&self) -> linli_wire::sync::EntityKind {
        linli_wire::sync::EntityKind::Ticket
    }

    fn forget_ended<'a>(
        &'a self,
        conn: &'a mut sqlx::SqliteConnection,
    ) -> futures::future::BoxFuture<'a, Result<bool, Error>> {
        Box::pin(async move {
            let mut gone = 0;
            gone += sqlx::query(&format!(
                "DELETE FROM tickets WHERE membership_id NOT IN ({})",
                crate::auth::ACTIVE_MEMBERSHIPS
            ))
            .execute(&mut *conn)
            .await
            .storage("forget a home's tickets")?
            .rows_affected();
            Ok(gone > 0)
        })
    }
}

/// The feed's tickets: a ticket as the backend's list shows it, or a tombstone. A staff step
/// the cached copy had not seen is announced (as a whole-list pull does), once stored.
pub(crate) struct TicketsFeed;

impl crate::sync::FeedTable for TicketsFeed {
    fn apply<'a>(
        &'a self,
        conn: &'a mut sqlx::SqliteConnection,
        change: &'a crate::sync::CacheChange,
        notes: &'a mut crate::sync::FeedNotes,
    ) -> futures::future::BoxFuture<'a, Result<Option<linli_wire::sync::EntityKind>, Error>> {
        use crate::sync::CacheChange;
        Box::pin(async move {
            match change {
                CacheChange::UpsertTicket(ticket, version) => {
                    let data = serde_json::to_string(ticket)
                        .map_err(|err| Error::Internal(format!("encode a ticket: {err}")))?;
                    let row = crate::sync::feed::VersionedRow {
                        table: "tickets",
                        id: ticket.id.to_string(),
                        membership: ticket.membership_id.to_string(),
                        created_at_ms: ticket.created_at.timestamp_millis(),
                        data,
                        version: *version,
                    };
                    if let Some(Some(old)) = row.upsert(conn).await?
                        && let Ok(before) = serde_json::from_str::<Ticket>(&old)
                    {
                        let after = std::slice::from_ref(ticket.as_ref());
                        for notice in crate::notify::ticket_notices(&[before], after, notes.locale)
                        {
                            notes.events.push(linli_wire::ipc::CoreEvent::Notification {
                                title: notice.title,
                                body: notice.body,
                                ticket_id: notice.ticket,
                            });
                        }
                    }
                }
                CacheChange::DeleteTicket(id) => {
                    crate::sync::feed::delete_row(conn, "tickets", *id).await?;
                }
                _ => return Ok(None),
            }
            Ok(Some(linli_wire::sync::EntityKind::Ticket))
        })
    }

    fn wipe<'a>(
        &'a self,
        _conn: &'a mut sqlx::SqliteConnection,
    ) -> futures::future::BoxFuture<'a, Result<linli_wire::sync::EntityKind, Error>> {
        // The list read whole after the bootstrap replaces the table: emptying it here would
        // show no tickets in between.
        Box::pin(async { Ok(linli_wire::sync::EntityKind::Ticket) })
    }
}
