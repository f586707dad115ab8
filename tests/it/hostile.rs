//! Hostile input: each gives a clear error (exit 2) or a correct result, never a panic.

use std::fs;

use crate::common::{layout, symlink, TestRepo};

fn no_panic(run: &crate::common::Run) {
    assert!(
        !run.stderr.contains("panicked") && run.code != 101,
        "panic: {}",
        run.all()
    );
}

#[test]
fn a_bare_repository_is_a_clear_error_for_the_hook_and_a_walk_for_scan() {
    let repo = TestRepo::new();
    repo.write("a", "a\n");
    repo.commit_all("a");
    let bare = repo.sibling("bare.git");
    let run = repo.git_in(
        repo.root.parent().unwrap(),
        &[
            "clone",
            "-q",
            "--bare",
            repo.root.to_str().unwrap(),
            bare.to_str().unwrap(),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.all());
    let run = repo.guard_in(&bare, &["hook"]);
    no_panic(&run);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stderr.contains("bare repository"), "{}", run.stderr);
    let run = repo.guard_in(&bare, &["scan", "--tracked"]);
    no_panic(&run);
    assert_eq!(
        run.code,
        0,
        "HEAD of a bare repository can be scanned: {}",
        run.all()
    );
}

#[test]
fn a_git_file_pointing_nowhere_is_a_clear_error() {
    let repo = TestRepo::new();
    let broken = repo.sibling("broken");
    fs::create_dir(&broken).unwrap();
    fs::write(broken.join(".git"), "gitdir: /nonexistent/place\n").unwrap();
    for args in [&["hook"][..], &["scan"]] {
        let run = repo.guard_in(&broken, args);
        no_panic(&run);
        assert_eq!(run.code, 2, "{args:?}: {}", run.all());
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    }
}

#[test]
fn symlink_loops_and_links_out_of_the_repository_are_never_followed() {
    let repo = TestRepo::new();
    fs::create_dir_all(repo.root.join("loop/a")).unwrap();
    symlink("../../loop", &repo.root.join("loop/a/back"));
    symlink("self", &repo.root.join("self"));
    let outside = repo.sibling("outside-env");
    repo.fake_venv("../outside-env");
    symlink(outside.to_str().unwrap(), &repo.root.join("linked-env"));
    let run = repo.guard(&["scan"]);
    no_panic(&run);
    assert_eq!(
        run.code,
        0,
        "a symlink to an env is not an env of this repository: {}",
        run.all()
    );
}

#[test]
fn deep_trees_and_long_paths_work() {
    let repo = TestRepo::new();
    let mut deep = String::new();
    for i in 0..500 {
        deep.push_str(&format!("d{}/", i % 10));
    }
    let long_name = "x".repeat(250);
    let mut long = String::new();
    while long.len() < 3800 {
        long.push_str(&long_name);
        long.push('/');
    }
    repo.fake_venv(&format!("{deep}venv"));
    layout(&repo.root, &[(&format!("{long}file.txt"), "x\n")]);
    let run = repo.guard(&["scan"]);
    no_panic(&run);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stdout.contains("d9/venv/ is a Python environment"),
        "{}",
        run.stdout
    );
    repo.git_ok(&["add", "-A"]);
    let run = repo.guard(&["hook"]);
    no_panic(&run);
    assert_eq!(run.code, 1, "{}", run.all());
}

#[test]
fn huge_binary_or_directory_pyvenv_cfg_is_not_read_whole() {
    let repo = TestRepo::new();
    // A sparse 1 GiB file: reading it whole would take seconds and a gigabyte.
    layout(
        &repo.root,
        &[
            ("big/bin/activate", "x"),
            ("big/bin/python", "-> /usr/bin/python3"),
        ],
    );
    let big = fs::File::create(repo.root.join("big/pyvenv.cfg")).unwrap();
    big.set_len(1 << 30).unwrap();
    layout(
        &repo.root,
        &[("binary/pyvenv.cfg", "\0\u{1}\u{2}home = /usr/bin\0")],
    );
    fs::create_dir_all(repo.root.join("dir/pyvenv.cfg")).unwrap();
    let started = std::time::Instant::now();
    let run = repo.guard(&["--format", "json", "scan"]);
    no_panic(&run);
    assert!(started.elapsed().as_secs() < 20, "the 1 GiB file was read");
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let envs = doc["repositories"][0]["environments"].as_array().unwrap();
    // `big` still has an activate script next to an interpreter link: a (partial) environment.
    assert_eq!(envs.len(), 1, "{doc:#}");
    assert_eq!(envs[0]["root"], "big");
    assert!(
        envs[0]["evidence"].to_string().contains("pyvenv.cfg ("),
        "{doc:#}"
    );
}

