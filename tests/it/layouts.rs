//! Layouts this machine cannot make (Windows, conda, legacy virtualenv, pdm, tox...), built
//! from the real file names in the layout notes, and the look-alikes that must not block.

use crate::common::{layout, TestRepo};

const MZ: &str = "MZ\u{90}\0\u{3}\0\0\0\u{4}\0\0\0";
const ELF: &str = "\u{7f}ELF\u{2}\u{1}\u{1}\0";

/// Stages the tree and commits through the hook; returns the hook's output and the code.
fn commit_layout(files: &[(&str, &str)]) -> (i32, String) {
    let repo = TestRepo::new();
    repo.write("README.md", "# project\n");
    layout(&repo.root, files);
    repo.git_ok(&["add", "-A"]);
    let run = repo.commit(&[]);
    (run.code, run.all())
}

fn assert_blocked(files: &[(&str, &str)], root: &str, kind: &str) {
    let (code, out) = commit_layout(files);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(&format!("error: {root}/ is a Python environment")),
        "{out}"
    );
    assert!(out.contains(kind), "expected kind {kind:?} in:\n{out}");
}

fn assert_passes(files: &[(&str, &str)]) {
    let (code, out) = commit_layout(files);
    assert_eq!(code, 0, "look-alike blocked:\n{out}");
}

#[test]
fn windows_venv() {
    assert_blocked(
        &[
            ("winvenv/pyvenv.cfg", "home = C:\\Users\\me\\AppData\\Local\\Programs\\Python\\Python312\r\ninclude-system-site-packages = false\r\nversion = 3.12.1\r\nexecutable = C:\\Users\\me\\AppData\\Local\\Programs\\Python\\Python312\\python.exe\r\n"),
            ("winvenv/Scripts/python.exe", MZ),
            ("winvenv/Scripts/pythonw.exe", MZ),
            ("winvenv/Scripts/activate", "# This file must be used with \"source bin/activate\"\n"),
            ("winvenv/Scripts/activate.bat", "@echo off\r\n"),
            ("winvenv/Scripts/deactivate.bat", "@echo off\r\n"),
            ("winvenv/Scripts/Activate.ps1", "<# ... #>\r\n"),
            ("winvenv/Scripts/pip.exe", MZ),
            ("winvenv/Lib/site-packages/pip/__init__.py", "__version__ = \"23.2.1\"\n"),
        ],
        "winvenv",
        "venv (Windows layout)",
    );
}

#[test]
fn windows_venv_without_pyvenv_cfg() {
    assert_blocked(
        &[
            ("env/Scripts/activate.bat", "@echo off\r\n"),
            ("env/Scripts/python.exe", MZ),
            ("env/Lib/site-packages/requests/__init__.py", ""),
        ],
        "env",
        "Python environment (Windows layout)",
    );
}

#[test]
fn conda_prefix_posix() {
    assert_blocked(
        &[
            ("envs/ml/conda-meta/history", "==> 2024-03-01 10:00:00 <==\n# cmd: /opt/conda/bin/conda create -p envs/ml python=3.11\n+defaults::python-3.11.8-h955ad1f_0\n"),
            ("envs/ml/conda-meta/python-3.11.8-h955ad1f_0.json", "{\"name\": \"python\"}"),
            ("envs/ml/conda-meta/pinned", ""),
            ("envs/ml/bin/python3.11", ELF),
            ("envs/ml/bin/python", "-> python3.11"),
            ("envs/ml/lib/python3.11/site-packages/numpy/__init__.py", ""),
            ("envs/ml/lib/libpython3.11.so.1.0", ELF),
            ("envs/ml/etc/conda/activate.d/env_vars.sh", "export X=1\n"),
            ("envs/ml/ssl/cacert.pem", ""),
        ],
        "envs/ml",
        "conda prefix",
    );
}

#[test]
fn conda_prefix_windows() {
    assert_blocked(
        &[
            ("condaenv/conda-meta/python-3.11.8-h4de0772_0.json", "{}"),
            ("condaenv/python.exe", MZ),
            ("condaenv/Lib/site-packages/numpy/__init__.py", ""),
            ("condaenv/Library/bin/zlib.dll", MZ),
            ("condaenv/DLLs/_ssl.pyd", MZ),
            ("condaenv/Scripts/pip.exe", MZ),
        ],
        "condaenv",
        "conda prefix",
    );
}

#[test]
fn legacy_virtualenv() {
    assert_blocked(
        &[
            (
                "oldenv/bin/activate",
                "# This file must be used with \"source bin/activate\"\n",
            ),
            ("oldenv/bin/activate_this.py", ""),
            ("oldenv/bin/python", ELF),
            ("oldenv/bin/python2.7", "-> python"),
            ("oldenv/bin/easy_install", "#!/x/python\n"),
            ("oldenv/lib/python2.7/orig-prefix.txt", "/usr"),
            ("oldenv/lib/python2.7/no-global-site-packages.txt", ""),
            ("oldenv/lib/python2.7/site.py", ""),
            ("oldenv/lib/python2.7/os.py", "-> /usr/lib/python2.7/os.py"),
            ("oldenv/lib/python2.7/distutils/__init__.py", ""),
            ("oldenv/lib/python2.7/site-packages/pip/__init__.py", ""),
            ("oldenv/include/python2.7", "-> /usr/include/python2.7"),
            ("oldenv/local/bin", "-> /x/oldenv/bin"),
            ("oldenv/pip-selfcheck.json", "{}"),
        ],
        "oldenv",
        "legacy virtualenv",
    );
}

