//! Command-line options. The doc comments are the `--help` text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Keeps Python virtual environments out of git.
///
/// Finds the files of Python environments (venv, virtualenv, uv, conda, pixi, tox, nox, pdm,
/// pipenv, poetry, hatch; POSIX and Windows layouts) by their markers, never by folder name, and
/// fails when one is staged, tracked, or one `git add .` away from a commit.
///
/// Exit codes: 0 nothing found, 1 an environment was found, 2 an error (the cause is printed).
#[derive(Debug, Parser)]
#[command(name = "venv-guard", version, about, long_about)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,

    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub struct Global {
    /// When to colour the output: auto (a terminal, NO_COLOR unset), always or never.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,

    /// Fail on test fixtures that imitate environments too (reported as notes otherwise).
    #[arg(long, global = true)]
    pub strict: bool,

    /// Output format of `scan` and `hook`: human, json (schema 1), sarif (2.1.0) or github
    /// (workflow commands; the default when GITHUB_ACTIONS=true).
    #[arg(long, value_enum, value_name = "FORMAT", global = true)]
    pub format: Option<Format>,

    /// Read the configuration from FILE instead of the repository's .venv-guard.toml or
    /// pyproject.toml [tool.venv-guard].
    #[arg(long, value_name = "FILE", global = true)]
    pub config: Option<PathBuf>,

    /// Use no configuration file (except one named by --config).
    #[arg(long, global = true)]
    pub isolated: bool,

    /// Do not report the environments recorded in this baseline file (see `venv-guard
    /// baseline`): CI then blocks only new ones.
    #[arg(long, value_name = "FILE", global = true)]
    pub baseline: Option<PathBuf>,

    /// Print nothing when nothing is found, and no warnings (the exit code still says).
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Say on standard error what was read: the configuration file, the repository and its
    /// index, how many paths, commits and refs.
    #[arg(short, long, global = true)]
    pub verbose: bool,

    /// Report findings but exit 0 unless an error stopped the check (exit 2), for a step
    /// that must not fail the job. `scan` and `hook` only.
    #[arg(long, global = true)]
    pub exit_zero: bool,

    /// Write the report of `scan` or `hook` (or the file of `baseline`) to FILE instead of
    /// standard output, replaced atomically; written even when the check fails, so that a
    /// SARIF or JSON document is always complete.
    #[arg(short, long, value_name = "FILE", global = true)]
    pub output: Option<PathBuf>,
}

