//! Rendering a run: one interface, [`Render`], that every format implements (human, JSON,
//! SARIF, GitHub annotations), each writing to any [`Write`]: to a terminal, a file, or a
//! buffer in a test. Nothing here reads a repository; every byte from one is escaped.

use std::io::{self, Write};

pub mod github;
pub mod human;
pub mod json;
pub mod sarif;
mod text;

pub use text::{iso8601, marker_path, message, place, secrets_by_file, secrets_message, short_id};

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
    /// `venv-guard hook`: silent when clean.
    Hook,
    /// `venv-guard hook --fix`: the fix follows, so no commands are listed.
    HookFix,
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
