//! What an environment owns: the one rule that every user of a finding asks (the report's
//! entries and counts, `fix`'s ignore rules and index paths, the history's first commit and
//! sizes, the printed commands).
//!
//! An environment owns what its creator wrote. When its folder holds nothing else, that is the
//! whole folder (`venv/`). When the folder also holds files no creator writes (the repository
//! root; a package folder with `__init__.py` beside `pyvenv.cfg`), it is only the creator's
//! entries (`bin/`, `lib/`, `pyvenv.cfg`...), never the folder. Names are compared the way
//! the layout's file system compares them: exactly for POSIX (a project's `scripts/` beside
//! `bin/` is the project's), case-insensitively for Windows (`Lib`, `lib` and `LIB` are one
//! folder there).

use super::{Kind, Layout};

/// How much of its root folder an environment owns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Extent {
    /// The whole folder: everything in it was written by the environment's creator.
    Folder,
    /// Only the creator's entries: the folder also holds files of the project's. `listed` are
    /// further top-level names a conda prefix's `conda-meta/*.json` says its packages
    /// installed, sorted.
    Entries {
        /// Names the package lists add to the layout's own.
        listed: Vec<Vec<u8>>,
        /// The creator's folders that the project writes into too (a project's `bin/` or
        /// `lib/` at the root of a venv made there): only the creator's names in them are the
        /// environment's.
        split: Vec<Split>,
    },
}

/// A folder the environment shares with the project, and the names in it that are its own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Split {
    /// The folder's name in the environment's root.
    pub name: Vec<u8>,
    /// The names in it that the environment's creator wrote, sorted.
    pub owned: Vec<Vec<u8>>,
}

/// The folders of a POSIX venv whose names say who wrote what is in them.
const SPLITTABLE: &[&[u8]] = &[b"bin", b"lib", b"include"];

/// Whether the creator of a POSIX venv (venv, virtualenv, uv, pip inside it) writes `child`
/// in its folder `dir`: `lib/python3.11`, `include/site`, `bin/activate`, `bin/python3`,
/// `bin/pip`, or a console script pip wrote (its `#!` line names an interpreter outside the
/// system's folders); `head` reads the first bytes of `dir/child`.
pub(crate) fn creator_child(
    dir: &[u8],
    child: &[u8],
    head: impl FnOnce() -> Option<Vec<u8>>,
) -> bool {
    match dir {
        b"lib" | b"include" => {
            super::names::is_versioned_python_dir(child)
                || child == b"site-packages"
                || (dir == b"include" && child == b"site")
        }
        b"bin" => {
            super::names::is_activate_name(child)
                || super::names::is_interpreter_name(child)
                || [
                    &b"Activate.ps1"[..],
                    b"deactivate",
                    b"pip",
                    b"pydoc",
                    b"easy_install",
                ]
                .iter()
                .any(|p| child.starts_with(p))
                || (child.starts_with(b"python") && child.ends_with(b"-config"))
                || child.starts_with(b"wheel")
                || head().is_some_and(|h| is_console_script(&h))
        }
        _ => true,
    }
}

/// The start of a script that pip or uv wrote for an installed package: a binary, or a `#!`
/// line (or pip's `exec` trampoline for long paths) that runs a Python interpreter kept
/// outside the system's `bin` folders, as a venv's is.
fn is_console_script(head: &[u8]) -> bool {
    if head.starts_with(b"\x7fELF") || head.starts_with(b"MZ") {
        return true;
    }
    let Some(rest) = head.strip_prefix(b"#!") else {
        return false;
    };
    let mut lines = rest.split(|&b| b == b'\n');
    let first = lines.next().unwrap_or_default();
    let interpreter = first
        .split(|&b| b == b' ')
        .find(|w| !w.is_empty())
        .unwrap_or_default();
    let interpreter = if interpreter == b"/bin/sh" {
        // pip, for long paths: `#!/bin/sh`, then `'''exec' "/path/venv/bin/python" "$0" "$@"`.
        match lines.next().and_then(|l| l.strip_prefix(b"'''exec' \"")) {
            Some(l) => l.split(|&b| b == b'"').next().unwrap_or_default(),
            None => return false,
        }
    } else {
        interpreter
    };
    let Some(slash) = interpreter.iter().rposition(|&b| b == b'/') else {
        return false;
    };
    let (dir, name) = (&interpreter[..slash], &interpreter[slash + 1..]);
    interpreter.starts_with(b"/")
        && super::names::is_interpreter_name(name)
        && !matches!(
            dir,
            b"/usr/bin" | b"/usr/local/bin" | b"/bin" | b"/opt/homebrew/bin" | b"/usr/sbin"
        )
}

