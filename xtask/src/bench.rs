//! `cargo xtask bench [photo|kill|startup|cache|outbox|sync|load]`: speed, memory and quality
//! figures, each benchmark writing its own section of docs/benchmarks.md with the machine and
//! the date ([`crate::bench_kit::write_section`] keeps the others). Never part of `cargo xtask
//! test`: timings belong in benchmarks, not in tests that can fail on a busy machine. Issue
//! 12's benchmarks are one file each (bench_startup.rs, bench_cache.rs, bench_outbox.rs,
//! bench_sync.rs, bench_load.rs), each side by side with its reference in one run and
//! printing met/missed against the target.
//!
//! `photo` makes the test set of ../shared/research/photo-bench.md (a real camera photo from a
//! Debian wallpaper package, at 12 MP and, upscaled with sensor-like noise, 48 MP, both with
//! phone EXIF: orientation 6, GPS, device, an embedded thumbnail), then runs linli-core's
//! photo pipeline (`photo_prep`, release build) side by side with `vipsthumbnail` and
//! ImageMagick, single-threaded, on the same files: wall time with hyperfine, peak RSS with
//! /usr/bin/time, SSIM against a Lanczos3 reference of the same size, and exiftool on what
//! the pipeline kept. The same 12 MP picture as HEIC and as a CMYK JPEG follows
//! ([`crate::bench_formats`]).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use crate::measure::{hyperfine, jpeg_size, peak_rss_mb};
use crate::setup;
use crate::sh::{Cmd, cargo, root};

/// What the photo benchmark needs beyond the test set-up.
const PACKAGES: &[&str] = &[
    "libvips-tools",
    "imagemagick",
    "libimage-exiftool-perl",
    "libjpeg-turbo-progs",
    "hyperfine",
    "time",
    // The HEIC input of the other formats' table (bench_formats.rs).
    "libheif-examples",
];

/// Runs in the kill -9 soak when none is given.
const SOAK_RUNS: u32 = 500;

/// The benchmarks by name, in the order `cargo xtask bench` runs them all.
const NAMES: &[&str] = &[
    "photo", "kill", "startup", "cache", "outbox", "sync", "load",
];

/// Runs the named benchmark (all when none is named).
pub fn run(which: Option<&str>) -> anyhow::Result<()> {
    match which {
        None => NAMES.iter().try_for_each(|name| run(Some(name))),
        Some("photo") => photo(),
        Some("kill") => crate::soak::kill(SOAK_RUNS),
        Some("startup") => crate::bench_startup::run(),
        Some("cache") => crate::bench_cache::run(),
        Some("outbox") => crate::bench_outbox::run(),
        Some("load") => crate::bench_load::run(),
        Some("sync") => crate::bench_sync::run(),
        Some(other) => bail!("no benchmark named {other}; try one of {NAMES:?}"),
    }
}

