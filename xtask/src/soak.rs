//! `cargo xtask bench kill [RUNS]`: the kill -9 gauntlet of `tests/e2e/kill.rs` as a soak,
//! with many more runs than `cargo xtask test` gives it (100), inside the same private D-Bus
//! session and unlocked keyring. Its seed, runs, kills and time go to docs/benchmarks.md; a
//! lost or duplicated write fails it like the test, naming the seed that replays it.

use std::io::BufRead as _;

use anyhow::{Context, bail};

use crate::sh::in_desktop_session;
use crate::test::tempdir;

/// The section of docs/benchmarks.md this writes.
pub const SECTION: &str = "## kill -9 soak (`cargo xtask bench kill`)";

/// Runs the gauntlet `runs` times over and records the outcome.
pub fn kill(runs: u32) -> anyhow::Result<()> {
    let python = crate::setup::python_verifiers()?;
    let keyring = tempdir("soak-keyring")?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let command: Vec<String> = [
        &cargo,
        "test",
        "--workspace",
        "--exclude",
        "linli-app",
        "--test",
        "e2e",
        "--",
        "--nocapture",
        "kill::",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    let started = std::time::Instant::now();
    let mut child = in_desktop_session(&command, false, &keyring)
        .env("LINLI_KEYRING_TESTS", "1")
        .env("LINLI_PYTHON", &python)
        .env("LINLI_KILL_RUNS", runs.to_string())
        .into_command()
        .stderr(std::process::Stdio::piped())
        .spawn()
        .context("start the soak")?;
    let mut said = Vec::new();
    for line in std::io::BufReader::new(child.stderr.take().context("stderr")?).lines() {
        let line = line.context("read the soak's output")?;
        eprintln!("{line}");
        if line.starts_with("kill gauntlet:") {
            said.push(line);
        }
    }
    let status = child.wait().context("wait for the soak")?;
    let elapsed = started.elapsed();
    let verdict = if status.success() {
        "0 lost, 0 applied twice"
    } else {
        "FAILED"
    };
    write_section(runs, &said, elapsed, verdict)?;
    if !status.success() {
        bail!("the kill -9 soak failed ({status}); its seed is above");
    }
    Ok(())
}

fn write_section(
    runs: u32,
    said: &[String],
    elapsed: std::time::Duration,
    verdict: &str,
) -> anyhow::Result<()> {
    let date = crate::sh::Cmd::new("date", &["-u", "+%Y-%m-%d %H:%M UTC"]).output()?;
    let cpu = crate::sh::Cmd::new(
        "sh",
        &[
            "-c",
            "lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1",
        ],
    )
    .output()?;
    let lines: String = said.iter().map(|l| format!("- {l}\n")).collect();
    let section = format!(
        "{SECTION}\n\nMachine: {} ({} cores). Run {}. {runs} runs in {:.0?}: {verdict}.\n\n{lines}",
        cpu.trim(),
        std::thread::available_parallelism().map_or(0, usize::from),
        date.trim(),
        elapsed
    );
    crate::bench_kit::write_section(SECTION, section.trim_start_matches(SECTION))
}
