//! `TestRepo`: a real git repository in a temporary directory, with real environments made by
//! `python3 -m venv`, and the `venv-guard` binary under test on `PATH`.

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use tempfile::TempDir;

/// The binary under test.
pub fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_venv-guard"))
}

/// A `PATH` that starts with the directory of the binary under test.
fn path_with_bin() -> std::ffi::OsString {
    let mut dirs = vec![bin().parent().unwrap().to_path_buf()];
    dirs.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(dirs).unwrap()
}

/// A command isolated from the user's and the machine's git configuration.
pub fn isolated(program: impl AsRef<OsStr>, dir: &Path) -> Command {
    let mut cmd = Command::new(program);
    cmd.current_dir(dir)
        .env("PATH", path_with_bin())
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        // Fixed dates make commit hashes, and so the reports that name them, reproducible.
        .env("GIT_AUTHOR_DATE", "2024-03-01T10:00:00+01:00")
        .env("GIT_COMMITTER_DATE", "2024-03-01T10:00:00+01:00")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("PRE_COMMIT_FROM_REF")
        .env_remove("PRE_COMMIT_TO_REF")
        .env("NO_COLOR", "1")
        .env_remove("GIT_DIR")
        .env_remove("GIT_INDEX_FILE")
        .env_remove("GIT_WORK_TREE")
        .env_remove("VENV_GUARD")
        .env_remove("COLUMNS");
    cmd
}

/// The repository formats the suite runs in: `VENV_GUARD_TEST_REPO_FORMAT` chooses one for
/// every `TestRepo` (`.ci/run` runs the git-facing tests in each).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RepoFormat {
    /// SHA-1 objects, files refs: git's default.
    Default,
    /// `git init --object-format=sha256`.
    Sha256,
    /// `git init --ref-format=reftable`.
    Reftable,
    /// Both: Git 3.0's announced defaults.
    Sha256Reftable,
    /// `core.splitIndex = true`.
    SplitIndex,
}

impl RepoFormat {
    fn init_flags(self) -> &'static [&'static str] {
        match self {
            RepoFormat::Default | RepoFormat::SplitIndex => &[],
            RepoFormat::Sha256 => &["--object-format=sha256"],
            RepoFormat::Reftable => &["--ref-format=reftable"],
            RepoFormat::Sha256Reftable => &["--object-format=sha256", "--ref-format=reftable"],
        }
    }
}

/// The format `TestRepo::new` makes.
pub fn repo_format() -> RepoFormat {
    match std::env::var("VENV_GUARD_TEST_REPO_FORMAT").as_deref() {
        Ok("sha256") => RepoFormat::Sha256,
        Ok("reftable") => RepoFormat::Reftable,
        Ok("sha256-reftable") => RepoFormat::Sha256Reftable,
        Ok("split-index") => RepoFormat::SplitIndex,
        _ => RepoFormat::Default,
    }
}

/// The seed of the fuzz and agreement tests: `VENV_GUARD_FUZZ_SEED` (decimal, or hexadecimal
/// after `0x`), or a fixed one, so that a run, and any failure in it, can be replayed.
pub fn fuzz_seed() -> u64 {
    let Ok(text) = std::env::var("VENV_GUARD_FUZZ_SEED") else {
        return 0x5eed_c0de;
    };
    let text = text.trim();
    match text.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => text.parse(),
    }
    .unwrap_or_else(|_| panic!("VENV_GUARD_FUZZ_SEED={text} is not a number"))
}

/// How many cases each fuzz or agreement test runs: `VENV_GUARD_FUZZ_CASES`, or `default`.
pub fn fuzz_cases(default: usize) -> usize {
    std::env::var("VENV_GUARD_FUZZ_CASES").map_or(default, |text| {
        text.trim()
            .parse()
            .unwrap_or_else(|_| panic!("VENV_GUARD_FUZZ_CASES={text} is not a number"))
    })
}

/// What a command did.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn from(out: Output) -> Run {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// stdout and stderr together, as a user sees them.
    pub fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

/// A temporary git repository with the native hook installed.
pub struct TestRepo {
    _tmp: TempDir,
    pub root: PathBuf,
}

impl TestRepo {
    /// A new repository on branch `main` with `hooks/pre-commit` installed.
    pub fn new() -> TestRepo {
        let tmp = tempfile::Builder::new()
            .prefix("vg-test")
            .tempdir()
            .unwrap();
        let root = tmp.path().join("repo");
        fs::create_dir(&root).unwrap();
        let repo = TestRepo { _tmp: tmp, root };
        let mut init = vec!["init", "-q", "-b", "main"];
        let format = repo_format();
        init.extend_from_slice(format.init_flags());
        repo.git_ok(&init);
        if format == RepoFormat::SplitIndex {
            repo.git_ok(&["config", "core.splitIndex", "true"]);
            repo.git_ok(&["config", "splitIndex.maxPercentChange", "100"]);
        }
        repo.install_hook();
        repo
    }

