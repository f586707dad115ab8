//! The working tree on disk as a source of sibling answers, and one source layered over
//! another.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::detect::{Meta, Mode, Probe};
use crate::support::paths::{bytes_to_path, path_to_bytes};

/// The working tree: answers from `lstat`, `readlink` and `read_dir`, never following a
/// symlink.
#[derive(Clone, Debug)]
pub(crate) struct DiskProbe {
    root: PathBuf,
}

impl DiskProbe {
    /// A probe for the tree at `root`.
    pub(crate) fn new(root: impl Into<PathBuf>) -> DiskProbe {
        DiskProbe { root: root.into() }
    }

    /// The file-system path of a repository path.
    pub(crate) fn full_path(&self, path: &[u8]) -> PathBuf {
        if path.is_empty() {
            return self.root.clone();
        }
        self.root.join(bytes_to_path(path))
    }
}

/// The [`Meta`] of a file-system entry, without following symlinks.
pub(crate) fn meta_of(md: &fs::Metadata) -> Meta {
    let ft = md.file_type();
    let mode = if ft.is_symlink() {
        Mode::Symlink
    } else if ft.is_dir() {
        Mode::Dir
    } else if is_executable(md) {
        Mode::Executable
    } else {
        Mode::File
    };
    Meta {
        mode,
        size: (mode != Mode::Dir).then_some(md.len()),
    }
}

#[cfg(unix)]
fn is_executable(md: &fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    md.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
fn is_executable(_: &fs::Metadata) -> bool {
    false
}

impl Probe for DiskProbe {
    fn meta(&self, path: &[u8]) -> Option<Meta> {
        let md = fs::symlink_metadata(self.full_path(path)).ok()?;
        // Sockets, FIFOs and devices are nothing git would store.
        let ft = md.file_type();
        (ft.is_file() || ft.is_dir() || ft.is_symlink()).then(|| meta_of(&md))
    }

    fn read_head(&self, path: &[u8], limit: usize) -> Option<Vec<u8>> {
        let full = self.full_path(path);
        let md = fs::symlink_metadata(&full).ok()?;
        if md.file_type().is_symlink() {
            let target = fs::read_link(&full).ok()?;
            let mut bytes = path_to_bytes(&target);
            bytes.truncate(limit);
            return Some(bytes);
        }
        if !md.file_type().is_file() {
            return None;
        }
        let mut buf = Vec::with_capacity(limit.min(md.len() as usize));
        fs::File::open(&full)
            .ok()?
            .take(limit as u64)
            .read_to_end(&mut buf)
            .ok()?;
        Some(buf)
    }

    fn children(&self, dir: &[u8]) -> Vec<Vec<u8>> {
        let Ok(rd) = fs::read_dir(self.full_path(dir)) else {
            return Vec::new();
        };
        rd.filter_map(Result::ok)
            .map(|e| path_to_bytes(Path::new(&e.file_name())))
            .filter(|n| n.as_slice() != b".git")
            .collect()
    }
}

/// Asks `first`, then `second` for what `first` does not have.
pub(crate) struct Layered<'a> {
    /// Asked first.
    pub first: &'a dyn Probe,
    /// Asked when `first` has no answer.
    pub second: &'a dyn Probe,
}

impl Probe for Layered<'_> {
    fn meta(&self, path: &[u8]) -> Option<Meta> {
        self.first.meta(path).or_else(|| self.second.meta(path))
    }

    fn read_head(&self, path: &[u8], limit: usize) -> Option<Vec<u8>> {
        if self.first.meta(path).is_some() {
            self.first.read_head(path, limit)
        } else {
            self.second.read_head(path, limit)
        }
    }

    fn children(&self, dir: &[u8]) -> Vec<Vec<u8>> {
        let mut names = self.first.children(dir);
        names.extend(self.second.children(dir));
        names.sort();
        names.dedup();
        names
    }
}
