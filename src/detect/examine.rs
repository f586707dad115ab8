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

/// Child names keyed by their lower-case form.
type Children = HashMap<Vec<u8>, Vec<u8>>;

/// Child names of `dir` keyed by their lower-case form.
pub(super) fn child_map(probe: &dyn Probe, dir: &[u8]) -> Children {
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

/// What examining one directory saw.
struct Seen {
    evidence: Vec<Evidence>,
    /// A `pyvenv.cfg` CPython would accept.
    cfg: Option<PyvenvCfg>,
    /// A `pyvenv.cfg` stored in Git LFS.
    lfs_cfg: bool,
    /// `conda-meta/history` or a package record.
    conda: bool,
    layout: Layout,
    /// `activate` or `activate.bat` in the scripts folder.
    activate: bool,
    /// The most telling interpreter of each scripts folder (and a conda `python.exe`).
    interpreters: Vec<Evidence>,
    site_packages: Option<Vec<u8>>,
    virtualenv_pth: Option<Vec<u8>>,
    pip_installed: bool,
    legacy: bool,
    pdm: bool,
    pip_selfcheck: bool,
    dot_python: bool,
    tox: Option<Vec<u8>>,
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
    let mut seen = Seen {
        evidence: Vec::new(),
        cfg: None,
        lfs_cfg: false,
        conda: false,
        layout: Layout::Posix,
        activate: false,
        interpreters: Vec::new(),
        site_packages: None,
        virtualenv_pth: None,
        pip_installed: false,
        legacy: false,
        pdm: false,
        pip_selfcheck: false,
        dot_python: false,
        tox: None,
    };
    if let Some(name) = has(b"pyvenv.cfg") {
        seen.read_cfg(probe, &join(root, name));
    }
    if let Some(name) = has(b"conda-meta") {
        seen.read_conda_meta(probe, root, name);
    }
    let definitive_root = seen.cfg.is_some() || seen.conda;
    if !thorough && !definitive_root {
        return None;
    }
    seen.read_scripts(probe, root, &top);
    seen.read_lib(probe, root, &top);
    seen.read_root_files(probe, root, &top);

    let scripts_dir = has(b"bin").is_some() || has(b"scripts").is_some();
    if !seen.is_env(definitive_root, scripts_dir) {
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
    seen.evidence
        .sort_by_key(|e| std::cmp::Reverse(e.strength()));
    let kind = seen.kind(root, has(b".project").is_some(), probe);
    let implementation = seen.implementation();
    let real_interpreter = seen
        .interpreters
        .iter()
        .any(|e| matches!(e, Evidence::Interpreter { real: true, .. }));
    let fixture = is_under_test_dir(root) && !real_interpreter && !seen.pip_installed;
    let children: Vec<&[u8]> = top.values().map(Vec::as_slice).collect();
    let extent = Extent::decide(
        root,
        &children,
        seen.layout,
        kind,
        || super::conda::installed_top_names(root, probe),
        |name| shared_names(probe, root, name),
    );
    Some(EnvRoot {
        kind,
        implementation,
        layout: seen.layout,
        evidence: seen.evidence,
        fixture,
        extent,
    })
}

impl Seen {
    /// The `pyvenv.cfg` at `path`: definitive with a `home` key, weak evidence otherwise.
    fn read_cfg(&mut self, probe: &dyn Probe, path: &[u8]) {
        if !probe
            .meta(path)
            .is_some_and(|m| m.is_blob() && m.mode != Mode::Symlink)
        {
            return;
        }
        let weak = match probe.read_head(path, pyvenv::READ_LIMIT + 1) {
            None => "unreadable or too large",
            Some(bytes) if is_lfs_pointer(&bytes) => {
                self.lfs_cfg = true;
                self.evidence.push(Evidence::LfsPyvenvCfg);
                return;
            }
            Some(bytes) => match PyvenvCfg::parse(&bytes) {
                Ok(c) if c.is_definitive() => {
                    let creator =
                        c.uv.as_ref()
                            .map(|v| format!("uv {v}"))
                            .or_else(|| c.virtualenv.as_ref().map(|v| format!("virtualenv {v}")));
                    self.evidence.push(Evidence::PyvenvCfg {
                        home: c.home.clone().unwrap_or_default(),
                        creator,
                    });
                    self.cfg = Some(c);
                    return;
                }
                Ok(_) => "no home key",
                Err(pyvenv::NotACfg::Binary) => "binary content",
                Err(pyvenv::NotACfg::NoKeys) => "no key = value lines",
            },
        };
        self.evidence.push(Evidence::WeakPyvenvCfg(weak));
    }

    /// `conda-meta/history` or a package record in `conda-meta/`.
    fn read_conda_meta(&mut self, probe: &dyn Probe, root: &[u8], name: &[u8]) {
        let dir = join(root, name);
        let marker = if probe.meta(&join(&dir, b"history")).is_some() {
            Some(b"history".to_vec())
        } else {
            probe
                .children(&dir)
                .into_iter()
                .find(|n| n.ends_with(b".json"))
        };
        if let Some(marker) = marker {
            self.conda = true;
            self.evidence.push(Evidence::CondaMeta(join(name, &marker)));
        }
    }

    /// The scripts folders (`bin/`, `Scripts/`): an activate script and the most telling
    /// interpreter (a link to an absolute base interpreter, then a binary, then the plainest
    /// name); conda on Windows keeps `python.exe` at the root.
    fn read_scripts(&mut self, probe: &dyn Probe, root: &[u8], top: &Children) {
        for dir_key in [&b"bin"[..], b"scripts"] {
            let Some(dir_name) = top.get(dir_key) else {
                continue;
            };
            if dir_key == b"scripts" && !top.contains_key(&b"bin"[..]) {
                self.layout = Layout::Windows;
            }
            let mut names = probe.children(&join(root, dir_name));
            names.sort();
            if let Some(n) = names.iter().find(|n| {
                is_activate_name(n)
                    && matches!(&n.to_ascii_lowercase()[..], b"activate" | b"activate.bat")
            }) {
                if !self.activate {
                    self.activate = true;
                    self.evidence.push(Evidence::Activate(join(dir_name, n)));
                }
            }
            let best = names
                .iter()
                .filter(|n| is_interpreter_name(n))
                .filter_map(|n| interpreter(probe, root, join(dir_name, n)))
                .min_by_key(interpreter_rank);
            self.interpreters.extend(best);
        }
        if let Some(name) = top.get(&b"python.exe"[..]) {
            self.interpreters
                .extend(interpreter(probe, root, name.clone()));
        }
    }

    /// `lib/pythonX.Y/{site-packages,orig-prefix.txt}`, `Lib/site-packages` (a Windows
    /// layout), pdm's `__pypackages__/X.Y/lib`.
    fn read_lib(&mut self, probe: &dyn Probe, root: &[u8], top: &Children) {
        let Some(lib_name) = top.get(&b"lib"[..]) else {
            return;
        };
        let mut dirs: Vec<Vec<u8>> = Vec::new();
        if lib_name == b"Lib" || (lib_name != b"lib" && self.layout == Layout::Windows) {
            dirs.push(lib_name.clone());
            self.layout = Layout::Windows;
        }
        let mut versions: Vec<Vec<u8>> = probe
            .children(&join(root, lib_name))
            .into_iter()
            .filter(|n| is_versioned_python_dir(n))
            .collect();
        versions.sort();
        dirs.extend(versions.iter().map(|v| join(lib_name, v)));
        if root.ends_with(b"__pypackages__") || is_pdm_root(root) {
            dirs.push(lib_name.clone());
        }
        let mut orig_prefix = None;
        for d in dirs {
            let sp = join(&d, b"site-packages");
            let sp_full = join(root, &sp);
            if self.site_packages.is_none() && probe.meta(&sp_full).is_some() {
                if probe.meta(&join(&sp_full, b"_virtualenv.pth")).is_some() {
                    self.virtualenv_pth = Some(join(&sp, b"_virtualenv.pth"));
                }
                self.pip_installed = probe.meta(&join(&sp_full, b"pip")).is_some();
                self.site_packages = Some(sp);
            }
            let op = join(&d, b"orig-prefix.txt");
            if orig_prefix.is_none() && probe.meta(&join(root, &op)).is_some() {
                orig_prefix = Some(op);
            }
        }
        if let Some(op) = orig_prefix {
            self.legacy = true;
            self.evidence.push(Evidence::OrigPrefix(op));
        }
        self.pdm = is_pdm_root(root);
    }

    /// The files at the root that tell a kind: pdm's layout, legacy virtualenv's
    /// `pip-selfcheck.json` and `.Python`, virtualenv's `_virtualenv.pth`, tox's records, the
    /// interpreters and `site-packages` found, `lib64 -> lib`.
    fn read_root_files(&mut self, probe: &dyn Probe, root: &[u8], top: &Children) {
        if self.pdm {
            self.evidence.push(Evidence::PdmPackages);
        }
        self.pip_selfcheck = top.contains_key(&b"pip-selfcheck.json"[..]);
        if self.pip_selfcheck {
            self.evidence.push(Evidence::PipSelfcheck);
        }
        self.dot_python = top.get(&b".python"[..]).is_some_and(|n| n == b".Python");
        if self.dot_python {
            self.evidence.push(Evidence::DotPython);
        }
        if let Some(p) = self.virtualenv_pth.clone() {
            self.evidence.push(Evidence::VirtualenvPth(p));
        }
        self.tox = [&b".tox-info.json"[..], b".tox-config1"]
            .into_iter()
            .find_map(|n| top.get(n).cloned());
        if let Some(t) = self.tox.clone() {
            self.evidence.push(Evidence::ToxInfo(t));
        }
        self.evidence.extend(self.interpreters.iter().cloned());
        if let Some(sp) = self.site_packages.clone() {
            self.evidence.push(Evidence::SitePackages(sp));
        }
        if let Some(name) = top.get(&b"lib64"[..]) {
            if probe
                .meta(&join(root, name))
                .is_some_and(|m| m.mode == Mode::Symlink)
            {
                self.evidence.push(Evidence::Lib64Link);
            }
        }
    }

    /// Whether what was seen makes an environment: a definitive marker, or a combination of
    /// strong ones.
    fn is_env(&self, definitive_root: bool, scripts_dir: bool) -> bool {
        let interpreter = !self.interpreters.is_empty();
        let site_packages = self.site_packages.is_some();
        definitive_root
            || self.legacy
            || self.pdm
            || (self.activate && interpreter)
            || (site_packages && (self.activate || interpreter))
            || ((self.pip_selfcheck || self.dot_python) && (scripts_dir || site_packages))
            || (self.virtualenv_pth.is_some() && scripts_dir)
            || (self.tox.is_some() && (self.cfg.is_some() || scripts_dir))
            || (self.lfs_cfg && (scripts_dir || site_packages))
    }

    /// Which tool made it.
    fn kind(&self, root: &[u8], pipenv_project: bool, probe: &dyn Probe) -> Kind {
        let parent = root.rsplit(|&b| b == b'/').nth(1).unwrap_or_default();
        if self.conda {
            if contains_subpath(root, b".pixi/envs/") {
                Kind::Pixi
            } else {
                Kind::Conda
            }
        } else if self.pdm {
            Kind::Pdm
        } else if parent == b".tox" || self.tox.is_some() {
            Kind::Tox
        } else if parent == b".nox" {
            Kind::Nox
        } else if let Some(c) = &self.cfg {
            if c.uv.is_some() {
                Kind::Uv
            } else if c.virtualenv.is_some() {
                if pipenv_project {
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
        } else if self.lfs_cfg {
            // The content is not in the repository: what else virtualenv writes tells it apart.
            if self.virtualenv_pth.is_some() {
                Kind::Virtualenv
            } else {
                Kind::Venv
            }
        } else if self.legacy || self.pip_selfcheck || self.dot_python {
            Kind::LegacyVirtualenv
        } else {
            Kind::Partial
        }
    }

    /// `CPython`, `PyPy`, `GraalPy`: from `pyvenv.cfg`, else from the interpreter's name.
    fn implementation(&self) -> Option<String> {
        self.cfg
            .as_ref()
            .and_then(|c| c.implementation.clone())
            .or_else(|| {
                self.interpreters.iter().find_map(|e| {
                    let p = e.path().to_ascii_lowercase();
                    let name = p.rsplit(|&b| b == b'/').next().unwrap_or_default();
                    if name.starts_with(b"pypy") {
                        Some("PyPy".to_owned())
                    } else if name.starts_with(b"graalpy") {
                        Some("GraalPy".to_owned())
                    } else {
                        None
                    }
                })
            })
    }
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
