//! `cargo xtask bench startup`: linli-app's start-up against a hello-world Tauri 2 app
//! (xtask/hello) built with the same tauri and features, release builds, under Xvfb in a
//! private desktop session as the window tests run.
//!
//! First screen complete: both pages emit `first-screen` on the animation frame after their
//! first screen is in place (linli: ui/src/shared/firstScreen.ts, from the sign-in form's or
//! home's onMounted, home once its notices came from the cache; hello: its one line's
//! script), and both shells log `first-screen shown: <screen>` to stderr. The time is from
//! just before the process is spawned to that line. Memory: once the mark is in, PSS
//! (/proc/<pid>/smaps_rollup) summed over the app and every process under it (WebKitWebProcess,
//! WebKitNetworkProcess), sampled every 200 ms until three samples in a row move less than 1%
//! (at most 15 s). Four cases, interleaved run by run so a busy moment hits all alike: hello;
//! hello without GPU compositing (what WebKitGTK's OpenGL compositing costs); linli signed out with an empty data folder (the sign-in screen); linli signed in, started
//! from the cache a first sign-in left (home with its notices; the backend up). One untimed
//! warm-up each, then RUNS runs; medians.

use std::io::BufRead as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::bench_kit::{Server, machine, median, release, verdict, write_section};

/// The section of docs/benchmarks.md this writes.
pub const SECTION: &str = "## Start-up and memory (`cargo xtask bench startup`)";

const RUNS: usize = 7;
const MARK: &str = "first-screen shown: ";
/// Issue 12's targets: PSS ≤ 1.15× and first screen ≤ 1.2× hello-world's.
const PSS_TARGET: f64 = 1.15;
const TIME_TARGET: f64 = 1.2;

/// What the start-up work changed, measured by this benchmark before it (kept here because
/// the section is rewritten on every run).
const HISTORY: &str = "Before the start-up work (2026-12-01 22:24 UTC, GPU compositing and all of Vant): sign-in screen 1.52× hello's time and 1.32× its PSS (510 ms, 337 MB against 336 ms, 255 MB), home from the cache 1.72× and 1.35× (579 ms, 345 MB); the web process held 220 MB against hello's 153. Registering only the Vant components the screens use (ui/src/vant.ts: CSS 200 → 127 KB, JS 438 → 306 KB) gave 1.29× and 1.30×, 1.54× and 1.35× (22:40 UTC): a few MB. Without GPU compositing, the web process of the sign-in screen measured 128 MB by hand, against 214 MB with it (hello: 97 against 156). Putting sign-in, home and the Tauri backend in the main bundle (no chunk to fetch before the first screen) and dropping vue-i18n's legacy API did not measurably move the page's own time (165 → 159 ms at sign-in, on a busy machine): what is left is the page's script itself (322 KB), two IPC reads before mounting, and, signed in, the notices read. Turning GPU compositing off in linli-app (WebKit's hardware acceleration policy: never) met the PSS target (0.98× and 1.04×, 23:06 UTC) but broke the window test tests/webdriver/resident.test.mjs (the second household switch: its popup's option is not interactable for WebKitWebDriver; it passes with compositing on), so the setting is not kept and PSS is missed again.";

/// Builds, then measures inside a desktop session on a virtual display.
pub fn run() -> anyhow::Result<()> {
    if !crate::bench_kit::inside() {
        crate::setup::apt()?;
        crate::bench_kit::build_release()?;
        return crate::bench_kit::in_session("startup", true);
    }
    let work = crate::test::tempdir("bench-startup")?;
    let server = Server::start(&work.join("server"), 0)?;
    let cached = work.join("cached");
    crate::bench_kit::core(&[
        "session",
        &cached.display().to_string(),
        &server.url,
        &server.ca.display().to_string(),
        "13800000001",
        "demo1234",
    ])?;
    let cases: [(&str, &str); 4] = [
        ("hello-tauri (hello world)", "hello"),
        ("hello-tauri, no GPU compositing", "hello-software"),
        ("linli-app, sign-in screen, empty data folder", "login"),
        ("linli-app, signed in, home from the cache", "home"),
    ];
    let mut samples: Vec<Vec<Sample>> = vec![Vec::new(); cases.len()];
    for run in 0..=RUNS {
        for (i, (_, screen)) in cases.iter().enumerate() {
            let mut cmd = if screen.starts_with("hello") {
                let mut cmd = Command::new(release("hello-tauri"));
                if *screen == "hello-software" {
                    cmd.env("LINLI_HELLO_SOFTWARE", "1");
                }
                cmd
            } else {
                let mut cmd = Command::new(release("linli-app"));
                let data = if *screen == "login" {
                    work.join(format!("empty-{run}"))
                } else {
                    cached.clone()
                };
                cmd.env("LINLI_DATA_DIR", &data)
                    .env("LINLI_BACKEND_URL", &server.url)
                    .env("LINLI_BACKEND_CA", &server.ca);
                cmd
            };
            cmd.env("RUST_LOG", "info");
            let sample = launch(cmd, screen.trim_end_matches("-software"))?;
            eprintln!(
                "run {run} {screen}: first screen {:.0} ms ({:.0} in the page), PSS {:.1} MB over {:?}",
                sample.first_ms, sample.page_ms, sample.pss_mb, sample.processes
            );
            // Run 0 warms the disk cache and WebKit's folders; it is not counted.
            if run > 0 {
                samples[i].push(sample);
            }
        }
    }
    report(&cases, &samples)
}

