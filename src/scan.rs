//! Ties a source of paths (staged changes, a hook's file list, a working tree) to detection and
//! returns a [`Report`].

use std::borrow::Cow;
use std::cell::OnceCell;
use std::fmt;
use std::path::{Path, PathBuf};

use globset::GlobSet;

use crate::baseline::Baseline;
use crate::detect::{self, Environment, Meta, PathEntry, Probe};
use crate::escape;
use crate::git::{self, Index, Repo};
use crate::probe::PathList;
use crate::probe::{path_to_bytes, DiskProbe, Layered};
use crate::secrets::{self, Secret};
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
    /// Added by commits of a range (`scan --range`).
    Added,
    /// Committed at some point of the history (`scan --history`).
    History,
}

impl Status {
    /// A stable machine name.
    pub fn id(self) -> &'static str {
        match self {
            Status::Staged => "staged",
            Status::Tracked => "tracked",
            Status::Unignored => "unignored",
            Status::Checked => "checked",
            Status::Added => "added",
            Status::History => "history",
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
            Status::Added => "added by the commits in the range",
            Status::History => "committed in the history",
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
    /// For `scan --history`: when it entered, what it costs, how to remove it.
    pub history: Option<Box<HistoryInfo>>,
    /// Variables its activate scripts export beyond the stock ones: committing them would
    /// publish credentials. Values are never kept.
    pub secrets: Vec<Secret>,
    /// The commits that already hold activate scripts of this environment exporting variables
    /// of their own, oldest first, with the names: those credentials are published, and
    /// untracking or deleting the environment does not take them back.
    pub secret_commits: Vec<(git::CommitInfo, Vec<String>)>,
}

impl Finding {
    /// Whether its credentials are already in commits (rather than about to be).
    pub fn published(&self) -> bool {
        !self.secret_commits.is_empty()
    }
}

/// What the history says about an environment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryInfo {
    /// The commit that first added one of its files.
    pub first_commit: git::CommitInfo,
    /// How many commits added or changed its files.
    pub commits: u64,
    /// Whether `HEAD` still has it.
    pub in_head: bool,
    /// Distinct blobs it put into the repository.
    pub blobs: u64,
    /// Their total (uncompressed) size.
    pub bytes: u64,
    /// The `git filter-repo` command that removes it from every commit (printed, never run).
    pub remove_command: String,
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
    /// Environments not reported because the configuration allows them or the baseline
    /// records them.
    pub suppressed: u64,
    /// The history is incomplete (a shallow clone).
    pub incomplete_history: bool,
}

