//! linli-core as a command, for the benchmarks of `cargo xtask bench` that need the core
//! itself (xtask/src/bench_startup.rs, bench_cache.rs, bench_outbox.rs). Every subcommand
//! takes the data folder, the backend URL and its CA file first, and uses the OS keyring (run
//! it inside the benchmark's private desktop session), as the app does.
//!
//! - `session DATA URL CA PHONE PASSWORD`: signs in and syncs once, so DATA holds a signed-in
//!   account with its cache (what the app shows from at its next start).
//! - `cache-seed DATA URL CA PHONE PASSWORD NOTICES TICKETS BILLS`: signs in, syncs, then
//!   seeds the cache (`Core::seed_cache_for_bench`) with copies of what the backend sent:
//!   NOTICES notices, TICKETS tickets, BILLS bills for the current household.
//! - `cache-read DATA URL CA RUNS`: opens DATA with no background loop and times the reads the
//!   UI makes, RUNS times each; prints one JSON line per read (median, p99, rows).
//! - `outbox-queue DATA URL CA COUNT`: with the backend down, queues COUNT text reports.
//! - `outbox-drain DATA URL CA`: with the backend up, syncs until the outbox is empty; prints
//!   a JSON line with the time it took and what is left.
//! - `sync DATA URL CA PHONE PASSWORD STAFF_TOKEN`: what syncing costs, by the core's own
//!   counters (`Core::net_stats`: requests answered, body bytes as decoded): the sign-in with
//!   its first sync, an idle sync, and the sync after the service desk accepted the
//!   resident's new report (one changed ticket, whose size as the feed carries it is printed
//!   beside it); one JSON line.

use std::time::{Duration, Instant};

use linli_core::{Core, CoreConfig, CoreDeps};
use linli_wire::ipc::NewTicket;
use linli_wire::tickets::{TicketKind, TicketPlace, TicketUrgency};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

#[tokio::main]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| -> Result<&str> {
        args.get(i)
            .map(String::as_str)
            .ok_or_else(|| format!("argument {i} missing; see the module docs").into())
    };
    let number = |i: usize| -> Result<usize> { Ok(arg(i)?.parse()?) };
    let (data, url, ca) = (arg(1)?, arg(2)?, arg(3)?);
    match arg(0)? {
        "session" => {
            let core = open(data, url, ca, false).await?;
            core.sign_in(arg(4)?, arg(5)?).await?;
            core.sync_now().await?;
            core.shutdown().await;
        }
        "cache-seed" => {
            let core = open(data, url, ca, false).await?;
            core.sign_in(arg(4)?, arg(5)?).await?;
            core.sync_now().await?;
            seed(&core, number(6)?, number(7)?, number(8)?).await?;
            core.shutdown().await;
        }
        "cache-read" => {
            let core = open(data, url, ca, false).await?;
            cache_reads(&core, number(4)?).await?;
            core.shutdown().await;
        }
        "outbox-queue" => {
            let core = open(data, url, ca, false).await?;
            for i in 0..number(4)? {
                core.submit_ticket(report(i)).await?;
            }
            println!(
                "{}",
                serde_json::json!({ "pending": core.status().await.outbox_pending })
            );
            core.shutdown().await;
        }
        "outbox-drain" => {
            let core = open(data, url, ca, false).await?;
            let started = Instant::now();
            let mut syncs = 0;
            let status = loop {
                let status = core.sync_now().await?;
                syncs += 1;
                if status.outbox_pending == 0 || started.elapsed() > Duration::from_secs(120) {
                    break status;
                }
            };
            println!(
                "{}",
                serde_json::json!({
                    "drain_ms": started.elapsed().as_secs_f64() * 1000.0,
                    "syncs": syncs,
                    "pending": status.outbox_pending,
                    "rejected": status.outbox_rejected,
                    "online": status.online,
                })
            );
            core.shutdown().await;
        }
        "sync" => sync_costs(data, url, ca, arg(4)?, arg(5)?, arg(6)?).await?,
        other => return Err(format!("no subcommand {other}; see the module docs").into()),
    }
    Ok(())
}

