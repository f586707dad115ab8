//! The native hook: installing `pre-commit` into the directory git really runs hooks from,
//! chaining a hook that was already there, and putting it back on uninstall.

use std::fmt;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::source::git::Repo;
use crate::support::escape;

/// Marks a hook file as written by `venv-guard install`.
const MARKER: &str = "# venv-guard: native pre-commit hook";

/// Where a foreign hook waits while venv-guard's runs it first.
const CHAINED: &str = "pre-commit.before-venv-guard";

/// Where a foreign hook replaced with `--force` is kept (not run), for `uninstall`.
const REPLACED: &str = "pre-commit.replaced-by-venv-guard";

/// What `install` did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Installed {
    /// No hook was there; ours was written.
    Fresh(PathBuf),
    /// A foreign hook was there: it was moved aside and runs first.
    Chained(PathBuf),
    /// A foreign hook was there and `--force` was given: it was moved aside and is not run.
    Replaced(PathBuf),
    /// Ours was already installed and up to date.
    Already(PathBuf),
    /// Ours was there with other content (an older version, or another binary path): it was
    /// rewritten.
    Updated(PathBuf),
    /// Ours was there but not executable, so git skipped it (an install stopped half-way by an
    /// older version): it was rewritten executable.
    Repaired(PathBuf),
    /// husky runs the hooks (`core.hooksPath` is its generated `.husky/_`, or `.husky`):
    /// [`HOOK_LINE`] was added to its own, committed `.husky/pre-commit` (`false`: it was
    /// there already). Nothing is written into the folder husky generates.
    Husky(PathBuf, bool),
    /// lefthook generated the hook and rewrites it on its next install: nothing was changed;
    /// these lines belong in its configuration file.
    Lefthook(PathBuf, &'static str),
}

/// The line a hook manager's own hook file runs.
pub const HOOK_LINE: &str = "venv-guard hook";

/// What lefthook's configuration needs.
pub const LEFTHOOK_LINES: &str =
    "pre-commit:\n  commands:\n    venv-guard:\n      run: venv-guard hook\n";

/// What `uninstall` did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Uninstalled {
    /// Ours was removed and the earlier hook put back.
    Restored(PathBuf),
    /// Ours was removed; there was no earlier hook.
    Removed(PathBuf),
    /// No venv-guard hook is installed (a foreign hook, if any, is left alone).
    NotInstalled(PathBuf),
    /// [`HOOK_LINE`] was removed from husky's `.husky/pre-commit`.
    Husky(PathBuf),
}

/// Why the hook could not be (un)installed. Nothing is changed in each case: a foreign hook is
/// still at `pre-commit` with the same bytes and mode.
#[derive(Debug)]
pub enum Error {
    /// From git.
    Git(crate::source::git::Error),
    /// A file operation failed.
    Io(&'static str, PathBuf, io::Error),
    /// A hook from an earlier chain is still waiting in the way.
    ChainOccupied(PathBuf),
    /// The hook path is a symlink or a directory.
    NotAFile(PathBuf),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Git(e) => e.fmt(f),
            Error::Io(what, p, e) => write!(f, "{what} {}: {e}", p.display()),
            Error::ChainOccupied(p) => write!(
                f,
                "{} already holds an earlier hook; move it away by hand first, nothing was changed",
                p.display()
            ),
            Error::NotAFile(p) => write!(
                f,
                "{} is a symlink or a directory; it was left alone (use --force to replace it)",
                p.display()
            ),
        }
    }
}

impl std::error::Error for Error {}

impl From<crate::source::git::Error> for Error {
    fn from(e: crate::source::git::Error) -> Error {
        Error::Git(e)
    }
}

