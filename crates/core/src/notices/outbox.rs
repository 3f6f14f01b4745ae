//! Notices' queued writes: read marks.
//!
//! Marking a notice read queues a `notice_read_marks` outbox item (shown read at once by
//! projecting the pending marks over the cached notices). Its handler posts the marks; an
//! accepted answer stores them as the server now has them, so the notice does not flash unread
//! before the change feed says the same; a refused one drops the projection.

use crate::error::Error;
use crate::http::{Call, Reply};
use crate::inner::{Account, Inner};
use crate::outbox::handler::{KindHandler, post_payload};
use crate::outbox::{OutboxItem, OutboxKind};
use futures::future::BoxFuture;
use linli_wire::notices::ReadMarks;
use linli_wire::sync::EntityKind;

/// Payload version of `notice_read_marks` items written by this build.
pub(crate) const READ_MARKS_PAYLOAD_VERSION: i64 = 1;

/// `notice_read_marks`: `POST /v1/notices/read-marks`.
pub(crate) struct ReadMarksKind;

impl KindHandler for ReadMarksKind {
    fn kind(&self) -> OutboxKind {
        OutboxKind::NoticeReadMarks
    }

    fn request(&self, item: &OutboxItem) -> Result<Call, String> {
        post_payload::<ReadMarks>(item, READ_MARKS_PAYLOAD_VERSION, "/v1/notices/read-marks")
    }

    fn accepted<'a>(
        &'a self,
        _inner: &'a Inner,
        account: &'a Account,
        item: &'a OutboxItem,
        _reply: &'a Reply,
    ) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            if let Ok(marks) = serde_json::from_str::<ReadMarks>(&item.payload) {
                account.cache.confirm_read_marks(&marks).await?;
            }
            Ok(())
        })
    }

    fn refused_changes(&self) -> &'static [EntityKind] {
        &[EntityKind::Notice]
    }
}
