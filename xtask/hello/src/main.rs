//! hello-tauri: the smallest Tauri 2 app, one line of text, built here with linli-app's tauri
//! and features, as the reference of `cargo xtask bench startup` (xtask/src/bench_startup.rs).
//! Its page marks its first screen exactly as linli's does: on the next animation frame after
//! the page is in place it emits `first-screen`, and the shell logs `first-screen shown: …` to
//! stderr, which the benchmark times from the process's start. With `LINLI_HELLO_SOFTWARE=1`
//! it never composites on the GPU (a reference row: what WebKitGTK's OpenGL compositing costs).

use tauri::{Listener as _, Manager as _};

fn main() {
    let app = tauri::Builder::default()
        .setup(|app| {
            if std::env::var_os("LINLI_HELLO_SOFTWARE").is_some() {
                software_rendering(app);
            }
            app.listen_any("first-screen", |event| {
                eprintln!("first-screen shown: {}", event.payload());
            });
            Ok(())
        })
        .build(tauri::generate_context!());
    match app {
        Ok(app) => app.run(|_, _| {}),
        Err(err) => {
            eprintln!("hello-tauri could not start: {err}");
            std::process::exit(1);
        }
    }
}

fn software_rendering(app: &tauri::App) {
    #[cfg(target_os = "linux")]
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.with_webview(|webview| {
            use webkit2gtk::{SettingsExt as _, WebViewExt as _};
            if let Some(settings) = webview.inner().settings() {
                settings.set_hardware_acceleration_policy(
                    webkit2gtk::HardwareAccelerationPolicy::Never,
                );
            }
        });
    }
    #[cfg(not(target_os = "linux"))]
    let _ = app;
}
