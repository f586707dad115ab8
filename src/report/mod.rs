//! The data contract of a run: one finding per environment, where its files are, whether it
//! fails the run, what the history says of it, and the credentials its scripts export. Plain
//! data: every renderer reads it, nothing in it reads a repository.

use std::fmt;

use crate::detect::Environment;

pub mod secrets;

use secrets::Secret;

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
            Status::Checked => "among the files given to the hook",
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
    pub secret_commits: Vec<(CommitInfo, Vec<String>)>,
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
    pub first_commit: CommitInfo,
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
    /// What a history or range scan read, for its closing line.
    pub covered: Option<Covered>,
}

/// What a scan of commits read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Covered {
    /// Commits read.
    pub commits: u64,
    /// Refs whose commits were read (`--history`).
    pub refs: Option<u64>,
    /// How long the scan took.
    pub elapsed: std::time::Duration,
}

impl Report {
    /// Whether any finding fails the run.
    pub fn fails(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Error)
    }
}

/// A commit, as a report names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommitInfo {
    /// The full hash.
    pub id: String,
    /// Author time, seconds since the epoch.
    pub time: i64,
    /// Author time zone offset, minutes east of UTC.
    pub offset_minutes: i32,
    /// `Name <email>`.
    pub author: String,
    /// The first line of the message.
    pub subject: String,
}