/// The top-level names the creators of a POSIX layout write (venv, virtualenv, uv, legacy
/// virtualenv, conda, tox), compared exactly.
const POSIX: &[&[u8]] = &[
    b"bin",
    b"lib",
    b"lib64",
    b"include",
    b"share",
    b"etc",
    b"man",
    b"local",
    b"ssl",
    b"libexec",
    b"sbin",
    b"compiler_compat",
    b"conda-meta",
    b"pyvenv.cfg",
    b"pip-selfcheck.json",
    b".Python",
    b"CACHEDIR.TAG",
    b".project",
    b".nonadmin",
    b".tox-info.json",
    b".tox-config1",
];

/// The top-level names the creators of a Windows layout write (venv, virtualenv, uv, conda),
/// compared case-insensitively; given in lower case.
const WINDOWS: &[&[u8]] = &[
    b"scripts",
    b"lib",
    b"libs",
    b"include",
    b"share",
    b"etc",
    b"tcl",
    b"tools",
    b"dlls",
    b"library",
    b"conda-meta",
    b"pyvenv.cfg",
    b"pip-selfcheck.json",
    b"python.exe",
    b"pythonw.exe",
    b"cachedir.tag",
    b".project",
    b".nonadmin",
    b".tox-info.json",
    b".tox-config1",
];

/// Names that say nothing about who owns a folder: the environment's own `.gitignore` (or the
/// project's), and what file managers leave everywhere. They never make a folder the
/// project's, and belong to the environment only when it owns the whole folder.
const NEUTRAL: &[&[u8]] = &[b".gitignore", b".DS_Store", b"Thumbs.db", b"desktop.ini"];

/// Whether the creator of an environment of `layout` (and `kind`) writes the top-level entry
/// `name`.
pub(crate) fn written_by_creator(name: &[u8], layout: Layout, kind: Kind) -> bool {
    match layout {
        Layout::Posix => POSIX.contains(&name) || (kind == Kind::Tox && is_tox_dir(name)),
        Layout::Windows => {
            let lower = name.to_ascii_lowercase();
            WINDOWS.contains(&lower.as_slice())
                || is_windows_runtime(&lower)
                || (kind == Kind::Tox && is_tox_dir(&lower))
        }
    }
}

/// tox 4 keeps `log/` and `tmp/` inside each environment.
fn is_tox_dir(name: &[u8]) -> bool {
    matches!(name, b"log" | b"tmp")
}

/// `python3.dll`, `python311.dll`, `vcruntime140.dll`: the DLLs a Windows conda prefix (or a
/// venv made by an embeddable Python) keeps next to `python.exe`.
fn is_windows_runtime(lower: &[u8]) -> bool {
    lower.ends_with(b".dll") && (lower.starts_with(b"python") || lower.starts_with(b"vcruntime"))
}

/// Whether `name` is neutral: neither the project's nor the creator's by its name alone.
pub(crate) fn is_neutral(name: &[u8]) -> bool {
    NEUTRAL.contains(&name)
}

