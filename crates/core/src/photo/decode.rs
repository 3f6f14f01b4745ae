//! Reading a picture: the JPEG markers that matter (EXIF orientation, ICC profile, Adobe
//! APP14), the DCT scale to decode a large JPEG at, decoding JPEG (libjpeg-turbo) and
//! PNG/WebP/GIF (`image`) with the size checked before any pixel is allocated, and applying the
//! orientation.
//!
//! CMYK and YCCK JPEGs (print workflows, Photoshop "Save for print", scanned documents) are
//! decoded to CMYK by libjpeg-turbo (which undoes YCCK) and turned into RGB here. Adobe's
//! writers store the inks inverted (255 = no ink) and mark the file with an APP14 "Adobe"
//! segment; libjpeg and every CMYK writer seen in the wild follow that, so with the marker the
//! samples are taken as inverted, without it as plain ink amounts. The conversion is the naive
//! one (no CMYK profile is applied): colours of print profiles come out a little brighter than a
//! colour-managed viewer shows them, never "damaged".

use super::{Kind, MAX_SIDE, MAX_SOURCE_SIDE, check_size};
use crate::error::PhotoError;
use image::ImageDecoder as _;
use image::metadata::Orientation;
use turbojpeg::{Colorspace, Decompressor, PixelFormat, ScalingFactor};

/// What a JPEG's markers before its first scan say about how to show it.
#[derive(Debug)]
pub(super) struct JpegMarkers {
    /// The EXIF orientation (APP1).
    pub orientation: Orientation,
    /// The ICC profile, its APP2 chunks joined.
    pub icc: Option<Vec<u8>>,
    /// An Adobe APP14 segment is present: CMYK samples are stored inverted.
    pub adobe: bool,
}

/// The EXIF orientation, ICC profile and Adobe marker of a JPEG, read from its APP1, APP2 and
/// APP14 markers only.
pub(super) fn jpeg_markers(bytes: &[u8]) -> JpegMarkers {
    let mut orientation = Orientation::NoTransforms;
    let mut adobe = false;
    let mut icc_chunks: Vec<(u8, Vec<u8>)> = Vec::new();
    let mut i = 2;
    while i + 4 <= bytes.len() {
        if bytes[i] != 0xFF {
            break;
        }
        let marker = bytes[i + 1];
        if marker == 0xFF {
            i += 1;
            continue;
        }
        // Start of scan or end of image: no more metadata.
        if marker == 0xDA || marker == 0xD9 {
            break;
        }
        let len = usize::from(u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]));
        if len < 2 || i + 2 + len > bytes.len() {
            break;
        }
        let payload = &bytes[i + 4..i + 2 + len];
        if marker == 0xE1 && payload.starts_with(b"Exif\0\0") {
            if let Some(found) = Orientation::from_exif_chunk(&payload[6..]) {
                orientation = found;
            }
        } else if marker == 0xE2 && payload.starts_with(b"ICC_PROFILE\0") && payload.len() > 14 {
            icc_chunks.push((payload[12], payload[14..].to_vec()));
        } else if marker == 0xEE && payload.starts_with(b"Adobe") {
            adobe = true;
        }
        i += 2 + len;
    }
    icc_chunks.sort_by_key(|(seq, _)| *seq);
    let icc =
        (!icc_chunks.is_empty()).then(|| icc_chunks.into_iter().flat_map(|(_, d)| d).collect());
    JpegMarkers {
        orientation,
        icc,
        adobe,
    }
}

/// The DCT scale (M/8) to decode at, and whether a resample to [`MAX_SIDE`] follows.
pub(super) fn pick_scale(long_side: u32) -> (usize, bool) {
    if long_side <= MAX_SIDE {
        return (8, false);
    }
    let scaled = |m: u32| (long_side * m).div_ceil(8);
    // Largest M/8 that fits in 2048 while keeping at least 1536: no resampler needed.
    if let Some(m) = (1..8)
        .rev()
        .find(|m| scaled(*m) <= MAX_SIDE && scaled(*m) >= 1536)
    {
        return (m as usize, false);
    }
    // Otherwise the smallest scale still above 2048, then Lanczos3 down.
    let m = (1..=8).find(|m| scaled(*m) > MAX_SIDE).unwrap_or(8);
    (m as usize, true)
}

pub(super) fn orient(
    pixels: Vec<u8>,
    width: u32,
    height: u32,
    orientation: Orientation,
) -> Result<(Vec<u8>, u32, u32), PhotoError> {
    if orientation == Orientation::NoTransforms {
        return Ok((pixels, width, height));
    }
    let buffer = image::RgbImage::from_raw(width, height, pixels)
        .ok_or_else(|| PhotoError::Damaged("pixel buffer size".into()))?;
    let mut image = image::DynamicImage::ImageRgb8(buffer);
    image.apply_orientation(orientation);
    let (w, h) = (image.width(), image.height());
    Ok((image.into_rgb8().into_raw(), w, h))
}

