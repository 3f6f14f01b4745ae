//! kill -9 at random moments: twenty runs of an app process that queues a repair report with
//! two photos and starts sending it, each killed (SIGKILL) at a random point after the report
//! is durable; then one run that drains the outbox. Counting on the server: every report
//! exactly once, every photo exactly once, nothing lost.
//!
//! The app process uses the real OS keyring, so this runs where `cargo xtask test` provides
//! one (`LINLI_KEYRING_TESTS=1`); elsewhere it says so and passes without running.

use std::collections::HashSet;
use std::path::PathBuf;
use std::process::Stdio;

use linli_server::testing::TestServer;
use rand::Rng as _;
use tokio::io::AsyncBufReadExt as _;

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

#[tokio::test]
async fn twenty_kills_lose_nothing_and_duplicate_nothing() {
    if std::env::var_os("LINLI_KEYRING_TESTS").is_none() {
        eprintln!("skipped: needs the OS keyring (run `cargo xtask test`)");
        return;
    }
    let server = TestServer::start().await;
    let ca = tempfile::NamedTempFile::new().expect("ca file");
    std::fs::write(ca.path(), server.ca_pem()).expect("write ca");
    let app = tempfile::tempdir().expect("app dir");
    let files = tempfile::tempdir().expect("photos");
    let photos = [
        photo(files.path(), "a.png", 40),
        photo(files.path(), "b.png", 160),
    ];
    let mut queued = HashSet::new();
    let mut interrupted = 0;
    let mut rng = rand::thread_rng();
    for _ in 0..20 {
        let mut child = tokio::process::Command::new(runner())
            .arg(app.path())
            .arg(server.base_url())
            .arg(ca.path())
            .args(&photos)
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("the runner starts (cargo test builds examples/outbox_runner)");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = tokio::io::BufReader::new(stdout).lines();
        let line = lines
            .next_line()
            .await
            .expect("read")
            .expect("the runner queued its report");
        let id = line
            .strip_prefix("queued ")
            .expect("queued <id>")
            .to_owned();
        queued.insert(id);
        // The kill point is the scenario itself: anywhere from at once to well into the
        // uploads and the report's creation.
        let delay = rng.gen_range(0..800);
        tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
        child.start_kill().expect("SIGKILL");
        let _ = child.wait().await;
        let mut finished = false;
        while let Ok(Some(line)) = lines.next_line().await {
            finished |= line == "done";
        }
        if !finished {
            interrupted += 1;
        }
    }
    eprintln!("{interrupted} of 20 runs were killed before their outbox was empty");
    assert!(
        interrupted > 0,
        "the kills must land while sending, or this proves nothing"
    );
    let status = tokio::process::Command::new(runner())
        .arg(app.path())
        .arg(server.base_url())
        .arg(ca.path())
        .status()
        .await
        .expect("the draining run");
    assert!(status.success(), "the last run empties the outbox");

    assert_eq!(queued.len(), 20);
    assert_eq!(
        server.count("SELECT COUNT(*) FROM tickets").await,
        20,
        "every report exactly once"
    );
    for id in &queued {
        let n = server
            .count(&format!("SELECT COUNT(*) FROM tickets WHERE id = '{id}'"))
            .await;
        assert_eq!(n, 1, "report {id} arrived once");
    }
    assert_eq!(
        server
            .count("SELECT COUNT(*) FROM uploads WHERE status = 'complete'")
            .await,
        40,
        "every photo once, complete"
    );
    assert_eq!(
        server.count("SELECT COUNT(*) FROM uploads").await,
        40,
        "no stray second upload of any photo"
    );
    assert_eq!(
        server
            .count("SELECT COUNT(*) FROM ticket_attachments")
            .await,
        40,
        "each report has its two photos"
    );
}
