//! `linli-server`: the reference backend. `serve --data-dir DIR --addr 127.0.0.1:8443 [--demo]
//! [--public-url URL]` prints `{"url", "ca"}` as one JSON line once it listens (port 0 picks a
//! free port) and serves until interrupted; the URLs it hands out (checkout pages) are under
//! `--public-url` (default: its listening address), never a request's `Host`. `demo-accounts`
//! lists the demo sign-ins; `join-link --community 翠湖花园 [--url …] [--pin ca|leaf] [--qr
//! out.png]` prints a join link (pinned to the data dir's CA or the server's own certificate)
//! and writes its QR code; `gate-add` / `staff-add` print a token with its expiry
//! (`--valid-days`), `gate-revoke` / `staff-revoke` stop one at once.

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use linli_server::clock::ServerClock;
use linli_server::seed::{DEMO_ACCOUNTS, DEMO_PASSWORD};
use linli_server::serve::{AuthOptions, Options, start};
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
        /// Behind a reverse proxy: the header it puts the client's address in (e.g.
        /// X-Forwarded-For; its last address counts). Without it the socket peer is the client
        /// and no client-sent header is believed. Per-address sign-in limits count by this.
        #[arg(long, env = "LINLI_SERVER_CLIENT_IP_HEADER")]
        client_ip_header: Option<axum::http::HeaderName>,
        /// The base URL residents reach this server at (`https://host[:port][/prefix]`), for
        /// the URLs it hands out (checkout pages); default: the address it listens on.
        #[arg(long, env = "LINLI_SERVER_PUBLIC_URL")]
        public_url: Option<String>,
    },
    /// Print a community's join link (pinned to this data dir's CA or the server's certificate)
    /// as one JSON line, `{"link", "community", "pin", "pin_of", "qr"}`; `--qr` writes its QR.
    JoinLink {
        /// Database and TLS files.
        #[arg(long, env = "LINLI_SERVER_DATA_DIR")]
        data_dir: PathBuf,
        /// The community, by name (e.g. 翠湖花园) or id.
        #[arg(long)]
        community: String,
        /// The backend's address as residents reach it.
        #[arg(long, default_value = "https://127.0.0.1:8443")]
        url: String,
        /// Which certificate the pin names: `ca` (survives a renewal under the CA) or `leaf`
        /// (today's server certificate exactly: after a renewal residents join by a new link).
        #[arg(long, value_enum, default_value_t = linli_server::features::communities::PinOf::Ca)]
        pin: linli_server::features::communities::PinOf,
        /// Also write the QR code here (PNG).
        #[arg(long)]
        qr: Option<PathBuf>,
    },
    /// Print the demo accounts.
    DemoAccounts,
    /// Print the SMS messages the built-in sender kept (one JSON object per line, oldest
    /// first): what residents' phones would have received. A real provider keeps none.
    SmsOutbox {
        /// Database and TLS files.
        #[arg(long)]
        data_dir: PathBuf,
        /// Only the messages to this phone.
        #[arg(long)]
        phone: Option<String>,
    },
    /// Rotate a community's pass signing key (the old one stays trusted for 90 days).
    PassKeyRotate {
        /// Database and TLS files.
        #[arg(long, env = "LINLI_SERVER_DATA_DIR")]
        data_dir: PathBuf,
        /// Community name, e.g. 翠湖花园.
        #[arg(long)]
        community: String,
    },
    /// Register a gate device; prints its id, its token (shown once) and when it expires.
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
        /// Days the token is valid.
        #[arg(long, default_value_t = 365, value_parser = clap::value_parser!(u32).range(1..=3650))]
        valid_days: u32,
    },
    /// Revoke a gate's token: its next request is refused.
    GateRevoke {
        /// Database and TLS files.
        #[arg(long, env = "LINLI_SERVER_DATA_DIR")]
        data_dir: PathBuf,
        /// The gate's id (as `gate-add` printed it).
        id: String,
    },
    /// Revoke a staff member's token: their next request is refused.
    StaffRevoke {
        /// Database and TLS files.
        #[arg(long, env = "LINLI_SERVER_DATA_DIR")]
        data_dir: PathBuf,
        /// The staff member's id (as `staff-add` printed it).
        id: String,
    },
    /// Register a staff member; prints their id, token (shown once) and when it expires.
    StaffAdd {
        /// Database and TLS files.
        #[arg(long, env = "LINLI_SERVER_DATA_DIR")]
        data_dir: PathBuf,
        /// Name, e.g. 李娜.
        #[arg(long)]
        name: String,
        /// Post, e.g. 客服.
        #[arg(long, default_value = "客服")]
        post: String,
        /// Role: service (客服), engineering (工程) or manager (管理).
        #[arg(long, default_value = "service")]
        role: String,
        /// The property company, as its communities name it, e.g. 安居物业.
        #[arg(long)]
        company: String,
        /// A community they serve, by name; repeat for each.
        #[arg(long = "community", required = true)]
        communities: Vec<String>,
        /// Days the token is valid.
        #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=3650))]
        valid_days: u32,
    },
    /// Give a demo resident a service history (three tickets at different steps), once.
    DemoTickets {
        /// Database and TLS files.
        #[arg(long, env = "LINLI_SERVER_DATA_DIR")]
        data_dir: PathBuf,
        /// The resident's phone number.
        #[arg(long, default_value = linli_server::seed::WANG_FANG_PHONE)]
        phone: String,
    },
    /// Record an owner of a room from the property's deeds (业主登记), so the owner binds the
    /// room at once by giving that name; a room may have several owners.
    OwnerRecord {
        /// Database and TLS files.
        #[arg(long, env = "LINLI_SERVER_DATA_DIR")]
        data_dir: PathBuf,
        /// Community name, e.g. 翠湖花园.
        #[arg(long)]
        community: String,
        /// Building, e.g. 1栋.
        #[arg(long)]
        building: String,
        /// Entrance, e.g. 1单元 (leave out for a building with one).
        #[arg(long, default_value = "")]
        entrance: String,
        /// Room, e.g. 801.
        #[arg(long)]
        room: String,
        /// The owner's name as on the deeds.
        #[arg(long)]
        name: String,
    },
    /// The desk's home requests (the service desk from a terminal): list the pending ones,
    /// approve or refuse one; prints JSON.
    HomeRequests {
        /// Database and TLS files.
        #[arg(long, env = "LINLI_SERVER_DATA_DIR")]
        data_dir: PathBuf,
        /// Who decides, kept with the decision.
        #[arg(long, default_value = "李娜（客服）")]
        by: String,
        #[command(subcommand)]
        action: HomeRequestCommand,
    },
    /// Act on a ticket as staff (the service desk from a terminal); prints the ticket.
    Staff {
        /// Database and TLS files.
        #[arg(long, env = "LINLI_SERVER_DATA_DIR")]
        data_dir: PathBuf,
        /// Who acts, as residents see it.
        #[arg(long, default_value = "李娜（客服）")]
        by: String,
        /// The ticket: its id, its number (BX…), or `latest`.
        ticket: String,
        #[command(subcommand)]
        action: StaffCommand,
    },
}

