//! Pinned trust: what a join link's pin (`linli_wire::join::Pin`, a SHA-256 of a certificate's
//! DER) makes the core trust for one backend, and the rustls verifier that checks it.
//!
//! A pin names one of two kinds of certificate, and which one it matched is kept ([`Pinned`]):
//! - **a CA** in the presented chain (the reference server's own CA): the chain must verify
//!   against that certificate alone as the root (webpki: signatures, validity, the host name).
//!   After joining the CA is an extra root of the backend's client (`crate::http`), so the
//!   backend may renew its certificate under that CA.
//! - **the leaf**, the backend's own certificate (a property company's self-made one): exactly
//!   that certificate is trusted, for that backend only. It must still be within its validity
//!   period and name the host (webpki's name check), and the handshake signature is verified
//!   with its key as in any TLS connection, so only the holder of its private key can present
//!   it. No CA and no public root is trusted for a leaf-pinned backend: the same verifier checks
//!   every later request, so a renewed certificate fails with the ordinary TLS error until the
//!   resident joins again with a new link. That is what a leaf pin means.
//!
//! The join probe ([`probe_config`]) tries the leaf first, then the CAs in the chain; a chain
//! with no pinned certificate is remembered as a mismatch (the probe then answers
//! `pin-mismatch`, not a generic TLS error). Nothing here accepts a certificate that is not the
//! pinned one or that webpki did not check.

use linli_wire::join::Pin;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};
use sha2::Digest as _;
use std::sync::{Arc, Mutex};

/// The certificate a join link's pin matched, trusted for that backend from then on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Pinned {
    /// A CA certificate (DER) from the presented chain.
    Ca(Vec<u8>),
    /// The backend's own certificate (DER): exactly this one is trusted.
    Leaf(Vec<u8>),
}

impl Pinned {
    /// How `app.db` names the kind (`backend.pin_kind`).
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Self::Ca(_) => "ca",
            Self::Leaf(_) => "leaf",
        }
    }

    /// The certificate's DER.
    pub(crate) fn der(&self) -> &[u8] {
        match self {
            Self::Ca(der) | Self::Leaf(der) => der,
        }
    }

    /// Reads what `app.db` keeps; `None` for an unknown kind.
    pub(crate) fn from_kind(kind: &str, der: Vec<u8>) -> Option<Self> {
        match kind {
            "ca" => Some(Self::Ca(der)),
            "leaf" => Some(Self::Leaf(der)),
            _ => None,
        }
    }
}

/// What the probe's handshakes saw.
#[derive(Debug, Default)]
pub(crate) struct Seen {
    /// The pinned certificate, once it was checked.
    pub(crate) matched: Option<Pinned>,
    /// A chain came without the pinned certificate.
    pub(crate) mismatch: bool,
}

/// Where the verifier may find the pinned certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Accept {
    /// The join probe: the leaf or a CA in the chain.
    LeafOrCa,
    /// A leaf-pinned backend after joining: the leaf only.
    LeafOnly,
}

/// A verifier that accepts only the pinned certificate (see the module's text).
#[derive(Debug)]
struct PinVerifier {
    pin: Pin,
    accept: Accept,
    provider: Arc<CryptoProvider>,
    seen: Arc<Mutex<Seen>>,
}

impl PinVerifier {
    fn seen(&self) -> std::sync::MutexGuard<'_, Seen> {
        self.seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn mismatch(&self, why: &str) -> rustls::Error {
        self.seen().mismatch = true;
        rustls::Error::General(why.to_owned())
    }
}

/// The SHA-256 of a certificate, as a pin.
pub(crate) fn pin_of(der: &[u8]) -> Pin {
    Pin(sha2::Sha256::digest(der).into())
}

/// The leaf's own checks: it must be within its validity period and name `server_name`.
fn check_leaf(
    end_entity: &CertificateDer<'_>,
    server_name: &ServerName<'_>,
    now: UnixTime,
) -> Result<(), rustls::Error> {
    let parsed = ParsedCertificate::try_from(end_entity)?;
    rustls::client::verify_server_name(&parsed, server_name)?;
    // webpki checks validity only while building a chain to a root; a pinned leaf has none,
    // so its dates are read here.
    use x509_cert::der::Decode as _;
    let cert = x509_cert::Certificate::from_der(end_entity.as_ref())
        .map_err(|_| rustls::Error::InvalidCertificate(CertificateError::BadEncoding))?;
    let validity = &cert.tbs_certificate.validity;
    let not_before = UnixTime::since_unix_epoch(validity.not_before.to_unix_duration());
    let not_after = UnixTime::since_unix_epoch(validity.not_after.to_unix_duration());
    if now.as_secs() < not_before.as_secs() {
        return Err(CertificateError::NotValidYetContext {
            time: now,
            not_before,
        }
        .into());
    }
    if now.as_secs() > not_after.as_secs() {
        return Err(CertificateError::ExpiredContext {
            time: now,
            not_after,
        }
        .into());
    }
    Ok(())
}

