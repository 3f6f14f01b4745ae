//! What the server accepts as an attachment: a picture it can read the header of (JPEG, PNG,
//! WebP), within size limits. Only the header is read: the app has already prepared the
//! photo (whatever the resident picked, HEIC or CMYK included, arrives as its JPEG); this is
//! the server refusing anything else. A JPEG in any colour space (RGB, grey, CMYK, YCCK) is a
//! JPEG here; a picture in another format (HEIC, GIF, TIFF, … from a client that does not
//! prepare its photos) is refused as `format-not-accepted`, not as something unreadable.
//!
//! Staff at the service-desk terminal (`linli-server staff … complete --photo`) have no app to
//! prepare their after-photos, so [`prepare_staff_photo`] does it here the same way the app
//! does: orientation applied, long side at most 2048 px, JPEG re-encoded, so no GPS, device or
//! other metadata of the staff phone reaches the resident. [`store_staff_photo`] files it as a
//! complete upload owned by that staff member.

/// Largest attachment side accepted.
pub const MAX_SIDE: u32 = 8192;

/// The picture format the first bytes announce (JPEG, PNG, WebP), if any.
pub fn format_of(bytes: &[u8]) -> Option<image::ImageFormat> {
    match bytes {
        [0xFF, 0xD8, 0xFF, ..] => Some(image::ImageFormat::Jpeg),
        [0x89, b'P', b'N', b'G', ..] => Some(image::ImageFormat::Png),
        [
            b'R',
            b'I',
            b'F',
            b'F',
            _,
            _,
            _,
            _,
            b'W',
            b'E',
            b'B',
            b'P',
            ..,
        ] => Some(image::ImageFormat::WebP),
        _ => None,
    }
}

/// True when the bytes begin a picture in a format that is not accepted (GIF, TIFF, BMP, AVIF,
/// HEIC/HEIF, …): what `image` recognises, and the HEIF brands it does not.
fn other_picture(bytes: &[u8]) -> bool {
    let heif = bytes.get(4..8) == Some(b"ftyp")
        && bytes.get(8..12).is_some_and(|brand| {
            [
                b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1",
            ]
            .iter()
            .any(|b| brand == *b)
        });
    heif || image::guess_format(bytes).is_ok()
}

/// The picture's size, or why it is refused (a short reason code, sent as
/// `Attachment-Reason`).
pub fn inspect(bytes: &[u8]) -> Result<(u32, u32), String> {
    let format = match format_of(bytes) {
        Some(format) => format,
        None if bytes.is_empty() => return Err("empty".into()),
        None if other_picture(bytes) => return Err("format-not-accepted".into()),
        None => return Err("not-a-picture".into()),
    };
    let (width, height) = image::ImageReader::with_format(std::io::Cursor::new(bytes), format)
        .into_dimensions()
        .map_err(|_| "unreadable".to_owned())?;
    if width == 0 || height == 0 || width > MAX_SIDE || height > MAX_SIDE {
        return Err("too-large".into());
    }
    Ok((width, height))
}

/// The long side of a prepared photo, as the app makes them.
pub const PREPARED_SIDE: u32 = 2048;

/// Decodes a staff photo (JPEG, PNG, WebP), applies its EXIF orientation, scales it down to
/// [`PREPARED_SIDE`] and re-encodes it as JPEG q80: every metadata segment is left behind.
pub fn prepare_staff_photo(bytes: &[u8]) -> Result<Vec<u8>, String> {
    use image::ImageDecoder as _;
    inspect(bytes)?;
    let reader = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| "unreadable".to_owned())?;
    let mut decoder = reader.into_decoder().map_err(|_| "unreadable".to_owned())?;
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut picture =
        image::DynamicImage::from_decoder(decoder).map_err(|_| "unreadable".to_owned())?;
    picture.apply_orientation(orientation);
    if picture.width().max(picture.height()) > PREPARED_SIDE {
        picture = picture.resize(
            PREPARED_SIDE,
            PREPARED_SIDE,
            image::imageops::FilterType::Lanczos3,
        );
    }
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80)
        .encode_image(&picture.into_rgb8())
        .map_err(|_| "unreadable".to_owned())?;
    Ok(out)
}

