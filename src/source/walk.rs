//! The working-tree walk: finds environment roots among the files git would see, honouring
//! `.gitignore` files, and never descends into an environment once its root is known.

use std::fs;
use std::path::Path;

use ignore::gitignore::{Gitignore, GitignoreBuilder};
use ignore::{Match, WalkBuilder};

use crate::detect::{examine_dir, hinted_roots, Entry, EnvRoot, Extent, Meta, Mode};
use crate::source::disk::DiskProbe;
use crate::support::escape;
use crate::support::fxhash::{FxHashMap, FxHashSet};
use crate::support::paths::path_to_bytes;

/// An environment root met by the walk.
#[derive(Clone, Debug)]
pub(crate) struct WalkedEnv {
    /// Repository-relative root (empty: the walked root itself).
    pub root: Vec<u8>,
    /// What it is.
    pub env: EnvRoot,
    /// The top-level entries on disk that it owns, sorted.
    pub entries: Vec<Entry>,
}

/// What the walk found.
#[derive(Debug, Default)]
pub(crate) struct Walked {
    /// Environment roots, in the order met.
    pub envs: Vec<WalkedEnv>,
    /// Directories that could not be read, and other problems, already escaped for printing.
    pub problems: Vec<String>,
    /// How many files and directories the walk looked at.
    pub visited: u64,
}

#[derive(Default)]
struct State {
    /// Every root met, and what of its folder it owns.
    roots: FxHashMap<Vec<u8>, EnvRoot>,
    examined: FxHashSet<Vec<u8>>,
    envs: Vec<WalkedEnv>,
}

impl State {
    /// Whether `rel` lies in a known environment: below a root, in an entry that root owns.
    fn claimed(&self, rel: &[u8]) -> bool {
        if self.roots.is_empty() {
            return false;
        }
        if self.roots.contains_key(rel) {
            return true;
        }
        let owns =
            |root: &[u8], below: &[u8]| self.roots.get(root).is_some_and(|env| env.owns(below));
        owns(b"", rel)
            || (0..rel.len())
                .filter(|&i| rel[i] == b'/')
                .any(|i| owns(&rel[..i], &rel[i + 1..]))
    }

    /// Records the environment at `root`; returns whether it owns its whole folder (so the
    /// walk need not enter it).
    fn record(&mut self, root: Vec<u8>, env: EnvRoot, disk: &DiskProbe) -> bool {
        let entries = env.owned_units(&root, disk);
        let whole = env.extent == Extent::Folder && !root.is_empty();
        self.roots.insert(root.clone(), env.clone());
        self.envs.push(WalkedEnv { root, env, entries });
        whole
    }
}

/// Walks `start` (inside the working tree `top`) and returns the environments that are not
/// hidden by an ignore rule above them. Paths are relative to `top`. An environment that
/// ignores itself (a `.gitignore` holding `*` inside it) is still returned: whether its files
/// are ignored is for the caller to ask.
///
/// The walk reads directories only: a directory's listing shows its root markers
/// (`pyvenv.cfg`, `conda-meta`) without a `stat`, only directories are matched against the
/// ignore rules (`.gitignore` at every level, `.git/info/exclude`, the global excludes file,
/// deeper files first, as git applies them), and files are looked at only when their path has
/// an environment's shape. Symlinks are never followed; nested repositories are not entered.
pub(crate) fn find_envs(top: &Path, start: &Path, exclude: Option<&Path>) -> Walked {
    let disk = DiskProbe::new(top);
    let rel_start = relative(top, start);
    let mut walker = Walker {
        disk,
        state: State::default(),
        walked: Walked::default(),
        rules: Vec::new(),
        base: base_rules(top, exclude),
    };
    if let Some(env) = examine_dir(&rel_start, &walker.disk) {
        if walker.state.record(rel_start.clone(), env, &walker.disk) {
            walker.walked.envs = std::mem::take(&mut walker.state.envs);
            return walker.walked;
        }
    }
    // The .gitignore files of the directories above `start` apply too.
    let mut dir = top.to_path_buf();
    for component in crate::support::paths::bytes_to_path(&rel_start).components() {
        walker.push_rules(&dir);
        dir.push(component);
    }
    walker.visit(start, &mut rel_start.clone(), true);
    walker.walked.problems.sort();
    walker.walked.envs = std::mem::take(&mut walker.state.envs);
    walker.walked
}

