//! `linli-gate`: the gate verifier's command line.
//!
//! `enrol` once with the backend's address and the gate's token, `sync` whenever the uplink
//! works (keys, revocations, entry upload), `scan PAYLOAD` for each QR (offline), `code CODE`
//! for a visitor's short code (online). Answers are one JSON line; `scan` exits 0 when the gate
//! opens and 3 when it stays closed.

use clap::{Parser, Subcommand};
use linli_gate::{DEFAULT_SKEW_S, Enrolment, Gate, ScanOutcome};
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "linli-gate", version, about = "Linli gate verifier")]
struct Cli {
    /// Where the gate keeps its state.
    #[arg(long, env = "LINLI_GATE_STATE")]
    state: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Remember the backend and this gate's token and group.
    Enrol {
        #[arg(long)]
        server: String,
        /// PEM file of an extra CA to trust (the reference backend's demo CA).
        #[arg(long)]
        ca: Option<PathBuf>,
        #[arg(long, env = "LINLI_GATE_TOKEN")]
        token: String,
        #[arg(long, default_value = "pedestrian")]
        group: String,
    },
    /// Fetch keys and revocations; upload entries.
    Sync,
    /// Verify a scanned QR payload offline.
    Scan {
        payload: String,
        /// Tolerated clock difference, seconds.
        #[arg(long, default_value_t = DEFAULT_SKEW_S)]
        skew: i64,
    },
    /// Look up a short code (online) and verify it.
    Code {
        code: String,
        #[arg(long, default_value_t = DEFAULT_SKEW_S)]
        skew: i64,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let gate = Gate::open(&cli.state).await?;
    let now = chrono::Utc::now().timestamp();
    let outcome = match cli.command {
        Command::Enrol {
            server,
            ca,
            token,
            group,
        } => {
            let ca_pem = ca.map(std::fs::read_to_string).transpose()?;
            gate.enrol(&Enrolment {
                server,
                ca_pem,
                token,
                group,
            })
            .await?;
            println!("{}", serde_json::json!({"enrolled": true}));
            return Ok(());
        }
        Command::Sync => {
            println!("{}", serde_json::to_string(&gate.sync().await?)?);
            return Ok(());
        }
        Command::Scan { payload, skew } => gate.scan(&payload, now, skew).await?,
        Command::Code { code, skew } => gate.code(&code, now, skew).await?,
    };
    println!("{}", serde_json::to_string(&outcome)?);
    if matches!(outcome, ScanOutcome::Rejected { .. }) {
        std::process::exit(3);
    }
    Ok(())
}