/// A tool under test: its name, its command line, its environment.
type Tool = (&'static str, Vec<String>, Vec<(&'static str, &'static str)>);

struct Row {
    tool: &'static str,
    median_ms: f64,
    rss_mb: f64,
    out_kb: u64,
    size: (u32, u32),
    ssim: f64,
}

fn photo() -> anyhow::Result<()> {
    setup::apt_packages(PACKAGES)?;
    let dir = root().join("target/bench/photo");
    let images = make_test_set(&dir)?;
    cargo(&[
        "build",
        "--release",
        "-p",
        "linli-core",
        "--example",
        "photo_prep",
    ])
    .run()?;
    let prep = root().join("target/release/examples/photo_prep");
    let out = dir.join("out");
    std::fs::create_dir_all(&out)?;

    let mut report = String::new();
    let mut verdicts = Vec::new();
    for (name, input) in &images {
        let mut rows = Vec::new();
        let tools: [Tool; 3] = [
            (
                "linli-core (photo_prep)",
                vec![
                    prep.display().to_string(),
                    "prep".into(),
                    input.display().to_string(),
                    out.join(format!("{name}-linli.jpg")).display().to_string(),
                ],
                vec![],
            ),
            (
                "vipsthumbnail [1 thread]",
                vec![
                    "vipsthumbnail".into(),
                    input.display().to_string(),
                    "-s".into(),
                    "2048".into(),
                    "-o".into(),
                    format!(
                        "{}[Q=80,strip]",
                        out.join(format!("{name}-vips.jpg")).display()
                    ),
                ],
                vec![("VIPS_CONCURRENCY", "1")],
            ),
            (
                "ImageMagick convert [1 thread]",
                vec![
                    "convert".into(),
                    "-define".into(),
                    "jpeg:size=2048x2048".into(),
                    input.display().to_string(),
                    "-auto-orient".into(),
                    "-resize".into(),
                    "2048x2048>".into(),
                    "-strip".into(),
                    "-quality".into(),
                    "80".into(),
                    out.join(format!("{name}-im.jpg")).display().to_string(),
                ],
                vec![("MAGICK_THREAD_LIMIT", "1"), ("OMP_NUM_THREADS", "1")],
            ),
        ];
        for (tool, command, env) in tools {
            let output_file = PathBuf::from(if tool.starts_with("vips") {
                out.join(format!("{name}-vips.jpg")).display().to_string()
            } else {
                command.last().cloned().unwrap_or_default()
            });
            let median_ms = hyperfine(
                &command,
                &env,
                &dir.join(format!(
                    "{name}-{}.json",
                    tool.split(' ').next().unwrap_or("tool")
                )),
            )?;
            let rss_mb = peak_rss_mb(&command, &env)?;
            let size = jpeg_size(&output_file)?;
            let reference = dir.join(format!("ref/{name}_{}x{}.png", size.0, size.1));
            if !reference.exists() {
                make_reference(&dir, name, size)?;
            }
            let ssim: f64 = Cmd::new(
                &prep.display().to_string(),
                &[
                    "ssim".to_owned(),
                    output_file.display().to_string(),
                    reference.display().to_string(),
                ],
            )
            .output()?
            .trim()
            .parse()
            .context("read SSIM")?;
            rows.push(Row {
                tool,
                median_ms,
                rss_mb,
                out_kb: std::fs::metadata(&output_file)?.len() / 1024,
                size,
                ssim,
            });
        }
        let warm: f64 = Cmd::new(
            &prep.display().to_string(),
            &[
                "warm".to_owned(),
                input.display().to_string(),
                "15".to_owned(),
            ],
        )
        .output()?
        .trim()
        .parse()
        .context("read the warm time")?;
        let exif = Cmd::new(
            "exiftool",
            &[
                "-s",
                "-GPS:all",
                "-Make",
                "-Model",
                "-SerialNumber",
                "-ThumbnailImage",
                "-Orientation",
                &out.join(format!("{name}-linli.jpg")).display().to_string(),
            ],
        )
        .output()?;
        if !exif.trim().is_empty() {
            bail!("metadata left in the prepared {name}: {exif}");
        }

        let vips = &rows[1];
        let ours = &rows[0];
        let ratio = ours.median_ms / vips.median_ms;
        let _ = writeln!(report, "\n### {name}\n");
        let _ = writeln!(
            report,
            "| tool | median ms | × vips | peak RSS MB | output | KB | SSIM vs Lanczos3 reference |"
        );
        let _ = writeln!(report, "|---|---:|---:|---:|---|---:|---:|");
        for row in &rows {
            let _ = writeln!(
                report,
                "| {} | {:.0} | {:.2} | {:.0} | {}×{} | {} | {:.4} |",
                row.tool,
                row.median_ms,
                row.median_ms / vips.median_ms,
                row.rss_mb,
                row.size.0,
                row.size.1,
                row.out_kb,
                row.ssim
            );
        }
        let _ = writeln!(
            report,
            "\nlinli-core warm, in one process (what the running app pays): {warm:.0} ms median of 15. exiftool finds no GPS, device, serial, thumbnail or orientation tag in its output."
        );
        verdicts.push(format!(
            "- {name}: time {:.2}× vips (target ≤ 0.40: {}), peak RSS {:.0} MB vs vips {:.0} MB ({}), SSIM {:.4} vs vips {:.4} (within 0.01: {})",
            ratio,
            if ratio <= 0.40 { "met" } else { "NOT met" },
            ours.rss_mb,
            vips.rss_mb,
            if ours.rss_mb < vips.rss_mb { "lower, met" } else { "NOT met" },
            ours.ssim,
            vips.ssim,
            if (ours.ssim - vips.ssim).abs() <= 0.01 { "met" } else { "NOT met" },
        ));
    }
    report.push_str(&crate::bench_formats::other_formats(&dir, &prep)?);
    write_report(&report, &verdicts)
}

/// Full decode, rotate to upright, Lanczos3 to `size`, lossless PNG.
fn make_reference(dir: &Path, name: &str, size: (u32, u32)) -> anyhow::Result<()> {
    let upright = dir.join(format!("src/{name}-upright.v"));
    if !upright.exists() {
        let plain = dir.join(format!("src/{name}_noexif.jpg"));
        Cmd::new(
            "vips",
            &[
                "rot".to_owned(),
                plain.display().to_string(),
                upright.display().to_string(),
                "d90".into(),
            ],
        )
        .run()?;
    }
    let width: f64 = Cmd::new(
        "vipsheader",
        &["-f", "width", &upright.display().to_string()],
    )
    .output()?
    .trim()
    .parse()?;
    std::fs::create_dir_all(dir.join("ref"))?;
    let scale = f64::from(size.0) / width;
    let out = dir.join(format!("ref/{name}_{}x{}.png", size.0, size.1));
    Cmd::new(
        "vips",
        &[
            "resize".to_owned(),
            upright.display().to_string(),
            out.display().to_string(),
            format!("{scale}"),
            "--kernel".into(),
            "lanczos3".into(),
        ],
    )
    .run()
}

/// Builds photo12.jpg and photo48.jpg (photo-bench.md, appendix A) once.
fn make_test_set(dir: &Path) -> anyhow::Result<Vec<(String, PathBuf)>> {
    let src = dir.join("src");
    let images = dir.join("images");
    std::fs::create_dir_all(&src)?;
    std::fs::create_dir_all(&images)?;
    let dragonfly = src.join("Dragonfly_by_Bolly.jpg");
    if !dragonfly.exists() {
        Cmd::new("apt-get", &["download", "lomiri-wallpapers-16.04"])
            .dir("target/bench/photo/src")
            .run()?;
        let deb = std::fs::read_dir(&src)?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|e| e == "deb"))
            .context("the wallpaper package was not downloaded")?;
        let script = format!(
            "dpkg-deb --fsys-tarfile '{}' | tar -xO ./usr/share/backgrounds/Dragonfly_by_Bolly.jpg > '{}'",
            deb.display(),
            dragonfly.display()
        );
        Cmd::new("sh", &["-c", &script]).run()?;
    }
    let mut out = Vec::new();
    for (name, scale, noise) in [
        ("photo12", "0.9545454545454546", false),
        ("photo48", "1.9090909090909092", true),
    ] {
        let target = images.join(format!("{name}.jpg"));
        if !target.exists() {
            let s = |f: &str| src.join(f).display().to_string();
            Cmd::new(
                "vips",
                &[
                    "resize",
                    &dragonfly.display().to_string(),
                    &s(&format!("{name}.v")),
                    scale,
                    "--kernel",
                    "lanczos3",
                ],
            )
            .env("VIPS_CONCURRENCY", "1")
            .run()?;
            let pixels = if noise {
                Cmd::new(
                    "vips",
                    &[
                        "gaussnoise",
                        &s("noise.v"),
                        "8064",
                        "6048",
                        "--sigma",
                        "2.5",
                        "--mean",
                        "0",
                        "--seed",
                        "42",
                    ],
                )
                .run()?;
                Cmd::new(
                    "vips",
                    &["add", &s(&format!("{name}.v")), &s("noise.v"), &s("sum.v")],
                )
                .run()?;
                Cmd::new(
                    "vips",
                    &["cast", &s("sum.v"), &s(&format!("{name}.ppm")), "uchar"],
                )
                .run()?;
                s(&format!("{name}.ppm"))
            } else {
                Cmd::new(
                    "vips",
                    &["copy", &s(&format!("{name}.v")), &s(&format!("{name}.ppm"))],
                )
                .run()?;
                s(&format!("{name}.ppm"))
            };
            let plain = s(&format!("{name}_noexif.jpg"));
            Cmd::new(
                "cjpeg",
                &[
                    "-quality", "92", "-sample", "2x2", "-outfile", &plain, &pixels,
                ],
            )
            .run()?;
            std::fs::copy(&plain, &target)?;
            Cmd::new(
                "vips",
                &[
                    "thumbnail",
                    &plain,
                    &format!("{}[Q=70,strip]", s("exifthumb.jpg")),
                    "160",
                ],
            )
            .run()?;
            Cmd::new(
                "exiftool",
                &[
                    "-q",
                    "-overwrite_original",
                    "-Make=Google",
                    "-Model=Pixel 7",
                    "-SerialNumber=1A2B3C4D5E",
                    "-Orientation#=6",
                    "-DateTimeOriginal=2024:05:17 10:32:11",
                    "-GPSLatitude=30.2741",
                    "-GPSLatitudeRef=N",
                    "-GPSLongitude=120.1551",
                    "-GPSLongitudeRef=E",
                    &format!("-ThumbnailImage<={}", s("exifthumb.jpg")),
                    &target.display().to_string(),
                ],
            )
            .run()?;
        }
        out.push((name.to_owned(), target));
    }
    Ok(out)
}

