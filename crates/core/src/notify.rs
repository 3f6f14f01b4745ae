//! Desktop notifications for what happened to the resident's tickets while they were away
//! from the screen: a staff step (accepted, assigned, completed …), a staff comment, or an
//! automatic step (resumed, confirmed, closed).
//!
//! Invariants:
//! - Notices come from comparing the tickets before and after a sync, event by event, so each
//!   event is announced once: it is in the cache after that sync and never new again.
//! - The resident's own steps are never announced back to them, and neither is history: a
//!   ticket first seen in this sync (a new device, a fresh sign-in) announces nothing.
//! - No floods: more than [`MAX_NOTICES`] new events in one sync make one summary instead.
//! - The text is in the app's language; the shell only shows it, so the OS's own settings
//!   (do not disturb, this app muted) decide whether it appears.

use linli_wire::ipc::Locale;
use linli_wire::tickets::{Actor, Ticket, TicketEvent, TicketKind};
use std::collections::{HashMap, HashSet};

/// The most notices one sync shows one by one; beyond it, one summary.
pub const MAX_NOTICES: usize = 3;

/// A notification for the shell to show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    /// Title, e.g. "报修 BX202611290001".
    pub title: String,
    /// What happened.
    pub body: String,
    /// The ticket to open when it is clicked (none for a summary of several).
    pub ticket: Option<linli_wire::TicketId>,
}

fn kind_word(kind: TicketKind, locale: Locale) -> &'static str {
    match (locale, kind) {
        (Locale::ZhCn, TicketKind::Repair) => "报修",
        (Locale::ZhCn, TicketKind::Complaint) => "投诉",
        (Locale::ZhCn, TicketKind::Suggestion) => "建议",
        (Locale::ZhCn, TicketKind::Praise) => "表扬",
        (Locale::ZhCn, TicketKind::Other) => "工单",
        (Locale::En, TicketKind::Repair) => "Repair",
        (Locale::En, TicketKind::Complaint) => "Complaint",
        (Locale::En, TicketKind::Suggestion) => "Suggestion",
        (Locale::En, TicketKind::Praise) => "Praise",
        (Locale::En, TicketKind::Other) => "Request",
    }
}

fn what_happened(event: &TicketEvent, locale: Locale) -> String {
    let note = event.note.as_deref().unwrap_or("").trim();
    let with_note = |text: &str| {
        if note.is_empty() {
            text.to_owned()
        } else if locale == Locale::ZhCn {
            format!("{text}：{note}")
        } else {
            format!("{text}: {note}")
        }
    };
    match (locale, event.action.as_str()) {
        (Locale::ZhCn, "accepted") => with_note("物业已受理"),
        (Locale::ZhCn, "assigned") => with_note("已派单"),
        (Locale::ZhCn, "started") => with_note("师傅已开始处理"),
        (Locale::ZhCn, "deferred") => with_note("暂缓处理"),
        (Locale::ZhCn, "resumed") => with_note("已恢复处理"),
        (Locale::ZhCn, "rejected") => with_note("未予受理"),
        (Locale::ZhCn, "completed") => "已处理完成，请确认并评价".to_owned(),
        (Locale::ZhCn, "payment_requested") => with_note("需支付维修费用"),
        (Locale::ZhCn, "auto_confirmed") => "已自动确认完成".to_owned(),
        (Locale::ZhCn, "auto_closed") => "已自动结单".to_owned(),
        (Locale::ZhCn, "comment") => format!("{}：{note}", event.actor_name),
        (Locale::ZhCn, _) => with_note("有新进展"),
        (Locale::En, "accepted") => with_note("Accepted by the property office"),
        (Locale::En, "assigned") => with_note("Assigned"),
        (Locale::En, "started") => with_note("Work has started"),
        (Locale::En, "deferred") => with_note("Deferred"),
        (Locale::En, "resumed") => with_note("Work has resumed"),
        (Locale::En, "rejected") => with_note("Not accepted"),
        (Locale::En, "completed") => "Done: please confirm and rate it".to_owned(),
        (Locale::En, "payment_requested") => with_note("Payment needed for the repair"),
        (Locale::En, "auto_confirmed") => "Confirmed automatically".to_owned(),
        (Locale::En, "auto_closed") => "Closed automatically".to_owned(),
        (Locale::En, "comment") => format!("{}: {note}", event.actor_name),
        (Locale::En, _) => with_note("Something new"),
    }
}

