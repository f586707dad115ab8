//! An environment is exactly what its creator wrote: the right extent beside a project's own
//! files, the right credentials, in every mode and format, and fixes that lose nothing. Each
//! repository is made the way a user gets there: real `python3 -m venv`, uv and virtualenv
//! from PyPI, real git and git-filter-repo; Windows and conda layouts from their real file
//! names.

use std::fs;
use std::path::Path;

use crate::common::{bare_venv, create_with, creators, isolated, layout, run_ok, Run, TestRepo};

const MZ: &str = "MZ\u{90}\0\u{3}\0\0\0\u{4}\0\0\0";
const ELF: &str = "\u{7f}ELF\u{2}\u{1}\u{1}\0";

fn json(run: &Run) -> serde_json::Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.all()))
}

/// The first environment of the first repository of a JSON report.
fn first_env(run: &Run) -> serde_json::Value {
    json(run)["repositories"][0]["environments"][0].clone()
}

fn strings(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

/// `git status --porcelain` lines.
fn status(repo: &TestRepo) -> Vec<String> {
    repo.git_ok(&["status", "--porcelain", "--untracked-files=no"])
        .stdout
        .lines()
        .map(str::to_owned)
        .collect()
}

/// After `fix`: every project file is still tracked, and git shows only the environment's
/// entries removed and `.gitignore` changed.
fn assert_only_the_env_left(repo: &TestRepo, project: &[&str], env_prefixes: &[&str]) {
    let tracked = repo.tracked();
    for file in project {
        assert!(
            tracked.iter().any(|t| t == file),
            "{file} lost: {tracked:?}"
        );
    }
    for line in status(repo) {
        let path = &line[3..];
        let env_entry = env_prefixes.iter().any(|p| path.starts_with(p));
        assert!(
            (line.starts_with("D ") && env_entry) || path == ".gitignore",
            "unexpected change {line:?}"
        );
    }
    assert!(
        !tracked
            .iter()
            .any(|t| env_prefixes.iter().any(|p| t.starts_with(p))),
        "env still tracked: {tracked:?}"
    );
}

/// A repository whose first commit holds the project `files`, and whose second a real venv made
/// at its root (with a package file); returns it and the second commit.
fn root_venv_beside(files: &[(&str, &str)]) -> (TestRepo, String) {
    let repo = TestRepo::without_hook();
    layout(&repo.root, files);
    let project = repo.commit_all("project");
    bare_venv(&repo.root);
    repo.write("lib/python3.11/site-packages/demo.py", "VALUE = 1\n");
    let env_commit = repo.commit_all("venv");
    assert_ne!(project, env_commit);
    (repo, env_commit)
}

#[test]
fn a_venv_at_the_root_leaves_the_projects_scripts_folder_in_every_mode() {
    let (repo, env_commit) = root_venv_beside(&[
        ("scripts/deploy.sh", "#!/bin/sh\necho deploy\n"),
        ("src/app.py", "print(1)\n"),
        ("pyproject.toml", "[project]\nname = 'app'\n"),
    ]);

    let env = first_env(&repo.guard(&["--format", "json", "scan", "--tracked"]));
    assert_eq!(
        strings(&env["entries"]),
        ["bin", "lib", "lib64", "pyvenv.cfg"]
    );
    assert!(!env["fix"].to_string().contains("scripts"), "{env:#}");

    let run = repo.guard(&["--format", "json", "scan", "--history"]);
    let env = first_env(&run);
    assert_eq!(env["history"]["first_commit"]["id"], env_commit.as_str());
    assert_eq!(env["history"]["in_head"], true);
    let remove = env["history"]["remove_command"].as_str().unwrap();
    assert_eq!(
        remove,
        "git filter-repo --invert-paths --path bin/ --path lib/ --path lib64 --path pyvenv.cfg"
    );

    let run = repo.guard(&["fix"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(
        fs::read_to_string(repo.root.join(".gitignore")).unwrap(),
        "/bin/\n/include/\n/lib/\n/lib64\n/pyvenv.cfg\n"
    );
    assert_only_the_env_left(
        &repo,
        &["scripts/deploy.sh", "src/app.py", "pyproject.toml"],
        &["bin/", "lib/", "lib64", "pyvenv.cfg"],
    );
    repo.commit_all("untrack the venv");
    // HEAD no longer has it; the history still does, from its own commit on.
    let env = first_env(&repo.guard(&["--format", "json", "scan", "--history"]));
    assert_eq!(env["history"]["in_head"], false);
    assert_eq!(env["history"]["first_commit"]["id"], env_commit.as_str());
}

/// The `git filter-repo` command a history finding prints.
fn remove_command(env: &serde_json::Value) -> String {
    env["history"]["remove_command"]
        .as_str()
        .unwrap_or_else(|| panic!("no remove command: {env:#}"))
        .to_owned()
}

/// Runs the printed `git filter-repo` command on a fresh clone and returns every path any
/// commit of the result holds.
fn filter_repo_paths(repo: &TestRepo, command: &str) -> Vec<String> {
    let clone = repo.sibling("filtered");
    run_ok(
        isolated("git", &repo.root)
            .args(["clone", "-q", "--no-local"])
            .arg(&repo.root)
            .arg(&clone),
    );
    let mut cmd = isolated("sh", &clone);
    let tools = creators().to_path_buf();
    let path = std::env::join_paths(
        std::iter::once(tools).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
    )
    .unwrap();
    run_ok(
        cmd.env("PATH", path)
            .args(["-c", &format!("{command} --force --quiet")]),
    );
    let log = run_ok(isolated("git", &clone).args(["log", "--all", "--name-only", "--format="]));
    let mut paths: Vec<String> = log
        .stdout
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    paths.sort();
    paths.dedup();
    paths
}

#[test]
fn the_printed_filter_repo_command_removes_the_env_and_nothing_else() {
    let repo = TestRepo::without_hook();
    repo.write("scripts/deploy.sh", "#!/bin/sh\n");
    repo.write("bin2/tool.sh", "#!/bin/sh\n");
    repo.write("pyvenv.cfg.md", "notes\n");
    repo.commit_all("project");
    bare_venv(&repo.root);
    repo.write("lib/python3.11/site-packages/demo.py", "VALUE = 1\n");
    repo.commit_all("venv");
    repo.git_ok(&[
        "rm",
        "-r",
        "-q",
        "--cached",
        "bin",
        "lib",
        "lib64",
        "pyvenv.cfg",
    ]);
    repo.commit_all("untrack");
    let env = first_env(&repo.guard(&["--format", "json", "scan", "--history"]));
    let command = remove_command(&env);
    let left = filter_repo_paths(&repo, &command);
    assert_eq!(
        left,
        ["bin2/tool.sh", "pyvenv.cfg.md", "scripts/deploy.sh"],
        "after {command}"
    );

    // An env in a folder of its own: one folder path.
    let repo = TestRepo::without_hook();
    repo.write("app.py", "print(1)\n");
    repo.venv("venv");
    repo.write("venv2/readme.txt", "not an env\n");
    repo.commit_all("all");
    let env = first_env(&repo.guard(&["--format", "json", "scan", "--history"]));
    let command = remove_command(&env);
    assert_eq!(command, "git filter-repo --invert-paths --path venv/");
    assert_eq!(
        filter_repo_paths(&repo, &command),
        ["app.py", "venv2/readme.txt"]
    );
}

#[test]
fn a_venv_made_inside_a_package_folder_loses_no_package_file() {
    let repo = TestRepo::without_hook();
    repo.write("pkg/__init__.py", "VERSION = 1\n");
    repo.write("pkg/core.py", "def f():\n    return 1\n");
    let first = repo.commit_all("package");
    bare_venv(&repo.root.join("pkg"));
    repo.write("pkg/lib/python3.11/site-packages/demo.py", "VALUE = 1\n");
    let env_commit = repo.commit_all("venv inside the package");
    assert_ne!(first, env_commit);

    let run = repo.guard(&["--format", "json", "scan", "--tracked"]);
    assert_eq!(run.code, 1, "{}", run.all());
    let env = first_env(&run);
    assert_eq!(env["root"], "pkg");
    assert_eq!(
        strings(&env["entries"]),
        ["bin", "lib", "lib64", "pyvenv.cfg"]
    );
    let fix = strings(&env["fix"]);
    assert!(
        !fix.iter()
            .any(|c| c.contains("/pkg/ ") || c.ends_with(" pkg")),
        "{fix:?}"
    );

    let env = first_env(&repo.guard(&["--format", "json", "scan", "--history"]));
    assert_eq!(env["history"]["first_commit"]["id"], env_commit.as_str());

    let run = repo.guard(&["fix"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_only_the_env_left(
        &repo,
        &["pkg/__init__.py", "pkg/core.py"],
        &["pkg/bin/", "pkg/lib/", "pkg/lib64", "pkg/pyvenv.cfg"],
    );
    assert_eq!(
        fs::read_to_string(repo.root.join(".gitignore")).unwrap(),
        "/pkg/bin/\n/pkg/include/\n/pkg/lib/\n/pkg/lib64\n/pkg/pyvenv.cfg\n"
    );
    assert_eq!(repo.guard(&["scan"]).code, 0);
}

#[test]
fn a_windows_venv_inside_a_package_folder_owns_only_its_entries() {
    let repo = TestRepo::without_hook();
    layout(
        &repo.root,
        &[
            ("pkg/__init__.py", "VERSION = 1\n"),
            ("pkg/views.py", "def index():\n    pass\n"),
            ("pkg/templates/index.html", "<html></html>\n"),
        ],
    );
    let first = repo.commit_all("package");
    layout(
        &repo.root,
        &[
            ("pkg/pyvenv.cfg", "home = C:\\Python311\r\ninclude-system-site-packages = false\r\nversion = 3.11.5\r\nexecutable = C:\\Python311\\python.exe\r\ncommand = C:\\Python311\\python.exe -m venv C:\\Users\\me\\blog\\pkg\r\n"),
            ("pkg/Scripts/python.exe", MZ),
            ("pkg/Scripts/pythonw.exe", MZ),
            ("pkg/Scripts/activate", "# This file must be used with \"source bin/activate\"\n"),
            ("pkg/Scripts/activate.bat", "@echo off\r\n"),
            ("pkg/Scripts/deactivate.bat", "@echo off\r\n"),
            ("pkg/Scripts/Activate.ps1", "<# ... #>\r\n"),
            ("pkg/Scripts/pip.exe", MZ),
            ("pkg/Lib/site-packages/flask/__init__.py", "__version__ = '3.0.0'\n"),
            ("pkg/Include/site/python3.11/greenlet/greenlet.h", "/* greenlet */\n"),
        ],
    );
    let env_commit = repo.commit_all("venv");
    assert_ne!(first, env_commit);
    let env = first_env(&repo.guard(&["--format", "json", "scan", "--tracked"]));
    assert_eq!(env["layout"], "windows");
    assert_eq!(
        strings(&env["entries"]),
        ["Include", "Lib", "Scripts", "pyvenv.cfg"]
    );
    assert_eq!(env["files"], 10);
    let env = first_env(&repo.guard(&["--format", "json", "scan", "--history"]));
    assert_eq!(env["history"]["first_commit"]["id"], env_commit.as_str());
    // Ten files, seven distinct blobs (the .exe copies and the two .bat files are alike); the
    // package's files are not the environment's.
    assert_eq!(env["files"], 10);
    assert_eq!(env["history"]["blobs"], 7);

    let run = repo.guard(&["fix"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_only_the_env_left(
        &repo,
        &[
            "pkg/__init__.py",
            "pkg/views.py",
            "pkg/templates/index.html",
        ],
        &["pkg/Include/", "pkg/Lib/", "pkg/Scripts/", "pkg/pyvenv.cfg"],
    );
    assert_eq!(
        fs::read_to_string(repo.root.join(".gitignore")).unwrap(),
        "/pkg/Include/\n/pkg/Lib/\n/pkg/Scripts/\n/pkg/pyvenv.cfg\n"
    );
}

#[test]
fn stock_exports_of_uv_virtualenv_and_conda_packages_are_not_credentials() {
    let repo = TestRepo::new();
    create_with("uv", &repo.root.join("uvenv"), &[]);
    create_with("virtualenv", &repo.root.join("venv"), &["--without-pip"]);
    assert!(fs::read_to_string(repo.root.join("uvenv/bin/activate"))
        .unwrap()
        .contains("SCRIPT_PATH"));
    // A conda prefix whose packages installed activate.d scripts (openssl, libxml2, proj),
    // each listed in the package's conda-meta record, and one script a person added.
    let record = |name: &str, files: &[&str]| {
        let paths: Vec<String> = files
            .iter()
            .map(|f| format!("{{\"_path\": \"{f}\", \"path_type\": \"hardlink\", \"sha256\": \"0\", \"size_in_bytes\": 1}}"))
            .collect();
        let list: Vec<String> = files.iter().map(|f| format!("\"{f}\"")).collect();
        (
            format!("conda/conda-meta/{name}.json"),
            format!(
                "{{\n  \"build\": \"h0\",\n  \"files\": [{}],\n  \"name\": \"{}\",\n  \"paths_data\": {{\"paths\": [{}], \"paths_version\": 1}}\n}}\n",
                list.join(", "),
                name.split('-').next().unwrap(),
                paths.join(", ")
            ),
        )
    };
    let openssl = record(
        "openssl-3.3.1-h4bc722e_2",
        &[
            "bin/openssl",
            "etc/conda/activate.d/openssl_activate.sh",
            "etc/conda/deactivate.d/openssl_deactivate.sh",
        ],
    );
    let libxml2 = record(
        "libxml2-2.12.7-he7c6b58_4",
        &["bin/xmllint", "etc/conda/activate.d/libxml2_activate.sh"],
    );
    let proj = record(
        "proj-9.4.1-h54d7996_1",
        &[
            "etc/conda/activate.d/proj4-activate.fish",
            "etc/conda/activate.d/proj4-activate.sh",
            "share/proj/proj.db",
        ],
    );
    layout(
        &repo.root,
        &[
            ("conda/conda-meta/history", "==> 2024-07-30 10:00:00 <==\n# cmd: conda create --prefix ./conda python=3.12\n+conda-forge/linux-64::openssl-3.3.1-h4bc722e_2\n"),
            (&openssl.0, &openssl.1),
            (&libxml2.0, &libxml2.1),
            (&proj.0, &proj.1),
            ("conda/bin/python3.12", ELF),
            ("conda/etc/conda/activate.d/openssl_activate.sh", "#!/bin/sh\nif [[ \"${SSL_CERT_FILE:-}\" == \"\" ]]; then\n    export SSL_CERT_FILE=\"${CONDA_PREFIX}/ssl/cacert.pem\"\n    export __CONDA_OPENSLL_CERT_FILE_SET=\"1\"\nfi\n"),
            ("conda/etc/conda/activate.d/libxml2_activate.sh", "#!/bin/sh\nexport XML_CATALOG_FILES=\"${XML_CATALOG_FILES}file://${CONDA_PREFIX}/etc/xml/catalog\"\n"),
            ("conda/etc/conda/activate.d/proj4-activate.fish", "#!/usr/bin/env fish\nset -gx PROJ_DATA \"$CONDA_PREFIX/share/proj\"\nset -gx PROJ_NETWORK \"ON\"\n"),
            ("conda/etc/conda/activate.d/proj4-activate.sh", "#!/bin/sh\nexport PROJ_DATA=\"${CONDA_PREFIX}/share/proj\"\n"),
        ],
    );
    repo.git_ok(&["add", "-f", "uvenv", "venv", "conda"]);
    let run = repo.guard(&["--format", "json", "hook"]);
    assert_eq!(run.code, 1, "{}", run.all());
    for env in json(&run)["repositories"][0]["environments"]
        .as_array()
        .unwrap()
    {
        assert_eq!(env["secrets"], serde_json::json!([]), "{env:#}");
    }
    let run = repo.guard(&["--color", "never", "hook"]);
    assert!(!run.stdout.contains("secrets"), "{}", run.stdout);

    // What a person adds is still reported, beside the stock scripts.
    repo.write(
        "conda/etc/conda/activate.d/env_vars.sh",
        "#!/bin/sh\nexport HF_TOKEN='hf_live_4f9a8b7c6d5e'\n",
    );
    repo.git_ok(&["add", "-f", "conda"]);
    let run = repo.guard(&["--format", "json", "hook"]);
    let envs = json(&run)["repositories"][0]["environments"].clone();
    let conda = envs
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["root"] == "conda")
        .unwrap();
    assert_eq!(conda["secrets"][0]["name"], "HF_TOKEN");
    assert_eq!(conda["secrets"].as_array().unwrap().len(), 1, "{conda:#}");

    // `conda env config vars set` keeps its variables in conda-meta/state.
    repo.write(
        "conda/conda-meta/state",
        "{\n  \"env_vars\": {\n    \"MY_API_TOKEN\": \"tok-4f9a8b7c6d5e\"\n  }\n}",
    );
    repo.git_ok(&["add", "-f", "conda"]);
    let run = repo.guard(&["--color", "never", "hook"]);
    assert!(
        run.stdout
            .contains("conda/conda-meta/state exports MY_API_TOKEN (values not shown)"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("tok-4f9a"), "a value leaked");
}

#[test]
fn credentials_in_any_activate_script_are_found_in_every_mode() {
    let repo = TestRepo::without_hook();
    bare_venv(&repo.root.join("venv"));
    let fish = repo.root.join("venv/bin/activate.fish");
    let mut text = fs::read_to_string(&fish).unwrap();
    text.push_str("set -gx OPENAI_API_KEY sk-proj-4f9a8b7c6d5e\n");
    fs::write(&fish, text).unwrap();
    let csh = repo.root.join("venv/bin/activate.csh");
    let mut text = fs::read_to_string(&csh).unwrap();
    text.push_str("setenv DB_PASSWORD hunter2\n");
    fs::write(&csh, text).unwrap();
    repo.git_ok(&["add", "-A"]);
    let modes: &[&[&str]] = &[&["hook"], &["scan", "."], &["scan", "--tracked", "--index"]];
    let names = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["--format", "json"];
        all.extend_from_slice(args);
        let env = first_env(&repo.guard(&all));
        let mut names: Vec<String> = env["secrets"]
            .as_array()
            .unwrap_or_else(|| panic!("{args:?}: {env:#}"))
            .iter()
            .map(|s| s["name"].as_str().unwrap().to_owned())
            .collect();
        names.sort();
        names
    };
    for args in modes {
        assert_eq!(names(args), ["DB_PASSWORD", "OPENAI_API_KEY"], "{args:?}");
    }
    repo.commit_all("venv");
    for args in [&["scan", "--tracked"][..], &["scan", "--history"]] {
        assert_eq!(names(args), ["DB_PASSWORD", "OPENAI_API_KEY"], "{args:?}");
    }
    let run = repo.guard(&["--format", "sarif", "scan", "--tracked"]);
    assert!(
        run.stdout.contains("venv/bin/activate.fish"),
        "{}",
        run.stdout
    );
    let run = repo.guard(&["--format", "github", "scan", "--history"]);
    assert!(
        run.stdout.contains("file=venv/bin/activate.csh"),
        "{}",
        run.stdout
    );
    assert!(!run.all().contains("hunter2") && !run.all().contains("sk-proj"));
}

#[test]
fn a_fixture_that_exports_a_real_looking_credential_fails_in_every_format() {
    let fixture = |repo: &TestRepo, value: &str| {
        layout(
            &repo.root,
            &[
                (
                    "tests/fixtures/venv/pyvenv.cfg",
                    "home = /usr/bin\nversion = 3.11.7\n",
                ),
                (
                    "tests/fixtures/venv/bin/activate",
                    &format!("# fixture\nexport API_TOKEN={value}\n"),
                ),
                ("tests/fixtures/venv/bin/python", "#!/bin/sh\n"),
            ],
        );
        repo.git_ok(&["add", "-A"]);
    };
    let repo = TestRepo::new();
    fixture(&repo, "ghp_4f9a8b7c6d5e4f3a2b1c");
    let run = repo.guard(&["--color", "never", "hook"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stdout.contains("would publish credentials"),
        "{}",
        run.stdout
    );
    let run = repo.guard(&["--format", "github", "hook"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stdout
            .contains("::error file=tests/fixtures/venv/bin/activate"),
        "{}",
        run.stdout
    );
    assert_eq!(repo.guard(&["--format", "json", "hook"]).code, 1);
    assert_eq!(repo.guard(&["--format", "sarif", "hook"]).code, 1);

    // A placeholder is what fixtures hold: a note, in every format.
    let repo = TestRepo::new();
    fixture(&repo, "dummy-token");
    for format in ["human", "json", "sarif", "github"] {
        let run = repo.guard(&["--format", format, "hook"]);
        assert_eq!(run.code, 0, "{format}: {}", run.all());
        assert!(!run.stdout.contains("::error"), "{format}: {}", run.stdout);
    }
}

#[test]
fn committed_credentials_are_said_to_be_published_with_their_commits() {
    let repo = TestRepo::without_hook();
    repo.fake_venv("venv");
    repo.commit_all("add venv");
    repo.write(
        "venv/bin/activate",
        "# This file must be used with \"source bin/activate\"\nexport STRIPE_KEY=sk_live_4f9a8b7c\n",
    );
    let leaked = repo.commit_all("set the key");
    for args in [
        &["scan", "--tracked"][..],
        &["scan", "."],
        &["scan", "--history"],
        &["scan", "--range", "HEAD~1..HEAD"],
    ] {
        let mut all = vec!["--format", "json"];
        all.extend_from_slice(args);
        let env = first_env(&repo.guard(&all));
        assert_eq!(
            env["secret_commits"][0]["commit"]["id"],
            leaked.as_str(),
            "{args:?}: {env:#}"
        );
        assert_eq!(env["secret_commits"][0]["names"][0], "STRIPE_KEY");
        let mut all = vec!["--color", "never"];
        all.extend_from_slice(args);
        let out = repo.guard(&all).stdout;
        assert!(
            out.contains("already published by commit"),
            "{args:?}: {out}"
        );
        assert!(out.contains("Rotate"), "{args:?}: {out}");
        assert!(out.contains(&leaked[..12]), "{args:?}: {out}");
        assert!(!out.contains("would publish"), "{args:?}: {out}");
        assert!(!out.contains("sk_live"), "a value leaked");
    }
    let run = repo.guard(&["--color", "never", "fix"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.contains("does not unpublish"), "{}", run.stdout);
    assert!(run.stdout.contains("Rotate"), "{}", run.stdout);

    // Staged for the first time: not yet published.
    let repo = TestRepo::new();
    repo.fake_venv("venv");
    repo.write("venv/bin/activate", "export STRIPE_KEY=sk_live_4f9a8b7c\n");
    repo.git_ok(&["add", "-A"]);
    let out = repo.guard(&["--color", "never", "hook"]).stdout;
    assert!(out.contains("would publish credentials"), "{out}");
    assert!(!out.contains("published by"), "{out}");
}

#[test]
fn intent_to_add_entries_are_not_committed_so_they_do_not_block() {
    let repo = TestRepo::new();
    repo.write("app.py", "print(1)\n");
    repo.commit_all("app");
    repo.venv("venv");
    repo.git_ok(&["add", "-N", "venv"]);
    let run = repo.guard(&["hook"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(repo.guard(&["scan", "--tracked", "--index"]).code, 0);
    let run = repo.commit(&["--allow-empty"]);
    assert_eq!(run.code, 0, "{}", run.all());
    // Staged for real, it blocks.
    repo.git_ok(&["add", "venv"]);
    assert_eq!(repo.guard(&["hook"]).code, 1);
}

#[test]
fn an_env_deleted_from_disk_but_still_tracked_is_untracked_by_fix() {
    let repo = TestRepo::without_hook();
    repo.write("app.py", "print(1)\n");
    repo.venv("venv");
    repo.commit_all("all");
    fs::remove_dir_all(repo.root.join("venv")).unwrap();
    let run = repo.guard(&["scan"]);
    assert_eq!(run.code, 1, "{}", run.all());
    let run = repo.guard(&["fix"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(repo.tracked(), [".gitignore", "app.py"]);
    assert_eq!(
        fs::read_to_string(repo.root.join(".gitignore")).unwrap(),
        "/venv/\n"
    );
    assert_eq!(repo.guard(&["scan"]).code, 0);
    assert_eq!(repo.guard(&["fix"]).code, 0);
    assert_eq!(repo.tracked(), [".gitignore", "app.py"]);
}

#[test]
fn fixtures_with_links_inside_them_pass_and_an_lfs_pointer_names_the_kind() {
    let repo = TestRepo::without_hook();
    layout(
        &repo.root,
        &[
            (
                "resources/test/venvs/basic/pyvenv.cfg",
                "home = /usr/local/bin\nversion = 3.12.0\n",
            ),
            ("resources/test/venvs/basic/bin/activate", "# stub\n"),
            ("resources/test/venvs/basic/bin/python", "-> python3"),
            ("resources/test/venvs/basic/bin/python3", "-> python3.12"),
            ("resources/test/venvs/basic/bin/python3.12", "#!/bin/sh\n"),
            (
                "resources/test/venvs/basic/lib/python3.12/site-packages/.keep",
                "",
            ),
        ],
    );
    repo.commit_all("fixtures");
    for args in [
        &["scan", "--history"][..],
        &["scan", "--tracked"],
        &["scan", "."],
    ] {
        let run = repo.guard(args);
        assert_eq!(run.code, 0, "{args:?}: {}", run.all());
    }

    let repo = TestRepo::without_hook();
    repo.venv("venv");
    repo.write(
        "venv/pyvenv.cfg",
        "version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 176\n",
    );
    repo.commit_all("lfs");
    let env = first_env(&repo.guard(&["--format", "json", "scan", "--tracked"]));
    assert_eq!(env["kind"], "venv", "{env:#}");
    assert_eq!(env["evidence"][0], "pyvenv.cfg (a Git LFS pointer)");
}

/// Runs `command` with `shell -c` in the repository.
fn in_shell(repo: &TestRepo, shell: &str, command: &str) {
    run_ok(isolated(shell, &repo.root).args(["-c", command]));
}

#[test]
fn printed_commands_mean_the_same_bytes_in_every_posix_shell() {
    for shell in ["sh", "dash", "bash", "zsh"] {
        if !Path::new("/bin").join(shell).exists() && !Path::new("/usr/bin").join(shell).exists() {
            continue;
        }
        let repo = TestRepo::without_hook();
        repo.write("app.py", "print(1)\n");
        repo.venv("my\\cenv");
        repo.venv("new\nline");
        repo.commit_all("envs");
        let run = repo.guard(&["--format", "json", "scan", "--tracked"]);
        let doc = json(&run);
        for env in doc["repositories"][0]["environments"].as_array().unwrap() {
            for command in strings(&env["fix"]) {
                in_shell(&repo, shell, &command);
            }
        }
        let gitignore = fs::read_to_string(repo.root.join(".gitignore")).unwrap();
        assert_eq!(gitignore, "/my\\\\cenv/\n", "{shell}");
        assert_eq!(repo.tracked(), ["app.py"], "{shell}");
        assert_eq!(
            repo.git(&["check-ignore", "-q", "my\\cenv/pyvenv.cfg"])
                .code,
            0
        );
    }
}

#[test]
fn a_root_venv_sharing_bin_lib_and_include_with_the_project_loses_none_of_its_files() {
    let (repo, env_commit) = root_venv_beside(&[
        ("bin/deploy.sh", "#!/bin/sh\necho deploy\n"),
        ("lib/helpers.py", "def help():\n    pass\n"),
        ("include/project.h", "int x;\n"),
        ("app.py", "print(1)\n"),
    ]);
    let project_files = [
        "bin/deploy.sh",
        "lib/helpers.py",
        "include/project.h",
        "app.py",
    ];

    let env = first_env(&repo.guard(&["--format", "json", "scan", "--history"]));
    assert_eq!(env["history"]["first_commit"]["id"], env_commit.as_str());
    let command = remove_command(&env);
    let left = filter_repo_paths(&repo, &command);
    assert_eq!(
        left,
        [
            "app.py",
            "bin/deploy.sh",
            "include/project.h",
            "lib/helpers.py"
        ],
        "{command}"
    );

    let run = repo.guard(&["fix"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_only_the_env_left(
        &repo,
        &project_files,
        &[
            "bin/activate",
            "bin/Activate.ps1",
            "bin/python",
            "lib/python3.11/",
            "lib64",
            "pyvenv.cfg",
        ],
    );
    for file in project_files {
        assert_eq!(
            repo.git(&["check-ignore", "-q", file]).code,
            1,
            "{file} is ignored"
        );
    }
    assert_eq!(repo.guard(&["scan"]).code, 0);
}
