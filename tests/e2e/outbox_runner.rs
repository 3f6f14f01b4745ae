//! A resident's app as a bare process, for the kill -9 gauntlet in `e2e/kill.rs`: it opens the
//! core with the real OS keyring on a data folder, signs in if needed, syncs (what an app does
//! when it starts, so whatever an earlier, killed run left in the outbox goes out first), makes
//! one write of the kind it is told, and syncs until its outbox is empty.
//!
//! What it prints tells the test what the app promised the resident:
//! - `queued <id>` once a durable write (report, read mark, pass) is in the outbox: from then
//!   on it must reach the backend exactly once, whatever happens to this process;
//! - `sent <id>` once an online write (payment order, comment, rating, revocation) was
//!   answered: the resident was told it is done, so the backend must hold it exactly once;
//! - `none` when there is nothing of that kind left to act on;
//! - `done` when the outbox is empty (a refused or blocked item makes it fail instead).
//!
//! Usage: outbox_runner DATA_DIR BASE_URL CA_FILE KIND [ARG…], KIND one of
//! `drain`, `ticket [PHOTO…]`, `read`, `pass`, `pay`, `comment N`, `rate`, `revoke`.

use anyhow::Context as _;
use linli_core::{Core, CoreConfig, CoreDeps};
use linli_wire::bills::PaymentChannel;
use linli_wire::ipc::{NewPass, NewTicket, PassViewState, TicketStep};
use linli_wire::tickets::{Rating, TicketKind, TicketPlace, TicketUrgency};
use std::io::Write as _;

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let [_, data_dir, base_url, ca, kind, rest @ ..] = args.as_slice() else {
        anyhow::bail!("usage: outbox_runner DATA_DIR BASE_URL CA_FILE KIND [ARG…]");
    };
    let mut config = CoreConfig::new(data_dir, base_url.clone());
    config.extra_root_ca_pem = Some(std::fs::read(ca).context("read the CA")?);
    config.background = false;
    let core = Core::open(config, CoreDeps::system()?).await?;
    if core.session().await?.account.is_none() {
        core.sign_in("13800000001", "demo1234").await?;
    }
    drain(&core).await?;
    match write(&core, kind, rest).await? {
        Some(said) => say(&said)?,
        None => say("none")?,
    }
    drain(&core).await?;
    say("done")
}

fn say(line: &str) -> anyhow::Result<()> {
    println!("{line}");
    std::io::stdout().flush().context("stdout")
}

/// Syncs until the backend is reached and the outbox is empty.
async fn drain(core: &Core) -> anyhow::Result<()> {
    loop {
        let status = core.sync_now().await?;
        if status.online && status.outbox_pending == 0 {
            // An empty queue with a refused or blocked item is a loss, not a success.
            anyhow::ensure!(
                status.outbox_rejected == 0,
                "{} outbox items were refused or blocked",
                status.outbox_rejected
            );
            return Ok(());
        }
    }
}

/// Makes one write; what to print about it, or `None` when nothing is left to act on.
async fn write(core: &Core, kind: &str, args: &[String]) -> anyhow::Result<Option<String>> {
    Ok(match kind {
        "drain" => Some("drained".to_owned()),
        "ticket" => Some(format!("queued {}", ticket(core, args).await?)),
        "read" => match core
            .notices()
            .await?
            .into_iter()
            .find(|n| n.read_at.is_none())
        {
            Some(notice) => {
                core.mark_notice_read(notice.id).await?;
                Some(format!("queued {}", notice.id))
            }
            None => None,
        },
        "pass" => Some(format!("queued {}", pass(core).await?)),
        "pay" => {
            let free = core
                .bills()
                .await?
                .into_iter()
                .find(|b| b.due_minor > 0 && b.open_order_id.is_none());
            match free {
                Some(bill) => {
                    let order = core.pay(&[bill.id], PaymentChannel::Demo).await?;
                    Some(format!("sent {}", order.id))
                }
                None => None,
            }
        }
        "comment" => {
            let text = format!("第{}次留言", args.first().context("comment N")?);
            let Some(ticket) = allowing(core, "comment").await? else {
                return Ok(None);
            };
            core.ticket_step(ticket.id, TicketStep::Comment { text: text.clone() })
                .await?;
            Some(format!("sent {text}"))
        }
        "rate" => {
            let Some(ticket) = allowing(core, "rate").await? else {
                return Ok(None);
            };
            core.ticket_step(ticket.id, TicketStep::Rate { rating: rating() })
                .await?;
            Some(format!("sent {}", ticket.id))
        }
        "revoke" => {
            let issued = core
                .passes()
                .await?
                .into_iter()
                .find(|p| matches!(p.state, PassViewState::Active | PassViewState::Upcoming));
            let Some(pass) = issued else {
                return Ok(None);
            };
            core.revoke_pass(pass.id).await?;
            Some(format!("sent {}", pass.id))
        }
        other => anyhow::bail!("unknown write kind {other}"),
    })
}

async fn ticket(core: &Core, photos: &[String]) -> anyhow::Result<linli_wire::TicketId> {
    let mut ids = Vec::new();
    for photo in photos {
        ids.push(core.prepare_photo(std::path::Path::new(photo)).await?.id);
    }
    Ok(core
        .submit_ticket(NewTicket {
            kind: TicketKind::Repair,
            category: "pipes".into(),
            place: TicketPlace::Unit,
            place_note: None,
            urgency: TicketUrgency::Normal,
            description: "卫生间地漏返水".into(),
            visit_windows: Vec::new(),
            photo_ids: ids,
            anonymous: false,
            bill_line_id: None,
        })
        .await?)
}

async fn pass(core: &Core) -> anyhow::Result<linli_wire::PassId> {
    let now = chrono::Utc::now();
    let view = core
        .create_pass(NewPass {
            visitor_name: "刘阿姨".into(),
            visitor_phone: None,
            plate: None,
            purpose: "探亲".into(),
            valid_from: now,
            // Long enough for a soak: the gauntlet moves the server's clock on by 16 minutes per
            // payment run (to let open orders expire), days over thousands of runs.
            valid_until: now + chrono::Duration::days(6),
            max_entries: 2,
            schedule: None,
        })
        .await?;
    Ok(view.id)
}

/// The newest ticket on which the backend allows the resident `step`.
async fn allowing(core: &Core, step: &str) -> anyhow::Result<Option<linli_wire::tickets::Ticket>> {
    Ok(core
        .tickets()
        .await?
        .into_iter()
        .filter_map(|view| view.ticket)
        .find(|t| t.allowed.iter().any(|a| a == step)))
}

fn rating() -> Rating {
    Rating {
        overall: 5,
        speed: 4,
        service: 5,
        tags: vec!["上门准时".into()],
        comment: None,
    }
}
