//! Secrets on the host: the data dir (database with its -wal/-shm, TLS key, uploaded photos)
//! is owner-only whatever the umask, a looser one is tightened at start, and the CA's private
//! key is not on disk.

use crate::uploads::{create, patch, photo};
use crate::{Fixture, access};
use linli_server::seed::LI_QIANG_PHONE;
use reqwest::StatusCode;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};

/// Every directory and file under `dir` (itself included) with its permission bits.
fn modes(dir: &Path) -> Vec<(PathBuf, bool, u32)> {
    let mut out = vec![(
        dir.to_owned(),
        true,
        std::fs::metadata(dir).expect("stat").permissions().mode() & 0o777,
    )];
    for entry in std::fs::read_dir(dir).expect("list") {
        let entry = entry.expect("entry");
        let meta = entry.metadata().expect("stat");
        if meta.is_dir() {
            out.extend(modes(&entry.path()));
        } else {
            out.push((entry.path(), false, meta.permissions().mode() & 0o777));
        }
    }
    out
}

fn assert_owner_only(data_dir: &Path, when: &str) {
    let all = modes(data_dir);
    let loose: Vec<String> = all
        .iter()
        .filter(|(_, is_dir, mode)| *mode != if *is_dir { 0o700 } else { 0o600 })
        .map(|(path, _, mode)| format!("{} {mode:o}", path.display()))
        .collect();
    assert!(
        loose.is_empty(),
        "{when}: every folder 0700 and file 0600, found {loose:?}"
    );
    for name in [
        "linli.db",
        "linli.db-wal",
        "linli.db-shm",
        "tls/server-key.pem",
    ] {
        assert!(
            all.iter().any(|(path, _, _)| path.ends_with(name)),
            "{when}: {name} is there and was checked"
        );
    }
    assert!(
        all.iter()
            .any(|(path, is_dir, _)| !is_dir
                && path.parent().is_some_and(|p| p.ends_with("uploads"))),
        "{when}: an uploaded photo was checked"
    );
    assert!(
        !data_dir.join("tls/ca-key.pem").exists(),
        "{when}: the CA's private key is not on disk"
    );
}

#[tokio::test]
async fn the_data_dir_is_owner_only_whatever_the_umask_and_tightened_at_start() {
    // The usual umask, which leaves new files world-readable unless the server says otherwise.
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o022));
    let fx = Fixture::start().await;
    let token = access(&fx.login(LI_QIANG_PHONE).await);
    let bytes = photo();
    let id = uuid::Uuid::now_v7();
    assert_eq!(
        create(&fx, &token, id, &bytes).await.status(),
        StatusCode::CREATED
    );
    assert_eq!(
        patch(&fx, &token, id, 0, &bytes, None).await.status(),
        StatusCode::NO_CONTENT,
        "the photo is uploaded whole"
    );
    let data_dir = fx.data_dir();
    assert_owner_only(&data_dir, "after the first start");
    let ca = std::fs::read(data_dir.join("tls/ca.pem")).expect("ca");

    // A data dir an older version (or a copy by hand) left readable, with the CA's key in it.
    for (path, is_dir, _) in modes(&data_dir) {
        let loose = if is_dir { 0o755 } else { 0o644 };
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(loose)).expect("loosen");
    }
    std::fs::write(
        data_dir.join("tls/ca-key.pem"),
        "-----BEGIN PRIVATE KEY-----\n",
    )
    .expect("an old CA key");
    let fx = fx.restart().await;
    let token = access(&fx.login(LI_QIANG_PHONE).await);
    assert_eq!(
        fx.get("/v1/me", &token).await.status(),
        StatusCode::OK,
        "the restarted server works with the tightened files"
    );
    assert_owner_only(&fx.data_dir(), "after a start on a loose data dir");
    assert_eq!(
        std::fs::read(fx.data_dir().join("tls/ca.pem")).expect("ca"),
        ca,
        "the CA certificate (the apps' trust and the join link's pin) stays"
    );
}
