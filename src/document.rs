//! The machine-readable data model of a run (`--format json`, schema 1): what reports render,
//! built from [`Report`]s. Every path is escaped as in the human report (control characters,
//! invalid UTF-8 and bidi controls as `\n`, `\xNN`, `\u{202e}`; a backslash as `\\`).
//!
//! Schema 1, stable: keys are only ever added. Environments are sorted by root, then status.

use serde::Serialize;

use crate::escape;
use crate::fix;
use crate::git::CommitInfo;
use crate::scan::{Finding, Report, Severity};

/// The schema version of [`Document`].
pub const SCHEMA: u32 = 1;

/// One run over one or more repositories.
#[derive(Clone, Debug, Serialize)]
pub struct Document {
    /// Always [`SCHEMA`].
    pub schema: u32,
    /// This tool.
    pub tool: Tool,
    /// What was checked: `scan`, `tracked`, `range`, `history`, `hook`.
    pub mode: String,
    /// One entry per repository (or directory) checked.
    pub repositories: Vec<RepositoryDoc>,
    /// Totals.
    pub summary: Summary,
}

/// The tool's name and version.
#[derive(Clone, Debug, Serialize)]
pub struct Tool {
    /// `venv-guard`.
    pub name: &'static str,
    /// The version.
    pub version: &'static str,
}

/// What one repository holds.
#[derive(Clone, Debug, Serialize)]
pub struct RepositoryDoc {
    /// The path given on the command line.
    pub path: String,
    /// Why it could not be checked (`null` when it was).
    pub error: Option<String>,
    /// One entry per environment.
    pub environments: Vec<EnvDoc>,
    /// Problems that did not stop the run.
    pub warnings: Vec<String>,
    /// Environments not reported: allowed by the configuration or in the baseline.
    pub suppressed: u64,
    /// How many paths were looked at.
    pub paths_checked: u64,
    /// The history is incomplete (a shallow clone).
    pub incomplete_history: bool,
}

/// One environment.
#[derive(Clone, Debug, Serialize)]
pub struct EnvDoc {
    /// Repository-relative root; `""` for the repository root.
    pub root: String,
    /// `venv`, `virtualenv`, `uv`, `conda`, ... (see [`crate::detect::Kind::id`]).
    pub kind: &'static str,
    /// Kind, implementation and layout in words.
    pub description: String,
    /// `posix` or `windows`.
    pub layout: &'static str,
    /// `staged`, `tracked`, `unignored`, `checked`, `added`, `history`.
    pub status: &'static str,
    /// `error` (fails the run) or `note`.
    pub severity: &'static str,
    /// The repository-relative path of the strongest marker file.
    pub marker: String,
    /// What was seen, strongest first.
    pub evidence: Vec<String>,
    /// How many of its files are involved (0 when the walk did not enter it).
    pub files: u64,
    /// Their total size in bytes, when known.
    pub bytes: Option<u64>,
    /// Its top-level entries that are involved.
    pub entries: Vec<String>,
    /// Shell commands that fix it by hand, from the repository root.
    pub fix: Vec<String>,
    /// Reported in full by another invocation of the same pre-commit run.
    pub continued: bool,
    /// For history mode.
    pub history: Option<HistoryDoc>,
    /// Variables its activate scripts export beyond the stock ones (values never shown).
    pub secrets: Vec<SecretDoc>,
    /// The commits that already hold such exports, oldest first: those credentials are
    /// published and must be rotated (empty when none is committed yet).
    pub secret_commits: Vec<SecretCommitDoc>,
}

/// A variable an activate script exports that its creator did not write.
#[derive(Clone, Debug, Serialize)]
pub struct SecretDoc {
    /// The script, repository-relative.
    pub file: String,
    /// The first line that assigns it.
    pub line: usize,
    /// The variable's name.
    pub name: String,
}

/// When an environment entered the history and what it costs.
#[derive(Clone, Debug, Serialize)]
pub struct HistoryDoc {
    /// The first commit that added one of its files.
    pub first_commit: CommitDoc,
    /// How many commits added or changed its files.
    pub commits: u64,
    /// Whether `HEAD` still has it.
    pub in_head: bool,
    /// Distinct blobs it put into the repository.
    pub blobs: u64,
    /// Their total size in bytes.
    pub bytes: u64,
    /// The command that removes it from every commit (never run by venv-guard).
    pub remove_command: String,
    /// Commits whose activate scripts exported variables of their own, with their names.
    pub secret_commits: Vec<SecretCommitDoc>,
}