impl ServerCertVerifier for PinVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if pin_of(end_entity.as_ref()) == self.pin {
            check_leaf(end_entity, server_name, now)?;
            self.seen().matched = Some(Pinned::Leaf(end_entity.to_vec()));
            // The handshake signature is still checked (verify_tls1x_signature below).
            return Ok(ServerCertVerified::assertion());
        }
        if self.accept == Accept::LeafOnly {
            return Err(self.mismatch(
                "the backend's certificate is not the pinned one (join again with a new link)",
            ));
        }
        let Some(pinned) = intermediates
            .iter()
            .find(|cert| pin_of(cert.as_ref()) == self.pin)
        else {
            return Err(self.mismatch("no certificate in the chain matches the pin"));
        };
        let mut roots = RootCertStore::empty();
        roots.add(pinned.clone().into_owned())?;
        let webpki = WebPkiServerVerifier::builder_with_provider(
            Arc::new(roots),
            Arc::clone(&self.provider),
        )
        .build()
        .map_err(|err| rustls::Error::General(format!("the pinned CA: {err}")))?;
        let verified = webpki.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        )?;
        self.seen().matched = Some(Pinned::Ca(pinned.to_vec()));
        Ok(verified)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

fn config(
    pin: Pin,
    accept: Accept,
) -> Result<(rustls::ClientConfig, Arc<Mutex<Seen>>), rustls::Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let seen = Arc::new(Mutex::new(Seen::default()));
    let verifier = Arc::new(PinVerifier {
        pin,
        accept,
        provider: Arc::clone(&provider),
        seen: Arc::clone(&seen),
    });
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    Ok((config, seen))
}

/// The join probe's rustls configuration: the pin may name the leaf or a CA in the chain;
/// `Seen` tells which matched, or that none did.
pub(crate) fn probe_config(
    pin: Pin,
) -> Result<(rustls::ClientConfig, Arc<Mutex<Seen>>), rustls::Error> {
    let (mut config, seen) = config(pin, Accept::LeafOrCa)?;
    // The probe makes one small request; HTTP/1.1 is all it needs.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok((config, seen))
}

/// The rustls configuration of a leaf-pinned backend's client: exactly the certificate
/// `leaf_der`, for every request after joining.
pub(crate) fn leaf_config(leaf_der: &[u8]) -> Result<rustls::ClientConfig, rustls::Error> {
    let (mut config, _) = config(pin_of(leaf_der), Accept::LeafOnly)?;
    // As reqwest offers for its own configurations (a preconfigured one is used as is).
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A self-made certificate for `names`, valid from `from` to `until` days from now.
    fn leaf(names: &[&str], from: i64, until: i64) -> CertificateDer<'static> {
        let mut params = rcgen::CertificateParams::new(
            names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>(),
        )
        .expect("params");
        let now = time::OffsetDateTime::now_utc();
        params.not_before = now + time::Duration::days(from);
        params.not_after = now + time::Duration::days(until);
        let key = rcgen::KeyPair::generate().expect("key");
        params.self_signed(&key).expect("certificate").der().clone()
    }

    fn name(host: &str) -> ServerName<'static> {
        ServerName::try_from(host.to_owned()).expect("a server name")
    }

    fn leaf_verifier(der: &[u8]) -> PinVerifier {
        PinVerifier {
            pin: pin_of(der),
            accept: Accept::LeafOnly,
            provider: Arc::new(rustls::crypto::ring::default_provider()),
            seen: Arc::default(),
        }
    }

    #[test]
    fn a_pinned_leaf_is_accepted_only_for_its_names_and_dates() {
        let now = UnixTime::now();
        let good = leaf(&["wuye.example.cn", "127.0.0.1"], -1, 30);
        let verifier = leaf_verifier(good.as_ref());
        for host in ["wuye.example.cn", "127.0.0.1"] {
            verifier
                .verify_server_cert(&good, &[], &name(host), &[], now)
                .unwrap_or_else(|err| panic!("the pinned leaf names {host}: {err}"));
        }
        assert_eq!(
            verifier.seen().matched,
            Some(Pinned::Leaf(good.to_vec())),
            "the leaf is what is kept"
        );
        let err = verifier
            .verify_server_cert(&good, &[], &name("other.example.cn"), &[], now)
            .expect_err("the pin does not make the leaf good for another host");
        assert!(
            matches!(
                err,
                rustls::Error::InvalidCertificate(
                    CertificateError::NotValidForNameContext { .. }
                        | CertificateError::NotValidForName
                )
            ),
            "a name error: {err:?}"
        );

        let expired = leaf(&["wuye.example.cn"], -30, -1);
        let err = leaf_verifier(expired.as_ref())
            .verify_server_cert(&expired, &[], &name("wuye.example.cn"), &[], now)
            .expect_err("an expired pinned leaf is refused");
        assert!(
            matches!(
                err,
                rustls::Error::InvalidCertificate(CertificateError::ExpiredContext { .. })
            ),
            "the dates are checked though no chain is built: {err:?}"
        );
        let early = leaf(&["wuye.example.cn"], 1, 30);
        let err = leaf_verifier(early.as_ref())
            .verify_server_cert(&early, &[], &name("wuye.example.cn"), &[], now)
            .expect_err("a pinned leaf not valid yet is refused");
        assert!(
            matches!(
                err,
                rustls::Error::InvalidCertificate(CertificateError::NotValidYetContext { .. })
            ),
            "not before its first day: {err:?}"
        );
    }

    #[test]
    fn after_joining_only_the_pinned_leaf_is_accepted() {
        let pinned = leaf(&["wuye.example.cn"], -1, 30);
        let renewed = leaf(&["wuye.example.cn"], -1, 60);
        let verifier = leaf_verifier(pinned.as_ref());
        verifier
            .verify_server_cert(
                &renewed,
                std::slice::from_ref(&pinned),
                &name("wuye.example.cn"),
                &[],
                UnixTime::now(),
            )
            .expect_err("another leaf is refused, even with the pinned one further in the chain");
        assert!(verifier.seen().mismatch, "remembered as a mismatch");
    }
}