#[derive(Clone, Debug)]
struct Sample {
    first_ms: f64,
    /// From the page's navigation start to the mark (`performance.now()`).
    page_ms: f64,
    pss_mb: f64,
    processes: Vec<String>,
}

/// Starts `cmd`, waits for its first-screen mark (which must name `screen`), lets PSS
/// settle, then ends the app and everything it started.
fn launch(mut cmd: Command, screen: &str) -> anyhow::Result<Sample> {
    let started = Instant::now();
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .context("start the app")?;
    let stderr = child.stderr.take().context("the app's stderr")?;
    let (tx, rx) = mpsc::channel();
    // Keeps reading after the mark so the app never blocks on a full pipe.
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            if let Some(at) = line.find(MARK) {
                let payload: serde_json::Value =
                    serde_json::from_str(line[at + MARK.len()..].trim()).unwrap_or_default();
                let shown = payload["screen"].as_str().unwrap_or("?").to_owned();
                let page_ms = payload["page_ms"].as_f64().unwrap_or(f64::NAN);
                let _ = tx.send((started.elapsed(), shown, page_ms));
            }
        }
    });
    let outcome = rx.recv_timeout(Duration::from_secs(60));
    let result = match outcome {
        Ok((elapsed, shown, page_ms)) if shown == screen => {
            let (pss_mb, processes) = settled_pss(child.id())?;
            Ok(Sample {
                first_ms: elapsed.as_secs_f64() * 1000.0,
                page_ms,
                pss_mb,
                processes,
            })
        }
        Ok((_, shown, _)) => Err(anyhow::anyhow!(
            "the first screen was {shown}, not {screen}"
        )),
        Err(_) => Err(anyhow::anyhow!("no first-screen mark within 60 s")),
    };
    end_tree(&mut child)?;
    result
}

/// PSS of the tree once it settles: (MB, each process's name and MB).
#[expect(
    clippy::disallowed_methods,
    reason = "a sampler on the benchmark's own thread, not a test or a runtime thread: PSS is read every 200 ms"
)]
fn settled_pss(pid: u32) -> anyhow::Result<(f64, Vec<String>)> {
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut last = tree_pss_kb(pid)?;
    let mut steady = 0;
    while steady < 3 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
        let now = tree_pss_kb(pid)?;
        let moved = (now.0 as f64 - last.0 as f64).abs() / (now.0.max(1) as f64);
        steady = if moved < 0.01 { steady + 1 } else { 0 };
        last = now;
    }
    Ok((last.0 as f64 / 1024.0, last.1))
}

/// PSS in kB summed over `pid` and its descendants, and each one's name and PSS.
fn tree_pss_kb(pid: u32) -> anyhow::Result<(u64, Vec<String>)> {
    let mut total = 0;
    let mut names = Vec::new();
    for p in tree(pid)? {
        let Ok(rollup) = std::fs::read_to_string(format!("/proc/{p}/smaps_rollup")) else {
            continue; // gone meanwhile
        };
        let kb: u64 = rollup
            .lines()
            .find_map(|l| l.strip_prefix("Pss:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0);
        total += kb;
        let name = std::fs::read_to_string(format!("/proc/{p}/comm")).unwrap_or_default();
        names.push(format!("{} {:.0} MB", name.trim(), kb as f64 / 1024.0));
    }
    names.sort();
    Ok((total, names))
}

/// `pid` and every process under it.
fn tree(pid: u32) -> anyhow::Result<Vec<u32>> {
    let mut parents = Vec::new();
    for entry in std::fs::read_dir("/proc")? {
        let Some(p) = entry?
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{p}/stat")) else {
            continue;
        };
        // The fields after the name, which is in parentheses and may hold spaces.
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u32>().ok());
        if let Some(ppid) = ppid {
            parents.push((p, ppid));
        }
    }
    let mut found = vec![pid];
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        found.extend(
            parents
                .iter()
                .filter(|(_, pp)| *pp == parent)
                .map(|(p, _)| *p),
        );
        i += 1;
    }
    Ok(found)
}

