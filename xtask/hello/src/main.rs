//! hello-tauri: the smallest Tauri 2 app, one line of text, built here with linli-app's tauri
//! and features, as the reference of `cargo xtask bench startup` (xtask/src/bench_startup.rs).
//! Its page marks its first screen exactly as linli's does: on the next animation frame after
//! the page is in place it emits `first-screen`, and the shell logs `first-screen shown` to
//! stderr, which the benchmark times from the process's start.

use tauri::Listener as _;

fn main() {
    let app = tauri::Builder::default()
        .setup(|app| {
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
