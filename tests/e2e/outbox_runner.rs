//! A resident's app as a bare process, for the kill -9 scenarios in `e2e/kill.rs`: it opens the
//! core with the real OS keyring on a data folder, signs in if needed, optionally queues a
//! repair report with two photos (printing `queued <ticket id>` once it is durable), then syncs
//! until its outbox is empty (printing `done`; a refused or blocked item makes it fail). The
//! test kills it at random moments.
//!
//! Usage: outbox_runner DATA_DIR BASE_URL CA_FILE [PHOTO PHOTO]

use linli_core::{Core, CoreConfig, CoreDeps};
use linli_wire::ipc::NewTicket;
use linli_wire::tickets::{TicketKind, TicketPlace, TicketUrgency};
use std::io::Write as _;

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let [_, data_dir, base_url, ca, photos @ ..] = args.as_slice() else {
        anyhow::bail!("usage: outbox_runner DATA_DIR BASE_URL CA_FILE [PHOTO PHOTO]");
    };
    let mut config = CoreConfig::new(data_dir, base_url.clone());
    config.extra_root_ca_pem = Some(std::fs::read(ca)?);
    config.background = false;
    let core = Core::open(config, CoreDeps::system()?).await?;
    if core.session().await?.account.is_none() {
        core.sign_in("13800000001", "demo1234").await?;
    }
    if !photos.is_empty() {
        let mut ids = Vec::new();
        for photo in photos {
            ids.push(core.prepare_photo(std::path::Path::new(photo)).await?.id);
        }
        let id = core
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
            .await?;
        println!("queued {id}");
        std::io::stdout().flush()?;
    }
    loop {
        let status = core.sync_now().await?;
        if status.online && status.outbox_pending == 0 {
            // An empty queue with a refused or blocked item is a loss, not a success.
            anyhow::ensure!(
                status.outbox_rejected == 0,
                "{} outbox items were refused or blocked",
                status.outbox_rejected
            );
            break;
        }
    }
    println!("done");
    Ok(())
}
