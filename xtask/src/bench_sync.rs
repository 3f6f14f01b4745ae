//! `cargo xtask bench sync`: what keeping the cache fresh costs, measured by the core's own
//! counters (`Core::net_stats`: requests answered and their body bytes, as decoded) in a
//! release linli-core (bench_core) against a release linli-server on 127.0.0.1 (HTTPS, demo
//! data): the demo resident's sign-in with its one sync, an idle sync, and the sync after the
//! service desk accepted the resident's new report (one changed ticket, beside its own size
//! as JSON). Targets (issue 12): an idle sync is 1 request and under 1 KB; a changed ticket
//! costs about its own size.

use anyhow::{Context, bail};

use crate::bench_kit::{Server, core, machine, verdict, write_section};

/// The section of docs/benchmarks.md this writes.
pub const SECTION: &str = "## Sync cost (`cargo xtask bench sync`)";

/// Builds, then measures inside a private desktop session (the tokens are in its keyring).
pub fn run() -> anyhow::Result<()> {
    if !crate::bench_kit::inside() {
        crate::bench_kit::build_release()?;
        return crate::bench_kit::in_session("sync", false);
    }
    let work = crate::test::tempdir("bench-sync")?;
    let server = Server::start(&work.join("server"), 0)?;
    let enrolled = server.cli(
        "staff-add",
        &[
            "--name",
            "李娜",
            "--company",
            "安居物业服务有限公司",
            "--community",
            "翠湖花园",
        ],
    )?;
    let staff: serde_json::Value = serde_json::from_str(
        enrolled
            .lines()
            .rfind(|l| l.starts_with('{'))
            .context("staff-add printed no token")?,
    )?;
    let token = staff["token"].as_str().context("staff-add's token")?;
    let data = work.join("app").display().to_string();
    let ca = server.ca.display().to_string();
    let out = core(&[
        "sync",
        &data,
        &server.url,
        &ca,
        "13800000001",
        "demo1234",
        token,
    ])?;
    let v: serde_json::Value = serde_json::from_str(
        out.lines()
            .rfind(|l| l.starts_with('{'))
            .context("bench_core printed no result")?,
    )?;
    let figure = |name: &str| (v[name]["requests"].as_u64(), v[name]["bytes"].as_u64());
    let (Some(idle_requests), Some(idle_bytes)) = figure("idle") else {
        bail!("bench_core's answer lacks the idle figures: {v}");
    };
    let (changed_requests, changed_bytes) = figure("changed_ticket");
    let ticket_bytes = v["ticket_bytes"].as_u64().unwrap_or(0);
    let changed_bytes = changed_bytes.unwrap_or(0);
    // "About its own size": the feed's page around the one ticket, within twice its size.
    let changed_met = changed_requests == Some(1) && changed_bytes <= 2 * ticket_bytes.max(1);
    let lines = [
        format!(
            "- sign-in with its sync: {} requests, {} bytes",
            v["sign_in"]["requests"], v["sign_in"]["bytes"]
        ),
        format!(
            "- idle sync: {idle_requests} request(s), {idle_bytes} bytes (target 1 request, under 1 KB: {})",
            verdict(idle_requests == 1 && idle_bytes < 1024)
        ),
        format!(
            "- one ticket changed by the desk (now {}): {} request(s), {changed_bytes} bytes; the ticket itself is {ticket_bytes} bytes of JSON (target: one request of about its size: {})",
            v["ticket_state"],
            changed_requests.unwrap_or(0),
            verdict(changed_met)
        ),
        format!(
            "- the idle sync after it: {} request(s), {} bytes",
            v["idle_after"]["requests"], v["idle_after"]["bytes"]
        ),
    ];
    let lines = lines.join("\n");
    println!("{lines}");
    let body = format!(
        "{}\n\nRelease builds of linli-server (127.0.0.1, HTTPS, demo data) and of linli-core (bench_core, no background loop: each sync is `sync_now`). Counted by the core (`Core::net_stats`): requests answered and their body bytes as decoded (the wire carries less when an answer is compressed). The demo resident 13800000001 signs in; then an idle sync; then a text report is sent; then the service desk accepts it over the staff API and the resident syncs once.\n\nTargets (issue 12): an idle sync is 1 request and under 1 KB; a changed ticket costs about its own size.\n\n{lines}",
        machine()?
    );
    write_section(SECTION, &body)
}
