//! Table tests for detection over in-memory trees built from the real file names of each
//! layout (`venv-layouts.md`).

use super::*;
use crate::detect::{Listed, Listing};
use owned::entry_names;

const F: Mode = Mode::File;
const X: Mode = Mode::Executable;
const L: Mode = Mode::Symlink;

const CFG: &str = "home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.11.7\n";
const ELF: &str = "\x7fELF\x02\x01\x01";

/// A tree of `(path, mode, content)`.
fn tree(spec: &[(&str, Mode, &str)]) -> Listing<Vec<u8>> {
    Listing::new(
        spec.iter()
            .map(|&(p, mode, content)| Listed {
                path: p.as_bytes().to_vec(),
                meta: Meta {
                    mode,
                    size: Some(if content == ELF {
                        17_000
                    } else {
                        content.len() as u64
                    }),
                },
                data: content.as_bytes().to_vec(),
            })
            .collect(),
    )
}

/// Every path of the tree as detection input.
fn all_paths(t: &Listing<Vec<u8>>) -> Vec<PathEntry> {
    t.entries()
        .iter()
        .map(|e| PathEntry {
            path: e.path.clone(),
            meta: Some(e.meta),
        })
        .collect()
}

fn roots(envs: &[Environment]) -> Vec<(String, Kind)> {
    envs.iter()
        .map(|e| {
            (
                String::from_utf8_lossy(&e.root).into_owned(),
                e.recognised.kind,
            )
        })
        .collect()
}

/// Detects over every path of the tree and checks the `(root, kind)` pairs.
macro_rules! found {
    ($spec:expr, [$(($root:expr, $kind:expr)),* $(,)?]) => {{
        let t = tree($spec);
        let envs = detect(&all_paths(&t), &t);
        let want: Vec<(String, Kind)> = vec![$(($root.to_owned(), $kind)),*];
        assert_eq!(roots(&envs), want, "tree {:?}", $spec.iter().map(|e| e.0).collect::<Vec<_>>());
        envs
    }};
}

/// Detects over every path of the tree and expects nothing.
macro_rules! nothing {
    ($spec:expr) => {{
        let t = tree($spec);
        let envs = detect(&all_paths(&t), &t);
        assert!(envs.is_empty(), "look-alike flagged: {:?}", roots(&envs));
    }};
}

fn posix_venv(root: &str, cfg: &str) -> Vec<(String, Mode, String)> {
    let r = |p: &str| {
        if root.is_empty() {
            p.to_owned()
        } else {
            format!("{root}/{p}")
        }
    };
    vec![
        (r("pyvenv.cfg"), F, cfg.to_owned()),
        (
            r("bin/activate"),
            F,
            "# This file must be used with \"source bin/activate\"".to_owned(),
        ),
        (r("bin/activate.fish"), F, String::new()),
        (r("bin/Activate.ps1"), F, String::new()),
        (r("bin/python"), L, "python3".to_owned()),
        (r("bin/python3"), L, "/usr/bin/python3".to_owned()),
        (r("bin/python3.11"), L, "python3".to_owned()),
        (r("lib64"), L, "lib".to_owned()),
        (
            r("lib/python3.11/site-packages/pip/__init__.py"),
            F,
            "__version__ = '23.2.1'\n".to_owned(),
        ),
    ]
}

fn owned(v: &[(String, Mode, String)]) -> Vec<(&str, Mode, &str)> {
    v.iter()
        .map(|(p, m, c)| (p.as_str(), *m, c.as_str()))
        .collect()
}

#[test]
fn cpython_venv_at_any_name_and_depth() {
    for root in [
        "venv",
        ".venv",
        "myenv",
        "services/api/.venv",
        "a/b/c/d/e/env",
    ] {
        let spec = posix_venv(root, CFG);
        let envs = found!(&owned(&spec), [(root, Kind::Venv)]);
        assert_eq!(envs[0].files, 9);
        assert_eq!(
            entry_names(&envs[0]),
            ["bin/", "lib/", "lib64", "pyvenv.cfg"]
        );
        assert_eq!(envs[0].recognised.extent, Extent::Folder);
        assert!(matches!(
            envs[0].recognised.evidence[0],
            Evidence::PyvenvCfg { .. }
        ));
        assert!(!envs[0].recognised.fixture);
    }
}

