//! Where the app's backend and data are, read once at start from the environment.
//!
//! - `LINLI_BACKEND_URL`: a fixed backend, overriding the one the resident chose by joining a
//!   community (tests and development). Unset (the normal case), a fresh app opens on 加入小区
//!   and the core keeps the choice in `app.db`.
//! - `LINLI_BACKEND_CA`: a PEM file with an extra root CA to trust for `LINLI_BACKEND_URL`,
//!   for a backend with a private CA such as the demo's. Nothing extra is trusted unless this
//!   is set (a joined backend's private CA is trusted through its join link's pin instead).
//! - `LINLI_DATA_DIR`: where the cache and outbox live (default: the OS app-data folder).
//! - `LINLI_PICTURES_DIR`: where shared pictures are saved (default: the OS pictures folder,
//!   else the downloads folder, else `pictures/` in the data folder).
//! - `LINLI_DOCUMENTS_DIR`: where receipt PDFs and ledger CSVs are saved (default: the OS
//!   downloads folder, else `documents/` in the data folder).
//! - `LINLI_CJK_FONT`: a font file that can write Chinese, for receipt PDFs (default: a known
//!   system font such as Noto Sans CJK).

use std::path::PathBuf;

use anyhow::Context;

/// Reads the configuration; `default_data_dir` is the OS app-data folder and
/// `default_pictures_dir` the OS pictures (or downloads) folder, when the OS has one.
pub fn from_env(
    default_data_dir: PathBuf,
    default_pictures_dir: Option<PathBuf>,
    default_documents_dir: Option<PathBuf>,
) -> anyhow::Result<linli_core::CoreConfig> {
    let base_url = std::env::var("LINLI_BACKEND_URL")
        .ok()
        .filter(|url| !url.trim().is_empty());
    let extra_root_ca_pem = match std::env::var_os("LINLI_BACKEND_CA") {
        Some(path) => Some(std::fs::read(&path).with_context(|| {
            format!("read LINLI_BACKEND_CA {}", PathBuf::from(&path).display())
        })?),
        None => None,
    };
    let data_dir = std::env::var_os("LINLI_DATA_DIR").map_or(default_data_dir, PathBuf::from);
    let pictures_dir = std::env::var_os("LINLI_PICTURES_DIR")
        .map(PathBuf::from)
        .or(default_pictures_dir)
        .unwrap_or_else(|| data_dir.join("pictures"));
    let documents_dir = std::env::var_os("LINLI_DOCUMENTS_DIR")
        .map(PathBuf::from)
        .or(default_documents_dir)
        .unwrap_or_else(|| data_dir.join("documents"));
    Ok(linli_core::CoreConfig {
        pictures_dir,
        documents_dir,
        cjk_font: std::env::var_os("LINLI_CJK_FONT").map(PathBuf::from),
        data_dir,
        base_url,
        extra_root_ca_pem,
        user_agent: format!("Linli/{} (desktop)", env!("CARGO_PKG_VERSION")),
        background: true,
        push: true,
        poll_interval: linli_core::DEFAULT_POLL_INTERVAL,
    })
}
