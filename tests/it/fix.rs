//! `venv-guard fix` and `hook --fix` on real repositories: after each fix, `git status` and
//! `git check-ignore` agree with the report, every working file of the environment is intact,
//! and the next commit passes the hook.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::common::{isolated, TestRepo};

/// Every file below `dir`: its bytes, or its link target for a symlink.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            let md = fs::symlink_metadata(&path).unwrap();
            let key = path
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            if md.file_type().is_symlink() {
                let target = fs::read_link(&path).unwrap();
                out.insert(key, target.to_string_lossy().as_bytes().to_vec());
            } else if md.is_dir() {
                stack.push(path);
            } else {
                out.insert(key, fs::read(&path).unwrap());
            }
        }
    }
    out
}

/// `git check-ignore -q` on a path: true when git ignores it.
fn git_ignores(repo: &TestRepo, path: &str) -> bool {
    repo.git(&["check-ignore", "-q", path]).code == 0
}

/// The state that must hold after any successful fix of the environment at `root`.
fn assert_fixed(repo: &TestRepo, root: &str, before: &BTreeMap<String, Vec<u8>>) {
    assert_eq!(
        &snapshot(&repo.root.join(root)),
        before,
        "working files of {root} changed"
    );
    assert!(
        !repo
            .tracked()
            .iter()
            .any(|p| p.starts_with(&format!("{root}/"))),
        "{root} is still in the index"
    );
    assert!(
        git_ignores(repo, &format!("{root}/pyvenv.cfg")),
        "git does not ignore {root}"
    );
    let status = repo
        .git_ok(&["status", "--porcelain", "--untracked-files=all"])
        .stdout;
    assert!(
        !status
            .lines()
            .any(|l| l.starts_with("??") && l.contains(root)),
        "git status shows {root} untracked:\n{status}"
    );
    assert_eq!(repo.guard(&["scan"]).code, 0, "scan still finds something");
    let run = repo.commit(&["--allow-empty"]);
    assert_eq!(
        run.code,
        0,
        "the next commit must pass the hook: {}",
        run.all()
    );
}

fn index_bytes(repo: &TestRepo) -> Vec<u8> {
    fs::read(repo.root.join(".git/index")).unwrap_or_default()
}

