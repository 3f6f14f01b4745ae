//! Generates Tauri's context (config, capabilities, icons) for the hello-world app.

fn main() {
    tauri_build::build()
}
