//! The real clients: the pre-commit framework (`pre-commit try-repo` building this repository
//! with cargo), pip (a maturin-built wheel) and a SARIF consumer (sarif-tools). Slow and reliant on PyPI, so they are
//! `#[ignore]`d for the everyday `cargo test`; the README's test command runs them with
//! `--include-ignored`. The distribution (wheels, the pre-commit mirror, the action,
//! the workflows) is tested in `dist.rs` with these tools.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::common::{isolated, pip_install, run_ok, Run, TestRepo};

/// A throwaway venv with pre-commit, prek and maturin installed from PyPI, made once per run,
/// with its own pre-commit cache and cargo target directory.
pub(crate) struct Tools {
    pub(crate) dir: PathBuf,
}

impl Tools {
    pub(crate) fn bin(&self, name: &str) -> PathBuf {
        self.dir.join("venv/bin").join(name)
    }

    /// A command that finds the tools but not the venv-guard under test: what the clients
    /// install is what runs.
    pub(crate) fn command(&self, program: impl AsRef<std::ffi::OsStr>, dir: &Path) -> Command {
        let mut cmd = isolated(program, dir);
        let system = std::env::var_os("PATH").unwrap_or_default();
        let mut path = vec![self.dir.join("venv/bin")];
        path.extend(std::env::split_paths(&system));
        cmd.env("PATH", std::env::join_paths(path).unwrap())
            .env("PRE_COMMIT_HOME", self.dir.join("pre-commit-home"))
            .env("CARGO_TARGET_DIR", self.dir.join("target"))
            .env_remove("PRE_COMMIT_FROM_REF")
            .env_remove("PRE_COMMIT_TO_REF");
        cmd
    }
}

pub(crate) fn tools() -> &'static Tools {
    static TOOLS: OnceLock<Tools> = OnceLock::new();
    TOOLS.get_or_init(|| {
        // The name changes with the package list: a cached venv is never updated in place.
        let dir = crate::common::cached_dir("client-tools-2", |dir| {
            let venv = dir.join("venv");
            run_ok(Command::new("python3").args(["-m", "venv"]).arg(&venv));
            run_ok(pip_install(&venv.join("bin/python"), dir).args([
                "pre-commit",
                "maturin>=1.5,<2",
                "sarif-tools",
                // prek installs Python hooks with uv, which it finds on PATH.
                "prek==0.5.11",
                "uv==0.13.9",
            ]));
        });
        Tools { dir }
    })
}

pub(crate) fn run(cmd: &mut Command) -> Run {
    Run::from(cmd.output().unwrap())
}

pub(crate) fn project() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `pre-commit try-repo <this repository> venv-guard [extra...]` in `repo`.
fn try_repo(repo: &TestRepo, extra: &[&str]) -> Run {
    let t = tools();
    run(t
        .command(t.bin("pre-commit"), &repo.root)
        .arg("try-repo")
        .arg(project())
        .arg("venv-guard")
        .args(extra))
}

