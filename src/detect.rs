//! Detection: from repository paths to the Python environments they belong to.
//!
//! Pure logic. The paths come from wherever the caller found them (staged entries, the index, a
//! working-tree walk, a pre-commit file list); questions about sibling paths ("is there a
//! `pyvenv.cfg` next to this `lib/`?") go through the [`Probe`] trait, which the caller backs
//! with the index, the disk, or both.
//!
//! An environment is recognised by its markers (see `venv-layouts.md` in the project's shared
//! notes), never by its folder name:
//!
//! * definitive: a `pyvenv.cfg` with a `home` key, `conda-meta/history` or `conda-meta/*.json`,
//!   legacy virtualenv's `lib/pythonX.Y/orig-prefix.txt`;
//! * strong, in combination: an `activate` script next to a Python interpreter, a
//!   `site-packages` next to `bin/` or `Scripts/`, `pip-selfcheck.json` or `.Python` at the root,
//!   virtualenv's `_virtualenv.pth`, tox's `.tox-info.json`, pdm's `__pypackages__/X.Y/lib`.

use crate::fxhash::FxHashMap;
use std::collections::HashMap;
use std::fmt;

use crate::probe::{join, PathList};
use crate::pyvenv::{self, PyvenvCfg};

mod extent;
pub use extent::{written_by_creator, Extent};

/// What kind of entry a path is, as git records it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// A regular file (git mode 100644).
    File,
    /// An executable file (git mode 100755).
    Executable,
    /// A symbolic link (git mode 120000); its content is the link target.
    Symlink,
    /// A directory (only on disk; git does not track directories).
    Dir,
    /// A submodule (git mode 160000).
    Submodule,
}

/// What is known of one entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Meta {
    /// The entry's kind.
    pub mode: Mode,
    /// Its size in bytes, when known (a symlink's size is the length of its target).
    pub size: Option<u64>,
}

impl Meta {
    /// A regular or executable file, or a symlink: something git stores as a blob.
    pub fn is_blob(&self) -> bool {
        matches!(self.mode, Mode::File | Mode::Executable | Mode::Symlink)
    }
}

/// One repository-relative path handed to detection, `/`-separated raw bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathEntry {
    /// The path, relative to the repository root, without a leading or trailing `/`.
    pub path: Vec<u8>,
    /// What is known of the entry; `None` when nothing is (a path that no longer exists).
    pub meta: Option<Meta>,
}

/// Answers questions about sibling paths: the index, the working tree, or both.
///
/// Every path is repository-relative, `/`-separated, and the empty path is the root.
pub trait Probe {
    /// The entry at `path`, if it exists.
    fn meta(&self, path: &[u8]) -> Option<Meta>;
    /// At most `limit` bytes of the blob at `path` (for a symlink: its target). `None` when
    /// the path is not a blob or cannot be read.
    fn read_head(&self, path: &[u8], limit: usize) -> Option<Vec<u8>>;
    /// The names directly inside directory `dir` (empty when it is not a directory).
    fn children(&self, dir: &[u8]) -> Vec<Vec<u8>>;
    /// A second, costlier source asked about candidates that this one could not confirm but
    /// whose own paths look like an environment's (e.g. the index behind the disk).
    fn fallback(&self) -> Option<&dyn Probe> {
        None
    }
}

/// How much a piece of evidence says on its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Strength {
    /// Also found in legitimate bundles; counts only in combination.
    Medium,
    /// A false positive needs a deliberate fixture or a vendored tree.
    Strong,
    /// No legitimate project file looks like this.
    Definitive,
}

/// One observation that made a directory an environment. Paths are relative to the root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Evidence {
    /// A `pyvenv.cfg` with a `home` key.
    PyvenvCfg {
        /// The `home` value: where the base interpreter lives.
        home: String,
        /// The tool that wrote it, when the file says (`virtualenv 20.4.0`, `uv 0.5.1`).
        creator: Option<String>,
    },
    /// A `pyvenv.cfg` that CPython would not accept (no `home` key, binary, too large, or
    /// unreadable): noted, but not enough on its own.
    WeakPyvenvCfg(&'static str),
    /// A `pyvenv.cfg` stored in Git LFS: the repository holds only a pointer to its content.
    LfsPyvenvCfg,
    /// `conda-meta/history` or `conda-meta/*.json`: a conda, mamba or micromamba prefix.
    CondaMeta(Vec<u8>),
    /// Legacy virtualenv's `lib/pythonX.Y/orig-prefix.txt`.
    OrigPrefix(Vec<u8>),
    /// `pip-selfcheck.json` at the root, written by old pip inside a virtualenv.
    PipSelfcheck,
    /// `.Python` at the root (macOS framework builds of legacy virtualenv).
    DotPython,
    /// An activate script (`bin/activate`, `Scripts/activate.bat`).
    Activate(Vec<u8>),
    /// An interpreter (`bin/python3`, `Scripts/python.exe`).
    Interpreter {
        /// Its path below the root.
        path: Vec<u8>,
        /// The link target when it is a symlink.
        target: Option<Vec<u8>>,
        /// A symlink or a binary; `false` for a missing-content, empty or tiny text stand-in.
        real: bool,
    },
    /// A `site-packages` directory.
    SitePackages(Vec<u8>),
    /// virtualenv's `_virtualenv.pth`.
    VirtualenvPth(Vec<u8>),
    /// tox's `.tox-info.json` (tox 4) or `.tox-config1` (tox 3).
    ToxInfo(Vec<u8>),
    /// pdm's PEP 582 `__pypackages__/X.Y/lib`.
    PdmPackages,
    /// The `lib64 -> lib` symlink of 64-bit POSIX venvs.
    Lib64Link,
}

impl Evidence {
    /// How much this evidence says on its own.
    pub fn strength(&self) -> Strength {
        match self {
            Evidence::PyvenvCfg { .. } | Evidence::CondaMeta(_) | Evidence::OrigPrefix(_) => {
                Strength::Definitive
            }
            Evidence::WeakPyvenvCfg(_) | Evidence::Lib64Link | Evidence::SitePackages(_) => {
                Strength::Medium
            }
            Evidence::Interpreter { real: false, .. } => Strength::Medium,
            _ => Strength::Strong,
        }
    }

