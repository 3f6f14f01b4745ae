//! linli-e2e: scenarios that cross crates. The tests live in `e2e/` (the real core against the
//! real reference server over HTTPS on 127.0.0.1) and in `webdriver/` (the real app window,
//! driven through tauri-driver and WebKitWebDriver; run by `cargo xtask test`).
