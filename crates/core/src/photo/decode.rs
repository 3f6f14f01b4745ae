//! Reading a picture: the JPEG markers that matter (EXIF orientation, ICC profile), the DCT
//! scale to decode a large JPEG at, decoding JPEG (libjpeg-turbo) and PNG/WebP (`image`) with
//! the size checked before any pixel is allocated, and applying the orientation.

use super::{Kind, MAX_SIDE, MAX_SOURCE_SIDE, check_size};
use crate::error::PhotoError;
use image::ImageDecoder as _;
use image::metadata::Orientation;
use turbojpeg::{Decompressor, PixelFormat, ScalingFactor};

/// The EXIF orientation and ICC profile of a JPEG, read from its APP1/APP2 markers only.
pub(super) fn jpeg_markers(bytes: &[u8]) -> (Orientation, Option<Vec<u8>>) {
    let mut orientation = Orientation::NoTransforms;
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
        }
        i += 2 + len;
    }
    icc_chunks.sort_by_key(|(seq, _)| *seq);
    let icc =
        (!icc_chunks.is_empty()).then(|| icc_chunks.into_iter().flat_map(|(_, d)| d).collect());
    (orientation, icc)
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

/// Decodes a JPEG at the right DCT scale: (RGB pixels, width, height, needs resample).
pub(super) fn decode_jpeg(bytes: &[u8]) -> Result<(Vec<u8>, u32, u32), PhotoError> {
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
    let mut image = turbojpeg::Image {
        pixels: vec![0u8; scaled.width * scaled.height * 3],
        width: scaled.width,
        pitch: scaled.width * 3,
        height: scaled.height,
        format: PixelFormat::RGB,
    };
    // libjpeg-turbo reports a truncated file ("Premature end of JPEG file") as an error.
    decompressor
        .decompress(bytes, image.as_deref_mut())
        .map_err(|err| PhotoError::Damaged(err.to_string()))?;
    Ok((
        image.pixels,
        u32::try_from(scaled.width).unwrap_or(0),
        u32::try_from(scaled.height).unwrap_or(0),
    ))
}

/// RGB pixels, width, height, the orientation to apply and the colour profile to keep.
pub(super) type Decoded = (Vec<u8>, u32, u32, Orientation, Option<Vec<u8>>);

/// Decodes PNG or WebP through `image` with limits set before any pixel is read.
pub(super) fn decode_other(bytes: &[u8], kind: Kind) -> Result<Decoded, PhotoError> {
    let format = if kind == Kind::Png {
        image::ImageFormat::Png
    } else {
        image::ImageFormat::WebP
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
    // Transparent parts (screenshots, stickers) go on white, as they would look in a chat.
    let rgb = if image.color().has_alpha() {
        let rgba = image.into_rgba8();
        let mut out = Vec::with_capacity(rgba.len() / 4 * 3);
        for p in rgba.pixels() {
            let a = u16::from(p.0[3]);
            for c in &p.0[..3] {
                out.push(
                    u8::try_from((u16::from(*c) * a + 255 * (255 - a) + 127) / 255).unwrap_or(255),
                );
            }
        }
        out
    } else {
        image.into_rgb8().into_raw()
    };
    Ok((rgb, width, height, orientation, icc))
}
