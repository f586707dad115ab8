//! The machine-readable data model of a run (`--format json`, schema 1): what reports render,
//! built from [`Report`](crate::report::Report)s. Every path is escaped as in the human report (control characters,
//! invalid UTF-8 and bidi controls as `\n`, `\xNN`, `\u{202e}`; a backslash as `\\`), and
//! given again beside it as a [`RawPath`], its exact bytes, for consumers that open the file.
//!
//! Schema 1, stable: keys are only ever added. Environments are sorted by root, then status.
//! `schema/report.schema.json` in the repository describes it (a test validates documents of
//! every mode against it).

use std::io::{self, Write};

use serde::Serialize;

use super::text::{iso8601, marker_path};
use super::{Checked, Render, Run};
use crate::remedy as fix;
use crate::report::{CommitInfo, Finding, Severity};
use crate::support::escape;

/// The JSON format: a [`Document`], pretty-printed.
pub struct Json;

impl Render for Json {
    fn render(&self, run: &Run<'_>, out: &mut dyn Write) -> io::Result<()> {
        let doc = Document::new(run.name, run.checked);
        super::write_json(&doc, out)
    }
}

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
    /// Repository-relative root, escaped; `""` for the repository root.
    pub root: String,
    /// The same root, exactly.
    pub root_raw: RawPath,
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
    /// The repository-relative path of the strongest marker file, escaped.
    pub marker: String,
    /// The same path, exactly.
    pub marker_raw: RawPath,
    /// What was seen, strongest first.
    pub evidence: Vec<String>,
    /// How many of its files are involved (0 when the walk did not enter it).
    pub files: u64,
    /// Their total size in bytes, when known.
    pub bytes: Option<u64>,
    /// Its top-level entries that are involved (names in the root), escaped.
    pub entries: Vec<String>,
    /// The same names, exactly, in the same order.
    pub entries_raw: Vec<RawPath>,
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
    /// The script, repository-relative, escaped.
    pub file: String,
    /// The same path, exactly.
    pub file_raw: RawPath,
    /// The first line that assigns it.
    pub line: usize,
    /// The variable's name.
    pub name: String,
}

/// A path exactly as git stores it: `{"text": ...}` when its bytes are UTF-8, else `{"bytes":
/// ...}` with the bytes in base64 (standard alphabet, padded), the form ripgrep's JSON uses.
/// Escaped strings are for showing; these are for opening the file, so nothing in them is
/// escaped: a text path may hold control and bidi characters, as JSON strings can.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RawPath {
    /// A path that is valid UTF-8, as it is.
    Text(String),
    /// Any other path: its bytes in base64.
    Bytes(String),
}

impl RawPath {
    /// The raw form of `path`.
    pub fn new(path: &[u8]) -> RawPath {
        match std::str::from_utf8(path) {
            Ok(text) => RawPath::Text(text.to_owned()),
            Err(_) => RawPath::Bytes(base64(path)),
        }
    }
}

/// Base64 with the standard alphabet and padding (RFC 4648, section 4).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
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

fn env_doc(f: &Finding) -> EnvDoc {
    let env = &f.env;
    EnvDoc {
        root: escape::display(&env.root),
        root_raw: RawPath::new(&env.root),
        kind: env.recognised.kind.id(),
        description: env.recognised.describe(),
        layout: match env.recognised.layout {
            crate::detect::Layout::Posix => "posix",
            crate::detect::Layout::Windows => "windows",
        },
        status: f.status.id(),
        severity: match f.severity {
            Severity::Error => "error",
            Severity::Note => "note",
        },
        marker: escape::display(&marker_path(f)),
        marker_raw: RawPath::new(&marker_path(f)),
        evidence: env
            .recognised
            .evidence
            .iter()
            .map(|e| e.to_string())
            .collect(),
        files: env.files,
        bytes: env.bytes_known.then_some(env.bytes),
        entries: env
            .entries
            .iter()
            .map(|e| escape::display(&e.name))
            .collect(),
        entries_raw: env.entries.iter().map(|e| RawPath::new(&e.name)).collect(),
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
                file_raw: RawPath::new(&x.file),
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

fn commit_doc(c: &CommitInfo) -> CommitDoc {
    CommitDoc {
        id: c.id.clone(),
        date: iso8601(c.time, c.offset_minutes),
        author: c.author.clone(),
        subject: c.subject.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::{base64, RawPath};

    #[test]
    fn base64_is_rfc_4648() {
        // The test vectors of RFC 4648, section 10.
        for (plain, coded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), coded);
        }
        assert_eq!(base64(&[0xff, 0xfe, 0x00]), "//4A");
    }

    #[test]
    fn raw_paths_are_text_when_utf8_and_bytes_otherwise() {
        assert_eq!(
            RawPath::new("caf\u{e9}\n\u{202e}".as_bytes()),
            RawPath::Text("caf\u{e9}\n\u{202e}".to_owned())
        );
        assert_eq!(
            RawPath::new(b"caf\xe9"),
            RawPath::Bytes("Y2Fm6Q==".to_owned())
        );
        assert_eq!(
            serde_json::to_string(&RawPath::new(b"a\\b")).unwrap(),
            r#"{"text":"a\\b"}"#
        );
    }
}
