//! The UI's generated TypeScript: `ui/src/generated/wire.ts` (contract types, from linli-wire's
//! tests) and `ui/src/generated/commands.ts` (the app's commands, printed by the app binary
//! itself with `--commands-ts`, so the bindings come from the same command tables the app
//! registers). `cargo xtask gen-types` writes both; `cargo xtask test` fails when either is out
//! of date.

use crate::setup;
use crate::sh::{Cmd, cargo, root};
use anyhow::{Context, bail};

const COMMANDS_TS: &str = "ui/src/generated/commands.ts";

/// `cargo xtask gen-types`.
pub fn generate() -> anyhow::Result<()> {
    // A blessing run that rewrote the file fails on purpose (so a CI run with LINLI_BLESS set
    // can never pass over drift); the second run proves it is in step.
    let _ = cargo(&["test", "-q", "-p", "linli-wire", "ts::"])
        .env("LINLI_BLESS", "1")
        .run();
    cargo(&["test", "-q", "-p", "linli-wire", "ts::"]).run()?;
    // The app embeds ui/dist. Vite alone (no type check): the check may be what fails until
    // the bindings are written.
    if !root().join("ui/dist/index.html").exists() {
        Cmd::new("npx", &["--yes", "vite", "build"])
            .dir("ui")
            .run()?;
    }
    setup::build_binaries()?;
    let path = root().join(COMMANDS_TS);
    std::fs::write(&path, commands_ts()?).with_context(|| format!("write {}", path.display()))?;
    eprintln!("wrote {COMMANDS_TS}");
    Ok(())
}

/// Fails when the committed command bindings differ from what the built app declares.
/// Needs `setup::build_binaries` first.
pub fn check_commands() -> anyhow::Result<()> {
    let path = root().join(COMMANDS_TS);
    let committed =
        std::fs::read_to_string(&path).with_context(|| format!("read {}", path.display()))?;
    if committed != commands_ts()? {
        bail!(
            "{COMMANDS_TS} is out of date with src-tauri/src/commands: run `cargo xtask gen-types`"
        );
    }
    eprintln!("{COMMANDS_TS} matches the app's commands");
    Ok(())
}

fn commands_ts() -> anyhow::Result<String> {
    let app = root().join("target/debug/linli-app");
    Cmd::new(&app.to_string_lossy(), &["--commands-ts"]).output()
}