/// What to announce after a sync turned `before` into `after`.
pub fn ticket_notices(before: &[Ticket], after: &[Ticket], locale: Locale) -> Vec<Notice> {
    let known: HashMap<_, HashSet<uuid::Uuid>> = before
        .iter()
        .map(|t| (t.id, t.events.iter().map(|e| e.id).collect()))
        .collect();
    let mut notices = Vec::new();
    for ticket in after {
        let Some(seen) = known.get(&ticket.id) else {
            continue;
        };
        for event in &ticket.events {
            if seen.contains(&event.id) || event.actor == Actor::Resident {
                continue;
            }
            notices.push(Notice {
                title: format!("{} {}", kind_word(ticket.kind, locale), ticket.number),
                body: what_happened(event, locale),
                ticket: Some(ticket.id),
            });
        }
    }
    if notices.len() > MAX_NOTICES {
        let tickets: HashSet<_> = notices.iter().filter_map(|n| n.ticket).collect();
        let (title, body) = match locale {
            Locale::ZhCn => (
                "邻里".to_owned(),
                format!("{} 个工单有 {} 条新进展", tickets.len(), notices.len()),
            ),
            Locale::En => (
                "Linli".to_owned(),
                format!(
                    "{} updates on {} of your requests",
                    notices.len(),
                    tickets.len()
                ),
            ),
        };
        return vec![Notice {
            title,
            body,
            ticket: None,
        }];
    }
    notices
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone as _;
    use linli_wire::tickets::{TicketPlace, TicketState, TicketUrgency};

    fn event(n: u128, actor: Actor, action: &str, note: Option<&str>) -> TicketEvent {
        TicketEvent {
            id: uuid::Uuid::from_u128(n),
            at: chrono::Utc
                .timestamp_opt(1_764_000_000, 0)
                .single()
                .expect("time"),
            actor,
            actor_name: "李娜（客服）".into(),
            action: action.into(),
            note: note.map(str::to_owned),
            attachment_ids: Vec::new(),
        }
    }

    fn ticket(n: u128, events: Vec<TicketEvent>) -> Ticket {
        let at = chrono::Utc
            .timestamp_opt(1_764_000_000, 0)
            .single()
            .expect("time");
        Ticket {
            id: linli_wire::TicketId(uuid::Uuid::from_u128(n)),
            number: format!("BX2026112900{n:02}"),
            membership_id: linli_wire::MembershipId(uuid::Uuid::from_u128(99)),
            kind: TicketKind::Repair,
            category: "pipes".into(),
            place: TicketPlace::Unit,
            place_note: None,
            urgency: TicketUrgency::Normal,
            description: "卫生间地漏返水".into(),
            visit_windows: Vec::new(),
            attachment_ids: Vec::new(),
            anonymous: false,
            bill_line_id: None,
            state: TicketState::Submitted,
            allowed: Vec::new(),
            created_at: at,
            response_due_at: at,
            fix_due_at: at,
            overdue: false,
            resume_on: None,
            payment_minor: None,
            assignee: None,
            rating: None,
            events,
        }
    }

    #[test]
    fn each_staff_step_is_announced_once_and_the_residents_own_never() {
        let created = event(1, Actor::Resident, "created", None);
        let before = [ticket(1, vec![created.clone()])];
        let after = [ticket(
            1,
            vec![
                created,
                event(2, Actor::Staff, "accepted", None),
                event(3, Actor::Resident, "comment", Some("请下午来")),
                event(4, Actor::Staff, "comment", Some("好的，下午两点到")),
            ],
        )];
        let notices = ticket_notices(&before, &after, Locale::ZhCn);
        assert_eq!(
            notices
                .iter()
                .map(|n| (n.title.as_str(), n.body.as_str()))
                .collect::<Vec<_>>(),
            [
                ("报修 BX202611290001", "物业已受理"),
                ("报修 BX202611290001", "李娜（客服）：好的，下午两点到"),
            ],
            "one per staff event; the resident's comment is not echoed"
        );
        assert!(
            ticket_notices(&after, &after, Locale::ZhCn).is_empty(),
            "a second sync with nothing new announces nothing"
        );
    }

    #[test]
    fn history_is_not_news_and_floods_become_one_summary() {
        let busy = ticket(
            2,
            vec![
                event(10, Actor::Staff, "accepted", None),
                event(11, Actor::Staff, "assigned", Some("王师傅")),
            ],
        );
        assert!(
            ticket_notices(&[], std::slice::from_ref(&busy), Locale::ZhCn).is_empty(),
            "a ticket first seen now (new device, fresh sign-in) announces nothing"
        );
        let before: Vec<Ticket> = (1..=3).map(|n| ticket(n, Vec::new())).collect();
        let after: Vec<Ticket> = (1..=3)
            .map(|n| {
                ticket(
                    n,
                    vec![
                        event(n * 10, Actor::Staff, "accepted", None),
                        event(n * 10 + 1, Actor::System, "auto_closed", None),
                    ],
                )
            })
            .collect();
        let notices = ticket_notices(&before, &after, Locale::En);
        assert_eq!(notices.len(), 1, "six events, one notification");
        assert_eq!(notices[0].body, "6 updates on 3 of your requests");
        assert_eq!(notices[0].ticket, None);
    }
}
