//! The photo pipeline as a command, for `cargo xtask bench photo`.
//!
//! - `photo_prep prep IN OUT`: prepares IN as the app does and writes the JPEG to OUT (and
//!   the thumbnail next to it as OUT.thumb.jpg).
//! - `photo_prep warm IN RUNS`: prepares IN RUNS times in this process and prints the median
//!   milliseconds (what a running app pays).
//! - `photo_prep ssim A B`: SSIM of the luma of two same-size pictures (JPEG or PNG),
//!   Gaussian window σ 1.5, the usual constants; prints it with 4 decimals.

use std::time::Instant;

fn luma(path: &str) -> Result<(Vec<f64>, usize, usize), Box<dyn std::error::Error>> {
    let bytes = std::fs::read(path)?;
    let (rgb, w, h) = if bytes.starts_with(&[0xFF, 0xD8]) {
        let image = turbojpeg::decompress(&bytes, turbojpeg::PixelFormat::RGB)?;
        (image.pixels, image.width, image.height)
    } else {
        let image = image::load_from_memory(&bytes)?.to_rgb8();
        let (w, h) = (image.width() as usize, image.height() as usize);
        (image.into_raw(), w, h)
    };
    let y = rgb
        .chunks_exact(3)
        .map(|p| 0.299 * f64::from(p[0]) + 0.587 * f64::from(p[1]) + 0.114 * f64::from(p[2]))
        .collect();
    Ok((y, w, h))
}

/// Separable Gaussian blur (σ 1.5, radius 5), edges clamped.
fn blur(src: &[f64], w: usize, h: usize) -> Vec<f64> {
    let kernel: Vec<f64> = (-5i32..=5)
        .map(|i| (-f64::from(i * i) / (2.0 * 1.5 * 1.5)).exp())
        .collect();
    let sum: f64 = kernel.iter().sum();
    let kernel: Vec<f64> = kernel.iter().map(|k| k / sum).collect();
    let mut tmp = vec![0.0; src.len()];
    for y in 0..h {
        for x in 0..w {
            let mut acc = 0.0;
            for (k, weight) in kernel.iter().enumerate() {
                let xx = (x as i64 + k as i64 - 5).clamp(0, w as i64 - 1) as usize;
                acc += weight * src[y * w + xx];
            }
            tmp[y * w + x] = acc;
        }
    }
    let mut out = vec![0.0; src.len()];
    for y in 0..h {
        for x in 0..w {
            let mut acc = 0.0;
            for (k, weight) in kernel.iter().enumerate() {
                let yy = (y as i64 + k as i64 - 5).clamp(0, h as i64 - 1) as usize;
                acc += weight * tmp[yy * w + x];
            }
            out[y * w + x] = acc;
        }
    }
    out
}

fn ssim(a: &str, b: &str) -> Result<f64, Box<dyn std::error::Error>> {
    let (x, w, h) = luma(a)?;
    let (y, w2, h2) = luma(b)?;
    if (w, h) != (w2, h2) {
        return Err(format!("sizes differ: {w}×{h} vs {w2}×{h2}").into());
    }
    let (c1, c2) = ((0.01f64 * 255.0).powi(2), (0.03f64 * 255.0).powi(2));
    let mx = blur(&x, w, h);
    let my = blur(&y, w, h);
    let xx: Vec<f64> = x.iter().map(|v| v * v).collect();
    let yy: Vec<f64> = y.iter().map(|v| v * v).collect();
    let xy: Vec<f64> = x.iter().zip(&y).map(|(a, b)| a * b).collect();
    let (sxx, syy, sxy) = (blur(&xx, w, h), blur(&yy, w, h), blur(&xy, w, h));
    let mut total = 0.0;
    for i in 0..x.len() {
        let (ma, mb) = (mx[i], my[i]);
        let va = sxx[i] - ma * ma;
        let vb = syy[i] - mb * mb;
        let cov = sxy[i] - ma * mb;
        total +=
            ((2.0 * ma * mb + c1) * (2.0 * cov + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2));
    }
    Ok(total / x.len() as f64)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("prep") if args.len() == 4 => {
            let prepared = linli_core::photo::prepare(&std::fs::read(&args[2])?)?;
            std::fs::write(&args[3], &prepared.jpeg)?;
            std::fs::write(format!("{}.thumb.jpg", args[3]), &prepared.thumb)?;
        }
        Some("warm") if args.len() == 4 => {
            let bytes = std::fs::read(&args[2])?;
            let runs: usize = args[3].parse()?;
            let mut times = Vec::with_capacity(runs);
            for _ in 0..runs {
                let start = Instant::now();
                let prepared = linli_core::photo::prepare(&bytes)?;
                times.push(start.elapsed().as_secs_f64() * 1000.0);
                std::hint::black_box(prepared);
            }
            times.sort_by(f64::total_cmp);
            println!("{:.1}", times[times.len() / 2]);
        }
        Some("ssim") if args.len() == 4 => println!("{:.4}", ssim(&args[2], &args[3])?),
        _ => return Err("usage: photo_prep prep IN OUT | warm IN RUNS | ssim A B".into()),
    }
    Ok(())
}