#[test]
fn venv_copies_has_binary_interpreters() {
    found!(
        &[
            ("venv/pyvenv.cfg", F, CFG),
            ("venv/bin/python3", X, ELF),
            ("venv/bin/activate", F, "x"),
        ],
        [("venv", Kind::Venv)]
    );
}

#[test]
fn environment_at_the_repository_root_claims_only_its_own_entries() {
    let mut spec = posix_venv("", CFG);
    spec.push(("src/app.py".into(), F, "print(1)\n".into()));
    spec.push(("README.md".into(), F, "# hi\n".into()));
    spec.push(("requirements.txt".into(), F, "requests\n".into()));
    let envs = found!(&owned(&spec), [("", Kind::Venv)]);
    assert_eq!(envs[0].files, 9);
    assert_eq!(
        entry_names(&envs[0]),
        ["bin/", "lib/", "lib64", "pyvenv.cfg"]
    );
}

#[test]
fn partial_staging_finds_the_root_through_the_probe() {
    let t = tree(&owned(&posix_venv("venv", CFG)));
    let staged = vec![PathEntry {
        path: b"venv/lib/python3.11/site-packages/pip/__init__.py".to_vec(),
        meta: None,
    }];
    let envs = detect(&staged, &t);
    assert_eq!(roots(&envs), [("venv".to_owned(), Kind::Venv)]);
    assert_eq!(envs[0].files, 1);
    assert!(!envs[0].bytes_known);
}

#[test]
fn windows_venv_compares_names_case_insensitively() {
    let envs = found!(
        &[
            ("winenv/pyvenv.cfg", F, "home = C:\\Python312\r\ninclude-system-site-packages = false\r\nversion = 3.12.1\r\n"),
            ("winenv/Scripts/python.exe", F, "MZ\u{90}\0"),
            ("winenv/Scripts/pythonw.exe", F, "MZ\u{90}\0"),
            ("winenv/Scripts/activate.bat", F, "@echo off"),
            ("winenv/Scripts/Activate.ps1", F, ""),
            ("winenv/Lib/site-packages/pip/__init__.py", F, ""),
            ("winenv/Include/.keep", F, ""),
        ],
        [("winenv", Kind::Venv)]
    );
    assert_eq!(envs[0].recognised.layout, Layout::Windows);
    assert!(envs[0]
        .recognised
        .evidence
        .iter()
        .any(|e| matches!(e, Evidence::SitePackages(p) if p == b"Lib/site-packages")));

    // Without pyvenv.cfg, upper-case names, activate.bat next to python.exe.
    let envs = found!(
        &[
            ("WINENV/SCRIPTS/ACTIVATE.BAT", F, "@echo off"),
            ("WINENV/SCRIPTS/PYTHON.EXE", F, "MZ"),
            ("WINENV/LIB/SITE-PACKAGES/x.py", F, ""),
        ],
        [("WINENV", Kind::Partial)]
    );
    assert_eq!(envs[0].recognised.layout, Layout::Windows);
}

#[test]
fn conda_prefixes_posix_windows_and_pixi() {
    found!(
        &[
            (
                "envs/ml/conda-meta/history",
                F,
                "==> 2024-01-01 <==\n# cmd: conda create -p envs/ml\n"
            ),
            ("envs/ml/conda-meta/python-3.11.5-h955ad1f_0.json", F, "{}"),
            ("envs/ml/bin/python3.11", X, ELF),
            (
                "envs/ml/lib/python3.11/site-packages/numpy/__init__.py",
                F,
                ""
            ),
            ("envs/ml/lib/libpython3.11.so.1.0", X, ELF),
            ("envs/ml/ssl/cacert.pem", F, ""),
        ],
        [("envs/ml", Kind::Conda)]
    );
    found!(
        &[
            ("condawin/conda-meta/python-3.11.5-h955ad1f_0.json", F, "{}"),
            ("condawin/python.exe", F, "MZ"),
            ("condawin/Lib/site-packages/x.py", F, ""),
            ("condawin/Library/bin/zlib.dll", F, "MZ"),
        ],
        [("condawin", Kind::Conda)]
    );
    found!(
        &[
            (".pixi/config.toml", F, "[pypi-config]\n"),
            (".pixi/envs/default/conda-meta/history", F, ""),
            (".pixi/envs/default/bin/python3.12", X, ELF),
        ],
        [(".pixi/envs/default", Kind::Pixi)]
    );
}

