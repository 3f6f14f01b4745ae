//! HTTPS material for the reference backend.
//!
//! On first start the server makes a private certificate authority and a certificate for
//! `localhost`, `127.0.0.1` and `::1` signed by it, and keeps them in `<data_dir>/tls/`:
//! `ca.pem` (give this to the app: `LINLI_BACKEND_CA`), `server.pem`, `server-key.pem`
//! (owner-only, like everything in the data dir: [`crate::files`]). Later starts reuse them, so
//! an app that trusted the CA keeps working. The server presents its certificate followed by
//! the CA's, so a join link may pin the CA or the server's certificate itself (`linli-server
//! join-link [--pin leaf]`).
//!
//! The CA's private key never reaches the disk: [`TlsFiles::issue`] hands it to its caller,
//! and the server drops it, so a copy of the data dir cannot mint certificates the apps would
//! trust (an older data dir's `ca-key.pem` is deleted at start). Renewing the server's
//! certificate under the same CA ([`TlsFiles::renew_server_cert`]) needs that key from
//! wherever its keeper holds it (tests keep it in memory); without it, a re-issue (the server
//! certificate or the `tls/` folder deleted) makes a new CA: its pin differs, `join-link`
//! prints the new link, and apps that joined by the old one join again. A property company
//! running its own backend uses its own certificate from a public CA instead.

use anyhow::Context;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where the TLS files of a data dir live.
#[derive(Clone, Debug)]
pub struct TlsFiles {
    /// The CA certificate clients trust.
    pub ca_cert: PathBuf,
    /// Where older versions kept the CA's key; deleted when found.
    old_ca_key: PathBuf,
    server_cert: PathBuf,
    server_key: PathBuf,
}

impl TlsFiles {
    /// The files under `<data_dir>/tls/`.
    pub fn in_data_dir(data_dir: &Path) -> Self {
        let dir = data_dir.join("tls");
        Self {
            ca_cert: dir.join("ca.pem"),
            old_ca_key: dir.join("ca-key.pem"),
            server_cert: dir.join("server.pem"),
            server_key: dir.join("server-key.pem"),
        }
    }

    /// Creates the CA and server certificate unless both already exist; deletes a CA key an
    /// older version left behind. The CA's key of a new set is dropped.
    pub fn ensure(&self) -> anyhow::Result<()> {
        self.delete_old_ca_key()?;
        if self.ca_cert.exists() && self.server_cert.exists() && self.server_key.exists() {
            return Ok(());
        }
        self.issue().map(drop)
    }

    fn delete_old_ca_key(&self) -> anyhow::Result<()> {
        match std::fs::remove_file(&self.old_ca_key) {
            Ok(()) => tracing::info!("deleted the CA's private key an older version kept"),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => {
                return Err(err).with_context(|| format!("delete {}", self.old_ca_key.display()));
            }
        }
        Ok(())
    }

    /// Makes a new CA and server certificate (replacing any), writes the certificates and the
    /// server's key, and hands back the CA's private key (PEM) without writing it: the caller
    /// keeps it offline to renew under the same CA later, or drops it.
    pub fn issue(&self) -> anyhow::Result<String> {
        let dir = self.ca_cert.parent().context("tls dir")?;
        crate::files::dir(dir)?;
        let now = time_now();
        let ca_key = KeyPair::generate().context("generate the CA key")?;
        let ca_cert = ca_params(now)?
            .self_signed(&ca_key)
            .context("sign the CA certificate")?;
        self.write_server_cert(&ca_cert, &ca_key, now)?;
        // The CA certificate last: its presence means the set is complete.
        crate::files::write(&self.ca_cert, ca_cert.pem().as_bytes())?;
        Ok(ca_key.serialize_pem())
    }

    /// Renews the server's certificate: a new key and certificate for the same names, signed
    /// by the same CA, whose key (`ca_key_pem`, from [`Self::issue`]) its keeper provides (an
    /// app that trusts the CA keeps working; one that pinned the old certificate itself does
    /// not). Takes effect at the next start.
    pub fn renew_server_cert(&self, ca_key_pem: &str) -> anyhow::Result<()> {
        let ca_key = KeyPair::from_pem(ca_key_pem).context("parse the CA key")?;
        // The issuer's name and key are what the new certificate records of its CA; they are
        // those of ca.pem (the same distinguished name and key).
        let now = time_now();
        let issuer = ca_params(now)?
            .self_signed(&ca_key)
            .context("the CA as issuer")?;
        self.write_server_cert(&issuer, &ca_key, now)
    }

    fn write_server_cert(
        &self,
        ca_cert: &rcgen::Certificate,
        ca_key: &KeyPair,
        now: time::OffsetDateTime,
    ) -> anyhow::Result<()> {
        let leaf_key = KeyPair::generate().context("generate the server key")?;
        let leaf_cert = leaf_params(now)?
            .signed_by(&leaf_key, ca_cert, ca_key)
            .context("sign the server certificate")?;
        crate::files::write(&self.server_key, leaf_key.serialize_pem().as_bytes())?;
        crate::files::write(&self.server_cert, leaf_cert.pem().as_bytes())
    }

