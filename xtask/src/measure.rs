//! Measuring one command line for the benchmarks: wall time of fresh processes (hyperfine),
//! peak RSS (`/usr/bin/time`), and the size of the JPEG it wrote (vipsheader).

use std::path::Path;

use anyhow::Context;

use crate::sh::Cmd;

/// The median wall time of `command` over 10 fresh processes (2 warm-ups), in ms.
pub fn hyperfine(command: &[String], env: &[(&str, &str)], json: &Path) -> anyhow::Result<f64> {
    let mut args = vec![
        "-N".to_owned(),
        "--warmup".into(),
        "2".into(),
        "--runs".into(),
        "10".into(),
        "--export-json".into(),
        json.display().to_string(),
    ];
    args.push(shell_join(command));
    let mut cmd = Cmd::new("hyperfine", &args);
    for (k, v) in env {
        cmd = cmd.env(k, v);
    }
    cmd.run()?;
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(json)?)?;
    let median = report["results"][0]["median"]
        .as_f64()
        .context("hyperfine median")?;
    Ok(median * 1000.0)
}

fn shell_join(command: &[String]) -> String {
    command
        .iter()
        .map(|a| {
            if a.chars().any(|c| " []>'\"".contains(c)) {
                format!("'{a}'")
            } else {
                a.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The largest of three `/usr/bin/time -f %M` readings, in MB.
pub fn peak_rss_mb(command: &[String], env: &[(&str, &str)]) -> anyhow::Result<f64> {
    let mut peak = 0u64;
    for _ in 0..3 {
        let mut args = vec!["-f".to_owned(), "%M".into()];
        args.extend(command.iter().cloned());
        let mut cmd = Cmd::new("/usr/bin/time", &args).into_command();
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().context("run /usr/bin/time")?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        let kb: u64 = stderr
            .lines()
            .last()
            .unwrap_or("0")
            .trim()
            .parse()
            .unwrap_or(0);
        peak = peak.max(kb);
    }
    Ok(peak as f64 / 1024.0)
}

/// Width and height of a picture file.
pub fn jpeg_size(path: &Path) -> anyhow::Result<(u32, u32)> {
    let out = Cmd::new("vipsheader", &["-f", "width", &path.display().to_string()]).output()?;
    let width: u32 = out.trim().parse()?;
    let out = Cmd::new("vipsheader", &["-f", "height", &path.display().to_string()]).output()?;
    Ok((width, out.trim().parse()?))
}