#[test]
fn uv_venv_force_added() {
    let repo = TestRepo::new();
    layout(
        &repo.root,
        &[
            ("uvenv/.gitignore", "*"),
            ("uvenv/CACHEDIR.TAG", "Signature: 8a477f597d28d172789f06886806bc55\n"),
            ("uvenv/pyvenv.cfg", "home = /usr/bin\nimplementation = CPython\nuv = 0.5.11\nversion_info = 3.12.7\ninclude-system-site-packages = false\n"),
            ("uvenv/bin/activate", ""),
            ("uvenv/bin/activate.bat", ""),
            ("uvenv/bin/python", "-> /usr/bin/python3"),
            ("uvenv/lib64", "-> lib"),
        ],
    );
    repo.git_ok(&["add", "-A"]);
    assert!(repo.tracked().is_empty(), "uv's env ignores itself");
    repo.git_ok(&["add", "-f", "uvenv"]);
    let run = repo.commit(&[]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.all().contains("uvenv/ is a Python environment"));
    assert!(run.all().contains("uv venv"), "{}", run.all());
}

#[test]
fn tox_nox_pdm_and_pixi() {
    let virtualenv_cfg = "home = /usr/bin\nimplementation = CPython\nversion_info = 3.11.7.final.0\nvirtualenv = 20.25.0\ninclude-system-site-packages = false\n";
    assert_blocked(
        &[
            (".tox/py311/pyvenv.cfg", virtualenv_cfg),
            (".tox/py311/.tox-info.json", "{}"),
            (".tox/py311/bin/python", "-> /usr/bin/python3"),
        ],
        ".tox/py311",
        "tox environment",
    );
    assert_blocked(
        &[
            (".nox/tests-3-11/pyvenv.cfg", virtualenv_cfg),
            (".nox/tests-3-11/bin/python", "-> /usr/bin/python3"),
        ],
        ".nox/tests-3-11",
        "nox environment",
    );
    assert_blocked(
        &[
            ("__pypackages__/3.11/lib/requests/__init__.py", ""),
            ("__pypackages__/3.11/bin/normalizer", "#!/usr/bin/python3\n"),
        ],
        "__pypackages__/3.11",
        "pdm __pypackages__",
    );
    assert_blocked(
        &[
            (".pixi/envs/default/conda-meta/history", ""),
            (".pixi/envs/default/bin/python3.12", ELF),
        ],
        ".pixi/envs/default",
        "pixi environment",
    );
    assert_blocked(
        &[
            (".venv/pyvenv.cfg", virtualenv_cfg),
            (".venv/.project", "/home/me/project"),
            (".venv/bin/python", "-> /usr/bin/python3"),
        ],
        ".venv",
        "pipenv in-project venv",
    );
}

#[test]
fn look_alikes_pass() {
    assert_passes(&[
        ("bin/activate-hermit", "#!/bin/bash\n"),
        ("bin/hermit", "#!/bin/bash\n"),
        ("bin/python3", "-> .python3-3.11.pkg"),
        ("bin/.python3-3.11.pkg", "-> hermit"),
        ("bin/hermit.hcl", ""),
    ]);
    assert_passes(&[(".python-version", "3.11.7\n")]);
    assert_passes(&[("__pypackages__/.gitignore", "*\n!.gitignore\n")]);
    assert_passes(&[(".pixi/config.toml", "[pypi-config]\n")]);
    assert_passes(&[
        (
            "src/pkg/_vendor/packaging-24.0.dist-info/METADATA",
            "Name: packaging\n",
        ),
        ("src/pkg/_vendor/packaging/__init__.py", ""),
    ]);
    assert_passes(&[
        (
            "layer/python/lib/python3.12/site-packages/requests/__init__.py",
            "",
        ),
        (
            "layer/python/lib/python3.12/site-packages/requests-2.32.0.dist-info/METADATA",
            "",
        ),
    ]);
    assert_passes(&[
        (
            "python-embed/python312._pth",
            "python312.zip\n.\nimport site\n",
        ),
        ("python-embed/python312.zip", "PK\u{3}\u{4}"),
        ("python-embed/python.exe", MZ),
        ("python-embed/python312.dll", MZ),
        ("python-embed/Lib/site-packages/requests/__init__.py", ""),
        ("python-embed/Scripts/pip.exe", MZ),
    ]);
    assert_passes(&[("configs/pyvenv.cfg", "# no home key here\nversion = 3.11\n")]);
}

#[test]
fn conda_activate_d_variables_are_reported() {
    let (code, out) = commit_layout(&[
        ("envs/ml/conda-meta/history", "==> 2024-03-01 <==\n"),
        ("envs/ml/bin/python3.11", ELF),
        (
            "envs/ml/etc/conda/activate.d/env_vars.sh",
            "#!/bin/sh\nexport HF_TOKEN='hf_abc'\nexport CONDA_PROMPT_MODIFIER='(ml)'\n",
        ),
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("envs/ml/etc/conda/activate.d/env_vars.sh exports HF_TOKEN"),
        "{out}"
    );
    assert!(
        !out.contains("hf_abc") && !out.contains("CONDA_PROMPT_MODIFIER"),
        "{out}"
    );
}