    /// The path of the file this evidence is about, relative to the root.
    pub fn path(&self) -> Vec<u8> {
        match self {
            Evidence::PyvenvCfg { .. } | Evidence::WeakPyvenvCfg(_) | Evidence::LfsPyvenvCfg => {
                b"pyvenv.cfg".to_vec()
            }
            Evidence::PipSelfcheck => b"pip-selfcheck.json".to_vec(),
            Evidence::DotPython => b".Python".to_vec(),
            Evidence::PdmPackages => b"lib".to_vec(),
            Evidence::Lib64Link => b"lib64".to_vec(),
            Evidence::CondaMeta(p)
            | Evidence::OrigPrefix(p)
            | Evidence::Activate(p)
            | Evidence::Interpreter { path: p, .. }
            | Evidence::SitePackages(p)
            | Evidence::VirtualenvPth(p)
            | Evidence::ToxInfo(p) => p.clone(),
        }
    }
}

impl fmt::Display for Evidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = crate::escape::display;
        match self {
            Evidence::PyvenvCfg { home, creator } => {
                write!(f, "pyvenv.cfg (home = {}", d(home.as_bytes()))?;
                if let Some(c) = creator {
                    write!(f, ", {}", d(c.as_bytes()))?;
                }
                f.write_str(")")
            }
            Evidence::WeakPyvenvCfg(why) => write!(f, "pyvenv.cfg ({why})"),
            Evidence::LfsPyvenvCfg => f.write_str("pyvenv.cfg (a Git LFS pointer)"),
            Evidence::PipSelfcheck => f.write_str("pip-selfcheck.json"),
            Evidence::DotPython => f.write_str(".Python"),
            Evidence::PdmPackages => f.write_str("__pypackages__ layout (PEP 582)"),
            Evidence::Lib64Link => f.write_str("lib64 -> lib"),
            Evidence::Interpreter {
                path,
                target: Some(t),
                ..
            } => write!(f, "{} -> {}", d(path), d(t)),
            Evidence::Interpreter {
                path, real: false, ..
            } => write!(f, "{} (not a real interpreter)", d(path)),
            Evidence::SitePackages(p) => write!(f, "{}/", d(p)),
            other => f.write_str(&d(&other.path())),
        }
    }
}

/// Which tool made an environment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// `python -m venv` (CPython, PyPy, GraalPy).
    Venv,
    /// virtualenv 20 or later.
    Virtualenv,
    /// virtualenv before 20 (no `pyvenv.cfg`).
    LegacyVirtualenv,
    /// `uv venv`.
    Uv,
    /// A conda, mamba or micromamba prefix.
    Conda,
    /// A pixi environment (`.pixi/envs/NAME`, a conda prefix).
    Pixi,
    /// A tox environment (`.tox/NAME`).
    Tox,
    /// A nox session environment (`.nox/NAME`).
    Nox,
    /// pdm's PEP 582 `__pypackages__/X.Y`.
    Pdm,
    /// pipenv's in-project `.venv` (`PIPENV_VENV_IN_PROJECT`).
    Pipenv,
    /// poetry's in-project `.venv` (`virtualenvs.in-project`).
    Poetry,
    /// A hatch environment stored inside the project.
    Hatch,
    /// The markers of an environment without its root file (`pyvenv.cfg` was not found).
    Partial,
}

impl Kind {
    /// A stable machine name (used in JSON and rule ids).
    pub fn id(self) -> &'static str {
        match self {
            Kind::Venv => "venv",
            Kind::Virtualenv => "virtualenv",
            Kind::LegacyVirtualenv => "legacy-virtualenv",
            Kind::Uv => "uv",
            Kind::Conda => "conda",
            Kind::Pixi => "pixi",
            Kind::Tox => "tox",
            Kind::Nox => "nox",
            Kind::Pdm => "pdm",
            Kind::Pipenv => "pipenv",
            Kind::Poetry => "poetry",
            Kind::Hatch => "hatch",
            Kind::Partial => "partial",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Venv => "venv",
            Kind::Virtualenv => "virtualenv",
            Kind::LegacyVirtualenv => "legacy virtualenv (< 20)",
            Kind::Uv => "uv venv",
            Kind::Conda => "conda prefix",
            Kind::Pixi => "pixi environment",
            Kind::Tox => "tox environment",
            Kind::Nox => "nox environment",
            Kind::Pdm => "pdm __pypackages__",
            Kind::Pipenv => "pipenv in-project venv",
            Kind::Poetry => "poetry in-project venv",
            Kind::Hatch => "hatch environment",
            Kind::Partial => "Python environment",
        })
    }
}

/// POSIX (`bin/`, `lib/pythonX.Y/`) or Windows (`Scripts/`, `Lib/`) layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// `bin/`, `lib/pythonX.Y/site-packages`.
    Posix,
    /// `Scripts/`, `Lib/site-packages`.
    Windows,
}

/// A directory recognised as an environment root, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvRoot {
    /// The tool that made it.
    pub kind: Kind,
    /// `CPython`, `PyPy`, `GraalPy`, when known.
    pub implementation: Option<String>,
    /// POSIX or Windows layout.
    pub layout: Layout,
    /// What was seen, strongest first.
    pub evidence: Vec<Evidence>,
    /// It sits under a test-data path and has no real interpreter and no installed pip: a
    /// fixture that imitates an environment. Reported as a note unless `--strict`.
    pub fixture: bool,
    /// How much of its root folder it owns.
    pub extent: Extent,
}

impl EnvRoot {
    /// Whether the environment owns the top-level entry `name` of its root folder: every
    /// entry when it owns the whole folder, else only those its creator writes.
    pub fn owns(&self, name: &[u8]) -> bool {
        self.rule().is_none_or(|rule| rule.owns(name))
    }

    /// What decides ownership entry by entry; `None` when the whole folder is owned.
    fn rule(&self) -> Option<Rule> {
        match &self.extent {
            Extent::Folder => None,
            Extent::Entries { listed } => Some(Rule {
                layout: self.layout,
                kind: self.kind,
                listed: listed.clone(),
            }),
        }
    }

    /// The path (relative to the root) of the strongest marker file.
    pub fn marker(&self) -> Vec<u8> {
        self.evidence
            .first()
            .map(Evidence::path)
            .unwrap_or_default()
    }

    /// A short description: kind, implementation and layout.
    pub fn describe(&self) -> String {
        let mut s = self.kind.to_string();
        let mut extra = Vec::new();
        if let Some(i) = &self.implementation {
            extra.push(i.clone());
        }
        if self.layout == Layout::Windows {
            extra.push("Windows layout".to_owned());
        }
        if !extra.is_empty() {
            s.push_str(&format!(" ({})", extra.join(", ")));
        }
        s
    }
}

/// Which entries of a partly owned folder an environment owns.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Rule {
    layout: Layout,
    kind: Kind,
    listed: Vec<Vec<u8>>,
}

