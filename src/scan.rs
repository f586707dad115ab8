//! Ties a source of paths (staged changes, a hook's file list, a working tree) to detection and
//! returns a [`Report`].

use std::cell::OnceCell;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::detect::{self, Environment, Meta, PathEntry, Probe};
use crate::git::{self, Index, Repo};
use crate::probe::{meta_of, path_to_bytes, DiskProbe, Layered};
use crate::walk;

/// Where a finding's files are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    /// In the changes about to be committed.
    Staged,
    /// In the index: committed already, or staged.
    Tracked,
    /// Untracked and not ignored: one `git add .` away from being committed.
    Unignored,
    /// Among the files a hook was handed (staged files, or every tracked file under
    /// `pre-commit run --all-files`).
    Checked,
}

impl Status {
    /// A stable machine name.
    pub fn id(self) -> &'static str {
        match self {
            Status::Staged => "staged",
            Status::Tracked => "tracked",
            Status::Unignored => "unignored",
            Status::Checked => "checked",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Status::Staged => "staged for commit",
            Status::Tracked => "tracked by git",
            Status::Unignored => "not ignored (one `git add .` away from a commit)",
            Status::Checked => "among the files to commit",
        })
    }
}

/// Whether a finding fails the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Fails: exit code 1.
    Error,
    /// Reported, does not fail (a test fixture that imitates an environment).
    Note,
}

/// One environment, where it is, and whether it fails the run.
#[derive(Clone, Debug)]
pub struct Finding {
    /// The environment and its involved paths. For [`Status::Unignored`] the file count and
    /// bytes are not known (the walk does not enter environments) and are zero.
    pub env: Environment,
    /// Where its files are.
    pub status: Status,
    /// Whether it fails the run.
    pub severity: Severity,
    /// Reported in full by another invocation: the pre-commit framework splits long file lists
    /// into batches, and only the batch where the environment's files begin shows the whole
    /// finding; later batches name it in one line.
    pub continued: bool,
}

/// The outcome of one run.
#[derive(Debug, Default)]
pub struct Report {
    /// One finding per environment root, sorted by root.
    pub findings: Vec<Finding>,
    /// Things that did not stop the run but may hide an environment (unreadable directories).
    pub warnings: Vec<String>,
    /// How many paths were looked at.
    pub paths: u64,
}

impl Report {
    /// Whether any finding fails the run.
    pub fn fails(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Error)
    }

    fn push(&mut self, env: Environment, status: Status, opts: &Options) {
        let severity = if env.env.fixture && !opts.strict {
            Severity::Note
        } else {
            Severity::Error
        };
        self.findings.push(Finding {
            env,
            status,
            severity,
            continued: false,
        });
    }

    fn finish(mut self) -> Report {
        self.findings
            .sort_by(|a, b| a.env.root.cmp(&b.env.root).then(a.status.cmp(&b.status)));
        self
    }
}

/// Settings that change what counts as a finding.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Test fixtures that imitate environments fail too.
    pub strict: bool,
}

/// What can stop a run.
#[derive(Debug)]
pub enum Error {
    /// From git.
    Git(git::Error),
    /// A path given on the command line that cannot be used.
    BadPath(PathBuf, std::io::Error),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Git(e) => e.fmt(f),
            Error::BadPath(p, e) => write!(f, "{}: {e}", p.display()),
        }
    }
}

impl std::error::Error for Error {}

impl From<git::Error> for Error {
    fn from(e: git::Error) -> Error {
        Error::Git(e)
    }
}

/// The changes staged in the repository of the current directory (what `git commit` is about
/// to record), judged against the index and the working tree.
pub fn staged(opts: &Options) -> Result<Report, Error> {
    let repo = Repo::open_from_env()?;
    let index = repo.index()?;
    let paths = repo.staged(&index)?;
    let mut report = Report {
        paths: paths.len() as u64,
        ..Report::default()
    };
    if paths.is_empty() {
        return Ok(report);
    }
    let disk = DiskProbe::new(repo.workdir()?);
    let probe = Layered {
        first: &index,
        second: &disk,
    };
    for env in detect::detect(&paths, &probe) {
        report.push(env, Status::Staged, opts);
    }
    Ok(report.finish())
}

/// The files a hook was handed (the pre-commit framework passes staged files in batches).
/// Each batch is judged alone: siblings are looked up on disk first, and the index is only
/// opened for a path that looks like an environment's when the disk cannot confirm it.
pub fn files(files: &[PathBuf], opts: &Options) -> Result<Report, Error> {
    let repo = Repo::open_from_env()?;
    let top = repo.workdir()?.to_path_buf();
    let cwd = std::env::current_dir().map_err(|e| Error::BadPath(PathBuf::from("."), e))?;
    let mut paths = Vec::with_capacity(files.len());
    for file in files {
        let full = if file.is_absolute() {
            file.clone()
        } else {
            cwd.join(file)
        };
        let meta = std::fs::symlink_metadata(&full).ok().map(|m| meta_of(&m));
        let rel = match full.strip_prefix(&top) {
            Ok(rel) => rel.to_path_buf(),
            // Symlinked or differently spelled working trees: fall back to the given form.
            Err(_) => file.clone(),
        };
        paths.push(PathEntry {
            path: normalize(&path_to_bytes(&rel)),
            meta,
        });
    }
    let probe = DiskThenIndex {
        disk: DiskProbe::new(&top),
        repo: &repo,
        index: OnceCell::new(),
    };
    let mut report = Report {
        paths: paths.len() as u64,
        ..Report::default()
    };
    let first_given = paths.iter().map(|p| p.path.as_slice()).min();
    for mut env in detect::detect(&paths, &probe) {
        let first_own = paths
            .iter()
            .map(|p| p.path.as_slice())
            .filter(|p| belongs(p, &env))
            .min();
        // The batch where the environment's run of paths begins reports it in full: either a
        // path outside it comes first in this batch, or the index has none of its entries
        // just before this batch's first one.
        let begins_here = first_given.is_some_and(|f| !belongs(f, &env))
            || match (probe.index(), first_own) {
                (Some(index), Some(first)) => index
                    .path_before(first)
                    .is_none_or(|prev| !belongs(prev, &env)),
                _ => true,
            };
        if let Some(index) = probe.index() {
            let (files, bytes) = own_entries(&env)
                .iter()
                .map(|t| index.sum_under(t))
                .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
            if files >= env.files {
                env.files = files;
                env.bytes = bytes;
                env.bytes_known = true;
            }
        }
        report.push(env, Status::Checked, opts);
        if let Some(last) = report.findings.last_mut() {
            last.continued = !begins_here;
        }
    }
    Ok(report.finish())
}

