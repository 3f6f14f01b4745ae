//! Preparing a resident's photo for upload: orient it, fit its long side to at most 2048 px,
//! encode JPEG at quality 80 (4:2:0) with nothing of the original's metadata but its colour
//! profile, and make a 320 px thumbnail; both with their SHA-256.
//!
//! Read: JPEG (RGB, grey, CMYK and YCCK), PNG (any depth, alpha), WebP, GIF (first frame) and
//! HEIC/HEIF/AVIF (libheif, [`heif`]). Whatever else a phone or computer hands over is refused
//! with what it is: a known format we do not read ([`PhotoError::Unsupported`], the format
//! named), not a picture at all ([`PhotoError::NotAnImage`]), or a picture that is broken
//! ([`PhotoError::Damaged`]). The output is always the same kind of JPEG, whatever came in.
//!
//! Invariants:
//! - Nothing is allocated for pixels before the header's dimensions were checked: a source
//!   may have at most [`MAX_SOURCE_SIDE`] px a side and [`MAX_SOURCE_PIXELS`] pixels, which
//!   stops decompression bombs and lying headers at a few hundred bytes.
//! - Metadata is stripped by construction: the output is a fresh JFIF from pixels; only an RGB
//!   ICC profile is carried over (as APP2), so colours stay right (a CMYK or grey profile would
//!   misdescribe the RGB pixels we write, so it is left behind). GPS, device, serial numbers,
//!   maker notes and embedded thumbnails never leave the phone.
//! - A truncated or corrupt file is an error for that photo (libjpeg-turbo's warnings are
//!   errors here), never a half-grey picture.
//! - JPEG is decoded with libjpeg-turbo's DCT scaling (shrink-on-load) at the M/8 scale that
//!   brings the long side closest to, and not over, 2048 px when that keeps at least 1536 px;
//!   otherwise at the smallest scale still over 2048, then Lanczos3 to 2048. Orientation is
//!   applied to the small buffer, after resizing.

mod decode;
mod encode;
#[cfg(test)]
mod formats_tests;
mod heif;
#[cfg(test)]
mod tests;

pub use crate::error::PhotoError;
#[cfg(test)]
use decode::pick_scale;
use decode::{decode_jpeg, decode_other, jpeg_markers, orient};
use encode::{encode, hex, resize_rgb};
#[cfg(test)]
use encode::{fit, with_icc};
use heif::decode_heif;
use sha2::{Digest, Sha256};

/// Longest side of a prepared photo.
pub const MAX_SIDE: u32 = 2048;
/// Longest side of a thumbnail.
pub const THUMB_SIDE: u32 = 320;
/// JPEG quality of both.
pub const QUALITY: i32 = 80;
/// Largest source accepted, per side.
pub const MAX_SOURCE_SIDE: u32 = 30_000;
/// Largest source accepted, in pixels (phones shoot up to 200 MP).
pub const MAX_SOURCE_PIXELS: u64 = 220_000_000;
/// Largest file accepted.
pub const MAX_SOURCE_BYTES: usize = 80 * 1024 * 1024;

/// A photo ready to upload.
#[derive(Clone, PartialEq, Eq)]
pub struct PreparedPhoto {
    /// The JPEG to upload.
    pub jpeg: Vec<u8>,
    /// Its width.
    pub width: u32,
    /// Its height.
    pub height: u32,
    /// SHA-256 of `jpeg`, lowercase hex.
    pub sha256: String,
    /// The thumbnail (JPEG).
    pub thumb: Vec<u8>,
    /// Thumbnail width.
    pub thumb_width: u32,
    /// Thumbnail height.
    pub thumb_height: u32,
}

impl std::fmt::Debug for PreparedPhoto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreparedPhoto")
            .field("bytes", &self.jpeg.len())
            .field("size", &(self.width, self.height))
            .field("sha256", &self.sha256)
            .finish_non_exhaustive()
    }
}

/// What a file's first bytes say it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Jpeg,
    Png,
    Webp,
    Gif,
    /// HEIC, HEIF or AVIF: an ISO-BMFF `ftyp` with an image brand.
    Heif,
    /// A picture format this module does not read, by the name residents know it by.
    Unsupported(&'static str),
}

