//! `cargo xtask bench load`: a release linli-server on 127.0.0.1 (HTTPS, the demo data and
//! 200 more residents of 王芳's unit, with the demo password, written into its database
//! before it starts) under load from locust (PyPI, pinned, in a venv under target/ made as
//! setup.rs makes the others), headless, one scenario at a time (xtask/load/locustfile.py):
//! password sign-ins (each simulated user its own resident, so no (phone, address) budget is
//! shared: the per-address budget counts failures and reservations in flight only), notice
//! reads (GET /v1/notices) and ticket creation (POST /v1/tickets with an Idempotency-Key).
//! Each run is bounded: USERS simulated users for at most SECONDS or MAX_REQUESTS requests.
//! Figures: requests per second, p50 and p99 (locust's own), failures. No target in the
//! issue; on two cores the load generator shares the CPU with the server.

use anyhow::Context;

use crate::bench_kit::{Server, machine, write_section};
use crate::sh::{Cmd, root};

/// The section of docs/benchmarks.md this writes.
pub const SECTION: &str = "## Backend under load (`cargo xtask bench load`)";

const LOCUST: &str = "locust==2.47.0";
const USERS: &str = "16";
const SECONDS: &str = "20s";
const MAX_REQUESTS: &str = "4000";
const RESIDENTS: u32 = 200;

/// Builds the server, then loads it.
pub fn run() -> anyhow::Result<()> {
    crate::bench_kit::build_release()?;
    let python = crate::setup::python_load(LOCUST)?;
    let locust = python.with_file_name("locust");
    let work = crate::test::tempdir("bench-load")?;
    let data = work.join("server");
    // Seeded once by --demo, then given the extra residents while it is down.
    drop(Server::start(&data, 0)?);
    let seeding = Server::seed_sql(&data, &residents_sql())?;
    eprintln!("{seeding}");
    let server = Server::start(&data, 0)?;
    let phones: Vec<String> = (1..=RESIDENTS).map(|i| format!("139{i:08}")).collect();
    let mut table = String::from(
        "| scenario | requests | failures | per second | p50 ms | p99 ms | load average before |\n|---|---:|---:|---:|---:|---:|---:|\n",
    );
    let mut lines = Vec::new();
    // Sign-ins last: the ones in flight when a run stops stay reserved (counted against the
    // address's budget for 15 minutes), which would refuse the next runs' own sign-ins.
    for (scenario, name) in [
        ("NoticeRead", "GET /v1/notices"),
        ("TicketCreate", "POST /v1/tickets"),
        ("SignIn", "POST /v1/auth/login"),
    ] {
        // The machine may be shared: its load before the run goes next to the figures.
        let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
        let load = load.split_whitespace().next().unwrap_or("?").to_owned();
        let csv = work.join(scenario);
        Cmd::new(
            &locust.display().to_string(),
            &[
                "-f",
                &root()
                    .join("xtask/load/locustfile.py")
                    .display()
                    .to_string(),
                "--headless",
                "--only-summary",
                "-u",
                USERS,
                "-r",
                USERS,
                "--run-time",
                SECONDS,
                "--host",
                server.url.trim_end_matches('/'),
                "--csv",
                &csv.display().to_string(),
                "--exit-code-on-error",
                "0",
                scenario,
            ],
        )
        .env("LINLI_CA", &server.ca)
        .env("LINLI_PHONES", phones.join(","))
        .env("LINLI_MAX_REQUESTS", MAX_REQUESTS)
        .run()?;
        let stats = std::fs::read_to_string(format!("{}_stats.csv", csv.display()))
            .context("read locust's statistics")?;
        let row = stats_row(&stats, name).with_context(|| format!("no {name} row: {stats}"))?;
        table.push_str(&format!(
            "| {name} | {} | {} | {:.1} | {} | {} | {load} |\n",
            row.requests, row.failures, row.per_second, row.p50, row.p99
        ));
        let line = format!(
            "- {name}: {:.1}/s, p50 {} ms, p99 {} ms ({} requests, {} failures)",
            row.per_second, row.p50, row.p99, row.requests, row.failures
        );
        println!("{line}");
        lines.push(line);
    }
    let body = format!(
        "{}\n\nA release linli-server on 127.0.0.1 (HTTPS: rustls, HTTP/1.1 keep-alive from locust's requests sessions), its SQLite database holding the demo data and {RESIDENTS} more residents of one unit. locust ({LOCUST}) headless, {USERS} simulated users with no wait, each run at most {SECONDS} or {MAX_REQUESTS} requests, one scenario at a time; figures as locust counts them (p50 and p99 rounded by locust). Set-up requests (each user's sign-in and /v1/me before reading or creating) are not in the rows. No target in issue 12.\n\nWhat limits them: a sign-in is one argon2 check (the server runs at most one per core, `PasswordChecks`), so sign-ins per second are about the cores over argon2's time, and a sign-in that finds no free check within 1 s is a 503 (counted as a failure above); notice reads and ticket creation are SQLite reads and `BEGIN IMMEDIATE` writes (one writer at a time) plus TLS, with locust itself taking much of the second core.\n\n{}\n\n{table}",
        machine()?,
        lines.join("\n")
    );
    write_section(SECTION, &body)
}

/// SQL that adds RESIDENTS residents (phones 139000000001…, 王芳's password hash, so the
/// demo password) as members of 王芳's first home, in her role.
fn residents_sql() -> String {
    format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {RESIDENTS})
         INSERT INTO users (id, phone, display_name, password_hash, created_at)
         SELECT printf('10ad0000-0000-4000-8000-%012d', i), printf('139%08d', i), printf('压测住户%d', i),
                password_hash, created_at FROM n, users WHERE phone = '13800000001';
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {RESIDENTS})
         INSERT INTO memberships (id, user_id, unit_id, role, state, version, created_at)
         SELECT printf('10ad0001-0000-4000-8000-%012d', i), printf('10ad0000-0000-4000-8000-%012d', i),
                m.unit_id, m.role, m.state, 1, m.created_at
         FROM n, (SELECT memberships.* FROM memberships JOIN users ON users.id = memberships.user_id
                  WHERE users.phone = '13800000001' ORDER BY memberships.created_at LIMIT 1) AS m;
         SELECT count(*) FROM users;"
    )
}

struct Stats {
    requests: u64,
    failures: u64,
    per_second: f64,
    p50: String,
    p99: String,
}

/// The row of locust's `_stats.csv` named `name`.
fn stats_row(csv: &str, name: &str) -> Option<Stats> {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next()?.split(',').collect();
    let col = |title: &str| header.iter().position(|h| h.trim_matches('"') == title);
    let (requests, failures, per_second, p50, p99) = (
        col("Request Count")?,
        col("Failure Count")?,
        col("Requests/s")?,
        col("50%")?,
        col("99%")?,
    );
    let row = lines.find(|l| l.contains(name))?;
    let cells: Vec<&str> = row.split(',').map(|c| c.trim_matches('"')).collect();
    Some(Stats {
        requests: cells.get(requests)?.parse().ok()?,
        failures: cells.get(failures)?.parse().ok()?,
        per_second: cells.get(per_second)?.parse().ok()?,
        p50: (*cells.get(p50)?).to_owned(),
        p99: (*cells.get(p99)?).to_owned(),
    })
}