/// What the desk does with home requests.
#[derive(Subcommand)]
enum HomeRequestCommand {
    /// The pending requests of every community, one JSON object per line.
    List,
    /// Approve one: the resident becomes a member of the home.
    Approve {
        /// The request's id.
        id: linli_wire::HomeRequestId,
    },
    /// Refuse one, saying why (the resident sees the reason).
    Refuse {
        /// The request's id.
        id: linli_wire::HomeRequestId,
        /// Why.
        reason: String,
    },
}

/// What staff do to a ticket.
#[derive(Subcommand)]
enum StaffCommand {
    /// 受理.
    Accept,
    /// 派单.
    Assign {
        /// e.g. 王师傅（水电工）.
        assignee: String,
    },
    /// 开始处理.
    Start,
    /// 暂缓 until a day (YYYY-MM-DD).
    Defer {
        /// The day work resumes.
        resume_on: chrono::NaiveDate,
        /// Why.
        reason: String,
    },
    /// 驳回.
    Reject {
        /// Why.
        reason: String,
    },
    /// 完成.
    Complete {
        /// What was done.
        note: String,
        /// After-photos (JPEG, PNG or WebP; prepared here: oriented, scaled, metadata removed).
        #[arg(long = "photo")]
        photos: Vec<PathBuf>,
    },
    /// A paid repair: ask the resident to pay (amount in fen).
    RequestPayment {
        /// Amount in fen.
        amount_fen: i64,
        /// What for.
        note: String,
    },
    /// A comment to the resident.
    Comment {
        /// Text.
        text: String,
    },
}

