//! Reading the join QR code from a picture (a photo of the notice board, a saved image): the
//! picture is decoded (JPEG, PNG or WebP), turned grey and searched for QR codes with rqrr.
//! The first code that holds a join link wins. No code that can be read is `qr-not-found`;
//! codes that hold something else are `join-link-invalid`.

use crate::error::{Error, PhotoError};
use linli_wire::join::JoinLink;

/// Longest side the search runs on: a phone photo is scaled down first (a QR code on a
/// notice board stays readable, and the search stays fast).
const MAX_SIDE: u32 = 2000;

/// The join link in the picture `bytes`.
pub(crate) fn read_join_qr(bytes: &[u8]) -> Result<JoinLink, Error> {
    if bytes.is_empty() {
        return Err(PhotoError::Empty.into());
    }
    let reader = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| PhotoError::NotAnImage)?;
    if reader.format().is_none() {
        return Err(PhotoError::NotAnImage.into());
    }
    let picture = reader
        .decode()
        .map_err(|err| PhotoError::Damaged(err.to_string()))?;
    let picture = if picture.width().max(picture.height()) > MAX_SIDE {
        picture.resize(MAX_SIDE, MAX_SIDE, image::imageops::FilterType::Triangle)
    } else {
        picture
    };
    let mut prepared = rqrr::PreparedImage::prepare(picture.to_luma8());
    let mut other = None;
    for grid in prepared.detect_grids() {
        let Ok((_, content)) = grid.decode() else {
            continue;
        };
        match JoinLink::parse(&content) {
            Ok(link) => return Ok(link),
            Err(err) => other = Some(err),
        }
    }
    Err(other.map_or(Error::QrNotFound, Error::JoinLink))
}

#[cfg(test)]
mod tests {
    use super::*;
    use linli_wire::ErrorCode;

    fn qr_png(text: &str) -> Vec<u8> {
        let code = qrcode::QrCode::new(text.as_bytes()).expect("qr");
        let picture = code.render::<image::Luma<u8>>().build();
        let mut png = Vec::new();
        image::DynamicImage::ImageLuma8(picture)
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .expect("png");
        png
    }

    const LINK: &str =
        "https://wuye.example.cn/join/01936f5e-0000-7000-8000-000000000001?name=%E7%BF%A0";

    #[test]
    fn a_join_qr_code_reads_back() {
        let link = read_join_qr(&qr_png(LINK)).expect("the QR code is a join link");
        assert_eq!(link.to_string(), LINK, "the same link");
    }

    #[test]
    fn pictures_without_a_join_link_are_refused_by_their_code() {
        let blank = {
            let mut png = Vec::new();
            image::DynamicImage::new_luma8(64, 64)
                .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
                .expect("png");
            png
        };
        let cases = [
            (blank, ErrorCode::QrNotFound, "a picture with no QR code"),
            (
                qr_png("https://example.cn/not-a-join-link"),
                ErrorCode::JoinLinkInvalid,
                "a QR code that is not a join link",
            ),
            (
                b"not a picture".to_vec(),
                ErrorCode::PhotoUnreadable,
                "not a picture",
            ),
            (Vec::new(), ErrorCode::PhotoEmpty, "an empty file"),
        ];
        for (bytes, code, what) in cases {
            let err = read_join_qr(&bytes).expect_err(what);
            assert_eq!(err.code(), code, "{what}: {err}");
        }
    }
}
