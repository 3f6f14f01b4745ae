//! `cargo xtask test`: every check CI runs, in the order that fails fastest.

use clap::Args;

use crate::setup;
use crate::sh::{Cmd, cargo, in_desktop_session, root};

/// Options for `cargo xtask test`.
#[derive(Args)]
pub struct TestArgs {
    /// Skip the real-window WebDriver scenarios (they need the app build, about 3 min cold);
    /// the window-less ones in tests/webdriver still run.
    #[arg(long)]
    no_window: bool,
}

/// Runs all checks and tests.
pub fn run(args: &TestArgs) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    setup::apt()?;
    setup::npm("ui")?;
    setup::npm("tests/webdriver")?;
    // @tus/server, the tus peer the e2e tests run linli-core's client against.
    setup::npm("tests/tus-peer")?;
    let python = setup::python_verifiers()?;
    if !args.no_window {
        setup::tauri_driver()?;
    }

    cargo(&["fmt", "--all", "--", "--check"]).run()?;
    // No import cycle between the modules of any Rust crate (madge does the same for ui/src).
    crate::cycles::check()?;
    // docs/ARCHITECTURE.md is the map: every path it (or any doc) names exists.
    crate::docs::check()?;

    // The UI first: the app embeds ui/dist, which clippy on the shell needs too.
    Cmd::new("npm", &["run", "typecheck"]).dir("ui").run()?;
    // ui/src has no import cycle (madge over the .ts and .vue files).
    Cmd::new("npm", &["run", "cycles"]).dir("ui").run()?;
    Cmd::new("npm", &["test"]).dir("ui").run()?;
    setup::build_ui()?;

    cargo(&[
        "clippy",
        "--workspace",
        "--all-targets",
        "--features",
        "linli-app/custom-protocol,linli-server/test-util",
        "--",
        "-D",
        "warnings",
    ])
    .run()?;

    // Rust tests, with the real OS keyring: a private D-Bus session and an unlocked
    // gnome-keyring in a temporary folder, so the resident's own keyring is never touched.
    let keyring_dir = tempdir("keyring")?;
    let cargo_bin = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    in_desktop_session(
        &[
            cargo_bin,
            "test".into(),
            "--workspace".into(),
            "--exclude".into(),
            "linli-app".into(),
        ],
        false,
        &keyring_dir,
    )
    .env("LINLI_KEYRING_TESTS", "1")
    .env("LINLI_PYTHON", &python)
    .run()?;

    // The tests under tests/webdriver that open no window run in either case, on their own.
    if args.no_window {
        setup::build_server()?;
    } else {
        setup::build_binaries()?;
        // The app binary prints its own command bindings; without it they go unchecked.
        crate::bindings::check_commands()?;
    }
    windowless_tests()?;
    if !args.no_window {
        window_tests()?;
    }
    eprintln!("\nAll checks passed in {:.0?}.", started.elapsed());
    Ok(())
}

/// Files in tests/webdriver that open no window: they speak to a real linli-server only
/// (tus.test.mjs: tus-js-client, a client nobody here wrote, against our tus endpoint). They
/// run outside the window set, so `--no-window` keeps them; every other `*.test.mjs` there is
/// a window test.
const WINDOWLESS: &[&str] = &["tus.test.mjs"];

/// The `*.test.mjs` files of tests/webdriver, window-less or not as asked, sorted, as paths
/// from the root. A name in WINDOWLESS that is missing is an error, not a silent skip.
fn webdriver_files(windowless: bool) -> anyhow::Result<Vec<String>> {
    let mut all = Vec::new();
    for entry in std::fs::read_dir(root().join("tests/webdriver"))? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if name.ends_with(".test.mjs") {
            all.push(name);
        }
    }
    if let Some(missing) = WINDOWLESS.iter().find(|w| !all.iter().any(|n| n == *w)) {
        anyhow::bail!("tests/webdriver/{missing} is listed as window-less but missing");
    }
    let mut names: Vec<String> = all
        .into_iter()
        .filter(|n| WINDOWLESS.contains(&n.as_str()) == windowless)
        .collect();
    names.sort();
    Ok(names
        .into_iter()
        .map(|n| format!("tests/webdriver/{n}"))
        .collect())
}

/// `node --test` over `files`, one file at a time.
fn node_test(files: Vec<String>) -> Vec<String> {
    let mut args: Vec<String> = vec![
        "node".into(),
        "--test".into(),
        "--test-concurrency=1".into(),
    ];
    args.extend(files);
    args
}

/// The window-less files of tests/webdriver: the server binary only, no display, no keyring.
fn windowless_tests() -> anyhow::Result<()> {
    let args = node_test(webdriver_files(true)?);
    Cmd::new(&args[0], &args[1..])
        .env("LINLI_SERVER_BIN", root().join("target/debug/linli-server"))
        .run()
}

/// The real app window under Xvfb, driven by tauri-driver + WebKitWebDriver, against a real
/// reference server (started by the scenarios themselves, so they can stop and restart it).
/// Needs `setup::build_binaries` first.
fn window_tests() -> anyhow::Result<()> {
    let files = webdriver_files(false)?;
    let keyring_dir = tempdir("window-keyring")?;
    let artifacts = root().join("target/webdriver-artifacts");
    std::fs::create_dir_all(&artifacts)?;
    let root = root();
    in_desktop_session(&node_test(files), true, &keyring_dir)
        .env("LINLI_SERVER_BIN", root.join("target/debug/linli-server"))
        .env("LINLI_GATE_BIN", root.join("target/debug/linli-gate"))
        .env("LINLI_APP_BIN", root.join("target/debug/linli-app"))
        .env("LINLI_ARTIFACTS", &artifacts)
        .env("TAURI_DRIVER", tauri_driver_path())
        .run()
}

/// tauri-driver on PATH, or where `cargo install` put it.
pub fn tauri_driver_path() -> std::path::PathBuf {
    if crate::sh::on_path("tauri-driver") {
        "tauri-driver".into()
    } else {
        setup::cargo_bin("tauri-driver")
    }
}

/// A fresh folder under target/xtask-tmp (inside the repo's ignored target dir).
pub fn tempdir(name: &str) -> anyhow::Result<std::path::PathBuf> {
    let dir = root().join("target/xtask-tmp").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::webdriver_files;

    #[test]
    fn every_webdriver_file_runs_once_and_the_tus_interop_test_without_a_window() {
        let windowless = webdriver_files(true).expect("window-less files");
        let window = webdriver_files(false).expect("window files");
        assert!(
            windowless.contains(&"tests/webdriver/tus.test.mjs".to_owned()),
            "the tus interop test opens no window: it runs with --no-window too ({windowless:?})"
        );
        assert!(
            window.iter().all(|f| !windowless.contains(f)),
            "no file runs in both sets: {window:?} / {windowless:?}"
        );
        let on_disk = std::fs::read_dir(super::root().join("tests/webdriver"))
            .expect("tests/webdriver")
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().ends_with(".test.mjs"))
            .count();
        assert_eq!(
            window.len() + windowless.len(),
            on_disk,
            "every test file in tests/webdriver runs in one of the sets"
        );
        assert!(
            window.len() >= 4,
            "the window scenarios are still run: {window:?}"
        );
    }
}
