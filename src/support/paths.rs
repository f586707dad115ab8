//! Repository paths as git keeps them: `/`-separated bytes, which may be any bytes but `/`
//! and NUL, converted to and from file-system paths only at the edges.

use std::path::{Path, PathBuf};

/// `dir/name`, or `name` in the root (repository paths are `/`-separated bytes).
pub fn join(dir: &[u8], name: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(dir.len() + 1 + name.len());
    out.extend_from_slice(dir);
    if !out.is_empty() {
        out.push(b'/');
    }
    out.extend_from_slice(name);
    out
}

/// `dir/`, or nothing for the root.
pub(crate) fn dir_prefix(dir: &[u8]) -> Vec<u8> {
    let mut prefix = dir.to_vec();
    if !prefix.is_empty() {
        prefix.push(b'/');
    }
    prefix
}

/// Whether `path` is `prefix` or lies below it (every path lies below the empty root).
pub fn at_or_below(path: &[u8], prefix: &[u8]) -> bool {
    prefix.is_empty()
        || path == prefix
        || (path.starts_with(prefix) && path.get(prefix.len()) == Some(&b'/'))
}

/// Converts `/`-separated repository bytes to a relative file-system path.
pub fn bytes_to_path(path: &[u8]) -> PathBuf {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        PathBuf::from(std::ffi::OsStr::from_bytes(path))
    }
    #[cfg(not(unix))]
    {
        PathBuf::from(String::from_utf8_lossy(path).into_owned())
    }
}

/// Converts a relative file-system path to `/`-separated repository bytes.
pub fn path_to_bytes(path: &Path) -> Vec<u8> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        path.as_os_str().as_bytes().to_vec()
    }
    #[cfg(not(unix))]
    {
        path.to_string_lossy().replace('\\', "/").into_bytes()
    }
}

/// Whether `path` is a path git itself would accept in an index (its `verify_path`): relative,
/// no empty, `.` or `..` component, no `.git` component. Detection examines no directory
/// whose path fails this, so a crafted index with `../x` cannot make the tool read or write
/// outside the working tree; checking the few candidate roots costs nothing, checking every
/// entry of a large index cost a fifth of a tracked scan.
pub fn is_valid_path(path: &[u8]) -> bool {
    if path.is_empty() || path[path.len() - 1] == b'/' {
        return false;
    }
    // One tight pass: only a component starting with '/' (an empty one) or '.' needs a look.
    let mut at_start = true;
    for (i, &b) in path.iter().enumerate() {
        if at_start && (b == b'/' || (b == b'.' && !dot_component_ok(&path[i..]))) {
            return false;
        }
        at_start = b == b'/';
    }
    true
}

/// Whether a component starting with '.' (at the start of `rest`) is allowed.
fn dot_component_ok(rest: &[u8]) -> bool {
    let component = rest.split(|&b| b == b'/').next().unwrap_or(rest);
    !(component == b"." || component == b".." || component.eq_ignore_ascii_case(b".git"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_git_would_refuse_are_refused() {
        for good in [
            &b"a"[..],
            b"venv/bin/python",
            b".venv/pyvenv.cfg",
            b"a..b/c",
        ] {
            assert!(is_valid_path(good), "{good:?}");
        }
        for bad in [
            &b""[..],
            b"/etc/passwd",
            b"../x",
            b"a/../b",
            b"a//b",
            b"./a",
            b"a/.git/config",
            b".GIT/x",
            b"a/",
        ] {
            assert!(!is_valid_path(bad), "{bad:?}");
        }
    }
}
