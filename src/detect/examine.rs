//! Examining one directory: is it an environment's root, of which kind, with which evidence,
//! and how much of its folder does it own?

use std::collections::HashMap;

use super::extent::{creator_child, Extent};
use super::names::{
    contains, contains_subpath, is_activate_name, is_interpreter_name, is_pdm_root,
    is_poetry_prompt, is_under_test_dir, is_versioned_python_dir,
};
use super::pyvenv::{self, PyvenvCfg};
use super::{EnvRoot, Evidence, Kind, Layout, Meta, Mode, Probe};
use crate::support::paths::join;

/// Examines one directory with the probe alone: is it an environment root?
///
/// Used by the working-tree walk, which meets directories before their files.
pub fn examine_dir(dir: &[u8], probe: &dyn Probe) -> Option<EnvRoot> {
    examine(dir, true, probe)
}

/// Child names of `dir` keyed by their lower-case form.
pub(super) fn child_map(probe: &dyn Probe, dir: &[u8]) -> HashMap<Vec<u8>, Vec<u8>> {
    probe
        .children(dir)
        .into_iter()
        .map(|n| (n.to_ascii_lowercase(), n))
        .collect()
}

/// Magic numbers of executables: ELF, PE, Mach-O (both byte orders, fat).
pub(super) fn is_binary_executable(head: &[u8]) -> bool {
    head.starts_with(b"\x7fELF")
        || head.starts_with(b"MZ")
        || head.starts_with(&[0xcf, 0xfa, 0xed, 0xfe])
        || head.starts_with(&[0xce, 0xfa, 0xed, 0xfe])
        || head.starts_with(&[0xca, 0xfe, 0xba, 0xbe])
}

/// Below this size a text file named `python` is a stand-in, not an interpreter.
pub(super) const TINY_TEXT: u64 = 1024;

pub(super) fn interpreter(probe: &dyn Probe, root: &[u8], rel: Vec<u8>) -> Option<Evidence> {
    let path = join(root, &rel);
    let meta = probe.meta(&path)?;
    match meta.mode {
        Mode::Symlink => {
            let target = probe.read_head(&path, 4096).unwrap_or_default();
            let real = links_to_interpreter(probe, root, &path, &target);
            Some(Evidence::Interpreter {
                path: rel,
                target: Some(target),
                real,
            })
        }
        Mode::File | Mode::Executable => Some(Evidence::Interpreter {
            real: is_real_binary(probe, &path, meta),
            path: rel,
            target: None,
        }),
        _ => None,
    }
}

/// A binary, or a file too large to be a text stand-in.
pub(super) fn is_real_binary(probe: &dyn Probe, path: &[u8], meta: Meta) -> bool {
    let head = probe.read_head(path, 64).unwrap_or_default();
    is_binary_executable(&head) || meta.size.is_some_and(|s| s >= TINY_TEXT)
}

/// How many links a relative interpreter link is followed through.
pub(super) const MAX_LINKS: usize = 8;

/// Whether the interpreter link at `path` (below `root`) with `target` leads to a real
/// interpreter: an absolute target or one outside the environment is its base interpreter
/// (`bin/python3 -> /usr/bin/python3`); a relative one inside is followed (`python ->
/// python3`) and must end at a binary. Fixtures that imitate an environment link only to
/// each other or to text files.
pub(super) fn links_to_interpreter(
    probe: &dyn Probe,
    root: &[u8],
    path: &[u8],
    target: &[u8],
) -> bool {
    let (mut path, mut target) = (path.to_vec(), target.to_vec());
    for _ in 0..MAX_LINKS {
        if target.is_empty() {
            return false;
        }
        if target.starts_with(b"/") || target.get(1) == Some(&b':') || target.starts_with(b"\\") {
            return true;
        }
        let dir = match path.iter().rposition(|&b| b == b'/') {
            Some(i) => &path[..i],
            None => &path[..0],
        };
        let Some(next) = resolve(dir, &target) else {
            return true;
        };
        if !next.starts_with(root) || (!root.is_empty() && next.get(root.len()) != Some(&b'/')) {
            return true;
        }
        let Some(meta) = probe.meta(&next) else {
            return false;
        };
        match meta.mode {
            Mode::Symlink => {
                target = probe.read_head(&next, 4096).unwrap_or_default();
                path = next;
            }
            Mode::File | Mode::Executable => return is_real_binary(probe, &next, meta),
            _ => return false,
        }
    }
    false
}

