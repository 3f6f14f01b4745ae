//! Notices of the current household's community: read from the cache (the change feed keeps
//! it), shown pinned first, then urgent, then newest, expired ones left out; marking one read
//! shows it read at once and queues the mark (`notice_read_marks`, [`outbox`]).
//!
//! Searching them offline (FTS5 trigram, matches marked) is [`search`].
//!
//! Uses the session's current household ([`crate::auth`]) to know which community to show.

pub(crate) mod cache;
pub(crate) mod outbox;
pub(crate) mod search;

pub(crate) use outbox::READ_MARKS_PAYLOAD_VERSION;

use crate::Core;
use crate::error::Error;
use crate::inner::Account;
use crate::outbox::OutboxKind;
use chrono::{DateTime, Utc};
use linli_wire::NoticeId;
use linli_wire::notices::{Notice, NoticePriority, ReadMarks};
use linli_wire::sync::EntityKind;

impl Core {
    /// Notices of the current household's community, from the cache, pending read marks
    /// projected: pinned first, then urgent, then newest. Expired notices are left out.
    pub async fn notices(&self) -> Result<Vec<Notice>, Error> {
        let account = self.inner.current_account().await?;
        let Some(community) = self.inner.current_community(&account).await? else {
            return Ok(Vec::new());
        };
        let notices = account.cache.notices_in(community).await?;
        let marks = account.cache.pending_read_marks().await?;
        Ok(arrange_notices(notices, &marks, self.inner.now()))
    }

    /// One notice from the cache, pending read marks projected. An expired notice is not
    /// found, as the list leaves it out and the backend answers 404 for it: a detail screen
    /// opened from a stale list or a notification never shows it after it expired.
    pub async fn notice(&self, id: NoticeId) -> Result<Notice, Error> {
        let account = self.inner.current_account().await?;
        self.projected_notice(&account, id).await
    }

    /// Marks a notice read: shown read at once, queued for the backend. Marking a notice that
    /// is already read (or queued) changes nothing.
    pub async fn mark_notice_read(&self, id: NoticeId) -> Result<Notice, Error> {
        let account = self.inner.current_account().await?;
        let notice = self.projected_notice(&account, id).await?;
        if notice.read_at.is_some() {
            return Ok(notice);
        }
        let now = self.inner.now();
        let marks = ReadMarks {
            notice_ids: vec![id],
            read_at: now,
        };
        account
            .cache
            .enqueue(
                self.inner.ids.new_id(),
                OutboxKind::NoticeReadMarks,
                &format!("notice/{id}"),
                READ_MARKS_PAYLOAD_VERSION,
                &marks,
                now,
            )
            .await?;
        self.inner.emit_outbox(&account).await;
        self.inner.events.data_changed(vec![EntityKind::Notice]);
        self.inner.wake.notify_one();
        Ok(Notice {
            read_at: Some(now),
            ..notice
        })
    }

    async fn projected_notice(&self, account: &Account, id: NoticeId) -> Result<Notice, Error> {
        let now = self.inner.now();
        let mut notice = account
            .cache
            .notice(id)
            .await?
            .filter(|notice| shown_at(notice, now))
            .ok_or_else(|| Error::NotFound(format!("notice {id}")))?;
        let marks = account.cache.pending_read_marks().await?;
        project_read_marks(&mut notice, &marks);
        Ok(notice)
    }
}

/// The notices to show: not expired at `now`, pending read marks projected, pinned first,
/// then urgent, then newest.
pub(crate) fn arrange_notices(
    mut notices: Vec<Notice>,
    pending_marks: &[ReadMarks],
    now: DateTime<Utc>,
) -> Vec<Notice> {
    notices.retain(|notice| shown_at(notice, now));
    for notice in &mut notices {
        project_read_marks(notice, pending_marks);
    }
    notices.sort_by(|a, b| {
        b.pinned
            .cmp(&a.pinned)
            .then_with(|| {
                let urgent = |n: &Notice| n.priority == NoticePriority::Urgent;
                urgent(b).cmp(&urgent(a))
            })
            .then_with(|| b.published_at.cmp(&a.published_at))
            .then_with(|| b.id.cmp(&a.id))
    });
    notices
}

