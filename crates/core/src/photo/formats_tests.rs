//! The pictures residents really have, beyond a camera's RGB JPEG: CMYK and YCCK JPEGs, HEIC
//! (made by Debian's heif-enc, and by libheif in the test with a rotation in its container),
//! AVIF, GIF (still, animated, transparent), WebP with alpha, 16-bit PNG; and the accurate
//! refusal of what is still not read. Each checks colours of known patches in what comes out,
//! not just that something came out.

use super::encode::with_icc;
use super::tests::hostile::exif_app1;
use super::*;
use turbojpeg::{Colorspace, Compressor, PixelFormat, Subsamp};

/// Made with ImageMagick 6.9.11: three 16 px patches, CMYK (0,100,100,0) (100,0,0,0) and
/// (0,0,0,50%) written as an Adobe YCCK JPEG (APP14 transform 2), inks inverted, as Photoshop
/// saves CMYK.
const YCCK_IMAGEMAGICK: &[u8] = include_bytes!("fixtures/ycck-adobe-imagemagick.jpg");
/// Made with heif-enc 1.15.1 from a 64×48 JPEG (top-left quarter blue, the rest red) carrying
/// EXIF orientation 6, GPS and Make "ACME": heif-enc keeps the EXIF block but writes no `irot`,
/// so the picture is upright as stored.
const HEIC_EXIF_GPS: &[u8] = include_bytes!("fixtures/exif-rot90-gps-heif-enc.heic");
/// Made with libheif 1.15.1 by fixtures/heic-irot.c: the same picture, turned 90° clockwise by
/// the container's `irot`, and the same EXIF block (orientation 6, GPS, "ACME"). (libheif-rs
/// 0.20 frees its encoding options before it encodes, so the test cannot write `irot` itself.)
const HEIC_IROT_EXIF_GPS: &[u8] = include_bytes!("fixtures/irot90-exif-gps.heic");

/// The RGB of the prepared JPEG's pixel at (x, y).
fn pixel(prepared: &PreparedPhoto, x: u32, y: u32) -> [u8; 3] {
    let image = turbojpeg::decompress(&prepared.jpeg, PixelFormat::RGB).expect("our output");
    let at = (y as usize * image.width + x as usize) * 3;
    [image.pixels[at], image.pixels[at + 1], image.pixels[at + 2]]
}

fn near(got: [u8; 3], want: [u8; 3], what: &str) {
    let off = got
        .iter()
        .zip(want)
        .map(|(g, w)| g.abs_diff(w))
        .max()
        .unwrap_or(0);
    assert!(off <= 16, "{what}: got {got:?}, want {want:?} (±16)");
}

fn no_metadata(prepared: &PreparedPhoto) {
    for needle in [&b"Exif"[..], b"ACME", b"GPS"] {
        for (name, bytes) in [("photo", &prepared.jpeg), ("thumbnail", &prepared.thumb)] {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle),
                "no {needle:?} in the {name}"
            );
        }
    }
}

/// A 48×16 CMYK JPEG with the same three patches, inks stored inverted as Adobe does, in the
/// JPEG colour space `space` (libjpeg writes the Adobe marker for both).
fn cmyk_jpeg(space: Colorspace) -> Vec<u8> {
    let patches: [[u8; 4]; 3] = [[0, 255, 255, 0], [255, 0, 0, 0], [0, 0, 0, 128]];
    let mut pixels = Vec::new();
    for _ in 0..16 {
        for patch in patches {
            for _ in 0..16 {
                pixels.extend(patch.map(|ink| 255 - ink));
            }
        }
    }
    let mut compressor = Compressor::new().expect("compressor");
    compressor.set_quality(95).expect("quality");
    compressor.set_subsamp(Subsamp::None).expect("4:4:4");
    compressor.set_colorspace(space).expect("colour space");
    let image = turbojpeg::Image {
        pixels: pixels.as_slice(),
        width: 48,
        pitch: 48 * 4,
        height: 16,
        format: PixelFormat::CMYK,
    };
    compressor.compress_to_vec(image).expect("CMYK JPEG")
}

/// A fake ICC profile header of data colour space `space` ("RGB ", "CMYK").
fn profile(space: &[u8; 4]) -> Vec<u8> {
    let mut icc = vec![0u8; 132];
    icc[16..20].copy_from_slice(space);
    icc[36..40].copy_from_slice(b"acsp");
    icc
}

