//! The native hook (`hooks/pre-commit` running `venv-guard hook`) under real `git commit`.

use crate::common::{isolated, layout, TestRepo};

/// Runs the fix commands the report printed, from the repository root.
fn run_printed_fix(repo: &TestRepo, report: &str) {
    let commands: Vec<&str> = report
        .lines()
        .map(|l| l.trim_start().trim_start_matches("fix").trim_start())
        .filter(|l| l.starts_with("echo ") || l.starts_with("git rm "))
        .collect();
    assert!(!commands.is_empty(), "no fix commands in:\n{report}");
    for command in commands {
        let out = isolated("sh", &repo.root)
            .arg("-c")
            .arg(command)
            .output()
            .unwrap();
        assert!(out.status.success(), "`{command}` failed: {out:?}");
    }
}

#[test]
fn first_commit_with_a_real_venv_is_blocked_and_the_printed_fix_works() {
    let repo = TestRepo::new();
    repo.write("app.py", "print('hello')\n");
    repo.venv_with_pip("myenv");
    repo.git_ok(&["add", "-A"]);
    let staged = repo.tracked().len();
    assert!(staged > 1000, "pip venv stages {staged} entries");

    let run = repo.commit(&[]);
    assert_eq!(run.code, 1, "{}", run.all());
    let out = run.all();
    assert!(
        out.contains("error: myenv/ is a Python environment, staged for commit"),
        "{out}"
    );
    assert!(out.contains("pyvenv.cfg (home = "), "{out}");
    assert!(
        out.contains(&format!("{} files", thousands(staged - 1))),
        "{out}"
    );
    assert!(
        out.lines().count() < 15,
        "a {staged}-entry env is a few lines:\n{out}"
    );
    assert_ne!(
        repo.git(&["rev-parse", "--verify", "-q", "HEAD"]).code,
        0,
        "nothing committed"
    );

    run_printed_fix(&repo, &out);
    repo.git_ok(&["add", ".gitignore"]);
    let run = repo.commit(&[]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(repo.tracked(), [".gitignore", "app.py"]);
    assert!(
        repo.root.join("myenv/bin/pip").exists(),
        "working files are kept"
    );
}

fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[test]
fn ordinary_commits_pass_silently() {
    let repo = TestRepo::new();
    repo.write("app.py", "print(1)\n");
    repo.write("src/lib/util.py", "x = 1\n");
    repo.write("bin/run", "#!/bin/sh\n");
    repo.git_ok(&["add", "-A"]);
    let run = repo.commit(&[]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(run.all(), "");
}

#[test]
fn commit_all_checks_the_index_git_is_about_to_commit() {
    let repo = TestRepo::new();
    repo.write("app.py", "print(1)\n");
    repo.venv("venv");
    repo.git_ok(&["add", "-A"]);
    repo.commit(&["--no-verify"]);

    // Only a file inside the committed venv changes; `commit -a` stages it in index.lock.
    repo.write(
        "venv/lib/python3.11/site-packages/demo/__init__.py",
        "VALUE = 2\n",
    );
    let run = repo.commit(&["-a"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run
        .all()
        .contains("venv/ is a Python environment, staged for commit"));
    assert!(run.all().contains("1 file,"), "{}", run.all());

    // An unrelated change passes: the already-tracked venv is not part of this commit.
    repo.git_ok(&["checkout", "--", "venv"]);
    repo.write("app.py", "print(2)\n");
    let run = repo.commit(&["-a"]);
    assert_eq!(run.code, 0, "{}", run.all());
}

#[test]
fn commit_with_paths_checks_the_temporary_index() {
    let repo = TestRepo::new();
    repo.write("app.py", "print(1)\n");
    repo.git_ok(&["add", "app.py"]);
    assert_eq!(repo.commit(&[]).code, 0);

    repo.venv("venv");
    repo.git_ok(&["add", "venv"]);
    repo.write("app.py", "print(2)\n");
    // `git commit app.py` builds next-index-*.lock from HEAD plus app.py: no venv in it.
    let run = repo.commit(&["app.py"]);
    assert_eq!(
        run.code,
        0,
        "GIT_INDEX_FILE must be honoured: {}",
        run.all()
    );

    let run = repo.commit(&["venv/lib/python3.11/site-packages/demo/__init__.py"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.all().contains("venv/ is a Python environment"));
}

#[test]
fn linked_worktree_uses_its_own_index() {
    let repo = TestRepo::new();
    repo.write("app.py", "print(1)\n");
    repo.git_ok(&["add", "-A"]);
    assert_eq!(repo.commit(&[]).code, 0);
    let wt = repo.sibling("wt");
    repo.git_ok(&[
        "worktree",
        "add",
        "-q",
        "-b",
        "feature",
        wt.to_str().unwrap(),
    ]);

    crate::common::bare_venv(&wt.join(".venv"));
    assert_eq!(repo.git_in(&wt, &["add", "-A"]).code, 0);
    let run = repo.git_in(&wt, &["commit", "-q", "-m", "wt"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.all().contains(".venv/ is a Python environment"),
        "{}",
        run.all()
    );

    // The main worktree's index is untouched and clean.
    assert_eq!(repo.guard(&["hook"]).code, 0);
}

#[test]
fn a_commit_that_removes_a_tracked_venv_passes() {
    let repo = TestRepo::new();
    repo.write("app.py", "print(1)\n");
    repo.venv("venv");
    repo.git_ok(&["add", "-A"]);
    repo.commit(&["--no-verify"]);
    repo.git_ok(&["rm", "-r", "-q", "--cached", "venv"]);
    repo.write(".gitignore", "/venv/\n");
    repo.git_ok(&["add", ".gitignore"]);
    let run = repo.commit(&[]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(repo.tracked(), [".gitignore", "app.py"]);
}

#[test]
fn nested_env_at_any_depth_is_found() {
    let repo = TestRepo::new();
    repo.write("services/api/main.py", "x = 1\n");
    repo.venv("services/api/.venv");
    repo.git_ok(&["add", "-A"]);
    let run = repo.commit(&[]);
    assert_eq!(run.code, 1);
    assert!(run
        .all()
        .contains("services/api/.venv/ is a Python environment"));
    assert!(run
        .all()
        .contains("echo /services/api/.venv/ >> .gitignore"));
}

#[test]
fn env_at_the_repository_root_flags_only_env_entries() {
    let repo = TestRepo::new();
    crate::common::bare_venv(&repo.root);
    repo.write("app.py", "print(1)\n");
    repo.write("lib/python3.11/site-packages/demo/__init__.py", "x = 1\n");
    repo.git_ok(&["add", "-A"]);
    let run = repo.commit(&[]);
    assert_eq!(run.code, 1, "{}", run.all());
    let out = run.all();
    assert!(
        out.contains("the repository root is a Python environment"),
        "{out}"
    );
    assert!(
        out.contains("git rm -r --cached --quiet -- bin lib lib64 pyvenv.cfg"),
        "{out}"
    );
    assert!(!out.contains("app.py"), "{out}");

    run_printed_fix(&repo, &out);
    repo.git_ok(&["add", ".gitignore"]);
    assert_eq!(repo.commit(&[]).code, 0);
    assert_eq!(repo.tracked(), [".gitignore", "app.py"]);
}

#[test]
fn partial_staging_without_pyvenv_cfg_is_found() {
    let repo = TestRepo::new();
    repo.venv_with_pip("venv");
    repo.git_ok(&["add", "venv/lib"]);
    assert!(!repo.tracked().iter().any(|p| p.ends_with("pyvenv.cfg")));
    let run = repo.commit(&[]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run
        .all()
        .contains("venv/ is a Python environment, staged for commit"));
}

#[test]
fn force_added_self_ignoring_env_is_found() {
    let repo = TestRepo::new();
    repo.write("app.py", "print(1)\n");
    repo.venv(".venv");
    repo.write(
        ".venv/.gitignore",
        "# created by virtualenv automatically\n*\n",
    );
    repo.git_ok(&["add", "-A"]);
    assert_eq!(repo.tracked(), ["app.py"], "the env ignores itself");
    assert_eq!(repo.commit(&[]).code, 0);

    repo.git_ok(&["add", "-f", ".venv"]);
    let run = repo.commit(&[]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.all().contains(".venv/ is a Python environment"));
}

#[test]
fn an_edited_self_ignore_no_longer_protects_the_env() {
    let repo = TestRepo::new();
    repo.venv(".venv");
    repo.write(
        ".venv/.gitignore",
        "# created by virtualenv automatically\n.env\n",
    );
    repo.git_ok(&["add", "-A"]);
    let run = repo.commit(&[]);
    assert_eq!(run.code, 1, "{}", run.all());
}

#[test]
fn test_fixtures_are_notes_unless_strict_but_real_envs_under_tests_block() {
    let repo = TestRepo::new();
    layout(
        &repo.root.join("tests/fixtures/fake-venv"),
        &[
            ("pyvenv.cfg", "home = /usr/bin\nversion = 3.11.7\n"),
            ("bin/python", ""),
            ("bin/activate", "# fake\n"),
            ("lib/python3.11/site-packages/demo.py", ""),
        ],
    );
    repo.git_ok(&["add", "-A"]);
    let run = repo.commit(&[]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run
        .all()
        .contains("note: tests/fixtures/fake-venv/ imitates a Python environment"));

    repo.write("tests/fixtures/fake-venv/bin/activate", "# changed\n");
    repo.git_ok(&["add", "-A"]);
    let run = repo.guard(&["--strict", "hook"]);
    assert_eq!(run.code, 1, "{}", run.all());

    repo.venv("tests/venv");
    repo.git_ok(&["add", "-A"]);
    let run = repo.commit(&[]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run
        .all()
        .contains("error: tests/venv/ is a Python environment"));
}

#[test]
fn hook_with_files_judges_each_batch_alone() {
    let repo = TestRepo::new();
    repo.write("app.py", "print(1)\n");
    repo.write("zzz.py", "print(1)\n");
    repo.venv_with_pip("venv");
    repo.git_ok(&["add", "-A"]);
    let staged = repo.tracked();
    let env_files = staged.iter().filter(|p| p.starts_with("venv/")).count();
    // Batches as the pre-commit framework cuts them: contiguous runs of the sorted list.
    let mut full = 0;
    for batch in staged.chunks(400) {
        let mut args = vec!["hook"];
        args.extend(batch.iter().map(String::as_str));
        let run = repo.guard(&args);
        assert_eq!(
            run.code,
            1,
            "every batch with env files fails alone: {}",
            run.all()
        );
        let out = &run.stdout;
        assert_eq!(
            out.matches("venv/ is a Python environment").count(),
            1,
            "{out}"
        );
        if out.contains("kind ") {
            full += 1;
            assert!(
                out.contains(&format!("{} files", thousands(env_files))),
                "{out}"
            );
        } else {
            assert!(
                out.contains("reported in full with the first batch"),
                "{out}"
            );
            assert!(out.lines().count() <= 3, "{out}");
        }
    }
    assert_eq!(full, 1, "exactly one batch reports the environment in full");

    // A batch holding only site-packages files still finds the root on disk.
    let middle: Vec<&str> = staged
        .iter()
        .filter(|p| p.contains("site-packages/pip/_internal/"))
        .map(String::as_str)
        .take(50)
        .collect();
    let mut args = vec!["hook"];
    args.extend(middle);
    assert_eq!(repo.guard(&args).code, 1);

    let run = repo.guard(&["hook", "app.py", "zzz.py"]);
    assert_eq!(run.code, 0, "{}", run.all());
}

#[test]
fn hook_errors_exit_2_with_one_line() {
    let repo = TestRepo::new();
    let plain = repo.sibling("plain");
    std::fs::create_dir(&plain).unwrap();
    let run = repo.guard_in(&plain, &["hook"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .starts_with("venv-guard: error: not a git repository"),
        "{}",
        run.stderr
    );

    repo.write("app.py", "x\n");
    repo.git_ok(&["add", "app.py"]);
    std::fs::write(repo.root.join(".git/index"), b"DIRC\0\0\0\x02garbage").unwrap();
    let run = repo.guard(&["hook"]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        run.stderr.contains("cannot read the index"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stderr.lines().count(), 1);
}

#[test]
fn unborn_head_with_nothing_staged_is_clean() {
    let repo = TestRepo::new();
    let run = repo.guard(&["hook"]);
    assert_eq!(run.code, 0, "{}", run.all());
}

#[test]
fn hook_script_explains_a_missing_binary() {
    let repo = TestRepo::new();
    let run = isolated(repo.root.join(".git/hooks/pre-commit"), &repo.root)
        .env("PATH", "/usr/bin:/bin")
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("venv-guard binary was not found"),
        "{stderr}"
    );
    assert!(stderr.contains("cargo install"), "{stderr}");

    // git itself stays on PATH, as it is for every hook git runs.
    let git_dir = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .find(|dir| dir.join("git").is_file())
        .unwrap();
    let path = format!("{}:/usr/bin:/bin", git_dir.display());
    let run = isolated(repo.root.join(".git/hooks/pre-commit"), &repo.root)
        .env("PATH", path)
        .env("VENV_GUARD", crate::common::bin())
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0), "VENV_GUARD names the binary");
}

#[test]
fn file_names_that_look_like_options_go_through_the_full_parser() {
    let repo = TestRepo::new();
    repo.write("-odd.py", "x\n");
    repo.venv("venv");
    repo.git_ok(&["add", "-A"]);
    // After `--`, a name starting with '-' is a file, as clap has it.
    let run = repo.guard(&["hook", "--", "-odd.py", "venv/pyvenv.cfg"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stdout.contains("venv/ is a Python environment"));
    // Plain names, the pre-commit framework's case, give the same answer.
    let run = repo.guard(&["hook", "app.py", "venv/pyvenv.cfg", "venv/bin/activate"]);
    assert_eq!(run.code, 1, "{}", run.all());
    let run = repo.guard(&["hook", "--bogus", "venv/pyvenv.cfg"]);
    assert_eq!(
        run.code,
        2,
        "an unknown option is still an error: {}",
        run.all()
    );
}

#[test]
fn credentials_in_activate_scripts_are_named_from_the_staged_blob_never_shown() {
    let repo = TestRepo::new();
    let venv = repo.venv("venv");
    let activate = venv.join("bin/activate");
    let stock = std::fs::read_to_string(&activate).unwrap();
    std::fs::write(
        &activate,
        format!("{stock}export API_KEY=\"sk-live-abc123\"\n"),
    )
    .unwrap();
    let fish = venv.join("bin/activate.fish");
    let stock_fish = std::fs::read_to_string(&fish).unwrap();
    std::fs::write(&fish, format!("{stock_fish}set -gx DB_PASSWORD hunter2\n")).unwrap();
    repo.git_ok(&["add", "-A"]);
    // The working file no longer has the secret, but the staged blob does.
    std::fs::write(&activate, &stock).unwrap();

    let run = repo.commit(&[]);
    assert_eq!(run.code, 1, "{}", run.all());
    let out = run.all();
    assert!(
        out.contains("venv/bin/activate exports API_KEY (values not shown)"),
        "{out}"
    );
    assert!(
        out.contains("venv/bin/activate.fish exports DB_PASSWORD"),
        "{out}"
    );
    assert!(
        !out.contains("sk-live-abc123") && !out.contains("hunter2"),
        "a value leaked: {out}"
    );

    let run = repo.guard(&["--format", "json", "hook"]);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let secrets = &doc["repositories"][0]["environments"][0]["secrets"];
    assert_eq!(secrets.as_array().unwrap().len(), 2, "{doc:#}");
    assert_eq!(secrets[0]["name"], "API_KEY");
    assert!(!run.stdout.contains("sk-live-abc123"));

    // A secret only in the working file is not part of the commit.
    let repo = TestRepo::new();
    let venv = repo.venv("venv");
    repo.git_ok(&["add", "-A"]);
    let activate = venv.join("bin/activate");
    let stock = std::fs::read_to_string(&activate).unwrap();
    std::fs::write(&activate, format!("{stock}export LATER_TOKEN=x\n")).unwrap();
    let run = repo.guard(&["hook"]);
    assert_eq!(run.code, 1);
    assert!(!run.stdout.contains("LATER_TOKEN"), "{}", run.stdout);
}

#[test]
fn stock_activate_scripts_of_real_venvs_have_no_secrets() {
    let repo = TestRepo::new();
    repo.venv_with_pip("venv");
    repo.git_ok(&["add", "-A"]);
    let run = repo.guard(&["--format", "json", "hook"]);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        doc["repositories"][0]["environments"][0]["secrets"],
        serde_json::json!([]),
        "{doc:#}"
    );
}
