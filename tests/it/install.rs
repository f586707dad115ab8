//! `venv-guard install` / `uninstall`: the hook lands where git runs hooks from, a foreign hook
//! is chained (and its failure fails the commit), and uninstall restores it byte for byte.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::common::{isolated, TestRepo};

/// Where git itself runs hooks from, seen from `dir`.
fn git_hooks_dir(repo: &TestRepo, dir: &Path) -> PathBuf {
    let out = repo.git_in(dir, &["rev-parse", "--git-path", "hooks"]);
    assert_eq!(out.code, 0);
    let path = PathBuf::from(out.stdout.trim());
    if path.is_absolute() {
        path
    } else {
        dir.join(path)
    }
}

fn write_hook(path: &Path, body: &str) {
    crate::common::write_executable(path, body.as_bytes(), 0o755);
}

#[test]
fn installs_where_git_runs_hooks() {
    // The default, core.hooksPath relative and absolute, and a linked worktree.
    let plain = TestRepo::without_hook();
    let relative = TestRepo::without_hook();
    relative.git_ok(&["config", "core.hooksPath", ".githooks"]);
    let absolute = TestRepo::without_hook();
    let abs_dir = absolute.sibling("shared-hooks");
    absolute.git_ok(&["config", "core.hooksPath", abs_dir.to_str().unwrap()]);
    let main = TestRepo::without_hook();
    main.write("a", "a\n");
    main.git_ok(&["add", "a"]);
    main.git_ok(&["commit", "-q", "-m", "a"]);
    let wt = main.sibling("wt");
    main.git_ok(&["worktree", "add", "-q", wt.to_str().unwrap()]);

    for (repo, dir) in [
        (&plain, plain.root.clone()),
        (&relative, relative.root.clone()),
        (&absolute, absolute.root.clone()),
        (&main, wt.clone()),
    ] {
        let run = repo.guard_in(&dir, &["install"]);
        assert_eq!(run.code, 0, "{}", run.all());
        let hook = git_hooks_dir(repo, &dir).join("pre-commit");
        assert!(
            hook.exists(),
            "no hook at {} ({})",
            hook.display(),
            run.stdout
        );
        let mode = fs::metadata(&hook).unwrap().permissions().mode();
        assert_eq!(mode & 0o111, 0o111, "the hook is executable");
    }
    assert!(relative.root.join(".githooks/pre-commit").exists());
    assert!(abs_dir.join("pre-commit").exists());
    assert!(
        main.root.join(".git/hooks/pre-commit").exists(),
        "worktrees share the common hooks"
    );

    // The hook installed from the worktree blocks a venv committed there.
    crate::common::bare_venv(&wt.join("venv"));
    assert_eq!(main.git_in(&wt, &["add", "-A"]).code, 0);
    let run = main.git_in(&wt, &["commit", "-q", "-m", "venv"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.all().contains("venv/ is a Python environment"));
}

#[test]
fn a_foreign_hook_is_chained_and_restored_byte_for_byte() {
    let repo = TestRepo::without_hook();
    let hook = repo.root.join(".git/hooks/pre-commit");
    let old = "#!/bin/sh\n# the team's lint hook\necho ran >> \"$(git rev-parse --git-dir)/old-hook-ran\"\nexit ${OLD_HOOK_EXIT:-0}\n";
    write_hook(&hook, old);
    fs::set_permissions(&hook, fs::Permissions::from_mode(0o750)).unwrap();
    let ran = repo.root.join(".git/old-hook-ran");

    let run = repo.guard(&["install"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.contains("runs first"), "{}", run.stdout);
    let installed = fs::read(&hook).unwrap();
    let run = repo.guard(&["install"]);
    assert!(run.stdout.contains("already installed"), "{}", run.stdout);
    assert_eq!(
        fs::read(&hook).unwrap(),
        installed,
        "installing twice changes nothing"
    );

    // A venv: blocked, and the old hook ran first.
    repo.venv("venv");
    repo.git_ok(&["add", "-A"]);
    let run = repo.commit(&[]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.all().contains("venv/ is a Python environment"));
    assert_eq!(fs::read_to_string(&ran).unwrap(), "ran\n");

    // --no-verify skips both.
    assert_eq!(repo.commit(&["--no-verify"]).code, 0);
    assert_eq!(fs::read_to_string(&ran).unwrap(), "ran\n");

    // The old hook's failure fails a clean commit.
    repo.write("app.py", "x\n");
    repo.git_ok(&["add", "app.py"]);
    let run = crate::common::isolated("git", &repo.root)
        .args(["commit", "-q", "-m", "x"])
        .env("OLD_HOOK_EXIT", "3")
        .output()
        .unwrap();
    assert!(
        !run.status.success(),
        "the chained hook's failure fails the commit"
    );
    assert_eq!(repo.commit(&[]).code, 0);

    let run = repo.guard(&["uninstall"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(fs::read_to_string(&hook).unwrap(), old);
    assert_eq!(
        fs::metadata(&hook).unwrap().permissions().mode() & 0o777,
        0o750
    );
    assert!(!repo
        .root
        .join(".git/hooks/pre-commit.before-venv-guard")
        .exists());
    let run = repo.guard(&["uninstall"]);
    assert!(run.stdout.contains("no venv-guard hook"), "{}", run.stdout);
    assert_eq!(
        fs::read_to_string(&hook).unwrap(),
        old,
        "a foreign hook is left alone"
    );
}

#[test]
fn force_replaces_and_uninstall_still_restores() {
    let repo = TestRepo::without_hook();
    let hook = repo.root.join(".git/hooks/pre-commit");
    let old = "#!/bin/sh\nexit 7\n";
    write_hook(&hook, old);
    let run = repo.guard(&["install", "--force"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.contains("replaced"), "{}", run.stdout);
    repo.write("app.py", "x\n");
    repo.git_ok(&["add", "app.py"]);
    assert_eq!(repo.commit(&[]).code, 0, "the replaced hook does not run");
    assert_eq!(repo.guard(&["uninstall"]).code, 0);
    assert_eq!(fs::read_to_string(&hook).unwrap(), old);
}

#[test]
fn uninstall_without_an_earlier_hook_removes_ours() {
    let repo = TestRepo::without_hook();
    assert_eq!(repo.guard(&["install"]).code, 0);
    let run = repo.guard(&["uninstall"]);
    assert_eq!(run.code, 0);
    assert!(!repo.root.join(".git/hooks/pre-commit").exists());
}

#[test]
fn print_shows_husky_and_lefthook_snippets() {
    let repo = TestRepo::without_hook();
    let run = repo.guard(&["install", "--print"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains(".husky/pre-commit"));
    assert!(run.stdout.contains("lefthook.yml"));
    assert!(run.stdout.contains("run: venv-guard hook"));
    assert!(
        !repo.root.join(".git/hooks/pre-commit").exists(),
        "--print installs nothing"
    );
}

fn mode_of(path: &Path) -> u32 {
    fs::symlink_metadata(path).unwrap().permissions().mode() & 0o777
}

/// The names in the hooks directory other than git's samples.
fn hook_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.ends_with(".sample"))
        .collect();
    names.sort();
    names
}

#[test]
fn our_hook_left_not_executable_is_repaired() {
    let repo = TestRepo::without_hook();
    let hooks = repo.root.join(".git/hooks");
    let hook = hooks.join("pre-commit");
    assert_eq!(repo.guard(&["install"]).code, 0);
    assert_eq!(mode_of(&hook), 0o755);
    assert_eq!(
        hook_files(&hooks),
        ["pre-commit"],
        "no temporary file is left"
    );

    // What an install stopped between its rename and its chmod left: git skips this hook.
    fs::set_permissions(&hook, fs::Permissions::from_mode(0o644)).unwrap();
    let run = repo.guard(&["install"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stdout.contains("repaired") && !run.stdout.contains("already installed"),
        "{}",
        run.stdout
    );
    assert_eq!(mode_of(&hook), 0o755);
    assert_eq!(hook_files(&hooks), ["pre-commit"]);

    repo.venv("venv");
    repo.git_ok(&["add", "-A"]);
    let run = repo.commit(&[]);
    assert_eq!(run.code, 1, "the repaired hook runs: {}", run.all());
    assert!(run.all().contains("venv/ is a Python environment"));
}

/// `venv-guard install` with no room to write a byte (`ulimit -f 0`): with `XFSZ` ignored the
/// write fails (a full disk), without it the process is killed mid-install.
fn install_without_room(repo: &TestRepo, killed: bool) -> crate::common::Run {
    let trap = if killed { "" } else { "trap '' XFSZ; " };
    let script = format!("{trap}ulimit -f 0; exec \"$0\" install");
    crate::common::Run::from(
        crate::common::isolated("sh", &repo.root)
            .args(["-c", &script])
            .arg(crate::common::bin())
            .output()
            .unwrap(),
    )
}

#[test]
fn an_install_that_fails_or_is_killed_keeps_the_foreign_hook() {
    let repo = TestRepo::without_hook();
    let hooks = repo.root.join(".git/hooks");
    let hook = hooks.join("pre-commit");
    let old = "#!/bin/sh\n# the team's hook\nexit 0\n";
    write_hook(&hook, old);
    fs::set_permissions(&hook, fs::Permissions::from_mode(0o750)).unwrap();

    for killed in [false, true] {
        let run = install_without_room(&repo, killed);
        assert_ne!(run.code, 0, "killed: {killed}: {}", run.all());
        if !killed {
            assert_eq!(run.stderr.trim().lines().count(), 1, "{}", run.stderr);
        }
        assert_eq!(fs::read_to_string(&hook).unwrap(), old, "killed: {killed}");
        assert_eq!(mode_of(&hook), 0o750, "killed: {killed}");
        assert!(!hooks.join("pre-commit.before-venv-guard").exists());
        let run = repo.guard(&["uninstall"]);
        assert_eq!(run.code, 0, "{}", run.all());
        assert!(run.stdout.contains("no venv-guard hook"), "{}", run.stdout);
        assert_eq!(fs::read_to_string(&hook).unwrap(), old);
    }

    // With room, the same hook is chained, and uninstall puts it back unchanged.
    let run = repo.guard(&["install"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.contains("runs first"), "{}", run.stdout);
    let chained = hooks.join("pre-commit.before-venv-guard");
    assert_eq!(fs::read_to_string(&chained).unwrap(), old);
    assert_eq!(mode_of(&chained), 0o750);
    assert_eq!(repo.guard(&["uninstall"]).code, 0);
    assert_eq!(fs::read_to_string(&hook).unwrap(), old);
    assert_eq!(mode_of(&hook), 0o750);
}

#[test]
fn core_hooks_path_from_the_environment_is_honoured() {
    // `GIT_CONFIG_COUNT` pairs, and `GIT_CONFIG_PARAMETERS` as `git -c` sets it for the
    // commands (and hooks) it runs.
    let cases: [(&str, &[(&str, &str)]); 2] = [
        (
            "env-hooks",
            &[
                ("GIT_CONFIG_COUNT", "1"),
                ("GIT_CONFIG_KEY_0", "core.hooksPath"),
                ("GIT_CONFIG_VALUE_0", "env-hooks"),
            ],
        ),
        (
            "param-hooks",
            &[("GIT_CONFIG_PARAMETERS", "'core.hooksPath'='param-hooks'")],
        ),
    ];
    for (dir, vars) in cases {
        let repo = TestRepo::without_hook();
        let sub = repo.root.join("src");
        fs::create_dir(&sub).unwrap();
        let run = crate::common::Run::from(
            crate::common::isolated(crate::common::bin(), &sub)
                .arg("install")
                .envs(vars.iter().copied())
                .output()
                .unwrap(),
        );
        assert_eq!(run.code, 0, "{}", run.all());
        let hook = repo.root.join(dir).join("pre-commit");
        assert!(hook.exists(), "{dir}: {}", run.stdout);
        assert!(!repo.root.join(".git/hooks/pre-commit").exists(), "{dir}");

        repo.venv("venv");
        repo.git_ok(&["add", "-A"]);
        let mut commit = crate::common::isolated("git", &repo.root);
        if dir == "param-hooks" {
            commit.args(["-c", "core.hooksPath=param-hooks"]);
        } else {
            commit.envs(vars.iter().copied());
        }
        let run = crate::common::Run::from(
            commit
                .args(["commit", "-q", "-m", "venv"])
                .output()
                .unwrap(),
        );
        assert_eq!(run.code, 1, "{dir}: git ran the hook: {}", run.all());
        assert!(run.all().contains("venv/ is a Python environment"));
    }
}

#[test]
fn the_hook_is_posix_sh_for_a_binary_path_with_odd_bytes() {
    let repo = TestRepo::without_hook();
    let dir = repo.sibling("it's a\tdir\nwith odd\x1bbytes");
    fs::create_dir(&dir).unwrap();
    let exe = dir.join("venv-guard");
    crate::common::copy_executable(crate::common::bin(), &exe, 0o755);
    let run = crate::common::Run::from(
        crate::common::isolated(&exe, &repo.root)
            .arg("install")
            .output()
            .unwrap(),
    );
    assert_eq!(run.code, 0, "{}", run.all());
    let hook = repo.root.join(".git/hooks/pre-commit");
    let script = fs::read_to_string(&hook).unwrap();
    assert!(script.starts_with("#!/bin/sh\n"));
    assert!(!script.contains("$'"), "no bash-only quoting: {script}");
    let check = std::process::Command::new("dash")
        .arg("-n")
        .arg(&hook)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "dash -n: {}",
        String::from_utf8_lossy(&check.stderr)
    );

    // Without venv-guard on PATH the hook, run by dash, finds the binary by its installed path.
    repo.venv("venv");
    repo.git_ok(&["add", "-A"]);
    let path = std::env::var_os("PATH").unwrap_or_default();
    let without_guard: Vec<PathBuf> = std::env::split_paths(&path)
        .filter(|dir| !dir.join("venv-guard").exists())
        .collect();
    let run = crate::common::Run::from(
        crate::common::isolated("git", &repo.root)
            .env("PATH", std::env::join_paths(without_guard).unwrap())
            .args(["commit", "-q", "-m", "venv"])
            .output()
            .unwrap(),
    );
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.all().contains("venv/ is a Python environment"));
}

/// husky and lefthook from npm, installed once (the tests that need them run in parallel).
fn hook_managers() -> PathBuf {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(install_hook_managers).clone()
}

fn install_hook_managers() -> PathBuf {
    crate::common::cached_dir("hook-managers", |dir| {
        // No install scripts: lefthook's would install hooks into the repository npm runs in.
        crate::common::run_ok(
            std::process::Command::new("npm")
                .current_dir(dir)
                .args([
                    "install",
                    "--silent",
                    "--no-audit",
                    "--no-fund",
                    "--ignore-scripts",
                ])
                .arg("--prefix")
                .arg(dir)
                .args(["husky@9", "lefthook@1"]),
        );
    })
    .join("node_modules/.bin")
}

/// husky points `core.hooksPath` at its generated `.husky/_`: `install` adds its line to the
/// committed `.husky/pre-commit` instead of writing into the generated folder, the commit of a
/// venv is blocked through husky, a second `install` changes nothing, `uninstall` takes the
/// line out and keeps the rest.
#[test]
#[ignore = "slow: installs husky and lefthook from npm"]
fn under_husky_the_line_goes_into_huskys_own_hook_file() {
    let bin = hook_managers();
    let repo = TestRepo::without_hook();
    repo.write("app.py", "print(1)\n");
    crate::common::run_ok(&mut isolated(bin.join("husky"), &repo.root));
    assert_eq!(
        repo.git_ok(&["config", "core.hooksPath"]).stdout.trim(),
        ".husky/_"
    );
    repo.write(".husky/pre-commit", "echo checks\n");
    let generated = hook_files(&repo.root.join(".husky/_"));

    let run = repo.guard(&["install"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.contains("husky"), "{}", run.stdout);
    let file = repo.root.join(".husky/pre-commit");
    assert_eq!(
        fs::read_to_string(&file).unwrap(),
        "echo checks\nvenv-guard hook\n"
    );
    assert_eq!(hook_files(&repo.root.join(".husky/_")), generated);
    let again = repo.guard(&["install"]);
    assert!(again.stdout.contains("already"), "{}", again.stdout);
    assert_eq!(
        fs::read_to_string(&file).unwrap(),
        "echo checks\nvenv-guard hook\n"
    );

    repo.venv("venv");
    repo.git_ok(&["add", "-A"]);
    let commit = repo.commit(&["-m", "venv"]);
    assert_ne!(commit.code, 0, "{}", commit.all());
    assert!(commit.all().contains("Commit blocked"), "{}", commit.all());

    let run = repo.guard(&["uninstall"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(fs::read_to_string(&file).unwrap(), "echo checks\n");
}

/// lefthook writes `.git/hooks/pre-commit` itself and rewrites it on every `lefthook install`:
/// `install` changes nothing and prints the lines for lefthook's configuration, and those
/// lines, pasted, block the commit of a venv.
#[test]
#[ignore = "slow: installs husky and lefthook from npm"]
fn under_lefthook_the_configuration_lines_are_printed_and_work() {
    let bin = hook_managers();
    let repo = TestRepo::without_hook();
    repo.write("app.py", "print(1)\n");
    repo.write("lefthook.yml", "# hooks\n");
    crate::common::run_ok(isolated(bin.join("lefthook"), &repo.root).args(["add", "pre-commit"]));
    let hook = repo.root.join(".git/hooks/pre-commit");
    let generated = fs::read(&hook).unwrap();

    let run = repo.guard(&["install"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.stdout.contains("lefthook"), "{}", run.stdout);
    assert_eq!(
        fs::read(&hook).unwrap(),
        generated,
        "lefthook's hook is untouched"
    );
    let lines = &run.stdout[run.stdout.find("pre-commit:").expect("the lines")..];
    repo.write("lefthook.yml", &format!("# hooks\n{lines}"));

    repo.venv("venv");
    repo.git_ok(&["add", "-A"]);
    // lefthook's hook finds lefthook on PATH, as a project's npm scripts put it there.
    let mut path = std::ffi::OsString::from(&bin);
    path.push(":");
    path.push(
        isolated("git", &repo.root)
            .get_envs()
            .find(|(k, _)| *k == "PATH")
            .and_then(|(_, v)| v)
            .unwrap(),
    );
    let commit = crate::common::Run::from(
        isolated("git", &repo.root)
            .env("PATH", path)
            .args(["commit", "-q", "-m", "venv"])
            .output()
            .unwrap(),
    );
    assert_ne!(commit.code, 0, "{}", commit.all());
    assert!(commit.all().contains("venv/"), "{}", commit.all());
}
