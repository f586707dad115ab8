//! The command line as people expect it: completions, a manual page, `--exit-zero`,
//! `--output`, colour variables, and global options refused where they would be ignored.

use crate::common::{isolated, TestRepo};

/// A repository with a venv staged.
fn staged() -> TestRepo {
    let repo = TestRepo::without_hook();
    repo.write("app.py", "print(1)\n");
    repo.venv("venv");
    repo.git_ok(&["add", "-A"]);
    repo
}

#[test]
fn completions_for_every_shell_and_a_manual_page() {
    let repo = TestRepo::without_hook();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let run = repo.guard(&["completions", shell]);
        assert_eq!(run.code, 0, "{shell}: {}", run.all());
        assert!(run.stdout.contains("venv-guard"), "{shell}");
        assert!(
            run.stdout.contains("history"),
            "{shell}: the scan flags are completed"
        );
    }
    // bash itself reads the script and registers the completion.
    let script = repo.guard(&["completions", "bash"]).stdout;
    let out = isolated("bash", &repo.root)
        .args(["-c", &format!("{script}\ncomplete -p venv-guard")])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("venv-guard"));

    let man = repo.guard(&["man"]);
    assert_eq!(man.code, 0, "{}", man.all());
    assert!(
        man.stdout.starts_with(".ie") || man.stdout.contains(".TH"),
        "{}",
        man.stdout
    );
    assert!(man.stdout.contains("venv\\-guard"), "{}", man.stdout);
    let bad = repo.guard(&["completions", "tcsh"]);
    assert_eq!(bad.code, 2, "{}", bad.all());
}

