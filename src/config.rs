//! Configuration: `.venv-guard.toml` at the repository root, else `[tool.venv-guard]` in
//! `pyproject.toml`. Unknown keys are errors that name the key and the file.
//!
//! ```toml
//! # .venv-guard.toml
//! allow = ["vendor/python-embed", "tests/data/**"]  # environments committed on purpose
//! strict = false                                     # fail on test fixtures too
//! [fix]
//! style = "root"                                     # or "inner"
//! ```

use std::fmt;
use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use serde::Deserialize;

use crate::fix::Style;

/// The file names looked for at the repository root, in order.
pub const FILE: &str = ".venv-guard.toml";
const PYPROJECT: &str = "pyproject.toml";

/// The settings, as written.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Globs (matched against an environment's root, `/`-separated, relative to the
    /// repository root) of environments committed on purpose.
    #[serde(default)]
    pub allow: Vec<String>,
    /// Fail on test fixtures that imitate environments.
    pub strict: Option<bool>,
    /// Settings of `venv-guard fix`.
    #[serde(default)]
    pub fix: FixConfig,
}

/// `[fix]`.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct FixConfig {
    /// `"root"` or `"inner"`.
    pub style: Option<StyleName>,
}

/// `fix.style`.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum StyleName {
    /// A rule in the root `.gitignore`.
    Root,
    /// A `.gitignore` holding `*` inside the environment.
    Inner,
}

impl From<StyleName> for Style {
    fn from(s: StyleName) -> Style {
        match s {
            StyleName::Root => Style::Root,
            StyleName::Inner => Style::Inner,
        }
    }
}

/// Only the part of `pyproject.toml` that is ours; everything else in it is someone else's.
#[derive(Deserialize)]
struct Pyproject {
    tool: Option<Tool>,
}

#[derive(Deserialize)]
struct Tool {
    #[serde(rename = "venv-guard")]
    venv_guard: Option<toml::Value>,
}

/// Why the configuration could not be used.
#[derive(Debug)]
pub enum Error {
    /// The file could not be read.
    Read(PathBuf, std::io::Error),
    /// The file is not valid TOML, or has an unknown key or a wrong type.
    Parse(PathBuf, String),
    /// An `allow` glob is invalid.
    Glob(PathBuf, String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Read(p, e) => write!(f, "cannot read {}: {e}", p.display()),
            Error::Parse(p, e) => write!(f, "{}: {e}", p.display()),
            Error::Glob(p, e) => write!(f, "{}: invalid allow glob: {e}", p.display()),
        }
    }
}

impl std::error::Error for Error {}

/// A configuration and where it came from.
#[derive(Clone, Debug, Default)]
pub struct Loaded {
    /// The settings.
    pub config: Config,
    /// The file they came from (`None`: defaults).
    pub source: Option<PathBuf>,
    /// `allow`, compiled.
    pub allow: Option<GlobSet>,
}

/// Loads `explicit` if given; else, unless `isolated`, `.venv-guard.toml` or
/// `pyproject.toml`'s `[tool.venv-guard]` in `top`; else the defaults.
pub fn load(top: Option<&Path>, explicit: Option<&Path>, isolated: bool) -> Result<Loaded, Error> {
    if let Some(path) = explicit {
        let text = read(path)?;
        return finish(parse_own(path, &text)?, path.to_path_buf());
    }
    let Some(top) = top.filter(|_| !isolated) else {
        return Ok(Loaded::default());
    };
    let own = top.join(FILE);
    // Whatever is there is read, or refused in one line: a FIFO or a link to a device is not
    // passed over as if there were no configuration.
    if own.symlink_metadata().is_ok() {
        let text = read(&own)?;
        return finish(parse_own(&own, &text)?, own);
    }
    let pyproject = top.join(PYPROJECT);
    if pyproject.symlink_metadata().is_ok() {
        let text = read(&pyproject)?;
        let parsed: Pyproject =
            toml::from_str(&text).map_err(|e| Error::Parse(pyproject.clone(), message(&e)))?;
        if let Some(value) = parsed.tool.and_then(|t| t.venv_guard) {
            let config = Config::deserialize(value).map_err(|e| {
                Error::Parse(
                    pyproject.clone(),
                    format!("[tool.venv-guard]: {}", message(&e)),
                )
            })?;
            return finish(config, pyproject);
        }
    }
    Ok(Loaded::default())
}

/// How large a configuration file (or `pyproject.toml`) is read.
const MAX_CONFIG: u64 = 4 << 20;

