//! CI modes over whole repositories: `--tracked`, `--range`, `--history`, many repositories,
//! configuration and baselines.

use std::fs;

use crate::common::{isolated, TestRepo};

fn json(run: &crate::common::Run) -> serde_json::Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", run.all()))
}

#[test]
fn history_reports_when_an_env_entered_what_it_costs_and_how_to_remove_it() {
    let repo = TestRepo::new();
    repo.write("app.py", "v1\n");
    repo.commit_all("start");
    repo.fake_venv("venv");
    let added = repo.commit_all("add the venv");
    repo.git_ok(&["rm", "-r", "-q", "--cached", "venv"]);
    repo.commit_all("remove the venv");
    repo.write(
        "venv/lib/python3.11/site-packages/demo/__init__.py",
        "VALUE = 2\n",
    );
    repo.commit_all_forced("venv", "re-add the venv");
    repo.fake_venv("old/env");
    repo.commit_all("add old env");
    fs::remove_dir_all(repo.root.join("old")).unwrap();
    repo.commit_all("drop old env");

    let run = repo.guard(&["--format", "json", "scan", "--history"]);
    assert_eq!(run.code, 1, "{}", run.all());
    let doc = json(&run);
    let envs = doc["repositories"][0]["environments"].as_array().unwrap();
    assert_eq!(envs.len(), 2, "{doc:#}");
    let old = &envs[0];
    assert_eq!(old["root"], "old/env");
    assert_eq!(old["history"]["in_head"], false);
    assert_eq!(old["history"]["first_commit"]["subject"], "add old env");
    assert_eq!(
        old["fix"].as_array().unwrap().len(),
        0,
        "nothing to fix in HEAD"
    );
    assert_eq!(
        old["history"]["remove_command"],
        "git filter-repo --invert-paths --path old/env/"
    );
    let venv = &envs[1];
    assert_eq!(venv["root"], "venv");
    assert_eq!(venv["status"], "history");
    assert_eq!(venv["history"]["first_commit"]["id"], added.as_str());
    assert_eq!(
        venv["history"]["first_commit"]["date"],
        "2024-03-01T10:00:00+01:00"
    );
    assert_eq!(
        venv["history"]["first_commit"]["author"],
        "Test <test@example.com>"
    );
    assert_eq!(venv["history"]["in_head"], true);
    assert_eq!(venv["history"]["commits"], 2);
    // 5 paths, two symlinks with different targets, the package file in two versions: 6 blobs.
    assert_eq!(venv["history"]["blobs"], 6);
    assert!(venv["history"]["bytes"].as_u64().unwrap() > 100);
    assert_eq!(doc["repositories"][0]["incomplete_history"], false);

    let run = repo.guard(&["scan", "--history"]);
    assert!(
        run.stdout
            .contains("remove    git filter-repo --invert-paths --path venv/"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("in HEAD   no (removed since)"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_shallow_clone_says_its_history_is_incomplete() {
    let repo = TestRepo::new();
    repo.fake_venv("venv");
    repo.commit_all("add");
    repo.write("app.py", "x\n");
    repo.commit_all("more");
    let clone = repo.sibling("shallow");
    let url = format!("file://{}", repo.root.display());
    let run = repo.git_in(
        repo.root.parent().unwrap(),
        &["clone", "-q", "--depth", "1", &url, clone.to_str().unwrap()],
    );
    assert_eq!(run.code, 0, "{}", run.all());
    let run = repo.guard_in(&clone, &["--format", "json", "scan", "--history"]);
    let doc = json(&run);
    assert_eq!(doc["repositories"][0]["incomplete_history"], true);
    assert!(doc["repositories"][0]["warnings"][0]
        .as_str()
        .unwrap()
        .contains("shallow clone"));
    // The venv is in the one commit the clone has.
    assert_eq!(run.code, 1);
    let run = repo.guard_in(&clone, &["scan", "--history"]);
    assert!(
        run.stderr.contains("warning: shallow clone"),
        "{}",
        run.stderr
    );
}

#[test]
fn range_reports_only_what_the_commits_add() {
    let repo = TestRepo::new();
    repo.write("app.py", "v1\n");
    let base = repo.commit_all("base");
    repo.write("app.py", "v2\n");
    let clean = repo.commit_all("no env");
    repo.fake_venv("venv");
    let with_env = repo.commit_all("env");
    repo.git_ok(&["rm", "-r", "-q", "--cached", "venv"]);
    repo.write(".gitignore", "/venv/\n");
    let removed = repo.commit_all("env removed");

    let r = |a: &str, b: &str| format!("{a}..{b}");
    let run = repo.guard(&["scan", "--range", &r(&base, &clean)]);
    assert_eq!(run.code, 0, "{}", run.all());
    let run = repo.guard(&["scan", "--range", &r(&clean, &with_env)]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run
        .stdout
        .contains("venv/ is a Python environment, added by the commits in the range"));
    // Added and removed inside the range: its blobs still ride along.
    let run = repo.guard(&["scan", "--range", &r(&clean, &removed)]);
    assert_eq!(run.code, 1, "{}", run.all());
    // A range after it: clean.
    let run = repo.guard(&["scan", "--range", &r(&with_env, &removed)]);
    assert_eq!(run.code, 0, "{}", run.all());

    // The pre-commit framework's refs select the range too.
    let run = isolated(crate::common::bin(), &repo.root)
        .args(["scan"])
        .env("PRE_COMMIT_FROM_REF", &clean)
        .env("PRE_COMMIT_TO_REF", &with_env)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1));

    // Whole object ids are read without asking git: an annotated tag's id peels to its
    // commit, and an id that names no commit is git's error.
    repo.git_ok(&["tag", "-a", "-m", "t", "with-env", &with_env]);
    let tag = repo
        .git_ok(&["rev-parse", "with-env"])
        .stdout
        .trim()
        .to_owned();
    assert_ne!(tag, with_env);
    let run = repo.guard(&["scan", "--range", &r(&clean, &tag)]);
    assert_eq!(run.code, 1, "{}", run.all());
    let blob = repo
        .git_ok(&["rev-parse", &format!("{base}:app.py")])
        .stdout
        .trim()
        .to_owned();
    for missing in [blob.as_str(), "0123456789abcdef0123456789abcdef01234567"] {
        let run = repo.guard(&["scan", "--range", &r(missing, &with_env)]);
        assert_eq!(run.code, 2, "{}", run.all());
        assert!(
            run.stderr.contains("cannot resolve the revision"),
            "{}",
            run.stderr
        );
    }

    let run = repo.guard(&["scan", "--range", "nope..HEAD"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("cannot resolve the revision"),
        "{}",
        run.stderr
    );
    // Ends that are both names are resolved by git side by side: each end is its own, and
    // the error names the first end git cannot resolve.
    repo.git_ok(&["tag", "clean-tag", &clean]);
    let by_name = repo.guard(&["scan", "--range", "clean-tag..with-env", "--format", "json"]);
    let by_id = repo.guard(&["scan", "--range", &r(&clean, &with_env), "--format", "json"]);
    assert_eq!(by_name.code, 1, "{}", by_name.all());
    let without_time = |out: &str| {
        out.lines()
            .filter(|l| !l.contains("elapsed"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(without_time(&by_name.stdout), without_time(&by_id.stdout));
    let backwards = repo.guard(&["scan", "--range", "with-env..clean-tag"]);
    assert_eq!(backwards.code, 0, "{}", backwards.all());
    for (range, named, not_named) in [
        ("nope..nope2", "nope", "nope2"),
        ("clean-tag..nope2", "nope2", "clean-tag"),
        ("nope..with-env", "nope", "with-env"),
    ] {
        let run = repo.guard(&["scan", "--range", range]);
        assert_eq!(run.code, 2, "{}", run.all());
        let line = run.stderr.trim();
        assert!(
            line.ends_with(&format!("revision {named}")),
            "{range}: {line}"
        );
        assert!(!line.contains(not_named), "{range}: {line}");
    }
    let run = repo.guard(&["scan", "--range", "HEAD"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--range wants A..B"), "{}", run.stderr);
}

#[test]
fn a_range_follows_the_parents_replacements_and_grafts_give() {
    let repo = TestRepo::new();
    repo.write("app.py", "v1\n");
    let base = repo.commit_all("base");
    repo.fake_venv("venv");
    let with_env = repo.commit_all("env");
    repo.write("app.py", "v2\n");
    let top = repo.commit_all("app change");
    let range = format!("{with_env}..{top}");
    let scan = |vars: &[(&str, &str)]| {
        let mut cmd = isolated(crate::common::bin(), &repo.root);
        cmd.args(["scan", "--range", &range])
            .envs(vars.iter().copied());
        crate::common::Run::from(cmd.output().unwrap())
    };
    assert_eq!(scan(&[]).code, 0, "the range changes app.py only");

    // Grafted onto the base, the top commit is what adds the environment, as git sees it.
    repo.git_ok(&["replace", "--graft", &top, &base]);
    let git_sees = repo.git_ok(&["log", "--name-only", "--format=", &range]);
    assert!(git_sees.stdout.contains("venv/"), "{}", git_sees.stdout);
    for packed in [false, true] {
        if packed {
            repo.git_ok(&["pack-refs", "--all"]);
            assert!(!repo.root.join(".git/refs/replace").join(&top).exists());
        }
        let run = scan(&[]);
        assert_eq!(run.code, 1, "packed: {packed}: {}", run.all());
        assert!(run.stdout.contains("venv/ is a Python environment"));
    }
    assert_eq!(scan(&[("GIT_NO_REPLACE_OBJECTS", "1")]).code, 0);
    // The history scan names a commit git's walk shows, not the one the graft cut off.
    let run = repo.guard(&["--format", "json", "scan", "--history"]);
    let doc = json(&run);
    let first = &doc["repositories"][0]["environments"][0]["history"]["first_commit"]["id"];
    let logged = repo.git_ok(&["log", "--all", "--format=%H", "--", "venv/pyvenv.cfg"]);
    assert!(
        logged.stdout.lines().any(|id| first == id),
        "{first} not in {}",
        logged.stdout
    );
    assert_ne!(first, with_env.as_str());

    // The same parents written in info/grafts.
    repo.git_ok(&["replace", "-d", &top]);
    assert_eq!(scan(&[]).code, 0);
    repo.write(".git/info/grafts", &format!("{top} {base}\n"));
    let run = scan(&[]);
    assert_eq!(run.code, 1, "{}", run.all());
}

/// A server's `pre-receive` hook sees the pushed objects in a quarantine directory
/// (`GIT_OBJECT_DIRECTORY`, with the repository's own store as an alternate): the hook the
/// README shows reads them there and rejects a branch update or a new branch that adds an
/// environment.
#[test]
fn the_readme_pre_receive_hook_rejects_pushed_environments() {
    let readme = fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let script = readme
        .split("**On a git server**")
        .nth(1)
        .and_then(|rest| rest.split("```sh\n").nth(1))
        .and_then(|rest| rest.split("```").next())
        .expect("the README shows a pre-receive hook");

    let repo = TestRepo::new();
    repo.write("app.py", "v1\n");
    repo.commit_all("base");
    let server = repo.sibling("server.git");
    let url = server.to_str().unwrap();
    repo.git_ok(&["init", "-q", "--bare", "-b", "main", url]);
    repo.git_ok(&["push", "-q", url, "main"]);
    let hook = server.join("hooks/pre-receive");
    crate::common::write_executable(&hook, script.as_bytes(), 0o755);

    repo.write("app.py", "v2\n");
    repo.commit_all("clean change");
    repo.git_ok(&["push", "-q", url, "main"]);
    repo.git_ok(&["push", "-q", url, "main:clean-branch"]);

    repo.fake_venv("venv");
    repo.commit_all("env");
    for target in ["main", "main:new-branch"] {
        let push = repo.git(&["push", url, target]);
        assert_ne!(push.code, 0, "{target}: {}", push.all());
        assert!(
            push.all().contains("venv/ is a Python environment"),
            "{target}: {}",
            push.all()
        );
    }
    repo.git_ok(&["push", "-q", url, ":clean-branch"]);
}

#[test]
fn tracked_reads_head_or_the_index_without_walking() {
    let repo = TestRepo::new();
    repo.write("app.py", "x\n");
    repo.commit_all("start");
    repo.fake_venv("staged-env");
    repo.git_ok(&["add", "staged-env"]);
    repo.fake_venv("loose-env");
    let run = repo.guard(&["scan", "--tracked"]);
    assert_eq!(run.code, 0, "HEAD has no env: {}", run.all());
    let run = repo.guard(&["--format", "json", "scan", "--tracked", "--index"]);
    assert_eq!(run.code, 1, "{}", run.all());
    let doc = json(&run);
    let envs = doc["repositories"][0]["environments"].as_array().unwrap();
    assert_eq!(envs.len(), 1, "the walk is not run: {doc:#}");
    assert_eq!(envs[0]["root"], "staged-env");
    assert_eq!(envs[0]["files"], 5);
    repo.commit_all("commit it");
    let run = repo.guard(&["scan", "--tracked"]);
    assert_eq!(run.code, 1);
    assert!(run
        .stdout
        .contains("staged-env/ is a Python environment, tracked by git"));
    assert!(run.stdout.contains("5 files"), "{}", run.stdout);
}

#[test]
fn many_repositories_give_a_table_and_one_exit_code() {
    let parent = tempfile::tempdir().unwrap();
    let mk = |name: &str| {
        let repo = TestRepo::new();
        let dest = parent.path().join(name);
        fs::rename(&repo.root, &dest).unwrap();
        (repo, dest)
    };
    let (alice_repo, alice) = mk("alice");
    crate::common::layout(&alice, &[("main.py", "x\n")]);
    alice_repo.git_in(&alice, &["add", "-A"]);
    let (_bob_repo, bob) = mk("bob");
    crate::common::layout(
        &bob,
        &[
            ("pyvenv.cfg", "home = /usr/bin\n"),
            ("bin/activate", "x"),
            ("bin/python", "-> /usr/bin/python3"),
        ],
    );
    let carol = parent.path().join("carol");
    fs::create_dir(&carol).unwrap();

    let run = alice_repo.guard_in(parent.path(), &["scan", "alice", "bob", "carol"]);
    assert_eq!(run.code, 1, "{}", run.all());
    let out = &run.stdout;
    assert!(out.contains("== bob =="), "{out}");
    assert!(out.contains("repository"), "{out}");
    let row = |name: &str| {
        out.lines()
            .find(|l| l.starts_with(name) && !l.starts_with("=="))
            .unwrap_or_default()
            .to_owned()
    };
    assert!(row("alice").ends_with("clean"), "{out}");
    assert!(row("bob").contains("1 unignored"), "{out}");
    assert!(row("carol").ends_with("clean"), "{out}");
    assert!(out.contains("1 of 3 repositories"), "{out}");

    let run = alice_repo.guard_in(
        parent.path(),
        &["--format", "json", "scan", "alice", "missing"],
    );
    assert_eq!(
        run.code,
        2,
        "one repository could not be checked: {}",
        run.all()
    );
    let doc = json(&run);
    assert_eq!(doc["summary"]["repositories"], 2);
    assert_eq!(doc["summary"]["failed_repositories"], 1);
    assert!(doc["repositories"][1]["error"]
        .as_str()
        .unwrap()
        .contains("missing"));
}

#[test]
fn github_format_is_chosen_under_github_actions() {
    let repo = TestRepo::new();
    repo.fake_venv("venv");
    let run = isolated(crate::common::bin(), &repo.root)
        .arg("scan")
        .env("GITHUB_ACTIONS", "true")
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&run.stdout);
    assert!(
        out.starts_with("::error file=venv/pyvenv.cfg,line=1,title=Python environment unignored::"),
        "{out}"
    );
    assert_eq!(run.status.code(), Some(1));
    let run = isolated(crate::common::bin(), &repo.root)
        .args(["--format", "human", "scan"])
        .env("GITHUB_ACTIONS", "true")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&run.stdout).starts_with("error: venv/"));
}

#[test]
fn configuration_allows_sets_strict_and_rejects_unknown_keys() {
    let repo = TestRepo::new();
    repo.fake_venv("vendor/python-env");
    repo.fake_venv("venv");
    repo.write(".venv-guard.toml", "allow = [\"vendor/*\"]\n");
    let run = repo.guard(&["--format", "json", "scan"]);
    assert_eq!(run.code, 1);
    let doc = json(&run);
    let envs = doc["repositories"][0]["environments"].as_array().unwrap();
    assert_eq!(envs.len(), 1);
    assert_eq!(envs[0]["root"], "venv");
    assert_eq!(doc["repositories"][0]["suppressed"], 1);
    // --isolated ignores the file.
    let run = repo.guard(&["--isolated", "--format", "json", "scan"]);
    assert_eq!(
        json(&run)["repositories"][0]["environments"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    repo.write(
        ".venv-guard.toml",
        "allow = [\"vendor/*\"]\nstrikt = true\n",
    );
    let run = repo.guard(&["scan"]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        run.stderr.contains(".venv-guard.toml") && run.stderr.contains("strikt"),
        "{}",
        run.stderr
    );
    repo.write(".venv-guard.toml", "allow = [\"vendor/[\"]\n");
    let run = repo.guard(&["scan"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("invalid allow glob"), "{}", run.stderr);
    fs::remove_file(repo.root.join(".venv-guard.toml")).unwrap();

    // pyproject.toml's [tool.venv-guard]: strict makes a fixture fail.
    fs::remove_dir_all(repo.root.join("venv")).unwrap();
    fs::remove_dir_all(repo.root.join("vendor")).unwrap();
    crate::common::layout(
        &repo.root.join("tests/fixtures/env"),
        &[
            ("pyvenv.cfg", "home = /usr/bin\n"),
            ("bin/python", ""),
            ("bin/activate", "x"),
        ],
    );
    assert_eq!(repo.guard(&["scan"]).code, 0);
    repo.write(
        "pyproject.toml",
        "[project]\nname = \"x\"\n\n[tool.venv-guard]\nstrict = true\n",
    );
    assert_eq!(repo.guard(&["scan"]).code, 1);
    repo.write(
        "pyproject.toml",
        "[tool.venv-guard]\nstrict = true\nfix = { styel = \"inner\" }\n",
    );
    let run = repo.guard(&["scan"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("pyproject.toml") && run.stderr.contains("styel"),
        "{}",
        run.stderr
    );

    // --config names another file.
    let other = repo.sibling("ci.toml");
    fs::write(&other, "strict = false\n").unwrap();
    let run = repo.guard(&["--config", other.to_str().unwrap(), "scan"]);
    assert_eq!(run.code, 0, "{}", run.all());
}

#[test]
fn configured_fix_style_inner_is_used() {
    let repo = TestRepo::new();
    repo.fake_venv("venv");
    repo.write(".venv-guard.toml", "[fix]\nstyle = \"inner\"\n");
    let run = repo.guard(&["fix"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(
        fs::read_to_string(repo.root.join("venv/.gitignore")).unwrap(),
        "*\n"
    );
}

#[test]
fn a_baseline_hides_old_environments_but_not_new_ones() {
    let repo = TestRepo::new();
    repo.fake_venv("legacy/venv");
    repo.commit_all("legacy");
    let run = repo.guard(&["baseline"]);
    assert_eq!(run.code, 0, "{}", run.all());
    let text = fs::read_to_string(repo.root.join(".venv-guard-baseline.json")).unwrap();
    assert_eq!(
        text,
        "{\n  \"schema\": 1,\n  \"environments\": [\n    {\n      \"root\": \"legacy/venv\",\n      \"kind\": \"venv\",\n      \"files\": 5\n    }\n  ]\n}\n"
    );
    let run = repo.guard(&[
        "--baseline",
        ".venv-guard-baseline.json",
        "scan",
        "--tracked",
    ]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stdout
            .contains("1 allowed by the configuration or the baseline"),
        "{}",
        run.stdout
    );

    repo.fake_venv("new/.venv");
    repo.commit_all("new");
    let run = repo.guard(&[
        "--baseline",
        ".venv-guard-baseline.json",
        "--format",
        "json",
        "scan",
        "--tracked",
    ]);
    assert_eq!(run.code, 1);
    let doc = json(&run);
    let envs = doc["repositories"][0]["environments"].as_array().unwrap();
    assert_eq!(envs.len(), 1);
    assert_eq!(envs[0]["root"], "new/.venv");

    fs::write(
        repo.root.join("bad.json"),
        "{\"schema\": 1, \"environments\": [], \"extra\": 1}",
    )
    .unwrap();
    let run = repo.guard(&["--baseline", "bad.json", "scan"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("not a venv-guard baseline"),
        "{}",
        run.stderr
    );
}

#[test]
fn history_names_the_commits_that_published_credentials() {
    let repo = TestRepo::new();
    repo.fake_venv("venv");
    repo.commit_all("add venv");
    repo.write(
        "venv/bin/activate",
        "# This file must be used with \"source bin/activate\"\nexport STRIPE_KEY=sk_live_xyz\n",
    );
    let leaked = repo.commit_all("set the key in activate");
    repo.git_ok(&["rm", "-r", "-q", "--cached", "venv"]);
    repo.commit_all("remove venv");
    let run = repo.guard(&["--format", "json", "scan", "--history"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(!run.stdout.contains("sk_live_xyz"), "a value leaked");
    let doc = json(&run);
    let history = &doc["repositories"][0]["environments"][0]["history"];
    let commits = history["secret_commits"].as_array().unwrap();
    assert_eq!(commits.len(), 1, "{doc:#}");
    assert_eq!(commits[0]["commit"]["id"], leaked.as_str());
    assert_eq!(commits[0]["names"][0], "STRIPE_KEY");
    let run = repo.guard(&["--color", "never", "scan", "--history"]);
    assert!(
        run.stdout
            .contains("exports STRIPE_KEY (values not shown): published; rotate them"),
        "{}",
        run.stdout
    );
}

/// A partial clone (`--filter=blob:none`) lacks the blobs: history still finds the environment
/// from its trees, and says its size counts only the blobs present, never a silent zero.
#[test]
fn a_partial_clone_says_which_blobs_are_missing() {
    let repo = TestRepo::without_hook();
    repo.venv("venv");
    repo.commit_all("venv");
    repo.git_ok(&["config", "uploadpack.allowFilter", "true"]);
    let clone = repo.sibling("partial");
    let url = format!("file://{}", repo.root.display());
    let run = repo.git_in(
        &repo.root,
        &[
            "clone",
            "-q",
            "--filter=blob:none",
            "--no-checkout",
            &url,
            clone.to_str().unwrap(),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.all());
    let run = repo.guard_in(&clone, &["--format", "json", "scan", "--history"]);
    assert_eq!(run.code, 1, "{}", run.all());
    let doc = json(&run);
    let warnings = doc["repositories"][0]["warnings"].to_string();
    assert!(
        warnings.contains("are missing from the object store"),
        "{doc:#}"
    );
    assert_eq!(doc["repositories"][0]["environments"][0]["root"], "venv");
}

/// A commit whose `parent` line comes after `committer` is a root commit for git (and
/// libgit2, and fsck): a range that ends in it adds everything it holds. Reading the late line
/// as a parent would diff it against that commit and pass a push that adds an environment.
#[test]
fn a_parent_line_out_of_place_names_no_parent() {
    let repo = TestRepo::without_hook();
    repo.venv("venv");
    let base = repo.commit_all("base with a venv");
    let tree = repo
        .git_ok(&["rev-parse", "HEAD^{tree}"])
        .stdout
        .trim()
        .to_owned();
    let body = format!(
        "tree {tree}\nauthor A <a@example.com> 1709287200 +0100\ncommitter A <a@example.com> \
         1709287200 +0100\nparent {base}\n\ncrafted\n"
    );
    let path = repo.sibling("crafted-commit");
    std::fs::write(&path, body).unwrap();
    let crafted = repo
        .git_ok(&[
            "hash-object",
            "-t",
            "commit",
            "-w",
            "--literally",
            path.to_str().unwrap(),
        ])
        .stdout
        .trim()
        .to_owned();
    // git itself: no parent.
    let parents = repo
        .git_ok(&["rev-list", "--parents", "-n", "1", &crafted])
        .stdout;
    assert_eq!(parents.split_whitespace().count(), 1, "{parents}");
    assert_eq!(repo.git(&["fsck", "--no-dangling"]).code, 0);
    let range = format!("{base}..{crafted}");
    let run = repo.guard(&["--format", "json", "scan", "--range", &range]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert_eq!(
        json(&run)["repositories"][0]["environments"][0]["root"],
        "venv"
    );
}

/// A ref behind a chain of annotated tags (a tag of a tag of a tag...) reaches its commit as
/// git's `log --all` does, however deep: the environment it holds is reported, not passed over.
#[test]
fn refs_behind_long_tag_chains_are_followed() {
    let repo = TestRepo::without_hook();
    repo.write("app.py", "print(1)\n");
    repo.commit_all("main");
    repo.git_ok(&["checkout", "-q", "-b", "side"]);
    repo.venv("venv");
    repo.commit_all("venv on a side branch");
    repo.git_ok(&["tag", "-a", "t0", "-m", "t0", "side"]);
    for i in 1..=40 {
        let (tag, previous) = (format!("t{i}"), format!("t{}", i - 1));
        repo.git_ok(&["tag", "-a", &tag, "-m", &tag, &previous]);
        repo.git_ok(&["tag", "-d", &previous]);
    }
    repo.git_ok(&["checkout", "-q", "main"]);
    repo.git_ok(&["branch", "-q", "-D", "side"]);
    let log = repo
        .git_ok(&["log", "--all", "--name-only", "--format="])
        .stdout;
    assert!(
        log.contains("venv/pyvenv.cfg"),
        "git reaches it through the tags"
    );
    let run = repo.guard(&["--format", "json", "scan", "--history"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert_eq!(
        json(&run)["repositories"][0]["environments"][0]["root"],
        "venv"
    );
}

/// An environment of thousands of files, packed with deltas, has its blob sizes read on two
/// threads: `--range` and `--tracked` count each file's size, `--history` each blob's once,
/// as `git cat-file --batch-check` sizes them.
#[test]
fn an_environment_s_bytes_are_git_s_sizes_of_its_blobs() {
    let repo = TestRepo::new();
    repo.git_ok(&["config", "gc.auto", "0"]);
    repo.write("app.py", "v1\n");
    let base = repo.commit_all("start");
    repo.venv("venv");
    // Files alike enough to be packed as deltas of one another, of sizes that differ.
    for i in 0..5000 {
        let text = format!("# module {i}\n{}", "VALUE = 'x'\n".repeat(1 + i % 40));
        repo.write(
            &format!("venv/lib/python3.11/site-packages/pkg{}/m{i}.py", i % 50),
            &text,
        );
    }
    repo.commit_all_forced("venv", "add the venv");
    repo.git_ok(&["repack", "-adfq", "--window=50"]);
    let listed = repo.git_ok(&[
        "ls-tree",
        "-r",
        "--format=%(objectname)",
        "HEAD",
        "--",
        "venv",
    ]);
    let sizes = crate::agree::git_in(
        &repo.root,
        &["cat-file", "--batch-check=%(objectsize) %(deltabase)"],
        listed.stdout.as_bytes(),
        &[],
    );
    // Each file's blob counts in a tree; each blob once in the history, which stores it once.
    let (mut files, mut bytes, mut stored, mut deltas) = (0u64, 0u64, 0u64, 0);
    let mut seen = std::collections::HashSet::new();
    let ids = listed.stdout.lines();
    for (id, line) in ids.zip(String::from_utf8(sizes.stdout).unwrap().lines()) {
        files += 1;
        let (size, base) = line.split_once(' ').unwrap();
        let size = size.parse::<u64>().unwrap();
        bytes += size;
        if seen.insert(id) {
            stored += size;
        }
        deltas += usize::from(base.bytes().any(|b| b != b'0'));
    }
    assert!(
        files > 5000 && deltas > 1000,
        "{files} files, {deltas} deltas"
    );
    let range = format!("{base}..HEAD");
    for (args, bytes) in [
        (&["--format", "json", "scan", "--range", &range][..], bytes),
        (&["--format", "json", "scan", "--history"], stored),
        (&["--format", "json", "scan", "--tracked"], bytes),
    ] {
        let run = repo.guard(args);
        assert_eq!(run.code, 1, "{args:?}: {}", run.all());
        let doc = json(&run);
        let env = &doc["repositories"][0]["environments"][0];
        assert_eq!(env["root"], "venv", "{args:?}");
        assert_eq!(env["files"].as_u64(), Some(files), "{args:?}");
        assert_eq!(env["bytes"].as_u64(), Some(bytes), "{args:?}");
    }
}