#[test]
fn cmyk_and_ycck_jpegs_come_out_in_their_colours() {
    let made = [
        (
            "ImageMagick's YCCK",
            YCCK_IMAGEMAGICK.to_vec(),
            Colorspace::YCCK,
        ),
        (
            "libjpeg's YCCK",
            cmyk_jpeg(Colorspace::YCCK),
            Colorspace::YCCK,
        ),
        (
            "libjpeg's plain CMYK",
            cmyk_jpeg(Colorspace::CMYK),
            Colorspace::CMYK,
        ),
    ];
    for (name, source, space) in made {
        let header = turbojpeg::read_header(&source).expect("a JPEG");
        assert_eq!(
            header.colorspace, space,
            "{name}: the test file is what it says"
        );
        assert!(
            jpeg_markers(&source).adobe,
            "{name}: carries the Adobe marker"
        );
        let prepared = prepare(&source).unwrap_or_else(|err| panic!("{name}: {err}"));
        assert_eq!((prepared.width, prepared.height), (48, 16), "{name}");
        near(
            pixel(&prepared, 8, 8),
            [255, 0, 0],
            &format!("{name}: magenta+yellow"),
        );
        near(
            pixel(&prepared, 24, 8),
            [0, 255, 255],
            &format!("{name}: cyan"),
        );
        near(
            pixel(&prepared, 40, 8),
            [128, 128, 128],
            &format!("{name}: half black"),
        );
    }
}

#[test]
fn only_an_rgb_colour_profile_goes_on() {
    let cmyk = with_icc(&cmyk_jpeg(Colorspace::YCCK), &profile(b"CMYK"));
    let prepared = prepare(&cmyk).expect("prepared");
    assert_eq!(
        jpeg_markers(&prepared.jpeg).icc,
        None,
        "a CMYK profile would misdescribe the RGB we write"
    );
    let rgb = with_icc(&cmyk_jpeg(Colorspace::YCCK), &profile(b"RGB "));
    let prepared = prepare(&rgb).expect("prepared");
    assert_eq!(
        jpeg_markers(&prepared.jpeg).icc,
        Some(profile(b"RGB ")),
        "an RGB profile is kept"
    );
}

#[test]
fn a_heic_from_heif_enc_is_prepared_without_its_exif() {
    assert_eq!(sniff(HEIC_EXIF_GPS), Ok(Kind::Heif));
    assert!(
        HEIC_EXIF_GPS.windows(4).any(|w| w == b"ACME"),
        "the test file carries EXIF with a device name"
    );
    let prepared = prepare(HEIC_EXIF_GPS).expect("a HEIC is prepared");
    assert_eq!(
        (prepared.width, prepared.height),
        (64, 48),
        "no irot: upright as stored; the EXIF orientation of a HEIF is not applied"
    );
    near(pixel(&prepared, 8, 6), [0, 0, 255], "top-left quarter");
    near(pixel(&prepared, 48, 36), [255, 0, 0], "the rest");
    no_metadata(&prepared);
    assert!(prepared.jpeg.starts_with(&[0xFF, 0xD8, 0xFF]), "a JPEG");
}

/// A 64×48 picture (top-left quarter blue, the rest red) encoded by libheif as `format`, with
/// an EXIF block (orientation 6, GPS, Make "ACME").
fn heif(format: libheif_rs::CompressionFormat) -> Vec<u8> {
    use libheif_rs::{Channel, ColorSpace, EncoderQuality, HeifContext, LibHeif, RgbChroma};
    let lib = LibHeif::new();
    let mut image = libheif_rs::Image::new(64, 48, ColorSpace::Rgb(RgbChroma::Rgb)).expect("image");
    image
        .create_plane(Channel::Interleaved, 64, 48, 8)
        .expect("plane");
    let planes = image.planes_mut();
    let plane = planes.interleaved.expect("interleaved");
    for y in 0..48usize {
        for x in 0..64usize {
            let at = y * plane.stride + x * 3;
            let colour = if x < 32 && y < 24 {
                [0, 0, 255]
            } else {
                [255, 0, 0]
            };
            plane.data[at..at + 3].copy_from_slice(&colour);
        }
    }
    let mut encoder = lib.encoder_for_format(format).expect("an encoder");
    encoder
        .set_quality(EncoderQuality::Lossy(90))
        .expect("quality");
    let mut context = HeifContext::new().expect("context");
    let handle = context
        .encode_image(&image, &mut encoder, None)
        .expect("encoded");
    let exif = exif_app1(6);
    context
        .add_exif_metadata(&handle, &exif[10..])
        .expect("EXIF added");
    context.write_to_bytes().expect("written")
}

#[test]
fn a_heic_turned_in_its_container_is_turned_once_and_loses_its_gps() {
    let source = HEIC_IROT_EXIF_GPS;
    assert!(
        source.windows(4).any(|w| w == b"irot"),
        "the test file carries an irot box"
    );
    assert!(
        source.windows(4).any(|w| w == b"ACME"),
        "and EXIF with a device name and GPS"
    );
    let prepared = prepare(source).expect("prepared");
    assert_eq!(
        (prepared.width, prepared.height),
        (48, 64),
        "turned 90° by irot once (twice, with EXIF's too, would be 64×48 again)"
    );
    near(
        pixel(&prepared, 40, 8),
        [0, 0, 255],
        "blue quarter now top-right",
    );
    near(pixel(&prepared, 8, 8), [255, 0, 0], "red top-left");
    no_metadata(&prepared);

    let truncated = &source[..source.len() * 2 / 3];
    assert!(
        matches!(prepare(truncated), Err(PhotoError::Damaged(_))),
        "a cut HEIC is damaged: {:?}",
        prepare(truncated)
    );
}

