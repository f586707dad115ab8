//! Names that detection recognises: the components environments own, interpreter and
//! activate-script names, Python version folders, test-data folders. These run for many
//! components of many paths and allocate nothing.

use super::Meta;
use super::Mode;

/// Whether `name` is a top-level entry that environments own rather than a project, compared
/// case-insensitively (an environment at the repository root claims only these): `bin`,
/// `Scripts`, `lib`, `lib64`, `include`, `share`, `etc`, `man`, `pyvenv.cfg`,
/// `pip-selfcheck.json`, `.Python`, `conda-meta`, `CACHEDIR.TAG`, `Library`, `DLLs`, `libs`,
/// `tcl`, `ssl`, `compiler_compat`, `python.exe`, `pythonw.exe`, `.tox-info.json`,
/// `.tox-config1`.
pub(super) fn is_env_owned(name: &[u8]) -> bool {
    // Called for many components of many paths: most are rejected by their length and first
    // letter alone; the rest are lower-cased into a stack buffer, and the compiler dispatches
    // on length and bytes.
    let plausible = matches!(
        (name.len(), name.first().map(u8::to_ascii_lowercase)),
        (3, Some(b'b' | b'l' | b'e' | b'm' | b's' | b't'))
            | (4, Some(b'l' | b'd'))
            | (5, Some(b'l' | b's'))
            | (7, Some(b's' | b'i' | b'l' | b'.'))
            | (10, Some(b'p' | b'c'))
            | (11, Some(b'p'))
            | (12, Some(b'c' | b'.'))
            | (14, Some(b'.'))
            | (15, Some(b'c'))
            | (18, Some(b'p'))
    );
    if !plausible {
        return false;
    }
    let mut buf = [0; NAME_BUF];
    let Some(lower) = lowered(name, &mut buf) else {
        return false;
    };
    matches!(
        lower,
        b"bin"
            | b"scripts"
            | b"lib"
            | b"lib64"
            | b"include"
            | b"share"
            | b"etc"
            | b"man"
            | b"pyvenv.cfg"
            | b"pip-selfcheck.json"
            | b".python"
            | b"conda-meta"
            | b"cachedir.tag"
            | b"library"
            | b"dlls"
            | b"libs"
            | b"tcl"
            | b"ssl"
            | b"compiler_compat"
            | b"python.exe"
            | b"pythonw.exe"
            | b".tox-info.json"
            | b".tox-config1"
    )
}

/// Path components under which environment look-alikes are usually test data (compared
/// case-insensitively).
pub(super) const TEST_DIRS: &[&str] = &[
    "test",
    "tests",
    "testing",
    "fixture",
    "fixtures",
    "__fixtures__",
    "testdata",
    "test_data",
    "test-data",
    "envlayouts",
];

/// Longer than every name the checks below compare with.
pub(super) const NAME_BUF: usize = 32;

/// `name` in lower case, in `buf` (these checks run for many components of many paths and
/// allocate nothing); `None` for a name too long to be any they look for.
pub(super) fn lowered<'b>(name: &[u8], buf: &'b mut [u8; NAME_BUF]) -> Option<&'b [u8]> {
    let lower = buf.get_mut(..name.len())?;
    for (dst, src) in lower.iter_mut().zip(name) {
        *dst = src.to_ascii_lowercase();
    }
    Some(lower)
}

/// `name` is an environment-owned component; does the rest of the path make it an
/// environment's file rather than, say, a project's `src/lib/`?
pub(super) fn looks_like_env_file(
    name: &[u8],
    next: Option<&[u8]>,
    last: bool,
    meta: Option<Meta>,
) -> bool {
    let mut buf = [0; NAME_BUF];
    let Some(lower) = lowered(name, &mut buf) else {
        return false;
    };
    match (lower, next) {
        (b"pyvenv.cfg" | b"pip-selfcheck.json" | b".python", None) => true,
        (b"conda-meta", Some(_)) => true,
        (b"lib64", None) => last && meta.is_some_and(|m| m.mode == Mode::Symlink),
        (b"bin" | b"scripts", Some(n)) => is_interpreter_name(n) || is_activate_name(n),
        (b"lib", Some(n)) => is_versioned_python_dir(n) || n.eq_ignore_ascii_case(b"site-packages"),
        (b"include", Some(n)) => is_versioned_python_dir(n) || n == b"site",
        _ => false,
    }
}

