//! The photo benchmark's other inputs (`cargo xtask bench photo`): the 12 MP test picture as
//! residents also hand it over — HEIC (heif-enc at quality 50, as an iPhone stores its photos,
//! though as one HEVC image where an iPhone writes a grid of 512 px tiles) and a CMYK JPEG
//! (ImageMagick, Adobe YCCK at quality 92, as Photoshop saves for print) — each prepared by
//! linli-core's `photo_prep` beside the same picture as an RGB JPEG: wall time of a fresh
//! process (hyperfine), the in-process median, peak RSS, and what came out.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context;

use crate::measure::{hyperfine, jpeg_size, peak_rss_mb};
use crate::sh::Cmd;

/// The table of the other inputs, for docs/benchmarks.md.
pub fn other_formats(dir: &Path, prep: &Path) -> anyhow::Result<String> {
    let plain = dir.join("src/photo12_noexif.jpg");
    let heic = dir.join("images/photo12.heic");
    let cmyk = dir.join("images/photo12-cmyk.jpg");
    let path = |p: &Path| p.display().to_string();
    if !heic.exists() {
        Cmd::new("heif-enc", &["-q", "50", "-o", &path(&heic), &path(&plain)]).run()?;
    }
    if !cmyk.exists() {
        Cmd::new(
            "convert",
            &[
                &path(&plain),
                "-colorspace",
                "cmyk",
                "-quality",
                "92",
                &path(&cmyk),
            ],
        )
        .run()?;
    }
    let inputs = [
        ("RGB JPEG (the same picture)", &plain),
        ("HEIC (heif-enc q50, HEVC 4:2:0)", &heic),
        ("CMYK JPEG (Adobe YCCK, 4:4:4, q92)", &cmyk),
    ];
    let mut report = String::from(
        "\n### photo12 in other formats (linli-core)\n\n\
         The 12 MP picture (4032×3024, no EXIF) as a HEIC made by heif-enc (one HEVC image; an \
         iPhone writes a grid of 512 px tiles, which libheif decodes tile by tile: not measured \
         here) \
         and as an Adobe YCCK JPEG made by ImageMagick (as Photoshop saves CMYK). HEIC has no \
         DCT shrink-on-load: it is decoded whole and resampled (Lanczos3) to 2048; CMYK is \
         decoded at the DCT scale like any JPEG, then converted to RGB.\n\n\
         | input | file MB | median ms (fresh process) | warm ms (in process) | peak RSS MB | output |\n\
         |---|---:|---:|---:|---:|---|\n",
    );
    for (name, input) in inputs {
        let out = dir.join(format!(
            "out/formats-{}.jpg",
            input
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("input")
        ));
        let command = vec![path(prep), "prep".to_owned(), path(input), path(&out)];
        let json = dir.join(format!(
            "formats-{}.json",
            input
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("input")
        ));
        let median_ms = hyperfine(&command, &[], &json)?;
        let rss_mb = peak_rss_mb(&command, &[])?;
        let warm: f64 = Cmd::new(
            &path(prep),
            &["warm".to_owned(), path(input), "15".to_owned()],
        )
        .output()?
        .trim()
        .parse()
        .context("read the warm time")?;
        let size = jpeg_size(&out)?;
        let mb = std::fs::metadata(input)?.len() as f64 / 1_048_576.0;
        let _ = writeln!(
            report,
            "| {name} | {mb:.1} | {median_ms:.0} | {warm:.0} | {rss_mb:.0} | {}×{} |",
            size.0, size.1
        );
    }
    Ok(report)
}
