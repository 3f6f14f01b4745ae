//! What a join link leads to: the public community endpoints, the join page, the CA in the
//! presented chain, and `linli-server join-link` (its link parses, its pin is the CA's or with
//! `--pin leaf` the server certificate's, its QR code decodes back to the same link).

use super::{Fixture, expect_problem};
use linli_wire::join::{JoinLink, Pin};
use reqwest::{Method, StatusCode};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject as _;
use serde_json::Value;
use sha2::Digest as _;

async fn community_list(fx: &Fixture) -> Vec<Value> {
    let response = fx
        .request(Method::GET, "/v1/communities", None)
        .send()
        .await
        .expect("list");
    assert_eq!(response.status(), StatusCode::OK, "the list needs no token");
    let body: Value = response.json().await.expect("json");
    body["items"].as_array().expect("items").clone()
}

#[tokio::test]
async fn a_community_is_described_without_a_token() {
    let fx = Fixture::start().await;
    let items = community_list(&fx).await;
    let cuihu = items
        .iter()
        .find(|c| c["name"] == "翠湖花园")
        .expect("the demo community is listed");
    let id = cuihu["id"].as_str().expect("id");

    let response = fx
        .request(Method::GET, &format!("/v1/communities/{id}"), None)
        .send()
        .await
        .expect("one");
    assert_eq!(response.status(), StatusCode::OK, "no token needed");
    let one: Value = response.json().await.expect("json");
    assert_eq!(&one, cuihu, "the same community as in the list");
    for member in ["address", "property_company", "service_phone"] {
        assert!(
            one[member].as_str().is_some_and(|v| !v.is_empty()),
            "{member} is shown before joining: {one}"
        );
    }

    let unknown = uuid::Uuid::now_v7();
    let response = fx
        .request(Method::GET, &format!("/v1/communities/{unknown}"), None)
        .send()
        .await
        .expect("unknown");
    expect_problem(response, 404, "not-found").await;

    let page = fx
        .request(Method::GET, &format!("/join/{id}"), None)
        .send()
        .await
        .expect("page");
    assert_eq!(
        page.status(),
        StatusCode::OK,
        "a browser opening the link gets a page"
    );
    let html = page.text().await.expect("html");
    assert!(
        html.contains("加入翠湖花园"),
        "the page names the community: {html}"
    );
}

#[tokio::test]
async fn join_link_prints_a_pinned_link_and_its_qr_code() {
    let fx = Fixture::start().await;
    let data_dir = fx._dir.path().join("server");
    let qr = fx._dir.path().join("join.png");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_linli-server"))
        .arg("join-link")
        .arg("--data-dir")
        .arg(&data_dir)
        .args(["--community", "翠湖花园", "--url", &fx.server.url, "--qr"])
        .arg(&qr)
        .output()
        .expect("run linli-server join-link");
    assert!(
        output.status.success(),
        "join-link succeeds: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let printed: Value = serde_json::from_slice(&output.stdout).expect("one JSON line");
    let text = printed["link"].as_str().expect("link");
    let link = JoinLink::parse(text).expect("the printed link is a join link");
    assert_eq!(link.backend_url(), fx.server.url, "it names this backend");
    assert_eq!(link.community_name.as_deref(), Some("翠湖花园"));

    let ca = CertificateDer::from_pem_file(&fx.server.ca_path).expect("the CA");
    let expected = Pin(sha2::Sha256::digest(ca.as_ref()).into());
    assert_eq!(
        link.pin,
        Some(expected),
        "the pin is the SHA-256 of the CA's DER"
    );
    assert_eq!(printed["pin"], expected.to_string());
    assert_eq!(printed["pin_of"], "ca", "the CA by default, as before");

    let items = community_list(&fx).await;
    let cuihu = items
        .iter()
        .find(|c| c["name"] == "翠湖花园")
        .expect("listed");
    assert_eq!(
        cuihu["id"].as_str(),
        Some(link.community_id.to_string().as_str()),
        "the link's community exists on the backend"
    );

    let picture = image::open(&qr).expect("a PNG was written").to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(picture);
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the picture");
    let (_, content) = grids[0].decode().expect("the QR code decodes");
    assert_eq!(content, text, "the QR code holds the printed link");

    let refused = std::process::Command::new(env!("CARGO_BIN_EXE_linli-server"))
        .arg("join-link")
        .arg("--data-dir")
        .arg(&data_dir)
        .args(["--community", "没有这个小区", "--url", &fx.server.url])
        .output()
        .expect("run");
    assert!(!refused.status.success(), "an unknown community is refused");
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("没有这个小区"),
        "and named in the error"
    );
}