/// A commit that put credentials into the history.
#[derive(Clone, Debug, Serialize)]
pub struct SecretCommitDoc {
    /// The commit.
    pub commit: CommitDoc,
    /// The exported variables (values never shown).
    pub names: Vec<String>,
}

/// A commit.
#[derive(Clone, Debug, Serialize)]
pub struct CommitDoc {
    /// Full hash.
    pub id: String,
    /// Author date, ISO 8601 with the author's offset.
    pub date: String,
    /// `Name <email>`.
    pub author: String,
    /// First line of the message.
    pub subject: String,
}

/// Totals over all repositories.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    /// Repositories checked.
    pub repositories: u64,
    /// Environments reported.
    pub environments: u64,
    /// Of which fail the run.
    pub errors: u64,
    /// Of which are notes.
    pub notes: u64,
    /// Repositories that could not be checked.
    pub failed_repositories: u64,
}

/// One repository's outcome, as handed to [`Document::new`].
pub struct Checked<'a> {
    /// The path given on the command line.
    pub path: String,
    /// The report, or why there is none.
    pub outcome: Result<&'a Report, String>,
}

impl Document {
    /// Builds the document of a run.
    pub fn new(mode: &str, checked: &[Checked<'_>]) -> Document {
        let mut summary = Summary::default();
        let repositories = checked
            .iter()
            .map(|c| {
                summary.repositories += 1;
                match &c.outcome {
                    Ok(report) => {
                        for f in &report.findings {
                            summary.environments += 1;
                            match f.severity {
                                Severity::Error => summary.errors += 1,
                                Severity::Note => summary.notes += 1,
                            }
                        }
                        RepositoryDoc {
                            path: c.path.clone(),
                            error: None,
                            environments: report.findings.iter().map(env_doc).collect(),
                            warnings: report.warnings.clone(),
                            suppressed: report.suppressed,
                            paths_checked: report.paths,
                            incomplete_history: report.incomplete_history,
                        }
                    }
                    Err(e) => {
                        summary.failed_repositories += 1;
                        RepositoryDoc {
                            path: c.path.clone(),
                            error: Some(e.clone()),
                            environments: Vec::new(),
                            warnings: Vec::new(),
                            suppressed: 0,
                            paths_checked: 0,
                            incomplete_history: false,
                        }
                    }
                }
            })
            .collect();
        Document {
            schema: SCHEMA,
            tool: Tool {
                name: "venv-guard",
                version: env!("CARGO_PKG_VERSION"),
            },
            mode: mode.to_owned(),
            repositories,
            summary,
        }
    }
}

/// How reports name an environment's root: `venv/`, or "the repository root".
pub fn place(root: &[u8]) -> String {
    if root.is_empty() {
        "the repository root".to_owned()
    } else {
        format!("{}/", escape::display(root))
    }
}

/// A finding in one sentence, for annotations and SARIF results.
pub fn message(f: &Finding) -> String {
    let root = place(&f.env.root);
    if f.severity == Severity::Note {
        return format!(
            "{root} imitates a Python environment: a test fixture with no real interpreter and no \
             pip (not blocking; --strict blocks it)"
        );
    }
    let mut text = format!(
        "{root} is a Python environment ({}), {}",
        f.env.env.describe(),
        f.status
    );
    if f.env.files > 0 {
        text.push_str(&format!(": {} files", f.env.files));
    }
    if let Some(h) = &f.history {
        text.push_str(&format!(
            ". First added in commit {} ({}); remove it from the history with: {}",
            &h.first_commit.id[..h.first_commit.id.len().min(12)],
            escape::display(h.first_commit.subject.as_bytes()),
            h.remove_command
        ));
    }
    text
}

/// The repository-relative path of a finding's marker file.
pub fn marker_path(f: &Finding) -> Vec<u8> {
    let mut path = f.env.root.clone();
    let marker = f.env.env.marker();
    if !path.is_empty() && !marker.is_empty() {
        path.push(b'/');
    }
    path.extend_from_slice(&marker);
    path
}

fn env_doc(f: &Finding) -> EnvDoc {
    let env = &f.env;
    EnvDoc {
        root: escape::display(&env.root),
        kind: env.env.kind.id(),
        description: env.env.describe(),
        layout: match env.env.layout {
            crate::detect::Layout::Posix => "posix",
            crate::detect::Layout::Windows => "windows",
        },
        status: f.status.id(),
        severity: match f.severity {
            Severity::Error => "error",
            Severity::Note => "note",
        },
        marker: escape::display(&marker_path(f)),
        evidence: env.env.evidence.iter().map(|e| e.to_string()).collect(),
        files: env.files,
        bytes: env.bytes_known.then_some(env.bytes),
        entries: env
            .entries
            .iter()
            .map(|e| escape::display(&e.name))
            .collect(),
        fix: fix::suggested_commands(f),
        continued: f.continued,
        history: f.history.as_ref().map(|h| HistoryDoc {
            first_commit: commit_doc(&h.first_commit),
            commits: h.commits,
            in_head: h.in_head,
            blobs: h.blobs,
            bytes: h.bytes,
            remove_command: h.remove_command.clone(),
            secret_commits: secret_commit_docs(f),
        }),
        secret_commits: secret_commit_docs(f),
        secrets: f
            .secrets
            .iter()
            .map(|x| SecretDoc {
                file: escape::display(&x.file),
                line: x.line,
                name: escape::display(x.name.as_bytes()),
            })
            .collect(),
    }
}

fn secret_commit_docs(f: &Finding) -> Vec<SecretCommitDoc> {
    f.secret_commits
        .iter()
        .map(|(c, names)| SecretCommitDoc {
            commit: commit_doc(c),
            names: names
                .iter()
                .map(|n| escape::display(n.as_bytes()))
                .collect(),
        })
        .collect()
}

/// The secrets of a finding grouped by script: `(file, first line, names)`.
pub fn secrets_by_file(f: &Finding) -> Vec<(Vec<u8>, usize, Vec<String>)> {
    let mut out: Vec<(Vec<u8>, usize, Vec<String>)> = Vec::new();
    for s in &f.secrets {
        match out.iter_mut().find(|(file, _, _)| *file == s.file) {
            Some((_, line, names)) => {
                *line = (*line).min(s.line);
                names.push(s.name.clone());
            }
            None => out.push((s.file.clone(), s.line, vec![s.name.clone()])),
        }
    }
    out
}

/// The credentials warning for one script of `f`, in one sentence (values are never shown):
/// about to be published, or already published by the commits that hold it.
pub fn secrets_message(f: &Finding, file: &[u8], names: &[String]) -> String {
    let head = format!(
        "{} exports {} (values not shown)",
        escape::display(file),
        names.join(", ")
    );
    if f.secrets.iter().filter(|s| s.file == file).all(|s| !s.real) {
        return format!("{head}: placeholder values, not credentials");
    }
    if !f.published() {
        return format!("{head}: committing this environment would publish credentials");
    }
    let shown: Vec<String> = f
        .secret_commits
        .iter()
        .take(COMMITS_NAMED)
        .map(|(c, _)| short_id(&c.id).to_owned())
        .collect();
    let more = f.secret_commits.len().saturating_sub(COMMITS_NAMED);
    let more = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    format!(
        "{head}: already published by commit{} {}{more}. Rotate these credentials: untracking \
         the environment or rewriting the history does not unpublish them",
        if f.secret_commits.len() == 1 { "" } else { "s" },
        shown.join(", ")
    )
}

/// How many commits a one-line message names.
const COMMITS_NAMED: usize = 5;

/// The first 12 digits of a commit id.
pub fn short_id(id: &str) -> &str {
    &id[..id.len().min(12)]
}

fn commit_doc(c: &CommitInfo) -> CommitDoc {
    CommitDoc {
        id: c.id.clone(),
        date: iso8601(c.time, c.offset_minutes),
        author: c.author.clone(),
        subject: c.subject.clone(),
    }
}

/// `2024-03-01T10:00:00+01:00` for a Unix time and an offset in minutes.
pub fn iso8601(time: i64, offset_minutes: i32) -> String {
    let local = time + i64::from(offset_minutes) * 60;
    let days = local.div_euclid(86_400);
    let secs = local.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let sign = if offset_minutes < 0 { '-' } else { '+' };
    let off = offset_minutes.unsigned_abs();
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}{sign}{:02}:{:02}",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60,
        off / 60,
        off % 60
    )
}

#[cfg(test)]
mod tests {
    use super::iso8601;

    #[test]
    fn dates_are_iso_8601_with_the_authors_offset() {
        assert_eq!(iso8601(0, 0), "1970-01-01T00:00:00+00:00");
        assert_eq!(iso8601(1_709_287_200, 60), "2024-03-01T11:00:00+01:00");
        assert_eq!(iso8601(951_782_400, -300), "2000-02-28T19:00:00-05:00");
        assert_eq!(iso8601(1_709_164_800, 0), "2024-02-29T00:00:00+00:00");
    }
}
