//! Photos leaving the device: real phone JPEGs (tests/fixtures/photos, one per EXIF orientation,
//! each with GPS, make, model, serial numbers, an embedded thumbnail and XMP) go the whole way,
//! prepared by the core, queued with a report, uploaded over tus and stored by the backend, and
//! the bytes the backend stored are read back: no metadata segment, none of the phone's values
//! anywhere in them, no second JPEG inside, and the picture upright by its content (where each
//! of four coloured quadrants ended up), which a turn the wrong way or a mirror fails even when
//! width and height come out right.
//!
//! Each fixture is first checked to still carry all of it, so these checks cannot pass by the
//! input having lost what they look for.

use crate::support::Env;
use linli_wire::ipc::NewTicket;
use linli_wire::tickets::{TicketKind, TicketPlace, TicketUrgency};
use std::path::PathBuf;

/// The upright picture of every fixture: (width, height) and the colour of each quadrant, in
/// the order top left, top right, bottom left, bottom right (tests/fixtures/photos/README.md).
const UPRIGHT_SIZE: (u32, u32) = (2560, 1920);
const QUADRANTS: [(&str, [u8; 3]); 4] = [
    ("top left red", [220, 40, 40]),
    ("top right green", [40, 200, 60]),
    ("bottom left blue", [40, 60, 220]),
    ("bottom right yellow", [230, 210, 40]),
];
/// How far a quadrant's mean may be from its colour, per channel (JPEG at quality 80, twice).
const TOLERANCE: i32 = 24;

/// The text values the fixtures carry (in EXIF and XMP alike).
const PHONE_TEXT: [(&str, &[u8]); 4] = [
    ("Make", b"Xiaomi"),
    ("Model", b"Redmi Note 13 Pro"),
    ("SerialNumber", b"LNSN8842731XQ"),
    ("LensSerialNumber", b"LNLENS55021"),
];

/// The fixture stored with EXIF orientation `n` (1..=8).
pub fn fixture(n: u16) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/photos")
        .join(format!("orientation-{n}.jpg"))
}

/// The bytes the backend stored for an upload.
fn stored(env: &Env, id: uuid::Uuid) -> Vec<u8> {
    std::fs::read(env.server.data_dir().join("uploads").join(id.to_string()))
        .expect("the backend stored the photo")
}

/// The marker segments of a JPEG before its first scan: (marker, payload).
fn segments(jpeg: &[u8]) -> Vec<(u8, &[u8])> {
    assert!(jpeg.starts_with(&[0xFF, 0xD8]), "a JPEG starts with SOI");
    let mut out = Vec::new();
    let mut i = 2;
    while i + 4 <= jpeg.len() && jpeg[i] == 0xFF {
        let marker = jpeg[i + 1];
        if marker == 0xDA || marker == 0xD9 {
            break;
        }
        let len = usize::from(u16::from_be_bytes([jpeg[i + 2], jpeg[i + 3]]));
        let end = (i + 2 + len).min(jpeg.len());
        out.push((marker, &jpeg[(i + 4).min(end)..end]));
        i += 2 + len;
    }
    out
}

/// A TIFF structure (the body of an EXIF APP1 segment), read just far enough for the tags here.
struct Tiff<'a> {
    data: &'a [u8],
    big_endian: bool,
}

/// One IFD entry: tag and the bytes of its value.
struct Entry<'a> {
    tag: u16,
    value: &'a [u8],
}

