//! The main window's WebKit settings. WebKitGTK composites with OpenGL by default ("on
//! demand": a page with fixed bars, transforms or animations, as Vant's, enters it; a page of
//! plain text never does); on a machine without a GPU that is Mesa's llvmpipe, and either way
//! the web process holds a GL context, its buffers and the compositor's threads: about 85 MB
//! of the first screen's PSS (docs/benchmarks.md, `cargo xtask bench startup`). The app's
//! screens are forms and short lists that software rendering draws without effort, so it
//! never composites on the GPU.

use tauri::Manager;

/// Applies the settings to the main window (before its page paints: called first in setup).
pub fn tune(app: &tauri::App) {
    #[cfg(target_os = "linux")]
    if let Some(window) = app.get_webview_window("main") {
        let applied = window.with_webview(|webview| {
            use webkit2gtk::{SettingsExt as _, WebViewExt as _};
            if let Some(settings) = webview.inner().settings() {
                settings.set_hardware_acceleration_policy(
                    webkit2gtk::HardwareAccelerationPolicy::Never,
                );
            }
        });
        if let Err(err) = applied {
            tracing::warn!("the window's WebKit settings were not applied: {err}");
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = app;
}