/// The rules below every `.gitignore`: `.git/info/exclude` and the global excludes file.
fn base_rules(top: &Path, exclude: Option<&Path>) -> Vec<Gitignore> {
    let mut rules = Vec::new();
    if let Some(bytes) =
        exclude.and_then(|file| crate::support::mapped::read_regular(file, MAX_EXCLUDE_FILE).ok())
    {
        let file = exclude.unwrap_or(top);
        let mut exclude = GitignoreBuilder::new(top);
        add_lines(&mut exclude, file, &bytes);
        if let Ok(matcher) = exclude.build() {
            rules.push(matcher);
        }
    }
    let (global, _) = GitignoreBuilder::new(top).build_global();
    if !global.is_empty() {
        rules.push(global);
    }
    rules
}

/// An exclude file or an environment's own `.gitignore` larger than this is not read.
const MAX_EXCLUDE_FILE: u64 = 16 << 20;

/// Ignore files larger than this are not compiled into matchers for pruning.
const MAX_RULES_FILE: u64 = 256 * 1024;

struct Walker {
    disk: DiskProbe,
    state: State,
    walked: Walked,
    /// One matcher per directory with a `.gitignore` on the way down, deepest last.
    rules: Vec<Gitignore>,
    /// `.git/info/exclude` and the global excludes, consulted after every `.gitignore`.
    base: Vec<Gitignore>,
}

impl Walker {
    /// Pushes the `.gitignore` of `dir`, if it has one; returns whether it did.
    fn push_rules(&mut self, dir: &Path) -> bool {
        let file = dir.join(".gitignore");
        let Ok(md) = fs::symlink_metadata(&file) else {
            return false;
        };
        if !md.is_file() {
            return false;
        }
        if md.len() > MAX_RULES_FILE {
            // Compiling a few hundred thousand patterns would take longer than the walk: the
            // walk enters what they would have pruned, and git's own matcher still decides
            // whether each environment found is ignored.
            self.walked.problems.push(format!(
                "{}: {} bytes of ignore rules; the walk does not prune with them (git's matcher \
                 still judges every environment found)",
                escape::display(&path_to_bytes(&file)),
                md.len()
            ));
            return false;
        }
        let Ok(bytes) = fs::read(&file) else {
            return false;
        };
        let mut builder = GitignoreBuilder::new(dir);
        add_lines(&mut builder, &file, &bytes);
        match builder.build() {
            Ok(matcher) => {
                self.rules.push(matcher);
                true
            }
            Err(_) => false,
        }
    }

    /// Whether git ignores the directory at `path`: the deepest rule that matches decides.
    fn ignored_dir(&self, path: &Path) -> bool {
        for rules in self.rules.iter().rev().chain(self.base.iter()) {
            match rules.matched(path, true) {
                Match::Ignore(_) => return true,
                Match::Whitelist(_) => return false,
                Match::None => {}
            }
        }
        false
    }

    fn visit(&mut self, dir: &Path, rel: &mut Vec<u8>, is_start: bool) {
        let entries = match fs::read_dir(dir) {
            Ok(rd) => rd,
            Err(err) => {
                let shown = escape::display(&path_to_bytes(dir));
                self.walked.problems.push(format!("{shown}: {err}"));
                return;
            }
        };
        // Whether files here can hint at an environment depends on the directory's own path
        // (`bin/`, `lib/python3.11/...`) or on a file's name; decided once per directory.
        let dir_hints = may_hint(rel);
        let mut files: Vec<(std::ffi::OsString, bool)> = Vec::new();
        let mut dirs: Vec<std::ffi::OsString> = Vec::new();
        let mut has_marker = false;
        let mut has_rules = false;
        let mut nested_repo = false;
        for entry in entries {
            let entry = match entry {
                Ok(e) => e,
                Err(err) => {
                    let shown = escape::display(&path_to_bytes(dir));
                    self.walked.problems.push(format!("{shown}: {err}"));
                    continue;
                }
            };
            let Ok(file_type) = entry.file_type() else {
                continue;
            };
            self.walked.visited += 1;
            let name = entry.file_name();
            let bytes = name.as_encoded_bytes();
            match bytes {
                b".git" => {
                    nested_repo = true;
                    continue;
                }
                b"pyvenv.cfg" | b"conda-meta" => has_marker = true,
                b".gitignore" => has_rules = file_type.is_file(),
                _ => {}
            }
            if file_type.is_dir() {
                dirs.push(name);
            } else if dir_hints || is_marker_name(bytes) {
                files.push((name, file_type.is_symlink()));
            }
        }
        if !is_start {
            if nested_repo {
                // A submodule or another repository: its files are not this one's.
                return;
            }
            if has_marker && self.state.examined.insert(rel.clone()) {
                if let Some(env) = examine_dir(rel, &self.disk) {
                    if self.state.record(rel.clone(), env, &self.disk) {
                        return;
                    }
                }
            }
        }
        let pushed = has_rules && self.push_rules(dir);
        let base_len = rel.len();
        // Environments without a root file (legacy virtualenv, a Windows layout without
        // pyvenv.cfg) show themselves through their files; most files cannot.
        for (name, symlink) in &files {
            join_name(rel, base_len, name.as_encoded_bytes());
            if !self.state.claimed(rel) {
                let meta = Meta {
                    mode: if *symlink { Mode::Symlink } else { Mode::File },
                    size: None,
                };
                let roots: Vec<Vec<u8>> = hinted_roots(rel, Some(meta))
                    .into_iter()
                    .map(<[u8]>::to_vec)
                    .collect();
                for root in roots {
                    if self.state.examined.insert(root.clone()) {
                        if let Some(env) = examine_dir(&root, &self.disk) {
                            self.state.record(root, env, &self.disk);
                        }
                    }
                }
            }
        }
        dirs.sort();
        for name in &dirs {
            join_name(rel, base_len, name.as_encoded_bytes());
            if self.state.claimed(rel) {
                continue;
            }
            let child = dir.join(name);
            if self.ignored_dir(&child) {
                continue;
            }
            self.visit(&child, rel, false);
        }
        rel.truncate(base_len);
        if pushed {
            self.rules.pop();
        }
    }
}

