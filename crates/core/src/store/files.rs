//! Owner-only files: the data folder holds which account is signed in, each account's cache
//! (names, phone numbers, bills, tickets, passes) and the photos of reports not yet sent.
//!
//! Invariant: whatever the process umask, folders under the data folder are 0700 and files
//! 0600. New ones get that mode when they are made (the umask only clears bits; the mode is
//! set again after creation, so a looser leftover is tightened too), and [`secure`] walks the
//! data folder when the core opens and tightens what an older version or a copy left looser.
//! SQLite makes `-wal` and `-shm` with the mode of the database file, so [`touch`] creates the
//! file before SQLite opens it. Files the resident saves elsewhere (a receipt, a picture) are
//! theirs and keep the usual modes. On other platforms than Unix the folder's ACLs apply and
//! these functions only create.

use std::path::Path;

#[cfg(unix)]
const DIR_MODE: u32 = 0o700;
#[cfg(unix)]
const FILE_MODE: u32 = 0o600;

/// Creates `path` (and missing parents) owner-only, tightening it if it existed.
pub(crate) fn dir(path: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(DIR_MODE);
    }
    builder.create(path)?;
    restrict(path, true)
}

/// Creates the data folder owner-only and tightens everything already in it.
pub(crate) fn secure(data_dir: &Path) -> std::io::Result<()> {
    dir(data_dir)?;
    tighten(data_dir)
}

fn tighten(dir: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        // A file that vanished meanwhile (SQLite drops -wal/-shm on its last close) is fine.
        let kind = match entry.file_type() {
            Ok(kind) => kind,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => continue,
            Err(err) => return Err(err),
        };
        // Links are not followed: their targets are not ours to change.
        let done = if kind.is_dir() {
            restrict(&path, true).and_then(|()| tighten(&path))
        } else if kind.is_file() {
            restrict(&path, false)
        } else {
            Ok(())
        };
        match done {
            Err(err) if err.kind() != std::io::ErrorKind::NotFound => return Err(err),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(unix)]
fn restrict(path: &Path, is_dir: bool) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = if is_dir { DIR_MODE } else { FILE_MODE };
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn restrict(_: &Path, _: bool) -> std::io::Result<()> {
    Ok(())
}

/// Creates `path` empty and owner-only unless it exists (a database, before SQLite opens it).
pub(crate) fn touch(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(FILE_MODE);
    }
    options.open(path)?;
    restrict(path, false)
}

/// Writes `contents` to a new or replaced file `path`, owner-only.
pub(crate) async fn write(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use tokio::io::AsyncWriteExt as _;
    let mut options = tokio::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    options.mode(FILE_MODE);
    let mut file = options.open(path).await?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        file.set_permissions(std::fs::Permissions::from_mode(FILE_MODE))
            .await?;
    }
    file.write_all(contents).await?;
    file.flush().await
}
