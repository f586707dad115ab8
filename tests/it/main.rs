//! Integration tests: the `venv-guard` binary on real git repositories with real environments.

mod common;
mod hook;
mod layouts;
mod scan;