#[test]
fn legacy_virtualenv_without_pyvenv_cfg() {
    let envs = found!(
        &[
            ("old/bin/activate", F, "x"),
            ("old/bin/activate_this.py", F, "x"),
            ("old/bin/python", X, ELF),
            ("old/bin/python2.7", L, "python"),
            ("old/lib/python2.7/orig-prefix.txt", F, "/usr"),
            ("old/lib/python2.7/site.py", F, ""),
            ("old/lib/python2.7/os.py", L, "/usr/lib/python2.7/os.py"),
            ("old/lib/python2.7/site-packages/pip/__init__.py", F, ""),
            ("old/include/python2.7", L, "/usr/include/python2.7"),
            ("old/pip-selfcheck.json", F, "{}"),
        ],
        [("old", Kind::LegacyVirtualenv)]
    );
    assert!(matches!(
        envs[0].recognised.evidence[0],
        Evidence::OrigPrefix(_)
    ));
    found!(
        &[
            ("mac/.Python", L, "/System/Python"),
            ("mac/bin/python", X, ELF),
            ("mac/lib/python2.7/site.py", F, "")
        ],
        [("mac", Kind::LegacyVirtualenv)]
    );
}

#[test]
fn creators_are_told_apart_by_pyvenv_cfg_and_context() {
    let virtualenv = "home = /usr/bin\nimplementation = CPython\nversion_info = 3.11.7.final.0\nvirtualenv = 20.25.0\ninclude-system-site-packages = false\n";
    let uv = "home = /usr/bin\nimplementation = CPython\nuv = 0.5.1\nversion_info = 3.12.1\n";
    type Case<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)], Kind);
    let cases: &[Case] = &[
        ("env", CFG, &[], Kind::Venv),
        ("env", virtualenv, &[], Kind::Virtualenv),
        ("env", uv, &[(".gitignore", "*")], Kind::Uv),
        (
            ".venv",
            virtualenv,
            &[(".project", "/home/u/proj")],
            Kind::Pipenv,
        ),
        (
            ".tox/py311",
            virtualenv,
            &[(".tox-info.json", "{}")],
            Kind::Tox,
        ),
        (".nox/tests-3-11", virtualenv, &[], Kind::Nox),
        ("storage/default", virtualenv, &[], Kind::Hatch),
    ];
    for (root, cfg, extra, kind) in cases {
        let mut spec = posix_venv(root, cfg);
        for (name, content) in *extra {
            spec.push((format!("{root}/{name}"), F, (*content).to_owned()));
        }
        if *kind == Kind::Hatch {
            spec.push((
                "storage/.gitignore".into(),
                F,
                "# This file was automatically created by Hatch\n*\n".into(),
            ));
        }
        found!(&owned(&spec), [(*root, *kind)]);
    }
    let poetry = format!("{virtualenv}prompt = myproj-py3.11\n");
    found!(
        &owned(&posix_venv(".venv", &poetry)),
        [(".venv", Kind::Poetry)]
    );
}

#[test]
fn pypy_and_graalpy_are_named() {
    let envs = found!(
        &[
            ("pp/pyvenv.cfg", F, "home = /usr/bin\nversion = 3.9.16\n"),
            ("pp/bin/pypy3", L, "/usr/bin/pypy3"),
            ("pp/bin/activate", F, ""),
            ("pp/lib/pypy3.9/site-packages/x.py", F, ""),
        ],
        [("pp", Kind::Venv)]
    );
    assert_eq!(envs[0].recognised.implementation.as_deref(), Some("PyPy"));
    let envs = found!(
        &[
            ("gp/pyvenv.cfg", F, "home = /opt/graalpy/bin\n"),
            ("gp/bin/graalpy", L, "/opt/graalpy/bin/graalpy"),
        ],
        [("gp", Kind::Venv)]
    );
    assert_eq!(
        envs[0].recognised.implementation.as_deref(),
        Some("GraalPy")
    );
}

