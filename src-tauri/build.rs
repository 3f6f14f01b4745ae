//! Generates Tauri's context (config, capabilities, icons) for the app at build time.

fn main() {
    tauri_build::build()
}