impl Rule {
    fn owns(&self, name: &[u8]) -> bool {
        written_by_creator(name, self.layout, self.kind)
            || self
                .listed
                .binary_search_by(|l| l.as_slice().cmp(name))
                .is_ok()
    }
}

/// A top-level entry of an environment: a name in its root folder.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Entry {
    /// The name.
    pub name: Vec<u8>,
    /// A folder (with paths below it) rather than a file or a symlink.
    pub dir: bool,
}

/// A repository path an environment owns: its root folder, or one of its entries.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct OwnedPath {
    /// Repository-relative.
    pub path: Vec<u8>,
    /// A folder: everything below it is owned.
    pub dir: bool,
}

/// One environment found among the paths, with the paths that belong to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Environment {
    /// The root directory, repository-relative (empty: the repository root itself).
    pub root: Vec<u8>,
    /// What the root is.
    pub env: EnvRoot,
    /// How many of the given paths belong to it.
    pub files: u64,
    /// Their total size in bytes, summed over the paths whose size is known.
    pub bytes: u64,
    /// Whether every path's size was known.
    pub bytes_known: bool,
    /// The distinct top-level entries below the root that the paths touch and the
    /// environment owns (`bin`, `lib`, `pyvenv.cfg`...), sorted.
    pub entries: Vec<Entry>,
}

impl Environment {
    /// The repository paths the environment owns, as every fix, count and command names
    /// them: the root folder when it owns the whole folder, else each of its entries.
    pub fn owned_paths(&self) -> Vec<OwnedPath> {
        if self.env.extent == Extent::Folder && !self.root.is_empty() {
            return vec![OwnedPath {
                path: self.root.clone(),
                dir: true,
            }];
        }
        self.entries
            .iter()
            .map(|e| OwnedPath {
                path: join(&self.root, &e.name),
                dir: e.dir,
            })
            .collect()
    }

    /// Whether the repository path `path` is one the environment owns.
    pub fn owns_path(&self, path: &[u8]) -> bool {
        let Some(below) = below_root(path, &self.root) else {
            return false;
        };
        let top = below.split(|&b| b == b'/').next().unwrap_or(below);
        top.is_empty() || self.env.owns(top)
    }
}

/// `path` relative to `root`, when it is at or below it (empty for the root itself).
fn below_root<'p>(path: &'p [u8], root: &[u8]) -> Option<&'p [u8]> {
    if root.is_empty() {
        return Some(path);
    }
    let rest = path.strip_prefix(root)?;
    match rest.first() {
        None => Some(rest),
        Some(b'/') => Some(&rest[1..]),
        Some(_) => None,
    }
}

/// Whether `name` is a top-level entry that environments own rather than a project, compared
/// case-insensitively (an environment at the repository root claims only these): `bin`,
/// `Scripts`, `lib`, `lib64`, `include`, `share`, `etc`, `man`, `pyvenv.cfg`,
/// `pip-selfcheck.json`, `.Python`, `conda-meta`, `CACHEDIR.TAG`, `Library`, `DLLs`, `libs`,
/// `tcl`, `ssl`, `compiler_compat`, `python.exe`, `pythonw.exe`, `.tox-info.json`,
/// `.tox-config1`.
pub fn is_env_owned(name: &[u8]) -> bool {
    // Called for many components of many paths: most are rejected by their length and first
    // letter alone; the rest are lower-cased into a stack buffer, and the compiler dispatches
    // on length and bytes.
    let plausible = matches!(
        (name.len(), name.first().map(u8::to_ascii_lowercase)),
        (3, Some(b'b' | b'l' | b'e' | b'm' | b's' | b't'))
            | (4, Some(b'l' | b'd'))
            | (5, Some(b'l' | b's'))
            | (7, Some(b's' | b'i' | b'l' | b'.'))
            | (10, Some(b'p' | b'c'))
            | (11, Some(b'p'))
            | (12, Some(b'c' | b'.'))
            | (14, Some(b'.'))
            | (15, Some(b'c'))
            | (18, Some(b'p'))
    );
    if !plausible {
        return false;
    }
    let mut buf = [0; NAME_BUF];
    let Some(lower) = lowered(name, &mut buf) else {
        return false;
    };
    matches!(
        lower,
        b"bin"
            | b"scripts"
            | b"lib"
            | b"lib64"
            | b"include"
            | b"share"
            | b"etc"
            | b"man"
            | b"pyvenv.cfg"
            | b"pip-selfcheck.json"
            | b".python"
            | b"conda-meta"
            | b"cachedir.tag"
            | b"library"
            | b"dlls"
            | b"libs"
            | b"tcl"
            | b"ssl"
            | b"compiler_compat"
            | b"python.exe"
            | b"pythonw.exe"
            | b".tox-info.json"
            | b".tox-config1"
    )
}

/// Path components under which environment look-alikes are usually test data (compared
/// case-insensitively).
const TEST_DIRS: &[&str] = &[
    "test",
    "tests",
    "testing",
    "fixture",
    "fixtures",
    "__fixtures__",
    "testdata",
    "test_data",
    "test-data",
    "envlayouts",
];

