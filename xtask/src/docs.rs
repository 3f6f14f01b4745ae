//! `cargo xtask test`'s check that the map is true: every file or folder that README.md and
//! docs/*.md name in backticks (a name with a slash and a file extension, or ending in a
//! slash) exists. Sections name paths from the repository root or from a crate's `src/`
//! (`features/auth/sms.rs` in the backend's section), so each is looked up under those roots.
//! Names with placeholders (`<feature>`, `{id}`, `*`), URL paths (`/v1/...`) and where a
//! running program or a build writes (`./linli-data/...`, `target/...`) are not paths of the tree.

use crate::sh::root;
use anyhow::{Context, bail};

/// Where a named path may start.
const ROOTS: &[&str] = &[
    "",
    "crates/wire/src/",
    "crates/core/src/",
    "crates/server/src/",
    "crates/pass/src/",
    "crates/gate/src/",
    "src-tauri/src/",
    "ui/",
    "ui/src/",
    "tests/",
    "tests/e2e/",
    "xtask/src/",
];

/// Fails when a document names a path that is not in the tree.
pub fn check() -> anyhow::Result<()> {
    let mut docs = vec![root().join("README.md")];
    for entry in std::fs::read_dir(root().join("docs")).context("list docs/")? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "md") {
            docs.push(path);
        }
    }
    let mut missing = Vec::new();
    for doc in &docs {
        let text =
            std::fs::read_to_string(doc).with_context(|| format!("read {}", doc.display()))?;
        for name in named_paths(&text) {
            if !ROOTS
                .iter()
                .any(|r| root().join(format!("{r}{name}")).exists())
            {
                let file = doc
                    .strip_prefix(root())
                    .unwrap_or(doc)
                    .display()
                    .to_string();
                missing.push(format!("{file}: `{name}`"));
            }
        }
    }
    if !missing.is_empty() {
        bail!(
            "the docs name paths the tree does not have:\n  {}",
            missing.join("\n  ")
        );
    }
    eprintln!("every path the docs name exists ({} documents)", docs.len());
    Ok(())
}

/// The backticked names in `text` that are meant as paths.
fn named_paths(text: &str) -> Vec<String> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .filter(|name| is_path(name))
        .map(|name| name.trim_end_matches('/').to_owned())
        .collect()
}

fn is_path(name: &str) -> bool {
    let plain = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "._-/".contains(c));
    let last = name.rsplit('/').next().unwrap_or("");
    let has_ext = last.contains('.') && !last.starts_with('.') && !last.ends_with('.');
    // `./linli-data/…` and `target/…` are where running programs and builds write, not paths
    // of the tree (a fresh clone has neither).
    let runtime = name.starts_with("./") || name.starts_with("target/");
    plain
        && !runtime
        && name.contains('/')
        && !name.starts_with('/')
        && (has_ext || name.ends_with('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_told_from_other_backticked_names() {
        let text = "`crates/core/src/lib.rs`, `ui/src/features/`, `/v1/me`, `features/<feature>/`, \
                    `a.b`, `zh-CN/en`, `https://x.y/z.html`, `./linli-data/tls/`, `target/demo/screenshots/`";
        assert_eq!(
            named_paths(text),
            ["crates/core/src/lib.rs", "ui/src/features"],
            "files with an extension and folders ending in a slash; not URLs, routes or patterns"
        );
    }
}
