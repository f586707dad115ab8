//! What every stage leans on and none owns: repository paths as bytes, escaping for terminals,
//! shells and `.gitignore`, atomic file replacement, mapped files, a fast hash, two threads.

pub mod atomic;
pub mod escape;
pub(crate) mod fxhash;
pub(crate) mod generations;
pub(crate) mod mapped;
pub(crate) mod parallel;
pub mod paths;
#[cfg(test)]
pub(crate) mod test_git;
