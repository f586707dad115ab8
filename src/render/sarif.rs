//! SARIF 2.1.0, as GitHub code scanning accepts it: one rule per kind of finding, one result per
//! environment located on its marker file.
//!
//! Code scanning sorts rules in two kinds by their properties. A committed environment is a
//! quality problem: its rules carry no `security-severity`, so its alerts are errors, warnings
//! and notes. Credentials in an activate script are a security problem: that rule is tagged
//! `security` and has a `security-severity`, so its alerts are ranked High like a leaked key.

use std::io::{self, Write};

use serde::Serialize;

use super::text as document;
use super::{marker_path, Checked, Render};
use crate::report::{Finding, Severity, Status};
use crate::support::escape;

/// SARIF 2.1.0, for code-scanning services: one result per environment and per script that
/// exports credentials.
pub struct Sarif;

impl Render for Sarif {
    fn render(&self, run: &super::Run<'_>, out: &mut dyn Write) -> io::Result<()> {
        render(run.checked, out)
    }
}

#[derive(Serialize)]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    results: Vec<SarifResult>,
    invocations: Vec<Invocation>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: &'static str,
    name: &'static str,
    short_description: Text,
    full_description: Text,
    help: Help,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct RuleProperties {
    tags: &'static [&'static str],
    precision: &'static str,
    /// Only on security rules: code scanning treats a rule that has one as a security rule,
    /// whatever its tags, and ranks its alerts by it instead of by level.
    #[serde(rename = "security-severity", skip_serializing_if = "Option::is_none")]
    security_severity: Option<&'static str>,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

/// A rule's help: code scanning shows the markdown and falls back to the text.
#[derive(Serialize)]
struct Help {
    text: &'static str,
    markdown: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: Vec<Location>,
    partial_fingerprints: Fingerprints,
}

#[derive(Serialize)]
struct Fingerprints {
    /// Given rather than left to the uploader, which computes it from the file's line: a
    /// history result's file is often gone from the checkout, and a marker file's first line
    /// says nothing about which environment it is.
    #[serde(rename = "primaryLocationLineHash")]
    line_hash: String,
    /// The escaped path the result is about, as earlier versions gave it.
    #[serde(rename = "venvGuardRoot/v1")]
    root: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    uri_base_id: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: Text,
}

/// One rule, as the driver lists it.
struct RuleSpec {
    id: &'static str,
    name: &'static str,
    short: &'static str,
    /// `None`: the short description followed by what venv-guard looks for.
    full: Option<&'static str>,
    help: (&'static str, &'static str),
    level: &'static str,
    tags: &'static [&'static str],
    security_severity: Option<&'static str>,
}

/// Tags of the rules about committed environments: a quality problem (size, machine-specific
/// files), not a vulnerability.
const QUALITY: &[&str] = &[
    "python",
    "virtualenv",
    "repository-hygiene",
    "maintainability",
];

/// Tags of the credentials rule: `security` puts it among security alerts.
const SECURITY: &[&str] = &["security", "secrets", "python", "virtualenv"];

const HELP: &str = "Virtual environments are machine-specific, large and rebuildable from a \
requirements file, and their activate scripts may hold secrets: they must not be committed. \
Run `venv-guard fix` (or add the root to .gitignore and `git rm -r --cached` it); \
`venv-guard fix --freeze requirements.txt` records what it had installed.";

const HELP_MARKDOWN: &str = "Virtual environments are machine-specific, large and rebuildable \
from a requirements file, and their activate scripts may hold secrets: they must not be \
committed.\n\n\
Fix it from the repository root:\n\n\
- `venv-guard fix` adds the environment's root to `.gitignore` and untracks it \
(`git rm -r --cached`), keeping the files on disk;\n\
- `venv-guard fix --freeze requirements.txt` first records what it had installed.\n\n\
An environment already in the history stays in every clone: `venv-guard scan --history` prints \
the `git filter-repo` command that removes it.";

const CREDENTIALS_FULL: &str = "An activate script of an environment exports variables that \
venv, virtualenv, uv and conda do not write (such as `export API_KEY=...` added to \
bin/activate), with values that look like real credentials. Committing the environment \
publishes them to everyone who can read the repository; values are never read into the report.";

const CREDENTIALS_HELP: &str = "Treat the exported values as leaked. If a commit already holds \
the script, rotate the credentials: untracking the environment or rewriting the history does \
not unpublish what was pushed. Keep them out of the environment: an untracked .env file or a \
secrets manager. Then untrack the environment with `venv-guard fix`.";

