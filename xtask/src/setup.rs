//! Installs what a fresh Debian 12 machine lacks: the WebKitGTK build and run packages, the
//! display, D-Bus and keyring tools the tests use, CJK fonts, the UI's npm packages and
//! tauri-driver. Each step is skipped when its result is already there.

use std::path::Path;

use anyhow::{Context, bail};

use crate::sh::{Cmd, cargo, on_path, root};

/// Debian packages for building and running the app and its window tests.
const APT_PACKAGES: &[&str] = &[
    // Building the Tauri shell: WebKitGTK pulls in GTK, libsoup, JavaScriptCore and D-Bus.
    "libwebkit2gtk-4.1-dev",
    "build-essential",
    "pkg-config",
    "libssl-dev",
    "libdbus-1-dev",
    // libjpeg-turbo 3, vendored by the turbojpeg crate for photo preparation.
    "cmake",
    "nasm",
    // HEIC/HEIF/AVIF photos: the system libheif (with its HEVC/AV1 codecs) that libheif-rs
    // links; heif-enc/heif-info to make and inspect test pictures.
    "libheif-dev",
    "libheif-examples",
    // Running the real window headless and driving it.
    "xvfb",
    "xauth",
    "webkit2gtk-driver",
    "dbus-daemon",
    "at-spi2-core",
    // The OS keyring the app keeps tokens in (Secret Service).
    "gnome-keyring",
    "libsecret-tools",
    // Reading the clipboard the app wrote (sharing a visitor pass).
    "xclip",
    // Rendering and reading back the receipt PDFs the app exports.
    "poppler-utils",
    // Checking that photos the server stored carry no GPS or device tags.
    "libimage-exiftool-perl",
    // Screenshots, decoding stored photos to check they are upright, and Chinese text that
    // renders as text rather than boxes.
    "imagemagick",
    "fonts-noto-cjk",
];

/// Installs the missing Debian packages of the app and its tests (needs root or sudo).
pub fn apt() -> anyhow::Result<()> {
    apt_packages(APT_PACKAGES)
}

/// Installs whichever of `packages` are missing (needs root or sudo; both are tried).
pub fn apt_packages(packages: &[&str]) -> anyhow::Result<()> {
    let missing: Vec<&str> = packages
        .iter()
        .copied()
        .filter(|p| !dpkg_installed(p))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    eprintln!("Installing missing Debian packages: {}", missing.join(" "));
    let run = |args: &[&str]| -> anyhow::Result<()> {
        as_root("apt-get", args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .run()
    };
    run(&["update", "-qq"])?;
    let mut install = vec!["install", "-y", "-qq", "--no-install-recommends"];
    install.extend(missing.iter().copied());
    run(&install)
}

fn dpkg_installed(package: &str) -> bool {
    Cmd::new("dpkg-query", &["-W", "-f=${Status}", package])
        .output()
        .is_ok_and(|status| status.contains("install ok installed"))
}

/// `program args…` as root: directly when xtask already runs as root, else through sudo.
pub fn as_root(program: &str, args: &[&str]) -> Cmd {
    if is_root() {
        Cmd::new(program, args)
    } else {
        let mut all = vec![program];
        all.extend_from_slice(args);
        Cmd::new("sudo", &all)
    }
}

fn is_root() -> bool {
    Cmd::new("id", &["-u"])
        .output()
        .is_ok_and(|uid| uid.trim() == "0")
}

/// `npm ci` in `dir` when its node_modules is missing or older than its lock file.
pub fn npm(dir: &str) -> anyhow::Result<()> {
    let base = root().join(dir);
    let lock = base.join("package-lock.json");
    let stamp = base.join("node_modules/.package-lock.json");
    if !lock.is_file() {
        bail!("{dir}/package-lock.json is missing");
    }
    if is_newer(&stamp, &lock) {
        return Ok(());
    }
    Cmd::new("npm", &["ci", "--no-audit", "--no-fund"])
        .dir(dir)
        .run()
}

fn is_newer(a: &Path, b: &Path) -> bool {
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    matches!((modified(a), modified(b)), (Some(a), Some(b)) if a >= b)
}

/// tauri-driver (the WebDriver bridge to WebKitWebDriver) from crates.io, when missing.
pub fn tauri_driver() -> anyhow::Result<()> {
    if on_path("tauri-driver") || cargo_bin("tauri-driver").is_file() {
        return Ok(());
    }
    // "^2": crates.io's newest tauri-driver is a 3.0 pre-release.
    cargo(&["install", "tauri-driver", "--locked", "--version", "^2"]).run()
}

/// PyPI packages of the independent verifiers the tests run against our formats.
const PY_PACKAGES: &[&str] = &["cwt==3.3.0", "pycose==1.1.0", "base45==0.4.4"];

/// A virtualenv under target/ with the independent verifiers; returns its Python.
pub fn python_verifiers() -> anyhow::Result<std::path::PathBuf> {
    venv("py-verifiers", PY_PACKAGES)
}

/// PyPI packages of the independent API clients tests/contract runs against the server: an
/// OpenAPI fuzzer and a client generator.
const PY_CONTRACT_PACKAGES: &[&str] = &["schemathesis==4.32.5", "openapi-python-client==0.29.1"];

/// A virtualenv under target/ with the contract's independent clients; returns its Python.
pub fn python_contract() -> anyhow::Result<std::path::PathBuf> {
    venv("py-contract", PY_CONTRACT_PACKAGES)
}

/// A virtualenv under target/ with the load generator of `cargo xtask bench load`; returns
/// its Python (the generator's script is beside it).
pub fn python_load(locust: &str) -> anyhow::Result<std::path::PathBuf> {
    venv("py-load", &[locust])
}

/// A virtualenv `target/<name>` with exactly `packages` installed (a stamp names them, so a
/// changed pin installs again); returns its Python.
fn venv(name: &str, packages: &[&str]) -> anyhow::Result<std::path::PathBuf> {
    let venv = root().join("target").join(name);
    let python = venv.join("bin/python");
    let stamp = venv.join(format!("installed-{}", packages.join("+")));
    if stamp.is_file() {
        return Ok(python);
    }
    Cmd::new("python3", &["-m", "venv", &venv.to_string_lossy()]).run()?;
    let mut args = vec![
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
    ];
    args.extend_from_slice(packages);
    Cmd::new(&python.to_string_lossy(), &args).run()?;
    std::fs::write(&stamp, b"").with_context(|| format!("mark the {name} venv complete"))?;
    Ok(python)
}

/// Where `cargo install` puts binaries.
pub fn cargo_bin(name: &str) -> std::path::PathBuf {
    let home = std::env::var_os("CARGO_HOME").map_or_else(
        || Path::new(&std::env::var_os("HOME").unwrap_or_default()).join(".cargo"),
        Into::into,
    );
    home.join("bin").join(name)
}

/// Builds the UI (ui/dist), which the app embeds.
pub fn build_ui() -> anyhow::Result<()> {
    Cmd::new("npm", &["run", "build"])
        .dir("ui")
        .run()
        .context("build the UI")
}

/// Builds the server binary alone, for the window-less tests when the window is skipped.
pub fn build_server() -> anyhow::Result<()> {
    cargo(&["build", "-p", "linli-server"]).run()
}

/// Builds the server, the gate verifier and the app with the UI embedded (one feature set,
/// always).
pub fn build_binaries() -> anyhow::Result<()> {
    cargo(&[
        "build",
        "-p",
        "linli-server",
        "-p",
        "linli-app",
        "-p",
        "linli-gate",
        "--features",
        "linli-app/custom-protocol",
    ])
    .run()
}