impl Report {
    /// Whether any finding fails the run.
    pub fn fails(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Error)
    }

    /// Adds a finding unless the configuration allows it or the baseline records it; returns
    /// whether it was added.
    fn push(
        &mut self,
        env: Environment,
        status: Status,
        opts: &Options,
        probe: &dyn Probe,
    ) -> bool {
        if opts.accepts(&env.root) {
            self.suppressed += 1;
            return false;
        }
        let secrets = secrets::find(&env, probe);
        // A fixture that exports a real-looking credential is no harmless imitation.
        let severity = if env.env.fixture && !opts.strict && !secrets.iter().any(|s| s.real) {
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

    /// Finds, for every finding whose scripts export credentials, the commits reachable from
    /// `rev` that already hold them.
    fn find_published(&mut self, repo: &Repo, rev: &str) -> Result<(), Error> {
        for finding in &mut self.findings {
            if finding.secrets.is_empty() || finding.status == Status::Unignored {
                continue;
            }
            let mut scripts: Vec<Vec<u8>> =
                finding.secrets.iter().map(|s| s.file.clone()).collect();
            scripts.dedup();
            let Some((versions, cut)) = repo.versions_of(rev, &scripts, PUBLISHED_WALK)? else {
                continue;
            };
            if cut {
                self.warnings.push(format!(
                    "only the newest {PUBLISHED_WALK} commits were searched for the credentials \
                     of {}: older commits may hold them too",
                    crate::document::place(&finding.env.root)
                ));
            }
            finding.secret_commits = exporting_commits(
                repo,
                versions.into_iter().map(|v| (v.commit, v.path, v.blob)),
            );
        }
        Ok(())
    }

    fn finish(mut self) -> Report {
        self.findings
            .sort_by(|a, b| a.env.root.cmp(&b.env.root).then(a.status.cmp(&b.status)));
        self
    }
}

/// How many commits are searched for the commits that published an environment's credentials.
const PUBLISHED_WALK: usize = 200_000;

/// The commits among `versions` (commit, script, blob) whose script exports variables of its
/// own, with the names, in the order given.
fn exporting_commits(
    repo: &Repo,
    versions: impl Iterator<Item = (git::CommitInfo, Vec<u8>, git2::Oid)>,
) -> Vec<(git::CommitInfo, Vec<String>)> {
    let mut out: Vec<(git::CommitInfo, Vec<String>)> = Vec::new();
    for (commit, script, blob) in versions {
        let Some(content) = repo.read_blob(blob, secrets::SCRIPT_LIMIT) else {
            continue;
        };
        let names: Vec<String> = secrets::exported(&script, &content)
            .into_iter()
            .map(|e| e.name)
            .collect();
        if names.is_empty() {
            continue;
        }
        match out.iter_mut().find(|(c, _)| c.id == commit.id) {
            Some((_, known)) => {
                for n in names {
                    if !known.contains(&n) {
                        known.push(n);
                    }
                }
            }
            None => out.push((commit, names)),
        }
    }
    out
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
    /// Whether the environment at `root` is allowed or in the baseline.
    fn accepts(&self, root: &[u8]) -> bool {
        let allowed = self.allow.as_ref().is_some_and(|globs| {
            let text = String::from_utf8_lossy(root);
            globs.is_match(&*text) || globs.is_match(format!("{text}/"))
        });
        allowed || self.baseline.as_ref().is_some_and(|b| b.contains(root))
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
        let belongs = |path: &[u8]| own.iter().any(|o| git::at_or_below(path, &o.path));
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
        let walked = walk::find_envs(&start, &start);
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
    let (walked, tracked) = crate::parallel::both(
        || walk::find_envs(&top, &start),
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
        env: found.env,
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

/// Every tracked file, with no working-tree walk: the tree of `HEAD`, or the index.
pub fn tracked(repo: &Repo, source: TrackedSource, opts: &Options) -> Result<Report, Error> {
    let mut report = Report::default();
    match source {
        TrackedSource::Head => {
            let index = repo.index()?;
            let Some(head) = repo.head_files(&index)? else {
                return Ok(report);
            };
            report.paths = head.len() as u64;
            let probe = head.probe(repo);
            let envs = detect::detect(&head, &probe);
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

/// The environments whose files the commits in `from..to` added or changed: a pull-request
/// check. An environment added and removed again inside the range is still reported: its
/// blobs are in the history the range brings.
pub fn range(repo: &Repo, from: &str, to: &str, opts: &Options) -> Result<Report, Error> {
    let (changed, tree) = repo.changed_between(from, to)?;
    let paths = changed.paths();
    let mut report = Report {
        paths: paths.len() as u64,
        ..Report::default()
    };
    let behind: &dyn Probe = match &tree {
        Some(tree) => tree,
        None => &changed,
    };
    let probe = Layered {
        first: &changed,
        second: behind,
    };
    let envs = detect::detect(&paths, &probe);
    for env in with_sizes(envs, &|p| changed.sum_under(p)) {
        report.push(env, Status::Added, opts, &probe);
    }
    report.find_published(repo, to)?;
    Ok(report.finish())
}

/// Every environment that any commit reachable from any ref ever added: when it entered,
/// whether `HEAD` still has it, what it costs, and the command that would remove it.
pub fn history(repo: &Repo, opts: &Options) -> Result<Report, Error> {
    let history = repo.history()?;
    let head = repo.tree("HEAD")?;
    let paths = history.paths.paths();
    let mut report = Report {
        paths: paths.len() as u64,
        incomplete_history: history.shallow,
        ..Report::default()
    };
    if history.shallow {
        report.warnings.push(
            "shallow clone: commits before the shallow boundary were not seen, so the history \
             is incomplete (git fetch --unshallow for a full answer)"
                .to_owned(),
        );
    }
    for mut env in detect::detect(&paths, &history.paths) {
        let owned = env.owned_paths();
        let mut commits = std::collections::BTreeSet::new();
        let mut blobs = std::collections::HashSet::new();
        let mut files = 0;
        for target in &owned {
            for path in history.versions_under(&target.path) {
                commits.extend(path.commits.iter().copied());
                blobs.extend(path.blobs.iter().copied());
                files += 1;
            }
        }
        let first = commits.first().copied().unwrap_or(usize::MAX);
        let bytes = blobs.iter().filter_map(|id| repo.blob_size(*id)).sum();
        let in_head = head
            .as_ref()
            .is_some_and(|h| owned.iter().any(|t| h.count_under(&t.path) > 0));
        let Some(first_commit) = history.commits.get(first).cloned() else {
            continue;
        };
        env.files = files;
        env.bytes = bytes;
        env.bytes_known = true;
        let info = HistoryInfo {
            first_commit,
            commits: commits.len() as u64,
            in_head,
            blobs: blobs.len() as u64,
            bytes,
            remove_command: filter_repo_command(&env),
        };
        let published = secret_commits(repo, &history, &env);
        if report.push(env, Status::History, opts, &history.paths) {
            if let Some(last) = report.findings.last_mut() {
                last.history = Some(Box::new(info));
                last.secret_commits = published;
            }
        }
    }
    Ok(report.finish())
}

/// Every commit that wrote an activate script of `env` exporting variables of its own.
fn secret_commits(
    repo: &Repo,
    history: &git::History<'_>,
    env: &Environment,
) -> Vec<(git::CommitInfo, Vec<String>)> {
    let mut versions: Vec<(usize, Vec<u8>, git2::Oid)> = Vec::new();
    for script in secrets::scripts(env, &history.paths) {
        for path in history.versions_under(&script) {
            for &(commit, blob) in &path.versions {
                versions.push((commit, script.clone(), blob));
            }
        }
    }
    versions.sort_by_key(|v| v.0);
    exporting_commits(
        repo,
        versions.into_iter().filter_map(|(commit, script, blob)| {
            Some((history.commits.get(commit)?.clone(), script, blob))
        }),
    )
}

/// `git filter-repo --invert-paths --path venv/`: removes the environment from every commit.
fn filter_repo_command(env: &Environment) -> String {
    let mut command = String::from("git filter-repo --invert-paths");
    for target in env.owned_paths() {
        let mut path = target.path;
        // A folder is named with a trailing slash, as git-filter-repo's documentation does; a
        // file never is: `--path pyvenv.cfg/` would match nothing.
        if target.dir {
            path.push(b'/');
        }
        command.push_str(" --path ");
        command.push_str(&escape::shell_word(&path));
    }
    command
}

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