impl Extent {
    /// Decides the extent of an environment at `root` whose folder holds `children`. `listed`
    /// answers, for a conda prefix, which further names its packages installed (read only
    /// when some name is neither the layout's nor neutral).
    ///
    /// `split_of` answers, for a POSIX venv's `bin/`, `lib/` and `include/` in a folder it
    /// shares, which names in it are the creator's when some are not (`None` when all are).
    pub fn decide(
        root: &[u8],
        children: &[&[u8]],
        layout: Layout,
        kind: Kind,
        listed: impl FnOnce() -> Vec<Vec<u8>>,
        split_of: impl Fn(&[u8]) -> Option<Vec<Vec<u8>>>,
    ) -> Extent {
        let mut foreign: Vec<&[u8]> = children
            .iter()
            .copied()
            .filter(|n| !written_by_creator(n, layout, kind) && !is_neutral(n))
            .collect();
        // The repository root is always the project's: only the environment's entries are.
        if foreign.is_empty() && !root.is_empty() {
            return Extent::Folder;
        }
        let mut listed = if matches!(kind, Kind::Conda | Kind::Pixi) {
            listed()
        } else {
            Vec::new()
        };
        listed.sort();
        listed.dedup();
        foreign.retain(|n| listed.binary_search_by(|l| l.as_slice().cmp(n)).is_err());
        if foreign.is_empty() && !root.is_empty() {
            return Extent::Folder;
        }
        let mut split = Vec::new();
        if layout == Layout::Posix && !matches!(kind, Kind::Conda | Kind::Pixi) {
            for name in SPLITTABLE {
                if children.contains(name) {
                    if let Some(mut owned) = split_of(name) {
                        owned.sort();
                        split.push(Split {
                            name: name.to_vec(),
                            owned,
                        });
                    }
                }
            }
        }
        Extent::Entries { listed, split }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posix_names_are_exact_and_windows_names_are_not() {
        assert!(written_by_creator(b"bin", Layout::Posix, Kind::Venv));
        assert!(!written_by_creator(b"scripts", Layout::Posix, Kind::Venv));
        assert!(!written_by_creator(b"Scripts", Layout::Posix, Kind::Venv));
        assert!(!written_by_creator(b"Lib", Layout::Posix, Kind::Venv));
        assert!(written_by_creator(b"Scripts", Layout::Windows, Kind::Venv));
        assert!(written_by_creator(b"scripts", Layout::Windows, Kind::Venv));
        assert!(written_by_creator(b"LIB", Layout::Windows, Kind::Venv));
        assert!(written_by_creator(
            b"python311.dll",
            Layout::Windows,
            Kind::Conda
        ));
        assert!(!written_by_creator(b"bin", Layout::Windows, Kind::Venv));
        assert!(!written_by_creator(
            b"__init__.py",
            Layout::Windows,
            Kind::Venv
        ));
        assert!(!written_by_creator(b"log", Layout::Posix, Kind::Venv));
        assert!(written_by_creator(b"log", Layout::Posix, Kind::Tox));
    }

    #[test]
    fn a_folder_with_project_files_owns_only_the_creators_entries() {
        let none = Vec::new;
        let whole = |_: &[u8]| None;
        let venv: &[&[u8]] = &[b"bin", b"lib", b"lib64", b"pyvenv.cfg", b".gitignore"];
        assert_eq!(
            Extent::decide(b"venv", venv, Layout::Posix, Kind::Venv, none, whole),
            Extent::Folder
        );
        // The repository root is the project's, whatever it holds.
        assert_eq!(
            Extent::decide(b"", venv, Layout::Posix, Kind::Venv, none, whole),
            Extent::Entries {
                listed: vec![],
                split: vec![]
            }
        );
        let pkg: &[&[u8]] = &[b"__init__.py", b"Lib", b"Scripts", b"pyvenv.cfg"];
        assert_eq!(
            Extent::decide(b"pkg", pkg, Layout::Windows, Kind::Venv, none, whole),
            Extent::Entries {
                listed: vec![],
                split: vec![]
            }
        );
        // A conda prefix's package lists say which odd names its packages installed.
        let conda: &[&[u8]] = &[b"bin", b"conda-meta", b"x86_64-conda-linux-gnu"];
        let lists = || vec![b"x86_64-conda-linux-gnu".to_vec()];
        assert_eq!(
            Extent::decide(b"env", conda, Layout::Posix, Kind::Conda, lists, whole),
            Extent::Folder
        );
        assert_eq!(
            Extent::decide(b"env", conda, Layout::Posix, Kind::Conda, none, whole),
            Extent::Entries {
                listed: vec![],
                split: vec![]
            }
        );
    }
}