/// Requests and bytes between two readings of the counters.
fn cost(before: &linli_core::NetStats, after: &linli_core::NetStats) -> serde_json::Value {
    serde_json::json!({
        "requests": after.requests - before.requests,
        "bytes": after.body_bytes - before.body_bytes,
    })
}

async fn sync_costs(
    data: &str,
    url: &str,
    ca: &str,
    phone: &str,
    password: &str,
    staff: &str,
) -> Result<()> {
    let core = open(data, url, ca, false).await?;
    let start = core.net_stats();
    core.sign_in(phone, password).await?;
    let signed_in = core.net_stats();
    core.sync_now().await?;
    let idle = core.net_stats();
    let id = core.submit_ticket(report(0)).await?;
    core.sync_now().await?;
    core.sync_now().await?;
    let sent = core.net_stats();
    let ticket = core
        .tickets()
        .await?
        .into_iter()
        .find(|t| t.id == id)
        .and_then(|t| t.ticket)
        .ok_or("the report did not reach the backend")?;
    let desk = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&std::fs::read(ca)?)?)
        .build()?;
    let answer = desk
        .post(format!("{url}/v1/staff/tickets/{}/actions", ticket.id))
        .bearer_auth(staff)
        .json(&serde_json::json!({ "action": "accept" }))
        .send()
        .await?;
    if !answer.status().is_success() {
        return Err(format!("the desk's step: {}", answer.status()).into());
    }
    core.sync_now().await?;
    let changed = core.net_stats();
    core.sync_now().await?;
    let idle_again = core.net_stats();
    let accepted = core
        .tickets()
        .await?
        .into_iter()
        .find(|t| t.id == id)
        .and_then(|t| t.ticket)
        .ok_or("the ticket left the cache")?;
    println!(
        "{}",
        serde_json::json!({
            "sign_in": cost(&start, &signed_in),
            "idle": cost(&signed_in, &idle),
            "changed_ticket": cost(&sent, &changed),
            "ticket_bytes": serde_json::to_vec(&accepted)?.len(),
            "ticket_state": accepted.state,
            "idle_after": cost(&changed, &idle_again),
        })
    );
    core.shutdown().await;
    Ok(())
}

async fn open(data: &str, url: &str, ca: &str, background: bool) -> Result<Core> {
    let mut config = CoreConfig::new(data, url);
    config.extra_root_ca_pem = Some(std::fs::read(ca)?);
    config.background = background;
    Ok(Core::open(config, CoreDeps::system()?).await?)
}

/// The i-th queued report: a text-only repair, each with its own words.
fn report(i: usize) -> NewTicket {
    NewTicket {
        kind: TicketKind::Repair,
        category: "pipes".into(),
        place: TicketPlace::Unit,
        place_note: None,
        urgency: TicketUrgency::Normal,
        description: format!("卫生间地漏返水（离线报修第 {i} 条）"),
        visit_windows: Vec::new(),
        photo_ids: Vec::new(),
        anonymous: false,
        bill_line_id: None,
    }
}

/// Words the seeded notices are made of: a few in twenty mention 停水, some 电梯维保.
const TOPICS: &[&str] = &[
    "3栋5栋停水通知",
    "电梯维保安排",
    "垃圾分类宣传周",
    "地下车库清洗",
    "消防演练",
    "物业费缴纳提醒",
    "绿化修剪",
    "快递柜迁移",
    "外墙清洗",
    "业主大会筹备",
    "燃气安全检查",
    "暑期游泳池开放",
    "中秋活动报名",
    "门禁系统升级",
    "停车位续租",
    "水箱清洗",
    "楼道杂物清理",
    "宠物文明饲养倡议",
    "防汛准备",
    "供暖试水",
];

