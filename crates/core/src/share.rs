//! Sharing a picture (a visitor pass card, later a receipt): saving it to the resident's
//! pictures folder and handing its pixels to the clipboard.
//!
//! The face draws the card (QR, visitor, window, code) because it owns fonts and layout; it
//! hands the core a PNG data URL. The core never trusts that blob: it must be a PNG
//! whose header is read before any pixels, no larger than [`MAX_CARD_BYTES`] and
//! [`MAX_CARD_SIDE`] on a side, or it is refused with `validation-failed` and nothing is
//! written. A saved card is written to a hidden part-file and renamed into place, so the
//! pictures folder never holds half a picture, and an existing picture is never overwritten.

use std::path::{Path, PathBuf};

use base64::Engine as _;

use crate::error::{Error, StorageContext};

/// The largest card accepted, encoded.
pub const MAX_CARD_BYTES: usize = 8 * 1024 * 1024;
/// The largest card accepted, in pixels on a side.
pub const MAX_CARD_SIDE: u32 = 4096;

/// A share card: its PNG bytes and size, checked.
#[derive(Clone, Debug)]
pub struct ShareCard {
    /// The PNG file.
    pub png: Vec<u8>,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

impl ShareCard {
    /// Checks a `data:image/png;base64,` URL and its PNG header.
    pub fn from_data_url(data_url: &str) -> Result<Self, Error> {
        let encoded = data_url
            .strip_prefix("data:image/png;base64,")
            .ok_or_else(|| Error::Invalid("the share picture is not a PNG".into()))?;
        if encoded.len() > MAX_CARD_BYTES / 3 * 4 + 4 {
            return Err(Error::Invalid("the share picture is too large".into()));
        }
        let png = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .map_err(|_| Error::Invalid("the share picture is not a PNG".into()))?;
        let reader =
            image::ImageReader::with_format(std::io::Cursor::new(&png), image::ImageFormat::Png);
        let (width, height) = reader
            .into_dimensions()
            .map_err(|_| Error::Invalid("the share picture is not a PNG".into()))?;
        if width == 0 || height == 0 || width > MAX_CARD_SIDE || height > MAX_CARD_SIDE {
            return Err(Error::Invalid("the share picture is too large".into()));
        }
        Ok(Self { png, width, height })
    }

    /// Its pixels as RGBA8, row by row, `width × height × 4` bytes (what clipboards take).
    /// A truncated or corrupt PNG is an error, never a partly grey picture.
    pub fn rgba(&self) -> Result<Vec<u8>, Error> {
        let image = image::load_from_memory_with_format(&self.png, image::ImageFormat::Png)
            .map_err(|_| Error::Invalid("the share picture is damaged".into()))?;
        Ok(image.into_rgba8().into_raw())
    }