/// Decodes a JPEG at the right DCT scale: (RGB pixels, width, height). CMYK and YCCK JPEGs
/// come out as RGB too; `adobe` says their samples are inverted (see the module's notes).
pub(super) fn decode_jpeg(bytes: &[u8], adobe: bool) -> Result<(Vec<u8>, u32, u32), PhotoError> {
    let mut decompressor =
        Decompressor::new().map_err(|err| PhotoError::Damaged(err.to_string()))?;
    let header = decompressor
        .read_header(bytes)
        .map_err(|err| PhotoError::Damaged(err.to_string()))?;
    check_size(header.width as u64, header.height as u64)?;
    let long = u32::try_from(header.width.max(header.height)).unwrap_or(u32::MAX);
    let (m, _) = pick_scale(long);
    let factor = ScalingFactor::new(m, 8);
    decompressor
        .set_scaling_factor(factor)
        .map_err(|err| PhotoError::Damaged(err.to_string()))?;
    let scaled = header.scaled(factor);
    // libjpeg-turbo converts YCbCr and grey to RGB, but CMYK and YCCK only to CMYK.
    let cmyk = matches!(header.colorspace, Colorspace::CMYK | Colorspace::YCCK);
    let format = if cmyk {
        PixelFormat::CMYK
    } else {
        PixelFormat::RGB
    };
    let mut image = turbojpeg::Image {
        pixels: vec![0u8; scaled.width * scaled.height * format.size()],
        width: scaled.width,
        pitch: scaled.width * format.size(),
        height: scaled.height,
        format,
    };
    // libjpeg-turbo reports a truncated file ("Premature end of JPEG file") as an error.
    decompressor
        .decompress(bytes, image.as_deref_mut())
        .map_err(|err| PhotoError::Damaged(err.to_string()))?;
    if cmyk {
        image.pixels = cmyk_to_rgb(&image.pixels, adobe);
    }
    Ok((
        image.pixels,
        u32::try_from(scaled.width).unwrap_or(0),
        u32::try_from(scaled.height).unwrap_or(0),
    ))
}

/// CMYK samples to RGB: each channel is what its ink and black leave of white. `inverted`
/// samples (Adobe's convention) are 255 where there is no ink.
pub(super) fn cmyk_to_rgb(cmyk: &[u8], inverted: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(cmyk.len() / 4 * 3);
    for px in cmyk.chunks_exact(4) {
        let [c, m, y, k] = [px[0], px[1], px[2], px[3]].map(|v| {
            let v = u32::from(v);
            if inverted { v } else { 255 - v }
        });
        for ink in [c, m, y] {
            out.push(u8::try_from((ink * k + 127) / 255).unwrap_or(u8::MAX));
        }
    }
    out
}

/// RGBA pixels put on white, as transparent parts (screenshots, stickers) would look in a chat.
pub(super) fn flatten_on_white(rgba: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(rgba.len() / 4 * 3);
    for p in rgba.chunks_exact(4) {
        let a = u16::from(p[3]);
        for c in &p[..3] {
            out.push(
                u8::try_from((u16::from(*c) * a + 255 * (255 - a) + 127) / 255).unwrap_or(255),
            );
        }
    }
    out
}

/// RGB pixels, width, height, the orientation to apply and the colour profile to keep.
pub(super) type Decoded = (Vec<u8>, u32, u32, Orientation, Option<Vec<u8>>);

/// Decodes PNG, WebP or GIF through `image` with limits set before any pixel is read. Of an
/// animation (GIF, WebP, APNG) this is its first frame: what a gallery shows as its still, and
/// what the resident sees as the thumbnail before sending.
pub(super) fn decode_other(bytes: &[u8], kind: Kind) -> Result<Decoded, PhotoError> {
    let format = match kind {
        Kind::Png => image::ImageFormat::Png,
        Kind::Gif => image::ImageFormat::Gif,
        _ => image::ImageFormat::WebP,
    };
    let mut reader = image::ImageReader::with_format(std::io::Cursor::new(bytes), format);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SOURCE_SIDE);
    limits.max_image_height = Some(MAX_SOURCE_SIDE);
    limits.max_alloc = Some(1024 * 1024 * 1024);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(|err| match err {
        image::ImageError::Limits(_) => PhotoError::TooLarge {
            width: 0,
            height: 0,
        },
        other => PhotoError::Damaged(other.to_string()),
    })?;
    let (width, height) = decoder.dimensions();
    check_size(u64::from(width), u64::from(height))?;
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let icc = decoder.icc_profile().ok().flatten();
    let image = image::DynamicImage::from_decoder(decoder)
        .map_err(|err| PhotoError::Damaged(err.to_string()))?;
    let rgb = if image.color().has_alpha() {
        flatten_on_white(&image.into_rgba8().into_raw())
    } else {
        image.into_rgb8().into_raw()
    };
    Ok((rgb, width, height, orientation, icc))
}