#[test]
fn pdm_pep582_packages_but_not_its_gitignore() {
    found!(
        &[
            ("__pypackages__/.gitignore", F, "*\n!.gitignore\n"),
            ("__pypackages__/3.11/lib/requests/__init__.py", F, ""),
            (
                "__pypackages__/3.11/bin/normalizer",
                X,
                "#!/usr/bin/python\n"
            ),
        ],
        [("__pypackages__/3.11", Kind::Pdm)]
    );
    nothing!(&[
        ("__pypackages__/.gitignore", F, "*\n!.gitignore\n"),
        ("pdm.lock", F, "")
    ]);
}

#[test]
fn look_alikes_do_not_block() {
    // Hermit: its own bin/activate-hermit and package symlinks.
    nothing!(&[
        ("bin/activate-hermit", F, "#!/bin/bash"),
        ("bin/hermit", X, "#!/bin/bash"),
        ("bin/python3", L, ".python3-3.11.pkg"),
        ("bin/.python3-3.11.pkg", L, "hermit"),
        ("src/main.py", F, ""),
    ]);
    nothing!(&[(".python-version", F, "3.11.7\n"), ("main.py", F, "")]);
    nothing!(&[(".pixi/config.toml", F, ""), ("pixi.toml", F, "")]);
    nothing!(&[
        ("src/pkg/_vendor/requests-2.31.0.dist-info/METADATA", F, ""),
        ("src/pkg/_vendor/requests/__init__.py", F, ""),
    ]);
    // An AWS Lambda layer.
    nothing!(&[
        (
            "layer/python/lib/python3.11/site-packages/requests/__init__.py",
            F,
            ""
        ),
        (
            "layer/python/lib/python3.11/site-packages/requests-2.31.0.dist-info/METADATA",
            F,
            ""
        ),
    ]);
    // An embeddable CPython bundle.
    nothing!(&[
        ("vendor/python/python311._pth", F, "python311.zip\n.\n"),
        ("vendor/python/python311.zip", F, "PK"),
        ("vendor/python/python.exe", F, "MZ"),
        ("vendor/python/Lib/site-packages/x.py", F, ""),
        ("vendor/python/Scripts/pip.exe", F, "MZ"),
    ]);
    // Ordinary project trees with bin/, lib/, include/.
    nothing!(&[
        ("src/bin/main.rs", F, ""),
        ("lib/foo.c", F, ""),
        ("include/foo.h", F, ""),
        ("node_modules/x/bin/cli.js", X, ""),
        ("node_modules/x/lib/index.js", F, ""),
        ("tools/bin/python-lint", X, "#!/bin/sh"),
    ]);
    // A CPython source checkout: Lib/ without site-packages or scripts.
    nothing!(&[
        ("cpython/Lib/os.py", F, ""),
        ("cpython/Include/Python.h", F, "")
    ]);
}

#[test]
fn pyvenv_cfg_without_home_binary_or_as_directory_is_not_enough() {
    nothing!(&[("x/pyvenv.cfg", F, "version = 3.11\n"), ("x/README", F, "")]);
    nothing!(&[("x/pyvenv.cfg", F, "\0\0\0binary"), ("x/bin/tool", F, "")]);
    nothing!(&[("x/pyvenv.cfg/inner.txt", F, "home = /usr/bin\n")]);
    nothing!(&[("x/pyvenv.cfg", L, "home = /usr/bin")]);
}

