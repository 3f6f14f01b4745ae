//! `cargo xtask test`: every check CI runs, in the order that fails fastest.

use clap::Args;

use crate::setup;
use crate::sh::{Cmd, cargo, in_desktop_session, root};

/// Options for `cargo xtask test`.
#[derive(Args)]
pub struct TestArgs {
    /// Skip the real-window WebDriver scenarios (they need the app build, about 3 min cold).
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

    // The UI first: the app embeds ui/dist, which clippy on the shell needs too.
    Cmd::new("npm", &["run", "typecheck"]).dir("ui").run()?;
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

    if !args.no_window {
        window_tests()?;
    }
    eprintln!("\nAll checks passed in {:.0?}.", started.elapsed());
    Ok(())
}

/// The real app window under Xvfb, driven by tauri-driver + WebKitWebDriver, against a real
/// reference server (started by the scenarios themselves, so they can stop and restart it).
fn window_tests() -> anyhow::Result<()> {
    setup::build_binaries()?;
    let keyring_dir = tempdir("window-keyring")?;
    let artifacts = root().join("target/webdriver-artifacts");
    std::fs::create_dir_all(&artifacts)?;
    let root = root();
    in_desktop_session(
        &[
            "node".into(),
            "--test".into(),
            "--test-concurrency=1".into(),
            "tests/webdriver/".into(),
        ],
        true,
        &keyring_dir,
    )
    .env("LINLI_SERVER_BIN", root.join("target/debug/linli-server"))
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
