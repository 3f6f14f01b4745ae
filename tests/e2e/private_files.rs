//! The core's data folder (app.db, each account's cache.db with its -wal/-shm, photos kept for
//! reports) is owner-only whatever the umask, and a looser one is tightened when the core opens.

use crate::support::Env;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};

/// Every folder and file under `dir` (itself included) with its permission bits.
fn modes(dir: &Path) -> Vec<(PathBuf, bool, u32)> {
    let mut out = vec![(
        dir.to_owned(),
        true,
        std::fs::metadata(dir).expect("stat").permissions().mode() & 0o777,
    )];
    for entry in std::fs::read_dir(dir).expect("list") {
        let entry = entry.expect("entry");
        let Ok(meta) = entry.metadata() else {
            continue; // -wal/-shm dropped by a closing connection meanwhile
        };
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
    for name in ["app.db", "cache.db", "cache.db-wal"] {
        assert!(
            all.iter().any(|(path, _, _)| path.ends_with(name)),
            "{when}: {name} is there and was checked"
        );
    }
    assert!(
        all.iter()
            .any(|(path, _, _)| path.parent().is_some_and(|p| p.ends_with("photos"))),
        "{when}: a kept photo was checked"
    );
}

#[tokio::test]
async fn the_data_folder_is_owner_only_whatever_the_umask_and_tightened_at_open() {
    // The usual umask, which leaves new files world-readable unless the core says otherwise.
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o022));
    let env = Env::start().await;
    let (core, _) = env.signed_in().await;
    let mut png = Vec::new();
    image::DynamicImage::ImageRgb8(image::RgbImage::from_fn(64, 48, |x, y| {
        image::Rgb([x as u8, y as u8, 7])
    }))
    .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
    .expect("png");
    use base64::Engine as _;
    core.prepare_photo_data(&base64::engine::general_purpose::STANDARD.encode(&png))
        .await
        .expect("a photo kept for a report");
    core.sync_now().await.expect("sync");
    assert_owner_only(env.dir.path(), "after sign-in, a sync and a photo");
    core.shutdown().await;

    for (path, is_dir, _) in modes(env.dir.path()) {
        let loose = if is_dir { 0o755 } else { 0o644 };
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(loose)).expect("loosen");
    }
    let core = env.open_core().await;
    core.sync_now().await.expect("the reopened core works");
    assert_owner_only(env.dir.path(), "after opening a loose data folder");
    core.shutdown().await;
}