pub(super) fn is_python_version(name: &[u8]) -> bool {
    let mut parts = name.split(|&b| b == b'.');
    let major = parts.next().unwrap_or_default();
    let minor = parts.next().unwrap_or_default();
    parts.next().is_none()
        && !major.is_empty()
        && !minor.is_empty()
        && major.iter().chain(minor).all(u8::is_ascii_digit)
}

/// `python3.11`, `python2.7`, `pypy3.9`, `python3.13t`.
pub(super) fn is_versioned_python_dir(name: &[u8]) -> bool {
    let rest = name
        .strip_prefix(b"python")
        .or_else(|| name.strip_prefix(b"pypy"));
    let Some(rest) = rest else { return false };
    let rest = rest.strip_suffix(b"t").unwrap_or(rest);
    is_python_version(rest)
}

/// Interpreter names in `bin/` or `Scripts/`: `python`, `python3`, `python3.11`, `pypy3`,
/// `graalpy`, `python.exe`, `pythonw.exe`.
pub(super) fn is_interpreter_name(name: &[u8]) -> bool {
    let mut buf = [0; NAME_BUF];
    let Some(lower) = lowered(name, &mut buf) else {
        return false;
    };
    let stem = lower.strip_suffix(b".exe").unwrap_or(lower);
    let Some(rest) = stem
        .strip_prefix(b"python")
        .or_else(|| stem.strip_prefix(b"pypy"))
        .or_else(|| stem.strip_prefix(b"graalpy"))
    else {
        return false;
    };
    let rest = rest.strip_prefix(b"w").unwrap_or(rest);
    let rest = rest.strip_suffix(b"t").unwrap_or(rest);
    rest.iter().all(|&b| b.is_ascii_digit() || b == b'.')
}

/// The activate scripts venv, virtualenv and uv write; `activate-hermit` and the like are not.
pub(super) fn is_activate_name(name: &[u8]) -> bool {
    let mut buf = [0; NAME_BUF];
    let Some(lower) = lowered(name, &mut buf) else {
        return false;
    };
    matches!(
        lower,
        b"activate"
            | b"activate.bat"
            | b"activate.csh"
            | b"activate.fish"
            | b"activate.ps1"
            | b"activate.nu"
            | b"activate.xsh"
            | b"activate_this.py"
    )
}

pub(super) fn is_under_test_dir(root: &[u8]) -> bool {
    root.split(|&b| b == b'/').any(|c| {
        TEST_DIRS
            .iter()
            .any(|t| c.eq_ignore_ascii_case(t.as_bytes()))
    })
}

pub(super) fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

pub(super) fn contains_subpath(path: &[u8], needle: &[u8]) -> bool {
    let mut p = path.to_vec();
    p.push(b'/');
    contains(&p, needle)
}

/// `__pypackages__/3.11`.
pub(super) fn is_pdm_root(root: &[u8]) -> bool {
    let mut it = root.rsplit(|&b| b == b'/');
    let version = it.next().unwrap_or_default();
    it.next() == Some(&b"__pypackages__"[..]) && is_python_version(version)
}

/// poetry names its environments `<project>-py<X.Y>`.
pub(super) fn is_poetry_prompt(prompt: &str) -> bool {
    prompt
        .rsplit_once("-py")
        .is_some_and(|(name, v)| !name.is_empty() && is_python_version(v.as_bytes()))
}