/// Kills the app and every process it started (by their ids), and waits until they are gone.
#[expect(
    clippy::disallowed_methods,
    reason = "the app's WebKit processes are not our children: nothing to wait on but /proc"
)]
fn end_tree(child: &mut std::process::Child) -> anyhow::Result<()> {
    let all = tree(child.id())?;
    for p in all.iter().rev() {
        let _ = Command::new("kill").args(["-9", &p.to_string()]).status();
    }
    let _ = child.wait();
    let deadline = Instant::now() + Duration::from_secs(10);
    while all
        .iter()
        .any(|p| Path::new(&format!("/proc/{p}")).exists())
    {
        if Instant::now() > deadline {
            bail!("the app's processes {all:?} did not end");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(())
}

fn report(cases: &[(&str, &str)], samples: &[Vec<Sample>]) -> anyhow::Result<()> {
    let medians: Vec<(f64, f64, f64)> = samples
        .iter()
        .map(|s| {
            (
                median(&mut s.iter().map(|x| x.first_ms).collect::<Vec<_>>()),
                median(&mut s.iter().map(|x| x.pss_mb).collect::<Vec<_>>()),
                median(&mut s.iter().map(|x| x.page_ms).collect::<Vec<_>>()),
            )
        })
        .collect();
    let (hello_ms, hello_mb, _) = medians[0];
    let (soft_ms, soft_mb, _) = medians[1];
    let mut table = String::from(
        "| app, first screen | first screen ms (median) | of which in the page | × hello | PSS MB (median) | × hello | runs: ms / MB |\n|---|---:|---:|---:|---:|---:|---|\n",
    );
    let mut verdicts = Vec::new();
    for (i, (name, _)) in cases.iter().enumerate() {
        let (ms, mb, page) = medians[i];
        let runs: Vec<String> = samples[i]
            .iter()
            .map(|s| format!("{:.0}/{:.0}", s.first_ms, s.pss_mb))
            .collect();
        table.push_str(&format!(
            "| {name} | {ms:.0} | {page:.0} | {:.2} | {mb:.1} | {:.2} | {} |\n",
            ms / hello_ms,
            mb / hello_mb,
            runs.join(" ")
        ));
        if i > 1 {
            let line = format!(
                "- {name}: first screen {:.2}× hello (target ≤ {TIME_TARGET}: {}), PSS {:.2}× hello (target ≤ {PSS_TARGET}: {}); against hello without GPU compositing: {:.2}× its time, {:.2}× its PSS",
                ms / hello_ms,
                verdict(ms / hello_ms <= TIME_TARGET),
                mb / hello_mb,
                verdict(mb / hello_mb <= PSS_TARGET),
                ms / soft_ms,
                mb / soft_mb,
            );
            println!("{line}");
            verdicts.push(line);
        }
    }
    let processes = cases
        .iter()
        .zip(samples)
        .map(|((name, _), s)| {
            let last = s.last().map(|x| x.processes.join(", ")).unwrap_or_default();
            format!("- {name}: {last}")
        })
        .collect::<Vec<_>>()
        .join("\n");
    let body = format!(
        "{}\n\nRelease builds (Cargo.toml's release profile) of linli-app and of xtask/hello, a hello-world Tauri 2 app (one line of text) built in the same cargo invocation, so both link the same tauri with the same features. Under Xvfb (1280×800) in a private D-Bus session with an unlocked gnome-keyring, as the window tests run. {RUNS} runs each after one warm-up, interleaved. First screen: process spawn to the page's `first-screen` mark (the animation frame after the sign-in form, or home with its cached notices, is in place; the same for hello's page), logged by the shell. PSS: /proc/<pid>/smaps_rollup summed over the app and every process under it once three samples 200 ms apart move less than 1%. Signed in: a data folder a first sign-in and sync left (bench_core session), the reference backend up on 127.0.0.1. \"In the page\": navigation start to the mark (`performance.now()`); the rest is the process, the window and WebKit's processes before the page begins. Both apps composite with OpenGL as Tauri leaves WebKitGTK (Mesa's llvmpipe here; a plain text page never enters it, Vant's fixed bars do); the second row is hello-world without it.\n\nTargets (issue 12): PSS ≤ {PSS_TARGET}× hello-world, first screen ≤ {TIME_TARGET}× hello-world's time.\n\n{}\n\n{table}\n{HISTORY}\n\nThe processes of each case's last run, PSS each:\n\n{processes}",
        machine()?,
        verdicts.join("\n"),
    );
    write_section(SECTION, &body)
}
