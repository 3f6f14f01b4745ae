//! `linli-server`: the reference backend.
//!
//! `linli-server serve --data-dir DIR --addr 127.0.0.1:8443 [--demo]` prints one JSON line,
//! `{"url": "...", "ca": "<path of the CA certificate>"}`, once it listens (port 0 picks a
//! free port), then serves until interrupted. `linli-server demo-accounts` lists the demo
//! sign-ins.

use clap::{Parser, Subcommand};
use linli_server::clock::ServerClock;
use linli_server::seed::{DEMO_ACCOUNTS, DEMO_PASSWORD};
use linli_server::serve::{Options, start};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Parser)]
#[command(name = "linli-server", version, about = "Linli reference backend")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the contract over HTTPS.
    Serve {
        /// Database and TLS files.
        #[arg(long, env = "LINLI_SERVER_DATA_DIR")]
        data_dir: PathBuf,
        /// Listen address; port 0 picks a free port.
        #[arg(long, env = "LINLI_SERVER_ADDR", default_value = "127.0.0.1:8443")]
        addr: SocketAddr,
        /// Seed the demo community into an empty database.
        #[arg(long)]
        demo: bool,
    },
    /// Print the demo accounts.
    DemoAccounts,
    /// Rotate a community's pass signing key (the old one stays trusted for 90 days).
    PassKeyRotate {
        /// Database and TLS files.
        #[arg(long, env = "LINLI_SERVER_DATA_DIR")]
        data_dir: PathBuf,
        /// Community name, e.g. 翠湖花园.
        #[arg(long)]
        community: String,
    },
    /// Register a gate device; prints its id and its token (shown once).
    GateAdd {
        /// Database and TLS files.
        #[arg(long, env = "LINLI_SERVER_DATA_DIR")]
        data_dir: PathBuf,
        /// Community name, e.g. 翠湖花园.
        #[arg(long)]
        community: String,
        /// Gate group: pedestrian or vehicle.
        #[arg(long, default_value = "pedestrian")]
        group: String,
        /// A name for people, e.g. 东门人行道闸.
        #[arg(long, default_value = "gate")]
        name: String,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match Cli::parse().command {
        Command::Serve {
            data_dir,
            addr,
            demo,
        } => {
            let options = Options {
                data_dir,
                addr,
                demo,
            };
            let mut running = start(&options, Arc::new(ServerClock::system())).await?;
            let line = serde_json::json!({
                "url": running.url,
                "ca": running.ca_path,
            });
            println!("{line}");
            tracing::info!(url = %running.url, "listening");
            tokio::select! {
                result = running.wait() => result?,
                _ = shutdown_signal() => {
                    tracing::info!("shutting down");
                    running.stop().await;
                }
            }
        }
        Command::GateAdd {
            data_dir,
            community,
            group,
            name,
        } => {
            let db = linli_server::db::open(&data_dir).await?;
            let now = ServerClock::system().now_ms();
            let (id, token) =
                linli_server::routes::gate::add_gate(&db, &community, &group, &name, now).await?;
            println!("{}", serde_json::json!({"gate_id": id, "token": token}));
        }
        Command::PassKeyRotate {
            data_dir,
            community,
        } => {
            let db = linli_server::db::open(&data_dir).await?;
            let now = ServerClock::system().now_ms();
            let kid = linli_server::routes::passes::rotate_key(&db, &community, now).await?;
            println!("{}", serde_json::json!({"kid": kid}));
        }
        Command::DemoAccounts => {
            println!("Demo accounts (password {DEMO_PASSWORD}):");
            for (phone, name, households) in DEMO_ACCOUNTS {
                println!("  {phone}  {name}  {households}");
            }
        }
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let Ok(mut term) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        else {
            return ctrl_c.await.unwrap_or(());
        };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    ctrl_c.await.unwrap_or(());
}
