//! Preparing a resident's photo for upload: orient it, fit its long side to at most 2048 px,
//! encode JPEG at quality 80 (4:2:0) with nothing of the original's metadata but its colour
//! profile, and make a 320 px thumbnail; both with their SHA-256.
//!
//! Invariants:
//! - Nothing is allocated for pixels before the header's dimensions were checked: a source
//!   may have at most [`MAX_SOURCE_SIDE`] px a side and [`MAX_SOURCE_PIXELS`] pixels, which
//!   stops decompression bombs and lying headers at a few hundred bytes.
//! - Metadata is stripped by construction: the output is a fresh JFIF from pixels; only the
//!   ICC profile is carried over (as APP2), so colours stay right. GPS, device, serial numbers,
//!   maker notes and embedded thumbnails never leave the phone.
//! - A truncated or corrupt file is an error for that photo (libjpeg-turbo's warnings are
//!   errors here), never a half-grey picture.
//! - JPEG is decoded with libjpeg-turbo's DCT scaling (shrink-on-load) at the M/8 scale that
//!   brings the long side closest to, and not over, 2048 px when that keeps at least 1536 px;
//!   otherwise at the smallest scale still over 2048, then Lanczos3 to 2048. Orientation is
//!   applied to the small buffer, after resizing.

use fast_image_resize::images::Image as FirImage;
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use image::ImageDecoder as _;
use image::metadata::Orientation;
use sha2::{Digest, Sha256};
use turbojpeg::{Compressor, Decompressor, PixelFormat, ScalingFactor, Subsamp};

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

/// Why a photo cannot be used. Each is shown to the resident for that photo only.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhotoError {
    /// The file is empty.
    #[error("the file is empty")]
    Empty,
    /// The file is not a picture (or not one of JPEG, PNG, WebP).
    #[error("the file is not a picture")]
    NotAnImage,
    /// HEIC/HEIF/AVIF: not supported yet; the resident can export as JPEG.
    #[error("HEIC pictures are not supported yet; please export the photo as JPEG")]
    Heic,
    /// Too large to prepare safely.
    #[error("the picture is too large ({width}×{height})")]
    TooLarge {
        /// Width the file claims.
        width: u64,
        /// Height the file claims.
        height: u64,
    },
    /// Truncated or corrupt.
    #[error("the picture is damaged: {0}")]
    Damaged(String),
}

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
    Heic,
}

