//! Desktop notifications for what happened to the resident's tickets while they were away
//! from the screen: a staff step (accepted, assigned, completed …), a staff comment, or an
//! automatic step (resumed, confirmed, closed); and for their home requests: one of theirs
//! approved or refused, or a new one waiting for them as a room's owner.
//!
//! Invariants:
//! - Notices come from comparing the tickets before and after a sync, event by event, so each
//!   event is announced once: it is in the cache after that sync and never new again.
//! - The resident's own steps are never announced back to them, and neither is history: a
//!   ticket first seen in this sync (a new device, a fresh sign-in) announces nothing.
//! - No floods: more than [`MAX_NOTICES`] new events in one sync make one summary instead.
//! - The text is in the app's language; the shell only shows it, so the OS's own settings
//!   (do not disturb, this app muted) decide whether it appears.

use linli_wire::homes::{HomeRequest, HomeRequestState};
use linli_wire::ipc::{HomeRequestsView, Locale};
use linli_wire::me::MembershipRole;
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

fn place(request: &HomeRequest) -> String {
    let unit = &request.unit;
    format!(
        "{} {}{}{}",
        request.community.name, unit.building, unit.entrance, unit.room
    )
}

fn relation_word(role: MembershipRole, locale: Locale) -> &'static str {
    match (locale, role) {
        (Locale::ZhCn, MembershipRole::Owner) => "业主",
        (Locale::ZhCn, MembershipRole::Family) => "家属",
        (Locale::ZhCn, MembershipRole::Tenant) => "租户",
        (Locale::ZhCn, MembershipRole::Other) => "成员",
        (Locale::En, MembershipRole::Owner) => "owner",
        (Locale::En, MembershipRole::Family) => "family member",
        (Locale::En, MembershipRole::Tenant) => "tenant",
        (Locale::En, MembershipRole::Other) => "member",
    }
}

/// What to announce after a sync turned the home requests `before` into `after`: each of the
/// resident's pending requests now decided, and each request newly waiting for them. A request
/// first seen now (made and decided elsewhere) is not news.
pub fn home_request_notices(
    before: &HomeRequestsView,
    after: &HomeRequestsView,
    locale: Locale,
) -> Vec<Notice> {
    let mut notices = Vec::new();
    for request in &after.mine {
        let was_pending = before
            .mine
            .iter()
            .any(|b| b.id == request.id && b.state == HomeRequestState::Pending);
        if !was_pending {
            continue;
        }
        let reason = request.reason.as_deref().unwrap_or("").trim();
        let body = match (locale, request.state) {
            (Locale::ZhCn, HomeRequestState::Approved) => "绑定申请已通过".to_owned(),
            (Locale::ZhCn, HomeRequestState::Refused) => format!("绑定申请未通过：{reason}"),
            (Locale::En, HomeRequestState::Approved) => "Your request was approved".to_owned(),
            (Locale::En, HomeRequestState::Refused) => {
                format!("Your request was refused: {reason}")
            }
            _ => continue,
        };
        notices.push(Notice {
            title: place(request),
            body,
            ticket: None,
        });
    }
    for request in &after.to_decide {
        if before.to_decide.iter().any(|b| b.id == request.id) {
            continue;
        }
        let relation = relation_word(request.relation, locale);
        let body = match locale {
            Locale::ZhCn => format!(
                "{}（{}）申请以{relation}身份加入，请确认",
                request.requester, request.phone_masked
            ),
            Locale::En => format!(
                "{} ({}) asks to join as a {relation}; please decide",
                request.requester, request.phone_masked
            ),
        };
        notices.push(Notice {
            title: place(request),
            body,
            ticket: None,
        });
    }
    if notices.len() > MAX_NOTICES {
        let (title, body) = match locale {
            Locale::ZhCn => (
                "邻里".to_owned(),
                format!("{} 条房屋绑定申请有新进展", notices.len()),
            ),
            Locale::En => (
                "Linli".to_owned(),
                format!("{} updates on home requests", notices.len()),
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

    fn request(n: u128, state: HomeRequestState, reason: Option<&str>) -> HomeRequest {
        let at = chrono::Utc
            .timestamp_opt(1_764_000_000, 0)
            .single()
            .expect("time");
        HomeRequest {
            id: linli_wire::HomeRequestId(uuid::Uuid::from_u128(n)),
            community: linli_wire::me::Community {
                id: linli_wire::CommunityId(uuid::Uuid::from_u128(50)),
                name: "翠湖花园".into(),
                address: String::new(),
                property_company: String::new(),
                service_phone: String::new(),
            },
            unit: linli_wire::me::Unit {
                id: linli_wire::UnitId(uuid::Uuid::from_u128(51)),
                building: "3栋".into(),
                entrance: "2单元".into(),
                room: "1502".into(),
                area_centi_m2: 8950,
            },
            relation: MembershipRole::Family,
            ends_on: None,
            requester: "陈静".into(),
            phone_masked: "139****0066".into(),
            state,
            waits_for: None,
            decided_by: None,
            reason: reason.map(str::to_owned),
            membership_id: None,
            created_at: at,
            decided_at: None,
        }
    }

    fn view(mine: Vec<HomeRequest>, to_decide: Vec<HomeRequest>) -> HomeRequestsView {
        HomeRequestsView { mine, to_decide }
    }

    #[test]
    fn a_decision_on_a_pending_request_is_announced_once_with_its_reason() {
        let before = view(
            vec![
                request(1, HomeRequestState::Pending, None),
                request(2, HomeRequestState::Pending, None),
            ],
            Vec::new(),
        );
        let after = view(
            vec![
                request(1, HomeRequestState::Approved, None),
                request(2, HomeRequestState::Refused, Some("不是本房屋的租户")),
                request(3, HomeRequestState::Approved, None),
            ],
            Vec::new(),
        );
        let bodies: Vec<_> = home_request_notices(&before, &after, Locale::ZhCn)
            .into_iter()
            .map(|n| (n.title, n.body))
            .collect();
        assert_eq!(
            bodies,
            [
                (
                    "翠湖花园 3栋2单元1502".to_owned(),
                    "绑定申请已通过".to_owned()
                ),
                (
                    "翠湖花园 3栋2单元1502".to_owned(),
                    "绑定申请未通过：不是本房屋的租户".to_owned()
                ),
            ],
            "each decided request once, with the reason; one first seen decided is history"
        );
        assert!(
            home_request_notices(&after, &after, Locale::ZhCn).is_empty(),
            "nothing new the second time"
        );
    }

    #[test]
    fn an_owner_hears_of_each_new_request_to_decide() {
        let before = view(Vec::new(), Vec::new());
        let after = view(
            Vec::new(),
            vec![request(7, HomeRequestState::Pending, None)],
        );
        let notices = home_request_notices(&before, &after, Locale::En);
        assert_eq!(notices.len(), 1, "one new request, one notice");
        assert_eq!(
            notices[0].body,
            "陈静 (139****0066) asks to join as a family member; please decide"
        );
        assert!(home_request_notices(&after, &after, Locale::En).is_empty());
    }
}