/// The hook script: runs a chained hook first (its failure fails the commit), then
/// `venv-guard hook` (from `VENV_GUARD`, `PATH`, or where it was installed from).
pub fn script(installed_from: &Path) -> String {
    let fallback = escape::shell_word(&crate::support::paths::path_to_bytes(installed_from));
    format!(
        r#"#!/bin/sh
{MARKER} (`venv-guard install`).
# `venv-guard uninstall` removes it and puts back the hook that was here before.
hooks=$(dirname -- "$0")
if [ -x "$hooks/{CHAINED}" ]; then
    "$hooks/{CHAINED}" "$@" || exit $?
fi
guard=${{VENV_GUARD:-venv-guard}}
command -v "$guard" >/dev/null 2>&1 || guard={fallback}
if ! command -v "$guard" >/dev/null 2>&1; then
    echo "venv-guard: the venv-guard binary was not found: install it or set VENV_GUARD" >&2
    echo "to its path. To commit without the check once: git commit --no-verify" >&2
    exit 1
fi
exec "$guard" hook
"#
    )
}

fn is_ours(path: &Path) -> bool {
    fs::read(path)
        .map(|b| b.windows(MARKER.len()).any(|w| w == MARKER.as_bytes()))
        .unwrap_or(false)
}

/// Installs the pre-commit hook. Idempotent; a foreign hook is chained, or with `force`
/// replaced (and kept aside for `uninstall`).
///
/// Every step leaves a state git and `uninstall` understand, so an install that fails or is
/// killed at any point loses nothing: our hook is written whole and executable to a temporary
/// file first, the foreign hook gets its second name (a hard link) while it still has its
/// first, and only then does one rename put ours at `pre-commit`.
pub fn install(repo: &Repo, force: bool, installed_from: &Path) -> Result<Installed, Error> {
    let dir = repo.hooks_dir()?;
    match manager(repo, &dir) {
        Some(Manager::Husky(file)) => {
            let added = edit_husky(&file, true)?;
            return Ok(Installed::Husky(file, added));
        }
        Some(Manager::Lefthook(config)) => return Ok(Installed::Lefthook(config, LEFTHOOK_LINES)),
        None => {}
    }
    fs::create_dir_all(&dir).map_err(|e| Error::Io("cannot create", dir.clone(), e))?;
    let hook = dir.join("pre-commit");
    let wanted = script(installed_from);
    let Some(md) = fs::symlink_metadata(&hook).ok() else {
        staged(&dir, &wanted)?.put(&hook)?;
        return Ok(Installed::Fresh(hook));
    };
    if md.file_type().is_file() && is_ours(&hook) {
        let executable = is_executable(&md);
        if executable && fs::read(&hook).ok().as_deref() == Some(wanted.as_bytes()) {
            return Ok(Installed::Already(hook));
        }
        staged(&dir, &wanted)?.put(&hook)?;
        return Ok(if executable {
            Installed::Updated(hook)
        } else {
            Installed::Repaired(hook)
        });
    }
    if !md.file_type().is_file() && !force {
        return Err(Error::NotAFile(hook));
    }
    for occupied in [dir.join(CHAINED), dir.join(REPLACED)] {
        if fs::symlink_metadata(&occupied).is_ok() {
            return Err(Error::ChainOccupied(occupied));
        }
    }
    let (aside, outcome) = if force {
        (dir.join(REPLACED), Installed::Replaced(hook.clone()))
    } else {
        (dir.join(CHAINED), Installed::Chained(hook.clone()))
    };
    let ours = staged(&dir, &wanted)?;
    if md.file_type().is_dir() {
        // A directory (only with --force) cannot be linked: it is renamed aside, and renamed
        // back if ours cannot take its place.
        fs::rename(&hook, &aside).map_err(|e| Error::Io("cannot move aside", hook.clone(), e))?;
        if let Err(e) = ours.put(&hook) {
            let _ = fs::rename(&aside, &hook);
            return Err(e);
        }
        return Ok(outcome);
    }
    keep_aside(&dir, &hook, &aside)?;
    if let Err(e) = ours.put(&hook) {
        // The foreign hook never left `pre-commit`: only its second name goes.
        let _ = fs::remove_file(&aside);
        return Err(e);
    }
    Ok(outcome)
}

/// Our hook, complete and executable in a temporary file in the hooks directory, waiting to be
/// renamed into place (a killed install leaves at most this file, which git never runs).
struct Staged(tempfile::NamedTempFile);

