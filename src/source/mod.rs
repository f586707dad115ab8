//! Where paths come from: the git repository (its index, the staged changes, `HEAD`, a range
//! of commits, the whole history, read with venv-guard's own index and object readers), the
//! working tree walked on disk, and probes that answer detection's sibling questions from
//! either.

pub(crate) mod disk;
pub mod git;
pub(crate) mod walk;