fn read(path: &Path) -> Result<String, Error> {
    // A configuration is a few hundred bytes; a FIFO or a 600 MB file is refused.
    let bytes = crate::support::mapped::read_regular(path, MAX_CONFIG)
        .map_err(|e| Error::Read(path.to_path_buf(), e))?;
    String::from_utf8(bytes)
        .map_err(|_| Error::Parse(path.to_path_buf(), "not valid UTF-8".to_owned()))
}

fn parse_own(path: &Path, text: &str) -> Result<Config, Error> {
    toml::from_str(text).map_err(|e| Error::Parse(path.to_path_buf(), message(&e)))
}

/// toml's message on one line: the key and position, without the source excerpt.
fn message(e: &toml::de::Error) -> String {
    let text = e.message().trim().to_owned();
    match e.span() {
        Some(span) => format!("{text} (at byte {})", span.start),
        None => text,
    }
}

fn finish(config: Config, source: PathBuf) -> Result<Loaded, Error> {
    let allow = if config.allow.is_empty() {
        None
    } else {
        let mut builder = GlobSetBuilder::new();
        for pattern in &config.allow {
            let glob = GlobBuilder::new(pattern.trim_end_matches('/'))
                .literal_separator(true)
                .build()
                .map_err(|e| Error::Glob(source.clone(), e.to_string()))?;
            builder.add(glob);
        }
        Some(
            builder
                .build()
                .map_err(|e| Error::Glob(source.clone(), e.to_string()))?,
        )
    };
    Ok(Loaded {
        config,
        source: Some(source),
        allow,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir_with(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, content) in files {
            std::fs::write(dir.path().join(name), content).unwrap();
        }
        dir
    }

    #[test]
    fn own_file_wins_over_pyproject() {
        let dir = dir_with(&[
            (
                FILE,
                "allow = [\"vendor/py\"]\nstrict = true\n[fix]\nstyle = \"inner\"\n",
            ),
            (PYPROJECT, "[tool.venv-guard]\nstrict = false\n"),
        ]);
        let loaded = load(Some(dir.path()), None, false).unwrap();
        assert_eq!(loaded.config.strict, Some(true));
        assert_eq!(loaded.config.fix.style, Some(StyleName::Inner));
        assert!(loaded.allow.unwrap().is_match("vendor/py"));
        assert_eq!(loaded.source.unwrap(), dir.path().join(FILE));
    }

    #[test]
    fn pyproject_section_and_its_absence() {
        let dir = dir_with(&[(
            PYPROJECT,
            "[project]\nname = \"x\"\n[tool.ruff]\nline-length = 100\n[tool.venv-guard]\nallow = [\"tests/**\"]\n",
        )]);
        let loaded = load(Some(dir.path()), None, false).unwrap();
        assert_eq!(loaded.config.allow, ["tests/**"]);
        let dir = dir_with(&[(PYPROJECT, "[project]\nname = \"x\"\n")]);
        assert!(load(Some(dir.path()), None, false)
            .unwrap()
            .source
            .is_none());
    }

    #[test]
    fn isolated_ignores_files_but_not_an_explicit_one() {
        let dir = dir_with(&[
            (FILE, "strict = true\n"),
            ("other.toml", "strict = false\n"),
        ]);
        assert!(load(Some(dir.path()), None, true).unwrap().source.is_none());
        let explicit = dir.path().join("other.toml");
        let loaded = load(Some(dir.path()), Some(&explicit), true).unwrap();
        assert_eq!(loaded.config.strict, Some(false));
    }

    #[test]
    fn unknown_keys_and_bad_globs_name_the_key_and_file() {
        let dir = dir_with(&[(FILE, "alow = [\"x\"]\n")]);
        let err = load(Some(dir.path()), None, false).unwrap_err().to_string();
        assert!(
            err.contains(".venv-guard.toml") && err.contains("alow"),
            "{err}"
        );
        let dir = dir_with(&[(FILE, "[fix]\nstyle = \"sideways\"\n")]);
        let err = load(Some(dir.path()), None, false).unwrap_err().to_string();
        assert!(err.contains("sideways"), "{err}");
        let dir = dir_with(&[(PYPROJECT, "[tool.venv-guard]\nstrictness = 1\n")]);
        let err = load(Some(dir.path()), None, false).unwrap_err().to_string();
        assert!(
            err.contains("pyproject.toml") && err.contains("strictness"),
            "{err}"
        );
        let dir = dir_with(&[(FILE, "allow = [\"a[b\"]\n")]);
        let err = load(Some(dir.path()), None, false).unwrap_err().to_string();
        assert!(
            err.contains("invalid allow glob") && err.contains("a[b"),
            "{err}"
        );
    }
}