impl From<StaffCommand> for linli_wire::tickets::StaffAction {
    fn from(command: StaffCommand) -> Self {
        use linli_wire::tickets::StaffAction as A;
        match command {
            StaffCommand::Accept => A::Accept,
            StaffCommand::Assign { assignee } => A::Assign { assignee },
            StaffCommand::Start => A::Start,
            StaffCommand::Defer { resume_on, reason } => A::Defer { resume_on, reason },
            StaffCommand::Reject { reason } => A::Reject { reason },
            StaffCommand::Complete { note, photos: _ } => A::Complete {
                note,
                attachment_ids: Vec::new(),
            },
            StaffCommand::RequestPayment { amount_fen, note } => A::RequestPayment {
                amount_minor: amount_fen,
                note,
            },
            StaffCommand::Comment { text } => A::Comment { text },
        }
    }
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
            client_ip_header,
            public_url,
        } => {
            let options = Options {
                data_dir,
                addr,
                demo,
                auth: AuthOptions {
                    client_ip_header,
                    ..AuthOptions::default()
                },
                public_url,
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
            valid_days,
        } => {
            let db = linli_server::db::open(&data_dir).await?;
            let now = ServerClock::system().now_ms();
            let issued = linli_server::features::gate::enrol_gate(
                &db,
                &community,
                &group,
                &name,
                now,
                linli_server::tokens::days(valid_days),
            )
            .await?;
            println!("{}", issued.printed("gate_id"));
        }
        Command::GateRevoke { data_dir, id } => {
            let db = linli_server::db::open(&data_dir).await?;
            let now = ServerClock::system().now_ms();
            if !linli_server::features::gate::revoke_gate(&db, &id, now).await? {
                anyhow::bail!("there is no gate {id}");
            }
            println!("{}", serde_json::json!({"gate_id": id, "revoked": true}));
        }
        Command::StaffRevoke { data_dir, id } => {
            let db = linli_server::db::open(&data_dir).await?;
            let now = ServerClock::system().now_ms();
            if !linli_server::features::tickets::revoke_staff(&db, &id, now).await? {
                anyhow::bail!("there is no staff member {id}");
            }
            println!("{}", serde_json::json!({"staff_id": id, "revoked": true}));
        }
        Command::StaffAdd {
            data_dir,
            name,
            post,
            role,
            company,
            communities,
            valid_days,
        } => {
            let role = linli_server::extract::StaffRole::parse(&role)
                .ok_or_else(|| anyhow::anyhow!("--role is service, engineering or manager"))?;
            let db = linli_server::db::open(&data_dir).await?;
            let now = ServerClock::system().now_ms();
            let who = linli_server::features::tickets::Enrolment {
                name: &name,
                post: &post,
                role,
                company: &company,
                communities: &communities,
            };
            let issued = linli_server::features::tickets::enrol_staff(
                &db,
                &who,
                now,
                linli_server::tokens::days(valid_days),
            )
            .await?;
            println!("{}", issued.printed("staff_id"));
        }
        Command::DemoTickets { data_dir, phone } => {
            let db = linli_server::db::open(&data_dir).await?;
            let written =
                linli_server::seed::tickets::seed_history(&db, &phone, ServerClock::system().now())
                    .await?;
            println!("{}", serde_json::json!({ "tickets": written }));
        }
        Command::Staff {
            data_dir,
            by,
            ticket,
            action,
        } => {
            let state =
                linli_server::AppState::open(&data_dir, Arc::new(ServerClock::system())).await?;
            let ticket = if ticket == "latest" {
                linli_server::features::tickets::latest_number(&state.db)
                    .await?
                    .ok_or_else(|| anyhow::anyhow!("there is no ticket yet"))?
            } else {
                ticket
            };
            let now = ServerClock::system().now_ms();
            let staff_id = linli_server::features::tickets::desk_staff(&state.db, &by, now).await?;
            let photos = match &action {
                StaffCommand::Complete { photos, .. } => photos.clone(),
                _ => Vec::new(),
            };
            let mut attachment_ids = Vec::new();
            for photo in &photos {
                let bytes = std::fs::read(photo)
                    .with_context(|| format!("read the photo {}", photo.display()))?;
                let id =
                    linli_server::features::uploads::store_staff_photo(&state, &staff_id, &bytes)
                        .await
                        .map_err(|err| {
                            anyhow::anyhow!(
                                "{}: {}{}",
                                photo.display(),
                                err.code,
                                err.detail.map(|d| format!(": {d}")).unwrap_or_default()
                            )
                        })?;
                attachment_ids.push(id);
            }
            let mut action: linli_wire::tickets::StaffAction = action.into();
            if let linli_wire::tickets::StaffAction::Complete {
                attachment_ids: ids,
                ..
            } = &mut action
            {
                *ids = attachment_ids;
            }
            let desk = linli_server::features::tickets::Desk {
                staff_id: Some(&staff_id),
                display: &by,
                staff: None,
            };
            let done = linli_server::features::tickets::staff_act(&state, &desk, &ticket, action)
                .await
                .map_err(|err| {
                    anyhow::anyhow!(
                        "{}{}",
                        err.code,
                        err.detail.map(|d| format!(": {d}")).unwrap_or_default()
                    )
                })?;
            println!("{}", serde_json::to_string(&done)?);
        }
        Command::OwnerRecord {
            data_dir,
            community,
            building,
            entrance,
            room,
            name,
        } => {
            let db = linli_server::db::open(&data_dir).await?;
            let now = ServerClock::system().now_ms();
            let mut conn = db.acquire().await?;
            let place = (building.as_str(), entrance.as_str(), room.as_str());
            if !linli_server::features::homes::record_owner(
                &mut conn, &community, place, &name, now,
            )
            .await?
            {
                anyhow::bail!("{community} has no room {building}{entrance}{room}");
            }
            println!("{}", serde_json::json!({"recorded": true}));
        }
        Command::HomeRequests {
            data_dir,
            by,
            action,
        } => {
            let db = linli_server::db::open(&data_dir).await?;
            let now = ServerClock::system().now_ms();
            let plain = |err: linli_server::error::ApiError| {
                anyhow::anyhow!(
                    "{}{}",
                    err.code,
                    err.detail.map(|d| format!(": {d}")).unwrap_or_default()
                )
            };
            let desk = linli_server::features::homes::Deciding::Desk {
                name: &by,
                communities: None,
            };
            use linli_server::features::homes::requests;
            let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
            match action {
                HomeRequestCommand::List => {
                    for request in requests::for_desk(&mut tx, None).await.map_err(plain)? {
                        println!("{}", serde_json::to_string(&request)?);
                    }
                }
                HomeRequestCommand::Approve { id } => {
                    let done = requests::decide(&mut tx, &desk, id, None, now)
                        .await
                        .map_err(plain)?;
                    println!("{}", serde_json::to_string(&done)?);
                }
                HomeRequestCommand::Refuse { id, reason } => {
                    let done = requests::decide(&mut tx, &desk, id, Some(&reason), now)
                        .await
                        .map_err(plain)?;
                    println!("{}", serde_json::to_string(&done)?);
                }
            }
            tx.commit().await?;
        }
        Command::PassKeyRotate {
            data_dir,
            community,
        } => {
            let db = linli_server::db::open(&data_dir).await?;
            let now = ServerClock::system().now_ms();
            let kid = linli_server::features::passes::rotate_key(&db, &community, now).await?;
            println!("{}", serde_json::json!({"kid": kid}));
        }
        Command::SmsOutbox { data_dir, phone } => {
            let db = linli_server::db::open(&data_dir).await?;
            let phone =
                phone.map(|p| linli_server::features::auth::normalize_phone(&p).unwrap_or(p));
            for message in linli_server::features::auth::sms::outbox(&db, phone.as_deref()).await? {
                println!("{}", serde_json::to_string(&message)?);
            }
        }
        Command::JoinLink {
            data_dir,
            community,
            url,
            pin,
            qr,
        } => {
            let db = linli_server::db::open(&data_dir).await?;
            let link = linli_server::features::communities::join_link(
                &db, &data_dir, &community, &url, pin,
            )
            .await?;
            let text = link.to_string();
            if let Some(path) = &qr {
                linli_server::features::communities::write_qr_png(&text, path)?;
            }
            let output = linli_server::features::communities::JoinLinkOutput {
                community: link.community_name.clone().unwrap_or_default(),
                pin: link.pin.map(|pin| pin.to_string()).unwrap_or_default(),
                pin_of: pin,
                qr: qr.map(|path| path.display().to_string()),
                link: text,
            };
            println!("{}", serde_json::to_string(&output)?);
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
