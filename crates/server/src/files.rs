//! Owner-only files: everything in the data dir is a secret or a resident's data (`linli.db`
//! holds the token signing seed, the refresh and SMS secrets, the pass signing keys, password
//! hashes and phone numbers; `uploads/` holds residents' photos; `tls/` the server's key).
//!
//! Invariant: whatever the process umask, directories under the data dir are 0700 and files
//! 0600. New ones get that mode when they are made (the umask only clears bits, and the mode
//! is set again after creation so a looser leftover is tightened too); [`secure`] walks the
//! data dir at start and tightens what an older version, a restore or a hand copy left
//! looser. SQLite makes `-wal` and `-shm` with the mode of the database file, so the file is
//! created here (0600) before SQLite opens it. On other platforms than Unix the modes are the
//! platform's (ACLs), and these functions only create.

use anyhow::Context;
use std::path::Path;

/// Mode of every directory under the data dir.
#[cfg(unix)]
pub const DIR_MODE: u32 = 0o700;
/// Mode of every file under the data dir.
#[cfg(unix)]
pub const FILE_MODE: u32 = 0o600;

/// Creates `path` (and its missing parents) owner-only, and tightens it if it existed.
pub fn dir(path: &Path) -> anyhow::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(DIR_MODE);
    }
    builder
        .create(path)
        .with_context(|| format!("create {}", path.display()))?;
    restrict(path, true)
}

/// Creates the data dir owner-only and tightens everything already in it.
pub fn secure(data_dir: &Path) -> anyhow::Result<()> {
    dir(data_dir)?;
    tighten(data_dir)
}

fn tighten(dir: &Path) -> anyhow::Result<()> {
    let entries = std::fs::read_dir(dir).with_context(|| format!("list {}", dir.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("list {}", dir.display()))?;
        let path = entry.path();
        // Not followed: a link may point anywhere, and its target is not ours to change.
        let kind = entry
            .file_type()
            .with_context(|| format!("inspect {}", path.display()))?;
        if kind.is_dir() {
            restrict(&path, true)?;
            tighten(&path)?;
        } else if kind.is_file() {
            restrict(&path, false)?;
        }
    }
    Ok(())
}

#[cfg(unix)]
fn restrict(path: &Path, is_dir: bool) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = if is_dir { DIR_MODE } else { FILE_MODE };
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .with_context(|| format!("make {} owner-only", path.display()))
}

#[cfg(not(unix))]
fn restrict(_: &Path, _: bool) -> anyhow::Result<()> {
    Ok(())
}

/// Options that create a file owner-only (the mode applies when the file is made).
pub fn options() -> std::fs::OpenOptions {
    let mut options = std::fs::OpenOptions::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(FILE_MODE);
    }
    options
}

/// The same for tokio (upload bytes are written from handlers).
pub fn async_options() -> tokio::fs::OpenOptions {
    let mut options = tokio::fs::OpenOptions::new();
    #[cfg(unix)]
    options.mode(FILE_MODE);
    options
}

/// Creates `path` empty and owner-only unless it exists (the database, before SQLite opens it).
pub fn touch(path: &Path) -> anyhow::Result<()> {
    options()
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .with_context(|| format!("create {}", path.display()))?;
    restrict(path, false)
}

/// Writes `contents` to `path` owner-only, replacing what was there, and syncs it.
pub fn write(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    use std::io::Write as _;
    let mut file = options()
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)
        .with_context(|| format!("create {}", path.display()))?;
    restrict(path, false)?;
    file.write_all(contents)
        .with_context(|| format!("write {}", path.display()))?;
    file.sync_all()
        .with_context(|| format!("sync {}", path.display()))
}

/// [`write`] from async code: a new file owner-only.
pub async fn write_async(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use tokio::io::AsyncWriteExt as _;
    let mut file = async_options()
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)
        .await?;
    file.write_all(contents).await?;
    file.flush().await
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt as _;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path)
            .expect("metadata")
            .permissions()
            .mode()
            & 0o777
    }

    #[test]
    fn secure_tightens_what_was_left_loose_and_leaves_links_alone() {
        let root = tempfile::tempdir().expect("tempdir");
        let data = root.path().join("data");
        std::fs::create_dir_all(data.join("uploads")).expect("mkdir");
        std::fs::write(data.join("uploads/photo"), b"x").expect("write");
        let outside = root.path().join("outside");
        std::fs::write(&outside, b"y").expect("write");
        for (path, m) in [(&data, 0o755), (&data.join("uploads"), 0o777)] {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(m)).expect("chmod");
        }
        std::fs::set_permissions(&outside, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        std::os::unix::fs::symlink(&outside, data.join("link")).expect("symlink");

        secure(&data).expect("secure");
        assert_eq!(mode(&data), 0o700, "the data dir");
        assert_eq!(mode(&data.join("uploads")), 0o700, "a folder in it");
        assert_eq!(mode(&data.join("uploads/photo")), 0o600, "a file in it");
        assert_eq!(
            mode(&outside),
            0o644,
            "a link's target outside is not changed"
        );
    }
}
