//! The kill -9 gauntlet: an app process (`examples/outbox_runner`) makes one write after
//! another, of every kind a resident makes (reports with photos, read marks, passes, payment
//! orders, comments, ratings, revocations), and many of those runs are SIGKILLed at a chosen
//! phase of a chosen request: before the server sees it, half-way through its body (an upload
//! cut mid-chunk), or after the server committed but before the app heard. The app reaches the
//! server only through the proxy (`proxy.rs`), whose trap stops that request at that phase and
//! tells the test, so each kill provably lands where it says; the proxy's log is also what the
//! backend received and applied.
//!
//! The schedule comes from a seed (printed; `LINLI_KILL_SEED` replays one, `LINLI_KILL_RUNS`
//! sets the number of runs, 100 by default; `cargo xtask bench kill` soaks with more). Every
//! kind × phase is covered at least once; the other runs are drawn at random, some without a
//! kill. Afterwards one run drains the outbox and the backend is audited (`kill/audit.rs`):
//! every write the app promised is there exactly once, nothing was applied twice.
//!
//! The app process uses the real OS keyring, so this runs where `cargo xtask test` provides
//! one (`LINLI_KEYRING_TESTS=1`); elsewhere it says so and passes without running.

mod audit;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use crate::proxy::{CuttingProxy, Phase};
use linli_server::testing::TestServer;
use linli_wire::tickets::StaffAction;
use rand::seq::SliceRandom as _;
use rand::{Rng as _, SeedableRng as _};
use reqwest::Method;
use tokio::io::AsyncBufReadExt as _;

/// What one run writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Ticket,
    Read,
    Pass,
    Pay,
    Comment,
    Rate,
    Revoke,
}

impl Kind {
    const ALL: [Kind; 7] = [
        Kind::Ticket,
        Kind::Read,
        Kind::Pass,
        Kind::Pay,
        Kind::Comment,
        Kind::Rate,
        Kind::Revoke,
    ];

    fn arg(self) -> &'static str {
        match self {
            Kind::Ticket => "ticket",
            Kind::Read => "read",
            Kind::Pass => "pass",
            Kind::Pay => "pay",
            Kind::Comment => "comment",
            Kind::Rate => "rate",
            Kind::Revoke => "revoke",
        }
    }

    /// The requests of this write a kill can interrupt, and at which phases.
    fn traps(self) -> Vec<Trap> {
        let all = [Phase::BeforeServer, Phase::MidBody, Phase::AfterCommit];
        let on = |method: Method, prefix: &'static str, phases: &[Phase]| {
            phases
                .iter()
                .map(move |&phase| Trap {
                    method: method.clone(),
                    prefix,
                    phase,
                })
                .collect::<Vec<_>>()
        };
        match self {
            Kind::Ticket => [
                on(Method::POST, "/v1/uploads", &[Phase::BeforeServer]),
                on(Method::PATCH, "/v1/uploads/", &all),
                on(Method::POST, "/v1/tickets", &all),
            ]
            .concat(),
            Kind::Read => on(Method::POST, "/v1/notices/read-marks", &all),
            Kind::Pass => on(Method::POST, "/v1/passes", &all),
            Kind::Pay => on(Method::POST, "/v1/payment-orders", &all),
            Kind::Comment | Kind::Rate => on(Method::POST, "/v1/tickets/", &all),
            // A revocation has no body to cut in half.
            Kind::Revoke => on(
                Method::POST,
                "/v1/passes/",
                &[Phase::BeforeServer, Phase::AfterCommit],
            ),
        }
    }
}

/// Where a run is killed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trap {
    method: Method,
    prefix: &'static str,
    phase: Phase,
}

/// What a run printed, and whether its trap sprung (so it was killed there).
#[derive(Debug)]
pub struct Run {
    pub kind: Kind,
    pub lines: Vec<String>,
    pub killed_at: Option<Phase>,
}

impl Run {
    /// The id or text after `prefix ` (`queued`, `sent`), if the run got that far.
    pub fn said(&self, prefix: &str) -> Option<String> {
        self.lines
            .iter()
            .find_map(|l| l.strip_prefix(prefix)?.strip_prefix(' ').map(str::to_owned))
    }
}

