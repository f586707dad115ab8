//! Ties a source of paths (staged changes, a hook's file list, a working tree) to detection and
//! returns a [`Report`].

use std::borrow::Cow;
use std::cell::OnceCell;
use std::fmt;
use std::path::{Path, PathBuf};

use globset::GlobSet;

use crate::baseline::Baseline;
use crate::detect::PathList;
use crate::detect::{self, Environment, Meta, PathEntry, Probe};
use crate::report::secrets;
use crate::report::{Finding, Report, Severity, Status};
use crate::source::disk::{DiskProbe, Layered};
use crate::source::git::{self, all_hold, check_claims, claimed_entries, Index, Repo};
use crate::source::walk;
use crate::support::paths::{at_or_below, path_to_bytes};

impl Report {
    /// Adds a finding unless the configuration allows it or the baseline records it; returns
    /// whether it was added.
    fn push(
        &mut self,
        env: Environment,
        status: Status,
        opts: &Options,
        probe: &dyn Probe,
    ) -> bool {
        if opts.accepts(&env.root, status) {
            self.suppressed += 1;
            return false;
        }
        let secrets = secrets::find(&env, probe);
        // A fixture that exports a real-looking credential is no harmless imitation.
        let severity = if env.recognised.fixture && !opts.strict && !secrets.iter().any(|s| s.real)
        {
            Severity::Note
        } else {
            Severity::Error
        };
        self.findings.push(Finding {
            env,
            status,
            severity,
            continued: false,
            history: None,
            secrets,
            secret_commits: Vec::new(),
        });
        true
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
    /// Roots of environments committed on purpose (the configuration's `allow`).
    pub allow: Option<GlobSet>,
    /// Environments a baseline accepts.
    pub baseline: Option<Baseline>,
}

impl Options {
    /// Whether the environment at `root`, found as `status`, is allowed or in the baseline.
    fn accepts(&self, root: &[u8], status: Status) -> bool {
        let allowed = self.allow.as_ref().is_some_and(|globs| {
            let text = String::from_utf8_lossy(root);
            globs.is_match(&*text) || globs.is_match(format!("{text}/"))
        });
        allowed
            || self
                .baseline
                .as_ref()
                .is_some_and(|b| b.contains(root, status))
    }
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
pub fn staged(repo: &Repo, opts: &Options) -> Result<Report, Error> {
    // A bare repository has nothing staged and no commit can be made in it.
    repo.workdir()?;
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
        report.push(env, Status::Staged, opts, &probe);
    }
    report.find_published(repo, "HEAD")?;
    Ok(report.finish())
}

/// The files a hook was handed (the pre-commit framework passes staged files in batches).
/// Each batch is judged alone: siblings are looked up on disk first, and the index is only
/// opened for a path that looks like an environment's when the disk cannot confirm it.
pub fn files(repo: &Repo, files: &[PathBuf], opts: &Options) -> Result<Report, Error> {
    let top = repo.workdir()?.to_path_buf();
    let cwd = std::env::current_dir().map_err(|e| Error::BadPath(PathBuf::from("."), e))?;
    // The pre-commit framework runs hooks at the top of the working tree with paths relative
    // to it: take them as they are. Nothing is stat'ed here: detection asks the disk about the
    // few paths that matter, and sizes come from the index when an environment is found.
    let at_top = same_dir(&cwd, &top);
    // Names are borrowed as given where they need no change (almost always).
    let mut paths: Vec<Cow<'_, [u8]>> = Vec::with_capacity(files.len());
    for file in files {
        let path = if at_top && file.is_relative() {
            normalize(file.as_os_str().as_encoded_bytes())
        } else {
            let full = if file.is_absolute() {
                file.clone()
            } else {
                cwd.join(file)
            };
            let rel = match full.strip_prefix(&top) {
                Ok(rel) => path_to_bytes(rel),
                // Symlinked or differently spelled working trees: fall back to the given form.
                Err(_) => path_to_bytes(file),
            };
            Cow::Owned(normalize(&rel).into_owned())
        };
        paths.push(path);
    }
    let probe = DiskThenIndex {
        disk: DiskProbe::new(&top),
        repo,
        index: OnceCell::new(),
    };
    let mut report = Report {
        paths: paths.len() as u64,
        ..Report::default()
    };
    let first_given = paths.iter().map(|p| p.as_ref()).min();
    for mut env in detect::detect(paths.as_slice(), &probe) {
        let own = env.owned_paths();
        let belongs = |path: &[u8]| own.iter().any(|o| at_or_below(path, &o.path));
        let first_own = paths
            .iter()
            .map(|p| p.as_ref())
            .filter(|p| belongs(p))
            .min();
        // The batch where the environment's run of paths begins reports it in full: either a
        // path outside it comes first in this batch, or the index has none of its entries
        // just before this batch's first one.
        let begins_here = first_given.is_some_and(|f| !belongs(f))
            || match (probe.index(), first_own) {
                (Some(index), Some(first)) => {
                    index.path_before(first).is_none_or(|prev| !belongs(prev))
                }
                _ => true,
            };
        if let Some(index) = probe.index() {
            let (files, bytes) = own
                .iter()
                .map(|t| index.sum_under(&t.path))
                .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
            if files >= env.files {
                env.files = files;
                env.bytes = bytes;
                env.bytes_known = true;
            }
        }
        if report.push(env, Status::Checked, opts, &probe) {
            if let Some(last) = report.findings.last_mut() {
                last.continued = !begins_here;
            }
        }
    }
    report.find_published(repo, "HEAD")?;
    Ok(report.finish())
}

/// Whether two directory paths name the same directory (a trailing `/` aside).
fn same_dir(a: &Path, b: &Path) -> bool {
    a.components().eq(b.components())
}

/// Strips `./` and duplicate slashes from a relative path.
fn normalize(path: &[u8]) -> Cow<'_, [u8]> {
    // One pass to see whether anything needs stripping (almost every path is clean): a `/`
    // right after another (or at the start) ends an empty component, and one after a `.` that
    // follows a `/` (or the start) ends a `.` component.
    let (mut before, mut last) = (b'/', b'/');
    let mut clean = path.last() != Some(&b'/');
    for &b in path {
        if b == b'/' && (last == b'/' || (last == b'.' && before == b'/')) {
            clean = false;
            break;
        }
        (before, last) = (last, b);
    }
    if clean {
        return Cow::Borrowed(path);
    }
    Cow::Owned(
        path.split(|&b| b == b'/')
            .filter(|c| !c.is_empty() && *c != b".")
            .collect::<Vec<_>>()
            .join(&b'/'),
    )
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
pub fn tree(path: &Path, repo: Option<&Repo>, opts: &Options) -> Result<Report, Error> {
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
    let Some(repo) = repo else {
        let walked = walk::find_envs(&start, &start, None);
        report.paths = walked.visited;
        report.warnings = walked.problems;
        let disk = DiskProbe::new(&start);
        for found in walked.envs {
            if !walk::ignores_itself(&start, &found.root, &found.env.marker()) {
                report.push(unentered(found), Status::Unignored, opts, &disk);
            }
        }
        return Ok(report.finish());
    };
    let top = repo
        .workdir()?
        .canonicalize()
        .map_err(|e| Error::BadPath(path.to_path_buf(), e))?;
    let prefix = path_to_bytes(start.strip_prefix(&top).unwrap_or(Path::new("")));

    // The walk needs nothing from the index: it runs on the second core while the tracked
    // files are read and judged on this one.
    let exclude = repo.info_exclude();
    let (walked, tracked) = crate::support::parallel::both(
        || walk::find_envs(&top, &start, Some(&exclude)),
        || tracked_envs(repo, &top, &prefix),
    );
    let (envs, tracked_count, index) = tracked?;
    let disk = DiskProbe::new(&top);
    let probe = Layered {
        first: &index,
        second: &disk,
    };
    let mut tracked_roots = Vec::new();
    for env in envs {
        tracked_roots.push(env.root.clone());
        report.push(env, Status::Tracked, opts, &probe);
    }
    report.paths = tracked_count as u64 + walked.visited;
    report.warnings = walked.problems;
    report.warnings.extend(sparse_warning(&index));
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
        report.push(unentered(found), Status::Unignored, opts, &disk);
    }
    report.find_published(repo, "HEAD")?;
    Ok(report.finish())
}

