//! The `venv-guard` command: parses the options, runs one check, prints the report and maps
//! the outcome to an exit code.

mod args;
mod human;

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;

use args::{Cli, ColorChoice, Command};
use venv_guard::fix::{self, FixOptions, Style, Target};
use venv_guard::git::Repo;
use venv_guard::install::{self, Installed, Uninstalled};
use venv_guard::scan::{self, Options, Report};

/// One meaning per exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Exit {
    /// Nothing that fails was found.
    Clean = 0,
    /// An environment was found.
    Findings = 1,
    /// The check could not run.
    Error = 2,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e as u8)
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    configure_color(cli.color);
    let opts = Options { strict: cli.strict };
    let (mode, result) = match &cli.command {
        Command::Scan { path } => (human::Mode::Scan, scan::tree(path, &opts)),
        Command::Hook { files, fix: true } => {
            let target = if files.is_empty() {
                Target::Staged
            } else {
                Target::Files(files)
            };
            return run_fix(
                target,
                &opts,
                &FixOptions::default(),
                false,
                human::Mode::HookFix,
            );
        }
        Command::Hook { files, .. } if files.is_empty() => (human::Mode::Hook, scan::staged(&opts)),
        Command::Hook { files, .. } => (human::Mode::Hook, scan::files(files, &opts)),
        Command::Install { print: true, .. } => {
            let _ = io::stdout().write_all(install::SNIPPETS.as_bytes());
            return Exit::Clean.into();
        }
        Command::Install { force, .. } => return run_install(Some(*force)),
        Command::Uninstall => return run_install(None),
        Command::Fix {
            path,
            inner,
            freeze,
            force,
            dry_run,
        } => {
            let fix_opts = FixOptions {
                style: if *inner { Style::Inner } else { Style::Root },
                freeze: freeze.clone(),
                force: *force,
            };
            return run_fix(
                Target::Tree(path),
                &opts,
                &fix_opts,
                *dry_run,
                human::Mode::Fix,
            );
        }
    };
    match result {
        Ok(report) => finish(&report, mode).into(),
        Err(err) => {
            let _ = writeln!(io::stderr(), "venv-guard: error: {err}");
            Exit::Error.into()
        }
    }
}

/// `venv-guard fix` and `venv-guard hook --fix`: the hook still fails after fixing, so the
/// user reviews the change and commits again.
fn run_fix(
    target: Target<'_>,
    opts: &Options,
    fix_opts: &FixOptions,
    dry_run: bool,
    mode: human::Mode,
) -> ExitCode {
    let outcome = match fix::run(target, opts, fix_opts, dry_run) {
        Ok(outcome) => outcome,
        Err(err) => {
            let _ = writeln!(io::stderr(), "venv-guard: error: {err}");
            return Exit::Error.into();
        }
    };
    let mut stdout = io::stdout().lock();
    let written = if mode == human::Mode::HookFix {
        human::render(&outcome.report, mode, &mut stdout)
            .and_then(|()| human::render_fix(&outcome, dry_run, &mut stdout))
    } else {
        human::render_fix(&outcome, dry_run, &mut stdout)
    };
    if let Err(err) = written.and_then(|()| stdout.flush()) {
        if err.kind() != io::ErrorKind::BrokenPipe {
            let _ = writeln!(
                io::stderr(),
                "venv-guard: error: cannot write the report: {err}"
            );
            return Exit::Error.into();
        }
    }
    match mode {
        human::Mode::HookFix if outcome.report.fails() => Exit::Findings,
        _ => Exit::Clean,
    }
    .into()
}

/// `install` (`Some(force)`) and `uninstall` (`None`).
fn run_install(force: Option<bool>) -> ExitCode {
    let result = Repo::open_from_env().map_err(install::Error::from).and_then(|repo| {
        Ok(match force {
            Some(force) => {
                let exe = std::env::current_exe().unwrap_or_else(|_| "venv-guard".into());
                match install::install(&repo, force, &exe)? {
                    Installed::Fresh(p) => format!("installed {}", p.display()),
                    Installed::Chained(p) => format!(
                        "installed {}; the hook that was there runs first (moved to pre-commit.before-venv-guard)",
                        p.display()
                    ),
                    Installed::Replaced(p) => format!(
                        "installed {}; the hook that was there was replaced (kept as pre-commit.replaced-by-venv-guard)",
                        p.display()
                    ),
                    Installed::Already(p) => format!("already installed: {}", p.display()),
                }
            }
            None => match install::uninstall(&repo)? {
                Uninstalled::Restored(p) => format!("removed; the earlier hook is back at {}", p.display()),
                Uninstalled::Removed(p) => format!("removed {}", p.display()),
                Uninstalled::NotInstalled(p) => {
                    format!("no venv-guard hook at {}; nothing changed", p.display())
                }
            },
        })
    });
    match result {
        Ok(message) => {
            let _ = writeln!(io::stdout(), "venv-guard: {message}");
            Exit::Clean.into()
        }
        Err(err) => {
            let _ = writeln!(io::stderr(), "venv-guard: error: {err}");
            Exit::Error.into()
        }
    }
}

fn finish(report: &Report, mode: human::Mode) -> Exit {
    let mut stderr = io::stderr().lock();
    for warning in &report.warnings {
        let _ = writeln!(stderr, "venv-guard: warning: {warning}");
    }
    let mut stdout = io::stdout().lock();
    if let Err(err) = human::render(report, mode, &mut stdout).and_then(|()| stdout.flush()) {
        if err.kind() != io::ErrorKind::BrokenPipe {
            let _ = writeln!(stderr, "venv-guard: error: cannot write the report: {err}");
            return Exit::Error;
        }
    }
    if report.fails() {
        Exit::Findings
    } else {
        Exit::Clean
    }
}

fn configure_color(choice: ColorChoice) {
    let on = match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && io::stdout().is_terminal()
        }
    };
    colored::control::set_override(on);
}

#[cfg(test)]
mod tests {
    use super::Exit;

    #[test]
    fn exit_codes_are_stable() {
        assert_eq!(Exit::Clean as u8, 0);
        assert_eq!(Exit::Findings as u8, 1);
        assert_eq!(Exit::Error as u8, 2);
    }
}