/// Adds the rules of an ignore file the way git reads it: line by line as bytes, a NUL ending
/// the pattern; a line that is not UTF-8 cannot match a UTF-8 path and is skipped.
fn add_lines(builder: &mut GitignoreBuilder, file: &Path, bytes: &[u8]) {
    for line in bytes.split(|&b| b == b'\n') {
        let line = line.split(|&b| b == 0).next().unwrap_or_default();
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if let Ok(text) = std::str::from_utf8(line) {
            // An invalid glob is skipped, as git skips what it cannot use.
            let _ = builder.add_line(Some(file.to_path_buf()), text);
        }
    }
}

/// Sets `rel` to its first `base_len` bytes followed by `/name` (or `name` at the top).
fn join_name(rel: &mut Vec<u8>, base_len: usize, name: &[u8]) {
    rel.truncate(base_len);
    if base_len > 0 {
        rel.push(b'/');
    }
    rel.extend_from_slice(name);
}

/// Whether files in the directory `rel` have the shape of an environment's files (so the
/// directories above them are worth examining): below a `bin`, `Scripts`, `lib`, `Lib`,
/// `include` or `conda-meta` directory.
fn may_hint(rel: &[u8]) -> bool {
    rel.split(|&b| b == b'/').any(|c| {
        [&b"bin"[..], b"scripts", b"lib", b"include", b"conda-meta"]
            .iter()
            .any(|name| c.eq_ignore_ascii_case(name))
    })
}

/// Root-marker file names that hint at an environment wherever they are.
fn is_marker_name(name: &[u8]) -> bool {
    matches!(
        name,
        b"pyvenv.cfg" | b"pip-selfcheck.json" | b".Python" | b"lib64"
    )
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
pub(crate) fn ignores_itself(top: &Path, root: &[u8], marker: &[u8]) -> bool {
    let disk = DiskProbe::new(top);
    let dir = disk.full_path(root);
    let file = dir.join(".gitignore");
    let Ok(bytes) = crate::support::mapped::read_regular(&file, MAX_EXCLUDE_FILE) else {
        return false;
    };
    let mut builder = GitignoreBuilder::new(&dir);
    add_lines(&mut builder, &file, &bytes);
    let Ok(matcher) = builder.build() else {
        return false;
    };
    matcher
        .matched_path_or_any_parents(
            dir.join(crate::support::paths::bytes_to_path(marker)),
            false,
        )
        .is_ignore()
}

/// The files at or below any of `targets` (repository-relative) that the ignore rules do not
/// ignore: `.gitignore` files at every level, `.git/info/exclude` and the global excludes file,
/// as git applies them (a negation cannot re-include a file below an excluded directory). At
/// most `limit` are returned. Used to check that a fix really hides an environment.
pub(crate) fn unignored_files(top: &Path, targets: &[Vec<u8>], limit: usize) -> Vec<Vec<u8>> {
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
            wanted.iter().any(|t| {
                crate::support::paths::at_or_below(&rel, t)
                    || crate::support::paths::at_or_below(t, &rel)
            })
        })
        .build();
    let mut out = Vec::new();
    for entry in walker.flatten() {
        if entry.file_type().is_some_and(|t| t.is_dir()) {
            continue;
        }
        let rel = relative(top, entry.path());
        if targets
            .iter()
            .any(|t| crate::support::paths::at_or_below(&rel, t))
        {
            out.push(rel);
            if out.len() >= limit {
                break;
            }
        }
    }
    out
}
