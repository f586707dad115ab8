//! The working-tree walk: finds environment roots among the files git would see, honouring
//! `.gitignore` files, and never descends into an environment once its root is known.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use ignore::WalkBuilder;

use crate::detect::{examine_dir, hinted_roots, is_env_owned, EnvRoot, Meta, Mode, Probe};
use crate::escape;
use crate::probe::{path_to_bytes, DiskProbe};

/// An environment root met by the walk.
#[derive(Clone, Debug)]
pub struct WalkedEnv {
    /// Repository-relative root (empty: the walked root itself).
    pub root: Vec<u8>,
    /// What it is.
    pub env: EnvRoot,
    /// Its top-level entries on disk, sorted (for a root at the top: only environment-owned
    /// ones).
    pub entries: Vec<Vec<u8>>,
}

/// What the walk found.
#[derive(Debug, Default)]
pub struct Walked {
    /// Environment roots, in the order met.
    pub envs: Vec<WalkedEnv>,
    /// Directories that could not be read, and other problems, already escaped for printing.
    pub problems: Vec<String>,
    /// How many files and directories the walk looked at.
    pub visited: u64,
}

#[derive(Default)]
struct State {
    roots: HashSet<Vec<u8>>,
    examined: HashSet<Vec<u8>>,
    envs: Vec<WalkedEnv>,
}

impl State {
    /// Whether `rel` lies in a known environment (for one at the top: in an owned entry).
    fn claimed(&self, rel: &[u8]) -> bool {
        if self.roots.is_empty() {
            return false;
        }
        if self.roots.contains(&b""[..]) {
            let top = rel.split(|&b| b == b'/').next().unwrap_or(rel);
            if is_env_owned(top) {
                return true;
            }
        }
        (0..rel.len())
            .filter(|&i| rel[i] == b'/')
            .any(|i| self.roots.contains(&rel[..i]))
            || self.roots.contains(rel)
    }

    fn record(&mut self, root: Vec<u8>, env: EnvRoot, disk: &DiskProbe) {
        let mut entries = disk.children(&root);
        if root.is_empty() {
            entries.retain(|n| is_env_owned(n));
        }
        entries.sort();
        self.roots.insert(root.clone());
        self.envs.push(WalkedEnv { root, env, entries });
    }
}

/// Walks `start` (inside the working tree `top`) and returns the environments that are not
/// hidden by an ignore rule above them. Paths are relative to `top`. An environment that
/// ignores itself (a `.gitignore` holding `*` inside it) is still returned: whether its files
/// are ignored is for the caller to ask.
pub fn find_envs(top: &Path, start: &Path) -> Walked {
    let disk = DiskProbe::new(top);
    let top: PathBuf = top.to_path_buf();
    let rel_start = relative(&top, start);
    let state = Arc::new(Mutex::new(State::default()));
    {
        let mut st = state.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(env) = examine_dir(&rel_start, &disk) {
            let nested = !rel_start.is_empty();
            st.record(rel_start.clone(), env, &disk);
            if nested {
                return Walked {
                    envs: std::mem::take(&mut st.envs),
                    ..Walked::default()
                };
            }
        }
    }

    let filter_state = Arc::clone(&state);
    let top_len = top.as_os_str().len();
    let walker = WalkBuilder::new(start)
        .hidden(false)
        .ignore(false)
        .parents(true)
        .git_ignore(true)
        .git_exclude(true)
        .git_global(true)
        .require_git(false)
        .follow_links(false)
        .filter_entry(move |entry| {
            if entry.depth() == 0 {
                return true;
            }
            if entry.file_name() == ".git" {
                return false;
            }
            // Repository-relative bytes without allocating: the walk's paths start with `top`.
            let full = entry.path().as_os_str().as_encoded_bytes();
            let rel = full.get(top_len..).unwrap_or(full);
            let rel = rel.strip_prefix(b"/").unwrap_or(rel);
            let mut st = filter_state.lock().unwrap_or_else(PoisonError::into_inner);
            if st.claimed(rel) {
                return false;
            }
            let file_type = entry.file_type();
            if file_type.is_some_and(|t| t.is_dir()) {
                // Two lstat calls per directory: the root markers of every modern environment.
                let dir = entry.path();
                let marked = std::fs::symlink_metadata(dir.join("pyvenv.cfg")).is_ok()
                    || std::fs::symlink_metadata(dir.join("conda-meta")).is_ok();
                if marked {
                    st.examined.insert(rel.to_vec());
                    if let Some(env) = examine_dir(rel, &disk) {
                        st.record(rel.to_vec(), env, &disk);
                        return false;
                    }
                }
                return true;
            }
            // Environments without a root file (legacy virtualenv, a Windows layout without
            // pyvenv.cfg) show themselves through their files; most files cannot.
            if !may_hint(rel) {
                return true;
            }
            let meta = file_type.map(|t| Meta {
                mode: if t.is_symlink() {
                    Mode::Symlink
                } else {
                    Mode::File
                },
                size: None,
            });
            for root in hinted_roots(rel, meta) {
                if st.examined.insert(root.to_vec()) {
                    if let Some(env) = examine_dir(root, &disk) {
                        st.record(root.to_vec(), env, &disk);
                    }
                }
            }
            !st.claimed(rel)
        })
        .build();

    let mut walked = Walked::default();
    for result in walker {
        match result {
            Ok(_) => walked.visited += 1,
            Err(err) => walked
                .problems
                .push(escape::display(err.to_string().as_bytes())),
        }
    }
    let mut st = state.lock().unwrap_or_else(PoisonError::into_inner);
    walked.envs = std::mem::take(&mut st.envs);
    walked
}

