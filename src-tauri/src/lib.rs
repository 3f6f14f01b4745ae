//! linli-app: the Tauri 2 shell around `linli-core`.
//!
//! The shell only translates. Commands (in [`commands`]) take the managed [`linli_core::Core`],
//! call one method and map its error to `linli_wire::IpcError`; core events are forwarded to
//! the webview as `core-event` ([`events`]). Any decision belongs in the core, so the same
//! behaviour reaches phones later. Where the app finds its backend and data is read once at
//! start ([`config`]).

pub mod commands;
pub mod config;
pub mod events;

use tauri::{Listener as _, Manager};

/// The event the window emits once its first screen has rendered.
const FIRST_SCREEN: &str = "first-screen";

/// Builds and runs the app until its last window closes.
pub fn run() {
    init_logging();
    let app = tauri::Builder::default()
        // Used from Rust commands only; the window gets no clipboard permission of its own.
        .plugin(tauri_plugin_clipboard_manager::init())
        // Shown from Rust for the core's `Notification` events; the window cannot send any.
        .plugin(tauri_plugin_notification::init())
        .setup(|app| {
            let opening = std::time::Instant::now();
            let pictures = app
                .path()
                .picture_dir()
                .or_else(|_| app.path().download_dir());
            let downloads = app.path().download_dir().ok();
            let config = config::from_env(app.path().app_data_dir()?, pictures.ok(), downloads)?;
            let deps = linli_core::CoreDeps::system()?;
            let core = tauri::async_runtime::block_on(linli_core::Core::open(config, deps))?;
            events::forward(app.handle().clone(), core.subscribe());
            // The window's one event to the shell: its first screen has rendered
            // (ui/src/shared/firstScreen.ts). Logged only, for `cargo xtask bench startup`.
            app.listen_any(FIRST_SCREEN, |event| {
                tracing::info!("{FIRST_SCREEN} shown: {}", event.payload());
            });
            app.manage(core);
            tracing::info!("core opened in {:?}", opening.elapsed());
            Ok(())
        })
        .invoke_handler(commands::handler())
        .build(tauri::generate_context!());
    let app = match app {
        Ok(app) => app,
        Err(err) => {
            tracing::error!("Linli could not start: {err}");
            std::process::exit(1);
        }
    };
    app.run(|handle, event| {
        if let tauri::RunEvent::Exit = event {
            // Let the outbox finish writing its state; nothing in flight is lost either way
            // (items left in flight are re-sent with the same Idempotency-Key on next start).
            if let Some(core) = handle.try_state::<linli_core::Core>() {
                tauri::async_runtime::block_on(core.shutdown());
            }
        }
    });
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Logs go to stderr; tokens never reach them (they are typed secrets in the core).
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
