//! Finds the files of Python environments among a git repository's paths, so that a hook can
//! block a commit that would add one, and repairs it.
//!
//! An environment is recognised by its markers (`pyvenv.cfg` with a `home` key, `conda-meta/`,
//! activate scripts next to an interpreter, `site-packages` next to `bin/`...), never by its
//! folder name.
//!
//! # The pipeline
//!
//! Data flows one way, and each stage has one module:
//!
//! | stage | module | what it owns |
//! |---|---|---|
//! | sources | [`source`] | the git repository (index, staged changes, `HEAD`, ranges, history, through its own index and object readers), the working-tree walk, the disk probe |
//! | detection | [`detect`] | pure logic: from paths and sibling answers to environments, their evidence and what each owns |
//! | report | [`report`] | the data contract: findings, statuses, history facts, credentials |
//! | remedy | [`remedy`] | the ignore rules and commands, from the one rule of what an environment owns |
//! | scan | [`scan`] | each mode (hook, files, tree, tracked, range, history) ties a source to detection and returns a report |
//! | fix | [`fix`] | a plan that changes nothing, then an atomic, verified apply |
//! | render | [`render`] | one [`render::Render`] interface for the human, JSON, SARIF and GitHub formats |
//!
//! Around them: [`config`] (the configuration file), [`baseline`] (accepted environments),
//! [`install`] (the native hook), and `support` (paths as bytes, escaping, atomic writes,
//! mapped files, threads). The library never prints; the binary does.
//!
//! # Example
//!
//! ```
//! use venv_guard::detect::{detect, Listed, Listing, Meta, Mode, PathEntry};
//!
//! let file = |path: &str, content: &str| Listed {
//!     path: path.as_bytes().to_vec(),
//!     meta: Meta { mode: Mode::File, size: Some(content.len() as u64) },
//!     data: content.as_bytes().to_vec(),
//! };
//! let tree = Listing::new(vec![
//!     file("myenv/pyvenv.cfg", "home = /usr/bin\nversion = 3.11.7\n"),
//!     file("myenv/bin/activate", "# This file must be used with \"source bin/activate\"\n"),
//!     file("src/app.py", "print('hello')\n"),
//! ]);
//! let staged: Vec<PathEntry> = tree
//!     .entries()
//!     .iter()
//!     .map(|e| PathEntry { path: e.path.clone(), meta: Some(e.meta) })
//!     .collect();
//! let envs = detect(&staged, &tree);
//! assert_eq!(envs.len(), 1);
//! assert_eq!(envs[0].root, b"myenv");
//! assert_eq!(envs[0].files, 2);
//! // The whole folder is the environment's: one rule and one `git rm` fix it.
//! assert_eq!(envs[0].owned_paths()[0].path, b"myenv");
//! ```
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod baseline;
pub mod config;
pub mod detect;
pub mod fix;
pub mod install;
pub mod remedy;
pub mod render;
pub mod report;
pub mod scan;
pub mod source;
mod support;

pub use source::git;
pub use support::{atomic, escape, paths};

/// The file formats venv-guard reads itself, public for their fuzz and agreement tests: git's
/// index, object store and objects, and `pyvenv.cfg`.
#[doc(hidden)]
pub mod formats {
    pub use crate::detect::pyvenv;
    pub use crate::source::git::index_file as index;
    pub use crate::source::git::odb;
    pub use crate::source::git::parsers as objects;
}
