//! The Linli desktop app. Everything happens in `linli_app::run`.

// Keep Windows release builds from opening a console window next to the app.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    // `--commands-ts` prints the UI's command bindings and opens no window: `cargo xtask
    // gen-types` writes them from here, and `cargo xtask test` checks them, so they come from
    // the very tables the app registers.
    if std::env::args().nth(1).as_deref() == Some("--commands-ts") {
        print!("{}", linli_app::commands::typescript());
        return;
    }
    linli_app::run();
}
