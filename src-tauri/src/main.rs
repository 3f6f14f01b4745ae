//! The Linli desktop app. Everything happens in `linli_app::run`.

// Keep Windows release builds from opening a console window next to the app.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    linli_app::run();
}