/// The media type of a picture these bytes begin, if it is one this module reads.
pub(crate) fn media_type(bytes: &[u8]) -> Option<&'static str> {
    match sniff(bytes) {
        Ok(Kind::Jpeg) => Some("image/jpeg"),
        Ok(Kind::Png) => Some("image/png"),
        Ok(Kind::Webp) => Some("image/webp"),
        Ok(Kind::Gif | Kind::Heif | Kind::Unsupported(_)) | Err(_) => None,
    }
}

fn sniff(bytes: &[u8]) -> Result<Kind, PhotoError> {
    if bytes.is_empty() {
        return Err(PhotoError::Empty);
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Ok(Kind::Jpeg);
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Ok(Kind::Png);
    }
    if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        return Ok(Kind::Webp);
    }
    if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        return Ok(Kind::Gif);
    }
    if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" {
        let brand = &bytes[8..12];
        if [
            b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"avif",
            b"avis",
        ]
        .iter()
        .any(|b| brand == *b)
        {
            return Ok(Kind::Heif);
        }
    }
    // Pictures a resident may well pick that are not read here: say which, not "not a picture".
    let unsupported = [
        (&b"II*\0"[..], "TIFF"),
        (b"MM\0*", "TIFF"),
        (b"BM", "BMP"),
        (b"\xFF\x0A", "JPEG XL"),
        (b"\0\0\0\x0CJXL \r\n\x87\n", "JPEG XL"),
        (b"8BPS", "PSD"),
        (b"\0\0\x01\0", "ICO"),
        (b"<svg", "SVG"),
        (b"%PDF-", "PDF"),
    ];
    if let Some((_, name)) = unsupported
        .iter()
        .find(|(magic, _)| bytes.starts_with(magic))
    {
        return Ok(Kind::Unsupported(name));
    }
    Err(PhotoError::NotAnImage)
}

fn check_size(width: u64, height: u64) -> Result<(), PhotoError> {
    if width == 0 || height == 0 {
        return Err(PhotoError::Damaged("it has no pixels".into()));
    }
    if width > u64::from(MAX_SOURCE_SIDE)
        || height > u64::from(MAX_SOURCE_SIDE)
        || width * height > MAX_SOURCE_PIXELS
    {
        return Err(PhotoError::TooLarge { width, height });
    }
    Ok(())
}

/// Keeps a colour profile only if it describes RGB (the ICC header's data colour space).
fn rgb_profile(icc: Option<Vec<u8>>) -> Option<Vec<u8>> {
    icc.filter(|profile| profile.get(16..20) == Some(b"RGB "))
}

/// Prepares one photo (JPEG, PNG, WebP, GIF, HEIC/HEIF/AVIF) for upload.
pub fn prepare(bytes: &[u8]) -> Result<PreparedPhoto, PhotoError> {
    if bytes.len() > MAX_SOURCE_BYTES {
        return Err(PhotoError::TooLarge {
            width: 0,
            height: 0,
        });
    }
    let kind = sniff(bytes)?;
    let (pixels, width, height, orientation, icc) = match kind {
        Kind::Unsupported(format) => return Err(PhotoError::Unsupported { format }),
        Kind::Heif => decode_heif(bytes)?,
        Kind::Jpeg => {
            let markers = jpeg_markers(bytes);
            let (pixels, w, h) = decode_jpeg(bytes, markers.adobe)?;
            (pixels, w, h, markers.orientation, markers.icc)
        }
        Kind::Png | Kind::Webp | Kind::Gif => decode_other(bytes, kind)?,
    };
    let icc = rgb_profile(icc);
    let (pixels, width, height) = resize_rgb(pixels, width, height, MAX_SIDE)?;
    let (pixels, width, height) = orient(pixels, width, height, orientation)?;
    let jpeg = encode(&pixels, width, height, icc.as_deref())?;
    let (thumb_pixels, thumb_width, thumb_height) = resize_rgb(pixels, width, height, THUMB_SIDE)?;
    let thumb = encode(&thumb_pixels, thumb_width, thumb_height, icc.as_deref())?;
    let sha256 = hex(&Sha256::digest(&jpeg));
    Ok(PreparedPhoto {
        jpeg,
        width,
        height,
        sha256,
        thumb,
        thumb_width,
        thumb_height,
    })
}