/// The runs to make: every kind × trap once, then random ones; (kind, trap or none).
fn schedule(rng: &mut rand::rngs::StdRng, runs: usize) -> Vec<(Kind, Option<Trap>)> {
    let mut plan: Vec<(Kind, Option<Trap>)> = Kind::ALL
        .iter()
        .flat_map(|&kind| kind.traps().into_iter().map(move |t| (kind, Some(t))))
        .collect();
    plan.shuffle(rng);
    while plan.len() < runs {
        let kind = *Kind::ALL.choose(rng).expect("kinds");
        let trap = if rng.gen_bool(0.15) {
            None
        } else {
            kind.traps().choose(rng).cloned()
        };
        plan.push((kind, trap));
    }
    plan
}

fn runner() -> PathBuf {
    // target/debug/deps/e2e-… → target/debug/examples/outbox_runner (built by `cargo test`).
    let exe = std::env::current_exe().expect("test binary path");
    exe.parent()
        .and_then(|deps| deps.parent())
        .map(|debug| debug.join("examples").join("outbox_runner"))
        .expect("target dir")
}

fn photo(dir: &std::path::Path, name: &str, shade: u8) -> PathBuf {
    let image = image::RgbImage::from_fn(1400, 1000, |x, y| {
        let n = (x.wrapping_mul(2_654_435_761) ^ y.wrapping_mul(40_503)) % 256;
        image::Rgb([(x % 256) as u8, n as u8, shade])
    });
    let path = dir.join(name);
    image
        .save_with_format(&path, image::ImageFormat::Png)
        .expect("png");
    path
}

/// The world of the gauntlet: one server, the proxy in front of it, one app data folder.
pub struct Gauntlet {
    pub server: TestServer,
    pub proxy: CuttingProxy,
    ca: tempfile::NamedTempFile,
    app: tempfile::TempDir,
    photos: Vec<PathBuf>,
    _files: tempfile::TempDir,
}

impl Gauntlet {
    async fn start() -> Self {
        let server = TestServer::start().await;
        let proxy = CuttingProxy::start(&server.base_url(), &server.ca_pem()).await;
        let ca = tempfile::NamedTempFile::new().expect("ca file");
        std::fs::write(ca.path(), &proxy.ca_pem).expect("write ca");
        let files = tempfile::tempdir().expect("photos");
        let photos = vec![
            photo(files.path(), "a.png", 40),
            photo(files.path(), "b.png", 160),
        ];
        Self {
            server,
            proxy,
            ca,
            app: tempfile::tempdir().expect("app dir"),
            photos,
            _files: files,
        }
    }

    /// One run of the app: arms `trap`, starts the runner, and SIGKILLs it once the trap
    /// holds its request (then lets the held request go). A run that is not killed must end
    /// well.
    async fn run(&self, kind: Kind, n: usize, trap: Option<&Trap>) -> Run {
        let mut command = tokio::process::Command::new(runner());
        command
            .arg(self.app.path())
            .arg(&self.proxy.url)
            .arg(self.ca.path())
            .arg(kind.arg());
        match kind {
            Kind::Ticket => {
                command.args(&self.photos);
            }
            Kind::Comment => {
                command.arg(n.to_string());
            }
            _ => {}
        }
        if let Some(trap) = trap {
            self.proxy
                .trap(trap.method.clone(), trap.prefix, trap.phase, 0);
        }
        let mut child = command
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("the runner starts (cargo test builds examples/outbox_runner)");
        let mut lines = tokio::io::BufReader::new(child.stdout.take().expect("stdout")).lines();
        let mut run = Run {
            kind,
            lines: Vec::new(),
            killed_at: None,
        };
        loop {
            tokio::select! {
                () = self.proxy.sprung(), if trap.is_some() && run.killed_at.is_none() => {
                    child.start_kill().expect("SIGKILL");
                    let _ = child.wait().await;
                    self.proxy.release();
                    run.killed_at = trap.map(|t| t.phase);
                }
                line = lines.next_line() => match line.expect("read the runner") {
                    Some(line) => run.lines.push(line),
                    None => break,
                },
            }
        }
        if run.killed_at.is_none() {
            self.proxy.disarm();
            let status = child.wait().await.expect("the runner ends");
            assert!(
                status.success() && run.lines.last().is_some_and(|l| l == "done"),
                "a run that was not killed ends with an empty outbox: {kind:?} {:?}",
                run.lines
            );
        }
        run
    }

