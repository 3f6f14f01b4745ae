//! What the server accepts as an attachment: a picture it can read the header of (JPEG, PNG,
//! WebP), within size limits. Only the header is read: the app has already prepared the
//! photo; this is the server refusing anything else.

/// Largest attachment side accepted.
pub const MAX_SIDE: u32 = 8192;

/// The picture's size, or why it is refused (a short reason code).
pub fn inspect(bytes: &[u8]) -> Result<(u32, u32), String> {
    let format = match bytes {
        [0xFF, 0xD8, 0xFF, ..] => image::ImageFormat::Jpeg,
        [0x89, b'P', b'N', b'G', ..] => image::ImageFormat::Png,
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
        ] => image::ImageFormat::WebP,
        [] => return Err("empty".into()),
        _ => return Err("not-a-picture".into()),
    };
    let (width, height) = image::ImageReader::with_format(std::io::Cursor::new(bytes), format)
        .into_dimensions()
        .map_err(|_| "unreadable".to_owned())?;
    if width == 0 || height == 0 || width > MAX_SIDE || height > MAX_SIDE {
        return Err("too-large".into());
    }
    Ok((width, height))
}