/// Copies of the cached templates with fresh ids and their own words and dates.
async fn seed(core: &Core, notices: usize, tickets: usize, bills: usize) -> Result<()> {
    let template = core
        .notices()
        .await?
        .into_iter()
        .next()
        .ok_or("the backend sent no notice to copy")?;
    let now = chrono::Utc::now();
    let seeded_notices = (0..notices)
        .map(|i| {
            let mut n = template.clone();
            let topic = TOPICS[i % TOPICS.len()];
            n.id = linli_wire::NoticeId(uuid::Uuid::now_v7());
            n.title = format!("{topic}（第{i}期）");
            n.summary = format!("{topic}，请各位居民留意。");
            n.body = format!(
                "各位业主、住户：{topic}。届时请提前做好准备，如有疑问请致电物业服务中心。编号 {i}。"
            );
            n.pinned = false;
            n.expires_at = None;
            n.published_at = now - chrono::Duration::minutes(i as i64);
            n
        })
        .collect::<Vec<_>>();
    let ticket = core
        .tickets()
        .await?
        .into_iter()
        .find_map(|view| view.ticket)
        .ok_or("the backend sent no ticket to copy (run linli-server demo-tickets)")?;
    let seeded_tickets = (0..tickets)
        .map(|i| {
            let mut t = ticket.clone();
            t.id = linli_wire::TicketId(uuid::Uuid::now_v7());
            t.number = format!("BX{:012}", i);
            t.description = format!("{}（第 {i} 条）", ticket.description);
            t.created_at = now - chrono::Duration::hours(i as i64);
            t
        })
        .collect::<Vec<_>>();
    let bill = core
        .bills()
        .await?
        .into_iter()
        .next()
        .ok_or("the backend sent no bill to copy")?;
    let first = chrono::NaiveDate::from_ymd_opt(2016, 1, 1).ok_or("a date")?;
    let seeded_bills = (0..bills)
        .map(|i| {
            let mut b = bill.clone();
            let from = first + chrono::Months::new(i as u32);
            b.id = linli_wire::BillId(uuid::Uuid::now_v7());
            b.title = format!("{}物业费", from.format("%Y年%m月"));
            b.period_from = from;
            b.period_to = from + chrono::Months::new(1) - chrono::Duration::days(1);
            b.due_date = b.period_to;
            b
        })
        .collect::<Vec<_>>();
    core.seed_cache_for_bench(&seeded_notices, &seeded_tickets, &seeded_bills)
        .await?;
    Ok(())
}

/// Times each read the UI makes `runs` times (after one untimed read, as a screen opened a
/// second time finds SQLite's pages warm; the first is reported too).
async fn cache_reads(core: &Core, runs: usize) -> Result<()> {
    macro_rules! time {
        ($name:expr, $read:expr) => {{
            let started = Instant::now();
            let rows = $read.await?.len();
            let first_ms = started.elapsed().as_secs_f64() * 1000.0;
            let mut ms = Vec::with_capacity(runs);
            for _ in 0..runs {
                let started = Instant::now();
                let _ = $read.await?;
                ms.push(started.elapsed().as_secs_f64() * 1000.0);
            }
            ms.sort_by(f64::total_cmp);
            let at = |q: f64| ms[((ms.len() as f64 - 1.0) * q).round() as usize];
            println!(
                "{}",
                serde_json::json!({
                    "read": $name, "rows": rows, "first_ms": first_ms,
                    "median_ms": at(0.5), "p99_ms": at(0.99), "runs": runs,
                })
            );
        }};
    }
    time!("notices()", core.notices());
    time!(
        "search_notices(\"停水\")",
        core.search_notices("停水".into())
    );
    time!(
        "search_notices(\"电梯维保\")",
        core.search_notices("电梯维保".into())
    );
    time!("tickets()", core.tickets());
    time!("bills()", core.bills());
    Ok(())
}
