//! `cargo xtask demo`: the reference backend with demo data, and the app joining it as a
//! resident would: `linli-server join-link` prints the community's join link (pinned to the
//! demo CA) and writes its QR code to `target/demo/join-qr.png`; the app, given no
//! `LINLI_BACKEND_URL`, opens on 加入小区 with a fresh data folder (`target/demo/app`: the
//! backend's port changes from run to run).
//!
//! With a display the app opens normally. Without one (a server, CI) the app runs under Xvfb
//! and a WebDriver script joins with the link and walks sign-in → home → a notice … and then
//! the main screens again in 长辈模式 (home, notices, tickets, bills, 我的), writing screenshots
//! of the real window to `target/demo/screenshots/`.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Stdio};

use anyhow::{Context, bail};
use clap::Args;

use crate::setup;
use crate::sh::{Cmd, in_desktop_session, root};
use crate::test::{tauri_driver_path, tempdir};

/// Options for `cargo xtask demo`.
#[derive(Args)]
pub struct DemoArgs {
    /// Walk the app under Xvfb and take screenshots even when a display is available.
    #[arg(long)]
    headless: bool,
}

/// Kills the backend when the demo ends, however it ends.
struct Backend {
    child: Child,
    url: String,
    ca: PathBuf,
}

impl Drop for Backend {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs the demo.
pub fn run(args: &DemoArgs) -> anyhow::Result<()> {
    let has_display =
        std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some();
    let headless = args.headless || !has_display;
    setup::apt()?;
    setup::npm("ui")?;
    if headless {
        setup::npm("tests/webdriver")?;
        setup::tauri_driver()?;
    }
    setup::build_ui()?;
    setup::build_binaries()?;

    let backend = start_backend()?;
    // 王芳's service history (once per demo data folder), so 我的报修 is not empty.
    Cmd::new(
        &root().join("target/debug/linli-server").to_string_lossy(),
        &[
            "demo-tickets",
            "--data-dir",
            &root().join("target/demo/server").to_string_lossy(),
        ],
    )
    .run()?;
    eprintln!(
        "\nReference backend: {} (CA {})",
        backend.url,
        backend.ca.display()
    );
    let join = join_link(&backend)?;
    eprintln!(
        "Join 翠湖花园 on the app's first screen (加入小区) with this link, or pick the QR code\n\
         picture {}:\n  {}",
        join.qr.display(),
        join.link
    );
    // No text message leaves the demo: its codes are kept by the backend's built-in sender.
    eprintln!(
        "Signing in by SMS code: the codes are not sent; read them with\n  \
         target/debug/linli-server sms-outbox --data-dir target/demo/server"
    );
    eprintln!("Demo accounts (password demo1234):");
    eprintln!("  13800000001  王芳  翠湖花园 3栋2单元1502 and 锦绣江南 8栋601 (two households)");
    eprintln!("  13800000002  李强  翠湖花园 5栋1单元302");
    eprintln!("  13800000003  张伟  锦绣江南 2栋1101");

    let app = root().join("target/debug/linli-app");
    if headless {
        let shots = root().join("target/demo/screenshots");
        let _ = std::fs::remove_dir_all(&shots);
        std::fs::create_dir_all(&shots)?;
        let keyring_dir = tempdir("demo-keyring")?;
        let app_data = tempdir("demo-app")?;
        in_desktop_session(
            &["node".into(), "tests/webdriver/demo-walk.mjs".into()],
            true,
            &keyring_dir,
        )
        .env("LINLI_JOIN_LINK", &join.link)
        .env("LINLI_DATA_DIR", &app_data)
        .env("LINLI_APP_BIN", &app)
        .env("LINLI_SCREENSHOTS", &shots)
        .env("TAURI_DRIVER", tauri_driver_path())
        .run()?;
        eprintln!("\nScreenshots of the real window: {}", shots.display());
    } else {
        // A fresh app folder: the backend kept there by the last demo listened on another port.
        let app_data = root().join("target/demo/app");
        let _ = std::fs::remove_dir_all(&app_data);
        Cmd::new(&app.to_string_lossy(), &[] as &[&str])
            .env("LINLI_DATA_DIR", &app_data)
            .run()?;
    }
    Ok(())
}

/// The demo community's join link and where its QR code picture is.
struct JoinLink {
    link: String,
    qr: PathBuf,
}

/// `linli-server join-link` for 翠湖花园 on the running backend.
fn join_link(backend: &Backend) -> anyhow::Result<JoinLink> {
    let qr = root().join("target/demo/join-qr.png");
    let output = std::process::Command::new(root().join("target/debug/linli-server"))
        .args(["join-link", "--data-dir"])
        .arg(root().join("target/demo/server"))
        .args(["--community", "翠湖花园", "--url", &backend.url, "--qr"])
        .arg(&qr)
        .output()
        .context("run linli-server join-link")?;
    if !output.status.success() {
        bail!(
            "linli-server join-link failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let printed: serde_json::Value =
        serde_json::from_slice(&output.stdout).context("read the join link line")?;
    let link = printed["link"]
        .as_str()
        .context("join-link printed no link")?
        .to_owned();
    Ok(JoinLink { link, qr })
}

fn start_backend() -> anyhow::Result<Backend> {
    let data = root().join("target/demo/server");
    std::fs::create_dir_all(&data)?;
    let server = root().join("target/debug/linli-server");
    let mut cmd = Cmd::new(
        &server.to_string_lossy(),
        &[
            "serve",
            "--data-dir",
            &data.to_string_lossy(),
            "--addr",
            "127.0.0.1:0",
            "--demo",
        ],
    )
    .into_command();
    let mut child = cmd
        .stdout(Stdio::piped())
        .spawn()
        .context("start linli-server")?;
    let stdout = child.stdout.take().context("server stdout")?;
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .context("read the server's address line")?;
    let announced: serde_json::Value = match serde_json::from_str(&line) {
        Ok(v) => v,
        Err(err) => {
            let _ = child.kill();
            bail!("linli-server did not announce its address ({err}): {line:?}");
        }
    };
    let field = |name: &str| announced[name].as_str().map(str::to_owned);
    match (field("url"), field("ca")) {
        (Some(url), Some(ca)) => Ok(Backend {
            child,
            url,
            ca: ca.into(),
        }),
        _ => {
            let _ = child.kill();
            bail!("linli-server announced {line:?} without url and ca")
        }
    }
}
