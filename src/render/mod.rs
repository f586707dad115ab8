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

/// Writes `value` as pretty-printed JSON and a newline, with every character [`escape`] deems
/// unsafe for a terminal spelled `\uXXXX`: a raw path may hold bidi controls or DEL, which JSON
/// would otherwise leave as they are, and a document printed to a terminal must not act on it.
/// Parsers read the same strings either way.
///
/// [`escape`]: crate::support::escape
pub(crate) fn write_json<T: serde::Serialize>(value: &T, out: &mut dyn Write) -> io::Result<()> {
    let mut serializer = serde_json::Serializer::with_formatter(
        &mut *out,
        SafeFormatter(serde_json::ser::PrettyFormatter::new()),
    );
    // An I/O error keeps its kind: a closed pipe (`| head`) is no failure of the report.
    value
        .serialize(&mut serializer)
        .map_err(|e| match e.io_error_kind() {
            Some(kind) => io::Error::new(kind, e),
            None => io::Error::other(e),
        })?;
    writeln!(out)
}

/// serde_json's pretty layout; string fragments with unsafe characters escaped (serde_json
/// itself escapes only `"`, `\` and C0 controls).
struct SafeFormatter(serde_json::ser::PrettyFormatter<'static>);

impl serde_json::ser::Formatter for SafeFormatter {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if crate::support::escape::is_unsafe(c) {
                writer.write_all(&fragment.as_bytes()[start..i])?;
                for unit in c.encode_utf16(&mut [0; 2]) {
                    write!(writer, "\\u{unit:04x}")?;
                }
                start = i + c.len_utf8();
            }
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }

    fn begin_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_array(writer)
    }

    fn end_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_array(writer)
    }

    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_array_value(writer, first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_array_value(writer)
    }

    fn begin_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_object(writer)
    }

    fn end_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_object(writer)
    }

    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_object_key(writer, first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_object_value(writer)
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_object_value(writer)
    }
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
    fn json_spells_unsafe_characters_as_escapes_and_keeps_the_strings() {
        let value =
            serde_json::json!({"a": ["evil\u{202e}vne", "bell\u{7}\u{7f}\u{85}", "caf\u{e9}"]});
        let mut out = Vec::new();
        write_json(&value, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains(r"evil\u202evne"), "{text}");
        assert!(text.contains(r"bell\u0007\u007f\u0085"), "{text}");
        assert!(text.contains("caf\u{e9}"), "{text}");
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&text).unwrap(),
            value
        );
        assert_eq!(
            text,
            format!(
                "{}\n",
                serde_json::to_string_pretty(&value)
                    .unwrap()
                    .replace("\u{202e}", r"\u202e")
                    .replace("\u{7f}", r"\u007f")
                    .replace("\u{85}", r"\u0085")
            )
        );
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
