//! TypeScript declarations for the UI, generated from the types in this crate.
//!
//! `ui/src/generated/wire.ts` is this module's output, committed. The test below fails when the
//! file and the Rust types drift apart; run `LINLI_BLESS=1 cargo test -p linli-wire` (or
//! `cargo xtask gen-types`) to write it anew: that run rewrites the file and fails, so a
//! blessing left switched on never lets drift pass. Never edit the file by hand.

use ts_rs::TS;

/// The whole generated file.
pub fn typescript() -> String {
    let decls = [
        crate::ids::UserId::decl(),
        crate::ids::CommunityId::decl(),
        crate::ids::UnitId::decl(),
        crate::ids::MembershipId::decl(),
        crate::ids::NoticeId::decl(),
        crate::ids::MutationId::decl(),
        crate::error::ErrorCode::decl(),
        crate::error::FieldError::decl(),
        crate::error::Problem::decl(),
        crate::error::IpcError::decl(),
        crate::auth::LoginRequest::decl(),
        crate::auth::SmsCodeRequest::decl(),
        crate::auth::SmsCodeSent::decl(),
        crate::auth::SmsLoginRequest::decl(),
        crate::me::User::decl(),
        crate::me::Community::decl(),
        crate::me::Unit::decl(),
        crate::me::MembershipRole::decl(),
        crate::me::MembershipState::decl(),
        crate::me::Action::decl(),
        crate::me::Membership::decl(),
        crate::me::HomeMember::decl(),
        crate::me::HomeMemberList::decl(),
        crate::me::Me::decl(),
        crate::ids::InvitationId::decl(),
        crate::invitations::CreateInvitation::decl(),
        crate::invitations::InvitationState::decl(),
        crate::invitations::Invitation::decl(),
        crate::invitations::InvitationList::decl(),
        crate::ids::HomeRequestId::decl(),
        crate::homes::NameList::decl(),
        crate::homes::DirectoryRoom::decl(),
        crate::homes::RoomList::decl(),
        crate::homes::CreateHomeRequest::decl(),
        crate::homes::HomeRequestState::decl(),
        crate::homes::Decider::decl(),
        crate::homes::HomeRequest::decl(),
        crate::homes::HomeRequestList::decl(),
        crate::homes::Refusal::decl(),
        crate::notices::NoticeCategory::decl(),
        crate::notices::NoticePriority::decl(),
        crate::notices::NoticeTarget::decl(),
        crate::notices::Notice::decl(),
        crate::notices::PublishNotice::decl(),
        crate::notices::PublishedNotice::decl(),
        crate::notices::NoticePage::decl(),
        crate::notices::ReadMarks::decl(),
        crate::ids::PassId::decl(),
        crate::ids::EntryId::decl(),
        crate::passes::PassSchedule::decl(),
        crate::passes::CreatePass::decl(),
        crate::passes::PassState::decl(),
        crate::passes::Credential::decl(),
        crate::passes::PassEntry::decl(),
        crate::passes::VisitorPass::decl(),
        crate::passes::PassList::decl(),
        crate::ids::BillId::decl(),
        crate::ids::BillLineId::decl(),
        crate::ids::PaymentOrderId::decl(),
        crate::ids::ReceiptId::decl(),
        crate::bills::FeeItem::decl(),
        crate::bills::MeterReading::decl(),
        crate::bills::BillLine::decl(),
        crate::bills::BillState::decl(),
        crate::bills::Bill::decl(),
        crate::bills::BillList::decl(),
        crate::bills::PaymentChannel::decl(),
        crate::bills::CreatePaymentOrder::decl(),
        crate::bills::ClientAction::decl(),
        crate::bills::PaymentOrderState::decl(),
        crate::bills::RefundReason::decl(),
        crate::bills::Refund::decl(),
        crate::bills::PaymentOrder::decl(),
        crate::bills::PaymentOrderList::decl(),
        crate::bills::ReceiptLine::decl(),
        crate::bills::Receipt::decl(),
        crate::bills::ReceiptList::decl(),
        crate::bills::LedgerDirection::decl(),
        crate::bills::LedgerLine::decl(),
        crate::bills::LedgerAttachment::decl(),
        crate::bills::LedgerPeriod::decl(),
        crate::bills::LedgerList::decl(),
        crate::ids::TicketId::decl(),
        crate::tickets::TicketKind::decl(),
        crate::tickets::TicketPlace::decl(),
        crate::tickets::TicketUrgency::decl(),
        crate::tickets::VisitWindow::decl(),
        crate::tickets::CreateTicket::decl(),
        crate::tickets::TicketState::decl(),
        crate::tickets::Actor::decl(),
        crate::tickets::TicketEvent::decl(),
        crate::tickets::Rating::decl(),
        crate::tickets::Ticket::decl(),
        crate::tickets::TicketList::decl(),
        crate::tickets::TicketComment::decl(),
        crate::tickets::TicketReason::decl(),
        crate::ipc::PhotoDraft::decl(),
        crate::ipc::NewTicket::decl(),
        crate::ipc::TicketViewState::decl(),
        crate::ipc::PhotoProgress::decl(),
        crate::ipc::TicketView::decl(),
        crate::ipc::TicketStep::decl(),
        crate::ipc::BlockedChoice::decl(),
        crate::sync::EntityKind::decl(),
        crate::sync::ChangeOp::decl(),
        crate::sync::Change::decl(),
        crate::sync::ChangeFeed::decl(),
        crate::sync::StreamEvent::decl(),
        crate::ipc::Locale::decl(),
        crate::ipc::AccountView::decl(),
        crate::join::CommunityList::decl(),
        crate::join::BackendView::decl(),
        crate::join::JoinPreview::decl(),
        crate::ipc::HomeRequestsView::decl(),
        crate::ipc::SessionView::decl(),
        crate::ipc::SyncStatus::decl(),
        crate::ipc::CoreEvent::decl(),
        crate::ipc::NewPass::decl(),
        crate::ipc::PassViewState::decl(),
        crate::ipc::PassView::decl(),
        crate::ipc::MarkedText::decl(),
        crate::ipc::NoticeHit::decl(),
    ];
    let mut out = String::from(
        "// Generated from crates/wire by `cargo xtask gen-types`. Do not edit by hand.\n\n",
    );
    for decl in decls {
        out.push_str("export ");
        out.push_str(decl.trim_end());
        out.push_str("\n\n");
    }
    out.push_str(&crate::limits::typescript());
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    fn generated_path() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/generated/wire.ts")
    }

    #[test]
    fn ui_types_match_wire() {
        let fresh = super::typescript();
        let path = generated_path();
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        if committed == fresh {
            return;
        }
        // Blessing rewrites the file and still fails the run: a run with LINLI_BLESS set (left
        // in a shell, or in CI) can never pass over drifted types. The rerun compares again.
        if std::env::var_os("LINLI_BLESS").is_some() {
            std::fs::create_dir_all(path.parent().expect("parent")).expect("create generated/");
            std::fs::write(&path, &fresh).expect("write wire.ts");
            panic!(
                "LINLI_BLESS: ui/src/generated/wire.ts was out of date and has been rewritten; \
                 review and commit it, then rerun (a run that blesses never passes)"
            );
        }
        panic!("ui/src/generated/wire.ts drifted from crates/wire: run `cargo xtask gen-types`");
    }
}