    /// The service desk completes every report still waiting, so ratings have something to
    /// rate.
    async fn complete_waiting_reports(&self) {
        let waiting = self
            .server
            .strings("SELECT number FROM tickets WHERE state = 'submitted'")
            .await;
        for number in waiting {
            for action in [
                StaffAction::Accept,
                StaffAction::Assign {
                    assignee: "王师傅（水电工）".into(),
                },
                StaffAction::Start,
                StaffAction::Complete {
                    note: "已处理".into(),
                    attachment_ids: Vec::new(),
                },
            ] {
                self.server.staff(&number, action).await;
            }
        }
    }
}

#[tokio::test]
async fn kills_at_every_phase_of_every_write_lose_nothing_and_apply_nothing_twice() {
    if std::env::var_os("LINLI_KEYRING_TESTS").is_none() {
        eprintln!("skipped: needs the OS keyring (run `cargo xtask test`)");
        return;
    }
    let seed = std::env::var("LINLI_KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| rand::thread_rng().r#gen::<u64>());
    let runs = std::env::var("LINLI_KILL_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100);
    eprintln!("kill gauntlet: seed {seed}, {runs} runs (LINLI_KILL_SEED={seed} replays it)");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let world = Gauntlet::start().await;
    // More notices to read than read runs, and reports to rate and comment on.
    for i in 0..40 {
        world
            .server
            .publish_notice("翠湖花园", &format!("第{i}期设备检修通知"))
            .await;
    }
    let before = audit::Books::read(&world.server).await;
    let mut done = Vec::new();
    for n in 0..2 {
        done.push(world.run(Kind::Ticket, n, None).await);
    }
    world.complete_waiting_reports().await;

    let plan = schedule(&mut rng, runs);
    let mut landed: BTreeMap<(Kind, String), usize> = BTreeMap::new();
    for (n, (kind, trap)) in plan.iter().enumerate() {
        if *kind == Kind::Revoke {
            // A revocation needs an issued pass, or its run sends nothing and its trap cannot
            // spring (every earlier pass may be revoked already, or none made yet).
            done.push(world.run(Kind::Pass, n, None).await);
        }
        let run = world.run(*kind, n, trap.as_ref()).await;
        if let (Some(trap), Some(_)) = (trap, run.killed_at) {
            *landed
                .entry((
                    *kind,
                    format!("{} {} {:?}", trap.method, trap.prefix, trap.phase),
                ))
                .or_default() += 1;
        }
        if *kind == Kind::Pay {
            // Let the open order expire (the next sync closes it), freeing its bills.
            world.server.advance_clock(Duration::from_secs(16 * 60));
        }
        world.complete_waiting_reports().await;
        done.push(run);
    }
    let last = tokio::process::Command::new(runner())
        .arg(world.app.path())
        .arg(&world.proxy.url)
        .arg(world.ca.path())
        .arg("drain")
        .stdout(Stdio::null())
        .status()
        .await
        .expect("the draining run");
    assert!(
        last.success(),
        "the last run empties the outbox (seed {seed})"
    );

    let wanted: BTreeSet<(Kind, String)> = Kind::ALL
        .iter()
        .flat_map(|&kind| {
            kind.traps()
                .into_iter()
                .map(move |t| (kind, format!("{} {} {:?}", t.method, t.prefix, t.phase)))
        })
        .collect();
    let hit: BTreeSet<(Kind, String)> = landed.keys().cloned().collect();
    let missing: Vec<_> = wanted.difference(&hit).collect();
    assert!(
        missing.is_empty(),
        "a kill landed at every phase of every write kind; never at {missing:?} (seed {seed})"
    );
    let killed = done.iter().filter(|r| r.killed_at.is_some()).count();
    eprintln!(
        "kill gauntlet: {killed} of {} runs killed; {landed:?}",
        done.len()
    );
    audit::everything_once(&world, &before, &done, seed).await;
}
