//! `cargo xtask test`'s import-cycle check for the Rust crates (the UI has madge).
//!
//! A crate's modules form a graph: module A depends on B when a file of A names
//! `crate::B` (in a `use` or a path). The nodes are the crate root's modules, and one level
//! deeper under a `features` module (`features::tickets`), so features are judged apart from
//! each other. Items of the crate root itself (`crate::Core`) are not a node: the root only
//! declares and re-exports. A module's `#[cfg(test)]` tail is left out, since tests may reach
//! anywhere, and so are comments (a doc link is not an import). Any cycle fails the run and is printed as a path of modules.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use crate::sh::root;

/// The crates checked, by their `src` folders.
const CRATES: &[&str] = &[
    "crates/wire/src",
    "crates/core/src",
    "crates/server/src",
    "crates/pass/src",
    "crates/gate/src",
    "src-tauri/src",
    "xtask/src",
];

type Graph = BTreeMap<String, BTreeSet<String>>;

/// Fails when any checked crate has an import cycle between its modules.
pub fn check() -> anyhow::Result<()> {
    let mut found = Vec::new();
    for dir in CRATES {
        let graph = graph(&root().join(dir))?;
        if let Some(cycle) = find_cycle(&graph) {
            found.push(format!("{dir}: {}", cycle.join(" → ")));
        }
    }
    if !found.is_empty() {
        bail!("import cycles between modules:\n  {}", found.join("\n  "));
    }
    eprintln!(
        "no import cycle between the modules of {} crates",
        CRATES.len()
    );
    Ok(())
}

/// The module graph of the crate whose sources are under `src`.
fn graph(src: &Path) -> anyhow::Result<Graph> {
    let mut files = Vec::new();
    rust_files(src, &mut files)?;
    let nodes: BTreeSet<String> = files.iter().filter_map(|f| node_of(src, f)).collect();
    let mut graph = Graph::new();
    for file in &files {
        let Some(from) = node_of(src, file) else {
            continue;
        };
        let text =
            std::fs::read_to_string(file).with_context(|| format!("read {}", file.display()))?;
        let edges = graph.entry(from.clone()).or_default();
        for to in references(&code(without_tests(&text)), &nodes) {
            if to != from {
                edges.insert(to);
            }
        }
    }
    Ok(graph)
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("list {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            rust_files(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    Ok(())
}

/// The node a file belongs to: its top module, or `features::<name>`; `None` for the root
/// files (`lib.rs`, `main.rs`) and binaries under `bin/`.
fn node_of(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).ok()?;
    let parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_owned())
        .collect();
    match parts.as_slice() {
        [] => None,
        [only] if only == "lib" || only == "main" => None,
        [first, ..] if first == "bin" => None,
        [first, second, ..] if first == "features" && second != "mod" => {
            Some(format!("features::{second}"))
        }
        [first, ..] => Some(first.clone()),
    }
}

/// The text before a file's `#[cfg(test)]` module.
fn without_tests(text: &str) -> &str {
    text.find("#[cfg(test)]\nmod ")
        .map_or(text, |at| &text[..at])
}

/// The text without comment lines (a doc link is not an import).
fn code(text: &str) -> String {
    text.lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The nodes a file's text names through `crate::`, including grouped uses
/// (`use crate::{a::X, b}`).
fn references(text: &str, nodes: &BTreeSet<String>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = text;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                resolve(item.trim(), nodes, &mut out);
            }
        } else {
            resolve(rest, nodes, &mut out);
        }
    }
    out
}

fn resolve(path: &str, nodes: &BTreeSet<String>, out: &mut BTreeSet<String>) {
    let segments: Vec<&str> = path
        .split("::")
        .map(|s| {
            s.split(|c: char| !c.is_alphanumeric() && c != '_')
                .next()
                .unwrap_or("")
        })
        .take(2)
        .collect();
    let candidates = [
        segments.join("::"),
        segments.first().map_or(String::new(), |s| (*s).to_owned()),
    ];
    if let Some(node) = candidates.into_iter().find(|c| nodes.contains(c)) {
        out.insert(node);
    }
}

/// One cycle of `graph`, as a closed path, if there is any.
fn find_cycle(graph: &Graph) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Open,
        Done,
    }
    fn visit(
        node: &str,
        graph: &Graph,
        marks: &mut BTreeMap<String, Mark>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        match marks.get(node) {
            Some(Mark::Done) => return None,
            Some(Mark::Open) => {
                let start = path.iter().position(|n| n == node).unwrap_or(0);
                let mut cycle = path[start..].to_vec();
                cycle.push(node.to_owned());
                return Some(cycle);
            }
            None => {}
        }
        marks.insert(node.to_owned(), Mark::Open);
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, marks, path) {
                return Some(cycle);
            }
        }
        path.pop();
        marks.insert(node.to_owned(), Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut marks, &mut Vec::new()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nodes(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|n| (*n).to_owned()).collect()
    }

    #[test]
    fn grouped_and_nested_uses_are_references() {
        let known = nodes(&["http", "store", "features::tickets", "features::billing"]);
        let text = "use crate::{http::Client, store::write_tx};\nuse crate::features::billing::x;";
        let found = references(text, &known);
        assert_eq!(
            found,
            nodes(&["http", "store", "features::billing"]),
            "every module named through crate:: counts, features one level deeper"
        );
    }

    #[test]
    fn a_cycle_is_found_and_a_chain_is_not() {
        let mut graph = Graph::new();
        graph.entry("a".into()).or_default().insert("b".into());
        graph.entry("b".into()).or_default().insert("c".into());
        assert_eq!(find_cycle(&graph), None, "a → b → c has no cycle");
        graph.entry("c".into()).or_default().insert("a".into());
        assert_eq!(
            find_cycle(&graph),
            Some(vec!["a".into(), "b".into(), "c".into(), "a".into()]),
            "c → a closes the loop"
        );
    }
}
