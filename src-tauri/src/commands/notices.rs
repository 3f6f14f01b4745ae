//! Commands of notices: read from the cache, marks queued in the outbox.

use linli_core::Core;
use linli_wire::NoticeId;
use linli_wire::notices::Notice;
use tauri::State;

commands! {
    /// Notices of the current household's community, from the cache.
    fn notices(core: State<'_, Core>) -> Vec<Notice> {
        core.notices().await
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