/// A sparse index lists directories outside the sparse-checkout cone as one entry each; their
/// files are not examined.
fn sparse_warning(index: &Index<'_>) -> Option<String> {
    let n = index.file().sparse_dirs();
    (n > 0).then(|| {
        format!(
            "sparse index: {n} director{} outside the sparse-checkout cone were not examined; \
             scan --tracked reads them from HEAD",
            if n == 1 { "y" } else { "ies" }
        )
    })
}

/// The environments among the tracked files at or below `prefix`, and how many files that is.
fn tracked_envs<'r>(
    repo: &'r Repo,
    top: &Path,
    prefix: &[u8],
) -> Result<(Vec<Environment>, usize, Index<'r>), Error> {
    let index = repo.index()?;
    let disk = DiskProbe::new(top);
    let probe = Layered {
        first: &index,
        second: &disk,
    };
    if prefix.is_empty() {
        let envs = detect::detect(index.file(), &probe);
        let count = index.len();
        return Ok((envs, count, index));
    }
    let file = index.file();
    let tracked: Vec<PathEntry> = (0..file.len())
        .filter(|&i| under(file.path_at(i), prefix))
        .map(|i| PathEntry {
            path: file.path_at(i).to_vec(),
            meta: file.meta_at(i),
        })
        .collect();
    let count = tracked.len();
    let envs = detect::detect(&tracked, &probe);
    Ok((envs, count, index))
}