    /// Writes the card into `dir` as `<stem>.png` (or `<stem> (2).png` … when taken) and
    /// returns the path.
    pub async fn save(&self, dir: &Path, stem: &str) -> Result<PathBuf, Error> {
        // Decoding all of it first means a damaged picture never lands in the folder.
        self.rgba()?;
        let dir = dir.to_owned();
        let stem = file_stem(stem);
        let png = self.png.clone();
        tokio::task::spawn_blocking(move || write_new(&dir, &stem, "png", &png))
            .await
            .map_err(|err| Error::Internal(format!("save the picture: {err}")))?
    }
}

/// A file name stem safe on every desktop and phone file system.
fn file_stem(stem: &str) -> String {
    let cleaned: String = stem
        .chars()
        .map(|c| match c {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '-',
            c if c.is_control() => '-',
            c => c,
        })
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim();
    let short: String = cleaned.chars().take(60).collect();
    if short.is_empty() {
        "linli".to_owned()
    } else {
        short
    }
}

/// Writes `bytes` into `dir` as `<stem>.<ext>` (or `<stem> (2).<ext>` … when taken) and
/// returns the path; a file already there is never replaced.
pub async fn save_new(
    dir: &Path,
    stem: &str,
    ext: &'static str,
    bytes: Vec<u8>,
) -> Result<PathBuf, Error> {
    let dir = dir.to_owned();
    let stem = file_stem(stem);
    tokio::task::spawn_blocking(move || write_new(&dir, &stem, ext, &bytes))
        .await
        .map_err(|err| Error::Internal(format!("save a file: {err}")))?
}

fn write_new(dir: &Path, stem: &str, ext: &str, png: &[u8]) -> Result<PathBuf, Error> {
    use std::io::Write as _;
    std::fs::create_dir_all(dir).storage(&format!("create {}", dir.display()))?;
    let part = dir.join(format!(".{stem}.{}.part", std::process::id()));
    {
        let mut file = std::fs::File::create(&part).storage("save the picture")?;
        file.write_all(png).storage("save the picture")?;
        file.sync_all().storage("save the picture")?;
    }
    for n in 1..1000 {
        let name = if n == 1 {
            format!("{stem}.{ext}")
        } else {
            format!("{stem} ({n}).{ext}")
        };
        let target = dir.join(name);
        // A hard link fails when the name is taken, so an existing picture is never replaced.
        match std::fs::hard_link(&part, &target) {
            Ok(()) => {
                let _ = std::fs::remove_file(&part);
                return Ok(target);
            }
            Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(err) => {
                let _ = std::fs::remove_file(&part);
                return Err(err).storage("save the picture");
            }
        }
    }
    let _ = std::fs::remove_file(&part);
    Err(Error::Invalid(format!(
        "{} has too many pictures named {stem}",
        dir.display()
    )))
}

impl crate::Core {
    /// Saves a picture the face drew (a PNG data URL) into the pictures folder as
    /// `<name>.png`, never replacing one that is there; returns where it went. Works offline.
    pub async fn save_picture(&self, data_url: &str, name: &str) -> Result<String, Error> {
        let card = ShareCard::from_data_url(data_url)?;
        let path = card.save(&self.inner.pictures_dir, name).await?;
        Ok(path.display().to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data_url(png: &[u8]) -> String {
        format!(
            "data:image/png;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(png)
        )
    }

    fn png(width: u32, height: u32) -> Vec<u8> {
        let mut out = Vec::new();
        image::DynamicImage::new_rgba8(width, height)
            .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
            .expect("encode");
        out
    }

    #[tokio::test]
    async fn saves_without_overwriting_and_keeps_the_bytes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let card = ShareCard::from_data_url(&data_url(&png(30, 40))).expect("a PNG");
        assert_eq!((card.width, card.height), (30, 40));
        let first = card.save(dir.path(), "访客 刘洋/今天").await.expect("save");
        let second = card
            .save(dir.path(), "访客 刘洋/今天")
            .await
            .expect("save again");
        assert_eq!(
            first.file_name().and_then(|n| n.to_str()),
            Some("访客 刘洋-今天.png"),
            "slashes never make folders"
        );
        assert_eq!(
            second.file_name().and_then(|n| n.to_str()),
            Some("访客 刘洋-今天 (2).png"),
            "the first picture is kept"
        );
        assert_eq!(std::fs::read(&first).expect("read"), card.png);
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .expect("list")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names.len(), 2, "no part-files are left behind: {names:?}");
    }

    #[test]
    fn refuses_what_is_not_a_png() {
        for bad in [
            "data:image/jpeg;base64,/9j/4AAQ".to_owned(),
            "data:image/png;base64,!!!".to_owned(),
            data_url(b"GIF89a not a png"),
            data_url(&[]),
        ] {
            let err = ShareCard::from_data_url(&bad).expect_err("refused");
            assert_eq!(
                err.code(),
                linli_wire::ErrorCode::ValidationFailed,
                "{bad:.40}"
            );
        }
    }

    /// CRC-32 (ISO-HDLC), as PNG chunks carry it.
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    #[test]
    fn refuses_huge_pictures_from_the_header_alone() {
        // A well-formed header (right CRC) claiming 100 000 × 100 000 pixels: refused before
        // a single pixel is allocated.
        let mut header = png(1, 1);
        header[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        header[20..24].copy_from_slice(&100_000u32.to_be_bytes());
        let crc = crc32(&header[12..29]);
        header[29..33].copy_from_slice(&crc.to_be_bytes());
        let err = ShareCard::from_data_url(&data_url(&header)).expect_err("refused");
        assert_eq!(err.code(), linli_wire::ErrorCode::ValidationFailed);
    }

    #[tokio::test]
    async fn a_truncated_picture_is_never_saved() {
        let dir = tempfile::tempdir().expect("tempdir");
        let whole = png(64, 64);
        let card = ShareCard::from_data_url(&data_url(&whole[..whole.len() - 20]))
            .expect("the header is fine");
        let err = card.save(dir.path(), "cut").await.expect_err("refused");
        assert_eq!(err.code(), linli_wire::ErrorCode::ValidationFailed);
        assert_eq!(
            std::fs::read_dir(dir.path())
                .map(|d| d.count())
                .unwrap_or(0),
            0,
            "nothing written"
        );
    }
}
