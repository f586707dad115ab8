//! Baselines: the environments a legacy repository already tracks, recorded in a reviewable
//! JSON file so that CI blocks only new ones (as gitleaks baselines work).
//!
//! ```json
//! {
//!   "schema": 1,
//!   "environments": [
//!     { "root": "legacy/venv", "kind": "venv", "files": 1478 },
//!     { "root": "old/env", "kind": "venv", "files": 2210, "history": true }
//!   ]
//! }
//! ```

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::report::{Report, Status};
use crate::support::escape;

/// The baseline file's format version.
pub const SCHEMA: u32 = 1;

/// A recorded set of accepted environments.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    /// Always [`SCHEMA`].
    pub schema: u32,
    /// The accepted environments, sorted by root.
    pub environments: Vec<Entry>,
}

/// One accepted environment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// Its root, repository-relative, escaped as in every report (`""` for the repository root).
    pub root: String,
    /// Its kind when recorded (informational).
    pub kind: String,
    /// How many files it had when recorded (informational).
    pub files: u64,
    /// Recorded by `baseline --history`: accepted as a finding of `scan --history` only, so an
    /// environment a team has decided to leave in old commits stops failing that step, while
    /// `scan --tracked` and the hook still report it if it comes back.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub history: bool,
}

/// Why a baseline could not be read.
#[derive(Debug)]
pub enum Error {
    /// The file could not be read.
    Read(PathBuf, std::io::Error),
    /// It is not a baseline.
    Parse(PathBuf, String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Read(p, e) => write!(f, "cannot read the baseline {}: {e}", p.display()),
            Error::Parse(p, e) => write!(f, "{} is not a venv-guard baseline: {e}", p.display()),
        }
    }
}

impl std::error::Error for Error {}

impl Baseline {
    /// Reads a baseline file.
    pub fn load(path: &Path) -> Result<Baseline, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::Read(path.to_path_buf(), e))?;
        let baseline: Baseline = serde_json::from_str(&text)
            .map_err(|e| Error::Parse(path.to_path_buf(), e.to_string()))?;
        if baseline.schema != SCHEMA {
            return Err(Error::Parse(
                path.to_path_buf(),
                format!("schema {} is not {SCHEMA}", baseline.schema),
            ));
        }
        Ok(baseline)
    }

    /// Records every environment of `report` that fails; those of a history scan as
    /// accepted in the history only.
    pub fn from_report(report: &Report) -> Baseline {
        let mut environments: Vec<Entry> = report
            .findings
            .iter()
            .map(|f| Entry {
                root: escape::display(&f.env.root),
                kind: f.env.recognised.kind.id().to_owned(),
                files: f.env.files,
                history: f.status == Status::History,
            })
            .collect();
        environments.sort_by(|a, b| a.root.cmp(&b.root));
        environments.dedup_by(|a, b| a.root == b.root);
        Baseline {
            schema: SCHEMA,
            environments,
        }
    }

    /// Whether the environment at `root`, found as `status`, is accepted.
    pub fn contains(&self, root: &[u8], status: Status) -> bool {
        let key = escape::display(root);
        self.environments
            .iter()
            .any(|e| e.root == key && (!e.history || status == Status::History))
    }

    /// The file's text: pretty JSON with a final newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }
}