/// Whether a notice is shown at `now`: until it expires (the list and the detail alike).
fn shown_at(notice: &Notice, now: DateTime<Utc>) -> bool {
    notice.expires_at.is_none_or(|expires| expires > now)
}

/// Shows `notice` as read when a pending mark names it (the earliest mark wins, as on the
/// server). A notice the server already has as read keeps the server's time.
pub(crate) fn project_read_marks(notice: &mut Notice, pending_marks: &[ReadMarks]) {
    if notice.read_at.is_some() {
        return;
    }
    notice.read_at = pending_marks
        .iter()
        .filter(|marks| marks.notice_ids.contains(&notice.id))
        .map(|marks| marks.read_at)
        .min();
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::store::cache::at;
    use linli_wire::CommunityId;
    use linli_wire::notices::NoticeCategory;
    use uuid::Uuid;

    pub(crate) fn notice(community: CommunityId, title: &str, published_ms: i64) -> Notice {
        Notice {
            id: NoticeId(Uuid::now_v7()),
            community_id: community,
            title: title.to_owned(),
            summary: String::new(),
            body: String::new(),
            category: NoticeCategory::General,
            priority: NoticePriority::Normal,
            pinned: false,
            publisher: "物业服务中心".to_owned(),
            published_at: at(published_ms),
            starts_at: None,
            ends_at: None,
            expires_at: None,
            service_back_at: None,
            targets: Vec::new(),
            affects_me: true,
            read_at: None,
            version: 1,
        }
    }

    #[test]
    fn pinned_then_urgent_then_newest() {
        let c = CommunityId(Uuid::now_v7());
        let old = notice(c, "old", 1_000);
        let new = notice(c, "new", 3_000);
        let mut urgent = notice(c, "urgent", 2_000);
        urgent.priority = NoticePriority::Urgent;
        let mut pinned = notice(c, "pinned", 500);
        pinned.pinned = true;
        let shown = arrange_notices(vec![old, new, urgent, pinned], &[], at(0));
        let titles: Vec<_> = shown.iter().map(|n| n.title.as_str()).collect();
        assert_eq!(titles, ["pinned", "urgent", "new", "old"]);
    }

    #[test]
    fn expired_notices_are_hidden() {
        let c = CommunityId(Uuid::now_v7());
        let mut gone = notice(c, "gone", 1_000);
        gone.expires_at = Some(at(5_000));
        let shown = arrange_notices(vec![gone.clone()], &[], at(4_999));
        assert_eq!(shown.len(), 1, "shown until it expires");
        assert!(arrange_notices(vec![gone], &[], at(5_000)).is_empty());
    }

    #[test]
    fn pending_marks_show_as_read_but_server_time_wins() {
        let c = CommunityId(Uuid::now_v7());
        let unread = notice(c, "unread", 1_000);
        let mut read_on_server = notice(c, "server", 2_000);
        read_on_server.read_at = Some(at(10));
        let untouched = notice(c, "untouched", 3_000);
        let marks = [
            ReadMarks {
                notice_ids: vec![unread.id, read_on_server.id],
                read_at: at(50),
            },
            ReadMarks {
                notice_ids: vec![unread.id],
                read_at: at(40),
            },
        ];
        let shown = arrange_notices(vec![unread, read_on_server, untouched], &marks, at(0));
        let by_title = |t: &str| shown.iter().find(|n| n.title == t).expect(t).read_at;
        assert_eq!(
            by_title("unread"),
            Some(at(40)),
            "earliest pending mark wins"
        );
        assert_eq!(
            by_title("server"),
            Some(at(10)),
            "server's read time is kept"
        );
        assert_eq!(by_title("untouched"), None, "no mark, still unread");
    }
}
