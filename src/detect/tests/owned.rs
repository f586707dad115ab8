//! What an environment owns, beside a project's files; which interpreters are real.

use super::*;

/// An environment's entries, folders ending in `/`.
pub(super) fn entry_names(env: &Environment) -> Vec<String> {
    env.entries
        .iter()
        .map(|e| {
            format!(
                "{}{}",
                String::from_utf8_lossy(&e.name),
                if e.dir { "/" } else { "" }
            )
        })
        .collect()
}

#[test]
fn a_posix_environment_at_the_root_leaves_the_projects_scripts_folder() {
    let mut spec = posix_venv("", CFG);
    spec.push(("scripts/release.sh".into(), X, "#!/bin/sh\n".into()));
    spec.push(("Scripts/build.bat".into(), F, "@echo off\r\n".into()));
    spec.push(("include/app.h".into(), F, "int x;\n".into()));
    let envs = found!(&owned(&spec), [("", Kind::Venv)]);
    // `include/` holds only the project's header: none of it is the environment's.
    assert_eq!(
        entry_names(&envs[0]),
        ["bin/", "lib/", "lib64", "pyvenv.cfg"]
    );
    assert_eq!(envs[0].files, 9);
    let paths: Vec<Vec<u8>> = envs[0].owned_paths().into_iter().map(|p| p.path).collect();
    assert!(!paths.contains(&b"scripts".to_vec()) && !paths.contains(&b"Scripts".to_vec()));
    assert!(!envs[0].owns_path(b"include/app.h"));
}

#[test]
fn in_a_bin_or_lib_shared_with_the_project_only_the_creators_names_are_owned() {
    let mut spec = posix_venv("", CFG);
    spec.push(("bin/deploy.sh".into(), X, "#!/bin/sh\necho deploy\n".into()));
    spec.push(("bin/manage".into(), X, "#!/usr/bin/env python3\n".into()));
    spec.push((
        "bin/flask".into(),
        X,
        "#!/home/me/app/bin/python3\n# -*- coding: utf-8 -*-\nimport re\n".into(),
    ));
    spec.push((
        "bin/django-admin".into(),
        X,
        "#!/bin/sh\n'''exec' \"/home/me/a/very/long/path/app/bin/python3.11\" \"$0\" \"$@\"\n' '''\n"
            .into(),
    ));
    spec.push(("lib/helpers.py".into(), F, "def help(): pass\n".into()));
    spec.push(("include/project.h".into(), F, "int x;\n".into()));
    let envs = found!(&owned(&spec), [("", Kind::Venv)]);
    let env = &envs[0];
    assert_eq!(
        entry_names(env),
        [
            "bin/Activate.ps1",
            "bin/activate",
            "bin/activate.fish",
            "bin/django-admin",
            "bin/flask",
            "bin/python",
            "bin/python3",
            "bin/python3.11",
            "lib/python3.11/",
            "lib64",
            "pyvenv.cfg"
        ]
    );
    for project in [
        "bin/deploy.sh",
        "bin/manage",
        "lib/helpers.py",
        "include/project.h",
    ] {
        assert!(!env.owns_path(project.as_bytes()), "{project}");
    }
    assert!(env.owns_path(b"lib/python3.11/site-packages/pip/__init__.py"));
    assert_eq!(env.files, 11);
}

#[test]
fn a_windows_venv_inside_a_package_owns_only_its_entries() {
    let spec = [
        ("pkg/__init__.py", F, "VERSION = 1\n"),
        ("pkg/core.py", F, "def f(): pass\n"),
        (
            "pkg/pyvenv.cfg",
            F,
            "home = C:\\Python311\r\ninclude-system-site-packages = false\r\nversion = 3.11.7\r\n",
        ),
        ("pkg/Scripts/activate.bat", F, "@echo off\r\n"),
        ("pkg/Scripts/python.exe", F, "MZ\x00\x01"),
        (
            "pkg/Lib/site-packages/pip/__init__.py",
            F,
            "__version__ = '23.2.1'\n",
        ),
        ("pkg/sub/venv/pyvenv.cfg", F, CFG),
        ("pkg/sub/venv/bin/activate", F, "# activate\n"),
        ("pkg/tcl/x.tcl", F, "set x 1\n"),
    ];
    let envs = found!(&spec, [("pkg", Kind::Venv), ("pkg/sub/venv", Kind::Venv)]);
    assert_eq!(envs[0].recognised.layout, Layout::Windows);
    assert!(matches!(envs[0].recognised.extent, Extent::Entries { .. }));
    assert_eq!(
        entry_names(&envs[0]),
        ["Lib/", "Scripts/", "pyvenv.cfg", "tcl/"]
    );
    assert_eq!(envs[0].files, 5);
    let owned: Vec<OwnedPath> = envs[0].owned_paths();
    assert_eq!(
        owned
            .iter()
            .map(|p| String::from_utf8_lossy(&p.path).into_owned())
            .collect::<Vec<_>>(),
        ["pkg/Lib", "pkg/Scripts", "pkg/pyvenv.cfg", "pkg/tcl"]
    );
    assert!(!envs[0].owns_path(b"pkg/__init__.py"));
    assert!(envs[0].owns_path(b"pkg/LIB/site-packages/x.py"));
    // The environment nested in the project's part of the folder owns its whole folder.
    assert_eq!(envs[1].recognised.extent, Extent::Folder);
    assert_eq!(envs[1].files, 2);
}

#[test]
fn fixtures_whose_interpreters_link_only_inside_them_are_fixtures() {
    let spec = [
        ("resources/test/venv/pyvenv.cfg", F, CFG),
        ("resources/test/venv/bin/activate", F, "# fixture\n"),
        ("resources/test/venv/bin/python", L, "python3"),
        ("resources/test/venv/bin/python3", L, "python3.11"),
        ("resources/test/venv/bin/python3.11", F, "#!/bin/sh\n"),
    ];
    let envs = found!(&spec, [("resources/test/venv", Kind::Venv)]);
    assert!(envs[0].recognised.fixture);
    // A real venv's links end at its base interpreter.
    let mut real = spec.to_vec();
    real[3] = ("resources/test/venv/bin/python3", L, "/usr/bin/python3");
    let envs = found!(&real, [("resources/test/venv", Kind::Venv)]);
    assert!(!envs[0].recognised.fixture);
}

#[test]
fn a_pyvenv_cfg_in_git_lfs_still_names_the_kind() {
    let pointer = "version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 176\n";
    let spec = [
        ("venv/pyvenv.cfg", F, pointer),
        ("venv/bin/activate", F, "# activate\n"),
        ("venv/lib/python3.11/site-packages/six.py", F, "x = 1\n"),
    ];
    let envs = found!(&spec, [("venv", Kind::Venv)]);
    assert_eq!(envs[0].recognised.evidence[0], Evidence::LfsPyvenvCfg);
}