/// Finds the environments that `paths` belong to, one [`Environment`] per root.
///
/// Candidates are the directories above each path whose next component is an environment's
/// (`bin`, `lib`, `Scripts`, `pyvenv.cfg`, ...). Each candidate is examined once, shallowest
/// first; paths under a confirmed root are assigned to it and not examined further.
pub fn detect<P: PathList + Sync + ?Sized>(paths: &P, probe: &dyn Probe) -> Vec<Environment> {
    // Large inputs (a whole index) are split between two threads; the machine this runs on
    // most often has two cores.
    let candidates = if paths.len() >= PARALLEL_FROM {
        let middle = paths.len() / 2;
        let (second, mut first) = crate::parallel::both(
            || candidates_in(paths, middle..paths.len()),
            || candidates_in(paths, 0..middle),
        );
        for (root, hinted) in second {
            *first.entry(root).or_insert(false) |= hinted;
        }
        first
    } else {
        candidates_in(paths, 0..paths.len())
    };
    let mut order: Vec<(&[u8], bool)> = candidates.into_iter().collect();
    order.sort_by(|a, b| depth(a.0).cmp(&depth(b.0)).then(a.0.cmp(b.0)));

    let mut roots: Vec<(&[u8], EnvRoot)> = Vec::new();
    let mut confirmed = Roots::default();
    for (candidate, hinted) in order {
        // A path git would refuse (`..`, `.git`, empty components) is never examined: the
        // probes would read outside the working tree, and a fix would write there.
        if !candidate.is_empty() && !crate::index::is_valid_path(candidate) {
            continue;
        }
        if confirmed.owner(candidate).is_some() {
            continue;
        }
        let mut found = examine(candidate, hinted, probe);
        if found.is_none() && hinted {
            if let Some(deeper) = probe.fallback() {
                found = examine(candidate, hinted, deeper);
            }
        }
        if let Some(env) = found {
            confirmed.insert(candidate, env.rule());
            roots.push((candidate, env));
        }
    }
    if roots.is_empty() {
        return Vec::new();
    }

    // Paths come sorted, so an environment's paths come in a run: a path below the previous
    // path's root (when that root owns its whole folder) belongs to it without a search or a
    // hash, and a top entry equal to the previous one is not hashed again. A path that shares
    // with an unowned previous path at least as many bytes as the longest `root/` is unowned
    // too (a root that prefixes it would prefix the previous path): most paths are settled
    // that way, unless some root owns only some of its entries.
    let mut tallies: Vec<Tally> = Vec::new();
    let mut slots: FxHashMap<&[u8], usize> = FxHashMap::default();
    let longest_key = confirmed.keys.iter().map(Vec::len).max().unwrap_or(0);
    // The previous path's root (when it owns its whole folder), its tally, and its top entry.
    let mut previous: Option<(&[u8], usize, &[u8])> = None;
    let mut whole = false;
    let mut unowned: &[u8] = &[];
    for i in 0..paths.len() {
        let path = paths.path_at(i);
        if !unowned.is_empty() && !confirmed.partial && common_prefix(path, unowned) >= longest_key
        {
            unowned = path;
            continue;
        }
        let (root, slot) = match previous {
            Some((root, slot, _))
                if !root.is_empty()
                    && path.get(root.len()) == Some(&b'/')
                    && path.starts_with(root) =>
            {
                (root, slot)
            }
            _ => match confirmed.owner_and_whole(path) {
                Some((root, owns_folder)) => {
                    whole = owns_folder;
                    let slot = *slots.entry(root).or_insert_with(|| {
                        tallies.push(Tally {
                            bytes_known: true,
                            ..Tally::default()
                        });
                        tallies.len() - 1
                    });
                    (root, slot)
                }
                None => {
                    previous = None;
                    unowned = path;
                    continue;
                }
            },
        };
        unowned = &[];
        let tally = &mut tallies[slot];
        tally.files += 1;
        match paths.meta_at(i).and_then(|m| m.size) {
            Some(size) => tally.bytes += size,
            None => tally.bytes_known = false,
        }
        // The root itself (a submodule's entry) has no entry below it.
        let below = if root.is_empty() {
            path
        } else {
            path.get(root.len() + 1..).unwrap_or_default()
        };
        let top = below.split(|&b| b == b'/').next().unwrap_or(below);
        let dir = below.len() > top.len();
        if !top.is_empty() && previous.is_none_or(|(_, s, t)| s != slot || t != top || dir) {
            *tally.entries.entry(top).or_insert(false) |= dir;
        }
        previous = whole.then_some((root, slot, top));
    }
    roots
        .into_iter()
        .filter_map(|(root, env)| {
            let tally = std::mem::take(&mut tallies[*slots.get(root)?]);
            let mut entries: Vec<Entry> = tally
                .entries
                .into_iter()
                .map(|(name, dir)| Entry {
                    name: name.to_vec(),
                    dir,
                })
                .collect();
            entries.sort();
            Some(Environment {
                root: root.to_vec(),
                env,
                files: tally.files,
                bytes: tally.bytes,
                bytes_known: tally.bytes_known,
                entries,
            })
        })
        .collect()
}

/// The paths of one environment, counted.
#[derive(Default)]
struct Tally<'a> {
    files: u64,
    bytes: u64,
    bytes_known: bool,
    /// Each top entry, and whether a path lies below it (a folder).
    entries: FxHashMap<&'a [u8], bool>,
}

/// The directories above `path` that its own shape marks as possible environment roots:
/// `R` for `R/bin/activate`, `R/lib/python3.11/...`, `R/pyvenv.cfg`, `R/conda-meta/...`.
pub fn hinted_roots(path: &[u8], meta: Option<Meta>) -> Vec<&[u8]> {
    let mut candidates = Candidates::default();
    collect_candidates(path, meta, 0, &mut candidates);
    candidates
        .into_iter()
        .filter_map(|(root, hinted)| hinted.then_some(root))
        .collect()
}

/// From how many paths candidate collection is split between two threads.
const PARALLEL_FROM: usize = 50_000;

/// The candidate roots of the paths at `range`.
fn candidates_in<P: PathList + ?Sized>(paths: &P, range: std::ops::Range<usize>) -> Candidates<'_> {
    let mut candidates = Candidates::default();
    let mut previous: &[u8] = match range.start.checked_sub(1) {
        Some(i) => paths.path_at(i),
        None => &[],
    };
    for i in range {
        let path = paths.path_at(i);
        // Sorted inputs share their directories with the previous path: what those
        // directories contribute is already collected.
        let common = common_prefix(path, previous);
        collect_candidates(path, paths.meta_at(i), common, &mut candidates);
        previous = path;
    }
    candidates
}

/// How many leading bytes `a` and `b` share, compared eight at a time.
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let mut n = 0;
    for (x, y) in a.chunks_exact(8).zip(b.chunks_exact(8)) {
        let x = u64::from_le_bytes(x.try_into().unwrap_or_default());
        let y = u64::from_le_bytes(y.try_into().unwrap_or_default());
        if x != y {
            return n + ((x ^ y).trailing_zeros() / 8) as usize;
        }
        n += 8;
    }
    n + a[n..]
        .iter()
        .zip(&b[n..])
        .take_while(|(x, y)| x == y)
        .count()
}

/// Examines one directory with the probe alone: is it an environment root?
///
/// Used by the working-tree walk, which meets directories before their files.
pub fn examine_dir(dir: &[u8], probe: &dyn Probe) -> Option<EnvRoot> {
    examine(dir, true, probe)
}

fn depth(path: &[u8]) -> usize {
    if path.is_empty() {
        0
    } else {
        1 + path.iter().filter(|&&b| b == b'/').count()
    }
}

