//! `cargo xtask bench outbox`: 1,000 text reports (tickets without photos) queued offline,
//! replayed when the backend comes back. A resident signs in to a release linli-server on
//! 127.0.0.1 over HTTPS (demo data) and the server stops; a fresh core process queues the
//! reports with no backend; the server starts again on the same port and data, and a fresh
//! core process syncs until the outbox is empty (crates/core/examples/bench_core.rs). Then the
//! server's database is counted: exactly 1,000 new tickets, 1,000 distinct descriptions (each
//! report once), and 1,000 stored idempotency keys of that resident's ticket creations.
//! Target (issue 12): drained in ≤ 10 s, 0 duplicates.

use anyhow::{Context, bail};

use crate::bench_kit::{Server, core, machine, verdict, write_section};

/// The section of docs/benchmarks.md this writes.
pub const SECTION: &str = "## Outbox replay (`cargo xtask bench outbox`)";

const REPORTS: usize = 1000;
const TARGET_S: f64 = 10.0;

/// Builds, then measures inside a private desktop session (the tokens are in its keyring).
pub fn run() -> anyhow::Result<()> {
    if !crate::bench_kit::inside() {
        crate::bench_kit::build_release()?;
        return crate::bench_kit::in_session("outbox", false);
    }
    let work = crate::test::tempdir("bench-outbox")?;
    let data = work.join("app").display().to_string();
    let server_data = work.join("server");
    let (url, ca, port, before) = {
        let server = Server::start(&server_data, 0)?;
        let ca = server.ca.display().to_string();
        core(&[
            "session",
            &data,
            &server.url,
            &ca,
            "13800000001",
            "demo1234",
        ])?;
        let before: u64 = server.query("SELECT count(*) FROM tickets")?.parse()?;
        (server.url.clone(), ca, server.port()?, before)
        // Stopped here: the reports are written with no backend.
    };
    let queued = core(&["outbox-queue", &data, &url, &ca, &REPORTS.to_string()])?;
    eprintln!("queued offline: {}", queued.trim());
    let server = Server::start(&server_data, port)?;
    let drained = core(&["outbox-drain", &data, &url, &ca])?;
    let v: serde_json::Value = serde_json::from_str(
        drained
            .lines()
            .rfind(|l| l.starts_with('{'))
            .context("bench_core printed no result")?,
    )?;
    let drain_s = v["drain_ms"].as_f64().unwrap_or(f64::NAN) / 1000.0;
    let after: u64 = server.query("SELECT count(*) FROM tickets")?.parse()?;
    let distinct: u64 = server
        .query(
            "SELECT count(DISTINCT description) FROM tickets WHERE description LIKE '%离线报修第%'",
        )?
        .parse()?;
    let keys: u64 = server
        .query("SELECT count(*) FROM idempotency_keys WHERE user_id = (SELECT user_id FROM tickets WHERE description LIKE '%离线报修第%' LIMIT 1) AND status = 201 AND CAST(body AS TEXT) LIKE '%离线报修第%'")?
        .parse()?;
    let created = after - before;
    let duplicates = created.saturating_sub(distinct);
    let exact = created == REPORTS as u64 && distinct == REPORTS as u64 && keys == REPORTS as u64;
    let line = format!(
        "- {REPORTS} queued reports drained in {drain_s:.2} s in {} syncs (target ≤ {TARGET_S} s: {}); on the server: {created} new tickets, {distinct} distinct reports, {keys} idempotency keys, {duplicates} duplicates, {} left in the outbox (exactly {REPORTS}, 0 duplicates: {})",
        v["syncs"],
        verdict(drain_s <= TARGET_S),
        v["pending"],
        verdict(exact && v["pending"] == 0),
    );
    println!("{line}");
    let body = format!(
        "{}\n\nRelease builds of linli-server (127.0.0.1, HTTPS, demo data) and of linli-core (bench_core). Signed in with the server up; the server stopped; {REPORTS} text reports queued by a fresh core process (no photos); the server started again on the same port and data; a fresh core process syncs (`sync_now`: the outbox flush, then the pull) until nothing is pending, timed from its first sync. Counted in the server's database afterwards: tickets created, distinct report texts (each report has its own), stored idempotency keys of those creations.\n\nTarget (issue 12): ≤ {TARGET_S} s, 0 duplicates.\n\n{line}",
        machine()?
    );
    write_section(SECTION, &body)?;
    if !exact {
        bail!("the replay created {created} tickets ({distinct} distinct), not {REPORTS}");
    }
    Ok(())
}