#[test]
#[ignore = "slow: installs pre-commit from PyPI and builds venv-guard with cargo install"]
fn pre_commit_framework_splits_a_large_env_and_reports_it_once() {
    let repo = TestRepo::without_hook();
    repo.write("app.py", "print(1)\n");
    let venv = repo.venv_with_pip("venv");
    // Django makes the venv large enough (about 6,000 files) for several batches.
    run_ok(pip_install(&venv.join("bin/python"), &repo.root).arg("django"));
    repo.git_ok(&["add", "-A"]);
    let staged = repo.tracked().len();
    assert!(staged > 3000, "only {staged} files staged");

    let run = try_repo(&repo, &[]);
    assert_eq!(run.code, 1, "{}", run.all());
    let out = run.all();
    assert!(out.contains("Failed"), "{out}");
    assert_eq!(
        out.matches("error: venv/ is a Python environment, among the files given to the hook")
            .count(),
        1,
        "{out}"
    );
    assert!(
        out.contains("reported in full with the first batch"),
        "the framework did not split the list; no later batch seen:\n{out}"
    );
    assert!(!out.contains("app.py"), "{out}");

    // A clean repository passes.
    let clean = TestRepo::without_hook();
    clean.write("app.py", "print(1)\n");
    clean.git_ok(&["add", "-A"]);
    let run = try_repo(&clean, &[]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(run.all().contains("Passed"), "{}", run.all());

    // --all-files over a repository whose venv was committed earlier: a whole-repo check.
    let old = TestRepo::without_hook();
    old.write("app.py", "print(1)\n");
    old.venv("env");
    old.git_ok(&["add", "-A"]);
    old.git_ok(&["commit", "-q", "-m", "old"]);
    let run = try_repo(&old, &[]);
    assert_eq!(run.code, 0, "nothing staged: {}", run.all());
    let run = try_repo(&old, &["--all-files"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.all().contains("env/ is a Python environment"),
        "{}",
        run.all()
    );
}

#[test]
#[ignore = "slow: installs maturin from PyPI and builds a release wheel"]
fn pip_installs_the_binary_through_maturin() {
    let t = tools();
    let work = tempfile::tempdir().unwrap();
    let dist = work.path().join("dist");
    run_ok(
        t.command(t.bin("python"), project())
            .args([
                "-m",
                "pip",
                "wheel",
                "--quiet",
                "--no-deps",
                "--no-build-isolation",
                "-w",
            ])
            .arg(&dist)
            .arg(project()),
    );
    let wheel = std::fs::read_dir(&dist)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "whl"))
        .expect("a wheel was built");

    let fresh = work.path().join("fresh");
    run_ok(Command::new("python3").args(["-m", "venv"]).arg(&fresh));
    run_ok(pip_install(&fresh.join("bin/python"), work.path()).arg(&wheel));
    let run = run_ok(Command::new(fresh.join("bin/venv-guard")).arg("--version"));
    assert_eq!(
        run.stdout.trim(),
        format!("venv-guard {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
#[ignore = "slow: installs sarif-tools from PyPI"]
fn sarif_is_read_back_by_a_real_consumer() {
    let t = tools();
    let repo = TestRepo::new();
    repo.fake_venv("legacy/venv");
    repo.commit_all("legacy");
    repo.fake_venv("tools/.venv");
    crate::common::layout(
        &repo.root.join("tests/fixtures/env"),
        &[
            ("pyvenv.cfg", "home = /usr/bin\n"),
            ("bin/python", ""),
            ("bin/activate", "x"),
        ],
    );
    let scanned = repo.guard(&["--format", "sarif", "scan"]);
    assert_eq!(scanned.code, 1, "{}", scanned.all());
    let work = tempfile::tempdir().unwrap();
    let sarif_file = work.path().join("venv-guard.sarif");
    std::fs::write(&sarif_file, &scanned.stdout).unwrap();

    let csv = work.path().join("out.csv");
    run_ok(
        t.command(t.bin("sarif"), work.path())
            .args(["csv", "--output"])
            .arg(&csv)
            .arg(&sarif_file),
    );
    let table = std::fs::read_to_string(&csv).unwrap();
    let rows: Vec<&str> = table.lines().skip(1).collect();
    assert_eq!(rows.len(), 3, "{table}");
    assert!(
        rows.iter()
            .any(|r| r.contains("error,VG002") && r.contains("legacy/venv/pyvenv.cfg")),
        "{table}"
    );
    assert!(
        rows.iter()
            .any(|r| r.contains("error,VG003") && r.contains("tools/.venv/pyvenv.cfg")),
        "{table}"
    );
    assert!(rows.iter().any(|r| r.contains("note,VG006")), "{table}");

    // The consumer's own gate fails on the errors, as a CI step would.
    let gate = run(t
        .command(t.bin("sarif"), work.path())
        .args(["--check", "error", "summary"])
        .arg(&sarif_file));
    assert_ne!(gate.code, 0, "{}", gate.all());
    assert!(
        gate.all()
            .contains("due to issues at or above error severity"),
        "{}",
        gate.all()
    );
    assert!(gate.stdout.contains("error: 2"), "{}", gate.all());
}