/// The confirmed roots, for asking which one owns a path.
#[derive(Default)]
struct Roots<'a> {
    /// Whether the repository root itself is an environment, and what of it it owns.
    top: Option<Rule>,
    /// `root/` for every other root, sorted.
    keys: Vec<Vec<u8>>,
    /// The roots, in the order of `keys`.
    roots: Vec<&'a [u8]>,
    /// For each root, which of its entries it owns; `None` when it owns its whole folder.
    rules: Vec<Option<Rule>>,
    /// Some key is a prefix of another (an environment inside a folder of a project folder
    /// that also holds one): the nearest key does not always own a path.
    nested: bool,
    /// Some root owns only some of its entries.
    partial: bool,
}

impl<'a> Roots<'a> {
    fn insert(&mut self, root: &'a [u8], rule: Option<Rule>) {
        self.partial |= rule.is_some() || root.is_empty();
        if root.is_empty() {
            self.top = Some(rule.unwrap_or(Rule {
                layout: Layout::Posix,
                kind: Kind::Partial,
                listed: Vec::new(),
            }));
            return;
        }
        let mut key = root.to_vec();
        key.push(b'/');
        let i = self.keys.partition_point(|k| k < &key);
        self.nested |= self
            .keys
            .iter()
            .any(|k| key.starts_with(k) || k.starts_with(&key));
        self.keys.insert(i, key);
        self.roots.insert(i, root);
        self.rules.insert(i, rule);
    }

    /// Whether the root of key `i` owns `path`, which lies below it.
    fn owns_below(&self, i: usize, path: &[u8]) -> bool {
        match &self.rules[i] {
            None => true,
            Some(rule) => {
                let rest = &path[self.keys[i].len()..];
                rule.owns(rest.split(|&b| b == b'/').next().unwrap_or(rest))
            }
        }
    }

    /// The root that owns `path`, if any: the nearest root above it, when that root owns the
    /// entry the path lies in.
    fn owner(&self, path: &[u8]) -> Option<&'a [u8]> {
        self.owner_and_whole(path).map(|(root, _)| root)
    }

    /// [`Roots::owner`], and whether that root owns its whole folder.
    fn owner_and_whole(&self, path: &[u8]) -> Option<(&'a [u8], bool)> {
        let found = |i: usize| (self.roots[i], self.rules[i].is_none());
        // The root itself (a submodule's entry): the first key not below `path` is `path/`.
        let at = self.keys.partition_point(|k| k.as_slice() < path);
        if let Some(key) = self.keys.get(at) {
            if key.len() == path.len() + 1 && key.starts_with(path) {
                return Some(found(at));
            }
        }
        // Without nesting, the only key that can be a prefix of `path` is the greatest key not
        // above it.
        let i = self.keys.partition_point(|k| k.as_slice() <= path);
        if let Some(i) = i.checked_sub(1) {
            if path.starts_with(&self.keys[i]) {
                return self.owns_below(i, path).then(|| found(i));
            }
        }
        if self.nested {
            // The nearest root above is the longest key that prefixes the path.
            for end in (0..path.len()).rev().filter(|&j| path[j] == b'/') {
                let prefix = &path[..=end];
                if let Ok(i) = self.keys.binary_search_by(|k| k.as_slice().cmp(prefix)) {
                    return self.owns_below(i, path).then(|| found(i));
                }
            }
        }
        let top = self.top.as_ref()?;
        let name = path.split(|&b| b == b'/').next().unwrap_or(path);
        top.owns(name).then_some((&b""[..], false))
    }
}

/// Candidate roots, and whether a path's own shape hinted at each.
type Candidates<'a> = FxHashMap<&'a [u8], bool>;

/// Adds the directories above `path` that could be environment roots. The flag says whether
/// the path itself looks like an environment's file (so a costlier look is warranted).
///
/// A component whose following component and the `/` after it lie within the first `known`
/// bytes (shared with a path already collected) adds nothing new and is skipped.
fn collect_candidates<'a>(
    path: &'a [u8],
    meta: Option<Meta>,
    known: usize,
    out: &mut Candidates<'a>,
) {
    // Start at the component before the one where this path leaves the shared prefix: it is
    // the first whose next component may be new.
    let known = known.min(path.len());
    // A submodule is a directory of its own: it may itself be an environment's root.
    if meta.is_some_and(|m| m.mode == Mode::Submodule) {
        out.insert(path, true);
    }
    let mut start = match path[..known].iter().rposition(|&b| b == b'/') {
        Some(slash) => path[..slash]
            .iter()
            .rposition(|&b| b == b'/')
            .map_or(0, |i| i + 1),
        None => 0,
    };
    // Where the component after `start` ends.
    let mut end = component_end(path, start);
    while start <= path.len() {
        let name = &path[start..end];
        let last = end == path.len();
        let next_end = if last {
            end
        } else {
            component_end(path, end + 1)
        };
        let next = (!last).then(|| &path[end + 1..next_end]);
        if next.is_some_and(|n| end + 1 + n.len() < known) {
            (start, end) = (end + 1, next_end);
            continue;
        }
        if is_env_owned(name) {
            let parent = if start == 0 {
                &path[..0]
            } else {
                &path[..start - 1]
            };
            let hint = looks_like_env_file(name, next, last, meta);
            let slot = out.entry(parent).or_insert(false);
            *slot |= hint;
        }
        if name == b"__pypackages__" {
            if let Some(version) = next {
                let version_end = end + 1 + version.len();
                if version_end < path.len() && is_python_version(version) {
                    out.insert(&path[..version_end], true);
                }
            }
        }
        (start, end) = (end + 1, next_end);
    }
}

/// Where the component of `path` that begins at `start` ends.
fn component_end(path: &[u8], start: usize) -> usize {
    path[start..]
        .iter()
        .position(|&b| b == b'/')
        .map_or(path.len(), |i| start + i)
}

/// Longer than every name the checks below compare with.
const NAME_BUF: usize = 32;

/// `name` in lower case, in `buf` (these checks run for many components of many paths and
/// allocate nothing); `None` for a name too long to be any they look for.
fn lowered<'b>(name: &[u8], buf: &'b mut [u8; NAME_BUF]) -> Option<&'b [u8]> {
    let lower = buf.get_mut(..name.len())?;
    for (dst, src) in lower.iter_mut().zip(name) {
        *dst = src.to_ascii_lowercase();
    }
    Some(lower)
}

