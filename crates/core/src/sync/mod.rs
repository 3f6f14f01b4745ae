//! Pulling the backend's state into the cache: the change feed, then each feature's own pull.
//!
//! A sync reads `/v1/me` first (so household changes show), then the change feed
//! ([`feed`]: notices and memberships, applied page by page by the tables registered for
//! them), then every registered [`Pull`] in order: the lists the backend sends whole (passes,
//! billing, tickets). This loop names no feature: the lists live in [`crate::registry`] and
//! reach it through [`Inner::features`]. A pull runs only when the feed succeeded, and
//! `DataChanged` names each kind that changed, once.
//!
//! When to sync is the background loop's ([`crate::background`]): told by the change stream
//! ([`stream`]) while it is up, polling only while it is down.
//!
//! A home in a community this device had none in (an invitation accepted) starts the feed
//! over, since that community's earlier notices lie behind the stored cursor.
//!
//! After the feed, the cached data of every home that is no longer active (left, removed by
//! its owner, a tenancy ended) is forgotten, in one transaction, by each registered
//! [`HomeData`]: the memberships table is complete at that point (`/v1/me` was read whole and
//! the feed has caught up), whereas mid-feed a bootstrap may not have brought every home yet.
//! So a change reaching the app through the feed (a membership `ended`) empties that home's
//! notices, passes, bills and tickets at the same sync, whatever list is pulled whole or not.

pub(crate) mod feed;
pub(crate) mod stream;

use crate::error::Error;
use crate::inner::{Account, Inner};
use futures::future::BoxFuture;
use linli_wire::sync::EntityKind;
use sqlx::SqliteConnection;

pub(crate) use feed::{CacheChange, FeedTable, FeedTables};

/// One feature's pull of a list the backend sends whole.
pub(crate) trait Pull: Sync {
    /// What `DataChanged` names when the pull changed the cache.
    fn kind(&self) -> EntityKind;

    /// Fetches and stores the list; answers whether anything the UI shows changed.
    fn pull<'a>(
        &'a self,
        inner: &'a Inner,
        account: &'a Account,
    ) -> BoxFuture<'a, Result<bool, Error>>;
}

/// The registered pulls, run in this order after the feed.
pub(crate) struct Pulls(pub(crate) &'static [&'static dyn Pull]);

/// A feature's cached tables that belong to homes (by membership, unit or community).
pub(crate) trait HomeData: Sync {
    /// What `DataChanged` names when rows were forgotten.
    fn home_kind(&self) -> EntityKind;

    /// Deletes the rows of homes without an active membership in the cache's `memberships`
    /// (inside the caller's transaction); answers whether any went.
    fn forget_ended<'a>(
        &'a self,
        conn: &'a mut SqliteConnection,
    ) -> BoxFuture<'a, Result<bool, Error>>;
}

/// The registered tables of homes' data.
pub(crate) struct HomeTables(pub(crate) &'static [&'static dyn HomeData]);

impl Inner {
    /// Brings the account's cache up to date. Emits `DataChanged` for what changed.
    pub(crate) async fn pull(&self, account: &Account) -> Result<(), Error> {
        let mut kinds = Vec::new();
        let resumed = account.cache.cursor().await?.is_some();
        let known = account.cache.active_communities().await?;
        if self.refresh_me(account).await? {
            kinds.extend([EntityKind::Membership, EntityKind::Notice]);
        }
        let mut result = self.pull_feed(account, &mut kinds, false).await;
        if resumed && let Ok(feed::Bootstrap::Continued) = result {
            let active = account.cache.active_communities().await?;
            if active.iter().any(|c| !known.contains(c)) {
                // A home in a community new to this device (an invitation accepted, a home
                // request approved): its notices from before lie behind the cursor, so the
                // feed starts over.
                tracing::info!("a new community's home; bootstrapping the feed again");
                result = self.pull_feed(account, &mut kinds, true).await;
            }
        }
        if let Ok(feed::Bootstrap::Again) = result {
            // The wipe dropped the households too; the feed may not resend them all.
            self.refresh_me(account).await?;
        }
        if let Ok(true) = self.ensure_household(account).await {
            kinds.extend([EntityKind::Membership, EntityKind::Notice]);
        }
        if result.is_ok() {
            kinds.extend(self.forget_ended_homes(account).await?);
        }
        for pull in self.features.pulls.0 {
            if result.is_ok() && pull.pull(self, account).await? {
                kinds.push(pull.kind());
            }
        }
        let mut unique = Vec::new();
        for kind in kinds {
            if !unique.contains(&kind) {
                unique.push(kind);
            }
        }
        self.events.data_changed(unique);
        result?;
        account.cache.set_synced(self.now()).await
    }

    /// Forgets the cached data of homes no longer active; answers the kinds that lost rows.
    async fn forget_ended_homes(&self, account: &Account) -> Result<Vec<EntityKind>, Error> {
        use crate::error::StorageContext;
        let mut tx = crate::store::write_tx(&account.cache.pool)
            .await
            .storage("forget the homes left")?;
        let mut kinds = Vec::new();
        for table in self.features.homes.0 {
            if table.forget_ended(&mut tx).await? {
                kinds.push(table.home_kind());
            }
        }
        tx.commit().await.storage("forget the homes left")?;
        if !kinds.is_empty() {
            tracing::info!(?kinds, "forgot the cached data of homes no longer active");
        }
        Ok(kinds)
    }
}
