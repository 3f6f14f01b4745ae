//! `cargo xtask bench cache`: the core's cached reads at scale, through the Core API the UI
//! calls (crates/core/examples/bench_core.rs). A resident signs in to a release linli-server
//! with the demo data (and 王芳's service history), and the cache is seeded through the core's
//! own writers (`Core::seed_cache_for_bench`) with 10,000 notices (one in twenty about 停水),
//! 1,000 tickets and ten years of monthly bills for the household. The server is then stopped,
//! and a fresh process opens the data folder with no background loop and reads: the notices
//! list, a two-character search (停水: LIKE) and a four-character one (电梯维保: FTS5
//! trigram), the tickets list, the bills list; 50 timed reads each after one untimed first
//! read (also reported). Target (issue 12): each read ≤ 20 ms, median and p99.

use anyhow::Context;

use crate::bench_kit::{Server, core, machine, verdict, write_section};

/// The section of docs/benchmarks.md this writes.
pub const SECTION: &str = "## Cached reads at scale (`cargo xtask bench cache`)";

const NOTICES: &str = "10000";
const TICKETS: &str = "1000";
const BILLS: &str = "120";
const RUNS: &str = "50";
const TARGET_MS: f64 = 20.0;

/// Builds, then measures inside a private desktop session (the tokens are in its keyring).
pub fn run() -> anyhow::Result<()> {
    if !crate::bench_kit::inside() {
        crate::bench_kit::build_release()?;
        return crate::bench_kit::in_session("cache", false);
    }
    let work = crate::test::tempdir("bench-cache")?;
    let data = work.join("app").display().to_string();
    let (url, ca) = {
        let server = Server::start(&work.join("server"), 0)?;
        server.cli("demo-tickets", &["--phone", "13800000001"])?;
        let ca = server.ca.display().to_string();
        core(&[
            "cache-seed",
            &data,
            &server.url,
            &ca,
            "13800000001",
            "demo1234",
            NOTICES,
            TICKETS,
            BILLS,
        ])?;
        (server.url.clone(), ca)
        // The server stops here: the reads below have no backend.
    };
    let out = core(&["cache-read", &data, &url, &ca, RUNS])?;
    let mut table = String::from(
        "| read (Core API) | rows | first read ms | median ms | p99 ms | ≤ 20 ms |\n|---|---:|---:|---:|---:|---|\n",
    );
    let mut lines = Vec::new();
    for line in out.lines().filter(|l| l.starts_with('{')) {
        let v: serde_json::Value = serde_json::from_str(line).context("read bench_core")?;
        let name = v["read"].as_str().unwrap_or("?");
        let median = v["median_ms"].as_f64().unwrap_or(f64::NAN);
        let p99 = v["p99_ms"].as_f64().unwrap_or(f64::NAN);
        let met = verdict(median <= TARGET_MS && p99 <= TARGET_MS);
        table.push_str(&format!(
            "| `{name}` | {} | {:.1} | {median:.1} | {p99:.1} | {met} |\n",
            v["rows"],
            v["first_ms"].as_f64().unwrap_or(f64::NAN),
        ));
        let summary = format!(
            "- `{name}`: median {median:.1} ms, p99 {p99:.1} ms over {} rows (target ≤ {TARGET_MS} ms: {met})",
            v["rows"]
        );
        println!("{summary}");
        lines.push(summary);
    }
    let body = format!(
        "{}\n\nRelease build. A cache seeded through the core's own writers (`Core::seed_cache_for_bench`: the notices feed table with its search index triggers, the ticket upsert, the household's bills) with {NOTICES} notices of one community (one in twenty about 停水), {TICKETS} tickets and {BILLS} monthly bills (ten years) of one household, then read with the backend stopped, in a fresh process, through the calls the UI makes (the notices list is the whole list: `notices()` has no pages). {RUNS} timed reads each after one untimed first read.\n\nTarget (issue 12): each read ≤ {TARGET_MS} ms (median and p99).\n\n{}\n\n{table}",
        machine()?,
        lines.join("\n")
    );
    write_section(SECTION, &body)
}