/// `name` is an environment-owned component; does the rest of the path make it an
/// environment's file rather than, say, a project's `src/lib/`?
fn looks_like_env_file(name: &[u8], next: Option<&[u8]>, last: bool, meta: Option<Meta>) -> bool {
    let mut buf = [0; NAME_BUF];
    let Some(lower) = lowered(name, &mut buf) else {
        return false;
    };
    match (lower, next) {
        (b"pyvenv.cfg" | b"pip-selfcheck.json" | b".python", None) => true,
        (b"conda-meta", Some(_)) => true,
        (b"lib64", None) => last && meta.is_some_and(|m| m.mode == Mode::Symlink),
        (b"bin" | b"scripts", Some(n)) => is_interpreter_name(n) || is_activate_name(n),
        (b"lib", Some(n)) => is_versioned_python_dir(n) || n.eq_ignore_ascii_case(b"site-packages"),
        (b"include", Some(n)) => is_versioned_python_dir(n) || n == b"site",
        _ => false,
    }
}

fn is_python_version(name: &[u8]) -> bool {
    let mut parts = name.split(|&b| b == b'.');
    let major = parts.next().unwrap_or_default();
    let minor = parts.next().unwrap_or_default();
    parts.next().is_none()
        && !major.is_empty()
        && !minor.is_empty()
        && major.iter().chain(minor).all(u8::is_ascii_digit)
}

/// `python3.11`, `python2.7`, `pypy3.9`, `python3.13t`.
fn is_versioned_python_dir(name: &[u8]) -> bool {
    let rest = name
        .strip_prefix(b"python")
        .or_else(|| name.strip_prefix(b"pypy"));
    let Some(rest) = rest else { return false };
    let rest = rest.strip_suffix(b"t").unwrap_or(rest);
    is_python_version(rest)
}

/// Interpreter names in `bin/` or `Scripts/`: `python`, `python3`, `python3.11`, `pypy3`,
/// `graalpy`, `python.exe`, `pythonw.exe`.
fn is_interpreter_name(name: &[u8]) -> bool {
    let mut buf = [0; NAME_BUF];
    let Some(lower) = lowered(name, &mut buf) else {
        return false;
    };
    let stem = lower.strip_suffix(b".exe").unwrap_or(lower);
    let Some(rest) = stem
        .strip_prefix(b"python")
        .or_else(|| stem.strip_prefix(b"pypy"))
        .or_else(|| stem.strip_prefix(b"graalpy"))
    else {
        return false;
    };
    let rest = rest.strip_prefix(b"w").unwrap_or(rest);
    let rest = rest.strip_suffix(b"t").unwrap_or(rest);
    rest.iter().all(|&b| b.is_ascii_digit() || b == b'.')
}

/// The activate scripts venv, virtualenv and uv write; `activate-hermit` and the like are not.
fn is_activate_name(name: &[u8]) -> bool {
    let mut buf = [0; NAME_BUF];
    let Some(lower) = lowered(name, &mut buf) else {
        return false;
    };
    matches!(
        lower,
        b"activate"
            | b"activate.bat"
            | b"activate.csh"
            | b"activate.fish"
            | b"activate.ps1"
            | b"activate.nu"
            | b"activate.xsh"
            | b"activate_this.py"
    )
}

/// Child names of `dir` keyed by their lower-case form.
fn child_map(probe: &dyn Probe, dir: &[u8]) -> HashMap<Vec<u8>, Vec<u8>> {
    probe
        .children(dir)
        .into_iter()
        .map(|n| (n.to_ascii_lowercase(), n))
        .collect()
}

/// Magic numbers of executables: ELF, PE, Mach-O (both byte orders, fat).
fn is_binary_executable(head: &[u8]) -> bool {
    head.starts_with(b"\x7fELF")
        || head.starts_with(b"MZ")
        || head.starts_with(&[0xcf, 0xfa, 0xed, 0xfe])
        || head.starts_with(&[0xce, 0xfa, 0xed, 0xfe])
        || head.starts_with(&[0xca, 0xfe, 0xba, 0xbe])
}

/// Below this size a text file named `python` is a stand-in, not an interpreter.
const TINY_TEXT: u64 = 1024;

fn interpreter(probe: &dyn Probe, root: &[u8], rel: Vec<u8>) -> Option<Evidence> {
    let path = join(root, &rel);
    let meta = probe.meta(&path)?;
    match meta.mode {
        Mode::Symlink => {
            let target = probe.read_head(&path, 4096).unwrap_or_default();
            let real = links_to_interpreter(probe, root, &path, &target);
            Some(Evidence::Interpreter {
                path: rel,
                target: Some(target),
                real,
            })
        }
        Mode::File | Mode::Executable => Some(Evidence::Interpreter {
            real: is_real_binary(probe, &path, meta),
            path: rel,
            target: None,
        }),
        _ => None,
    }
}

/// A binary, or a file too large to be a text stand-in.
fn is_real_binary(probe: &dyn Probe, path: &[u8], meta: Meta) -> bool {
    let head = probe.read_head(path, 64).unwrap_or_default();
    is_binary_executable(&head) || meta.size.is_some_and(|s| s >= TINY_TEXT)
}

/// How many links a relative interpreter link is followed through.
const MAX_LINKS: usize = 8;

/// Whether the interpreter link at `path` (below `root`) with `target` leads to a real
/// interpreter: an absolute target or one outside the environment is its base interpreter
/// (`bin/python3 -> /usr/bin/python3`); a relative one inside is followed (`python ->
/// python3`) and must end at a binary. Fixtures that imitate an environment link only to
/// each other or to text files.
fn links_to_interpreter(probe: &dyn Probe, root: &[u8], path: &[u8], target: &[u8]) -> bool {
    let (mut path, mut target) = (path.to_vec(), target.to_vec());
    for _ in 0..MAX_LINKS {
        if target.is_empty() {
            return false;
        }
        if target.starts_with(b"/") || target.get(1) == Some(&b':') || target.starts_with(b"\\") {
            return true;
        }
        let dir = match path.iter().rposition(|&b| b == b'/') {
            Some(i) => &path[..i],
            None => &path[..0],
        };
        let Some(next) = resolve(dir, &target) else {
            return true;
        };
        if !next.starts_with(root) || (!root.is_empty() && next.get(root.len()) != Some(&b'/')) {
            return true;
        }
        let Some(meta) = probe.meta(&next) else {
            return false;
        };
        match meta.mode {
            Mode::Symlink => {
                target = probe.read_head(&next, 4096).unwrap_or_default();
                path = next;
            }
            Mode::File | Mode::Executable => return is_real_binary(probe, &next, meta),
            _ => return false,
        }
    }
    false
}

/// `dir/target` with `.` and `..` components resolved; `None` when it climbs above the
/// repository root.
fn resolve(dir: &[u8], target: &[u8]) -> Option<Vec<u8>> {
    let mut parts: Vec<&[u8]> = dir
        .split(|&b| b == b'/')
        .filter(|c| !c.is_empty())
        .collect();
    for c in target.split(|&b| b == b'/' || b == b'\\') {
        match c {
            b"" | b"." => {}
            b".." => {
                parts.pop()?;
            }
            c => parts.push(c),
        }
    }
    Some(parts.join(&b'/'))
}

