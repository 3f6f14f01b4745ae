//! Commands of notices: read from the cache, marks queued in the outbox.

use linli_core::Core;
use linli_wire::NoticeId;
use linli_wire::ipc::NoticeHit;
use linli_wire::notices::Notice;
use tauri::State;

commands! {
    /// Notices of the current household's community, from the cache.
    fn notices(core: State<'_, Core>) -> Vec<Notice> {
        core.notices().await
    }

    /// Notices matching a query (Chinese, Latin, digits), from the cache, offline: most
    /// relevant first, matches marked as parts.
    fn search_notices(core: State<'_, Core>, query: String) -> Vec<NoticeHit> {
        core.search_notices(query).await
    }

    /// One notice, from the cache.
    fn notice(core: State<'_, Core>, id: NoticeId) -> Notice {
        core.notice(id).await
    }

    /// Marks a notice read now and queues the mark for the backend.
    fn mark_notice_read(core: State<'_, Core>, id: NoticeId) -> Notice {
        core.mark_notice_read(id).await
    }
}