#[test]
fn bidi_and_control_characters_are_escaped_in_every_format() {
    let repo = TestRepo::new();
    repo.fake_venv("evil\u{202e}vne");
    repo.fake_venv("bell\u{7}env");
    for format in ["human", "json", "sarif", "github"] {
        let run = repo.guard(&["--format", format, "scan"]);
        no_panic(&run);
        assert_eq!(run.code, 1, "{format}: {}", run.all());
        assert!(
            !run.stdout.contains('\u{202e}'),
            "{format} printed a bidi control"
        );
        assert!(
            !run.stdout.contains('\u{7}'),
            "{format} printed a control character"
        );
        if format == "json" {
            // The raw form still gives the exact name, spelled with JSON escapes.
            let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
            let raw: Vec<&serde_json::Value> = doc["repositories"][0]["environments"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| &e["root_raw"]["text"])
                .collect();
            assert_eq!(raw, ["bell\u{7}env", "evil\u{202e}vne"], "{doc:#}");
        }
    }
}

#[test]
fn a_submodule_that_is_an_environment_is_reported_but_not_entered() {
    let env_repo = TestRepo::new();
    crate::common::layout(
        &env_repo.root,
        &[
            ("pyvenv.cfg", "home = /usr/bin\n"),
            ("bin/activate", "# activate\n"),
            ("bin/python", "-> /usr/bin/python3"),
        ],
    );
    env_repo.commit_all("an environment as a repository");
    let repo = TestRepo::new();
    repo.write("app.py", "x\n");
    repo.commit_all("start");
    let url = format!("file://{}", env_repo.root.display());
    repo.git_ok(&[
        "-c",
        "protocol.file.allow=always",
        "submodule",
        "add",
        "-q",
        &url,
        "vendor/env",
    ]);
    let run = repo.guard(&["scan"]);
    no_panic(&run);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stdout
            .contains("vendor/env/ is a Python environment, tracked by git"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("1 file"),
        "only the submodule entry, not its files: {}",
        run.stdout
    );
    let run = repo.guard(&["hook"]);
    assert_eq!(run.code, 1, "{}", run.all());
}

#[test]
fn sparse_checkouts_find_environments_outside_the_cone() {
    let repo = TestRepo::new();
    repo.write("src/app.py", "x\n");
    repo.fake_venv("tools/venv");
    repo.commit_all("start");
    repo.git_ok(&["sparse-checkout", "set", "--cone", "src"]);
    assert!(
        !repo.root.join("tools").exists(),
        "tools/ is outside the cone"
    );
    // Files outside the cone stay in the index (skip-worktree): found from the index.
    let run = repo.guard(&["scan"]);
    no_panic(&run);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stdout
            .contains("tools/venv/ is a Python environment, tracked by git"),
        "{}",
        run.stdout
    );
    // A sparse index folds them into one directory entry: scan says so; --tracked reads HEAD.
    repo.git_ok(&["sparse-checkout", "init", "--cone", "--sparse-index"]);
    let run = repo.guard(&["scan"]);
    no_panic(&run);
    assert!(
        run.stderr.contains("sparse index") || run.code == 1,
        "{}",
        run.all()
    );
    let run = repo.guard(&["scan", "--tracked"]);
    no_panic(&run);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stdout.contains("tools/venv/"), "{}", run.stdout);
}