    /// A new repository with no pre-commit hook.
    pub fn without_hook() -> TestRepo {
        let repo = TestRepo::new();
        fs::remove_file(repo.root.join(".git/hooks/pre-commit")).unwrap();
        repo
    }

    /// Copies the project's `hooks/pre-commit` into `.git/hooks/`.
    pub fn install_hook(&self) {
        let hook = Path::new(env!("CARGO_MANIFEST_DIR")).join("hooks/pre-commit");
        let dest = self.root.join(".git/hooks/pre-commit");
        fs::create_dir_all(dest.parent().unwrap()).unwrap();
        copy_executable(&hook, &dest, 0o755);
    }

    /// A directory beside the repository (for worktrees, other repositories).
    pub fn sibling(&self, name: &str) -> PathBuf {
        self.root.parent().unwrap().join(name)
    }

    pub fn git(&self, args: &[&str]) -> Run {
        self.git_in(&self.root, args)
    }

    pub fn git_in(&self, dir: &Path, args: &[&str]) -> Run {
        Run::from(isolated("git", dir).args(args).output().unwrap())
    }

    /// Runs git and fails the test if git fails.
    pub fn git_ok(&self, args: &[&str]) -> Run {
        let run = self.git(args);
        assert_eq!(run.code, 0, "git {args:?} failed: {}", run.all());
        run
    }

    /// Runs `venv-guard` in the repository.
    pub fn guard(&self, args: &[&str]) -> Run {
        self.guard_in(&self.root, args)
    }

    pub fn guard_in(&self, dir: &Path, args: &[&str]) -> Run {
        Run::from(isolated(bin(), dir).args(args).output().unwrap())
    }

    /// `git commit -q -m msg` plus `extra` arguments, through the installed hook.
    pub fn commit(&self, extra: &[&str]) -> Run {
        let mut args = vec!["commit", "-q", "-m", "test"];
        args.extend_from_slice(extra);
        self.git(&args)
    }

    pub fn write(&self, rel: &str, content: &str) {
        write_file(&self.root.join(rel), content.as_bytes());
    }

    /// Makes a real environment with `python3 -m venv --without-pip` (9 staged entries).
    pub fn venv(&self, rel: &str) -> PathBuf {
        let dir = self.root.join(rel);
        python_venv(&dir, &["--without-pip"]);
        // site-packages is empty without pip; a package file makes `lib/` stageable.
        write_file(
            &dir.join("lib/python3.11/site-packages/demo/__init__.py"),
            b"VALUE = 1\n",
        );
        dir
    }

    /// A real environment with pip installed (about 1,500 files): copied from one made once
    /// per test run.
    pub fn venv_with_pip(&self, rel: &str) -> PathBuf {
        let dir = self.root.join(rel);
        copy_tree(pip_venv(), &dir);
        dir
    }

    /// A hand-made POSIX venv with fixed content (reports that show it are reproducible).
    pub fn fake_venv(&self, rel: &str) {
        layout(
            &self.root.join(rel),
            &[
                (
                    "pyvenv.cfg",
                    "home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.11.7\n",
                ),
                (
                    "bin/activate",
                    "# This file must be used with \"source bin/activate\"\n",
                ),
                ("bin/python", "-> python3"),
                ("bin/python3", "-> /usr/bin/python3"),
                (
                    "lib/python3.11/site-packages/demo/__init__.py",
                    "VALUE = 1\n",
                ),
            ],
        );
    }

    /// Stages everything and commits without the hook; returns the new commit's hash.
    pub fn commit_all(&self, message: &str) -> String {
        self.git_ok(&["add", "-A"]);
        self.git_ok(&[
            "commit",
            "-q",
            "--no-verify",
            "--allow-empty",
            "-m",
            message,
        ]);
        self.git_ok(&["rev-parse", "HEAD"]).stdout.trim().to_owned()
    }

    /// Force-adds `path` (ignored or not), stages everything else, and commits.
    pub fn commit_all_forced(&self, path: &str, message: &str) -> String {
        self.git_ok(&["add", "-f", "--", path]);
        self.commit_all(message)
    }

    /// Paths in the index.
    pub fn tracked(&self) -> Vec<String> {
        self.git_ok(&["ls-files"])
            .stdout
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

/// Runs `cmd` and fails the test, with its stderr, if it fails.
pub fn run_ok(cmd: &mut Command) -> Run {
    let run = Run::from(cmd.output().expect("the command starts"));
    assert_eq!(run.code, 0, "{cmd:?} failed: {}", run.all());
    run
}

/// `python -m pip install --quiet` with the given interpreter; the caller adds the packages.
pub fn pip_install(python: &Path, dir: &Path) -> Command {
    let mut cmd = isolated(python, dir);
    cmd.args([
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
    ]);
    cmd
}

pub fn write_file(path: &Path, content: &[u8]) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, content).unwrap();
}