fn write_report(tables: &str, verdicts: &[String]) -> anyhow::Result<()> {
    let cpu = Cmd::new(
        "sh",
        &[
            "-c",
            "lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1",
        ],
    )
    .output()?;
    let cores = Cmd::new("nproc", &[] as &[&str]).output()?;
    let memory = Cmd::new("sh", &["-c", "free -g | awk '/^Mem:/ {print $2}'"]).output()?;
    let date = Cmd::new("date", &["-u", "+%Y-%m-%d %H:%M UTC"]).output()?;
    let vips = Cmd::new("sh", &["-c", "vips --version"]).output()?;
    let body = format!(
        "Machine: {} ({} cores, {} GiB), Debian 12. Run {}. {}.\n\nThe job for every tool: decode, apply the EXIF orientation, fit the long side to at most 2048 px,\nJPEG quality 80 (4:2:0), no metadata (linli keeps only an ICC profile, and these photos have none).\nlinli-core decodes with libjpeg-turbo's DCT scaling and needs no resampler at these sizes\n(1512×2016); vips and ImageMagick resample to exactly 2048. Wall time: hyperfine, 2 warm-ups, 10\nruns, each a fresh process (start-up included). Peak RSS: the largest of three `/usr/bin/time -f %M`.\nSSIM: luma, Gaussian σ 1.5, against a full decode rotated upright and resized with Lanczos3 to the\nsame size (vips; so vips has a small home advantage). Inputs: photo-bench.md appendix A (a real\n4224×3168 camera photo at 12 MP and, upscaled with σ 2.5 noise, 48 MP; orientation 6, GPS,\ndevice, serial number, an embedded thumbnail).\n\nTargets (issue: repairs with photos): at most 0.4× vipsthumbnail's single-thread time, peak RSS\nbelow vips', SSIM within 0.01 of vips'.\n\n{}\n{}\n",
        cpu.trim(),
        cores.trim(),
        memory.trim(),
        date.trim(),
        vips.trim(),
        verdicts.join("\n"),
        tables
    );
    crate::bench_kit::write_section("## Photo preparation (`cargo xtask bench photo`)", &body)
}
