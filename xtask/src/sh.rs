//! Running commands from the repository root, loudly: every command is echoed before it runs,
//! and a failure names the command that failed.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

/// The repository root (the parent of xtask/).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// A command about to run, echoed first.
pub struct Cmd {
    inner: Command,
    shown: String,
}

impl Cmd {
    /// `program args…`, run from the repository root.
    pub fn new<S: AsRef<OsStr>>(program: &str, args: &[S]) -> Self {
        let mut inner = Command::new(program);
        inner.args(args).current_dir(root());
        let shown = std::iter::once(program.to_owned())
            .chain(
                args.iter()
                    .map(|a| a.as_ref().to_string_lossy().into_owned()),
            )
            .collect::<Vec<_>>()
            .join(" ");
        Self { inner, shown }
    }

    /// Sets an environment variable for the command.
    pub fn env(mut self, key: &str, value: impl AsRef<OsStr>) -> Self {
        self.inner.env(key, value);
        self
    }

    /// Runs in `dir` (relative to the root) instead of the root.
    pub fn dir(mut self, dir: &str) -> Self {
        self.inner.current_dir(root().join(dir));
        self.shown = format!("(cd {dir} && {})", self.shown);
        self
    }

    /// Runs to completion; a non-zero exit is an error naming the command.
    pub fn run(mut self) -> anyhow::Result<()> {
        eprintln!("\n$ {}", self.shown);
        let status = self
            .inner
            .status()
            .with_context(|| format!("start `{}`", self.shown))?;
        if !status.success() {
            bail!("`{}` failed ({status})", self.shown);
        }
        Ok(())
    }

    /// Runs and returns stdout; a non-zero exit is an error.
    pub fn output(mut self) -> anyhow::Result<String> {
        let out = self
            .inner
            .output()
            .with_context(|| format!("start `{}`", self.shown))?;
        if !out.status.success() {
            bail!(
                "`{}` failed ({}): {}",
                self.shown,
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// The underlying command, for callers that spawn it themselves.
    pub fn into_command(self) -> Command {
        eprintln!("\n$ {} &", self.shown);
        self.inner
    }
}

/// `cargo args…` with the cargo that runs xtask.
pub fn cargo(args: &[&str]) -> Cmd {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    Cmd::new(&cargo, args)
}

/// True when `program` is on PATH.
pub fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

/// Wraps `inner` so it runs in a private D-Bus session with an unlocked gnome-keyring (the
/// Secret Service the app keeps tokens in), and, when `xvfb` is true, on a virtual display.
/// Everything started inside ends with the session.
pub fn in_desktop_session(inner: &[String], xvfb: bool, keyring_dir: &Path) -> Cmd {
    // The keyring password only protects this throwaway keyring in a temporary folder.
    let script = r#"printf %s "linli-test-keyring" | gnome-keyring-daemon --unlock --components=secrets >/dev/null && exec "$@""#;
    let mut args: Vec<String> = vec!["--".into()];
    if xvfb {
        args.extend([
            "xvfb-run".into(),
            "-a".into(),
            "-s".into(),
            "-screen 0 1280x800x24".into(),
        ]);
    }
    args.extend(["sh".into(), "-c".into(), script.into(), "sh".into()]);
    args.extend(inner.iter().cloned());
    Cmd::new("dbus-run-session", &args).env("XDG_DATA_HOME", keyring_dir)
}
