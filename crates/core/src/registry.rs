//! Every feature's part in the shared loops, in one list: the one place where a new kind of
//! queued write, a new list pulled whole, a new table of the change feed or of homes' data is
//! registered (one line each), so that the outbox runner and the pull loop import no feature and each feature
//! keeps its rules in its own folder. `Core::open` hands [`FEATURES`] to the shared state.

use crate::Features;
use crate::auth::MembershipsFeed;
use crate::bills::BillingPull;
use crate::homes::HomesPull;
use crate::notices::cache::NoticesFeed;
use crate::notices::outbox::ReadMarksKind;
use crate::outbox::handler::Handlers;
use crate::passes::{CreatePassKind, PassesFeed, PassesPull};
use crate::sync::{FeedTables, HomeTables, Pulls};
use crate::tickets::outbox::{CreateTicketKind, UploadPhotoKind};
use crate::tickets::{TicketsFeed, TicketsPull};

/// What the flusher can send; an item of any other kind is left pending and logged.
pub(crate) static OUTBOX: Handlers = Handlers(&[
    &ReadMarksKind,
    &CreatePassKind,
    &UploadPhotoKind,
    &CreateTicketKind,
]);

/// The lists pulled whole after the change feed, in this order (billing before tickets, as
/// before the restructure; home requests last).
static PULLS: Pulls = Pulls(&[&PassesPull, &BillingPull, &TicketsPull, &HomesPull]);

/// The tables the change feed writes; a bootstrap empties them in this order.
static FEED: FeedTables = FeedTables(&[&NoticesFeed, &MembershipsFeed, &TicketsFeed, &PassesFeed]);

/// The tables of homes' data, forgotten after a sync for homes no longer active.
static HOMES: HomeTables = HomeTables(&[&NoticesFeed, &PassesPull, &BillingPull, &TicketsPull]);