impl<'a> Tiff<'a> {
    fn of(jpeg: &'a [u8]) -> Option<Tiff<'a>> {
        let (_, payload) = segments(jpeg)
            .into_iter()
            .find(|(marker, payload)| *marker == 0xE1 && payload.starts_with(b"Exif\0\0"))?;
        let data = &payload[6..];
        let big_endian = data.starts_with(b"MM");
        Some(Tiff { data, big_endian })
    }

    fn u16_at(&self, at: usize) -> usize {
        let b = [self.data[at], self.data[at + 1]];
        usize::from(if self.big_endian {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        })
    }

    fn u32_at(&self, at: usize) -> usize {
        let b: [u8; 4] = self.data[at..at + 4].try_into().expect("4 bytes");
        (if self.big_endian {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        }) as usize
    }

    /// The entries of the IFD at `offset` and the offset of the next IFD (0 if none).
    fn ifd(&self, offset: usize) -> (Vec<Entry<'a>>, usize) {
        let count = self.u16_at(offset);
        let entries = (0..count)
            .map(|k| {
                let at = offset + 2 + 12 * k;
                let size = match self.u16_at(at + 2) {
                    3 => 2,
                    4 | 9 => 4,
                    5 | 10 | 12 => 8,
                    _ => 1,
                } * self.u32_at(at + 4);
                let start = if size <= 4 {
                    at + 8
                } else {
                    self.u32_at(at + 8)
                };
                Entry {
                    tag: self.u16_at(at) as u16,
                    value: &self.data[start..start + size],
                }
            })
            .collect();
        (entries, self.u32_at(offset + 2 + 12 * count))
    }

    /// The entries of IFD0, and of IFD1 (the thumbnail's).
    fn ifd0_and_ifd1(&self) -> (Vec<Entry<'a>>, Vec<Entry<'a>>) {
        let (ifd0, next) = self.ifd(self.u32_at(4));
        let ifd1 = if next == 0 {
            Vec::new()
        } else {
            self.ifd(next).0
        };
        (ifd0, ifd1)
    }

    fn pointer(&self, entries: &[Entry], tag: u16) -> Option<usize> {
        let entry = entries.iter().find(|e| e.tag == tag)?;
        Some(
            Tiff {
                data: entry.value,
                big_endian: self.big_endian,
            }
            .u32_at(0),
        )
    }
}

/// What of the phone a fixture carries, as byte strings that must appear nowhere in a photo
/// that left the device: (name, bytes). The GPS values are the raw rationals of the GPS IFD.
fn phone_values(fixture: &[u8]) -> Vec<(String, Vec<u8>)> {
    let tiff = Tiff::of(fixture).expect("the fixture carries EXIF, or this proves nothing");
    let (ifd0, _) = tiff.ifd0_and_ifd1();
    let gps = tiff
        .pointer(&ifd0, 0x8825)
        .expect("the fixture has a GPS IFD, or this proves nothing");
    let (gps, _) = tiff.ifd(gps);
    let mut values: Vec<(String, Vec<u8>)> = [(2, "GPSLatitude"), (4, "GPSLongitude")]
        .into_iter()
        .map(|(tag, name)| {
            let value = gps
                .iter()
                .find(|e| e.tag == tag)
                .unwrap_or_else(|| panic!("the fixture has {name}, or this proves nothing"));
            assert_eq!(value.value.len(), 24, "{name} is three rationals");
            (name.to_owned(), value.value.to_vec())
        })
        .collect();
    values.extend(
        PHONE_TEXT
            .iter()
            .map(|(name, text)| ((*name).to_owned(), text.to_vec())),
    );
    values
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Number of JPEG start-of-image markers: entropy-coded data stuffs every 0xFF, so each one
/// is a JPEG of its own (an embedded thumbnail is the second).
fn jpegs_inside(bytes: &[u8]) -> usize {
    bytes.windows(2).filter(|w| *w == [0xFF, 0xD8]).count()
}

/// The fixture for orientation `n` carries everything a phone puts in: Orientation = n, GPS,
/// make, model, serial numbers, an IFD1 thumbnail (a second JPEG inside) and XMP.
pub fn assert_phone_fixture(raw: &[u8], n: u16) {
    let tiff = Tiff::of(raw).expect("the fixture carries EXIF");
    let (ifd0, ifd1) = tiff.ifd0_and_ifd1();
    let orientation = ifd0
        .iter()
        .find(|e| e.tag == 0x0112)
        .map(|e| {
            Tiff {
                data: e.value,
                big_endian: tiff.big_endian,
            }
            .u16_at(0)
        })
        .expect("the fixture has an Orientation tag");
    assert_eq!(usize::from(n), orientation, "fixture {n}'s Orientation");
    assert!(
        ifd1.iter().any(|e| e.tag == 0x0201),
        "fixture {n} embeds a thumbnail (IFD1 JPEGInterchangeFormat)"
    );
    assert_eq!(
        jpegs_inside(raw),
        2,
        "fixture {n}: the photo and its thumbnail"
    );
    assert!(
        segments(raw)
            .iter()
            .any(|(m, p)| *m == 0xE1 && p.starts_with(b"http://ns.adobe.com/xap/1.0/\0")),
        "fixture {n} carries XMP"
    );
    for (name, value) in phone_values(raw) {
        assert!(contains(raw, &value), "fixture {n} carries {name}");
    }
    assert_eq!(
        turns(raw).is_empty(),
        n == 1,
        "fixture {n}'s stored pixels are upright only for orientation 1, or this proves nothing"
    );
}

/// What of the phone is left in `stored`, one line each: an APP segment but JFIF and a colour
/// profile (EXIF, XMP, Photoshop IRB, maker segments), any of `fixture`'s values anywhere in
/// the bytes, a second JPEG (thumbnail) inside.
fn phone_traces(stored: &[u8], fixture: &[u8]) -> Vec<String> {
    let mut traces = Vec::new();
    for (marker, payload) in segments(stored) {
        let allowed = (marker == 0xE0 && payload.starts_with(b"JFIF\0"))
            || (marker == 0xE2 && payload.starts_with(b"ICC_PROFILE\0"));
        if (0xE0..=0xEF).contains(&marker) && !allowed {
            let head = String::from_utf8_lossy(&payload[..payload.len().min(30)]).into_owned();
            traces.push(format!("an APP{} segment ({head:?})", marker - 0xE0));
        }
    }
    for (name, value) in phone_values(fixture) {
        if contains(stored, &value) {
            traces.push(format!("its {name}"));
        }
    }
    for (name, marker) in [("EXIF", &b"Exif\0"[..]), ("XMP", b"<x:xmpmeta")] {
        if contains(stored, marker) {
            traces.push(name.to_owned());
        }
    }
    let jpegs = jpegs_inside(stored);
    if jpegs != 1 {
        traces.push(format!("{jpegs} JPEGs inside (an embedded thumbnail)"));
    }
    traces
}

/// How `stored` differs from the upright picture, one line each: not landscape 4:3, or a
/// quadrant's mean colour (its middle half, clear of the edges JPEG blurs) not where it belongs.
fn turns(stored: &[u8]) -> Vec<String> {
    let image = turbojpeg::decompress(stored, turbojpeg::PixelFormat::RGB).expect("a JPEG");
    let (w, h) = (image.width, image.height);
    let (uw, uh) = UPRIGHT_SIZE;
    let mut turns = Vec::new();
    if w <= h || (w * uh as usize).abs_diff(h * uw as usize) > w.max(h) * 2 {
        turns.push(format!("{w}×{h}, not landscape 4:3 like {uw}×{uh}"));
    }
    for (q, (name, colour)) in QUADRANTS.iter().enumerate() {
        let (x0, y0) = ((q % 2) * w / 2 + w / 8, (q / 2) * h / 2 + h / 8);
        let (qw, qh) = (w / 4, h / 4);
        let mut sum = [0u64; 3];
        for y in y0..y0 + qh {
            let row = &image.pixels[y * image.pitch..];
            for x in x0..x0 + qw {
                for (c, s) in sum.iter_mut().enumerate() {
                    *s += u64::from(row[3 * x + c]);
                }
            }
        }
        let mean = sum.map(|s| (s / (qw * qh) as u64) as i32);
        if !mean
            .iter()
            .zip(colour)
            .all(|(m, c)| (m - i32::from(*c)).abs() <= TOLERANCE)
        {
            turns.push(format!("the {name} quadrant is {mean:?}, not {colour:?}"));
        }
    }
    turns
}

/// Nothing of the phone in `stored` (see [`phone_traces`]).
pub fn assert_nothing_of_the_phone(stored: &[u8], fixture: &[u8], why: &str) {
    let traces = phone_traces(stored, fixture);
    assert!(traces.is_empty(), "{why}: left the device: {traces:?}");
}

/// `stored` shows the upright picture (see [`turns`]).
pub fn assert_upright(stored: &[u8], why: &str) {
    let turns = turns(stored);
    assert!(turns.is_empty(), "{why}: turned or mirrored: {turns:?}");
}

#[tokio::test]
async fn phone_photos_in_all_eight_orientations_reach_the_backend_upright_and_with_nothing_of_the_phone()
 {
    let env = Env::start().await;
    let (core, _) = env.signed_in().await;
    let mut sent = Vec::new();
    for n in 1..=8 {
        let raw = std::fs::read(fixture(n)).expect("fixture");
        assert_phone_fixture(&raw, n);
        let draft = core.prepare_photo(&fixture(n)).await.expect("prepared");
        sent.push((n, raw, draft.id));
    }
    core.submit_ticket(NewTicket {
        kind: TicketKind::Repair,
        category: "pipes".into(),
        place: TicketPlace::Unit,
        place_note: None,
        urgency: TicketUrgency::Normal,
        description: "卫生间天花板渗水，附八张照片".into(),
        visit_windows: Vec::new(),
        photo_ids: sent.iter().map(|(_, _, id)| *id).collect(),
        anonymous: false,
        bill_line_id: None,
    })
    .await
    .expect("queued");
    let status = core.sync_now().await.expect("sync");
    assert_eq!(
        status.outbox_pending, 0,
        "the report and its photos were sent"
    );
    assert_eq!(
        env.server
            .count("SELECT COUNT(*) FROM ticket_attachments")
            .await,
        8,
        "the backend holds all eight photos on the report"
    );
    // Every orientation is checked before the verdict, so a failure names all that failed.
    let mut failures = Vec::new();
    for (n, raw, id) in sent {
        let stored = stored(&env, id);
        for trace in phone_traces(&stored, &raw) {
            failures.push(format!("orientation {n}: left the device: {trace}"));
        }
        for turn in turns(&stored) {
            failures.push(format!("orientation {n}: not upright: {turn}"));
        }
    }
    assert!(
        failures.is_empty(),
        "every stored photo is upright and carries nothing of the phone:\n{}",
        failures.join("\n")
    );
}

/// One of the core's photo fixtures (crates/core/src/photo/fixtures).
fn core_fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../crates/core/src/photo/fixtures")
        .join(name)
}

/// The RGB of `jpeg`'s pixel at (x, y).
fn pixel(jpeg: &[u8], x: usize, y: usize) -> [u8; 3] {
    let image = turbojpeg::decompress(jpeg, turbojpeg::PixelFormat::RGB).expect("a JPEG");
    let at = y * image.pitch + 3 * x;
    [image.pixels[at], image.pixels[at + 1], image.pixels[at + 2]]
}

#[tokio::test]
async fn an_iphone_heic_and_a_cmyk_jpeg_reach_the_backend_as_the_same_clean_jpeg() {
    let env = Env::start().await;
    let (core, _) = env.signed_in().await;
    // A HEIC turned 90° by its container's irot, with EXIF (orientation 6, GPS, Make "ACME");
    // an Adobe YCCK JPEG with red, cyan and half-black patches (crates/core/src/photo/tests).
    let heic = core_fixture("irot90-exif-gps.heic");
    let cmyk = core_fixture("ycck-adobe-imagemagick.jpg");
    let heic_raw = std::fs::read(&heic).expect("fixture");
    assert!(contains(&heic_raw, b"ACME") && contains(&heic_raw, b"irot"));
    let heic_draft = core.prepare_photo(&heic).await.expect("a HEIC is prepared");
    let cmyk_draft = core
        .prepare_photo(&cmyk)
        .await
        .expect("a CMYK JPEG is prepared, not damaged");
    core.submit_ticket(NewTicket {
        kind: TicketKind::Repair,
        category: "pipes".into(),
        place: TicketPlace::Unit,
        place_note: None,
        urgency: TicketUrgency::Normal,
        description: "手机拍的 HEIC 照片和打印店的 CMYK 图片".into(),
        visit_windows: Vec::new(),
        photo_ids: vec![heic_draft.id, cmyk_draft.id],
        anonymous: false,
        bill_line_id: None,
    })
    .await
    .expect("queued");
    let status = core.sync_now().await.expect("sync");
    assert_eq!(
        status.outbox_pending, 0,
        "the report and both photos were sent"
    );
    assert_eq!(
        env.server
            .count("SELECT COUNT(*) FROM uploads WHERE status = 'complete'")
            .await,
        2,
        "the backend accepted both prepared photos"
    );

    let stored_heic = stored(&env, heic_draft.id);
    let header = turbojpeg::read_header(&stored_heic).expect("the backend holds a JPEG");
    assert_eq!(
        (header.width, header.height),
        (48, 64),
        "turned once by irot"
    );
    for needle in [&b"Exif\0"[..], b"ACME", b"ftyp"] {
        assert!(
            !contains(&stored_heic, needle),
            "nothing of the HEIC container or its EXIF reaches the backend ({needle:?})"
        );
    }
    let blue = pixel(&stored_heic, 40, 8);
    assert!(
        blue[2] > 200 && blue[0] < 60,
        "the blue quarter is top right after the turn: {blue:?}"
    );

    let stored_cmyk = stored(&env, cmyk_draft.id);
    for (x, want) in [(8, [255, 0, 0]), (24, [0, 255, 255]), (40, [128, 128, 128])] {
        let got = pixel(&stored_cmyk, x, 8);
        assert!(
            got.iter().zip(want).all(|(g, w)| g.abs_diff(w) <= 24),
            "the CMYK patch at x={x} is {got:?} in the stored photo, not {want:?}"
        );
    }
}