const CREDENTIALS_HELP_MARKDOWN: &str = "Treat the exported values as leaked.\n\n\
1. If a commit already holds the script (the message names the commits), **rotate the \
credentials**: untracking the environment or rewriting the history does not unpublish what \
was pushed.\n\
2. Keep credentials out of the environment: an untracked `.env` file or a secrets manager.\n\
3. Untrack the environment with `venv-guard fix`.";

const SETTINGS_FULL: &str = "An activate script of an environment exports variables that venv, \
virtualenv, uv and conda do not write, with placeholder or plain setting values (`dummy`, \
`changeme`, a reference to another variable): not credentials, but a sign that the script was \
edited by hand, and a place where real ones tend to follow.";

const SETTINGS_HELP: &str = "Keep per-project settings out of the environment (an untracked \
.env file), so that the environment stays rebuildable and a later real value is never \
committed with it.";

/// The rules, one per kind of finding; results name them by index.
const RULES: [RuleSpec; 8] = [
    quality(
        "VG001",
        "StagedEnvironment",
        "A Python environment is staged for commit",
        "error",
    ),
    quality(
        "VG002",
        "TrackedEnvironment",
        "A Python environment is tracked by git",
        "error",
    ),
    quality(
        "VG003",
        "UnignoredEnvironment",
        "A Python environment is not ignored by git",
        "error",
    ),
    quality(
        "VG004",
        "EnvironmentAddedInRange",
        "Commits in the range add a Python environment",
        "error",
    ),
    quality(
        "VG005",
        "EnvironmentInHistory",
        "A Python environment was committed in the history",
        "error",
    ),
    quality(
        "VG006",
        "EnvironmentLikeFixture",
        "A test fixture imitates a Python environment",
        "note",
    ),
    RuleSpec {
        id: "VG007",
        name: "CredentialsInActivateScript",
        short: "An environment's activate script exports credentials",
        full: Some(CREDENTIALS_FULL),
        help: (CREDENTIALS_HELP, CREDENTIALS_HELP_MARKDOWN),
        level: "error",
        tags: SECURITY,
        // High: a leaked credential, as secret scanners rank one, but short of critical since
        // the value's scope is unknown.
        security_severity: Some("7.5"),
    },
    RuleSpec {
        id: "VG008",
        name: "SettingsInActivateScript",
        short: "An environment's activate script exports placeholder or plain settings",
        full: Some(SETTINGS_FULL),
        help: (SETTINGS_HELP, SETTINGS_HELP),
        level: "note",
        tags: QUALITY,
        security_severity: None,
    },
];

const CREDENTIALS: usize = 6;
const SETTINGS: usize = 7;

const fn quality(
    id: &'static str,
    name: &'static str,
    short: &'static str,
    level: &'static str,
) -> RuleSpec {
    RuleSpec {
        id,
        name,
        short,
        full: None,
        help: (HELP, HELP_MARKDOWN),
        level,
        tags: QUALITY,
        security_severity: None,
    }
}

fn rule_index(f: &Finding) -> usize {
    if f.severity == Severity::Note {
        return 5;
    }
    match f.status {
        Status::Staged | Status::Checked => 0,
        Status::Tracked => 1,
        Status::Unignored => 2,
        Status::Added => 3,
        Status::History => 4,
    }
}

/// A repository path as the run's results name it: prefixed by the repository's path when the
/// run checked several.
fn located(prefix: Option<&str>, path: &[u8]) -> Vec<u8> {
    match prefix {
        Some(prefix) => {
            let mut prefixed = prefix.trim_end_matches('/').as_bytes().to_vec();
            prefixed.push(b'/');
            prefixed.extend_from_slice(path);
            prefixed
        }
        None => path.to_vec(),
    }
}

fn result(
    index: usize,
    level: &'static str,
    text: String,
    path: &[u8],
    line: usize,
    fingerprint: Fingerprints,
) -> SarifResult {
    SarifResult {
        rule_id: RULES[index].id,
        rule_index: index,
        level,
        message: Text { text },
        locations: vec![Location {
            physical_location: PhysicalLocation {
                artifact_location: ArtifactLocation {
                    uri: uri(path),
                    uri_base_id: "%SRCROOT%",
                },
                region: Region {
                    start_line: u32::try_from(line).unwrap_or(u32::MAX),
                },
            },
        }],
        partial_fingerprints: fingerprint,
    }
}