    /// The server's own certificate (PEM), which a join link may pin instead of the CA.
    pub fn server_cert(&self) -> &Path {
        &self.server_cert
    }

    /// The CA certificate as PEM text.
    pub fn ca_pem(&self) -> anyhow::Result<String> {
        std::fs::read_to_string(&self.ca_cert)
            .with_context(|| format!("read {}", self.ca_cert.display()))
    }

    /// A rustls server configuration (TLS 1.2 and 1.3, h2 and http/1.1); the chain is the
    /// server's certificate, then the CA's.
    pub fn server_config(&self) -> anyhow::Result<Arc<ServerConfig>> {
        let mut certs = CertificateDer::pem_file_iter(&self.server_cert)
            .with_context(|| format!("read {}", self.server_cert.display()))?
            .collect::<Result<Vec<_>, _>>()
            .context("parse the server certificate")?;
        // The chain ends with the CA, so an app joining through a pinned link finds it there
        // by its SHA-256 (clients that trust the CA already ignore the extra certificate).
        certs.extend(
            CertificateDer::pem_file_iter(&self.ca_cert)
                .with_context(|| format!("read {}", self.ca_cert.display()))?
                .collect::<Result<Vec<_>, _>>()
                .context("parse the CA certificate")?,
        );
        let key = PrivateKeyDer::from_pem_file(&self.server_key)
            .with_context(|| format!("read {}", self.server_key.display()))?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .context("TLS protocol versions")?
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .context("TLS certificate and key")?;
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }
}

/// The private CA: its name is what every certificate it signs names as issuer.
fn ca_params(now: time::OffsetDateTime) -> anyhow::Result<CertificateParams> {
    let mut ca = CertificateParams::new(Vec::<String>::new()).context("CA parameters")?;
    ca.distinguished_name = name("Linli Demo Local CA");
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    ca.not_before = now - time::Duration::days(1);
    ca.not_after = now + time::Duration::days(3650);
    Ok(ca)
}

/// The server's certificate for the loopback names.
fn leaf_params(now: time::OffsetDateTime) -> anyhow::Result<CertificateParams> {
    let mut leaf = CertificateParams::new(vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ])
    .context("server certificate parameters")?;
    leaf.distinguished_name = name("localhost");
    leaf.is_ca = IsCa::ExplicitNoCa;
    leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    leaf.not_before = now - time::Duration::days(1);
    // Within the 398-day limit platforms enforce for server certificates.
    leaf.not_after = now + time::Duration::days(397);
    Ok(leaf)
}

fn name(common_name: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, common_name);
    dn.push(DnType::OrganizationName, "Linli reference backend");
    dn
}

fn time_now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificates_are_made_once_and_reused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let files = TlsFiles::in_data_dir(dir.path());
        files.ensure().expect("first start creates them");
        let first = files.ca_pem().expect("ca");
        files.ensure().expect("second start");
        assert_eq!(
            files.ca_pem().expect("ca"),
            first,
            "the CA survives a restart"
        );
        files.server_config().expect("rustls accepts the pair");
        assert!(
            !dir.path().join("tls/ca-key.pem").exists(),
            "the CA's private key is not kept once the server certificate is signed"
        );
    }

    /// A data dir from before kept the CA's key: the next start deletes it and keeps the CA
    /// certificate (the pin) as it was.
    #[test]
    fn an_old_ca_key_is_deleted_at_start() {
        let dir = tempfile::tempdir().expect("tempdir");
        let files = TlsFiles::in_data_dir(dir.path());
        files.ensure().expect("first start");
        let ca = files.ca_pem().expect("ca");
        let old = dir.path().join("tls/ca-key.pem");
        std::fs::write(&old, "-----BEGIN PRIVATE KEY-----\n").expect("an old key");
        files.ensure().expect("second start");
        assert!(!old.exists(), "the leftover CA key is gone");
        assert_eq!(files.ca_pem().expect("ca"), ca, "the CA certificate stays");
    }

    #[test]
    fn a_renewed_certificate_is_new_and_signed_by_the_same_ca() {
        use rustls::client::danger::ServerCertVerifier as _;
        let dir = tempfile::tempdir().expect("tempdir");
        let files = TlsFiles::in_data_dir(dir.path());
        let ca_key = files.issue().expect("first start creates them");
        let ca = files.ca_pem().expect("ca");
        let old = CertificateDer::from_pem_file(files.server_cert()).expect("old leaf");
        files.renew_server_cert(&ca_key).expect("renewed");
        let new = CertificateDer::from_pem_file(files.server_cert()).expect("new leaf");
        assert_ne!(old, new, "a new certificate");
        assert_eq!(files.ca_pem().expect("ca"), ca, "under the same CA");
        files.server_config().expect("rustls accepts the new pair");

        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(CertificateDer::from_pem_file(&files.ca_cert).expect("ca"))
            .expect("a root");
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let verifier =
            rustls::client::WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .expect("verifier");
        verifier
            .verify_server_cert(
                &new,
                &[],
                &rustls::pki_types::ServerName::try_from("localhost").expect("name"),
                &[],
                rustls::pki_types::UnixTime::now(),
            )
            .expect("the renewed certificate chains to the CA an app already trusts");
    }
}
