//! SARIF 2.1.0, as GitHub code scanning accepts it: one rule per kind of finding, one result per
//! environment located on its marker file.

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
    help: Text,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct RuleProperties {
    tags: Vec<&'static str>,
    precision: &'static str,
    #[serde(rename = "security-severity")]
    security_severity: &'static str,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct Text {
    text: String,
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

/// The rules, one per kind of finding: `(id, name, description, level)`.
const RULES: [(&str, &str, &str, &str); 7] = [
    (
        "VG001",
        "StagedEnvironment",
        "A Python environment is staged for commit",
        "error",
    ),
    (
        "VG002",
        "TrackedEnvironment",
        "A Python environment is tracked by git",
        "error",
    ),
    (
        "VG003",
        "UnignoredEnvironment",
        "A Python environment is not ignored by git",
        "error",
    ),
    (
        "VG004",
        "EnvironmentAddedInRange",
        "Commits in the range add a Python environment",
        "error",
    ),
    (
        "VG005",
        "EnvironmentInHistory",
        "A Python environment was committed in the history",
        "error",
    ),
    (
        "VG006",
        "EnvironmentLikeFixture",
        "A test fixture imitates a Python environment",
        "note",
    ),
    (
        "VG007",
        "CredentialsInActivateScript",
        "An environment's activate script exports variables of its own, such as credentials",
        "error",
    ),
];

const HELP: &str = "Virtual environments are machine-specific, large and rebuildable from a \
requirements file, and their activate scripts may hold secrets: they must not be committed. \
Run `venv-guard fix` (or add the root to .gitignore and `git rm -r --cached` it); \
`venv-guard fix --freeze requirements.txt` records what it had installed.";

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
        for f in &report.findings {
            let index = rule_index(f);
            let mut path = marker_path(f);
            if prefix_paths {
                let mut prefixed = c.path.trim_end_matches('/').as_bytes().to_vec();
                prefixed.push(b'/');
                prefixed.extend_from_slice(&path);
                path = prefixed;
            }
            let text = document::message(f);
            results.push(SarifResult {
                rule_id: RULES[index].0,
                rule_index: index,
                level: RULES[index].3,
                message: Text { text },
                locations: vec![Location {
                    physical_location: PhysicalLocation {
                        artifact_location: ArtifactLocation {
                            uri: uri(&path),
                            uri_base_id: "%SRCROOT%",
                        },
                        region: Region { start_line: 1 },
                    },
                }],
                partial_fingerprints: Fingerprints {
                    root: escape::display(&f.env.root),
                },
            });
            for (script, line, names) in document::secrets_by_file(f) {
                let mut path = script.clone();
                if prefix_paths {
                    let mut prefixed = c.path.trim_end_matches('/').as_bytes().to_vec();
                    prefixed.push(b'/');
                    prefixed.extend_from_slice(&path);
                    path = prefixed;
                }
                results.push(SarifResult {
                    rule_id: RULES[6].0,
                    rule_index: 6,
                    // A fixture's placeholder exports are as harmless as the fixture.
                    level: if f.severity == Severity::Note {
                        RULES[rule_index(f)].3
                    } else {
                        RULES[6].3
                    },
                    message: Text {
                        text: document::secrets_message(f, &script, &names),
                    },
                    locations: vec![Location {
                        physical_location: PhysicalLocation {
                            artifact_location: ArtifactLocation {
                                uri: uri(&path),
                                uri_base_id: "%SRCROOT%",
                            },
                            region: Region {
                                start_line: u32::try_from(line).unwrap_or(u32::MAX),
                            },
                        },
                    }],
                    partial_fingerprints: Fingerprints {
                        root: escape::display(&script),
                    },
                });
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
                    rules: RULES
                        .iter()
                        .map(|&(id, name, description, level)| Rule {
                            id,
                            name,
                            short_description: Text {
                                text: description.to_owned(),
                            },
                            full_description: Text {
                                text: format!("{description}: venv-guard found its markers (pyvenv.cfg, conda-meta, activate scripts next to an interpreter...)."),
                            },
                            help: Text {
                                text: HELP.to_owned(),
                            },
                            default_configuration: Configuration { level },
                            properties: RuleProperties {
                                tags: vec!["python", "virtualenv", "repository-hygiene"],
                                precision: "very-high",
                                security_severity: if level == "error" { "5.0" } else { "0.0" },
                            },
                        })
                        .collect(),
                },
            },
            results,
            invocations: vec![Invocation {
                execution_successful: checked.iter().all(|c| c.outcome.is_ok()),
                tool_execution_notifications: notifications,
            }],
        }],
    };
    serde_json::to_writer_pretty(&mut *out, &log).map_err(io::Error::other)?;
    writeln!(out)
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
    use super::uri;

    #[test]
    fn uris_percent_encode_every_other_byte() {
        assert_eq!(
            uri(b"services/api/.venv/pyvenv.cfg"),
            "services/api/.venv/pyvenv.cfg"
        );
        assert_eq!(uri(b"my env/caf\xc3\xa9/\xff"), "my%20env/caf%C3%A9/%FF");
        assert_eq!(uri(b"a%b\nc"), "a%25b%0Ac");
    }
}
