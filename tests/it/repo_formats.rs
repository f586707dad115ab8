//! Repositories in the formats git makes beyond its old defaults: SHA-256 object names and
//! reftable refs (Git 3.0's announced defaults), read through the `git` on `PATH` since libgit2
//! cannot open them. The git-facing tests of the suite also run in each format
//! (`VENV_GUARD_TEST_REPO_FORMAT`, from `.ci/run`); these check each mode directly.

use crate::common::{bare_venv, TestRepo};

/// A repository made by `git init FLAGS`, with the project's hook installed.
fn repo_with(flags: &[&str]) -> TestRepo {
    let repo = TestRepo::without_hook();
    std::fs::remove_dir_all(repo.root.join(".git")).unwrap();
    let mut init = vec!["init", "-q", "-b", "main"];
    init.extend_from_slice(flags);
    repo.git_ok(&init);
    repo.install_hook();
    repo
}

#[test]
fn sha256_and_reftable_repositories_work_in_every_mode() {
    for flags in [
        &["--object-format=sha256"][..],
        &["--ref-format=reftable"],
        &["--object-format=sha256", "--ref-format=reftable"],
    ] {
        let repo = repo_with(flags);
        repo.write("app.py", "print(1)\n");
        assert_eq!(repo.commit(&["-a", "--allow-empty"]).code, 0);
        repo.git_ok(&["add", "app.py"]);
        assert_eq!(
            repo.commit(&[]).code,
            0,
            "{flags:?}: an ordinary commit passes"
        );

        // The hook, through a real `git commit`, blocks a staged venv.
        bare_venv(&repo.root.join("venv"));
        repo.git_ok(&["add", "-A"]);
        let run = repo.commit(&[]);
        assert_eq!(run.code, 1, "{flags:?}: {}", run.all());
        assert!(
            run.all().contains("venv/ is a Python environment"),
            "{}",
            run.all()
        );
        let run = repo.guard(&["scan", "--tracked", "--index"]);
        assert_eq!(run.code, 1, "{flags:?}: {}", run.all());
        let run = repo.guard(&["scan", "."]);
        assert_eq!(run.code, 1, "{flags:?}: {}", run.all());

        // `hook --fix` untracks it and writes the rule; the next commit passes.
        let run = repo.guard(&["hook", "--fix"]);
        assert_eq!(run.code, 1, "{flags:?}: {}", run.all());
        assert!(!repo.tracked().iter().any(|p| p.starts_with("venv/")));
        assert_eq!(repo.git(&["check-ignore", "-q", "venv/pyvenv.cfg"]).code, 0);
        assert_eq!(repo.commit(&[]).code, 0, "{flags:?}");

        // A venv committed without the hook: `fix` untracks it.
        bare_venv(&repo.root.join("env2"));
        repo.commit_all("env2");
        let run = repo.guard(&["fix"]);
        assert_eq!(run.code, 0, "{flags:?}: {}", run.all());
        assert!(!repo.tracked().iter().any(|p| p.starts_with("env2/")));
        assert_eq!(repo.guard(&["scan", "."]).code, 0, "{flags:?}");
        assert_eq!(
            repo.guard(&["scan", "--tracked"]).code,
            1,
            "{flags:?}: HEAD has it"
        );
        assert_eq!(repo.commit(&[]).code, 0, "{flags:?}");

        // The modes that read commits and trees read them through git too.
        let run = repo.guard(&["--format", "json", "scan", "--history"]);
        assert_eq!(run.code, 1, "{flags:?}: {}", run.all());
        assert_eq!(crate::common::env_roots(&run), ["env2"], "{flags:?}");
        let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        let first = &doc["repositories"][0]["environments"][0]["history"]["first_commit"]["id"];
        let expected = repo
            .git_ok(&["log", "--diff-filter=A", "--format=%H", "--", "env2"])
            .stdout;
        assert_eq!(first.as_str().unwrap(), expected.trim(), "{flags:?}");
        assert_eq!(repo.guard(&["scan", "--tracked"]).code, 0, "{flags:?}");
        let run = repo.guard(&["scan", "--range", "HEAD~2..HEAD"]);
        assert_eq!(run.code, 1, "{flags:?}: {}", run.all());
        let run = repo.guard(&["scan", "--range", "nope..HEAD"]);
        assert_eq!(run.code, 2);
        assert!(
            run.stderr.contains("cannot resolve the revision"),
            "{}",
            run.stderr
        );
    }
}
