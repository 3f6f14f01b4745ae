//! The outbox kinds of every feature, in one list: the one place where a new kind of queued
//! write is registered (one line), so that the outbox runner imports no feature and each
//! feature keeps its kind's request, answer and refusal rules in its own folder.

use crate::notices::ReadMarksKind;
use crate::outbox::handler::Handlers;
use crate::passes::CreatePassKind;
use crate::tickets::outbox::{CreateTicketKind, UploadPhotoKind};

/// What the flusher can send; an item of any other kind is left pending and logged.
pub(crate) static OUTBOX: Handlers = Handlers(&[
    &ReadMarksKind,
    &CreatePassKind,
    &UploadPhotoKind,
    &CreateTicketKind,
]);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outbox::{OutboxItem, OutboxState};
    use crate::store::cache::at;
    use linli_wire::NoticeId;
    use linli_wire::notices::ReadMarks;
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
}