#[test]
fn test_fixtures_are_notes_but_real_envs_under_tests_are_not() {
    let fixture = [
        ("tests/fixtures/venv/pyvenv.cfg", F, CFG),
        ("tests/fixtures/venv/bin/python", F, ""),
        ("tests/fixtures/venv/bin/activate", F, "x"),
        (
            "tests/fixtures/venv/lib/python3.11/site-packages/x.py",
            F,
            "",
        ),
    ];
    let envs = found!(&fixture, [("tests/fixtures/venv", Kind::Venv)]);
    assert!(envs[0].recognised.fixture);
    let envs = found!(
        &[("testdata/envlayouts/uv/pyvenv.cfg", F, CFG)],
        [("testdata/envlayouts/uv", Kind::Venv)]
    );
    assert!(envs[0].recognised.fixture);

    let real = posix_venv("tests/venv", CFG);
    let envs = found!(&owned(&real), [("tests/venv", Kind::Venv)]);
    assert!(
        !envs[0].recognised.fixture,
        "a symlinked interpreter is real"
    );

    let envs = found!(
        &[
            ("Tests/Fixtures/venv/pyvenv.cfg", F, CFG),
            ("Tests/Fixtures/venv/bin/python3", X, ELF)
        ],
        [("Tests/Fixtures/venv", Kind::Venv)]
    );
    assert!(!envs[0].recognised.fixture, "a binary interpreter is real");

    let envs = found!(
        &[
            ("test/venv/pyvenv.cfg", F, CFG),
            (
                "test/venv/lib/python3.11/site-packages/pip/__init__.py",
                F,
                ""
            ),
        ],
        [("test/venv", Kind::Venv)]
    );
    assert!(!envs[0].recognised.fixture, "installed pip makes it real");
    // Not a test directory: "latest" or "contest" do not count.
    let envs = found!(
        &[("latest/venv/pyvenv.cfg", F, CFG)],
        [("latest/venv", Kind::Venv)]
    );
    assert!(!envs[0].recognised.fixture);
}

#[test]
fn nested_and_sibling_environments_are_reported_once_each() {
    let mut spec = posix_venv("a", CFG);
    spec.extend(posix_venv("b/.venv", CFG));
    // An environment inside another's site-packages belongs to the outer one.
    spec.push((
        "a/lib/python3.11/site-packages/pkg/data/venv/pyvenv.cfg".into(),
        F,
        CFG.into(),
    ));
    let envs = found!(&owned(&spec), [("a", Kind::Venv), ("b/.venv", Kind::Venv)]);
    assert_eq!(envs[0].files, 10);
}

#[test]
fn counts_files_and_bytes() {
    let envs = found!(
        &[
            ("v/pyvenv.cfg", F, CFG),
            ("v/bin/activate", F, "12345"),
            ("other.txt", F, "zzz")
        ],
        [("v", Kind::Venv)]
    );
    assert_eq!(envs[0].files, 2);
    assert_eq!(envs[0].bytes, CFG.len() as u64 + 5);
    assert!(envs[0].bytes_known);
}

#[test]
fn non_utf8_paths_are_handled_as_bytes() {
    let t = Listing::new(vec![
        Listed {
            path: b"caf\xe9/pyvenv.cfg".to_vec(),
            meta: Meta {
                mode: F,
                size: Some(16),
            },
            data: b"home = /usr/bin\n".to_vec(),
        },
        Listed {
            path: b"caf\xe9/bin/activate".to_vec(),
            meta: Meta {
                mode: F,
                size: Some(1),
            },
            data: b"x".to_vec(),
        },
    ]);
    let envs = detect(&all_paths(&t), &t);
    assert_eq!(envs.len(), 1);
    assert_eq!(envs[0].root, b"caf\xe9");
}

/// A probe that must not be asked anything: stands for an index that should stay closed.
struct Forbidden;

impl Probe for Forbidden {
    fn meta(&self, path: &[u8]) -> Option<Meta> {
        panic!(
            "fallback asked about {}",
            crate::support::escape::display(path)
        )
    }
    fn read_head(&self, path: &[u8], _: usize) -> Option<Vec<u8>> {
        panic!(
            "fallback asked to read {}",
            crate::support::escape::display(path)
        )
    }
    fn children(&self, dir: &[u8]) -> Vec<Vec<u8>> {
        panic!(
            "fallback asked to list {}",
            crate::support::escape::display(dir)
        )
    }
}

/// The disk has nothing; behind it sits a fallback.
struct Behind<'a>(&'a dyn Probe);

impl Probe for Behind<'_> {
    fn meta(&self, _: &[u8]) -> Option<Meta> {
        None
    }
    fn read_head(&self, _: &[u8], _: usize) -> Option<Vec<u8>> {
        None
    }
    fn children(&self, _: &[u8]) -> Vec<Vec<u8>> {
        Vec::new()
    }
    fn fallback(&self) -> Option<&dyn Probe> {
        Some(self.0)
    }
}