/// `dir/target` with `.` and `..` components resolved; `None` when it climbs above the
/// repository root.
pub(super) fn resolve(dir: &[u8], target: &[u8]) -> Option<Vec<u8>> {
    let mut parts: Vec<&[u8]> = dir
        .split(|&b| b == b'/')
        .filter(|c| !c.is_empty())
        .collect();
    for c in target.split(|&b| b == b'/' || b == b'\\') {
        match c {
            b"" | b"." => {}
            b".." => {
                parts.pop()?;
            }
            c => parts.push(c),
        }
    }
    Some(parts.join(&b'/'))
}

/// Orders interpreters by how much they say: a link to an absolute path (`/usr/bin/python3`,
/// `C:\\...`), a real binary, the shortest name.
pub(super) fn interpreter_rank(e: &Evidence) -> (bool, bool, usize, Vec<u8>) {
    match e {
        Evidence::Interpreter { path, target, real } => (
            !target
                .as_ref()
                .is_some_and(|t| t.starts_with(b"/") || t.get(1) == Some(&b':')),
            !real,
            path.len(),
            path.clone(),
        ),
        _ => (true, true, usize::MAX, Vec::new()),
    }
}

/// Decides whether `root` is an environment root. Without `thorough`, only the root markers
/// (`pyvenv.cfg`, `conda-meta`) are looked for; with it, the combinations of secondary
/// markers as well.
pub(super) fn examine(root: &[u8], thorough: bool, probe: &dyn Probe) -> Option<EnvRoot> {
    let top = child_map(probe, root);
    let has = |name: &[u8]| top.get(name);
    if !thorough && has(b"pyvenv.cfg").is_none() && has(b"conda-meta").is_none() {
        return None;
    }
    let mut evidence = Vec::new();
    let mut cfg: Option<PyvenvCfg> = None;
    let mut lfs_cfg = false;

    if let Some(name) = has(b"pyvenv.cfg") {
        let path = join(root, name);
        match probe.meta(&path) {
            Some(m) if m.is_blob() && m.mode != Mode::Symlink => {
                match probe.read_head(&path, pyvenv::READ_LIMIT + 1) {
                    None => evidence.push(Evidence::WeakPyvenvCfg("unreadable or too large")),
                    Some(bytes) if is_lfs_pointer(&bytes) => {
                        lfs_cfg = true;
                        evidence.push(Evidence::LfsPyvenvCfg);
                    }
                    Some(bytes) => match PyvenvCfg::parse(&bytes) {
                        Ok(c) if c.is_definitive() => {
                            let creator = c.uv.as_ref().map(|v| format!("uv {v}")).or_else(|| {
                                c.virtualenv.as_ref().map(|v| format!("virtualenv {v}"))
                            });
                            evidence.push(Evidence::PyvenvCfg {
                                home: c.home.clone().unwrap_or_default(),
                                creator,
                            });
                            cfg = Some(c);
                        }
                        Ok(_) => evidence.push(Evidence::WeakPyvenvCfg("no home key")),
                        Err(pyvenv::NotACfg::Binary) => {
                            evidence.push(Evidence::WeakPyvenvCfg("binary content"))
                        }
                        Err(pyvenv::NotACfg::NoKeys) => {
                            evidence.push(Evidence::WeakPyvenvCfg("no key = value lines"))
                        }
                    },
                }
            }
            _ => {}
        }
    }

    let mut conda = false;
    if let Some(name) = has(b"conda-meta") {
        let dir = join(root, name);
        if probe.meta(&join(&dir, b"history")).is_some() {
            conda = true;
            evidence.push(Evidence::CondaMeta(join(name, b"history")));
        } else if let Some(json) = probe
            .children(&dir)
            .into_iter()
            .find(|n| n.ends_with(b".json"))
        {
            conda = true;
            evidence.push(Evidence::CondaMeta(join(name, &json)));
        }
    }
    let definitive_root = cfg.is_some() || conda;
    if !thorough && !definitive_root {
        return None;
    }

    // The scripts directory and the interpreter.
    let mut layout = Layout::Posix;
    let mut activate = false;
    let mut interpreters = Vec::new();
    for dir_key in [&b"bin"[..], b"scripts"] {
        let Some(dir_name) = has(dir_key) else {
            continue;
        };
        if dir_key == b"scripts" && has(b"bin").is_none() {
            layout = Layout::Windows;
        }
        let dir = join(root, dir_name);
        let mut names = probe.children(&dir);
        names.sort();
        for n in &names {
            if is_activate_name(n) && !activate {
                let lower = n.to_ascii_lowercase();
                if matches!(&lower[..], b"activate" | b"activate.bat") {
                    activate = true;
                    evidence.push(Evidence::Activate(join(dir_name, n)));
                }
            }
        }
        // Report the most telling interpreter: a link to an absolute base interpreter, then a
        // binary, then the plainest name.
        let best = names
            .iter()
            .filter(|n| is_interpreter_name(n))
            .filter_map(|n| interpreter(probe, root, join(dir_name, n)))
            .min_by_key(interpreter_rank);
        interpreters.extend(best);
    }
    // conda on Windows keeps python.exe at the root.
    if let Some(name) = has(b"python.exe") {
        if let Some(e) = interpreter(probe, root, name.clone()) {
            interpreters.push(e);
        }
    }
    let real_interpreter = interpreters
        .iter()
        .any(|e| matches!(e, Evidence::Interpreter { real: true, .. }));

    // lib/pythonX.Y/{site-packages,orig-prefix.txt}, Lib/site-packages.
    let mut site_packages = None;
    let mut orig_prefix = None;
    let mut virtualenv_pth = None;
    if let Some(lib_name) = has(b"lib") {
        let lib = join(root, lib_name);
        let mut dirs: Vec<Vec<u8>> = Vec::new();
        if lib_name == b"Lib" || (lib_name != b"lib" && layout == Layout::Windows) {
            dirs.push(lib_name.clone());
            layout = Layout::Windows;
        }
        let mut versions: Vec<Vec<u8>> = probe
            .children(&lib)
            .into_iter()
            .filter(|n| is_versioned_python_dir(n))
            .collect();
        versions.sort();
        dirs.extend(versions.iter().map(|v| join(lib_name, v)));
        if root.ends_with(b"__pypackages__") || is_pdm_root(root) {
            dirs.push(lib_name.clone());
        }
        for d in dirs {
            let sp = join(&d, b"site-packages");
            let sp_full = join(root, &sp);
            if site_packages.is_none() && probe.meta(&sp_full).is_some() {
                if probe.meta(&join(&sp_full, b"_virtualenv.pth")).is_some() {
                    virtualenv_pth = Some(join(&sp, b"_virtualenv.pth"));
                }
                site_packages = Some(sp);
            }
            let op = join(&d, b"orig-prefix.txt");
            if orig_prefix.is_none() && probe.meta(&join(root, &op)).is_some() {
                orig_prefix = Some(op);
            }
        }
    }
    if let Some(op) = orig_prefix {
        evidence.push(Evidence::OrigPrefix(op));
    }
    let pip_installed = site_packages
        .as_ref()
        .is_some_and(|sp| probe.meta(&join(root, &join(sp, b"pip"))).is_some());

    let pdm = is_pdm_root(root) && has(b"lib").is_some();
    if pdm {
        evidence.push(Evidence::PdmPackages);
    }
    let pip_selfcheck = has(b"pip-selfcheck.json").is_some();
    if pip_selfcheck {
        evidence.push(Evidence::PipSelfcheck);
    }
    let dot_python = has(b".python").is_some_and(|n| n == b".Python");
    if dot_python {
        evidence.push(Evidence::DotPython);
    }
    if let Some(p) = virtualenv_pth.clone() {
        evidence.push(Evidence::VirtualenvPth(p));
    }
    let tox = [&b".tox-info.json"[..], b".tox-config1"]
        .into_iter()
        .find_map(|n| has(n).cloned());
    if let Some(t) = tox.clone() {
        evidence.push(Evidence::ToxInfo(t));
    }
    evidence.extend(interpreters.iter().cloned());
    if let Some(sp) = site_packages.clone() {
        evidence.push(Evidence::SitePackages(sp));
    }
    if let Some(name) = has(b"lib64") {
        if probe
            .meta(&join(root, name))
            .is_some_and(|m| m.mode == Mode::Symlink)
        {
            evidence.push(Evidence::Lib64Link);
        }
    }

    let scripts_dir = has(b"bin").is_some() || has(b"scripts").is_some();
    let legacy = evidence
        .iter()
        .any(|e| matches!(e, Evidence::OrigPrefix(_)));
    let is_env = definitive_root
        || legacy
        || pdm
        || (activate && !interpreters.is_empty())
        || (site_packages.is_some() && (activate || !interpreters.is_empty()))
        || ((pip_selfcheck || dot_python) && (scripts_dir || site_packages.is_some()))
        || (virtualenv_pth.is_some() && scripts_dir)
        || (tox.is_some() && (cfg.is_some() || scripts_dir))
        || (lfs_cfg && (scripts_dir || site_packages.is_some()));
    if !is_env {
        return None;
    }
    // An embeddable CPython bundle (`python311._pth`) is shipped on purpose.
    if !definitive_root
        && top
            .keys()
            .any(|n| n.starts_with(b"python") && n.ends_with(b"._pth"))
    {
        return None;
    }
    evidence.sort_by_key(|e| std::cmp::Reverse(e.strength()));

    let parent = root.rsplit(|&b| b == b'/').nth(1).unwrap_or_default();
    let kind = if conda {
        if contains_subpath(root, b".pixi/envs/") {
            Kind::Pixi
        } else {
            Kind::Conda
        }
    } else if pdm {
        Kind::Pdm
    } else if parent == b".tox" || tox.is_some() {
        Kind::Tox
    } else if parent == b".nox" {
        Kind::Nox
    } else if let Some(c) = &cfg {
        if c.uv.is_some() {
            Kind::Uv
        } else if c.virtualenv.is_some() {
            if has(b".project").is_some() {
                Kind::Pipenv
            } else if c.prompt.as_deref().is_some_and(is_poetry_prompt) {
                Kind::Poetry
            } else if made_by_hatch(probe, root) {
                Kind::Hatch
            } else {
                Kind::Virtualenv
            }
        } else {
            Kind::Venv
        }
    } else if lfs_cfg {
        // The content is not in the repository: what else virtualenv writes tells it apart.
        if virtualenv_pth.is_some() {
            Kind::Virtualenv
        } else {
            Kind::Venv
        }
    } else if legacy || pip_selfcheck || dot_python {
        Kind::LegacyVirtualenv
    } else {
        Kind::Partial
    };

    let implementation = cfg
        .as_ref()
        .and_then(|c| c.implementation.clone())
        .or_else(|| {
            interpreters.iter().find_map(|e| {
                let p = e.path().to_ascii_lowercase();
                let name = p.rsplit(|&b| b == b'/').next().unwrap_or_default().to_vec();
                if name.starts_with(b"pypy") {
                    Some("PyPy".to_owned())
                } else if name.starts_with(b"graalpy") {
                    Some("GraalPy".to_owned())
                } else {
                    None
                }
            })
        });

    let fixture = is_under_test_dir(root) && !real_interpreter && !pip_installed;
    let children: Vec<&[u8]> = top.values().map(Vec::as_slice).collect();
    let extent = Extent::decide(
        root,
        &children,
        layout,
        kind,
        || super::conda::installed_top_names(root, probe),
        |name| shared_names(probe, root, name),
    );
    Some(EnvRoot {
        kind,
        implementation,
        layout,
        evidence,
        fixture,
        extent,
    })
}