#[tokio::test]
async fn join_link_pin_leaf_prints_the_server_certificate_s_sha256() {
    let fx = Fixture::start().await;
    let data_dir = fx._dir.path().join("server");
    let run = |pin: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_linli-server"))
            .arg("join-link")
            .arg("--data-dir")
            .arg(&data_dir)
            .args([
                "--community",
                "翠湖花园",
                "--url",
                &fx.server.url,
                "--pin",
                pin,
            ])
            .output()
            .expect("run linli-server join-link")
    };
    let output = run("leaf");
    assert!(
        output.status.success(),
        "join-link --pin leaf succeeds: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let printed: Value = serde_json::from_slice(&output.stdout).expect("one JSON line");
    let link = JoinLink::parse(printed["link"].as_str().expect("link")).expect("a join link");
    let leaf = CertificateDer::from_pem_file(data_dir.join("tls/server.pem")).expect("the leaf");
    let expected = Pin(sha2::Sha256::digest(leaf.as_ref()).into());
    assert_eq!(
        link.pin,
        Some(expected),
        "the pin is the SHA-256 of the server certificate's DER"
    );
    assert_eq!(printed["pin"], expected.to_string(), "and is printed");
    assert_eq!(
        printed["pin_of"], "leaf",
        "it says which certificate it names"
    );
    let ca = CertificateDer::from_pem_file(&fx.server.ca_path).expect("the CA");
    assert_ne!(
        Some(Pin(sha2::Sha256::digest(ca.as_ref()).into())),
        link.pin,
        "not the CA's pin"
    );

    let refused = run("both");
    assert!(
        !refused.status.success(),
        "--pin takes only ca or leaf: {}",
        String::from_utf8_lossy(&refused.stdout)
    );
}

#[tokio::test]
async fn the_server_presents_its_ca_after_its_certificate() {
    use std::sync::{Arc, Mutex};
    #[derive(Debug)]
    struct Capture(Mutex<Vec<Vec<u8>>>, Arc<rustls::crypto::CryptoProvider>);
    impl rustls::client::danger::ServerCertVerifier for Capture {
        fn verify_server_cert(
            &self,
            end_entity: &CertificateDer<'_>,
            intermediates: &[CertificateDer<'_>],
            _: &rustls::pki_types::ServerName<'_>,
            _: &[u8],
            _: rustls::pki_types::UnixTime,
        ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
            let mut seen = self.0.lock().expect("lock");
            seen.push(end_entity.to_vec());
            seen.extend(intermediates.iter().map(|c| c.to_vec()));
            // Only looking: this test's client never sends anything that matters.
            Ok(rustls::client::danger::ServerCertVerified::assertion())
        }
        fn verify_tls12_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &rustls::DigitallySignedStruct,
        ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
            rustls::crypto::verify_tls12_signature(
                message,
                cert,
                dss,
                &self.1.signature_verification_algorithms,
            )
        }
        fn verify_tls13_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &rustls::DigitallySignedStruct,
        ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
            rustls::crypto::verify_tls13_signature(
                message,
                cert,
                dss,
                &self.1.signature_verification_algorithms,
            )
        }
        fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
            self.1.signature_verification_algorithms.supported_schemes()
        }
    }
    let fx = Fixture::start().await;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let capture = Arc::new(Capture(Mutex::default(), provider.clone()));
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .dangerous()
        .with_custom_certificate_verifier(capture.clone())
        .with_no_client_auth();
    let client = reqwest::Client::builder()
        .use_preconfigured_tls(config)
        .build()
        .expect("client");
    let response = client
        .get(format!("{}/v1/health", fx.server.url))
        .send()
        .await
        .expect("health");
    assert_eq!(response.status(), StatusCode::OK);
    let ca = CertificateDer::from_pem_file(&fx.server.ca_path).expect("the CA");
    let seen = capture.0.lock().expect("lock").clone();
    assert_eq!(seen.len(), 2, "leaf and CA are presented");
    assert_eq!(
        seen[1],
        ca.to_vec(),
        "the CA comes after the server's certificate"
    );
    let leaf = CertificateDer::from_pem_file(fx._dir.path().join("server/tls/server.pem"))
        .expect("the leaf");
    assert_eq!(
        seen[0],
        leaf.to_vec(),
        "the certificate presented first is server.pem's, which `--pin leaf` pins"
    );
}