fn under(path: &[u8], prefix: &[u8]) -> bool {
    prefix.is_empty() || (path.starts_with(prefix) && path.get(prefix.len()) == Some(&b'/'))
}

/// An environment the walk did not enter: its files are not counted.
fn unentered(found: walk::WalkedEnv) -> Environment {
    Environment {
        root: found.root,
        recognised: found.env,
        files: 0,
        bytes: 0,
        bytes_known: false,
        entries: found.entries,
    }
}

/// Where `scan --tracked` reads the tracked files from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrackedSource {
    /// The tree of `HEAD`: what is committed.
    Head,
    /// The index: what the next commit will hold.
    Index,
}

/// From this many index entries under cache-tree claims on, `scan --tracked` checks the
/// claims on a second thread while it detects on the files they give; below, a thread costs
/// more than the check.
const CHECK_BESIDE_FROM: usize = 16_384;

/// Every tracked file, with no working-tree walk: the tree of `HEAD`, or the index.
pub fn tracked(repo: &Repo, source: TrackedSource, opts: &Options) -> Result<Report, Error> {
    let mut report = Report::default();
    match source {
        TrackedSource::Head if repo.reads_through_git() => {
            // No index shortcut through git: `HEAD`'s tree as git lists it.
            let Some(head) = repo.tree("HEAD")? else {
                return Ok(report);
            };
            report.paths = head.len() as u64;
            let envs = detect::detect(&head.paths(), &head);
            for env in with_sizes(envs, &|p| head.sum_under(p)) {
                report.push(env, Status::Tracked, opts, &head);
            }
            report.find_published(repo, "HEAD")?;
            Ok(report.finish())
        }
        TrackedSource::Head => {
            let index = repo.index()?;
            // Detection runs on the files `HEAD` holds if the index's cache-tree tells the
            // truth, while the other thread checks that it does; where it does not, the files
            // are read again and detection runs again.
            let Some((guess, claims)) = repo.head_files_if_claims_hold(&index)? else {
                return Ok(report);
            };
            let file = index.file();
            let detect_guess = || -> Result<_, Error> {
                let probe = guess.probe(repo)?;
                let envs = detect::detect(&guess, &probe);
                Ok((probe, envs))
            };
            let (verdicts, guessed) = if claimed_entries(&claims) >= CHECK_BESIDE_FROM {
                let (verdicts, guessed) =
                    crate::support::parallel::both(|| check_claims(file, &claims), detect_guess);
                (verdicts, Some(guessed))
            } else {
                let verdicts = check_claims(file, &claims);
                let guessed = all_hold(&verdicts).then(detect_guess);
                (verdicts, guessed)
            };
            let judged;
            let (head, probe, envs) = match guessed {
                Some(guessed) if all_hold(&verdicts) => {
                    let (probe, envs) = guessed?;
                    (&guess, probe, envs)
                }
                _ => {
                    judged = repo.head_files_judged(&index, &verdicts)?.ok_or_else(|| {
                        Error::Git(git::Error::GitCommand("HEAD went away".to_owned()))
                    })?;
                    let probe = judged.probe(repo)?;
                    let envs = detect::detect(&judged, &probe);
                    (&judged, probe, envs)
                }
            };
            report.paths = head.len() as u64;
            for env in with_sizes(envs, &|p| probe.sum_under(p)) {
                report.push(env, Status::Tracked, opts, &probe);
            }
            report.find_published(repo, "HEAD")?;
            Ok(report.finish())
        }
        TrackedSource::Index => {
            let index = repo.index()?;
            report.paths = index.len() as u64;
            report.warnings.extend(sparse_warning(&index));
            let file = index.file();
            let envs = if file.intents_to_add() == 0 {
                detect::detect(file, &index)
            } else {
                // `git add -N` entries are listed but not in the next commit.
                let committed: Vec<PathEntry> = (0..file.len())
                    .filter(|&i| !file.record(i).intent_to_add)
                    .map(|i| PathEntry {
                        path: file.path_at(i).to_vec(),
                        meta: file.meta_at(i),
                    })
                    .collect();
                detect::detect(&committed, &index)
            };
            for env in with_sizes(envs, &|p| index.sum_under(p)) {
                report.push(env, Status::Tracked, opts, &index);
            }
            report.find_published(repo, "HEAD")?;
            Ok(report.finish())
        }
    }
}

/// Fills in file counts and sizes from `sum_under` (tree entries carry no size).
fn with_sizes(envs: Vec<Environment>, sum_under: &dyn Fn(&[u8]) -> (u64, u64)) -> Vec<Environment> {
    envs.into_iter()
        .map(|mut env| {
            let (files, bytes) = env
                .owned_paths()
                .iter()
                .map(|t| sum_under(&t.path))
                .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
            env.files = files;
            env.bytes = bytes;
            env.bytes_known = true;
            env
        })
        .collect()
}

mod history;

pub use history::{history, range};

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn normalize_strips_dot_and_empty_components_only() {
        let n = |p: &str| String::from_utf8(normalize(p.as_bytes()).into_owned()).unwrap();
        for clean in [
            "a",
            "a/b.py",
            ".venv/bin/activate",
            "a/.b/c",
            "a/..b",
            "x/y./z",
        ] {
            assert_eq!(n(clean), clean);
        }
        assert_eq!(n("./a/b"), "a/b");
        assert_eq!(n("a//b/"), "a/b");
        assert_eq!(n("a/./b"), "a/b");
        assert_eq!(n("./.venv/./pyvenv.cfg"), ".venv/pyvenv.cfg");
        assert_eq!(n("/a"), "a");
    }
}
