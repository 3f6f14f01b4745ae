//! `linli-server join-link`: a community's join link, with the pin of the data dir's CA (the
//! default) or of the server's own certificate (`--pin leaf`), and its QR code as a PNG.
//!
//! A CA pin survives renewing the server's certificate under that CA; a leaf pin trusts exactly
//! today's certificate, so residents who joined through it must join again with a new link
//! once the certificate is renewed (their app then answers `tls-error`).

use super::store;
use crate::tls::TlsFiles;
use anyhow::Context as _;
use linli_wire::join::{JoinLink, Pin};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject as _;
use sha2::Digest as _;
use sqlx::SqlitePool;
use std::path::Path;

/// What `join-link` prints (one JSON line).
#[derive(Debug, serde::Serialize)]
pub struct JoinLinkOutput {
    /// The join link.
    pub link: String,
    /// The community's name.
    pub community: String,
    /// The pin it carries (`sha256/…` of the DER of the CA's or the server's certificate).
    pub pin: String,
    /// Which certificate the pin names.
    pub pin_of: PinOf,
    /// Where the QR code was written, when asked.
    pub qr: Option<String>,
}

/// Which certificate a join link's pin names.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum PinOf {
    /// The CA in `tls/ca.pem`, which the server presents after its own certificate.
    #[default]
    Ca,
    /// The server's own certificate, `tls/server.pem`.
    Leaf,
}

/// The join link of the community named (or with the id) `community` on the backend at
/// `url`, pinned to the CA in `data_dir/tls/ca.pem` or to the server's certificate
/// (`data_dir/tls/server.pem`).
pub async fn join_link(
    db: &SqlitePool,
    data_dir: &Path,
    community: &str,
    url: &str,
    pin_of: PinOf,
) -> anyhow::Result<JoinLink> {
    let found = store::find(db, community)
        .await
        .context("read the communities")?
        .with_context(|| format!("no community is named {community:?} here"))?;
    let backend = url::Url::parse(url).with_context(|| format!("--url {url:?} is not a URL"))?;
    let files = TlsFiles::in_data_dir(data_dir);
    let file = match pin_of {
        PinOf::Ca => files.ca_cert.as_path(),
        PinOf::Leaf => files.server_cert(),
    };
    // The first certificate of the file: server.pem holds the server's own one only.
    let pinned = CertificateDer::from_pem_file(file)
        .with_context(|| format!("read {} (serve once first)", file.display()))?;
    let link = JoinLink {
        backend,
        community_id: found.id,
        community_name: Some(found.name),
        pin: Some(Pin(sha2::Sha256::digest(pinned.as_ref()).into())),
    };
    // What is printed must read back as the same link (an https URL, a clean base).
    JoinLink::parse(&link.to_string())
        .map_err(|err| anyhow::anyhow!("--url does not make a join link: {err}"))
}

/// Writes `text` as a QR code PNG (black on white, a quiet zone, 8 px per module).
pub fn write_qr_png(text: &str, path: &Path) -> anyhow::Result<()> {
    let code = qrcode::QrCode::new(text.as_bytes()).context("make the QR code")?;
    let picture = code
        .render::<image::Luma<u8>>()
        .module_dimensions(8, 8)
        .build();
    picture
        .save_with_format(path, image::ImageFormat::Png)
        .with_context(|| format!("write {}", path.display()))
}
