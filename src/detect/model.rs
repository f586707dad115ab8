//! The model of what detection finds: entries and what is known of them, the evidence seen,
//! the kinds of environment, and the environments with the paths they own.

use std::fmt;

use super::extent::{written_by_creator, Extent, Split};
use crate::support::paths::join;

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
        let d = crate::support::escape::display;
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
    /// Whether the environment owns `below`, a path relative to its root (`bin`,
    /// `bin/activate`, `lib/python3.11/site-packages/x.py`): everything when it owns the whole
    /// folder, else only what its creator writes. A folder it shares with the project (a
    /// project's `bin/` that a venv at the root also writes into) is not owned itself, only
    /// the creator's names in it.
    pub fn owns(&self, below: &[u8]) -> bool {
        match &self.extent {
            Extent::Folder => true,
            Extent::Entries { listed, split } => {
                owns_below(self.layout, self.kind, listed, split, below)
            }
        }
    }

    /// The units it owns among the entries the probe lists in its root folder `root`: each
    /// owned top-level entry, and for a folder shared with the project each owned name in it
    /// (`bin/activate`).
    pub fn owned_units(&self, root: &[u8], probe: &dyn super::Probe) -> Vec<Entry> {
        let is_dir = |path: &[u8]| probe.meta(path).is_some_and(|m| m.mode == Mode::Dir);
        let mut units = Vec::new();
        for name in probe.children(root) {
            let path = join(root, &name);
            match self.shared(&name) {
                Some(split) => {
                    for child in probe.children(&path) {
                        if split.owned.contains(&child) {
                            let dir = is_dir(&join(&path, &child));
                            units.push(Entry {
                                name: join(&name, &child),
                                dir,
                            });
                        }
                    }
                }
                None if self.owns(&name) => units.push(Entry {
                    dir: is_dir(&path),
                    name,
                }),
                None => {}
            }
        }
        units.sort();
        units
    }

    /// The folder `name` when the environment shares it with the project.
    fn shared(&self, name: &[u8]) -> Option<&Split> {
        match &self.extent {
            Extent::Entries { split, .. } => split.iter().find(|s| s.name == name),
            Extent::Folder => None,
        }
    }

    /// What decides ownership entry by entry; `None` when the whole folder is owned.
    pub(super) fn rule(&self) -> Option<Rule> {
        match &self.extent {
            Extent::Folder => None,
            Extent::Entries { listed, split } => Some(Rule {
                layout: self.layout,
                kind: self.kind,
                listed: listed.clone(),
                split: split.clone(),
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
            // From the repository's `pyvenv.cfg`: escaped like every byte from there.
            extra.push(crate::support::escape::display(i.as_bytes()));
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
pub(super) struct Rule {
    pub(super) layout: Layout,
    pub(super) kind: Kind,
    pub(super) listed: Vec<Vec<u8>>,
    pub(super) split: Vec<Split>,
}

impl Rule {
    /// Whether the path `below` (relative to the root) is owned.
    pub(super) fn owns(&self, below: &[u8]) -> bool {
        owns_below(self.layout, self.kind, &self.listed, &self.split, below)
    }

    /// The owned unit `below` lies in: its top-level entry, or for a shared folder the entry
    /// inside it (`bin/activate`).
    pub(super) fn unit<'p>(&self, below: &'p [u8]) -> &'p [u8] {
        let top_end = below.iter().position(|&b| b == b'/').unwrap_or(below.len());
        if !self.split.iter().any(|s| s.name == below[..top_end]) || top_end == below.len() {
            return &below[..top_end];
        }
        let rest = &below[top_end + 1..];
        let child_end = rest.iter().position(|&b| b == b'/').unwrap_or(rest.len());
        &below[..top_end + 1 + child_end]
    }
}

/// Whether an environment of `layout` and `kind` that owns only some of its folder (`listed`
/// names beside its layout's, `split` folders shared with the project) owns `below`.
fn owns_below(
    layout: Layout,
    kind: Kind,
    listed: &[Vec<u8>],
    split: &[Split],
    below: &[u8],
) -> bool {
    let mut parts = below.splitn(3, |&b| b == b'/');
    let top = parts.next().unwrap_or(below);
    let owned_top = written_by_creator(top, layout, kind)
        || listed.binary_search_by(|l| l.as_slice().cmp(top)).is_ok();
    if !owned_top {
        return false;
    }
    match split.iter().find(|s| s.name == top) {
        None => true,
        Some(split) => parts
            .next()
            .is_some_and(|child| split.owned.iter().any(|o| o == child)),
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
    /// What was recognised at the root: kind, layout, evidence, what it owns.
    pub recognised: EnvRoot,
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
        if self.recognised.extent == Extent::Folder && !self.root.is_empty() {
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
        below.is_empty() || self.recognised.owns(below)
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
