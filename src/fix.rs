//! Repairing findings: a pure [`Plan`] (the `.gitignore` rules that keep each environment out
//! and the index entries to drop), then an [`apply`] that changes the repository atomically
//! and verifies the result, losing no working file.
//!
//! The order of [`apply`] is chosen so that a failure at any step leaves the repository as it
//! was: the index lock is taken first (a held lock stops everything), `.gitignore` files are
//! replaced by rename (a crash leaves the old or the new file, never a truncated one), the new
//! rules are checked with the `ignore` crate and git before the index changes, and a failed
//! check or index write puts the old `.gitignore` files back.

use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::detect::{Extent, OwnedPath, Probe};
use crate::escape;
use crate::freeze;
use crate::git::{self, Repo};
use crate::probe::{bytes_to_path, join, DiskProbe};
use crate::scan::{Finding, Severity, Status};
use crate::walk;

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

/// What [`apply`] changed.
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

/// Whether [`apply`] may change the index.
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
    /// Finding the environments failed.
    Scan(crate::scan::Error),
    /// From git (including a held `index.lock`).
    Git(git::Error),
    /// A file could not be read or written.
    Io(&'static str, PathBuf, io::Error),
    /// The `.gitignore` (or freeze file) is read-only.
    ReadOnly(PathBuf),
    /// The `.gitignore` is a symlink or not a regular file: it is not followed.
    NotAFile(PathBuf),
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
            Error::Scan(e) => e.fmt(f),
            Error::Git(e) => e.fmt(f),
            Error::Io(what, p, e) => write!(f, "{what} {}: {e}; nothing was changed", p.display()),
            Error::ReadOnly(p) => write!(f, "{} is read-only; nothing was changed", p.display()),
            Error::NotAFile(p) => write!(
                f,
                "{} is a symlink or not a regular file, and is not followed; nothing was changed",
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

impl From<crate::scan::Error> for Error {
    fn from(e: crate::scan::Error) -> Error {
        Error::Scan(e)
    }
}

/// What to fix.
#[derive(Clone, Copy, Debug)]
pub enum Target<'a> {
    /// The environments `venv-guard scan PATH` reports: tracked or not ignored.
    Tree(&'a Path),
    /// The environments in the staged changes (`venv-guard hook --fix`).
    Staged,
    /// The environments among the files a hook was handed (`venv-guard hook --fix FILE...`).
    Files(&'a [PathBuf]),
}

/// A fix from start to end: what was found, the plan, and what was changed (`None` for a dry
/// run or when there was nothing to do).
#[derive(Debug)]
pub struct Outcome {
    /// The findings the fix started from.
    pub report: crate::scan::Report,
    /// What the fix would change.
    pub plan: Plan,
    /// What it changed.
    pub applied: Option<Applied>,
}

/// Finds the environments of `target`, plans their fix and, unless `dry_run`, applies it.
///
/// In a hook, the index may be a temporary one that `git commit -a` or `git commit <paths>`
/// made while holding the real index's lock; then only `.gitignore` is edited and the index
/// commands are returned in [`Applied::deferred`].
pub fn run(
    repo: &Repo,
    target: Target<'_>,
    scan_opts: &crate::scan::Options,
    opts: &FixOptions,
    dry_run: bool,
) -> Result<Outcome, Error> {
    let report = match target {
        Target::Tree(path) => crate::scan::tree(path, Some(repo), scan_opts)?,
        Target::Staged => crate::scan::staged(repo, scan_opts)?,
        Target::Files(files) => crate::scan::files(repo, files, scan_opts)?,
    };
    let top = repo.workdir()?.to_path_buf();
    let index = repo.index()?;
    let disk = DiskProbe::new(&top);
    let probe = crate::probe::Layered {
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
        let access = match target {
            Target::Tree(_) => IndexAccess::Lock,
            Target::Staged | Target::Files(_) => {
                if repo.index_path().1 {
                    IndexAccess::Lock
                } else {
                    IndexAccess::Defer
                }
            }
        };
        Some(apply(repo, &top, &plan, access)?)
    };
    Ok(Outcome {
        report,
        plan,
        applied,
    })
}

/// Project files that record dependencies: with none of them, `--freeze` is suggested.
const MANIFESTS: &[&str] = &[
    "pyproject.toml",
    "Pipfile",
    "setup.py",
    "setup.cfg",
    "environment.yml",
    "environment.yaml",
];

/// Computes the fix for the failing findings, changing nothing.
///
/// `probe` answers for the working tree and the index (to read installed distributions when
/// freezing); `index_entries` counts the index entries at or below a path.
pub fn plan(
    repo: &Repo,
    top: &Path,
    findings: &[Finding],
    probe: &dyn Probe,
    index_entries: &dyn Fn(&[u8]) -> u64,
    opts: &FixOptions,
) -> Result<Plan, Error> {
    let mut plan = Plan::default();
    let mut root_lines: Vec<String> = Vec::new();
    let mut root_owners: Vec<Vec<u8>> = Vec::new();
    for finding in findings.iter().filter(|f| f.severity == Severity::Error) {
        let root = &finding.env.root;
        let targets = owned_paths(finding, probe);
        let (patterns, inexpressible) = patterns_for(&targets);
        if let Some(name) = inexpressible.into_iter().next() {
            return Err(Error::Inexpressible(name));
        }
        let already_ignored = is_ignored(repo, top, &targets);
        if !already_ignored {
            // A `*` inside a folder the project shares would ignore the project's files too.
            if opts.style == Style::Inner
                && !root.is_empty()
                && finding.env.env.extent == Extent::Folder
            {
                plan.edits.push(IgnoreEdit {
                    file: join(root, b".gitignore"),
                    lines: vec!["*".to_owned()],
                    stage: false,
                    owners: vec![root.clone()],
                });
            } else {
                for pattern in patterns {
                    if !root_lines.contains(&pattern) {
                        root_lines.push(pattern);
                        root_owners.push(root.clone());
                    }
                }
            }
        }
        let mut tracked_entries = 0;
        if finding.status != Status::Unignored {
            for t in &targets {
                let n = index_entries(&t.path);
                if n > 0 {
                    tracked_entries += n;
                    plan.untrack.push(t.path.clone());
                }
            }
        }
        plan.envs.push(EnvFix {
            finding: finding.clone(),
            targets,
            already_ignored,
            tracked_entries,
        });
    }
    if !root_lines.is_empty() {
        plan.edits.insert(
            0,
            IgnoreEdit {
                file: b".gitignore".to_vec(),
                lines: root_lines,
                stage: true,
                owners: root_owners,
            },
        );
    }
    if let Some(path) = &opts.freeze {
        if path.exists() && !opts.force {
            return Err(Error::Exists(path.clone()));
        }
        plan.freeze = Some(freeze_plan(path.clone(), &plan.envs, probe));
    } else if !plan.envs.is_empty() {
        plan.suggest_freeze = !has_manifest(top);
    }
    Ok(plan)
}

/// The paths the fix of `finding` covers: what the environment owns. One that shares its
/// folder with the project owns each of its creator's entries there, on disk or in the index,
/// whether or not the finding's paths touched it.
fn owned_paths(finding: &Finding, probe: &dyn Probe) -> Vec<OwnedPath> {
    let env = &finding.env;
    let mut targets = env.owned_paths();
    if env.env.extent != Extent::Folder || env.root.is_empty() {
        for name in probe.children(&env.root) {
            if !env.env.owns(&name) {
                continue;
            }
            let path = join(&env.root, &name);
            if targets.iter().any(|t| t.path == path) {
                continue;
            }
            let dir = probe
                .meta(&path)
                .is_some_and(|m| m.mode == crate::detect::Mode::Dir);
            targets.push(OwnedPath { path, dir });
        }
        targets.sort();
    }
    targets
}

/// Whether git ignores every target: the `ignore` crate finds no visible file below them and
/// git's own matcher agrees for each (a folder is asked about a path inside it, so that one
/// deleted from disk but still in the index is judged as the folder it is).
fn is_ignored(repo: &Repo, top: &Path, targets: &[OwnedPath]) -> bool {
    let git_says = targets.iter().all(|t| {
        let probe_path = if t.dir {
            join(&t.path, b"pyvenv.cfg")
        } else {
            t.path.clone()
        };
        repo.is_ignored(&probe_path)
    });
    git_says && walk::unignored_files(top, &paths_of(targets), 1).is_empty()
}

fn paths_of(targets: &[OwnedPath]) -> Vec<Vec<u8>> {
    targets.iter().map(|t| t.path.clone()).collect()
}

fn has_manifest(top: &Path) -> bool {
    let Ok(rd) = fs::read_dir(top) else {
        return true;
    };
    rd.filter_map(Result::ok).any(|e| {
        let name = e.file_name();
        let name = name.to_string_lossy();
        MANIFESTS.contains(&name.as_ref())
            || (name.starts_with("requirements") && name.ends_with(".txt"))
    })
}

fn freeze_plan(path: PathBuf, envs: &[EnvFix], probe: &dyn Probe) -> FreezePlan {
    let mut content = String::new();
    let mut count = 0;
    for env in envs {
        let dists = freeze::installed(&env.finding.env.root, probe);
        let root = if env.finding.env.root.is_empty() {
            ".".to_owned()
        } else {
            format!("{}/", escape::display(&env.finding.env.root))
        };
        content.push_str(&format!(
            "# installed in {root} ({})\n",
            env.finding.env.env.describe()
        ));
        for d in &dists {
            content.push_str(&d.requirement());
            content.push('\n');
        }
        count += dists.len();
    }
    FreezePlan {
        path,
        content,
        count,
    }
}

/// Carries out `plan`. On any error the repository is left as it was.
pub fn apply(repo: &Repo, top: &Path, plan: &Plan, access: IndexAccess) -> Result<Applied, Error> {
    let mut applied = Applied::default();
    let stage = plan.to_stage();
    let needs_index = !plan.untrack.is_empty() || !stage.is_empty();
    let lock = match access {
        IndexAccess::Lock if needs_index => Some(repo.lock_index()?),
        _ => None,
    };

    let mut undo = Undo::default();
    let result = (|| -> Result<(), Error> {
        if let Some(freeze) = &plan.freeze {
            undo.save(&freeze.path)?;
            write_atomic(&freeze.path, freeze.content.as_bytes())?;
            applied.freeze = Some((freeze.path.clone(), freeze.count));
        }
        // The lock is held now: a fix that ran meanwhile may have ignored some environments
        // already, and its rules must not be written twice.
        let done: Vec<&[u8]> = plan
            .envs
            .iter()
            .filter(|e| !e.already_ignored && is_ignored(repo, top, &e.targets))
            .map(|e| e.finding.env.root.as_slice())
            .collect();
        for edit in &plan.edits {
            let mut edit = edit.clone();
            let keep: Vec<bool> = edit
                .owners
                .iter()
                .map(|o| !done.contains(&o.as_slice()))
                .collect();
            let mut flags = keep.iter();
            edit.lines.retain(|_| *flags.next().unwrap_or(&true));
            let mut flags = keep.iter();
            edit.owners.retain(|_| *flags.next().unwrap_or(&true));
            if edit.lines.is_empty() {
                continue;
            }
            let path = top.join(bytes_to_path(&edit.file));
            append_to(&mut undo, &path, &edit.lines)?;
            applied.edits.push(edit);
        }
        for env in plan.envs.iter().filter(|e| !e.already_ignored) {
            if is_ignored(repo, top, &env.targets) {
                continue;
            }
            // A negation in a nested .gitignore beats the root one: the nearest .gitignore
            // above each owned path is the deepest git reads for it.
            let mut by_file: Vec<IgnoreEdit> = Vec::new();
            for target in &env.targets {
                let Some(slash) = target.path.iter().rposition(|&b| b == b'/') else {
                    return Err(defeated(top, env));
                };
                let (parent, name) = (&target.path[..slash], &target.path[slash + 1..]);
                let literal = escape::gitignore_literal(name)
                    .ok_or_else(|| Error::Inexpressible(target.path.clone()))?;
                let line = format!("/{literal}{}", if target.dir { "/" } else { "" });
                let file = join(parent, b".gitignore");
                match by_file.iter_mut().find(|e| e.file == file) {
                    Some(edit) => {
                        edit.lines.push(line);
                        edit.owners.push(env.finding.env.root.clone());
                    }
                    None => by_file.push(IgnoreEdit {
                        file,
                        lines: vec![line],
                        stage: true,
                        owners: vec![env.finding.env.root.clone()],
                    }),
                }
            }
            for edit in by_file {
                append_to(&mut undo, &top.join(bytes_to_path(&edit.file)), &edit.lines)?;
                applied.edits.push(edit);
            }
            if !is_ignored(repo, top, &env.targets) {
                return Err(defeated(top, env));
            }
        }
        let stage: Vec<Vec<u8>> = applied
            .edits
            .iter()
            .filter(|e| e.stage)
            .map(|e| e.file.clone())
            .collect();
        match lock {
            Some(lock) => {
                let change = lock.commit(&plan.untrack, &stage)?;
                applied.removed = change.removed;
                applied.staged = change.staged;
            }
            None if needs_index => {
                if !plan.untrack.is_empty() {
                    let words: Vec<String> =
                        plan.untrack.iter().map(|p| escape::shell_word(p)).collect();
                    applied
                        .deferred
                        .push(format!("git rm -r --cached --quiet -- {}", words.join(" ")));
                }
                if !stage.is_empty() {
                    let words: Vec<String> = stage.iter().map(|p| escape::shell_word(p)).collect();
                    applied
                        .deferred
                        .push(format!("git add -- {}", words.join(" ")));
                }
            }
            None => {}
        }
        Ok(())
    })();
    match result {
        Ok(()) => Ok(applied),
        Err(e) => {
            undo.restore();
            Err(e)
        }
    }
}

fn defeated(top: &Path, env: &EnvFix) -> Error {
    let example = walk::unignored_files(top, &paths_of(&env.targets), 1)
        .into_iter()
        .next()
        .unwrap_or_else(|| env.finding.env.root.clone());
    Error::Defeated {
        root: env.finding.env.root.clone(),
        example,
    }
}

/// A file's content and permissions before the fix touched it.
type Before = Option<(Vec<u8>, fs::Permissions)>;

/// The previous content of every file written, to put back on failure.
#[derive(Default)]
struct Undo {
    saved: Vec<(PathBuf, Before)>,
}

impl Undo {
    /// Remembers `path` as it is now (or that it does not exist), once.
    fn save(&mut self, path: &Path) -> Result<(), Error> {
        if self.saved.iter().any(|(p, _)| p == path) {
            return Ok(());
        }
        let before = match fs::symlink_metadata(path) {
            Ok(md) => {
                if !md.file_type().is_file() {
                    return Err(Error::NotAFile(path.to_path_buf()));
                }
                if md.permissions().readonly() {
                    return Err(Error::ReadOnly(path.to_path_buf()));
                }
                let bytes =
                    fs::read(path).map_err(|e| Error::Io("cannot read", path.to_path_buf(), e))?;
                Some((bytes, md.permissions()))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(Error::Io("cannot read", path.to_path_buf(), e)),
        };
        self.saved.push((path.to_path_buf(), before));
        Ok(())
    }

    fn restore(self) {
        for (path, before) in self.saved.into_iter().rev() {
            let _ = match before {
                Some((bytes, perms)) => write_atomic(&path, &bytes).and_then(|()| {
                    fs::set_permissions(&path, perms)
                        .map_err(|e| Error::Io("cannot restore", path.clone(), e))
                }),
                None => {
                    fs::remove_file(&path).map_err(|e| Error::Io("cannot remove", path.clone(), e))
                }
            };
        }
    }
}

/// Appends `lines` to the file at `path` (creating it), atomically, keeping its bytes, its
/// line endings and its permissions.
fn append_to(undo: &mut Undo, path: &Path, lines: &[String]) -> Result<(), Error> {
    undo.save(path)?;
    let current = fs::read(path).ok();
    write_atomic(path, &append_lines(current.as_deref(), lines))
}

/// `existing` with `lines` appended: the existing bytes unchanged, a line ending added first
/// when the last line has none, each new line ended the way the file ends its lines (CRLF when
/// its first line ending is CRLF, else LF).
pub fn append_lines(existing: Option<&[u8]>, lines: &[String]) -> Vec<u8> {
    let existing = existing.unwrap_or_default();
    let eol: &[u8] = match existing.iter().position(|&b| b == b'\n') {
        Some(i) if i > 0 && existing[i - 1] == b'\r' => b"\r\n",
        _ => b"\n",
    };
    let mut out = existing.to_vec();
    if !out.is_empty() && !out.ends_with(b"\n") {
        out.extend_from_slice(eol);
    }
    for line in lines {
        out.extend_from_slice(line.as_bytes());
        out.extend_from_slice(eol);
    }
    out
}

/// Replaces `path` with `bytes` atomically (see [`crate::atomic::write`]).
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    crate::atomic::write(path, bytes).map_err(|e| Error::Io("cannot write", path.to_path_buf(), e))
}

/// The anchored `.gitignore` patterns that ignore the environment of `finding`: `/venv/` for
/// an environment that owns its folder; one pattern per owned entry (`/bin/`, `/pyvenv.cfg`...)
/// for one that shares its folder with the project, so the project's own files stay tracked.
/// Folders end with `/`, files (and symlinks such as `lib64`) do not. A name that no pattern
/// line can express (a newline in it) is returned in the error list instead.
pub fn ignore_patterns(finding: &Finding) -> (Vec<String>, Vec<Vec<u8>>) {
    patterns_for(&finding.env.owned_paths())
}

fn patterns_for(targets: &[OwnedPath]) -> (Vec<String>, Vec<Vec<u8>>) {
    let mut patterns = Vec::new();
    let mut inexpressible = Vec::new();
    for target in targets {
        match escape::gitignore_literal(&target.path) {
            Some(literal) => {
                let slash = if target.dir { "/" } else { "" };
                patterns.push(format!("/{literal}{slash}"));
            }
            None => inexpressible.push(target.path.clone()),
        }
    }
    (patterns, inexpressible)
}

/// The shell commands, to run from the repository root, that fix `finding` by hand. They mean
/// the same bytes in every POSIX shell (`printf '%s\n'` where `echo` would read a backslash).
pub fn suggested_commands(finding: &Finding) -> Vec<String> {
    // An environment that HEAD no longer has needs a history rewrite, not a fix.
    if finding.history.as_ref().is_some_and(|h| !h.in_head) {
        return Vec::new();
    }
    let (patterns, _) = ignore_patterns(finding);
    let mut commands: Vec<String> = patterns
        .iter()
        .map(|p| append_line_command(p, ".gitignore"))
        .collect();
    if finding.status != Status::Unignored {
        let targets: Vec<String> = finding
            .env
            .owned_paths()
            .iter()
            .map(|t| escape::shell_word(&t.path))
            .collect();
        commands.push(format!(
            "git rm -r --cached --quiet -- {}",
            targets.join(" ")
        ));
    }
    commands
}

/// A command that appends `line` to `file`: `echo` for plain text, `printf '%s\n'` when the
/// line holds a backslash (dash's and zsh's `echo` interpret those).
pub fn append_line_command(line: &str, file: &str) -> String {
    let word = escape::shell_word(line.as_bytes());
    if line.contains('\\') {
        format!("printf '%s\\n' {word} >> {file}")
    } else {
        format!("echo {word} >> {file}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::{Entry, EnvRoot, Environment, Extent, Kind, Layout};
    use crate::scan::Severity;

    /// A finding at `root`; `entries` ending in `/` are folders. The root owns only its
    /// entries when it is the repository root.
    fn finding(root: &[u8], entries: &[&str], status: Status) -> Finding {
        Finding {
            env: Environment {
                root: root.to_vec(),
                env: EnvRoot {
                    kind: Kind::Venv,
                    implementation: None,
                    layout: Layout::Posix,
                    evidence: Vec::new(),
                    fixture: false,
                    extent: if root.is_empty() {
                        Extent::Entries { listed: vec![] }
                    } else {
                        Extent::Folder
                    },
                },
                files: 1,
                bytes: 0,
                bytes_known: true,
                entries: entries
                    .iter()
                    .map(|e| Entry {
                        name: e.trim_end_matches('/').as_bytes().to_vec(),
                        dir: e.ends_with('/'),
                    })
                    .collect(),
            },
            status,
            severity: Severity::Error,
            continued: false,
            history: None,
            secrets: Vec::new(),
            secret_commits: Vec::new(),
        }
    }

    #[test]
    fn appending_keeps_bytes_and_line_endings() {
        let lines = vec!["/venv/".to_owned()];
        assert_eq!(append_lines(None, &lines), b"/venv/\n");
        assert_eq!(append_lines(Some(b""), &lines), b"/venv/\n");
        assert_eq!(append_lines(Some(b"a\nb\n"), &lines), b"a\nb\n/venv/\n");
        assert_eq!(append_lines(Some(b"a\nb"), &lines), b"a\nb\n/venv/\n");
        assert_eq!(
            append_lines(Some(b"a\r\nb\r\n"), &lines),
            b"a\r\nb\r\n/venv/\r\n"
        );
        assert_eq!(
            append_lines(Some(b"a\r\nb"), &lines),
            b"a\r\nb\r\n/venv/\r\n"
        );
        assert_eq!(
            append_lines(Some(b"\xff\x00 binary"), &lines),
            b"\xff\x00 binary\n/venv/\n"
        );
    }

    #[test]
    fn a_folder_env_is_one_anchored_rule_and_one_rm() {
        let f = finding(b"services/api/.venv", &["bin/", "lib/"], Status::Staged);
        assert_eq!(
            suggested_commands(&f),
            [
                "echo /services/api/.venv/ >> .gitignore",
                "git rm -r --cached --quiet -- services/api/.venv"
            ]
        );
    }

    #[test]
    fn an_env_at_the_root_names_only_its_entries() {
        let f = finding(
            b"",
            &["bin/", "lib/", "lib64", "pyvenv.cfg"],
            Status::Tracked,
        );
        assert_eq!(
            suggested_commands(&f),
            [
                "echo /bin/ >> .gitignore",
                "echo /lib/ >> .gitignore",
                "echo /lib64 >> .gitignore",
                "echo /pyvenv.cfg >> .gitignore",
                "git rm -r --cached --quiet -- bin lib lib64 pyvenv.cfg"
            ]
        );
    }

    #[test]
    fn unignored_needs_no_rm_and_odd_names_are_quoted() {
        let f = finding(b"my env [1]", &[], Status::Unignored);
        assert_eq!(
            suggested_commands(&f),
            ["printf '%s\\n' '/my env \\[1]/' >> .gitignore"]
        );
        let f = finding(b"a\nb", &[], Status::Staged);
        assert_eq!(ignore_patterns(&f).1, [b"a\nb".to_vec()]);
        assert_eq!(
            suggested_commands(&f),
            [r#"git rm -r --cached --quiet -- "$(printf 'a\012b')""#]
        );
    }
}
