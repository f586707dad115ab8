//! Integration tests: the `venv-guard` binary on real git repositories with real environments.

mod agree;
mod bounded;
mod ci;
mod cli;
mod clients;
mod common;
mod dist;
mod fix;
mod formats;
mod fuzz;
mod hook;
mod hostile;
mod index;
mod install;
mod layouts;
mod odb;
mod owned;
mod pack_bytes;
mod repo_formats;
mod scan;
mod structure;