/// All of it, for [`crate::inner::Inner::features`].
pub(crate) static FEATURES: Features = Features {
    outbox: &OUTBOX,
    pulls: &PULLS,
    feed: &FEED,
    homes: &HOMES,
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notices::tests::notice;
    use crate::outbox::{OutboxItem, OutboxState};
    use crate::store::cache::{Cache, at, count};
    use crate::sync::CacheChange;
    use linli_wire::notices::ReadMarks;
    use linli_wire::sync::EntityKind;
    use linli_wire::{CommunityId, NoticeId};
    use uuid::Uuid;

    fn item(kind: &str, version: i64, payload: &str) -> OutboxItem {
        OutboxItem {
            id: Uuid::now_v7(),
            kind: kind.to_owned(),
            aggregate: "notice/x".to_owned(),
            payload_version: version,
            payload: payload.to_owned(),
            state: OutboxState::Pending,
            attempts: 0,
            next_attempt_at: at(0),
            last_error_code: None,
        }
    }

    #[test]
    fn unknown_kinds_and_versions_are_not_sent() {
        let marks = serde_json::to_string(&ReadMarks {
            notice_ids: vec![NoticeId(Uuid::now_v7())],
            read_at: at(0),
        })
        .expect("json");
        assert!(
            OUTBOX
                .request_for(&item("notice_read_marks", 1, &marks))
                .is_ok()
        );
        assert!(
            OUTBOX
                .request_for(&item("notice_read_marks", 2, &marks))
                .is_err()
        );
        assert!(OUTBOX.request_for(&item("repair_order", 1, "{}")).is_err());
        assert!(
            OUTBOX
                .request_for(&item("notice_read_marks", 1, "{"))
                .is_err()
        );
    }

    #[test]
    fn every_stored_kind_has_one_handler() {
        // The database spellings of existing rows: they must keep decoding to a handler.
        for stored in [
            "notice_read_marks",
            "create_pass",
            "upload_photo",
            "create_ticket",
        ] {
            let kind = crate::outbox::OutboxKind::parse(stored)
                .unwrap_or_else(|| panic!("{stored} no longer decodes: old outbox rows are lost"));
            assert_eq!(kind.as_str(), stored, "{stored} is stored as it was");
            let handlers = OUTBOX.0.iter().filter(|h| h.kind() == kind).count();
            assert_eq!(handlers, 1, "{stored} needs exactly one registered handler");
        }
    }

    #[test]
    fn whole_lists_are_pulled_in_the_old_order() {
        let kinds: Vec<_> = FEATURES.pulls.0.iter().map(|pull| pull.kind()).collect();
        assert_eq!(
            kinds,
            [
                EntityKind::Pass,
                EntityKind::Bill,
                EntityKind::Ticket,
                EntityKind::HomeRequest
            ],
            "passes, then billing, then tickets, each once, as the pull loop ran them before; \
             then home requests"
        );
    }

    #[tokio::test]
    async fn every_feed_change_is_stored_by_exactly_one_table() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = Cache::open(&dir.path().join("cache.db"))
            .await
            .expect("open");
        let community = CommunityId(Uuid::now_v7());
        let notice = notice(community, "n", 1_000);
        let mut conn = cache.pool.acquire().await.expect("connection");
        for change in [
            CacheChange::UpsertNotice(Box::new(notice.clone())),
            CacheChange::DeleteNotice(notice.id.0),
            CacheChange::DeleteMembership(Uuid::now_v7()),
        ] {
            let mut claimed = Vec::new();
            for table in FEATURES.feed.0 {
                if let Some(kind) = table
                    .apply(&mut conn, &change, &mut crate::sync::FeedNotes::quiet())
                    .await
                    .expect("apply")
                {
                    claimed.push(kind);
                }
            }
            assert_eq!(
                claimed.len(),
                1,
                "{change:?} must be stored by exactly one feed table, not {claimed:?}"
            );
        }
        let mut wiped = Vec::new();
        for table in FEATURES.feed.0 {
            wiped.push(table.wipe(&mut conn).await.expect("wipe"));
        }
        assert_eq!(
            wiped,
            [
                EntityKind::Notice,
                EntityKind::Membership,
                EntityKind::Ticket,
                EntityKind::Pass
            ],
            "a new bootstrap empties the notices and the memberships, as before; tickets and \
             passes are replaced by their lists read after it"
        );
        drop(conn);
        cache.close().await;
    }

    /// The feed through the registered tables: upserts, a tombstone, a wipe, and read marks
    /// written back.
    #[tokio::test]
    async fn feed_pages_upsert_delete_and_wipe() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = Cache::open(&dir.path().join("cache.db"))
            .await
            .expect("open");
        let c = CommunityId(Uuid::now_v7());
        let a = notice(c, "a", 1_000);
        let b = notice(c, "b", 2_000);
        let kinds = cache
            .apply_page(
                &[
                    CacheChange::UpsertNotice(Box::new(a.clone())),
                    CacheChange::UpsertNotice(Box::new(b.clone())),
                ],
                "c1",
                false,
                FEATURES.feed,
                &mut crate::sync::FeedNotes::quiet(),
            )
            .await
            .expect("apply");
        assert_eq!(kinds, [EntityKind::Notice]);
        assert_eq!(cache.cursor().await.expect("cursor").as_deref(), Some("c1"));
        assert_eq!(cache.notices_in(c).await.expect("read").len(), 2);

        cache
            .apply_page(
                &[CacheChange::DeleteNotice(a.id.0)],
                "c2",
                false,
                FEATURES.feed,
                &mut crate::sync::FeedNotes::quiet(),
            )
            .await
            .expect("tombstone");
        assert_eq!(
            cache.notice(a.id).await.expect("read"),
            None,
            "tombstone removes it"
        );

        cache
            .apply_page(
                &[CacheChange::UpsertNotice(Box::new(a.clone()))],
                "c3",
                true,
                FEATURES.feed,
                &mut crate::sync::FeedNotes::quiet(),
            )
            .await
            .expect("wipe and bootstrap");
        let left = cache.notices_in(c).await.expect("read");
        assert_eq!(
            left,
            vec![a.clone()],
            "a wipe drops what the bootstrap does not resend"
        );

        cache
            .confirm_read_marks(&ReadMarks {
                notice_ids: vec![a.id],
                read_at: at(7),
            })
            .await
            .expect("confirm");
        assert_eq!(
            cache
                .notice(a.id)
                .await
                .expect("read")
                .and_then(|n| n.read_at),
            Some(at(7))
        );
        assert_eq!(count(&cache.pool, "notices").await, 1);
        cache.close().await;
    }
}