#[test]
fn a_directory_the_walk_cannot_read_is_reported_and_the_scan_goes_on() {
    let repo = TestRepo::new();
    repo.fake_venv("loose");
    // Nested beyond PATH_MAX (4096 bytes): reading it by its full path fails.
    let name = "n".repeat(200);
    let script = format!(
        "import os\nfor _ in range(25):\n    os.mkdir('{name}')\n    os.chdir('{name}')\nopen('deep.txt', 'w').close()\n"
    );
    crate::common::run_ok(
        std::process::Command::new("python3")
            .arg("-c")
            .arg(&script)
            .current_dir(&repo.root),
    );
    let run = repo.guard(&["scan"]);
    no_panic(&run);
    assert_eq!(
        run.code,
        1,
        "the scan goes on and finds the env: {}",
        run.all()
    );
    assert!(
        run.stdout.contains("loose/ is a Python environment"),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr.contains("venv-guard: warning:"),
        "the unreadable directory is reported: {}",
        run.stderr
    );
}

#[test]
fn huge_or_binary_gitignore_files_give_a_correct_result() {
    let repo = TestRepo::new();
    let mut rules = String::new();
    for i in 0..40_000 {
        rules.push_str(&format!("/build{i}/*.o\n"));
    }
    rules.push_str("/ignored-env/\n");
    repo.write(".gitignore", &rules);
    repo.fake_venv("ignored-env");
    repo.fake_venv("loose-env");
    let started = std::time::Instant::now();
    let run = repo.guard(&["--format", "json", "scan"]);
    no_panic(&run);
    assert!(started.elapsed().as_secs() < 20, "too slow");
    assert_eq!(run.code, 1, "{}", run.all());
    assert_eq!(crate::common::env_roots(&run), ["loose-env"]);
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(doc["repositories"][0]["warnings"][0]
        .as_str()
        .unwrap()
        .contains("does not prune"));

    let repo = TestRepo::new();
    std::fs::write(
        repo.root.join(".gitignore"),
        b"\0\xff\xfe binary \0\n/ignored-env/\n\x00",
    )
    .unwrap();
    repo.fake_venv("ignored-env");
    repo.fake_venv("loose-env");
    let run = repo.guard(&["scan"]);
    no_panic(&run);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stdout.contains("loose-env/"), "{}", run.stdout);
    assert!(!run.stdout.contains("ignored-env/"), "{}", run.stdout);
}