/// Whether a file's path has the shape of an environment's file (so its directories are worth
/// examining): a `bin/` or `Scripts/` entry, something under `lib/pythonX.Y`, `Lib/`,
/// `include/pythonX.Y` or `conda-meta/`, or a root marker's name.
fn may_hint(rel: &[u8]) -> bool {
    let name = rel.rsplit(|&b| b == b'/').next().unwrap_or(rel);
    if matches!(
        name,
        b"pyvenv.cfg" | b"pip-selfcheck.json" | b".Python" | b"lib64"
    ) {
        return true;
    }
    rel.windows(4).any(|w| {
        [b"bin/", b"lib/", b"pts/", b"ude/", b"eta/"]
            .iter()
            .any(|pattern| w.eq_ignore_ascii_case(*pattern))
    })
}

/// `path` relative to `top`, as repository bytes (empty for `top` itself).
fn relative(top: &Path, path: &Path) -> Vec<u8> {
    let rel = path.strip_prefix(top).unwrap_or(path);
    let mut bytes = path_to_bytes(rel);
    while bytes.last() == Some(&b'/') {
        bytes.pop();
    }
    if bytes == b"." {
        bytes.clear();
    }
    bytes
}

/// Whether the environment's own `.gitignore` ignores its `marker` (outside a git repository,
/// where nothing else could).
pub fn ignores_itself(top: &Path, root: &[u8], marker: &[u8]) -> bool {
    let disk = DiskProbe::new(top);
    let dir = disk.full_path(root);
    let mut builder = ignore::gitignore::GitignoreBuilder::new(&dir);
    if builder.add(dir.join(".gitignore")).is_some() {
        return false;
    }
    let Ok(matcher) = builder.build() else {
        return false;
    };
    matcher
        .matched_path_or_any_parents(dir.join(crate::probe::bytes_to_path(marker)), false)
        .is_ignore()
}

/// The files at or below any of `targets` (repository-relative) that the ignore rules do not
/// ignore: `.gitignore` files at every level, `.git/info/exclude` and the global excludes file,
/// as git applies them (a negation cannot re-include a file below an excluded directory). At
/// most `limit` are returned. Used to check that a fix really hides an environment.
pub fn unignored_files(top: &Path, targets: &[Vec<u8>], limit: usize) -> Vec<Vec<u8>> {
    let filter_top = top.to_path_buf();
    let wanted: Vec<Vec<u8>> = targets.to_vec();
    let walker = WalkBuilder::new(top)
        .hidden(false)
        .ignore(false)
        .parents(true)
        .git_ignore(true)
        .git_exclude(true)
        .git_global(true)
        .require_git(false)
        .follow_links(false)
        .filter_entry(move |entry| {
            if entry.depth() == 0 {
                return true;
            }
            if entry.file_name() == ".git" {
                return false;
            }
            let rel = relative(&filter_top, entry.path());
            wanted
                .iter()
                .any(|t| crate::git::at_or_below(&rel, t) || crate::git::at_or_below(t, &rel))
        })
        .build();
    let mut out = Vec::new();
    for entry in walker.flatten() {
        if entry.file_type().is_some_and(|t| t.is_dir()) {
            continue;
        }
        let rel = relative(top, entry.path());
        if targets.iter().any(|t| crate::git::at_or_below(&rel, t)) {
            out.push(rel);
            if out.len() >= limit {
                break;
            }
        }
    }
    out
}