/// The media type of a picture these bytes begin, if it is one this module reads.
pub(crate) fn media_type(bytes: &[u8]) -> Option<&'static str> {
    match sniff(bytes) {
        Ok(Kind::Jpeg) => Some("image/jpeg"),
        Ok(Kind::Png) => Some("image/png"),
        Ok(Kind::Webp) => Some("image/webp"),
        Ok(Kind::Heic) | Err(_) => None,
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
    if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" {
        let brand = &bytes[8..12];
        if [
            b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1", b"avif",
        ]
        .iter()
        .any(|b| brand == *b)
        {
            return Ok(Kind::Heic);
        }
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

/// The EXIF orientation and ICC profile of a JPEG, read from its APP1/APP2 markers only.
fn jpeg_markers(bytes: &[u8]) -> (Orientation, Option<Vec<u8>>) {
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
fn pick_scale(long_side: u32) -> (usize, bool) {
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

fn fit(width: u32, height: u32, side: u32) -> (u32, u32) {
    let long = width.max(height);
    if long <= side {
        return (width, height);
    }
    let scale = |v: u32| {
        ((u64::from(v) * u64::from(side) + u64::from(long) / 2) / u64::from(long)).max(1) as u32
    };
    (scale(width), scale(height))
}

fn resize_rgb(
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

fn orient(
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

fn encode(
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
fn with_icc(jpeg: &[u8], profile: &[u8]) -> Vec<u8> {
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

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Decodes a JPEG at the right DCT scale: (RGB pixels, width, height, needs resample).
fn decode_jpeg(bytes: &[u8]) -> Result<(Vec<u8>, u32, u32), PhotoError> {
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
type Decoded = (Vec<u8>, u32, u32, Orientation, Option<Vec<u8>>);

/// Decodes PNG or WebP through `image` with limits set before any pixel is read.
fn decode_other(bytes: &[u8], kind: Kind) -> Result<Decoded, PhotoError> {
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

/// Prepares one photo (JPEG, PNG or WebP) for upload.
pub fn prepare(bytes: &[u8]) -> Result<PreparedPhoto, PhotoError> {
    if bytes.len() > MAX_SOURCE_BYTES {
        return Err(PhotoError::TooLarge {
            width: 0,
            height: 0,
        });
    }
    let kind = sniff(bytes)?;
    let (pixels, width, height, orientation, icc) = match kind {
        Kind::Heic => return Err(PhotoError::Heic),
        Kind::Jpeg => {
            let (orientation, icc) = jpeg_markers(bytes);
            let (pixels, w, h) = decode_jpeg(bytes)?;
            (pixels, w, h, orientation, icc)
        }
        Kind::Png | Kind::Webp => decode_other(bytes, kind)?,
    };
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_pick_dct_shrink_when_it_keeps_enough_pixels() {
        assert_eq!(pick_scale(4032), (4, false), "12 MP: 1/2 gives 2016");
        assert_eq!(pick_scale(8064), (2, false), "48 MP: 1/4 gives 2016");
        assert_eq!(pick_scale(8160), (2, false), "50 MP: 1/4 gives 2040");
        assert_eq!(
            pick_scale(2000),
            (8, false),
            "small photos stay as they are"
        );
        assert_eq!(pick_scale(2600), (6, false), "6/8 gives 1950");
        assert_eq!(fit(1512, 2016, 320), (240, 320));
    }

    #[test]
    fn sniffing_tells_formats_apart() {
        assert_eq!(sniff(&[]), Err(PhotoError::Empty));
        assert_eq!(sniff(b"This is not a JPEG"), Err(PhotoError::NotAnImage));
        assert_eq!(sniff(b"\0\0\0\x18ftypheic\0\0\0\0"), Ok(Kind::Heic));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Ok(Kind::Webp));
    }

    #[test]
    fn an_icc_profile_survives_in_app2_chunks() {
        let jpeg = [0xFF, 0xD8, 0xFF, 0xD9];
        let profile = vec![7u8; 70_000];
        let out = with_icc(&jpeg, &profile);
        let (_, icc) = jpeg_markers(&out);
        assert_eq!(
            icc.as_deref(),
            Some(profile.as_slice()),
            "split over two chunks and joined back"
        );
    }
}

#[cfg(test)]
mod hostile {
    //! What a resident's device may hand us: each refused with its own reason, nothing huge
    //! allocated, and metadata gone from what is kept.
    use super::*;

    fn jpeg(width: u32, height: u32) -> Vec<u8> {
        let pixels: Vec<u8> = (0..width * height * 3)
            .map(|i| (i * 7 % 251) as u8)
            .collect();
        encode(&pixels, width, height, None).expect("encode")
    }

    /// An APP1 Exif segment with Orientation = `orientation`, a device name and a GPS IFD.
    fn exif_app1(orientation: u16) -> Vec<u8> {
        let mut tiff = b"II*\0".to_vec();
        tiff.extend_from_slice(&8u32.to_le_bytes());
        let entries: [(u16, u16, u32, u32); 3] = [
            (0x010F, 2, 4, u32::from_le_bytes(*b"ACME")), // Make, fits inline
            (0x0112, 3, 1, u32::from(orientation)),       // Orientation
            (0x8825, 4, 1, 8 + 2 + 3 * 12 + 4),           // GPS IFD right after this one
        ];
        tiff.extend_from_slice(&(entries.len() as u16).to_le_bytes());
        for (tag, kind, count, value) in entries {
            tiff.extend_from_slice(&tag.to_le_bytes());
            tiff.extend_from_slice(&kind.to_le_bytes());
            tiff.extend_from_slice(&count.to_le_bytes());
            tiff.extend_from_slice(&value.to_le_bytes());
        }
        tiff.extend_from_slice(&0u32.to_le_bytes());
        // GPS IFD: GPSLatitudeRef = "N".
        tiff.extend_from_slice(&1u16.to_le_bytes());
        tiff.extend_from_slice(&1u16.to_le_bytes());
        tiff.extend_from_slice(&2u16.to_le_bytes());
        tiff.extend_from_slice(&2u32.to_le_bytes());
        tiff.extend_from_slice(b"N\0\0\0");
        tiff.extend_from_slice(&0u32.to_le_bytes());
        let mut segment = vec![0xFF, 0xE1];
        segment.extend_from_slice(
            &u16::try_from(2 + 6 + tiff.len())
                .expect("len")
                .to_be_bytes(),
        );
        segment.extend_from_slice(b"Exif\0\0");
        segment.extend_from_slice(&tiff);
        segment
    }

    fn with_segment(jpeg: &[u8], segment: &[u8]) -> Vec<u8> {
        let mut out = jpeg[..2].to_vec();
        out.extend_from_slice(segment);
        out.extend_from_slice(&jpeg[2..]);
        out
    }

    #[test]
    fn orientation_is_applied_and_metadata_is_gone() {
        let source = with_segment(&jpeg(64, 48), &exif_app1(6));
        assert_eq!(
            jpeg_markers(&source).0,
            Orientation::Rotate90,
            "the test file carries EXIF"
        );
        let prepared = prepare(&source).expect("prepared");
        assert_eq!(
            (prepared.width, prepared.height),
            (48, 64),
            "turned upright"
        );
        let (orientation, icc) = jpeg_markers(&prepared.jpeg);
        assert_eq!(orientation, Orientation::NoTransforms);
        assert!(icc.is_none());
        for needle in [&b"Exif"[..], b"ACME", b"N\0\0\0"] {
            assert!(
                !prepared.jpeg.windows(needle.len()).any(|w| w == needle),
                "no {needle:?} left"
            );
            assert!(
                !prepared.thumb.windows(needle.len()).any(|w| w == needle),
                "nor in the thumbnail"
            );
        }
        assert_eq!(prepared.sha256, hex(&Sha256::digest(&prepared.jpeg)));
    }

    #[test]
    fn big_photos_are_fitted_and_thumbnailed() {
        let prepared = prepare(&jpeg(4032, 3024)).expect("prepared");
        assert_eq!(
            (prepared.width, prepared.height),
            (2016, 1512),
            "1/2 DCT scale, no resample"
        );
        assert_eq!((prepared.thumb_width, prepared.thumb_height), (320, 240));
        let odd = prepare(&jpeg(3000, 200)).expect("prepared");
        assert!(odd.width <= MAX_SIDE && odd.width >= 1536, "{odd:?}");
    }

    #[test]
    fn hostile_files_are_refused_each_with_its_reason() {
        let whole = jpeg(640, 480);
        let truncated = &whole[..whole.len() / 2];
        assert!(
            matches!(prepare(truncated), Err(PhotoError::Damaged(_))),
            "never a half-grey photo"
        );
        assert_eq!(prepare(&[]), Err(PhotoError::Empty));
        assert_eq!(
            prepare(b"This is not a JPEG, just text pretending to be one.\n"),
            Err(PhotoError::NotAnImage)
        );
        assert_eq!(
            prepare(b"\0\0\0\x18ftypheic\0\0\0\0mif1heic"),
            Err(PhotoError::Heic)
        );

        // A JPEG whose header claims 65000 × 65000: refused from the header, nothing decoded.
        let mut liar = jpeg(16, 16);
        let sof = liar
            .windows(2)
            .position(|w| w == [0xFF, 0xC0])
            .expect("SOF0");
        liar[sof + 5..sof + 9].copy_from_slice(&[0xFD, 0xE8, 0xFD, 0xE8]);
        assert_eq!(
            prepare(&liar),
            Err(PhotoError::TooLarge {
                width: 65000,
                height: 65000
            })
        );

        // A PNG whose header claims 30000 × 30000 (a decompression bomb's header).
        let mut png = Vec::new();
        image::DynamicImage::new_luma8(1, 1)
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .expect("png");
        png[16..20].copy_from_slice(&30_001u32.to_be_bytes());
        png[20..24].copy_from_slice(&30_001u32.to_be_bytes());
        let crc = crc32(&png[12..29]);
        png[29..33].copy_from_slice(&crc.to_be_bytes());
        assert!(
            matches!(prepare(&png), Err(PhotoError::TooLarge { .. })),
            "{:?}",
            prepare(&png)
        );
    }

    #[test]
    fn png_with_transparency_goes_on_white() {
        let mut png = Vec::new();
        image::DynamicImage::ImageRgba8(image::RgbaImage::from_pixel(
            10,
            10,
            image::Rgba([0, 0, 0, 0]),
        ))
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .expect("png");
        let prepared = prepare(&png).expect("prepared");
        let back = turbojpeg::decompress(&prepared.jpeg, PixelFormat::RGB).expect("a JPEG");
        assert!(back.pixels.iter().all(|c| *c > 240), "transparent is white");
    }

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
}