fn render(checked: &[Checked<'_>], out: &mut dyn Write) -> io::Result<()> {
    let prefix_paths = checked.len() > 1;
    let mut results = Vec::new();
    let mut notifications = Vec::new();
    for c in checked {
        let report = match &c.outcome {
            Ok(report) => report,
            Err(e) => {
                notifications.push(Notification {
                    level: "error",
                    message: Text {
                        text: format!("{}: {e}", c.path),
                    },
                });
                continue;
            }
        };
        for warning in &report.warnings {
            notifications.push(Notification {
                level: "warning",
                message: Text {
                    text: warning.clone(),
                },
            });
        }
        let prefix = prefix_paths.then_some(c.path.as_str());
        for f in &report.findings {
            let index = rule_index(f);
            let root = located(prefix, &f.env.root);
            let marker = located(prefix, &marker_path(f));
            results.push(result(
                index,
                RULES[index].level,
                document::message(f),
                &marker,
                1,
                Fingerprints {
                    line_hash: line_hash(RULES[index].id, &root, &marker),
                    root: escape::display(&f.env.root),
                },
            ));
            for (script, line, names) in document::secrets_by_file(f) {
                // Real-looking values are credentials, a security result; a script that only
                // sets placeholders is reported as such, never ranked as a leaked key.
                let real = f.secrets.iter().any(|s| s.file == script && s.real);
                let (index, level) = if real {
                    (CREDENTIALS, RULES[CREDENTIALS].level)
                } else {
                    (SETTINGS, RULES[SETTINGS].level)
                };
                let path = located(prefix, &script);
                results.push(result(
                    index,
                    level,
                    document::secrets_message(f, &script, &names),
                    &path,
                    line,
                    Fingerprints {
                        line_hash: line_hash(RULES[index].id, &root, &path),
                        root: escape::display(&script),
                    },
                ));
            }
        }
    }
    let log = Log {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "venv-guard",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    rules: RULES.iter().map(rule).collect(),
                },
            },
            results,
            invocations: vec![Invocation {
                execution_successful: checked.iter().all(|c| c.outcome.is_ok()),
                tool_execution_notifications: notifications,
            }],
        }],
    };
    super::write_json(&log, out)
}

fn rule(spec: &RuleSpec) -> Rule {
    Rule {
        id: spec.id,
        name: spec.name,
        short_description: Text {
            text: spec.short.to_owned(),
        },
        full_description: Text {
            text: match spec.full {
                Some(full) => full.to_owned(),
                None => format!(
                    "{}: venv-guard found its markers (pyvenv.cfg, conda-meta, activate \
                     scripts next to an interpreter...).",
                    spec.short
                ),
            },
        },
        help: Help {
            text: spec.help.0,
            markdown: spec.help.1,
        },
        default_configuration: Configuration { level: spec.level },
        properties: RuleProperties {
            tags: spec.tags,
            precision: "very-high",
            security_severity: spec.security_severity,
        },
    }
}

/// The result's `primaryLocationLineHash`: 64-bit FNV-1a over the rule, the environment's root
/// and the located file, each ended by a NUL (no path holds one), as 16 hex digits and `:1`,
/// the shape code scanning's own hashes have. It depends on nothing but those bytes, so the
/// same environment keeps its alert across runs, machines and versions, and a change here would
/// reopen every alert once.
fn line_hash(rule: &str, root: &[u8], file: &[u8]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in [rule.as_bytes(), root, file] {
        for &b in part.iter().chain(&[0]) {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{hash:016x}:1")
}

/// A relative URI reference for a repository path: unreserved characters and `/` stay, every
/// other byte (spaces, non-ASCII, invalid UTF-8) is percent-encoded.
fn uri(path: &[u8]) -> String {
    let mut out = String::with_capacity(path.len());
    for &b in path {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{line_hash, uri, RULES};

    #[test]
    fn uris_percent_encode_every_other_byte() {
        assert_eq!(
            uri(b"services/api/.venv/pyvenv.cfg"),
            "services/api/.venv/pyvenv.cfg"
        );
        assert_eq!(uri(b"my env/caf\xc3\xa9/\xff"), "my%20env/caf%C3%A9/%FF");
        assert_eq!(uri(b"a%b\nc"), "a%25b%0Ac");
    }

    #[test]
    fn line_hashes_are_pinned_and_tell_parts_apart() {
        // Pinned: a changed value reopens every alert of every repository once.
        assert_eq!(
            line_hash("VG002", b"legacy/venv", b"legacy/venv/pyvenv.cfg"),
            "4062e402f02ade81:1"
        );
        let a = line_hash("VG002", b"ab", b"c");
        assert_ne!(a, line_hash("VG002", b"a", b"bc"));
        assert_ne!(a, line_hash("VG005", b"ab", b"c"));
        assert!(a.ends_with(":1") && a.len() == 18, "{a}");
    }

    #[test]
    fn only_the_credentials_rule_is_a_security_rule() {
        for rule in &RULES {
            let security = rule.tags.contains(&"security");
            assert_eq!(security, rule.security_severity.is_some(), "{}", rule.id);
            assert_eq!(security, rule.id == "VG007", "{}", rule.id);
        }
    }
}