#[test]
fn an_avif_is_prepared_too() {
    let source = heif(libheif_rs::CompressionFormat::Av1);
    assert_eq!(
        heif::format_name(&source),
        "AVIF",
        "the test file is an AVIF"
    );
    let prepared = prepare(&source).expect("prepared");
    assert_eq!((prepared.width, prepared.height), (64, 48));
    near(pixel(&prepared, 8, 6), [0, 0, 255], "top-left quarter");
    near(pixel(&prepared, 48, 36), [255, 0, 0], "the rest");
    no_metadata(&prepared);
}

fn encoded(image: image::DynamicImage, format: image::ImageFormat) -> Vec<u8> {
    let mut out = Vec::new();
    image
        .write_to(&mut std::io::Cursor::new(&mut out), format)
        .expect("encoded");
    out
}

#[test]
fn gifs_are_prepared_an_animation_by_its_first_frame() {
    let red = image::RgbaImage::from_pixel(20, 10, image::Rgba([255, 0, 0, 255]));
    let still = encoded(red.clone().into(), image::ImageFormat::Gif);
    let prepared = prepare(&still).expect("a still GIF is a picture");
    assert_eq!((prepared.width, prepared.height), (20, 10));
    near(pixel(&prepared, 10, 5), [255, 0, 0], "still GIF");

    let mut animated = Vec::new();
    {
        let mut encoder = image::codecs::gif::GifEncoder::new(&mut animated);
        let blue = image::RgbaImage::from_pixel(20, 10, image::Rgba([0, 0, 255, 255]));
        encoder
            .encode_frames([image::Frame::new(red), image::Frame::new(blue)])
            .expect("animated GIF");
    }
    let prepared = prepare(&animated).expect("an animated GIF gives its first frame");
    near(pixel(&prepared, 10, 5), [255, 0, 0], "the first frame");

    let clear = image::RgbaImage::from_pixel(20, 10, image::Rgba([0, 0, 0, 0]));
    let prepared = prepare(&encoded(clear.into(), image::ImageFormat::Gif)).expect("prepared");
    near(
        pixel(&prepared, 10, 5),
        [255, 255, 255],
        "transparent GIF on white",
    );

    assert!(
        matches!(
            prepare(&still[..still.len() / 2]),
            Err(PhotoError::Damaged(_))
        ),
        "a cut GIF is damaged: {:?}",
        prepare(&still[..still.len() / 2])
    );
}

#[test]
fn webp_with_alpha_and_16_bit_png_keep_their_colours() {
    let half = image::RgbaImage::from_fn(20, 10, |x, _| {
        image::Rgba(if x < 10 {
            [0, 128, 0, 255]
        } else {
            [0, 0, 0, 0]
        })
    });
    let prepared = prepare(&encoded(half.into(), image::ImageFormat::WebP)).expect("WebP");
    near(pixel(&prepared, 4, 5), [0, 128, 0], "opaque green");
    near(
        pixel(&prepared, 15, 5),
        [255, 255, 255],
        "transparent on white",
    );

    let deep =
        image::ImageBuffer::<image::Rgb<u16>, _>::from_pixel(20, 10, image::Rgb([65535, 32896, 0]));
    let png = encoded(
        image::DynamicImage::ImageRgb16(deep),
        image::ImageFormat::Png,
    );
    assert_eq!(png[24], 16, "the test file is 16 bits a channel");
    let prepared = prepare(&png).expect("16-bit PNG");
    near(
        pixel(&prepared, 10, 5),
        [255, 128, 0],
        "16 bits brought to 8",
    );

    assert!(
        matches!(prepare(&png[..png.len() - 20]), Err(PhotoError::Damaged(_))),
        "a cut PNG is damaged"
    );
}

#[test]
fn formats_not_read_are_named_not_called_damaged() {
    let tiff = b"II*\0\x08\0\0\0\0\0\0\0";
    let err = prepare(tiff).expect_err("TIFF is not read");
    assert_eq!(err, PhotoError::Unsupported { format: "TIFF" });
    assert!(
        err.to_string().contains("TIFF"),
        "the message names it: {err}"
    );
    assert_eq!(
        crate::error::photo_code(&err),
        linli_wire::ErrorCode::PhotoFormatUnsupported
    );
    assert_eq!(
        prepare(b"BM\x3a\0\0\0\0\0\0\0\x36\0\0\0"),
        Err(PhotoError::Unsupported { format: "BMP" })
    );
    assert_eq!(
        prepare(b"%PDF-1.7\n"),
        Err(PhotoError::Unsupported { format: "PDF" })
    );
}
