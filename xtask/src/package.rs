//! The app as a Debian package: `cargo xtask package` builds the release `.deb`, and
//! `cargo xtask test` installs a `.deb` of the debug build, starts it from its desktop entry
//! and removes it again.
//!
//! The bundle settings (what the package depends on, its desktop entry, its icons) live in
//! src-tauri/tauri.conf.json, tauri.linux.conf.json and linli.desktop; the tauri CLI pinned in
//! ui/package.json builds the package. Invariants:
//! - The package declares what the installed binary needs at run time and nothing from the
//!   build: every shared library the binary links comes from a package named in `Depends`, a
//!   Secret Service provider is one of them (the core keeps tokens in the OS keyring), and no
//!   `-dev` package is. The test checks this on the installed package, not on the config.
//! - The test packages the binary the window tests already ran (`tauri bundle` over
//!   target/debug, built by `setup::build_binaries` with its one feature set): `tauri build
//!   --debug` would build linli-app alone, whose unified dependency features differ, and so
//!   compile the core and the shell a second time.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use crate::setup;
use crate::sh::{Cmd, root};

/// The Debian package's name (tauri lower-cases the product name).
const PACKAGE: &str = "linli";

/// The tauri CLI from ui/node_modules, pinned by ui/package-lock.json.
fn tauri(args: &[&str]) -> Cmd {
    let cli = root().join("ui/node_modules/@tauri-apps/cli/tauri.js");
    let mut all = vec![cli.to_string_lossy().into_owned()];
    all.extend(args.iter().map(|a| (*a).to_owned()));
    Cmd::new("node", &all)
}

/// `cargo xtask package`: the UI, then the release app and its `.deb`; prints the path.
pub fn release() -> anyhow::Result<()> {
    setup::npm("ui")?;
    setup::build_ui()?;
    let dir = root().join("target/release/bundle/deb");
    let _ = std::fs::remove_dir_all(&dir);
    tauri(&[
        "build",
        "--bundles",
        "deb",
        "--features",
        "custom-protocol",
        "--ci",
    ])
    .run()
    .context("build the release .deb")?;
    let deb = the_deb(&dir)?;
    println!("{}", deb.display());
    Ok(())
}

/// A `.deb` of the debug build in target/debug (no compiling: `setup::build_binaries` first).
pub fn debug_deb() -> anyhow::Result<PathBuf> {
    let dir = root().join("target/debug/bundle/deb");
    let _ = std::fs::remove_dir_all(&dir);
    tauri(&[
        "bundle",
        "--debug",
        "--bundles",
        "deb",
        "--features",
        "custom-protocol",
        "--ci",
    ])
    .run()
    .context("bundle the debug build as a .deb")?;
    the_deb(&dir)
}

/// The one `.deb` in `dir`.
fn the_deb(dir: &Path) -> anyhow::Result<PathBuf> {
    let debs: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("read {}", dir.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "deb"))
        .collect();
    match debs.as_slice() {
        [deb] => Ok(deb.clone()),
        _ => bail!("expected one .deb in {}, found {debs:?}", dir.display()),
    }
}

/// Installs `deb` with dpkg, checks what dpkg says of it, starts the app from its desktop
/// entry under Xvfb (tests/webdriver/package.test.mjs, run by `run_window`), and removes the
/// package again whatever happened.
pub fn install_and_start(
    deb: &Path,
    run_window: impl FnOnce(&Path) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    setup::as_root("dpkg", &["-i", &deb.to_string_lossy()])
        .run()
        .context("the .deb did not install with dpkg -i")?;
    let checked = check_installed().and_then(|exec| run_window(&exec));
    let removed = setup::as_root("dpkg", &["-r", PACKAGE])
        .run()
        .context("dpkg -r could not remove the package again");
    checked.context("the installed package")?;
    removed?;
    if status().is_ok_and(|s| s.contains("install ok installed")) {
        bail!("dpkg -r left {PACKAGE} installed");
    }
    Ok(())
}

fn status() -> anyhow::Result<String> {
    Cmd::new("dpkg-query", &["-W", "-f=${Status}", PACKAGE]).output()
}

