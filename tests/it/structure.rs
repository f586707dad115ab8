//! The shape of the code: the pipeline reads in the tree. Top-level modules of the library
//! depend on each other in one direction only (no cycle among their `use crate::` lines), and
//! no source file grows past 800 lines.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Each library file with the top-level module it belongs to (`src/scan/history.rs`: `scan`).
fn library_files() -> Vec<(String, PathBuf)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    files
        .into_iter()
        .filter_map(|f| {
            let rel = f.strip_prefix(&src).unwrap().to_string_lossy().into_owned();
            let top = rel
                .split('/')
                .next()
                .unwrap()
                .trim_end_matches(".rs")
                .to_owned();
            (top != "bin" && top != "lib").then_some((top, f))
        })
        .collect()
}

/// The top-level modules each top-level module names with `crate::`.
fn dependencies() -> BTreeMap<String, BTreeSet<String>> {
    let mut deps: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (top, file) in library_files() {
        let text = fs::read_to_string(&file).unwrap();
        let entry = deps.entry(top.clone()).or_default();
        for (i, _) in text.match_indices("crate::") {
            let name: String = text[i + 7..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                .collect();
            if !name.is_empty() && name != top {
                entry.insert(name);
            }
        }
    }
    deps
}

#[test]
fn top_level_modules_form_no_cycle() {
    let deps = dependencies();
    assert!(deps.len() >= 8, "modules: {deps:?}");
    // Depth-first search for a back edge.
    fn visit(
        node: &str,
        deps: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) {
        if done.contains(node) {
            return;
        }
        if let Some(at) = path.iter().position(|n| n == node) {
            panic!("module cycle: {} -> {node}", path[at..].join(" -> "));
        }
        path.push(node.to_owned());
        for next in deps.get(node).into_iter().flatten() {
            visit(next, deps, path, done);
        }
        path.pop();
        done.insert(node.to_owned());
    }
    let mut done = BTreeSet::new();
    for node in deps.keys() {
        visit(node, &deps, &mut Vec::new(), &mut done);
    }
    // The pure core reads no repository and renders nothing.
    for stage in ["detect", "report"] {
        for upstream in ["source", "scan", "fix", "render"] {
            assert!(
                !deps[stage].contains(upstream),
                "{stage} depends on {upstream}: {deps:?}"
            );
        }
    }
}

#[test]
fn no_source_file_is_over_800_lines() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    for file in files {
        let lines = fs::read_to_string(&file).unwrap().lines().count();
        assert!(lines <= 800, "{} has {lines} lines", file.display());
    }
}
