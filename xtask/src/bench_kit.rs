//! What the benchmarks of `cargo xtask bench` share: the one release build they all run
//! (linli-app and the hello-world Tauri app built together, so tauri is compiled once with one
//! feature set; linli-server; linli-core's `bench_core` example), a reference server on
//! 127.0.0.1 with demo data, running the benchmark again inside a private desktop session
//! (keyring, and Xvfb when it opens windows), the machine line, and replacing one section of
//! docs/benchmarks.md while keeping the others.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};

use anyhow::{Context, bail};

use crate::sh::{Cmd, cargo, in_desktop_session, root};

/// Set inside the desktop session the benchmark re-runs itself in.
const IN_SESSION: &str = "LINLI_BENCH_IN_SESSION";

/// Builds everything the benchmarks run, release profile (Cargo.toml's: LTO, opt-level s).
pub fn build_release() -> anyhow::Result<()> {
    // A fresh ui/dist is not rebuilt: its new file times would relink the app for nothing.
    if !ui_dist_fresh()? {
        crate::setup::build_ui()?;
    }
    cargo(&[
        "build",
        "--release",
        "-p",
        "linli-app",
        "-p",
        "hello-tauri",
        "-p",
        "linli-server",
        "-p",
        "linli-core",
        "--bin",
        "linli-app",
        "--bin",
        "hello-tauri",
        "--bin",
        "linli-server",
        "--example",
        "bench_core",
        "--features",
        "linli-app/custom-protocol,hello-tauri/custom-protocol",
    ])
    .run()
}

/// True when ui/dist/index.html is newer than every file the UI is built from.
fn ui_dist_fresh() -> anyhow::Result<bool> {
    let Ok(built) = std::fs::metadata(root().join("ui/dist/index.html")).and_then(|m| m.modified())
    else {
        return Ok(false);
    };
    let mut stack = vec![root().join("ui/src")];
    let mut sources = vec![
        root().join("ui/index.html"),
        root().join("ui/vite.config.ts"),
        root().join("ui/package-lock.json"),
    ];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).with_context(|| format!("read {}", dir.display()))? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                sources.push(path);
            }
        }
    }
    Ok(sources.iter().all(|p| {
        std::fs::metadata(p)
            .and_then(|m| m.modified())
            .is_ok_and(|t| t <= built)
    }))
}

/// A release binary (or example) of the build above.
pub fn release(name: &str) -> PathBuf {
    let bin = root().join("target/release").join(name);
    if bin.exists() {
        bin
    } else {
        root().join("target/release/examples").join(name)
    }
}

/// True when running inside the session [`in_session`] started.
pub fn inside() -> bool {
    std::env::var_os(IN_SESSION).is_some()
}

/// Runs `cargo xtask bench <name>` again inside a private D-Bus session with an unlocked
/// keyring (and Xvfb when `xvfb`), where [`inside`] is true.
pub fn in_session(name: &str, xvfb: bool) -> anyhow::Result<()> {
    let keyring = crate::test::tempdir(&format!("bench-{name}-keyring"))?;
    let me = std::env::current_exe().context("find the xtask binary")?;
    in_desktop_session(
        &[me.display().to_string(), "bench".into(), name.into()],
        xvfb,
        &keyring,
    )
    .env(IN_SESSION, "1")
    .run()
}

/// A release linli-server on 127.0.0.1 with the demo data; killed when dropped.
pub struct Server {
    child: Child,
    /// Its base URL.
    pub url: String,
    /// Its CA (PEM file).
    pub ca: PathBuf,
    /// Its data folder.
    pub data: PathBuf,
}

impl Server {
    /// Starts one on `data` (made and seeded on first use) at `port` (0: a free one).
    pub fn start(data: &Path, port: u16) -> anyhow::Result<Server> {
        std::fs::create_dir_all(data)?;
        let mut child = std::process::Command::new(release("linli-server"))
            .args(["serve", "--data-dir"])
            .arg(data)
            .args(["--addr", &format!("127.0.0.1:{port}"), "--demo"])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .spawn()
            .context("start linli-server")?;
        let mut line = String::new();
        BufReader::new(child.stdout.take().context("server stdout")?)
            .read_line(&mut line)
            .context("read the server's address line")?;
        let announced: serde_json::Value = serde_json::from_str(&line).unwrap_or_default();
        let field = |name: &str| announced[name].as_str().map(str::to_owned);
        match (field("url"), field("ca")) {
            (Some(url), Some(ca)) => Ok(Server {
                child,
                url,
                ca: ca.into(),
                data: data.to_owned(),
            }),
            _ => {
                let _ = child.kill();
                bail!("linli-server announced {line:?} without url and ca")
            }
        }
    }

    /// The port it listens on.
    pub fn port(&self) -> anyhow::Result<u16> {
        self.url
            .rsplit(':')
            .next()
            .and_then(|p| p.trim_end_matches('/').parse().ok())
            .with_context(|| format!("no port in {}", self.url))
    }