/// What dpkg says of the installed package; returns the binary its desktop entry starts.
fn check_installed() -> anyhow::Result<PathBuf> {
    let status = status()?;
    if !status.contains("install ok installed") {
        bail!("dpkg -s {PACKAGE}: not installed ({status})");
    }
    let depends = Cmd::new("dpkg-query", &["-W", "-f=${Depends}", PACKAGE]).output()?;
    let depends = parse_depends(&depends);
    eprintln!("{PACKAGE} depends on: {depends:?}");
    let files = Cmd::new("dpkg", &["-L", PACKAGE]).output()?;
    let entry = files
        .lines()
        .find(|f| f.starts_with("/usr/share/applications/") && f.ends_with(".desktop"))
        .context("the package installs no desktop entry under /usr/share/applications")?;
    let text = std::fs::read_to_string(entry).with_context(|| format!("read {entry}"))?;
    let exec = desktop_exec(&text).with_context(|| format!("{entry} has no Exec line"))?;
    let binary = on_path(&exec).with_context(|| format!("{entry}: Exec={exec} is not on PATH"))?;
    for (key, want) in [("Name", "Linli"), ("Name[zh_CN]", "邻里")] {
        if desktop_key(&text, key).as_deref() != Some(want) {
            bail!("{entry}: {key} should be {want}:\n{text}");
        }
    }
    for key in ["Comment", "Comment[zh_CN]", "Icon", "Categories"] {
        if desktop_key(&text, key).is_none_or(|v| v.is_empty()) {
            bail!("{entry} has no {key}:\n{text}");
        }
    }
    let needed = linked_packages(&binary)?;
    check_depends(&depends, &needed)?;
    Ok(binary)
}

/// The `Depends` field split into its entries, each a list of alternatives without versions.
pub fn parse_depends(field: &str) -> Vec<Vec<String>> {
    field
        .split(',')
        .map(|entry| {
            entry
                .split('|')
                .map(|alt| alt.split(['(', ':']).next().unwrap_or("").trim().to_owned())
                .filter(|alt| !alt.is_empty())
                .collect::<Vec<_>>()
        })
        .filter(|alts| !alts.is_empty())
        .collect()
}

/// Secret Service providers on Debian 12; the package must name at least one.
const SECRET_SERVICE: &[&str] = &["gnome-keyring", "keepassxc", "libkf5wallet-bin"];

/// The run-time rules for `depends`: every package in `needed` (those owning the libraries
/// the binary links) is named, a Secret Service provider is, and no `-dev` package is.
pub fn check_depends(depends: &[Vec<String>], needed: &[String]) -> anyhow::Result<()> {
    let named = |p: &str| depends.iter().any(|alts| alts.iter().any(|a| a == p));
    let missing: Vec<&String> = needed.iter().filter(|p| !named(p)).collect();
    if !missing.is_empty() {
        bail!(
            "the binary links libraries of {missing:?}, which Depends does not name \
             (add them to bundle.linux.deb.depends in src-tauri/tauri.conf.json): {depends:?}"
        );
    }
    if !SECRET_SERVICE.iter().any(|p| named(p)) {
        bail!("Depends names no Secret Service provider (one of {SECRET_SERVICE:?}): {depends:?}");
    }
    if let Some(dev) = depends.iter().flatten().find(|p| p.ends_with("-dev")) {
        bail!("Depends names the build package {dev}: a user needs no -dev package");
    }
    Ok(())
}

/// The packages owning the shared libraries `binary` links directly (its ELF NEEDED entries,
/// found where the dynamic loader finds them).
fn linked_packages(binary: &Path) -> anyhow::Result<Vec<String>> {
    let ldd = Cmd::new("ldd", &[binary]).output()?;
    let needed = Cmd::new("readelf", &[Path::new("-d"), binary]).output()?;
    let mut packages = Vec::new();
    for line in needed.lines().filter(|l| l.contains("(NEEDED)")) {
        let Some(lib) = line.split('[').nth(1).and_then(|s| s.split(']').next()) else {
            continue;
        };
        // The dynamic loader is named by its absolute path in ldd, not as "lib => path".
        let path = ldd
            .lines()
            .find_map(|l| {
                let (name, rest) = l.trim().split_once(" => ")?;
                (name == lib).then(|| rest.split(" (").next().unwrap_or("").to_owned())
            })
            .or_else(|| {
                ldd.lines()
                    .map(|l| l.trim().split(" (").next().unwrap_or("").to_owned())
                    .find(|p| p.ends_with(&format!("/{lib}")))
            })
            .with_context(|| format!("ldd does not find {lib}, which the binary needs"))?;
        let owner = owner_of(Path::new(&path))?;
        let package = owner
            .split(':')
            .next()
            .unwrap_or("")
            .trim()
            .split(',')
            .next()
            .unwrap_or("")
            .to_owned();
        if !packages.contains(&package) {
            packages.push(package);
        }
    }
    Ok(packages)
}