/// The paths an environment owns: its root, or for one at the repository root its own
/// top-level entries.
fn own_entries(env: &Environment) -> Vec<Vec<u8>> {
    if env.root.is_empty() {
        env.entries.clone()
    } else {
        vec![env.root.clone()]
    }
}

/// Whether `path` is one of the environment's.
fn belongs(path: &[u8], env: &Environment) -> bool {
    own_entries(env)
        .iter()
        .any(|own| git::at_or_below(path, own))
}

/// Strips `./` and duplicate slashes from a relative path.
fn normalize(path: &[u8]) -> Vec<u8> {
    path.split(|&b| b == b'/')
        .filter(|c| !c.is_empty() && *c != b".")
        .collect::<Vec<_>>()
        .join(&b'/')
}

/// The disk, with the index behind it, opened only when asked.
struct DiskThenIndex<'r> {
    disk: DiskProbe,
    repo: &'r Repo,
    index: OnceCell<Option<Index<'r>>>,
}

impl Probe for DiskThenIndex<'_> {
    fn meta(&self, path: &[u8]) -> Option<Meta> {
        self.disk.meta(path)
    }
    fn read_head(&self, path: &[u8], limit: usize) -> Option<Vec<u8>> {
        self.disk.read_head(path, limit)
    }
    fn children(&self, dir: &[u8]) -> Vec<Vec<u8>> {
        self.disk.children(dir)
    }
    fn fallback(&self) -> Option<&dyn Probe> {
        self.index().map(|i| i as &dyn Probe)
    }
}

impl<'r> DiskThenIndex<'r> {
    /// The index, read on first use.
    fn index(&self) -> Option<&Index<'r>> {
        self.index.get_or_init(|| self.repo.index().ok()).as_ref()
    }
}

/// A working tree: the environments tracked in the index, plus those the walk finds that git
/// does not ignore. Outside a git repository, only the walk (honouring `.gitignore` files).
pub fn tree(path: &Path, opts: &Options) -> Result<Report, Error> {
    let start = path
        .canonicalize()
        .map_err(|e| Error::BadPath(path.to_path_buf(), e))?;
    if !start.is_dir() {
        return Err(Error::BadPath(
            path.to_path_buf(),
            std::io::Error::other("not a directory"),
        ));
    }
    let mut report = Report::default();
    let Some(repo) = Repo::discover(&start)? else {
        let walked = walk::find_envs(&start, &start);
        report.paths = walked.visited;
        report.warnings = walked.problems;
        for found in walked.envs {
            if !walk::ignores_itself(&start, &found.root, &found.env.marker()) {
                report.push(unentered(found), Status::Unignored, opts);
            }
        }
        return Ok(report.finish());
    };
    let top = repo
        .workdir()?
        .canonicalize()
        .map_err(|e| Error::BadPath(path.to_path_buf(), e))?;
    let prefix = path_to_bytes(start.strip_prefix(&top).unwrap_or(Path::new("")));

    let index = repo.index()?;
    let tracked: Vec<PathEntry> = index
        .paths()
        .into_iter()
        .filter(|p| under(&p.path, &prefix))
        .collect();
    let disk = DiskProbe::new(&top);
    let probe = Layered {
        first: &index,
        second: &disk,
    };
    let mut tracked_roots = Vec::new();
    for env in detect::detect(&tracked, &probe) {
        tracked_roots.push(env.root.clone());
        report.push(env, Status::Tracked, opts);
    }

    let walked = walk::find_envs(&top, &start);
    report.paths = tracked.len() as u64 + walked.visited;
    report.warnings = walked.problems;
    for found in walked.envs {
        if tracked_roots.contains(&found.root) {
            continue;
        }
        let mut marker = found.root.clone();
        if !marker.is_empty() {
            marker.push(b'/');
        }
        marker.extend_from_slice(&found.env.marker());
        if repo.is_ignored(&marker) {
            continue;
        }
        report.push(unentered(found), Status::Unignored, opts);
    }
    Ok(report.finish())
}

fn under(path: &[u8], prefix: &[u8]) -> bool {
    prefix.is_empty() || (path.starts_with(prefix) && path.get(prefix.len()) == Some(&b'/'))
}

/// An environment the walk did not enter: its files are not counted.
fn unentered(found: walk::WalkedEnv) -> Environment {
    Environment {
        root: found.root,
        env: found.env,
        files: 0,
        bytes: 0,
        bytes_known: false,
        entries: found.entries,
    }
}
