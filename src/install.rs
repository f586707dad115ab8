//! The native hook: installing `pre-commit` into the directory git really runs hooks from,
//! chaining a hook that was already there, and putting it back on uninstall.

use std::fmt;
use std::fs;
use std::io;
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
}

/// What `uninstall` did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Uninstalled {
    /// Ours was removed and the earlier hook put back.
    Restored(PathBuf),
    /// Ours was removed; there was no earlier hook.
    Removed(PathBuf),
    /// No venv-guard hook is installed (a foreign hook, if any, is left alone).
    NotInstalled(PathBuf),
}

/// Why the hook could not be (un)installed. Nothing is changed in each case.
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
pub fn install(repo: &Repo, force: bool, installed_from: &Path) -> Result<Installed, Error> {
    let dir = repo.hooks_dir()?;
    fs::create_dir_all(&dir).map_err(|e| Error::Io("cannot create", dir.clone(), e))?;
    let hook = dir.join("pre-commit");
    let wanted = script(installed_from);
    let existing = fs::symlink_metadata(&hook).ok();
    let outcome = match existing {
        None => Installed::Fresh(hook.clone()),
        Some(_) if is_ours(&hook) => {
            if fs::read(&hook).ok().as_deref() == Some(wanted.as_bytes()) {
                return Ok(Installed::Already(hook));
            }
            Installed::Already(hook.clone())
        }
        Some(md) => {
            if !md.file_type().is_file() && !force {
                return Err(Error::NotAFile(hook));
            }
            let (aside, outcome) = if force {
                (dir.join(REPLACED), Installed::Replaced(hook.clone()))
            } else {
                (dir.join(CHAINED), Installed::Chained(hook.clone()))
            };
            for occupied in [dir.join(CHAINED), dir.join(REPLACED)] {
                if fs::symlink_metadata(&occupied).is_ok() {
                    return Err(Error::ChainOccupied(occupied));
                }
            }
            fs::rename(&hook, &aside)
                .map_err(|e| Error::Io("cannot move aside", hook.clone(), e))?;
            outcome
        }
    };
    crate::support::atomic::write(&hook, wanted.as_bytes())
        .map_err(|e| Error::Io("cannot write", hook.clone(), e))?;
    make_executable(&hook)?;
    Ok(outcome)
}

/// Removes venv-guard's hook and puts back the one that was there before, byte for byte.
pub fn uninstall(repo: &Repo) -> Result<Uninstalled, Error> {
    let dir = repo.hooks_dir()?;
    let hook = dir.join("pre-commit");
    if !is_ours(&hook) {
        return Ok(Uninstalled::NotInstalled(hook));
    }
    for aside in [dir.join(CHAINED), dir.join(REPLACED)] {
        if fs::symlink_metadata(&aside).is_ok() {
            fs::rename(&aside, &hook).map_err(|e| Error::Io("cannot restore", aside.clone(), e))?;
            return Ok(Uninstalled::Restored(hook));
        }
    }
    fs::remove_file(&hook).map_err(|e| Error::Io("cannot remove", hook.clone(), e))?;
    Ok(Uninstalled::Removed(hook))
}

#[cfg(unix)]
fn make_executable(path: &Path) -> Result<(), Error> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(0o755))
        .map_err(|e| Error::Io("cannot make executable", path.to_path_buf(), e))
}

#[cfg(not(unix))]
fn make_executable(_: &Path) -> Result<(), Error> {
    Ok(())
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
