//! The credential checked by libraries nobody here wrote: PyPI's `cwt`, `pycose` and `base45`.
//!
//! Runs when `LINLI_PYTHON` names a Python with those packages (`cargo xtask test` makes a
//! virtualenv under target/ and sets it); otherwise it says it was skipped.

use base64::Engine;
use ed25519_dalek::SigningKey;
use linli_pass::{Claims, issue};
use std::io::Write;
use std::process::{Command, Stdio};
use uuid::Uuid;

#[test]
fn pass_verifies_with_pypi_cwt_and_pycose() {
    let Ok(python) = std::env::var("LINLI_PYTHON") else {
        eprintln!("skipped: set LINLI_PYTHON to a Python with cwt, pycose and base45");
        return;
    };
    let signing = SigningKey::generate(&mut rand::rngs::OsRng);
    let now = i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .as_secs(),
    )
    .expect("seconds");
    let claims = Claims {
        pass_id: Uuid::now_v7(),
        community_id: Uuid::now_v7(),
        not_before: now - 60,
        expires: now + 4 * 3600,
        max_entries: 2,
        gate_groups: vec!["pedestrian".to_owned(), "vehicle".to_owned()],
        initials: "李*".to_owned(),
        schedule: Some(linli_pass::Schedule {
            weekdays: 0b001_0101,
            from_minute: 8 * 60,
            until_minute: 18 * 60,
            utc_offset_minutes: 480,
        }),
    };
    let payload = issue(&claims, &signing, b"cuihu-2026").expect("issue");
    let request = serde_json::json!({
        "payload": payload,
        "public_key_x": base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(signing.verifying_key().as_bytes()),
        "kid": hex::encode(b"cuihu-2026"),
        "community_id": claims.community_id.to_string(),
        "pass_id": claims.pass_id.to_string(),
    });
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/verify_pass.py");
    let mut child = Command::new(python)
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start python");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(request.to_string().as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("python ran");
    assert!(
        out.status.success(),
        "independent verifiers refused the pass:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("{}", String::from_utf8_lossy(&out.stdout));
}
