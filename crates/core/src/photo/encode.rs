//! Writing a prepared picture: fitting it to a side (Lanczos3), and encoding a fresh JPEG from
//! pixels, so none of the original's metadata survives, with only its colour profile put back
//! (APP2 chunks). The photo and its thumbnail both go through here.

use super::QUALITY;
use crate::error::PhotoError;
use fast_image_resize::images::Image as FirImage;
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use turbojpeg::{Compressor, PixelFormat, Subsamp};

pub(super) fn fit(width: u32, height: u32, side: u32) -> (u32, u32) {
    let long = width.max(height);
    if long <= side {
        return (width, height);
    }
    let scale = |v: u32| {
        ((u64::from(v) * u64::from(side) + u64::from(long) / 2) / u64::from(long)).max(1) as u32
    };
    (scale(width), scale(height))
}

pub(super) fn resize_rgb(
    pixels: Vec<u8>,
    width: u32,
    height: u32,
    side: u32,
) -> Result<(Vec<u8>, u32, u32), PhotoError> {
    let (w, h) = fit(width, height, side);
    if (w, h) == (width, height) {
        return Ok((pixels, width, height));
    }
    let src = FirImage::from_vec_u8(width, height, pixels, PixelType::U8x3)
        .map_err(|err| PhotoError::Damaged(err.to_string()))?;
    let mut dst = FirImage::new(w, h, PixelType::U8x3);
    Resizer::new()
        .resize(
            &src,
            &mut dst,
            &ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3)),
        )
        .map_err(|err| PhotoError::Damaged(err.to_string()))?;
    Ok((dst.into_vec(), w, h))
}

pub(super) fn encode(
    pixels: &[u8],
    width: u32,
    height: u32,
    icc: Option<&[u8]>,
) -> Result<Vec<u8>, PhotoError> {
    let mut compressor = Compressor::new().map_err(|err| PhotoError::Damaged(err.to_string()))?;
    compressor
        .set_quality(QUALITY)
        .and_then(|()| compressor.set_subsamp(Subsamp::Sub2x2))
        .map_err(|err| PhotoError::Damaged(err.to_string()))?;
    let image = turbojpeg::Image {
        pixels,
        width: width as usize,
        pitch: width as usize * 3,
        height: height as usize,
        format: PixelFormat::RGB,
    };
    let jpeg = compressor
        .compress_to_vec(image)
        .map_err(|err| PhotoError::Damaged(err.to_string()))?;
    Ok(match icc {
        Some(profile) if !profile.is_empty() && profile.len() <= 4 * 1024 * 1024 => {
            with_icc(&jpeg, profile)
        }
        _ => jpeg,
    })
}

/// Inserts an ICC profile as APP2 `ICC_PROFILE` chunks right after SOI (ICC.1 Annex B.4).
pub(super) fn with_icc(jpeg: &[u8], profile: &[u8]) -> Vec<u8> {
    const CHUNK: usize = 65_519;
    let chunks: Vec<&[u8]> = profile.chunks(CHUNK).collect();
    let count = u8::try_from(chunks.len()).unwrap_or(u8::MAX);
    let mut out = Vec::with_capacity(jpeg.len() + profile.len() + 18 * chunks.len());
    out.extend_from_slice(&jpeg[..2]);
    for (n, chunk) in chunks.iter().enumerate().take(255) {
        let len = u16::try_from(2 + 14 + chunk.len()).unwrap_or(u16::MAX);
        out.extend_from_slice(&[0xFF, 0xE2]);
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(b"ICC_PROFILE\0");
        out.push(u8::try_from(n + 1).unwrap_or(u8::MAX));
        out.push(count);
        out.extend_from_slice(chunk);
    }
    out.extend_from_slice(&jpeg[2..]);
    out
}

pub(super) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
