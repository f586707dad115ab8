//! Repairing findings: a pure [`Plan`] (the `.gitignore` rules that keep each environment out
//! and the index entries to drop), then an `apply` that changes the repository atomically
//! and verifies the result, losing no working file.
//!
//! The order of `apply` is chosen so that a failure at any step leaves the repository as it
//! was: the index lock is taken first (a held lock stops everything), `.gitignore` files are
//! replaced by rename (a crash leaves the old or the new file, never a truncated one), the new
//! rules are checked with the `ignore` crate and git before the index changes, and a failed
//! check or index write puts the old `.gitignore` files back.

use std::fmt;
use std::io;
use std::path::PathBuf;

use crate::detect::OwnedPath;
use crate::report::{Finding, Report};
use crate::source::disk::{DiskProbe, Layered};
use crate::source::git::{self, Repo};
use crate::support::escape;

/// Where the ignore rule goes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Style {
    /// An anchored rule for the root in the repository's root `.gitignore` (`/venv/`).
    #[default]
    Root,
    /// A `.gitignore` holding `*` inside the environment, as Python 3.13's `venv`, virtualenv
    /// and uv write it. An environment at the repository root always gets root rules.
    Inner,
}

/// How to fix.
#[derive(Clone, Debug, Default)]
pub struct FixOptions {
    /// Where the ignore rules go.
    pub style: Style,
    /// Write the environments' installed distributions to this requirements file first.
    pub freeze: Option<PathBuf>,
    /// Overwrite an existing freeze file.
    pub force: bool,
}

/// The fix for one environment.
#[derive(Clone, Debug)]
pub struct EnvFix {
    /// What was found.
    pub finding: Finding,
    /// The paths (repository-relative) the fix covers: the root folder, or for an environment
    /// that shares its folder with the project (the repository root, a package folder) each
    /// of its own entries there.
    pub targets: Vec<OwnedPath>,
    /// git already ignores it: no rule is added.
    pub already_ignored: bool,
    /// How many index entries it has.
    pub tracked_entries: u64,
}

/// Lines to add to one `.gitignore`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IgnoreEdit {
    /// The `.gitignore` file, repository-relative.
    pub file: Vec<u8>,
    /// The lines to append, without line endings.
    pub lines: Vec<String>,
    /// Whether the file is staged afterwards (root `.gitignore` files are; one inside an
    /// environment is not, it ignores itself).
    pub stage: bool,
    /// For each line, the root of the environment it ignores.
    pub owners: Vec<Vec<u8>>,
}

/// The requirements file to write.
#[derive(Clone, Debug)]
pub struct FreezePlan {
    /// Where.
    pub path: PathBuf,
    /// The whole file.
    pub content: String,
    /// How many distributions it lists.
    pub count: usize,
}

/// Everything a fix would change, computed without changing anything.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    /// One entry per environment.
    pub envs: Vec<EnvFix>,
    /// `.gitignore` changes.
    pub edits: Vec<IgnoreEdit>,
    /// Index paths to drop with everything below them.
    pub untrack: Vec<Vec<u8>>,
    /// The requirements file, when asked for.
    pub freeze: Option<FreezePlan>,
    /// The project has no requirements file, `pyproject.toml`, `Pipfile`, `setup.py` or
    /// `environment.yml`, and no freeze was asked for: untracking may lose what the
    /// environment knew.
    pub suggest_freeze: bool,
}

impl Plan {
    /// Whether there is nothing to do.
    pub fn is_empty(&self) -> bool {
        self.edits.is_empty() && self.untrack.is_empty() && self.freeze.is_none()
    }

    /// The `.gitignore` files to stage.
    fn to_stage(&self) -> Vec<Vec<u8>> {
        self.edits
            .iter()
            .filter(|e| e.stage)
            .map(|e| e.file.clone())
            .collect()
    }
}

/// What `apply` changed.
#[derive(Clone, Debug, Default)]
pub struct Applied {
    /// The `.gitignore` edits made (possibly moved to a nearer `.gitignore` than planned when a
    /// nested negation defeated the planned one).
    pub edits: Vec<IgnoreEdit>,
    /// Index entries removed.
    pub removed: usize,
    /// Files staged.
    pub staged: Vec<Vec<u8>>,
    /// The requirements file written, and how many distributions it lists.
    pub freeze: Option<(PathBuf, usize)>,
    /// When the index belongs to a running `git commit` (`-a` or with paths), the commands
    /// that finish the fix once it is done.
    pub deferred: Vec<String>,
}