/// Prepares a staff photo and files it as a complete upload of `staff_id`; returns its
/// attachment id, for `StaffAction::Complete { attachment_ids }`.
pub async fn store_staff_photo(
    state: &crate::AppState,
    staff_id: &str,
    bytes: &[u8],
) -> crate::error::ApiResult<uuid::Uuid> {
    use sha2::Digest as _;
    let prepared = prepare_staff_photo(bytes).map_err(|reason| {
        crate::error::ApiError::new(linli_wire::ErrorCode::UnsupportedMediaType)
            .detail(format!("the photo cannot be used: {reason}"))
    })?;
    let (width, height) = inspect(&prepared).map_err(crate::error::ApiError::internal)?;
    let id = uuid::Uuid::now_v7();
    let path = state.uploads_dir.join(id.to_string());
    crate::files::write_async(&path, &prepared)
        .await
        .map_err(|err| crate::error::ApiError::internal(format_args!("store photo: {err}")))?;
    let now = state.clock.now_ms();
    let length = i64::try_from(prepared.len()).unwrap_or(i64::MAX);
    sqlx::query(
        "INSERT INTO uploads (id, staff_id, length, offset, metadata, content_type, purpose,
            created_at, expires_at, status, sha256, width, height)
         VALUES (?, ?, ?, ?, '', 'image/jpeg', 'after_photo', ?, ?, 'complete', ?, ?, ?)",
    )
    .bind(id.to_string())
    .bind(staff_id)
    .bind(length)
    .bind(length)
    .bind(now)
    // Until its ticket step holds it; housekeeping deletes finished uploads no ticket took.
    .bind(now + super::UPLOAD_TTL_MS)
    .bind(hex::encode(sha2::Sha256::digest(&prepared)))
    .bind(i64::from(width))
    .bind(i64::from(height))
    .execute(&state.db)
    .await?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 64×48 JPEG carrying an EXIF block: orientation 6 (rotate 90° clockwise to view) and a
    /// GPS directory with a latitude reference, as a phone writes it.
    fn phone_photo() -> Vec<u8> {
        let picture = image::RgbImage::from_fn(64, 48, |x, _| image::Rgb([(x * 4) as u8, 60, 90]));
        let mut plain = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut plain, 90)
            .encode_image(&picture)
            .expect("jpeg");
        // TIFF, big-endian: IFD0 at 8 with Orientation and the GPS pointer; GPS IFD at 38.
        let mut tiff = b"MM\0\x2a\0\0\0\x08".to_vec();
        tiff.extend_from_slice(&[0, 2]);
        tiff.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0]);
        tiff.extend_from_slice(&[0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 38]);
        tiff.extend_from_slice(&[0, 0, 0, 0]);
        tiff.extend_from_slice(&[0, 1]);
        tiff.extend_from_slice(&[0x00, 0x01, 0, 2, 0, 0, 0, 2, b'N', 0, 0, 0]);
        tiff.extend_from_slice(&[0, 0, 0, 0]);
        let mut app1 = b"Exif\0\0".to_vec();
        app1.extend_from_slice(&tiff);
        let length = u16::try_from(app1.len() + 2).expect("small");
        let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
        out.extend_from_slice(&length.to_be_bytes());
        out.extend_from_slice(&app1);
        out.extend_from_slice(&plain[2..]);
        out
    }

    #[test]
    fn a_staff_photo_is_turned_upright_and_keeps_no_metadata() {
        let raw = phone_photo();
        assert!(
            raw.windows(4).any(|w| w == b"Exif"),
            "the input carries EXIF, or this proves nothing"
        );
        let prepared = prepare_staff_photo(&raw).expect("prepared");
        assert!(
            !prepared.windows(4).any(|w| w == b"Exif"),
            "no EXIF (GPS, device) leaves the server"
        );
        assert_eq!(
            inspect(&prepared),
            Ok((48, 64)),
            "orientation 6 applied: the landscape sensor image stands upright"
        );
    }

    /// Made with ImageMagick: CMYK patches red, cyan, half black as an Adobe YCCK JPEG (the
    /// core's fixture).
    const YCCK: &[u8] = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../core/src/photo/fixtures/ycck-adobe-imagemagick.jpg"
    ));

    #[test]
    fn a_cmyk_jpeg_is_a_jpeg_and_a_staff_cmyk_photo_keeps_its_colours() {
        assert_eq!(inspect(YCCK), Ok((48, 16)), "a CMYK JPEG is not damaged");
        let prepared = prepare_staff_photo(YCCK).expect("prepared");
        let rgb = image::load_from_memory(&prepared)
            .expect("our JPEG")
            .into_rgb8();
        for (x, want) in [(8, [255, 0, 0]), (24, [0, 255, 255]), (40, [128, 128, 128])] {
            let got = rgb.get_pixel(x, 8).0;
            let off = got.iter().zip(want).map(|(g, w)| g.abs_diff(w)).max();
            assert!(off <= Some(16), "patch at {x}: got {got:?}, want {want:?}");
        }
    }

    #[test]
    fn pictures_in_other_formats_are_named_as_not_accepted() {
        for (name, bytes) in [
            ("GIF", &b"GIF89a\x02\0\x02\0\0\0\0"[..]),
            ("HEIC", b"\0\0\0\x18ftypheic\0\0\0\0mif1heic"),
            ("AVIF", b"\0\0\0\x1cftypavif\0\0\0\0avifmif1miaf"),
            ("TIFF", b"II*\0\x08\0\0\0\0\0"),
        ] {
            assert_eq!(
                inspect(bytes),
                Err("format-not-accepted".to_owned()),
                "{name} is a picture, just not one the server takes"
            );
        }
        assert_eq!(inspect(b"plain text"), Err("not-a-picture".to_owned()));
    }

    #[test]
    fn a_broken_staff_photo_is_refused_not_stored_half_grey() {
        let raw = phone_photo();
        assert!(prepare_staff_photo(&raw[..raw.len() / 2]).is_err());
        assert!(prepare_staff_photo(b"not a picture").is_err());
    }
}
