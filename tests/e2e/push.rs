//! The change stream end to end: the real core holds `GET /v1/sync/stream` of the real server
//! and pulls when told, so a staff step on a ticket reaches the cache with no poll (the poll is
//! an hour apart here and the client's clock never moves). When the stream drops, the loop
//! polls again and the stream comes back after its backoff, on the injected clock.

use crate::clock::ManualClock;
use crate::support::Env;
use linli_core::{Core, CoreDeps, UuidV7Gen};
use linli_server::testing::{DEMO_PASSWORD, WANG_FANG_PHONE};
use linli_wire::ipc::{CoreEvent, NewTicket};
use linli_wire::sync::EntityKind;
use linli_wire::tickets::{
    StaffAction, Ticket, TicketKind, TicketPlace, TicketState, TicketUrgency,
};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;

/// The poll while the stream is down: far beyond anything the test waits for.
const POLL: Duration = Duration::from_secs(3600);
/// How long the loop waits while the stream is up (it polls not at all).
const WHILE_PUSHED: chrono::TimeDelta = chrono::TimeDelta::hours(24);
/// A bound on a broken build only; a working one is done in milliseconds.
const GIVE_UP: Duration = Duration::from_secs(30);

async fn pushed_core(env: &Env, clock: &Arc<ManualClock>) -> Core {
    let mut config = env.config();
    config.background = true;
    config.poll_interval = POLL;
    let deps = CoreDeps {
        clock: clock.clone(),
        ids: Arc::new(UuidV7Gen),
        tokens: env.tokens.clone(),
    };
    let core = Core::open(config, deps).await.expect("the core opens");
    core.sign_in(WANG_FANG_PHONE, DEMO_PASSWORD)
        .await
        .expect("Wang Fang signs in");
    core
}

/// Waits until the stream is up: the loop then parks for a day, not for its poll.
async fn stream_up(clock: &ManualClock) {
    clock
        .until("the stream is up and the loop does not poll", |v| {
            v.waiting.contains(&(v.now + WHILE_PUSHED))
                && !v
                    .waiting
                    .iter()
                    .any(|w| *w == v.now + chrono::TimeDelta::hours(1))
        })
        .await;
}

/// Waits until the loop finished the rounds it owed after `asked` pauses and parked for a day
/// (the stream is up): from then on only a poke makes it pull.
async fn parked_pushed(clock: &ManualClock, asked: usize) {
    clock
        .until("the loop parked with the stream up", |v| {
            v.asked.len() > asked && v.waiting.contains(&(v.now + WHILE_PUSHED))
        })
        .await;
}

/// The cached ticket once `done` holds for it, waiting on the core's `DataChanged` events.
async fn cached_ticket(
    core: &Core,
    events: &mut broadcast::Receiver<CoreEvent>,
    what: &str,
    done: impl Fn(&Ticket) -> bool,
) -> Ticket {
    let wait = async {
        loop {
            let views = core.tickets().await.expect("tickets");
            if let Some(ticket) = views.iter().find_map(|v| v.ticket.clone())
                && done(&ticket)
            {
                return ticket;
            }
            loop {
                match events.recv().await.expect("the core's events") {
                    CoreEvent::DataChanged { kinds } if kinds.contains(&EntityKind::Ticket) => {
                        break;
                    }
                    _ => {}
                }
            }
        }
    };
    tokio::time::timeout(GIVE_UP, wait)
        .await
        .unwrap_or_else(|_| panic!("the cache never showed: {what}"))
}

fn report() -> NewTicket {
    NewTicket {
        kind: TicketKind::Repair,
        category: "pipes".into(),
        place: TicketPlace::Unit,
        place_note: None,
        urgency: TicketUrgency::Urgent,
        description: "厨房水槽下方水管漏水".into(),
        visit_windows: Vec::new(),
        photo_ids: Vec::new(),
        anonymous: false,
        bill_line_id: None,
    }
}

#[tokio::test]
async fn a_staff_step_reaches_the_cache_through_the_stream_without_a_poll() {
    let env = Env::start().await;
    let clock = ManualClock::new();
    let core = pushed_core(&env, &clock).await;
    let mut events = core.subscribe();
    stream_up(&clock).await;
    let start = clock.now_at();
    let asked = clock.view().asked.len();
    core.submit_ticket(report()).await.expect("queued");
    let sent = cached_ticket(&core, &mut events, "the report sent", |_| true).await;
    assert_eq!(sent.state, TicketState::Submitted);
    parked_pushed(&clock, asked).await;

    env.server.staff(&sent.number, StaffAction::Accept).await;
    let accepted = cached_ticket(&core, &mut events, "the staff step", |t| {
        t.state == TicketState::Accepted
    })
    .await;
    assert_eq!(accepted.id, sent.id);
    assert_eq!(
        clock.now_at(),
        start,
        "the client's time never moved: no poll fell due, the stream told the core"
    );
    core.shutdown().await;
}

#[tokio::test]
async fn a_dropped_stream_brings_the_poll_back_and_then_reconnects() {
    let env = Env::start().await;
    let clock = ManualClock::new();
    let core = pushed_core(&env, &clock).await;
    let mut events = core.subscribe();
    stream_up(&clock).await;
    core.submit_ticket(report()).await.expect("queued");
    let sent = cached_ticket(&core, &mut events, "the report sent", |_| true).await;

    // The app goes to the background (a phone's stop hook): the stream closes, the poll is back.
    core.pause_push();
    clock
        .until("the loop polls again while the stream is paused", |v| {
            v.waiting.contains(&(v.now + chrono::TimeDelta::hours(1)))
                && !v.waiting.contains(&(v.now + WHILE_PUSHED))
        })
        .await;
    core.resume_push();
    stream_up(&clock).await;

    // The backend goes away and comes back: the stream ends and reconnects after a backoff
    // that runs out on the injected clock (the loop's own probe too).
    env.server.restart().await;
    clock
        .until("the stream is down", |v| {
            !v.waiting.contains(&(v.now + WHILE_PUSHED))
        })
        .await;
    // A backoff is a short pause (the stream's idle limit is 45 s, the poll an hour).
    let short = |v: &crate::clock::View| {
        v.waiting
            .iter()
            .copied()
            .filter(|w| *w < v.now + chrono::TimeDelta::seconds(30))
            .min()
    };
    for step in 0.. {
        assert!(step < 20, "the stream never came back: {:?}", clock.view());
        let view = clock
            .until("the stream up again, or a backoff to run out", |v| {
                v.waiting.contains(&(v.now + WHILE_PUSHED)) || short(v).is_some()
            })
            .await;
        if view.waiting.contains(&(view.now + WHILE_PUSHED)) {
            break;
        }
        clock.set(short(&view).expect("a backoff"));
    }
    parked_pushed(&clock, clock.view().asked.len() - 1).await;
    env.server.staff(&sent.number, StaffAction::Accept).await;
    cached_ticket(
        &core,
        &mut events,
        "the staff step after the reconnect",
        |t| t.state == TicketState::Accepted,
    )
    .await;
    core.shutdown().await;
}