/// Whether `apply` may change the index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IndexAccess {
    /// Take `index.lock` and change the index.
    Lock,
    /// A running `git commit` holds the lock: edit `.gitignore` only and return the index
    /// commands to run afterwards.
    Defer,
}

/// Why a fix could not be made. Every variant leaves the repository unchanged.
#[derive(Debug)]
pub enum Error {
    /// From git (including a held `index.lock`).
    Git(git::Error),
    /// A file could not be read or written.
    Io(&'static str, PathBuf, io::Error),
    /// The `.gitignore` (or freeze file) is read-only.
    ReadOnly(PathBuf),
    /// The `.gitignore` is a symlink or not a regular file: it is not followed.
    NotAFile(PathBuf),
    /// A folder on the way to a file to write is a symlink or not a directory: the write
    /// could land outside the repository.
    Outside(PathBuf),
    /// The freeze file exists and `--force` was not given.
    Exists(PathBuf),
    /// A name no `.gitignore` line can express (a newline in it).
    Inexpressible(Vec<u8>),
    /// A rule was written but another rule still re-includes the environment's files.
    Defeated {
        /// The environment root.
        root: Vec<u8>,
        /// A file that stays visible to git.
        example: Vec<u8>,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Git(e) => e.fmt(f),
            Error::Io(what, p, e) => write!(f, "{what} {}: {e}; nothing was changed", p.display()),
            Error::ReadOnly(p) => write!(f, "{} is read-only; nothing was changed", p.display()),
            Error::NotAFile(p) => write!(
                f,
                "{} is a symlink or not a regular file, and is not followed; nothing was changed",
                p.display()
            ),
            Error::Outside(p) => write!(
                f,
                "{} is a symlink or not a directory, and is not written through; nothing was changed",
                p.display()
            ),
            Error::Exists(p) => write!(
                f,
                "{} exists; pass --force to overwrite it; nothing was changed",
                p.display()
            ),
            Error::Inexpressible(p) => write!(
                f,
                "no .gitignore line can name {} (it holds a line break): rename it; nothing was changed",
                escape::display(p)
            ),
            Error::Defeated { root, example } => write!(
                f,
                "a negation in a .gitignore (such as `!{0}/`) re-includes {0}/ even after the new \
                 rule: {1} is still not ignored. Remove the negation and run the fix again; \
                 nothing was changed",
                escape::display(root),
                escape::display(example)
            ),
        }
    }
}

impl std::error::Error for Error {}

impl From<git::Error> for Error {
    fn from(e: git::Error) -> Error {
        Error::Git(e)
    }
}

/// A fix from start to end: what was found, the plan, and what was changed (`None` for a dry
/// run or when there was nothing to do).
#[derive(Debug)]
pub struct Outcome {
    /// The findings the fix started from.
    pub report: Report,
    /// What the fix would change.
    pub plan: Plan,
    /// What it changed.
    pub applied: Option<Applied>,
}

/// Plans the fix of the failing findings of `report` and, unless `dry_run`, applies it with
/// `access` to the index.
///
/// In a hook, the index may be a temporary one that `git commit -a` or `git commit <paths>`
/// made while holding the real index's lock; [`IndexAccess::for_hook`] then says to edit
/// `.gitignore` only and return the index commands in [`Applied::deferred`].
pub fn run(
    repo: &Repo,
    report: Report,
    access: IndexAccess,
    opts: &FixOptions,
    dry_run: bool,
) -> Result<Outcome, Error> {
    let top = repo.workdir()?.to_path_buf();
    let index = repo.index()?;
    let disk = DiskProbe::new(&top);
    let probe = Layered {
        first: &disk,
        second: &index,
    };
    let plan = plan(
        repo,
        &top,
        &report.findings,
        &probe,
        &|p| index.count_under(p),
        opts,
    )?;
    drop(index);
    let applied = if dry_run || plan.is_empty() {
        None
    } else {
        Some(apply(repo, &top, &plan, access)?)
    };
    Ok(Outcome {
        report,
        plan,
        applied,
    })
}

impl IndexAccess {
    /// How a hook may change the index: through its lock when it is the repository's own, else
    /// (a running `git commit -a` or `git commit <paths>` holds that lock) not at all.
    pub fn for_hook(repo: &Repo) -> IndexAccess {
        if repo.index_path().1 {
            IndexAccess::Lock
        } else {
            IndexAccess::Defer
        }
    }
}

mod apply;
mod freeze;
mod plan;

pub(crate) use apply::apply;
pub(crate) use plan::plan;