#[test]
fn exit_zero_reports_findings_and_still_fails_on_errors() {
    let repo = staged();
    let run = repo.guard(&["--exit-zero", "hook"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.all().contains("venv/"), "{}", run.all());
    let run = repo.guard(&["--exit-zero", "scan", "--tracked", "--index"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.all().contains("venv/"), "{}", run.all());
    let run = repo.guard(&["--exit-zero", "scan", "--range", "nope..HEAD"]);
    assert_eq!(run.code, 2, "{}", run.all());
}

#[test]
fn output_writes_the_report_to_a_file_even_when_the_check_fails() {
    let repo = staged();
    let report = repo.root.join("report.sarif");
    let run = repo.guard(&["--format", "sarif", "-o", "report.sarif", "hook"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert!(!doc["runs"][0]["results"].as_array().unwrap().is_empty());
    assert_eq!(
        doc["runs"][0]["invocations"][0]["executionSuccessful"],
        true
    );

    // A check that cannot run still leaves a whole document that says so, and exits 2.
    for format in ["sarif", "json"] {
        let out = format!("error.{format}");
        let run = repo.guard(&[
            "--format",
            format,
            "--output",
            &out,
            "scan",
            "--range",
            "nope..HEAD",
        ]);
        assert_eq!(run.code, 2, "{}", run.all());
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
        let text = std::fs::read_to_string(repo.root.join(&out)).unwrap();
        let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
        if format == "sarif" {
            assert_eq!(
                doc["runs"][0]["invocations"][0]["executionSuccessful"],
                false
            );
        } else {
            assert!(!doc["repositories"][0]["error"].is_null(), "{doc:#}");
        }
    }
    // `baseline` writes its file where --output says.
    let run = repo.guard(&["baseline", "-o", "base.json"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(repo.root.join("base.json").is_file());
}

#[test]
fn global_options_that_do_not_apply_are_refused() {
    let repo = staged();
    for args in [
        &["--format", "json", "fix"][..],
        &["--output", "x", "fix"],
        &["--exit-zero", "install"],
        &["--format", "json", "hook", "--fix"],
        &["--strict", "uninstall"],
        &["--baseline", "b.json", "man"],
    ] {
        let run = repo.guard(args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.all());
        assert!(
            run.stderr.contains("does not apply"),
            "{args:?}: {}",
            run.stderr
        );
    }
    // Nothing was changed by the refused fix.
    assert!(!repo.root.join(".gitignore").exists());
}

#[test]
fn colour_is_forced_by_force_color_and_clicolor_force_and_off_with_no_color() {
    let repo = staged();
    let hook = |vars: &[(&str, &str)]| {
        let mut cmd = isolated(crate::common::bin(), &repo.root);
        cmd.env_remove("NO_COLOR").arg("hook");
        for (k, v) in vars {
            cmd.env(k, v);
        }
        String::from_utf8(cmd.output().unwrap().stdout).unwrap()
    };
    assert!(!hook(&[]).contains('\x1b'), "not a terminal: no colour");
    assert!(hook(&[("FORCE_COLOR", "1")]).contains('\x1b'));
    assert!(hook(&[("CLICOLOR_FORCE", "1")]).contains('\x1b'));
    assert!(!hook(&[("FORCE_COLOR", "0")]).contains('\x1b'));
    assert!(!hook(&[("FORCE_COLOR", "1"), ("NO_COLOR", "1")]).contains('\x1b'));
}

/// A team decides to leave an environment in old commits: `baseline --history` records it, and
/// the CI history step passes; the same environment committed again still fails
/// `scan --tracked`, and an environment the baseline does not name fails the history step.
#[test]
fn a_history_baseline_accepts_old_commits_only() {
    let repo = TestRepo::without_hook();
    repo.write("app.py", "print(1)\n");
    repo.venv("venv");
    repo.commit_all("venv committed");
    repo.git_ok(&["rm", "-r", "-q", "--cached", "venv"]);
    repo.git_ok(&["commit", "-q", "-m", "venv untracked"]);
    assert_eq!(repo.guard(&["scan", "--history"]).code, 1);

    let run = repo.guard(&["baseline", "--history", "-o", "history-baseline.json"]);
    assert_eq!(run.code, 0, "{}", run.all());
    let text = std::fs::read_to_string(repo.root.join("history-baseline.json")).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["environments"][0]["root"], "venv", "{text}");
    assert_eq!(doc["environments"][0]["history"], true, "{text}");
    let with = ["--baseline", "history-baseline.json"];
    let run = repo.guard(&[&with[..], &["scan", "--history"]].concat());
    assert_eq!(run.code, 0, "{}", run.all());

    // Committed again: the tracked check is not silenced by a history entry.
    repo.git_ok(&["add", "-f", "venv"]);
    repo.git_ok(&["commit", "-q", "-m", "venv again"]);
    let run = repo.guard(&[&with[..], &["scan", "--tracked"]].concat());
    assert_eq!(run.code, 1, "{}", run.all());
    // Another environment in the history fails the history step.
    repo.venv("other");
    repo.commit_all("other");
    let run = repo.guard(&[&with[..], &["--format", "json", "scan", "--history"]].concat());
    assert_eq!(run.code, 1, "{}", run.all());
    assert_eq!(crate::common::env_roots(&run), ["other"], "{}", run.stdout);
}

/// "Commit blocked" only when `git commit` runs the hook; `pre-commit run --all-files` (by hand
/// or in CI) runs it with no commit under way. A history scan says what it read.
#[test]
fn the_closing_line_fits_the_mode() {
    let repo = staged();
    let by_hand = repo.guard(&["hook"]);
    assert_eq!(by_hand.code, 1);
    assert!(
        !by_hand.stdout.contains("Commit blocked"),
        "{}",
        by_hand.stdout
    );
    assert!(
        by_hand
            .stdout
            .contains("found 1 Python environment: run the commands above before committing."),
        "{}",
        by_hand.stdout
    );
    repo.install_hook();
    let commit = repo.commit(&["-m", "x"]);
    assert_ne!(commit.code, 0);
    assert!(commit.all().contains("Commit blocked"), "{}", commit.all());

    repo.git_ok(&["commit", "-q", "--no-verify", "-m", "venv"]);
    repo.git_ok(&["branch", "other"]);
    let history = repo.guard(&["scan", "--history"]);
    assert!(
        history
            .stdout
            .contains("found 1 Python environment (1 commit, 2 refs, "),
        "{}",
        history.stdout
    );
}

/// `-q` prints nothing when nothing is found (and no warnings); `-v` says on stderr what was
/// read: the configuration, the repository, the index, paths, commits and refs.
#[test]
fn quiet_and_verbose() {
    let repo = TestRepo::without_hook();
    repo.write("app.py", "print(1)\n");
    repo.write(".venv-guard.toml", "strict = false\n");
    repo.commit_all("app");
    let quiet = repo.guard(&["-q", "scan"]);
    assert_eq!(quiet.code, 0, "{}", quiet.all());
    assert_eq!(quiet.all(), "");
    let loud = repo.guard(&["-v", "scan", "--history"]);
    assert_eq!(loud.code, 0, "{}", loud.all());
    for line in [
        "venv-guard: configuration: ",
        ".venv-guard.toml",
        "venv-guard: repository: ",
        "read 2 paths, 1 commit from 1 ref in ",
    ] {
        assert!(loud.stderr.contains(line), "{line}: {}", loud.stderr);
    }
    let hook = repo.guard(&["-v", "hook"]);
    assert!(
        hook.stderr.contains("venv-guard: index: "),
        "{}",
        hook.stderr
    );
    assert!(hook.stdout.is_empty(), "{}", hook.stdout);

    repo.venv("venv");
    repo.git_ok(&["add", "-A"]);
    let quiet = repo.guard(&["-q", "hook"]);
    assert_eq!(quiet.code, 1);
    assert!(
        quiet.stdout.contains("venv/"),
        "findings are still shown: {}",
        quiet.stdout
    );
}

/// For people, lines fit the terminal (`COLUMNS`, or the terminal's width): wrapped at a word
/// boundary under their label's column, commands never wrapped; a pipe gets whole lines.
#[test]
fn human_output_fits_the_terminal_width() {
    let repo = staged();
    let mut cmd = isolated(crate::common::bin(), &repo.root);
    let out = cmd.env("COLUMNS", "60").arg("hook").output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let mut in_fix = false;
    for line in text.lines() {
        in_fix = line.starts_with("  fix ") || (in_fix && line.starts_with("            "));
        if !in_fix {
            assert!(line.chars().count() <= 60, "{line:?} in\n{text}");
        }
    }
    assert!(
        text.contains("  fix       echo /venv/ >> .gitignore\n"),
        "{text}"
    );
    let evidence = text
        .lines()
        .position(|l| l.starts_with("  evidence"))
        .unwrap();
    let next = text.lines().nth(evidence + 1).unwrap();
    assert!(
        next.starts_with("            ") && !next.starts_with("             "),
        "{text}"
    );
    let piped = repo.guard(&["hook"]).stdout;
    assert!(piped.lines().any(|l| l.chars().count() > 60), "{piped}");
}

/// A folder of repositories is scanned on every core, and the report keeps the order given:
/// the same document as scanning each repository alone.
#[test]
fn many_repositories_keep_their_order_and_agree_with_one_at_a_time() {
    let parent = TestRepo::without_hook();
    let mut dirs = Vec::new();
    for i in 0..7 {
        let dir = parent.sibling(&format!("r{i}"));
        std::fs::create_dir(&dir).unwrap();
        crate::common::run_ok(isolated("git", &dir).args(["init", "-q", "-b", "main"]));
        std::fs::write(dir.join("app.py"), "print(1)\n").unwrap();
        if i % 3 == 0 {
            crate::common::bare_venv(&dir.join(format!("env{i}")));
        }
        crate::common::run_ok(isolated("git", &dir).args(["add", "-A"]));
        crate::common::run_ok(isolated("git", &dir).args(["commit", "-q", "-m", "x"]));
        dirs.push(dir.to_str().unwrap().to_owned());
    }
    dirs.insert(3, parent.sibling("missing").to_str().unwrap().to_owned());
    let args: Vec<&str> = ["--format", "json", "scan", "--history"]
        .into_iter()
        .chain(dirs.iter().map(String::as_str))
        .collect();
    let all = parent.guard(&args);
    assert_eq!(all.code, 2, "{}", all.all());
    let doc: serde_json::Value = serde_json::from_str(&all.stdout).unwrap();
    let repos = doc["repositories"].as_array().unwrap();
    assert_eq!(repos.len(), dirs.len());
    for (i, (repo, dir)) in repos.iter().zip(&dirs).enumerate() {
        assert_eq!(repo["path"].as_str(), Some(dir.as_str()), "{i}: {repo:#}");
        if i == 3 {
            assert!(!repo["error"].is_null(), "{repo:#}");
            continue;
        }
        let alone = parent.guard(&["--format", "json", "scan", "--history", dir]);
        let alone: serde_json::Value = serde_json::from_str(&alone.stdout).unwrap();
        let roots = |r: &serde_json::Value| r["environments"].as_array().map(|e| e.len());
        assert_eq!(roots(repo), roots(&alone["repositories"][0]), "{dir}");
    }
}

/// A reader that stops early (`venv-guard ... | head`) is no error, in every format.
#[test]
fn a_closed_pipe_is_not_an_error() {
    let repo = staged();
    for format in ["human", "json", "sarif", "github"] {
        let mut child = isolated(crate::common::bin(), &repo.root)
            .args(["--format", format, "hook"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("error"), "{format}: {stderr}");
        assert_eq!(out.status.code(), Some(1), "{format}: {stderr}");
    }
}