/// What to check.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan repositories: environments tracked by git, and untracked ones git does not ignore.
    ///
    /// Outside a git repository, walks the directory (honouring .gitignore files). With several
    /// directories (a folder of student repositories, an organisation's checkout), prints one
    /// summary row per repository and exits with one code: 2 if any could not be checked,
    /// else 1 if any has a finding, else 0.
    Scan(ScanArgs),
    /// Check what is about to be committed: the pre-commit hook.
    ///
    /// Without FILEs, reads the staged changes from the index git names (GIT_INDEX_FILE is
    /// honoured, so `git commit -a` and `git commit <paths>` are checked as git will commit
    /// them). Only added and modified entries count: a commit that removes an environment
    /// passes. With FILEs (as the pre-commit framework passes them), checks those files,
    /// looking up their sibling files on disk and, when needed, in the index.
    Hook {
        /// Files to check, relative to the current directory.
        files: Vec<PathBuf>,

        /// Also fix what is found (as `venv-guard fix` does) and still fail, so that you review
        /// the change and commit again. While `git commit -a` or `git commit <paths>` holds the
        /// index, only .gitignore is edited and the index commands are printed.
        #[arg(long)]
        fix: bool,
    },
    /// Install the native pre-commit hook into the directory git runs hooks from
    /// (core.hooksPath, or the common git directory's hooks/ shared by linked worktrees).
    ///
    /// A hook already there is kept and chained: it runs first, and its failure fails the
    /// commit. Running it again changes nothing. `venv-guard uninstall` restores what was there.
    Install {
        /// Replace an existing hook instead of chaining it (it is kept aside for uninstall).
        #[arg(long)]
        force: bool,

        /// Print configuration for husky, lefthook and the pre-commit framework instead of
        /// installing.
        #[arg(long)]
        print: bool,
    },
    /// Remove the hook `venv-guard install` wrote and put back the one that was there before,
    /// byte for byte.
    Uninstall,
    /// Fix the environments `scan` reports: ignore each one and untrack it, keeping every
    /// working file.
    ///
    /// Adds an anchored rule per environment (`/services/api/.venv/`) to the repository's root
    /// .gitignore (created if missing; existing bytes and line endings kept; replaced
    /// atomically), checks that git now ignores every file of the environment, removes the
    /// environment's entries from the index (`git rm -r --cached`, under git's index.lock) and
    /// stages the .gitignore. Running it twice changes nothing the second time.
    Fix {
        /// The repository (or a subdirectory of it) to fix.
        #[arg(default_value = ".")]
        path: PathBuf,

        /// Write a .gitignore holding `*` inside each environment instead of a rule in the
        /// root .gitignore (as Python 3.13's venv, virtualenv and uv do themselves). Overrides
        /// the configuration's fix.style.
        #[arg(long)]
        inner: bool,

        /// Before untracking, write the environments' installed distributions (`name==version`,
        /// as `pip freeze` prints them) to FILE.
        #[arg(long, value_name = "FILE")]
        freeze: Option<PathBuf>,

        /// Overwrite the --freeze file if it exists.
        #[arg(long, requires = "freeze")]
        force: bool,

        /// Print what would change and change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Record the environments the repository tracks now in a baseline file, so that
    /// `--baseline FILE` reports only new ones. The file is plain JSON, meant to be reviewed
    /// and committed; it is written to .venv-guard-baseline.json unless `--output FILE`
    /// names another (`-` for standard output).
    Baseline {
        /// The repository.
        #[arg(default_value = ".")]
        path: PathBuf,

        /// Record the environments of the whole history (`scan --history`) instead of the
        /// index's: those no longer in HEAD are accepted by `scan --history` only, so a CI
        /// history step can pass once a team has decided to leave them in old commits.
        #[arg(long)]
        history: bool,
    },
    /// Print a shell completion script (bash, zsh, fish, powershell or elvish), e.g.
    /// `venv-guard completions bash > ~/.local/share/bash-completion/completions/venv-guard`.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff): `venv-guard man > ~/.local/share/man/man1/venv-guard.1`.
    Man,
}

/// `venv-guard scan`.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Directories to scan; a subdirectory of a repository limits the scan to it.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,

    /// Every tracked file of HEAD (with --index: of the index), without walking the working
    /// tree.
    #[arg(long, conflicts_with_all = ["range", "history"])]
    pub tracked: bool,

    /// With --tracked: read the index instead of HEAD.
    #[arg(long, requires = "tracked")]
    pub index: bool,

    /// Only environments whose files the commits in A..B added or changed (a pull-request
    /// check). Defaults to PRE_COMMIT_FROM_REF..PRE_COMMIT_TO_REF when both are set.
    #[arg(long, value_name = "A..B", conflicts_with = "history")]
    pub range: Option<String>,

    /// Every commit reachable from any ref: each environment ever committed, the commit that
    /// first added it, whether HEAD still has it, the blobs and bytes it adds, and the
    /// `git filter-repo` command that would remove it (printed, never run).
    #[arg(long)]
    pub history: bool,
}

/// When to colour the output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when writing to a terminal and NO_COLOR is unset.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people: one block per environment.
    Human,
    /// Schema 1: one object per environment.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning.
    Sarif,
    /// GitHub Actions workflow commands (`::error file=...::`).
    Github,
}

impl From<Format> for venv_guard::render::Format {
    fn from(f: Format) -> venv_guard::render::Format {
        match f {
            Format::Human => venv_guard::render::Format::Human,
            Format::Json => venv_guard::render::Format::Json,
            Format::Sarif => venv_guard::render::Format::Sarif,
            Format::Github => venv_guard::render::Format::Github,
        }
    }
}