/// Copies `source` to an executable `dest` with `mode`, in a child process.
///
/// A file this process opened for writing can be held open by a child another test thread
/// forks at that moment (until that child execs), and running it then fails with "Text file
/// busy". The file `install` creates was never open here, so it runs at once.
pub fn copy_executable(source: &Path, dest: &Path, mode: u32) {
    fs::create_dir_all(dest.parent().unwrap()).unwrap();
    let done = Command::new("install")
        .arg("-m")
        .arg(format!("{mode:o}"))
        .arg(source)
        .arg(dest)
        .output()
        .unwrap();
    assert!(
        done.status.success(),
        "install {}: {}",
        dest.display(),
        String::from_utf8_lossy(&done.stderr)
    );
}

/// Writes an executable script (see [`copy_executable`] for why through a child process).
pub fn write_executable(path: &Path, content: &[u8], mode: u32) {
    let draft = tempfile::NamedTempFile::new().unwrap();
    fs::write(draft.path(), content).unwrap();
    copy_executable(draft.path(), path, mode);
}

pub fn symlink(target: &str, link: &Path) {
    fs::create_dir_all(link.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(target, link).unwrap();
}

/// Makes a real environment at `dir` (any path, the repository root included) with
/// `python3 -m venv --without-pip`, without the package file `TestRepo::venv` adds.
pub fn bare_venv(dir: &Path) {
    python_venv(dir, &["--without-pip"]);
}

fn python_venv(dir: &Path, flags: &[&str]) {
    run_ok(
        Command::new("python3")
            .args(["-m", "venv"])
            .args(flags)
            .arg(dir),
    );
}

/// A venv with pip, made once and kept in cargo's temporary directory for tests (statics are
/// never dropped, so a temporary directory here would be left behind by every run).
fn pip_venv() -> &'static Path {
    static VENV: OnceLock<PathBuf> = OnceLock::new();
    VENV.get_or_init(|| {
        cached_dir("pip-venv", |dir| python_venv(&dir.join("venv"), &[])).join("venv")
    })
}

/// A directory under cargo's temporary directory for tests, built once by `build` and reused by
/// later runs; a partial build (an interrupted run) is built again.
pub fn cached_dir(name: &str, build: impl FnOnce(&Path)) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let complete = dir.join(".complete");
    if complete.exists() {
        return dir;
    }
    if dir.exists() {
        fs::remove_dir_all(&dir).unwrap();
    }
    fs::create_dir_all(&dir).unwrap();
    build(&dir);
    fs::write(&complete, b"").unwrap();
    dir
}

/// `cp -a`: keeps symlinks as symlinks.
pub fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to.parent().unwrap()).unwrap();
    run_ok(Command::new("cp").arg("-a").arg(from).arg(to));
}

/// Builds a tree of files from `(path, content)` pairs; content `-> target` makes a symlink.
pub fn layout(root: &Path, files: &[(&str, &str)]) {
    for (rel, content) in files {
        let path = root.join(rel);
        match content.strip_prefix("-> ") {
            Some(target) => symlink(target, &path),
            None => write_file(&path, content.as_bytes()),
        }
    }
}

/// The environment creators and history tools from PyPI, installed once per test run into a
/// throwaway venv: uv, virtualenv and git-filter-repo, at the versions the layout notes
/// describe.
pub fn creators() -> &'static Path {
    static TOOLS: OnceLock<PathBuf> = OnceLock::new();
    TOOLS.get_or_init(|| {
        cached_dir("creators", |dir| {
            let venv = dir.join("venv");
            python_venv(&venv, &[]);
            run_ok(pip_install(&venv.join("bin/python"), dir).args([
                "uv==0.13.9",
                "virtualenv==21.15.11",
                "git-filter-repo==2.47.0",
            ]));
        })
        .join("venv/bin")
    })
}

/// Makes an environment at `dir` with a creator from [`creators`]: `uv venv`, `virtualenv`.
pub fn create_with(tool: &str, dir: &Path, flags: &[&str]) {
    let mut cmd = isolated(creators().join(tool), dir.parent().unwrap());
    if tool == "uv" {
        cmd.args(["venv", "--quiet", "--python", "python3"])
            .env("UV_PYTHON_DOWNLOADS", "never")
            .env(
                "UV_CACHE_DIR",
                Path::new(env!("CARGO_TARGET_TMPDIR")).join("uv-cache"),
            );
    } else {
        cmd.args(["--quiet", "--no-periodic-update"]);
    }
    run_ok(cmd.args(flags).arg(dir));
}

/// Runs `cmd`, failing the test if it has not ended within `seconds` (it is killed then): for
/// inputs that could make a run hang.
pub fn run_within(cmd: &mut Command, seconds: u64) -> Run {
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the command starts");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(seconds);
    while child
        .try_wait()
        .expect("the command can be waited for")
        .is_none()
    {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{cmd:?} did not end within {seconds} s");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    Run::from(child.wait_with_output().expect("the output is read"))
}

/// The roots of the environments in a JSON report's first repository.
pub fn env_roots(run: &Run) -> Vec<String> {
    let doc: serde_json::Value =
        serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.all()));
    doc["repositories"][0]["environments"]
        .as_array()
        .unwrap_or_else(|| panic!("no environments: {doc:#}"))
        .iter()
        .map(|e| e["root"].as_str().unwrap().to_owned())
        .collect()
}