/// The names in the folder `name` of a root shared with the project that the environment's
/// creator wrote, when some are not; `None` when all are.
fn shared_names(probe: &dyn Probe, root: &[u8], name: &[u8]) -> Option<Vec<Vec<u8>>> {
    let dir = join(root, name);
    let mut owned = Vec::new();
    let mut foreign = false;
    for child in probe.children(&dir) {
        let path = join(&dir, &child);
        if creator_child(name, &child, || probe.read_head(&path, 512)) {
            owned.push(child);
        } else {
            foreign = true;
        }
    }
    foreign.then_some(owned)
}

/// The first line of every Git LFS pointer file.
pub(super) fn is_lfs_pointer(bytes: &[u8]) -> bool {
    bytes.starts_with(b"version https://git-lfs.github.com/spec/")
}

/// hatch writes `# This file was automatically created by Hatch` into the storage
/// directory's `.gitignore`: the environment's own or its parent's.
pub(super) fn made_by_hatch(probe: &dyn Probe, root: &[u8]) -> bool {
    let parent = match root.iter().rposition(|&b| b == b'/') {
        Some(i) => &root[..i],
        None => &root[..0],
    };
    [root, parent].into_iter().any(|dir| {
        probe
            .read_head(&join(dir, b".gitignore"), 256)
            .is_some_and(|head| contains(&head, b"automatically created by Hatch"))
    })
}
