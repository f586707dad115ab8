//! What a conda prefix says about itself: each package's `conda-meta/<name>-<version>-<build>.json`
//! lists the files it installed (`files`, and `paths_data.paths[]._path` in newer metadata).
//! A file listed there was written by conda; one listed by no package was added by a person.

use serde::Deserialize;

use super::Probe;
use crate::support::paths::join;

/// How much of one package record is read. The largest real ones (a compiler, Qt) list tens of
/// thousands of files in a few MiB; a record cut at this limit is not used.
const RECORD_LIMIT: usize = 16 * 1024 * 1024;

/// At most this many package records are read for one prefix.
const MAX_RECORDS: usize = 4096;

#[derive(Deserialize)]
struct Record {
    #[serde(default)]
    files: Vec<String>,
    #[serde(default)]
    paths_data: Option<PathsData>,
}

#[derive(Deserialize)]
struct PathsData {
    #[serde(default)]
    paths: Vec<PathEntry>,
}

#[derive(Deserialize)]
struct PathEntry {
    #[serde(rename = "_path")]
    path: String,
}

/// The package records of the prefix at `root`: the names of its `conda-meta/*.json` files.
fn records(root: &[u8], probe: &dyn Probe) -> Vec<Vec<u8>> {
    let dir = join(root, b"conda-meta");
    let mut names: Vec<Vec<u8>> = probe
        .children(&dir)
        .into_iter()
        .filter(|n| n.ends_with(b".json"))
        .map(|n| join(&dir, &n))
        .collect();
    names.sort();
    names.truncate(MAX_RECORDS);
    names
}

/// Every file the packages of the prefix at `root` installed, prefix-relative, as their
/// records list them, for each record whose text mentions `hint` (all when `hint` is empty).
/// A record that cannot be read whole or parsed lists nothing.
pub(crate) fn installed_files(root: &[u8], probe: &dyn Probe, hint: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for record in records(root, probe) {
        let Some(bytes) = probe.read_head(&record, RECORD_LIMIT + 1) else {
            continue;
        };
        if bytes.len() > RECORD_LIMIT
            || (!hint.is_empty() && !bytes.windows(hint.len()).any(|w| w == hint))
        {
            continue;
        }
        let Ok(parsed) = serde_json::from_slice::<Record>(&bytes) else {
            continue;
        };
        out.extend(parsed.files.into_iter().map(String::into_bytes));
        if let Some(data) = parsed.paths_data {
            out.extend(data.paths.into_iter().map(|p| p.path.into_bytes()));
        }
    }
    // Windows records may spell paths with backslashes.
    for path in &mut out {
        for b in path.iter_mut() {
            if *b == b'\\' {
                *b = b'/';
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The distinct top-level names of the files the packages of the prefix at `root` installed.
pub(crate) fn installed_top_names(root: &[u8], probe: &dyn Probe) -> Vec<Vec<u8>> {
    let mut names: Vec<Vec<u8>> = installed_files(root, probe, b"")
        .into_iter()
        .filter_map(|p| p.split(|&b| b == b'/').next().map(<[u8]>::to_vec))
        .filter(|n| !n.is_empty())
        .collect();
    names.sort();
    names.dedup();
    names
}