fn staged(dir: &Path, script: &str) -> Result<Staged, Error> {
    let fail = |what| move |e| Error::Io(what, dir.to_path_buf(), e);
    let mut tmp = tempfile::Builder::new()
        .prefix(".venv-guard-pre-commit-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(fail("cannot create a temporary file in"))?;
    make_executable(tmp.as_file()).map_err(fail("cannot make a temporary file executable in"))?;
    tmp.write_all(script.as_bytes())
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(fail("cannot write a temporary file in"))?;
    Ok(Staged(tmp))
}

impl Staged {
    /// Renames our hook over `hook` in one step.
    fn put(self, hook: &Path) -> Result<(), Error> {
        self.0
            .persist(hook)
            .map(drop)
            .map_err(|e| Error::Io("cannot write", hook.to_path_buf(), e.error))
    }
}

/// Gives the foreign hook at `hook` its second name `aside` while it keeps its first: a hard
/// link (the same file, bytes and mode), or where the file system has none, a copy that
/// appears at `aside` whole.
fn keep_aside(dir: &Path, hook: &Path, aside: &Path) -> Result<(), Error> {
    let linked = fs::hard_link(hook, aside);
    let Err(link_error) = linked else {
        return Ok(());
    };
    if link_error.kind() == io::ErrorKind::AlreadyExists
        || fs::symlink_metadata(hook).is_ok_and(|md| !md.file_type().is_file())
    {
        return Err(Error::Io(
            "cannot keep aside",
            hook.to_path_buf(),
            link_error,
        ));
    }
    let fail = |e| Error::Io("cannot keep aside", hook.to_path_buf(), e);
    let mut copy = tempfile::Builder::new()
        .prefix(".venv-guard-pre-commit-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(fail)?;
    let mut from = fs::File::open(hook).map_err(fail)?;
    io::copy(&mut from, &mut copy).map_err(fail)?;
    let perms = from.metadata().map_err(fail)?.permissions();
    copy.as_file().set_permissions(perms).map_err(fail)?;
    copy.as_file().sync_all().map_err(fail)?;
    copy.persist_noclobber(aside).map_err(|e| fail(e.error))?;
    Ok(())
}

/// Removes venv-guard's hook and puts back the one that was there before, byte for byte.
pub fn uninstall(repo: &Repo) -> Result<Uninstalled, Error> {
    let dir = repo.hooks_dir()?;
    if let Some(Manager::Husky(file)) = manager(repo, &dir) {
        return Ok(if edit_husky(&file, false)? {
            Uninstalled::Husky(file)
        } else {
            Uninstalled::NotInstalled(file)
        });
    }
    let hook = dir.join("pre-commit");
    if !is_ours(&hook) {
        return Ok(Uninstalled::NotInstalled(hook));
    }
    for aside in [dir.join(CHAINED), dir.join(REPLACED)] {
        if let Ok(md) = fs::symlink_metadata(&aside) {
            if md.is_dir() {
                // A directory kept by `--force` cannot be renamed over a file.
                fs::remove_file(&hook).map_err(|e| Error::Io("cannot remove", hook.clone(), e))?;
            }
            fs::rename(&aside, &hook).map_err(|e| Error::Io("cannot restore", aside.clone(), e))?;
            return Ok(Uninstalled::Restored(hook));
        }
    }
    fs::remove_file(&hook).map_err(|e| Error::Io("cannot remove", hook.clone(), e))?;
    Ok(Uninstalled::Removed(hook))
}

/// A hook manager that owns the hooks directory.
enum Manager {
    /// husky, and the hook file it runs.
    Husky(PathBuf),
    /// lefthook, and its configuration file.
    Lefthook(PathBuf),
}

/// The hook manager whose generated hooks are in `dir`, if any: husky 9 points
/// `core.hooksPath` at `.husky/_`, husky 5-8 at `.husky`; lefthook writes a `pre-commit` that
/// calls `lefthook`.
fn manager(repo: &Repo, dir: &Path) -> Option<Manager> {
    let top = repo.workdir().ok()?;
    let husky = top.join(".husky");
    let same = |a: &Path, b: &Path| match (fs::canonicalize(a), fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    };
    if same(dir, &husky.join("_")) || same(dir, &husky) {
        return Some(Manager::Husky(husky.join("pre-commit")));
    }
    let generated = fs::read(dir.join("pre-commit")).unwrap_or_default();
    if generated
        .windows(8)
        .any(|w| w.eq_ignore_ascii_case(b"lefthook"))
    {
        let config = [
            "lefthook.yml",
            ".lefthook.yml",
            "lefthook.yaml",
            ".lefthook.yaml",
        ]
        .iter()
        .map(|name| top.join(name))
        .find(|p| p.is_file())
        .unwrap_or_else(|| top.join("lefthook.yml"));
        return Some(Manager::Lefthook(config));
    }
    None
}

/// Adds (`add`) or removes [`HOOK_LINE`] in husky's hook file, keeping its other lines, its
/// permissions and its line endings; whether it changed. The file (and `.husky`) must not be a
/// symlink: it is written atomically, never through a link.
fn edit_husky(file: &Path, add: bool) -> Result<bool, Error> {
    let dir = file.parent().unwrap_or(Path::new("."));
    if fs::symlink_metadata(dir).is_ok_and(|md| !md.is_dir()) {
        return Err(Error::NotAFile(dir.to_path_buf()));
    }
    let md = fs::symlink_metadata(file).ok();
    if md.as_ref().is_some_and(|md| !md.is_file()) {
        return Err(Error::NotAFile(file.to_path_buf()));
    }
    let text = match &md {
        Some(_) => fs::read(file).map_err(|e| Error::Io("cannot read", file.to_path_buf(), e))?,
        None => Vec::new(),
    };
    let has =
        |line: &[u8]| line.strip_suffix(b"\r").unwrap_or(line).trim_ascii() == HOOK_LINE.as_bytes();
    let present = text.split(|&b| b == b'\n').any(has);
    let new = match (add, present) {
        (true, true) | (false, false) => return Ok(false),
        (true, false) => {
            let mut new = text.clone();
            if !new.is_empty() && !new.ends_with(b"\n") {
                new.push(b'\n');
            }
            new.extend_from_slice(HOOK_LINE.as_bytes());
            new.push(b'\n');
            new
        }
        (false, true) => {
            let mut kept: Vec<&[u8]> = Vec::new();
            let mut lines = text.split(|&b| b == b'\n').peekable();
            while let Some(line) = lines.next() {
                if !has(line) && (lines.peek().is_some() || !line.is_empty()) {
                    kept.push(line);
                }
            }
            let mut new = kept.join(&b'\n');
            if !new.is_empty() {
                new.push(b'\n');
            }
            new
        }
    };
    crate::support::atomic::write(file, &new)
        .map_err(|e| Error::Io("cannot write", file.to_path_buf(), e))?;
    if md.is_none() {
        // A new hook file: husky 4-8 run it directly, so it must be executable.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(file, fs::Permissions::from_mode(0o755))
                .map_err(|e| Error::Io("cannot make executable", file.to_path_buf(), e))?;
        }
    }
    Ok(true)
}

/// Mode 0755 on the open file, before it has its name: git runs only executable hooks.
#[cfg(unix)]
fn make_executable(file: &fs::File) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(fs::Permissions::from_mode(0o755))
}

#[cfg(not(unix))]
fn make_executable(_: &fs::File) -> io::Result<()> {
    Ok(())
}

/// Whether git would run the file (on Unix it skips a hook without an execute bit).
#[cfg(unix)]
fn is_executable(md: &fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    md.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
fn is_executable(_: &fs::Metadata) -> bool {
    true
}

/// Configuration for hook managers other than the pre-commit framework.
pub const SNIPPETS: &str = r#"# husky: .husky/pre-commit
venv-guard hook

# lefthook: lefthook.yml
pre-commit:
  commands:
    venv-guard:
      run: venv-guard hook

# pre-commit framework: .pre-commit-config.yaml (with the binary installed)
repos:
  - repo: local
    hooks:
      - id: venv-guard
        name: venv-guard
        entry: venv-guard hook
        language: system
        pass_filenames: true
        require_serial: true
        types: []
        types_or: [file, symlink]
"#;
