//! Pulling the backend's state into the cache: the change feed, then each feature's own pull.
//!
//! A sync reads `/v1/me` first (so household changes show), then the change feed
//! ([`feed`]: notices and memberships, applied page by page by the tables registered for
//! them), then every registered [`Pull`] in order: the lists the backend sends whole (passes,
//! billing, tickets). This loop names no feature: the lists live in [`crate::registry`] and
//! reach it through [`Inner::features`]. A pull runs only when the feed succeeded, and
//! `DataChanged` names each kind that changed, once.

pub(crate) mod feed;

use crate::error::Error;
use crate::inner::{Account, Inner};
use futures::future::BoxFuture;
use linli_wire::sync::EntityKind;

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

impl Inner {
    /// Brings the account's cache up to date. Emits `DataChanged` for what changed.
    pub(crate) async fn pull(&self, account: &Account) -> Result<(), Error> {
        let mut kinds = Vec::new();
        if self.refresh_me(account).await? {
            kinds.extend([EntityKind::Membership, EntityKind::Notice]);
        }
        let result = self.pull_feed(account, &mut kinds).await;
        if let Ok(feed::Bootstrap::Again) = result {
            // The wipe dropped the households too; the feed may not resend them all.
            self.refresh_me(account).await?;
        }
        if let Ok(true) = self.ensure_household(account).await {
            kinds.extend([EntityKind::Membership, EntityKind::Notice]);
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
}
