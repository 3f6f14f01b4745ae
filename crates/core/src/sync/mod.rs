//! Pulling the backend's state into the cache: the change feed, then what it says to re-read.
//!
//! A sync reads the change feed ([`feed`]: notices, memberships, tickets and passes, applied
//! page by page by the tables registered for them); an idle sync is that one request. Then
//! `/v1/me` only after a bootstrap or when the feed brought a household change, and the
//! registered [`Pull`]s (lists read whole: passes, billing, tickets, home requests) only when
//! due: after a bootstrap (the feed's snapshot holds memberships and notices only, as the
//! contract says), when a home the cache did not have became active, or when the feed says a
//! pull's lists changed (`bill`, `home_request`). Lists are read with `If-None-Match`
//! ([`lists`]), so an unchanged one answers 304. This loop names no feature: the lists live
//! in [`crate::registry`] and reach it through [`Inner::features`]. A pull runs only when
//! the feed succeeded, and `DataChanged` names each kind that changed, once.
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
pub(crate) mod lists;
pub(crate) mod stream;

use crate::error::Error;
use crate::inner::{Account, Inner};
use futures::future::BoxFuture;
use linli_wire::sync::EntityKind;
use sqlx::SqliteConnection;

pub(crate) use feed::{CacheChange, FeedNotes, FeedTable, FeedTables};

/// One feature's pull of a list the backend sends whole: at a bootstrap (the first sync, after
/// a 410), when a home the cache did not have became active, and when the feed says its lists
/// changed ([`Pull::stale_on`]).
pub(crate) trait Pull: Sync {
    /// What `DataChanged` names when the pull changed the cache.
    fn kind(&self) -> EntityKind;

    /// The feed's "re-read the lists" kind this pull answers to (`bill`, `home_request`);
    /// `None` for lists whose every change arrives in the feed itself (tickets, passes).
    fn stale_on(&self) -> Option<EntityKind> {
        None
    }

    /// Whether the pull has work of its own at every sync (a payment order whose answer was
    /// lost is sent again until one arrives), so it runs even when nothing else says so.
    fn pending<'a>(
        &'a self,
        _inner: &'a Inner,
        _account: &'a Account,
    ) -> BoxFuture<'a, Result<bool, Error>> {
        Box::pin(async { Ok(false) })
    }

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
        use std::sync::atomic::Ordering;
        let mut kinds = Vec::new();
        let mut stale = Vec::new();
        let resumed = account.cache.cursor().await?.is_some();
        let known = account.cache.active_communities().await?;
        let known_homes = active_homes(account).await?;
        let result = self.pull_feed(account, &mut kinds, &mut stale, false).await;
        let mut result = match result {
            Ok(outcome) => Ok(outcome),
            Err(err) => {
                // Nothing more this time (the session may even have ended).
                self.events.data_changed(unique(kinds));
                return Err(err);
            }
        };
        if resumed && let Ok(feed::Bootstrap::Continued) = result {
            let active = account.cache.active_communities().await?;
            if active.iter().any(|c| !known.contains(c)) {
                // A home in a community new to this device (an invitation accepted, a home
                // request approved): its notices from before lie behind the cursor, so the
                // feed starts over.
                tracing::info!("a new community's home; bootstrapping the feed again");
                result = self.pull_feed(account, &mut kinds, &mut stale, true).await;
            }
        }
        let bootstrapped = !resumed || matches!(result, Ok(feed::Bootstrap::Again));
        // `/v1/me` (the user, every household, the chosen one) only when the feed says a
        // household changed, or after a bootstrap (a wipe dropped the households too) — and
        // not right after the sign-in read it.
        let me_fresh = account.me_fresh.swap(false, Ordering::SeqCst);
        if result.is_ok()
            && (bootstrapped || kinds.contains(&EntityKind::Membership))
            && !me_fresh
            && self.refresh_me(account).await?
        {
            kinds.extend([EntityKind::Membership, EntityKind::Notice]);
        }
        if let Ok(true) = self.ensure_household(account).await {
            kinds.extend([EntityKind::Membership, EntityKind::Notice]);
        }
        // A home the cache did not have: its older tickets, passes and bills lie behind the
        // cursor, so the lists are read whole.
        let new_home = active_homes(account)
            .await?
            .iter()
            .any(|home| !known_homes.contains(home));
        if result.is_ok() {
            kinds.extend(self.forget_ended_homes(account).await?);
        }
        for pull in self.features.pulls.0 {
            let due = bootstrapped
                || new_home
                || pull.stale_on().is_some_and(|kind| stale.contains(&kind))
                || (result.is_ok() && pull.pending(self, account).await?);
            if result.is_ok() && due && pull.pull(self, account).await? {
                kinds.push(pull.kind());
            }
        }
        self.events.data_changed(unique(kinds));
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

/// The ids of the cached active memberships.
async fn active_homes(account: &Account) -> Result<Vec<linli_wire::MembershipId>, Error> {
    Ok(account
        .cache
        .memberships()
        .await?
        .into_iter()
        .filter(|m| m.state == linli_wire::me::MembershipState::Active)
        .map(|m| m.id)
        .collect())
}

/// Each kind once, in the order first named.
fn unique(kinds: Vec<EntityKind>) -> Vec<EntityKind> {
    let mut unique = Vec::new();
    for kind in kinds {
        if !unique.contains(&kind) {
            unique.push(kind);
        }
    }
    unique
}