/// `dpkg -S` of a library: dpkg records the path the package ships (on a merged-/usr system
/// /lib/… while the loader reports /usr/lib/…, and the soname is a link to the real file), so
/// each spelling of it is asked.
fn owner_of(path: &Path) -> anyhow::Result<String> {
    let real =
        std::fs::canonicalize(path).with_context(|| format!("resolve {}", path.display()))?;
    let mut tried = Vec::new();
    for file in [path.to_path_buf(), real] {
        let text = file.to_string_lossy().into_owned();
        let merged = text
            .strip_prefix("/usr")
            .map_or_else(|| format!("/usr{text}"), str::to_owned);
        for candidate in [text, merged] {
            if let Ok(owner) = Cmd::new("dpkg", &["-S", &candidate]).output() {
                return Ok(owner);
            }
            tried.push(candidate);
        }
    }
    bail!("no package holds {}: tried {tried:?}", path.display())
}

/// The value of `key` in the `[Desktop Entry]` group.
pub fn desktop_key(text: &str, key: &str) -> Option<String> {
    let mut in_entry = false;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_entry = line == "[Desktop Entry]";
        } else if in_entry
            && let Some((k, v)) = line.split_once('=')
            && k.trim() == key
        {
            return Some(v.trim().to_owned());
        }
    }
    None
}

/// The program of the entry's `Exec` command (field codes such as %U dropped).
pub fn desktop_exec(text: &str) -> Option<String> {
    let exec = desktop_key(text, "Exec")?;
    let program = exec.split_whitespace().find(|w| !w.starts_with('%'))?;
    Some(program.trim_matches('"').to_owned())
}

/// `program` as the desktop would start it: an absolute path as is, else found on PATH.
fn on_path(program: &str) -> Option<PathBuf> {
    let path = Path::new(program);
    if path.is_absolute() {
        return path.is_file().then(|| path.to_path_buf());
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

#[cfg(test)]
mod tests {
    use super::{check_depends, desktop_exec, desktop_key, parse_depends};

    const ENTRY: &str = "[Desktop Entry]\nName=Linli\nName[zh_CN]=邻里\nExec=linli-app %U\n\
                         [Desktop Action new]\nExec=other\n";

    #[test]
    fn the_desktop_entry_is_read_from_its_own_group() {
        assert_eq!(
            desktop_exec(ENTRY).as_deref(),
            Some("linli-app"),
            "field codes dropped"
        );
        assert_eq!(
            desktop_key(ENTRY, "Name[zh_CN]").as_deref(),
            Some("邻里"),
            "localised key"
        );
        assert_eq!(
            desktop_key(ENTRY, "Icon"),
            None,
            "no key from another group"
        );
    }

    #[test]
    fn depends_must_cover_the_linked_libraries_and_a_keyring_and_no_dev_package() {
        let depends = parse_depends(
            "libc6 (>= 2.34), libheif1, gnome-keyring | keepassxc:any, libwebkit2gtk-4.1-0",
        );
        assert_eq!(
            depends[2],
            ["gnome-keyring", "keepassxc"],
            "alternatives without arch"
        );
        let needed = ["libc6".to_owned(), "libheif1".to_owned()];
        check_depends(&depends, &needed).expect("everything needed is named");

        let without_heif = parse_depends("libc6, gnome-keyring, libwebkit2gtk-4.1-0");
        let err = check_depends(&without_heif, &needed).expect_err("libheif1 is linked");
        assert!(
            err.to_string().contains("libheif1"),
            "names the missing one: {err}"
        );

        let no_keyring = parse_depends("libc6, libheif1");
        assert!(
            check_depends(&no_keyring, &needed).is_err(),
            "tokens live in the Secret Service: a provider must be a dependency"
        );

        let dev = parse_depends("libc6, libheif1, gnome-keyring, libheif-dev");
        assert!(
            check_depends(&dev, &needed).is_err(),
            "a -dev package is for building, not running"
        );
    }
}
