//! Reading HEIC, HEIF and AVIF (iPhones shoot HEIC by default; many Android phones offer it)
//! through the system libheif, with its own HEVC and AV1 decoders.
//!
//! Invariants:
//! - The primary image only (a burst or a live photo's other items are not the photo).
//! - Its size is checked from the container's `ispe` before anything is decoded.
//! - Orientation: libheif applies the container's transforms (`irot`, `imir`, `clap`) while
//!   decoding, once. The EXIF block inside a HEIF repeats that orientation for old readers and
//!   is never read (applying it too would turn the photo twice), nor carried over: GPS, device
//!   and maker data stay on the phone, as for a JPEG.
//! - Only an ICC profile (`prof`/`rICC`, iPhones store Display P3 so) goes on to the JPEG;
//!   an `nclx` description is sRGB-like for phone photos and is not converted.
//! - A file libheif cannot decode for want of a codec (a HEIF holding JPEG 2000, VVC, or AV1 on
//!   a system built without one) is refused as [`PhotoError::Unsupported`] naming the format;
//!   only a broken container or bitstream is [`PhotoError::Damaged`].

use super::check_size;
use super::decode::{Decoded, flatten_on_white};
use crate::error::PhotoError;
use image::metadata::Orientation;
use libheif_rs::{
    ColorSpace, HeifContext, HeifError, HeifErrorCode, HeifErrorSubCode, LibHeif, RgbChroma,
};

/// The name a resident knows the file by, from its `ftyp` major brand.
pub(super) fn format_name(bytes: &[u8]) -> &'static str {
    match bytes.get(8..12) {
        Some(b"avif" | b"avis") => "AVIF",
        Some(b"heic" | b"heix" | b"hevc" | b"hevx" | b"heim" | b"heis") => "HEIC",
        _ => "HEIF",
    }
}

/// Decodes the primary image of a HEIF container to RGB (alpha put on white).
pub(super) fn decode_heif(bytes: &[u8]) -> Result<Decoded, PhotoError> {
    let format = format_name(bytes);
    let refused = |err: HeifError| refusal(&err, format);
    let lib = LibHeif::new();
    let context = HeifContext::read_from_bytes(bytes).map_err(refused)?;
    let handle = context.primary_image_handle().map_err(refused)?;
    check_size(u64::from(handle.width()), u64::from(handle.height()))?;
    let alpha = handle.has_alpha_channel();
    let chroma = if alpha {
        RgbChroma::Rgba
    } else {
        RgbChroma::Rgb
    };
    // A raw profile is an ICC one (`prof` or `rICC`); `nclx` is not raw.
    let icc = handle.color_profile_raw().map(|p| p.data);
    // No options: libheif's defaults apply the transforms and bring 10-bit down to 8.
    let image = lib
        .decode(&handle, ColorSpace::Rgb(chroma), None)
        .map_err(refused)?;
    let planes = image.planes();
    let plane = planes
        .interleaved
        .ok_or_else(|| PhotoError::Damaged("libheif returned no interleaved plane".into()))?;
    let (width, height) = (plane.width, plane.height);
    check_size(u64::from(width), u64::from(height))?;
    let row = width as usize * if alpha { 4 } else { 3 };
    if plane.stride < row || plane.data.len() < plane.stride * (height as usize - 1) + row {
        return Err(PhotoError::Damaged("libheif returned a short plane".into()));
    }
    let mut pixels = Vec::with_capacity(row * height as usize);
    for line in plane.data.chunks(plane.stride).take(height as usize) {
        pixels.extend_from_slice(&line[..row]);
    }
    if alpha {
        pixels = flatten_on_white(&pixels);
    }
    Ok((pixels, width, height, Orientation::NoTransforms, icc))
}

/// What a libheif failure means for the resident: a codec this system lacks, a picture over
/// libheif's own limits, or a damaged file.
fn refusal(err: &HeifError, format: &'static str) -> PhotoError {
    match (err.code, err.sub_code) {
        (_, HeifErrorSubCode::SecurityLimitExceeded) => PhotoError::TooLarge {
            width: 0,
            height: 0,
        },
        (
            HeifErrorCode::UnsupportedFeature
            | HeifErrorCode::UnsupportedFileType
            | HeifErrorCode::PluginLoadingError,
            _,
        ) => PhotoError::Unsupported { format },
        (HeifErrorCode::MemoryAllocationError, _) => PhotoError::TooLarge {
            width: 0,
            height: 0,
        },
        _ => PhotoError::Damaged(format!("{format}: {}", err.message)),
    }
}
