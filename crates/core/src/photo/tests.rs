//! The photo pipeline's tests: scale choice and format sniffing, and what a resident's device
//! may hand us (hostile files), each refused with its own reason.

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
    assert_eq!(sniff(b"\0\0\0\x18ftypheic\0\0\0\0"), Ok(Kind::Heif));
    assert_eq!(sniff(b"\0\0\0\x1cftypavif\0\0\0\0"), Ok(Kind::Heif));
    assert_eq!(sniff(b"GIF89a\x01\0\x01\0"), Ok(Kind::Gif));
    assert_eq!(sniff(b"II*\0\x08\0\0\0"), Ok(Kind::Unsupported("TIFF")));
    assert_eq!(sniff(b"BM\x3a\0\0\0"), Ok(Kind::Unsupported("BMP")));
    assert_eq!(sniff(b"\xFF\x0A\xFA\x7F"), Ok(Kind::Unsupported("JPEG XL")));
    assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Ok(Kind::Webp));
}

#[test]
fn an_icc_profile_survives_in_app2_chunks() {
    let jpeg = [0xFF, 0xD8, 0xFF, 0xD9];
    let profile = vec![7u8; 70_000];
    let out = with_icc(&jpeg, &profile);
    let icc = jpeg_markers(&out).icc;
    assert_eq!(
        icc.as_deref(),
        Some(profile.as_slice()),
        "split over two chunks and joined back"
    );
}

pub(super) mod hostile {
    //! What a resident's device may hand us: each refused with its own reason, nothing huge
    //! allocated, and metadata gone from what is kept.
    use super::*;
    use image::metadata::Orientation;
    use turbojpeg::PixelFormat;

    fn jpeg(width: u32, height: u32) -> Vec<u8> {
        let pixels: Vec<u8> = (0..width * height * 3)
            .map(|i| (i * 7 % 251) as u8)
            .collect();
        encode(&pixels, width, height, None).expect("encode")
    }

    /// An APP1 Exif segment with Orientation = `orientation`, a device name and a GPS IFD.
    pub(in crate::photo) fn exif_app1(orientation: u16) -> Vec<u8> {
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
            jpeg_markers(&source).orientation,
            Orientation::Rotate90,
            "the test file carries EXIF"
        );
        let prepared = prepare(&source).expect("prepared");
        assert_eq!(
            (prepared.width, prepared.height),
            (48, 64),
            "turned upright"
        );
        let markers = jpeg_markers(&prepared.jpeg);
        assert_eq!(markers.orientation, Orientation::NoTransforms);
        assert!(markers.icc.is_none());
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
        assert!(
            matches!(
                prepare(b"\0\0\0\x18ftypheic\0\0\0\0mif1heic"),
                Err(PhotoError::Damaged(_))
            ),
            "a HEIC with no boxes after ftyp is damaged: {:?}",
            prepare(b"\0\0\0\x18ftypheic\0\0\0\0mif1heic")
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
