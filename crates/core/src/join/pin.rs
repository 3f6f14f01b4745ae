//! The join probe's certificate check: a chain is accepted when one of its certificates has
//! the join link's pin as its SHA-256 and the chain verifies against that certificate alone as
//! the root (webpki: signatures, validity, the host name). The matching certificate is kept,
//! so the core can trust it from then on. Without a pin the probe trusts the public roots only,
//! like every other request.
//!
//! A chain with no pinned certificate is refused and remembered as a mismatch (the probe then
//! answers `pin-mismatch`, not a generic TLS error). Nothing here ever accepts a chain that
//! webpki did not verify.

use linli_wire::join::Pin;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};
use sha2::Digest as _;
use std::sync::{Arc, Mutex};

/// What the probe's handshakes saw.
#[derive(Debug, Default)]
pub(crate) struct Seen {
    /// The pinned certificate (DER), once a chain verified against it.
    pub(crate) matched: Option<Vec<u8>>,
    /// A chain came without the pinned certificate.
    pub(crate) mismatch: bool,
}

/// A verifier that accepts only chains that hold the pinned certificate and verify against it.
#[derive(Debug)]
pub(crate) struct PinVerifier {
    pin: Pin,
    provider: Arc<CryptoProvider>,
    seen: Arc<Mutex<Seen>>,
}

impl PinVerifier {
    pub(crate) fn new(pin: Pin, provider: Arc<CryptoProvider>) -> (Arc<Self>, Arc<Mutex<Seen>>) {
        let seen = Arc::new(Mutex::new(Seen::default()));
        let verifier = Arc::new(Self {
            pin,
            provider,
            seen: Arc::clone(&seen),
        });
        (verifier, seen)
    }

    fn seen(&self) -> std::sync::MutexGuard<'_, Seen> {
        self.seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
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
        let pinned = std::iter::once(end_entity)
            .chain(intermediates)
            .find(|cert| sha2::Sha256::digest(cert.as_ref()).as_slice() == self.pin.0);
        let Some(pinned) = pinned else {
            self.seen().mismatch = true;
            return Err(rustls::Error::General(
                "no certificate in the chain matches the pin".to_owned(),
            ));
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
        self.seen().matched = Some(pinned.to_vec());
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

/// A rustls client configuration that checks chains with [`PinVerifier`].
pub(crate) fn pinned_config(
    pin: Pin,
) -> Result<(rustls::ClientConfig, Arc<Mutex<Seen>>), rustls::Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let (verifier, seen) = PinVerifier::new(pin, Arc::clone(&provider));
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    // The probe makes one small request; HTTP/1.1 is all it needs.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok((config, seen))
}
