//! `venv-guard scan`: tracked environments, untracked ones git would not ignore, and
//! directories outside git.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;

use crate::common::{layout, TestRepo};

#[test]
fn clean_repository_exits_0() {
    let repo = TestRepo::new();
    repo.write("app.py", "print(1)\n");
    repo.venv("venv");
    repo.write(".gitignore", "venv/\n");
    let run = repo.guard(&["scan"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stdout.contains("no Python environment at risk"),
        "{}",
        run.stdout
    );
}

#[test]
fn reports_tracked_and_unignored_but_not_ignored_or_self_ignoring() {
    let repo = TestRepo::new();
    repo.write("app.py", "print(1)\n");
    repo.venv("committed");
    repo.git_ok(&["add", "-A"]);
    repo.commit(&["--no-verify"]);
    // Ignored now, but still tracked: still a finding.
    repo.write(".gitignore", "/committed/\n/ignored/\n");
    repo.venv("ignored");
    repo.venv("loose");
    repo.venv("selfignoring");
    repo.write("selfignoring/.gitignore", "*\n");

    let run = repo.guard(&["scan", "."]);
    assert_eq!(run.code, 1, "{}", run.all());
    let out = &run.stdout;
    assert!(
        out.contains("error: committed/ is a Python environment, tracked by git"),
        "{out}"
    );
    assert!(
        out.contains("error: loose/ is a Python environment, not ignored"),
        "{out}"
    );
    assert!(out.contains("echo /loose/ >> .gitignore"), "{out}");
    assert!(!out.contains("ignored/ is"), "{out}");
    assert!(!out.contains("selfignoring"), "{out}");
    assert!(out.contains("found 2 Python environments"), "{out}");
}

#[test]
fn scanning_a_subdirectory_limits_the_scan() {
    let repo = TestRepo::new();
    repo.venv("a/venv");
    repo.venv("b/venv");
    let run = repo.guard(&["scan", "a"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stdout.contains("a/venv/"));
    assert!(!run.stdout.contains("b/venv/"), "{}", run.stdout);
}

#[test]
fn outside_git_the_directory_is_still_walked() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = TestRepo::new();
    let dir = tmp.path().join("project");
    std::fs::create_dir(&dir).unwrap();
    layout(&dir, &[("app.py", "x\n")]);
    crate::common::bare_venv(&dir.join("env"));
    let run = repo.guard_in(&dir, &["scan"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stdout.contains("env/ is a Python environment"));

    std::fs::write(dir.join(".gitignore"), "env/\n").unwrap();
    let run = repo.guard_in(&dir, &["scan"]);
    assert_eq!(run.code, 0, "{}", run.all());
}

#[test]
fn the_repository_root_as_an_env_is_reported_once() {
    let repo = TestRepo::new();
    crate::common::bare_venv(&repo.root);
    repo.write("app.py", "x\n");
    let run = repo.guard(&["scan"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert_eq!(run.stdout.matches("error:").count(), 1, "{}", run.stdout);
    assert!(run
        .stdout
        .contains("the repository root is a Python environment, not ignored"));
    assert!(
        run.stdout.contains("echo /pyvenv.cfg >> .gitignore"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("app.py"));
}

#[test]
fn legacy_env_without_root_marker_is_found_by_the_walk() {
    let repo = TestRepo::new();
    layout(
        &repo.root,
        &[
            ("old/bin/activate", "x"),
            ("old/bin/python", "-> /usr/bin/python2.7"),
            ("old/lib/python2.7/orig-prefix.txt", "/usr"),
        ],
    );
    let run = repo.guard(&["scan"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stdout.contains("old/ is a Python environment"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("legacy virtualenv"));
}

#[test]
fn control_characters_and_invalid_utf8_are_escaped() {
    let repo = TestRepo::new();
    let names: [&[u8]; 3] = [b"bad\nname", b"red\x1b[31menv", b"caf\xe9"];
    for name in names {
        let root = repo.root.join(OsStr::from_bytes(name));
        layout(
            &root,
            &[
                ("pyvenv.cfg", "home = /usr/bin\n"),
                ("bin/activate", "x"),
                ("bin/python", "-> /usr/bin/python3"),
            ],
        );
    }
    repo.git_ok(&["add", "-A"]);
    let run = repo.guard(&["hook"]);
    assert_eq!(run.code, 1, "{}", run.all());
    let out = &run.stdout;
    assert!(
        out.contains("error: bad\\nname/ is a Python environment"),
        "{out}"
    );
    assert!(out.contains("red\\x1b[31menv/"), "{out}");
    assert!(!out.contains('\x1b'), "raw escape in output: {out:?}");
    assert!(out.contains("caf\\xe9/"), "{out}");
    assert!(
        out.contains(r#"git rm -r --cached --quiet -- "$(printf 'bad\012name')""#),
        "{out}"
    );

    let run = repo.guard(&["scan"]);
    assert_eq!(run.code, 1);
    assert!(!run.stdout.contains('\x1b'));
}

#[test]
fn colour_follows_the_flag_and_no_color() {
    let repo = TestRepo::new();
    repo.venv("venv");
    let always = repo.guard(&["--color", "always", "scan"]);
    assert!(always.stdout.contains("\x1b["), "{:?}", always.stdout);
    let never = repo.guard(&["--color", "never", "scan"]);
    assert!(!never.stdout.contains("\x1b["));
    // The test harness sets NO_COLOR; auto must honour it (and stdout is not a terminal).
    let auto = repo.guard(&["scan"]);
    assert!(!auto.stdout.contains("\x1b["));
    assert_eq!(auto.code, 1);
}

#[test]
fn bad_arguments_exit_2() {
    let repo = TestRepo::new();
    let run = repo.guard(&["scan", "does-not-exist"]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        run.stderr.starts_with("venv-guard: error: does-not-exist"),
        "{}",
        run.stderr
    );
    let run = repo.guard(&["--bogus"]);
    assert_eq!(run.code, 2);
    let run = repo.guard(&["--version"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.starts_with("venv-guard "));
}

#[test]
fn the_walk_agrees_with_git_on_what_is_ignored() {
    let repo = TestRepo::new();
    repo.write(
        ".gitignore",
        "/build/\nnode_modules/\n*.egg-info/\nenvs/*\n!envs/keep/\n/anchored-env/\n",
    );
    repo.write("services/.gitignore", "ignored-here/\n!re-included/\n");
    repo.write("services/api/.gitignore", "/local-venv/\n");
    repo.write(".git/info/exclude", "excluded-by-info/\n");
    let envs = [
        "build/venv",
        "node_modules/pkg/venv",
        "envs/a",
        "envs/keep",
        "anchored-env",
        "deep/anchored-env",
        "services/ignored-here",
        "services/re-included",
        "services/api/local-venv",
        "services/api/other/local-venv",
        "excluded-by-info",
        "plain",
        ".hidden-venv",
    ];
    for env in envs {
        repo.fake_venv(env);
    }
    let run = repo.guard(&["--format", "json", "scan"]);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let mut reported: Vec<String> = doc["repositories"][0]["environments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["root"].as_str().unwrap().to_owned())
        .collect();
    reported.sort();
    let mut expected: Vec<String> = envs
        .iter()
        .filter(|env| {
            repo.git(&["check-ignore", "-q", &format!("{env}/pyvenv.cfg")])
                .code
                != 0
        })
        .map(|env| env.to_string())
        .collect();
    expected.sort();
    assert_eq!(reported, expected);
    assert!(expected.contains(&"envs/keep".to_owned()) && expected.contains(&"plain".to_owned()));
}

#[test]
fn nested_repositories_are_not_entered() {
    let repo = TestRepo::new();
    let inner = repo.root.join("vendor/other");
    std::fs::create_dir_all(&inner).unwrap();
    repo.git_in(&inner, &["init", "-q"]);
    repo.fake_venv("vendor/other/venv");
    let run = repo.guard(&["scan"]);
    assert_eq!(run.code, 0, "{}", run.all());
}

/// In a linked worktree `.git` is a file: the repository's `info/exclude` lives in the common
/// directory, and the walk prunes with it as git does.
#[test]
fn a_linked_worktree_walk_reads_the_common_info_exclude() {
    let repo = TestRepo::without_hook();
    repo.write("app.py", "print(1)\n");
    repo.commit_all("start");
    let wt = repo.sibling("wt");
    repo.git_ok(&[
        "worktree",
        "add",
        "-q",
        "-b",
        "feature",
        wt.to_str().unwrap(),
    ]);
    std::fs::write(repo.root.join(".git/info/exclude"), "/big/\n").unwrap();
    for i in 0..60 {
        crate::common::write_file(&wt.join(format!("big/f{i}.txt")), b"x\n");
    }
    crate::common::bare_venv(&wt.join("big/venv"));
    assert_eq!(
        repo.git_in(&wt, &["check-ignore", "-q", "big/venv/pyvenv.cfg"])
            .code,
        0,
        "git ignores big/ in the worktree"
    );
    let run = repo.guard_in(&wt, &["--format", "json", "scan", "."]);
    assert_eq!(run.code, 0, "{}", run.all());
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let checked = doc["repositories"][0]["paths_checked"].as_u64().unwrap();
    assert!(
        checked < 20,
        "the walk entered the excluded big/: {checked} paths"
    );
}