/// Orders interpreters by how much they say: a link to an absolute path (`/usr/bin/python3`,
/// `C:\\...`), a real binary, the shortest name.
fn interpreter_rank(e: &Evidence) -> (bool, bool, usize, Vec<u8>) {
    match e {
        Evidence::Interpreter { path, target, real } => (
            !target
                .as_ref()
                .is_some_and(|t| t.starts_with(b"/") || t.get(1) == Some(&b':')),
            !real,
            path.len(),
            path.clone(),
        ),
        _ => (true, true, usize::MAX, Vec::new()),
    }
}

/// Decides whether `root` is an environment root. Without `thorough`, only the root markers
/// (`pyvenv.cfg`, `conda-meta`) are looked for; with it, the combinations of secondary
/// markers as well.
fn examine(root: &[u8], thorough: bool, probe: &dyn Probe) -> Option<EnvRoot> {
    let top = child_map(probe, root);
    let has = |name: &[u8]| top.get(name);
    if !thorough && has(b"pyvenv.cfg").is_none() && has(b"conda-meta").is_none() {
        return None;
    }
    let mut evidence = Vec::new();
    let mut cfg: Option<PyvenvCfg> = None;
    let mut lfs_cfg = false;

    if let Some(name) = has(b"pyvenv.cfg") {
        let path = join(root, name);
        match probe.meta(&path) {
            Some(m) if m.is_blob() && m.mode != Mode::Symlink => {
                match probe.read_head(&path, pyvenv::READ_LIMIT + 1) {
                    None => evidence.push(Evidence::WeakPyvenvCfg("unreadable or too large")),
                    Some(bytes) if is_lfs_pointer(&bytes) => {
                        lfs_cfg = true;
                        evidence.push(Evidence::LfsPyvenvCfg);
                    }
                    Some(bytes) => match PyvenvCfg::parse(&bytes) {
                        Ok(c) if c.is_definitive() => {
                            let creator = c.uv.as_ref().map(|v| format!("uv {v}")).or_else(|| {
                                c.virtualenv.as_ref().map(|v| format!("virtualenv {v}"))
                            });
                            evidence.push(Evidence::PyvenvCfg {
                                home: c.home.clone().unwrap_or_default(),
                                creator,
                            });
                            cfg = Some(c);
                        }
                        Ok(_) => evidence.push(Evidence::WeakPyvenvCfg("no home key")),
                        Err(pyvenv::NotACfg::Binary) => {
                            evidence.push(Evidence::WeakPyvenvCfg("binary content"))
                        }
                        Err(pyvenv::NotACfg::NoKeys) => {
                            evidence.push(Evidence::WeakPyvenvCfg("no key = value lines"))
                        }
                    },
                }
            }
            _ => {}
        }
    }

    let mut conda = false;
    if let Some(name) = has(b"conda-meta") {
        let dir = join(root, name);
        if probe.meta(&join(&dir, b"history")).is_some() {
            conda = true;
            evidence.push(Evidence::CondaMeta(join(name, b"history")));
        } else if let Some(json) = probe
            .children(&dir)
            .into_iter()
            .find(|n| n.ends_with(b".json"))
        {
            conda = true;
            evidence.push(Evidence::CondaMeta(join(name, &json)));
        }
    }
    let definitive_root = cfg.is_some() || conda;
    if !thorough && !definitive_root {
        return None;
    }

    // The scripts directory and the interpreter.
    let mut layout = Layout::Posix;
    let mut activate = false;
    let mut interpreters = Vec::new();
    for dir_key in [&b"bin"[..], b"scripts"] {
        let Some(dir_name) = has(dir_key) else {
            continue;
        };
        if dir_key == b"scripts" && has(b"bin").is_none() {
            layout = Layout::Windows;
        }
        let dir = join(root, dir_name);
        let mut names = probe.children(&dir);
        names.sort();
        for n in &names {
            if is_activate_name(n) && !activate {
                let lower = n.to_ascii_lowercase();
                if matches!(&lower[..], b"activate" | b"activate.bat") {
                    activate = true;
                    evidence.push(Evidence::Activate(join(dir_name, n)));
                }
            }
        }
        // Report the most telling interpreter: a link to an absolute base interpreter, then a
        // binary, then the plainest name.
        let best = names
            .iter()
            .filter(|n| is_interpreter_name(n))
            .filter_map(|n| interpreter(probe, root, join(dir_name, n)))
            .min_by_key(interpreter_rank);
        interpreters.extend(best);
    }
    // conda on Windows keeps python.exe at the root.
    if let Some(name) = has(b"python.exe") {
        if let Some(e) = interpreter(probe, root, name.clone()) {
            interpreters.push(e);
        }
    }
    let real_interpreter = interpreters
        .iter()
        .any(|e| matches!(e, Evidence::Interpreter { real: true, .. }));

    // lib/pythonX.Y/{site-packages,orig-prefix.txt}, Lib/site-packages.
    let mut site_packages = None;
    let mut orig_prefix = None;
    let mut virtualenv_pth = None;
    if let Some(lib_name) = has(b"lib") {
        let lib = join(root, lib_name);
        let mut dirs: Vec<Vec<u8>> = Vec::new();
        if lib_name == b"Lib" || (lib_name != b"lib" && layout == Layout::Windows) {
            dirs.push(lib_name.clone());
            layout = Layout::Windows;
        }
        let mut versions: Vec<Vec<u8>> = probe
            .children(&lib)
            .into_iter()
            .filter(|n| is_versioned_python_dir(n))
            .collect();
        versions.sort();
        dirs.extend(versions.iter().map(|v| join(lib_name, v)));
        if root.ends_with(b"__pypackages__") || is_pdm_root(root) {
            dirs.push(lib_name.clone());
        }
        for d in dirs {
            let sp = join(&d, b"site-packages");
            let sp_full = join(root, &sp);
            if site_packages.is_none() && probe.meta(&sp_full).is_some() {
                if probe.meta(&join(&sp_full, b"_virtualenv.pth")).is_some() {
                    virtualenv_pth = Some(join(&sp, b"_virtualenv.pth"));
                }
                site_packages = Some(sp);
            }
            let op = join(&d, b"orig-prefix.txt");
            if orig_prefix.is_none() && probe.meta(&join(root, &op)).is_some() {
                orig_prefix = Some(op);
            }
        }
    }
    if let Some(op) = orig_prefix {
        evidence.push(Evidence::OrigPrefix(op));
    }
    let pip_installed = site_packages
        .as_ref()
        .is_some_and(|sp| probe.meta(&join(root, &join(sp, b"pip"))).is_some());

    let pdm = is_pdm_root(root) && has(b"lib").is_some();
    if pdm {
        evidence.push(Evidence::PdmPackages);
    }
    let pip_selfcheck = has(b"pip-selfcheck.json").is_some();
    if pip_selfcheck {
        evidence.push(Evidence::PipSelfcheck);
    }
    let dot_python = has(b".python").is_some_and(|n| n == b".Python");
    if dot_python {
        evidence.push(Evidence::DotPython);
    }
    if let Some(p) = virtualenv_pth.clone() {
        evidence.push(Evidence::VirtualenvPth(p));
    }
    let tox = [&b".tox-info.json"[..], b".tox-config1"]
        .into_iter()
        .find_map(|n| has(n).cloned());
    if let Some(t) = tox.clone() {
        evidence.push(Evidence::ToxInfo(t));
    }
    evidence.extend(interpreters.iter().cloned());
    if let Some(sp) = site_packages.clone() {
        evidence.push(Evidence::SitePackages(sp));
    }
    if let Some(name) = has(b"lib64") {
        if probe
            .meta(&join(root, name))
            .is_some_and(|m| m.mode == Mode::Symlink)
        {
            evidence.push(Evidence::Lib64Link);
        }
    }

    let scripts_dir = has(b"bin").is_some() || has(b"scripts").is_some();
    let legacy = evidence
        .iter()
        .any(|e| matches!(e, Evidence::OrigPrefix(_)));
    let is_env = definitive_root
        || legacy
        || pdm
        || (activate && !interpreters.is_empty())
        || (site_packages.is_some() && (activate || !interpreters.is_empty()))
        || ((pip_selfcheck || dot_python) && (scripts_dir || site_packages.is_some()))
        || (virtualenv_pth.is_some() && scripts_dir)
        || (tox.is_some() && (cfg.is_some() || scripts_dir))
        || (lfs_cfg && (scripts_dir || site_packages.is_some()));
    if !is_env {
        return None;
    }
    // An embeddable CPython bundle (`python311._pth`) is shipped on purpose.
    if !definitive_root
        && top
            .keys()
            .any(|n| n.starts_with(b"python") && n.ends_with(b"._pth"))
    {
        return None;
    }
    evidence.sort_by_key(|e| std::cmp::Reverse(e.strength()));

    let parent = root.rsplit(|&b| b == b'/').nth(1).unwrap_or_default();
    let kind = if conda {
        if contains_subpath(root, b".pixi/envs/") {
            Kind::Pixi
        } else {
            Kind::Conda
        }
    } else if pdm {
        Kind::Pdm
    } else if parent == b".tox" || tox.is_some() {
        Kind::Tox
    } else if parent == b".nox" {
        Kind::Nox
    } else if let Some(c) = &cfg {
        if c.uv.is_some() {
            Kind::Uv
        } else if c.virtualenv.is_some() {
            if has(b".project").is_some() {
                Kind::Pipenv
            } else if c.prompt.as_deref().is_some_and(is_poetry_prompt) {
                Kind::Poetry
            } else if made_by_hatch(probe, root) {
                Kind::Hatch
            } else {
                Kind::Virtualenv
            }
        } else {
            Kind::Venv
        }
    } else if lfs_cfg {
        // The content is not in the repository: what else virtualenv writes tells it apart.
        if virtualenv_pth.is_some() {
            Kind::Virtualenv
        } else {
            Kind::Venv
        }
    } else if legacy || pip_selfcheck || dot_python {
        Kind::LegacyVirtualenv
    } else {
        Kind::Partial
    };

    let implementation = cfg
        .as_ref()
        .and_then(|c| c.implementation.clone())
        .or_else(|| {
            interpreters.iter().find_map(|e| {
                let p = e.path().to_ascii_lowercase();
                let name = p.rsplit(|&b| b == b'/').next().unwrap_or_default().to_vec();
                if name.starts_with(b"pypy") {
                    Some("PyPy".to_owned())
                } else if name.starts_with(b"graalpy") {
                    Some("GraalPy".to_owned())
                } else {
                    None
                }
            })
        });

    let fixture = is_under_test_dir(root) && !real_interpreter && !pip_installed;
    let children: Vec<&[u8]> = top.values().map(Vec::as_slice).collect();
    let extent = Extent::decide(root, &children, layout, kind, || {
        crate::conda::installed_top_names(root, probe)
    });
    Some(EnvRoot {
        kind,
        implementation,
        layout,
        evidence,
        fixture,
        extent,
    })
}