#[test]
fn fallback_is_asked_only_about_paths_that_look_like_an_environment() {
    let ordinary: Vec<PathEntry> = ["src/lib/x.rs", "include/a.h", "docs/bin/x"]
        .iter()
        .map(|p| PathEntry {
            path: p.as_bytes().to_vec(),
            meta: None,
        })
        .collect();
    assert!(detect(&ordinary, &Behind(&Forbidden)).is_empty());

    let index = tree(&owned(&posix_venv("venv", CFG)));
    let staged = vec![PathEntry {
        path: b"venv/lib/python3.11/site-packages/pip/__init__.py".to_vec(),
        meta: None,
    }];
    assert_eq!(
        roots(&detect(&staged, &Behind(&index))),
        [("venv".to_owned(), Kind::Venv)]
    );
}

#[test]
fn paths_git_would_refuse_are_never_examined() {
    for root in ["../outside/venv", "a/../../venv", ".git/venv", "a//venv"] {
        let spec = posix_venv(root, CFG);
        nothing!(&owned(&spec));
    }
}

#[test]
fn every_env_owned_name_passes_the_quick_filter_in_any_case() {
    let names = [
        "bin",
        "Scripts",
        "lib",
        "lib64",
        "include",
        "share",
        "etc",
        "man",
        "pyvenv.cfg",
        "pip-selfcheck.json",
        ".Python",
        "conda-meta",
        "CACHEDIR.TAG",
        "Library",
        "DLLs",
        "libs",
        "tcl",
        "ssl",
        "compiler_compat",
        "python.exe",
        "pythonw.exe",
        ".tox-info.json",
        ".tox-config1",
    ];
    for name in names {
        for spelled in [name.to_owned(), name.to_lowercase(), name.to_uppercase()] {
            assert!(is_env_owned(spelled.as_bytes()), "{spelled}");
        }
    }
    for other in [
        "pkg0000",
        "mod01.py",
        "src",
        "bins",
        "python",
        "site-packages",
        "",
        "b",
    ] {
        assert!(!is_env_owned(other.as_bytes()), "{other}");
    }
}

/// The tally settles most paths by what they share with the previous one: neighbours whose
/// names extend a root's name (`venv-old/`, `venvx`) are not counted in it, whatever their
/// order.
#[test]
fn files_are_counted_to_their_root_only() {
    let spec: &[(&str, Mode, &str)] = &[
        (
            "a/venv/bin/activate",
            F,
            "# This file must be used with \"source bin/activate\"\n",
        ),
        ("a/venv/bin/python", L, ""),
        ("a/venv/lib/python3.11/site-packages/six.py", F, "x"),
        ("a/venv/pyvenv.cfg", F, CFG),
        ("a/venv-old/lib/python3.11/notes.txt", F, "x"),
        ("a/venv-old/lib/python3.11/other.txt", F, "x"),
        ("a/venvx", F, "x"),
        ("b/venv/lib/python3.11/site-packages/six.py", F, "x"),
        ("b/venv/pyvenv.cfg", F, CFG),
        ("b/venv2/lib/python3.11/site-packages/six.py", F, "x"),
    ];
    let envs = found!(spec, [("a/venv", Kind::Venv), ("b/venv", Kind::Venv)]);
    assert_eq!((envs[0].files, envs[1].files), (4, 2));
    let t = tree(spec);
    let mut reversed = all_paths(&t);
    reversed.reverse();
    let envs = detect(&reversed, &t);
    assert_eq!((envs[0].files, envs[1].files), (4, 2));
}

#[test]
fn common_prefix_counts_shared_bytes_across_words() {
    let a = b"services/service-001/src/module_00001.py";
    for (b, n) in [
        (&b"services/service-001/src/module_00002.py"[..], 36),
        (b"services/service-002/src/module_00001.py", 19),
        (b"servicez", 7),
        (b"services/", 9),
        (b"", 0),
        (b"x", 0),
        (a, a.len()),
    ] {
        assert_eq!(common_prefix(a, b), n, "{}", String::from_utf8_lossy(b));
        assert_eq!(common_prefix(b, a), n);
    }
}

mod owned;