    /// `linli-server <command> --data-dir <its data> <args…>`, run to completion.
    pub fn cli(&self, command: &str, args: &[&str]) -> anyhow::Result<String> {
        let data = self.data.display().to_string();
        let mut all = vec![command, "--data-dir", &data];
        all.extend_from_slice(args);
        Cmd::new(&release("linli-server").display().to_string(), &all).output()
    }

    /// Runs `sql` on the database in `data` while no server is running (sqlite3).
    pub fn seed_sql(data: &Path, sql: &str) -> anyhow::Result<String> {
        let db = database(data)?;
        Cmd::new("sqlite3", &[db.display().to_string(), sql.to_owned()]).output()
    }

    /// One value from its SQLite database (sqlite3, read-only).
    pub fn query(&self, sql: &str) -> anyhow::Result<String> {
        let db = database(&self.data)?;
        Ok(Cmd::new(
            "sqlite3",
            &[format!("file:{}?mode=ro", db.display()), sql.to_owned()],
        )
        .output()?
        .trim()
        .to_owned())
    }
}

/// The SQLite database in a server's data folder.
fn database(data: &Path) -> anyhow::Result<PathBuf> {
    std::fs::read_dir(data)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "db"))
        .context("no database in the server's data folder")
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `bench_core <args…>`: linli-core as a command (crates/core/examples/bench_core.rs).
pub fn core(args: &[&str]) -> anyhow::Result<String> {
    Cmd::new(&release("bench_core").display().to_string(), args).output()
}

/// "Machine: <cpu> (<n> cores, <m> GiB). Run <date>."
pub fn machine() -> anyhow::Result<String> {
    let cpu = Cmd::new(
        "sh",
        &[
            "-c",
            "lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1",
        ],
    )
    .output()?;
    let memory = Cmd::new("sh", &["-c", "free -g | awk '/^Mem:/ {print $2}'"]).output()?;
    let date = Cmd::new("date", &["-u", "+%Y-%m-%d %H:%M UTC"]).output()?;
    Ok(format!(
        "Machine: {} ({} cores, {} GiB). Run {}.",
        cpu.trim(),
        std::thread::available_parallelism().map_or(0, usize::from),
        memory.trim(),
        date.trim()
    ))
}

/// The file's opening, above every section.
const HEADER: &str = "# Benchmarks\n\nWritten by `cargo xtask bench` (do not edit by hand). Timings are never tests: a busy machine\nmakes them slower, not wrong.\n";

/// Replaces the section of docs/benchmarks.md that starts with `heading` (up to the next
/// `## `) by `heading` + `body`, or appends it; the other sections stay as they are.
pub fn write_section(heading: &str, body: &str) -> anyhow::Result<()> {
    let path = root().join("docs/benchmarks.md");
    let old = std::fs::read_to_string(&path).unwrap_or_default();
    std::fs::write(&path, replace_section(&old, heading, body))
        .with_context(|| format!("write {}", path.display()))?;
    eprintln!("\nFigures written to {} ({heading})", path.display());
    Ok(())
}

fn replace_section(old: &str, heading: &str, body: &str) -> String {
    let section = format!("{heading}\n\n{}\n", body.trim());
    if old.trim().is_empty() {
        return format!("{HEADER}\n{section}");
    }
    let Some(at) = old.find(heading) else {
        return format!("{}\n\n{section}", old.trim_end());
    };
    let after = at + heading.len();
    let end = old[after..]
        .find("\n## ")
        .map_or(old.len(), |e| after + e + 1);
    let mut out = format!("{}\n\n{section}", old[..at].trim_end());
    let tail = old[end..].trim();
    if !tail.is_empty() {
        out.push('\n');
        out.push_str(tail);
        out.push('\n');
    }
    out
}

/// The median of `values` (sorted in place).
pub fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

/// "met" or "missed", for a report line.
pub fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "missed" }
}

#[cfg(test)]
mod tests {
    use super::replace_section;

    #[test]
    fn a_section_is_replaced_in_place_and_the_others_are_kept() {
        let old = "# Benchmarks\n\nintro\n\n## A\n\nold a\n\n## B\n\nold b\n";
        let new = replace_section(old, "## A", "new a");
        assert_eq!(
            new, "# Benchmarks\n\nintro\n\n## A\n\nnew a\n\n## B\n\nold b\n",
            "A replaced where it stood, B kept"
        );
        let appended = replace_section(&new, "## C", "c");
        assert!(
            appended.ends_with("## B\n\nold b\n\n## C\n\nc\n") && appended.contains("new a"),
            "a new section goes at the end: {appended}"
        );
        let last = replace_section(&appended, "## C", "c2");
        assert!(
            last.ends_with("## C\n\nc2\n") && !last.contains("\nc\n"),
            "the last section is replaced too: {last}"
        );
        let fresh = replace_section("", "## A", "a");
        assert!(
            fresh.starts_with("# Benchmarks") && fresh.ends_with("## A\n\na\n"),
            "an empty file gets the header: {fresh}"
        );
    }
}
