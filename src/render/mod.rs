//! Rendering a run: one interface, [`Render`], that every format implements (human, JSON,
//! SARIF, GitHub annotations), each writing to any [`Write`]: to a terminal, a file, or a
//! buffer in a test. Nothing here reads a repository; every byte from one is escaped.

use std::io::{self, Write};

pub mod github;
pub mod human;
pub mod json;
pub mod sarif;
mod text;
pub mod wrap;

pub(crate) use text::{iso8601, marker_path};

use crate::report::Report;

/// One repository's outcome, as the renderers take it.
pub struct Checked<'a> {
    /// The path given on the command line.
    pub path: String,
    /// The report, or why there is none.
    pub outcome: Result<&'a Report, String>,
}

/// How the human format words a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// `venv-guard scan`.
    Scan,
    /// `venv-guard hook`: silent when clean. `commit`: run by `git commit` (which names the
    /// index in `GIT_INDEX_FILE` for its hooks), so a finding blocks a commit; otherwise
    /// (`pre-commit run --all-files`, a CI step) nothing is being committed.
    Hook {
        /// Inside `git commit`.
        commit: bool,
    },
    /// `venv-guard hook --fix`: the fix follows, so no commands are listed.
    HookFix {
        /// Inside `git commit`.
        commit: bool,
    },
}

/// A run, as every format renders it.
pub struct Run<'a> {
    /// What was checked: `scan`, `tracked`, `range`, `history`, `hook`.
    pub name: &'a str,
    /// How the human format words it.
    pub mode: Mode,
    /// One entry per repository (or directory) checked.
    pub checked: &'a [Checked<'a>],
}

/// A report format.
pub trait Render {
    /// Writes `run` to `out`.
    fn render(&self, run: &Run<'_>, out: &mut dyn Write) -> io::Result<()>;
}

/// The formats, by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// For people (the default).
    Human,
    /// [`json::Document`], schema 1.
    Json,
    /// SARIF 2.1.0 for code scanning.
    Sarif,
    /// GitHub Actions workflow commands (`::error file=...`).
    Github,
}

impl Format {
    /// The renderer of this format.
    pub fn renderer(self) -> &'static dyn Render {
        match self {
            Format::Human => &human::Human,
            Format::Json => &json::Json,
            Format::Sarif => &sarif::Sarif,
            Format::Github => &github::Github,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::{Entry, EnvRoot, Environment, Evidence, Extent, Kind, Layout};
    use crate::report::{Finding, Report, Severity, Status};

    /// A report made in memory: no repository is needed to render one.
    fn report() -> Report {
        let env = Environment {
            root: b"services/api/.venv".to_vec(),
            recognised: EnvRoot {
                kind: Kind::Venv,
                implementation: None,
                layout: Layout::Posix,
                evidence: vec![Evidence::PyvenvCfg {
                    home: "/usr/bin".to_owned(),
                    creator: None,
                }],
                fixture: false,
                extent: Extent::Folder,
            },
            files: 1478,
            bytes: 22_353_037,
            bytes_known: true,
            entries: vec![Entry {
                name: b"bin".to_vec(),
                dir: true,
            }],
        };
        Report {
            findings: vec![Finding {
                env,
                status: Status::Staged,
                severity: Severity::Error,
                continued: false,
                history: None,
                secrets: Vec::new(),
                secret_commits: Vec::new(),
            }],
            paths: 1480,
            ..Report::default()
        }
    }

    fn rendered(format: Format) -> String {
        let report = report();
        let checked = [Checked {
            path: ".".to_owned(),
            outcome: Ok(&report),
        }];
        let run = Run {
            name: "hook",
            mode: Mode::Hook { commit: true },
            checked: &checked,
        };
        let mut out = Vec::new();
        format.renderer().render(&run, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn every_format_renders_an_in_memory_report() {
        let human = rendered(Format::Human);
        assert!(
            human.contains("services/api/.venv/ is a Python environment"),
            "{human}"
        );
        assert!(
            human.contains("echo /services/api/.venv/ >> .gitignore"),
            "{human}"
        );
        let json: serde_json::Value = serde_json::from_str(&rendered(Format::Json)).unwrap();
        assert_eq!(json["mode"], "hook");
        assert_eq!(
            json["repositories"][0]["environments"][0]["root"],
            "services/api/.venv"
        );
        let sarif: serde_json::Value = serde_json::from_str(&rendered(Format::Sarif)).unwrap();
        assert_eq!(
            sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
                ["uri"],
            "services/api/.venv/pyvenv.cfg"
        );
        let github = rendered(Format::Github);
        assert!(
            github.starts_with("::error file=services/api/.venv/pyvenv.cfg,line=1,"),
            "{github}"
        );
    }
}