/// Every byte from the repository is escaped before it reaches a terminal: a `pyvenv.cfg`'s
/// `implementation`, the rules `fix` prints, configuration errors (a key, a glob) and the
/// section headers of a multi-repository run can forge no line.
#[test]
fn repository_bytes_cannot_forge_output_lines() {
    let raw =
        |text: &str| text.contains('\u{1b}') || text.contains('\r') || text.contains('\u{202e}');
    let repo = TestRepo::without_hook();
    crate::common::layout(
        &repo.root,
        &[
            (
                "venv/pyvenv.cfg",
                "home = /usr/bin\nimplementation = \u{1b}[2K\rvenv-guard: no Python environment at risk\u{202e}\n",
            ),
            ("venv/bin/activate", "# activate\n"),
            ("venv/bin/python", "-> /usr/bin/python3"),
        ],
    );
    repo.commit_all("venv");
    for format in ["human", "github", "json", "sarif"] {
        let run = repo.guard(&["--format", format, "scan", "--tracked"]);
        no_panic(&run);
        assert_eq!(run.code, 1, "{format}: {}", run.all());
        assert!(
            !raw(&run.all()),
            "{format}: raw control bytes: {:?}",
            run.all()
        );
    }
    let human = repo
        .guard(&["--color", "never", "scan", "--tracked"])
        .stdout;
    assert!(
        !human
            .lines()
            .any(|l| l.starts_with("venv-guard: no Python environment")),
        "a forged line: {human}"
    );
    // A configuration error quoting a key with control characters is one escaped line.
    std::fs::write(
        repo.root.join(".venv-guard.toml"),
        "\"evil\u{1b}[31m\nkey\" = 1\n",
    )
    .unwrap();
    let run = repo.guard(&["scan", "--tracked"]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert_eq!(run.stderr.lines().count(), 1, "{:?}", run.stderr);
    assert!(!raw(&run.stderr), "{:?}", run.stderr);
    std::fs::remove_file(repo.root.join(".venv-guard.toml")).unwrap();
    // The rules `fix` prints for a folder whose name holds an escape sequence.
    crate::common::bare_venv(&repo.root.join("ev\u{1b}[2Kil"));
    let run = repo.guard(&["fix", "--dry-run"]);
    no_panic(&run);
    assert!(run.stdout.contains("would add"), "{}", run.all());
    assert!(!raw(&run.all()), "{:?}", run.all());
    // A directory name with an escape sequence in a multi-repository run's headers.
    let odd = repo.sibling("odd\u{1b}[2Jname");
    std::fs::create_dir(&odd).unwrap();
    let run = repo.guard(&["scan", repo.root.to_str().unwrap(), odd.to_str().unwrap()]);
    no_panic(&run);
    assert!(!raw(&run.all()), "{:?}", run.all());
}

/// Trees nested 10,000 deep (git's own `core.maxTreeDepth` is 4,096) end every walk with one
/// line and exit 2: no stack overflow, in the history and in `HEAD`'s tree.
#[test]
fn trees_nested_deeper_than_git_reads_are_one_error() {
    let repo = TestRepo::without_hook();
    let path = format!("{}pyvenv.cfg", "d/".repeat(10_000));
    let data = "home = /usr/bin\n";
    let stream = format!(
        "commit refs/heads/main\ncommitter A <a@example.com> 1709287200 +0000\ndata 4\ndeep\n\
         M 100644 inline {path}\ndata {}\n{data}\n",
        data.len()
    );
    let mut import = crate::common::isolated("git", &repo.root)
        .args(["fast-import", "--quiet"])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    import
        .stdin
        .take()
        .unwrap()
        .write_all(stream.as_bytes())
        .unwrap();
    assert!(import.wait().unwrap().success());
    for args in [&["scan", "--history"][..], &["scan", "--tracked"]] {
        let run = repo.guard(args);
        no_panic(&run);
        assert_eq!(run.code, 2, "{args:?}: {}", run.all());
        assert_eq!(run.stderr.lines().count(), 1, "{args:?}: {}", run.stderr);
        // Read through git (SHA-256, reftable), git's own refusal says the same.
        assert!(
            run.stderr.contains("core.maxTreeDepth")
                || run.stderr.contains("maximum allowed tree depth"),
            "{args:?}: {}",
            run.stderr
        );
    }
}

/// Special files where venv-guard reads a small file: a FIFO (an open blocks until a writer
/// comes) or a link to `/dev/zero` (a read never ends) is refused or passed over at once,
/// never a hang or a memory blow-up.
#[test]
fn fifos_and_devices_are_never_read() {
    let fifo = |path: &std::path::Path| {
        let _ = std::fs::remove_file(path);
        let status = std::process::Command::new("mkfifo")
            .arg(path)
            .status()
            .unwrap();
        assert!(status.success());
    };
    let timed = |_: &TestRepo, dir: &std::path::Path, args: &[&str]| {
        let run = crate::common::run_within(
            crate::common::isolated(crate::common::bin(), dir).args(args),
            20,
        );
        no_panic(&run);
        run
    };
    // An environment outside git whose own .gitignore is a FIFO.
    let repo = TestRepo::without_hook();
    let outside = repo.sibling("outside");
    crate::common::bare_venv(&outside.join("venv"));
    fifo(&outside.join("venv/.gitignore"));
    let run = timed(&repo, &outside, &["scan", "."]);
    assert_eq!(run.code, 1, "{}", run.all());
    // info/exclude and the index as FIFOs, the configuration a link to /dev/zero.
    repo.venv("venv");
    fifo(&repo.root.join(".git/info/exclude"));
    let run = timed(&repo, &repo.root, &["scan", "."]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stderr.contains("not a regular file"), "{}", run.stderr);
    std::fs::remove_file(repo.root.join(".git/info/exclude")).unwrap();
    crate::common::symlink("/dev/zero", &repo.root.join(".venv-guard.toml"));
    let run = timed(&repo, &repo.root, &["scan", "."]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(run.stderr.contains("not a regular file"), "{}", run.stderr);
    std::fs::remove_file(repo.root.join(".venv-guard.toml")).unwrap();
    fifo(&repo.root.join(".git/index"));
    let run = timed(&repo, &repo.root, &["hook"]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stderr.contains("not a regular file"), "{}", run.stderr);
}