/// The first line of every Git LFS pointer file.
fn is_lfs_pointer(bytes: &[u8]) -> bool {
    bytes.starts_with(b"version https://git-lfs.github.com/spec/")
}

fn is_under_test_dir(root: &[u8]) -> bool {
    root.split(|&b| b == b'/').any(|c| {
        TEST_DIRS
            .iter()
            .any(|t| c.eq_ignore_ascii_case(t.as_bytes()))
    })
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn contains_subpath(path: &[u8], needle: &[u8]) -> bool {
    let mut p = path.to_vec();
    p.push(b'/');
    contains(&p, needle)
}

/// `__pypackages__/3.11`.
fn is_pdm_root(root: &[u8]) -> bool {
    let mut it = root.rsplit(|&b| b == b'/');
    let version = it.next().unwrap_or_default();
    it.next() == Some(&b"__pypackages__"[..]) && is_python_version(version)
}

/// poetry names its environments `<project>-py<X.Y>`.
fn is_poetry_prompt(prompt: &str) -> bool {
    prompt
        .rsplit_once("-py")
        .is_some_and(|(name, v)| !name.is_empty() && is_python_version(v.as_bytes()))
}

/// hatch writes `# This file was automatically created by Hatch` into the storage
/// directory's `.gitignore`: the environment's own or its parent's.
fn made_by_hatch(probe: &dyn Probe, root: &[u8]) -> bool {
    let parent = match root.iter().rposition(|&b| b == b'/') {
        Some(i) => &root[..i],
        None => &root[..0],
    };
    [root, parent].into_iter().any(|dir| {
        probe
            .read_head(&join(dir, b".gitignore"), 256)
            .is_some_and(|head| contains(&head, b"automatically created by Hatch"))
    })
}

#[cfg(test)]
mod tests;
