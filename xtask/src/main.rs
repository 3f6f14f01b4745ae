//! `cargo xtask`: the project's two set-up commands and their helpers.
//!
//! - `cargo xtask demo` runs the app against the reference backend with demo data. With no
//!   display it runs the app under Xvfb, walks sign-in → home → a notice and writes
//!   screenshots to a folder it names.
//! - `cargo xtask test` runs everything CI runs: rustfmt, clippy -D warnings, the Rust tests
//!   (keyring tests inside a private D-Bus session with an unlocked gnome-keyring), the UI type
//!   check and unit tests, the real app window driven by WebDriver under Xvfb, and the app
//!   installed from its .deb and started from its desktop entry.
//! - `cargo xtask package` builds the release app as a .deb and prints its path.
//! - `cargo xtask bench [photo|kill|startup|cache|outbox|sync|load]` measures speed, memory and
//!   quality, soaks the kill -9 gauntlet with 500 runs, and measures issue 12's promises
//!   (start-up against a hello-world Tauri app, cached reads at scale, outbox replay, the
//!   backend under load); each writes its section of docs/benchmarks.md with the machine and
//!   the date (never part of `test`).
//! - `cargo xtask gen-types` regenerates the UI's TypeScript: `ui/src/generated/wire.ts` from
//!   linli-wire and `ui/src/generated/commands.ts` from the app's command tables.
//!
//! Both set-up commands install what a fresh Debian machine lacks (apt and npm packages,
//! tauri-driver) before they start, so a clean clone needs nothing else.

mod bench;
mod bench_cache;
mod bench_formats;
mod bench_kit;
mod bench_load;
mod bench_outbox;
mod bench_startup;
mod bench_sync;
mod bindings;
mod cycles;
mod demo;
mod docs;
mod measure;
mod package;
mod setup;
mod sh;
mod soak;
mod test;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Linli project automation")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the app on the demo backend (screenshots under Xvfb when there is no display).
    Demo(demo::DemoArgs),
    /// Build the release app as a Debian package (.deb) and print its path.
    Package,
    /// Run every check and test that CI runs.
    Test(test::TestArgs),
    /// Measure into docs/benchmarks.md: photo preparation, the kill -9 soak, start-up, cached
    /// reads, outbox replay, backend load.
    Bench {
        /// Which benchmark: photo, kill, startup, cache, outbox, sync or load (all when omitted).
        which: Option<String>,
    },
    /// Regenerate ui/src/generated/{wire,commands}.ts from linli-wire and the app's commands.
    GenTypes,
    /// The tree checks alone (part of `test`): no import cycle, and every path the docs name.
    #[command(hide = true)]
    TreeChecks,
    /// The package step of `test` alone (after a build of the binaries as `test` builds them).
    #[command(hide = true)]
    PackageTest,
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Demo(args) => demo::run(&args),
        Command::Package => package::release(),
        Command::Test(args) => test::run(&args),
        Command::Bench { which } => bench::run(which.as_deref()),
        Command::GenTypes => bindings::generate(),
        Command::PackageTest => test::package_test(),
        Command::TreeChecks => cycles::check().and_then(|()| docs::check()),
    }
}
