//! A seeding hook for `cargo xtask bench cache` (xtask/src/bench_cache.rs), hidden from the
//! docs: it writes notices, tickets and bills into the signed-in account's cache through the
//! very writers sync uses (the notices feed table with its search triggers, the ticket upsert,
//! the household's billing replace), so the benchmark then times the Core API the UI calls on
//! a cache at scale without a backend holding that much. Nothing in the app calls it.

use crate::Core;
use crate::error::{Error, StorageContext};
use crate::notices::cache::NoticesFeed;
use crate::sync::{CacheChange, FeedTable};
use linli_wire::bills::Bill;
use linli_wire::notices::Notice;
use linli_wire::tickets::Ticket;

impl Core {
    /// Stores `notices` (one transaction), `tickets`, and `bills` as the current household's
    /// whole bill list (its receipts and ledger emptied), as a sync would have.
    #[doc(hidden)]
    pub async fn seed_cache_for_bench(
        &self,
        notices: &[Notice],
        tickets: &[Ticket],
        bills: &[Bill],
    ) -> Result<(), Error> {
        let account = self.inner.current_account().await?;
        let mut tx = crate::store::write_tx(&account.cache.pool)
            .await
            .storage("seed notices")?;
        let mut notes = crate::sync::feed::FeedNotes::quiet();
        for notice in notices {
            NoticesFeed
                .apply(
                    &mut tx,
                    &CacheChange::UpsertNotice(Box::new(notice.clone())),
                    &mut notes,
                )
                .await?;
        }
        tx.commit().await.storage("seed notices")?;
        for ticket in tickets {
            account.cache.upsert_ticket(ticket).await?;
        }
        let membership = self.inner.current_membership(&account).await?;
        account
            .cache
            .replace_billing(&membership, bills, &[], &[], &[])
            .await?;
        Ok(())
    }
}