#[test]
fn fixes_a_staged_venv() {
    let repo = TestRepo::new();
    repo.write("app.py", "print(1)\n");
    repo.write("requirements.txt", "requests\n");
    repo.venv("venv");
    repo.git_ok(&["add", "-A"]);
    let before = snapshot(&repo.root.join("venv"));
    let run = repo.guard(&["fix"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stdout.contains("fixed 1 Python environment"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("added /venv/"), "{}", run.stdout);
    assert!(run.stdout.contains("removed 10 entries"), "{}", run.stdout);
    assert!(
        !run.stdout.contains("hint:"),
        "a requirements file exists: {}",
        run.stdout
    );
    assert_eq!(
        fs::read_to_string(repo.root.join(".gitignore")).unwrap(),
        "/venv/\n"
    );
    let status = repo.git_ok(&["status", "--porcelain"]).stdout;
    assert!(status.contains("A  .gitignore"), "{status}");
    assert_fixed(&repo, "venv", &before);
    assert_eq!(repo.tracked(), [".gitignore", "app.py", "requirements.txt"]);
}

#[test]
fn fixes_a_venv_committed_three_commits_ago_and_twice_changes_nothing() {
    let repo = TestRepo::new();
    repo.venv("env");
    repo.write("app.py", "v1\n");
    repo.git_ok(&["add", "-A"]);
    repo.commit(&["--no-verify"]);
    for v in ["v2\n", "v3\n"] {
        repo.write("app.py", v);
        repo.git_ok(&["commit", "-q", "-am", "more"]);
    }
    let before = snapshot(&repo.root.join("env"));
    let run = repo.guard(&["fix"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stdout.contains("hint:"),
        "no requirements file: suggest --freeze"
    );
    assert_fixed(&repo, "env", &before);

    let gitignore = fs::read(repo.root.join(".gitignore")).unwrap();
    let index = index_bytes(&repo);
    let run = repo.guard(&["fix"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.contains("nothing to fix"), "{}", run.stdout);
    assert_eq!(fs::read(repo.root.join(".gitignore")).unwrap(), gitignore);
    assert_eq!(index_bytes(&repo), index);
}

#[test]
fn fixes_an_env_at_the_repository_root_keeping_the_project() {
    let repo = TestRepo::new();
    crate::common::bare_venv(&repo.root);
    repo.write("app.py", "print(1)\n");
    repo.write("pyproject.toml", "[project]\nname = 'x'\n");
    repo.git_ok(&["add", "-A"]);
    repo.commit(&["--no-verify"]);
    let run = repo.guard(&["fix"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(
        fs::read_to_string(repo.root.join(".gitignore")).unwrap(),
        "/bin/\n/include/\n/lib/\n/lib64\n/pyvenv.cfg\n"
    );
    assert_eq!(repo.tracked(), [".gitignore", "app.py", "pyproject.toml"]);
    assert!(git_ignores(&repo, "pyvenv.cfg"));
    assert!(git_ignores(&repo, "bin/python"));
    assert!(!git_ignores(&repo, "app.py"));
    assert_eq!(repo.commit(&[]).code, 0);
}

#[test]
fn keeps_crlf_and_adds_a_missing_final_newline() {
    for (old, new) in [
        (
            &b"*.log\r\n/dist/\r\n"[..],
            &b"*.log\r\n/dist/\r\n/venv/\r\n"[..],
        ),
        (b"*.log\r\n/dist/", b"*.log\r\n/dist/\r\n/venv/\r\n"),
        (b"*.log\n# no newline", b"*.log\n# no newline\n/venv/\n"),
    ] {
        let repo = TestRepo::new();
        fs::write(repo.root.join(".gitignore"), old).unwrap();
        repo.venv("venv");
        repo.git_ok(&["add", "-A"]);
        let before = snapshot(&repo.root.join("venv"));
        let run = repo.guard(&["fix"]);
        assert_eq!(run.code, 0, "{}", run.all());
        assert_eq!(fs::read(repo.root.join(".gitignore")).unwrap(), new);
        assert_fixed(&repo, "venv", &before);
    }
}

#[test]
fn a_negation_that_defeats_a_naive_rule_is_beaten() {
    // A negation in the root file: the rule goes after it.
    let repo = TestRepo::new();
    repo.write(".gitignore", "/venv/\n!venv/\n");
    repo.venv("venv");
    repo.git_ok(&["add", "-A"]);
    let before = snapshot(&repo.root.join("venv"));
    assert_eq!(repo.guard(&["fix"]).code, 0);
    assert_eq!(
        fs::read_to_string(repo.root.join(".gitignore")).unwrap(),
        "/venv/\n!venv/\n/venv/\n"
    );
    assert_fixed(&repo, "venv", &before);

    // A negation in a nested .gitignore beats any root rule: the rule moves next to the env.
    let repo = TestRepo::new();
    repo.write("services/.gitignore", "!api/.venv/\n");
    repo.write("services/api/main.py", "x\n");
    repo.venv("services/api/.venv");
    repo.git_ok(&["add", "-A"]);
    let before = snapshot(&repo.root.join("services/api/.venv"));
    let run = repo.guard(&["fix"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stdout.contains("services/api/.gitignore"),
        "{}",
        run.stdout
    );
    assert_eq!(
        fs::read_to_string(repo.root.join("services/api/.gitignore")).unwrap(),
        "/.venv/\n"
    );
    assert_fixed(&repo, "services/api/.venv", &before);
    assert!(repo
        .tracked()
        .contains(&"services/api/.gitignore".to_owned()));
}

#[test]
fn a_read_only_gitignore_is_a_clear_error_and_nothing_changes() {
    let repo = TestRepo::new();
    repo.write(".gitignore", "*.log\n");
    let gi = repo.root.join(".gitignore");
    fs::set_permissions(&gi, fs::Permissions::from_mode(0o444)).unwrap();
    repo.venv("venv");
    repo.git_ok(&["add", "-A"]);
    let index = index_bytes(&repo);
    let run = repo.guard(&["fix"]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        run.stderr
            .contains(".gitignore is read-only; nothing was changed"),
        "{}",
        run.stderr
    );
    assert_eq!(fs::read(&gi).unwrap(), b"*.log\n");
    assert_eq!(index_bytes(&repo), index);
    assert!(
        !repo.root.join(".git/index.lock").exists(),
        "the lock is released"
    );
}

#[test]
fn a_held_index_lock_is_a_clear_error_and_nothing_changes() {
    let repo = TestRepo::new();
    repo.write(".gitignore", "*.log\n");
    repo.venv("venv");
    repo.git_ok(&["add", "-A"]);
    let index = index_bytes(&repo);
    // Another git process holds the lock: git itself waits in `git add` for it.
    let lock = repo.root.join(".git/index.lock");
    fs::write(&lock, b"").unwrap();
    let run = repo.guard(&["fix"]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stderr.contains("index.lock exists"), "{}", run.stderr);
    assert_eq!(fs::read(repo.root.join(".gitignore")).unwrap(), b"*.log\n");
    assert_eq!(index_bytes(&repo), index);
    assert!(lock.exists(), "someone else's lock is left alone");
    fs::remove_file(&lock).unwrap();
    assert_eq!(repo.guard(&["fix"]).code, 0);
}

#[test]
fn fixes_two_envs_at_once_tracked_and_unignored() {
    let repo = TestRepo::new();
    repo.venv("a/.venv");
    repo.git_ok(&["add", "-A"]);
    repo.commit(&["--no-verify"]);
    repo.venv("b/venv");
    let before_a = snapshot(&repo.root.join("a/.venv"));
    let before_b = snapshot(&repo.root.join("b/venv"));
    let run = repo.guard(&["fix"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stdout.contains("fixed 2 Python environments"),
        "{}",
        run.stdout
    );
    assert_eq!(
        fs::read_to_string(repo.root.join(".gitignore")).unwrap(),
        "/a/.venv/\n/b/venv/\n"
    );
    assert_fixed(&repo, "a/.venv", &before_a);
    assert_fixed(&repo, "b/venv", &before_b);
}

#[test]
fn dry_run_changes_nothing() {
    let repo = TestRepo::new();
    repo.venv("venv");
    repo.git_ok(&["add", "-A"]);
    let index = index_bytes(&repo);
    let run = repo.guard(&["fix", "--dry-run"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.contains("would add /venv/"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("would remove 10 entries: git rm -r --cached -- venv"),
        "{}",
        run.stdout
    );
    assert!(!repo.root.join(".gitignore").exists());
    assert_eq!(index_bytes(&repo), index);
}

#[test]
fn inner_style_writes_a_self_ignore() {
    let repo = TestRepo::new();
    repo.venv("venv");
    repo.git_ok(&["add", "-A"]);
    let run = repo.guard(&["fix", "--inner"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(
        fs::read_to_string(repo.root.join("venv/.gitignore")).unwrap(),
        "*\n"
    );
    assert!(!repo.root.join(".gitignore").exists());
    assert!(repo.tracked().is_empty());
    assert!(git_ignores(&repo, "venv/pyvenv.cfg"));
    assert_eq!(repo.guard(&["scan"]).code, 0);
}

/// An index that lists an environment's files where the working tree has a symlink to a folder
/// outside: `fix --inner` (and a nested rule) would write through it. Nothing is written
/// outside the repository, nor inside it; the index is unchanged.
#[test]
fn a_symlinked_folder_is_never_written_through() {
    let repo = TestRepo::new();
    repo.venv("pkg/venv");
    repo.git_ok(&["add", "-A"]);
    let index = index_bytes(&repo);
    let outside = repo.sibling("outside");
    fs::rename(repo.root.join("pkg"), &outside).unwrap();
    crate::common::symlink("../outside", &repo.root.join("pkg"));
    let run = repo.guard(&["fix", "--inner"]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(run.stderr.contains("not written through"), "{}", run.stderr);
    assert!(!outside.join("venv/.gitignore").exists());
    assert_eq!(index_bytes(&repo), index);
    // The root's .gitignore is inside: the usual fix writes it. Where git (SHA-256, reftable)
    // answers whether the rule holds, it does not look beyond the link, so a nested rule is
    // tried next and refused the same way, with nothing changed. Nothing is written outside.
    let run = repo.guard(&["fix"]);
    if run.code == 0 {
        assert_eq!(
            fs::read_to_string(repo.root.join(".gitignore")).unwrap(),
            "/pkg/venv/\n"
        );
    } else {
        assert_eq!(run.code, 2, "{}", run.all());
        assert!(run.stderr.contains("not written through"), "{}", run.stderr);
        assert!(!repo.root.join(".gitignore").exists());
        assert_eq!(index_bytes(&repo), index);
    }
    assert!(!outside.join("venv/.gitignore").exists());
    assert!(!outside.join(".gitignore").exists());
}

#[test]
fn freeze_lists_a_package_installed_from_pypi() {
    let repo = TestRepo::new();
    let venv = repo.venv_with_pip("venv");
    crate::common::run_ok(
        crate::common::pip_install(&venv.join("bin/python"), &repo.root).arg("six==1.16.0"),
    );
    repo.git_ok(&["add", "-A"]);
    let run = repo.guard(&["fix", "--freeze", "requirements.txt"]);
    assert_eq!(run.code, 0, "{}", run.all());
    let reqs = fs::read_to_string(repo.root.join("requirements.txt")).unwrap();
    assert!(reqs.lines().any(|l| l == "six==1.16.0"), "{reqs}");
    assert!(
        !reqs.contains("pip=="),
        "pip is left out, as pip freeze does: {reqs}"
    );
    assert!(run.stdout.contains("requirements.txt"), "{}", run.stdout);

    // An existing file is not overwritten without --force.
    repo.venv("other");
    let run = repo.guard(&["fix", "--freeze", "requirements.txt"]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stderr.contains("pass --force"), "{}", run.stderr);
    assert_eq!(
        fs::read_to_string(repo.root.join("requirements.txt")).unwrap(),
        reqs
    );
    let run = repo.guard(&["fix", "--freeze", "requirements.txt", "--force"]);
    assert_eq!(run.code, 0, "{}", run.all());
}

#[test]
fn hook_fix_repairs_and_still_fails_then_the_commit_passes() {
    let repo = TestRepo::new();
    crate::common::write_executable(
        &repo.root.join(".git/hooks/pre-commit"),
        b"#!/bin/sh\nexec venv-guard hook --fix\n",
        0o755,
    );
    repo.write("app.py", "x\n");
    repo.venv("venv");
    repo.git_ok(&["add", "-A"]);
    let before = snapshot(&repo.root.join("venv"));
    let run = repo.commit(&[]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.all().contains("Commit blocked; fixing it"),
        "{}",
        run.all()
    );
    assert!(run.all().contains("added /venv/"), "{}", run.all());
    assert_eq!(repo.tracked(), [".gitignore", "app.py"]);
    assert_fixed(&repo, "venv", &before);
}

#[test]
fn hook_fix_under_commit_all_only_edits_gitignore() {
    let repo = TestRepo::new();
    crate::common::write_executable(
        &repo.root.join(".git/hooks/pre-commit"),
        b"#!/bin/sh\nexec venv-guard hook --fix\n",
        0o755,
    );
    repo.venv("venv");
    repo.git_ok(&["add", "-A"]);
    repo.commit(&["--no-verify"]);
    repo.write(
        "venv/lib/python3.11/site-packages/demo/__init__.py",
        "VALUE = 2\n",
    );
    let run = repo.commit(&["-a"]);
    assert_eq!(run.code, 1, "{}", run.all());
    let out = run.all();
    assert!(out.contains("in use by the running `git commit`"), "{out}");
    assert!(out.contains("git rm -r --cached --quiet -- venv"), "{out}");
    assert_eq!(
        fs::read_to_string(repo.root.join(".gitignore")).unwrap(),
        "/venv/\n"
    );
    assert!(
        repo.tracked().iter().any(|p| p.starts_with("venv/")),
        "the index is git's"
    );
    repo.git_ok(&["rm", "-r", "-q", "--cached", "--", "venv"]);
    repo.git_ok(&["add", "--", ".gitignore"]);
    let run = repo.commit(&[]);
    assert_eq!(run.code, 0, "{}", run.all());
}

#[test]
fn a_symlinked_gitignore_is_not_followed_and_permissions_are_kept() {
    let repo = TestRepo::new();
    let outside = repo.sibling("outside-ignore");
    fs::write(&outside, "*.log\n").unwrap();
    std::os::unix::fs::symlink(&outside, repo.root.join(".gitignore")).unwrap();
    repo.venv("venv");
    repo.git_ok(&["add", "venv"]);
    let run = repo.guard(&["fix"]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        run.stderr.contains("is a symlink or not a regular file"),
        "{}",
        run.stderr
    );
    assert_eq!(fs::read(&outside).unwrap(), b"*.log\n");

    fs::remove_file(repo.root.join(".gitignore")).unwrap();
    repo.write(".gitignore", "*.log\n");
    fs::set_permissions(
        repo.root.join(".gitignore"),
        fs::Permissions::from_mode(0o640),
    )
    .unwrap();
    assert_eq!(repo.guard(&["fix"]).code, 0);
    let mode = fs::metadata(repo.root.join(".gitignore"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o640);
}

#[test]
fn two_fixes_at_once_leave_a_correct_result() {
    for _ in 0..10 {
        let repo = TestRepo::new();
        repo.write(".gitignore", "*.log\n");
        repo.venv("venv");
        repo.venv("other/.venv");
        repo.git_ok(&["add", "-A"]);
        let spawn = || {
            isolated(crate::common::bin(), &repo.root)
                .arg("fix")
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        };
        let (a, b) = (spawn(), spawn());
        let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
        let codes = [a.status.code(), b.status.code()];
        assert!(codes.contains(&Some(0)), "one fix succeeds: {codes:?}");
        for out in [&a, &b] {
            if out.status.code() == Some(2) {
                let err = String::from_utf8_lossy(&out.stderr);
                assert!(err.contains("nothing was changed"), "{err}");
            }
        }
        // Whatever the interleaving, a second pass finishes the job and the result is whole.
        assert_eq!(repo.guard(&["fix"]).code, 0);
        let gitignore = fs::read_to_string(repo.root.join(".gitignore")).unwrap();
        assert_eq!(gitignore.matches("/venv/\n").count(), 1, "{gitignore}");
        assert_eq!(
            gitignore.matches("/other/.venv/\n").count(),
            1,
            "{gitignore}"
        );
        assert!(gitignore.starts_with("*.log\n"));
        assert!(
            repo.tracked().iter().all(|p| !p.contains("venv/")),
            "{:?}",
            repo.tracked()
        );
        assert!(repo.root.join("venv/pyvenv.cfg").exists());
    }
}

#[test]
fn a_failing_write_is_a_clear_error_and_the_old_gitignore_stays() {
    // `ulimit -f 0` makes every write fail with EFBIG, as a full or read-only disk would fail
    // it (with SIGXFSZ ignored, the write returns an error instead of killing the process).
    let repo = TestRepo::new();
    repo.write(".gitignore", "*.log\r\n");
    repo.venv("venv");
    repo.git_ok(&["add", "-A"]);
    let index = index_bytes(&repo);
    let out = isolated("sh", &repo.root)
        .arg("-c")
        .arg("trap '' XFSZ; ulimit -f 0; exec \"$0\" fix")
        .arg(crate::common::bin())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("cannot write") && stderr.contains("nothing was changed"),
        "{stderr}"
    );
    assert_eq!(
        fs::read(repo.root.join(".gitignore")).unwrap(),
        b"*.log\r\n"
    );
    assert_eq!(index_bytes(&repo), index);
    assert!(!repo.root.join(".git/index.lock").exists());
    let litter: Vec<_> = fs::read_dir(&repo.root)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with(".venv-guard-"))
        .collect();
    assert!(litter.is_empty(), "temporary files are removed on error");
}

/// The `venv-guard-index*` entries in the git directory.
fn scratch_dirs(repo: &TestRepo) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(repo.root.join(".git"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("venv-guard-index"))
        .collect();
    names.sort();
    names
}

/// A scratch directory as a `fix` killed while writing the index leaves it: a full copy of the
/// index, and the lock libgit2 or git held on it.
fn stale_scratch(repo: &TestRepo, name: &str) {
    let dir = repo.root.join(".git").join(name);
    fs::create_dir(&dir).unwrap();
    fs::copy(repo.root.join(".git/index"), dir.join("index")).unwrap();
    fs::write(dir.join("index.lock"), b"").unwrap();
}

#[test]
fn scratch_directories_left_by_a_killed_fix_are_removed_under_the_lock() {
    let repo = TestRepo::new();
    repo.venv("venv");
    repo.git_ok(&["add", "-A"]);
    stale_scratch(&repo, "venv-guard-indexAb12Cd");
    stale_scratch(&repo, "venv-guard-indexQx9z");
    // Not venv-guard's: a file it never writes there, a name it never makes, a symlink.
    stale_scratch(&repo, "venv-guard-indexKeep01");
    fs::write(
        repo.root.join(".git/venv-guard-indexKeep01/notes"),
        b"mine\n",
    )
    .unwrap();
    stale_scratch(&repo, "venv-guard-index-mine");
    let target = repo.sibling("elsewhere");
    fs::create_dir(&target).unwrap();
    fs::copy(repo.root.join(".git/index"), target.join("index")).unwrap();
    std::os::unix::fs::symlink(&target, repo.root.join(".git/venv-guard-indexLink01")).unwrap();
    let kept = [
        "venv-guard-index-mine",
        "venv-guard-indexKeep01",
        "venv-guard-indexLink01",
    ];

    // Someone else's lock: nothing is touched, the fix is a one-line error.
    let lock = repo.root.join(".git/index.lock");
    fs::write(&lock, b"").unwrap();
    let run = repo.guard(&["fix"]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stderr.contains("index.lock exists"), "{}", run.stderr);
    assert_eq!(run.stderr.trim().lines().count(), 1, "{}", run.stderr);
    assert!(lock.exists());
    assert_eq!(scratch_dirs(&repo).len(), 5, "{:?}", scratch_dirs(&repo));
    fs::remove_file(&lock).unwrap();

    // Under venv-guard's own lock the killed writers' directories go, and only they.
    let run = repo.guard(&["fix"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(scratch_dirs(&repo), kept);
    assert!(repo.root.join(".git/venv-guard-indexKeep01/index").exists());
    assert!(target.join("index").exists(), "a symlink is not followed");
    assert!(!repo.tracked().iter().any(|p| p.starts_with("venv/")));
}
