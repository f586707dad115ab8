//! Finds the files of Python environments among a git repository's paths, so that a hook can
//! block a commit that would add one.
//!
//! An environment is recognised by its markers (`pyvenv.cfg` with a `home` key, `conda-meta/`,
//! activate scripts next to an interpreter, `site-packages` next to `bin/`...), never by its
//! folder name.
//!
//! ```
//! use venv_guard::detect::{detect, Meta, Mode, PathEntry};
//! use venv_guard::probe::{Listed, Listing};
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
//! ```
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod atomic;
pub mod baseline;
mod conda;
pub mod config;
pub mod detect;
pub mod document;
pub mod escape;
mod file;
pub mod fix;
pub mod freeze;
mod fxhash;
pub mod git;
pub mod index;
pub mod install;
pub mod odb;
mod parallel;
pub mod probe;
pub mod pyvenv;
pub mod scan;
pub mod secrets;
pub mod walk;
