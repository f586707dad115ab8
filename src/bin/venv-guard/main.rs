//! The `venv-guard` command: parses the options, resolves them into plain settings, runs one
//! check, prints the report and maps the outcome to an exit code.

mod args;

use std::error::Error;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;

use args::{Cli, ColorChoice, Command, Format, Global, ScanArgs};
use venv_guard::baseline::Baseline;
use venv_guard::config;
use venv_guard::fix::{self, FixOptions, IndexAccess, Style};
use venv_guard::git::Repo;
use venv_guard::install::{self, Installed, Uninstalled};
use venv_guard::render::{self, human, Checked, Run};
use venv_guard::report::Report;
use venv_guard::scan::{self, Options, TrackedSource};

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

type Result<T> = std::result::Result<T, Box<dyn Error>>;

fn main() -> ExitCode {
    let cli = parse_cli();
    configure_color(cli.global.color);
    match run(&cli) {
        Ok(exit) => exit.into(),
        Err(err) => {
            // Errors quote configuration, paths and git's messages: one safe line.
            let text = venv_guard::escape::one_line(&err.to_string());
            let _ = writeln!(io::stderr(), "venv-guard: error: {text}");
            Exit::Error.into()
        }
    }
}

/// Parses the command line with clap. The pre-commit framework hands `hook` up to about 1,300
/// file names per invocation, and clap's per-value bookkeeping then costs more than the whole
/// check; a plain list of names after `hook` (nothing that looks like an option) is therefore
/// taken as the `FILE...` values directly, and clap parses the rest as always.
fn parse_cli() -> Cli {
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let plain_files = args.len() > 3
        && args[1] == "hook"
        && args[2..]
            .iter()
            .all(|a| !a.as_encoded_bytes().starts_with(b"-"));
    if !plain_files {
        return Cli::parse_from(args);
    }
    let names: Vec<PathBuf> = args.drain(2..).map(PathBuf::from).collect();
    let mut cli = Cli::parse_from(args);
    if let Command::Hook { files, .. } = &mut cli.command {
        *files = names;
    }
    cli
}

/// Refuses a global option that the command would ignore: `--format json fix` is an error,
/// never a human report.
fn check_global(global: &Global, command: &Command) -> Result<()> {
    let reports = matches!(command, Command::Scan(_) | Command::Hook { fix: false, .. });
    let scans = reports || matches!(command, Command::Fix { .. } | Command::Baseline { .. });
    let given = [
        ("--format", global.format.is_some(), reports),
        ("--exit-zero", global.exit_zero, reports),
        (
            "--output",
            global.output.is_some(),
            reports || matches!(command, Command::Baseline { .. }),
        ),
        ("--strict", global.strict, scans),
        ("--config", global.config.is_some(), scans),
        ("--isolated", global.isolated, scans),
        ("--baseline", global.baseline.is_some(), scans),
    ];
    match given.iter().find(|(_, set, applies)| *set && !applies) {
        Some((flag, ..)) => {
            Err(format!("{flag} does not apply to `{}`", command_name(command)).into())
        }
        None => Ok(()),
    }
}

fn command_name(command: &Command) -> &'static str {
    match command {
        Command::Scan(_) => "scan",
        Command::Hook { fix: true, .. } => "hook --fix",
        Command::Hook { .. } => "hook",
        Command::Install { .. } => "install",
        Command::Uninstall => "uninstall",
        Command::Fix { .. } => "fix",
        Command::Baseline { .. } => "baseline",
        Command::Completions { .. } => "completions",
        Command::Man => "man",
    }
}

fn run(cli: &Cli) -> Result<Exit> {
    let global = &cli.global;
    check_global(global, &cli.command)?;
    match &cli.command {
        Command::Completions { shell } => {
            use clap::CommandFactory;
            let mut out = Vec::new();
            clap_complete::generate(*shell, &mut Cli::command(), "venv-guard", &mut out);
            write_out(io::stdout().write_all(&out))?;
            Ok(Exit::Clean)
        }
        Command::Man => {
            use clap::CommandFactory;
            let mut out = Vec::new();
            clap_mangen::Man::new(Cli::command())
                .render(&mut out)
                .map_err(|e| format!("cannot render the manual page: {e}"))?;
            write_out(io::stdout().write_all(&out))?;
            Ok(Exit::Clean)
        }
        Command::Scan(args) => scan_command(global, args),
        Command::Hook { files, fix } => hook_command(global, files, *fix),
        Command::Fix {
            path,
            inner,
            freeze,
            force,
            dry_run,
        } => {
            let repo = discover(path)?;
            let (opts, loaded) = options(global, Some(repo.workdir()?))?;
            let style = if *inner {
                Style::Inner
            } else {
                loaded.config.fix.style.map(Style::from).unwrap_or_default()
            };
            let fix_opts = FixOptions {
                style,
                freeze: freeze.clone(),
                force: *force,
            };
            let report = scan::tree(path, Some(&repo), &opts)?;
            let outcome = fix::run(&repo, report, IndexAccess::Lock, &fix_opts, *dry_run)?;
            let mut out = io::stdout().lock();
            write_out(human::render_fix(&outcome, *dry_run, &mut out))?;
            Ok(Exit::Clean)
        }
        Command::Install { print: true, .. } => {
            write_out(io::stdout().write_all(install::SNIPPETS.as_bytes()))?;
            Ok(Exit::Clean)
        }
        Command::Install { force, .. } => {
            let repo = Repo::open_from_env()?;
            let exe = std::env::current_exe().unwrap_or_else(|_| "venv-guard".into());
            let message = match install::install(&repo, *force, &exe)? {
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
                Installed::Updated(p) => format!("updated {}", p.display()),
                Installed::Repaired(p) => format!(
                    "repaired {}: it was not executable, so git skipped it; reinstalled with mode 0755",
                    p.display()
                ),
            };
            write_out(writeln!(io::stdout(), "venv-guard: {message}"))?;
            Ok(Exit::Clean)
        }
        Command::Uninstall => {
            let repo = Repo::open_from_env()?;
            let message = match install::uninstall(&repo)? {
                Uninstalled::Restored(p) => {
                    format!("removed; the earlier hook is back at {}", p.display())
                }
                Uninstalled::Removed(p) => format!("removed {}", p.display()),
                Uninstalled::NotInstalled(p) => {
                    format!("no venv-guard hook at {}; nothing changed", p.display())
                }
            };
            write_out(writeln!(io::stdout(), "venv-guard: {message}"))?;
            Ok(Exit::Clean)
        }
        Command::Baseline { path } => {
            let output = global
                .output
                .clone()
                .unwrap_or_else(|| PathBuf::from(".venv-guard-baseline.json"));
            let output = &output;
            let repo = discover(path)?;
            let (mut opts, _) = options(global, Some(repo.workdir()?))?;
            opts.baseline = None;
            let report = scan::tracked(&repo, TrackedSource::Index, &opts)?;
            let baseline = Baseline::from_report(&report);
            let text = baseline.to_json();
            if output == Path::new("-") {
                write_out(io::stdout().write_all(text.as_bytes()))?;
            } else {
                venv_guard::atomic::write(output, text.as_bytes())
                    .map_err(|e| format!("cannot write {}: {e}", output.display()))?;
                write_out(writeln!(
                    io::stdout(),
                    "venv-guard: recorded {} environment(s) in {}",
                    baseline.environments.len(),
                    output.display()
                ))?;
            }
            Ok(Exit::Clean)
        }
    }
}

/// The repository that holds `path`.
fn discover(path: &Path) -> Result<Repo> {
    let start = path
        .canonicalize()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(Repo::discover(&start)?.ok_or(venv_guard::git::Error::NotARepository(start))?)
}

/// The settings for a repository whose working tree is `top`: the configuration file's,
/// overridden by the command line.
fn options(global: &Global, top: Option<&Path>) -> Result<(Options, config::Loaded)> {
    let loaded = config::load(top, global.config.as_deref(), global.isolated)?;
    let baseline = global.baseline.as_deref().map(Baseline::load).transpose()?;
    let opts = Options {
        strict: global.strict || loaded.config.strict.unwrap_or(false),
        allow: loaded.allow.clone(),
        baseline,
    };
    Ok((opts, loaded))
}

fn format(global: &Global) -> Format {
    global.format.unwrap_or_else(|| {
        if std::env::var_os("GITHUB_ACTIONS").is_some_and(|v| v == "true") {
            Format::Github
        } else {
            Format::Human
        }
    })
}

/// What `scan` looks at.
#[derive(Clone, Debug)]
enum ScanMode {
    Tree,
    Tracked(TrackedSource),
    Range(String, String),
    History,
}

impl ScanMode {
    fn name(&self) -> &'static str {
        match self {
            ScanMode::Tree => "scan",
            ScanMode::Tracked(_) => "tracked",
            ScanMode::Range(..) => "range",
            ScanMode::History => "history",
        }
    }
}

fn scan_mode(args: &ScanArgs) -> Result<ScanMode> {
    if args.tracked {
        return Ok(ScanMode::Tracked(if args.index {
            TrackedSource::Index
        } else {
            TrackedSource::Head
        }));
    }
    if args.history {
        return Ok(ScanMode::History);
    }
    let spec = args.range.clone().or_else(|| {
        let from = std::env::var("PRE_COMMIT_FROM_REF").ok()?;
        let to = std::env::var("PRE_COMMIT_TO_REF").ok()?;
        Some(format!("{from}..{to}"))
    });
    match spec {
        Some(spec) => {
            let (from, to) = spec
                .split_once("..")
                .filter(|(a, b)| !a.is_empty() && !b.is_empty() && !b.starts_with('.'))
                .ok_or_else(|| format!("--range wants A..B, got {spec:?}"))?;
            Ok(ScanMode::Range(from.to_owned(), to.to_owned()))
        }
        None => Ok(ScanMode::Tree),
    }
}

fn scan_command(global: &Global, args: &ScanArgs) -> Result<Exit> {
    let mode = scan_mode(args)?;
    let single = args.paths.len() == 1;
    let mut reports: Vec<(String, std::result::Result<Report, String>)> = Vec::new();
    let machine = matches!(format(global), Format::Json | Format::Sarif);
    let mut failure = None;
    for path in &args.paths {
        let outcome = scan_one(global, &mode, path);
        if single {
            // One repository: its error is the run's error; a JSON or SARIF document that
            // says so is still written, so that `> report.sarif || true` uploads no empty file.
            match outcome {
                Ok(report) => reports.push((path.display().to_string(), Ok(report))),
                Err(e) if machine => {
                    reports.push((path.display().to_string(), Err(e.to_string())));
                    failure = Some(e);
                }
                Err(e) => return Err(e),
            }
        } else {
            reports.push((
                path.display().to_string(),
                outcome.map_err(|e| e.to_string()),
            ));
        }
    }
    let checked: Vec<Checked<'_>> = reports
        .iter()
        .map(|(path, outcome)| Checked {
            path: path.clone(),
            outcome: outcome.as_ref().map_err(Clone::clone),
        })
        .collect();
    emit(global, mode.name(), render::Mode::Scan, &checked)?;
    match failure {
        Some(e) => Err(e),
        None => Ok(exit_of(global, &checked)),
    }
}

fn scan_one(global: &Global, mode: &ScanMode, path: &Path) -> Result<Report> {
    let start = path
        .canonicalize()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let repo = Repo::discover(&start)?;
    let top = match &repo {
        Some(r) => r.workdir().ok().map(Path::to_path_buf),
        None => Some(start.clone()),
    };
    let (opts, _) = options(global, top.as_deref())?;
    let need_repo = || {
        repo.as_ref()
            .ok_or_else(|| venv_guard::git::Error::NotARepository(start.clone()))
    };
    Ok(match mode {
        ScanMode::Tree => scan::tree(path, repo.as_ref(), &opts)?,
        ScanMode::Tracked(source) => scan::tracked(need_repo()?, *source, &opts)?,
        ScanMode::Range(from, to) => scan::range(need_repo()?, from, to, &opts)?,
        ScanMode::History => scan::history(need_repo()?, &opts)?,
    })
}

fn hook_command(global: &Global, files: &[PathBuf], fix: bool) -> Result<Exit> {
    let checked = || -> Result<(Repo, Report)> {
        let repo = Repo::open_from_env()?;
        let (opts, _) = options(global, repo.workdir().ok())?;
        let report = if files.is_empty() {
            scan::staged(&repo, &opts)?
        } else {
            scan::files(&repo, files, &opts)?
        };
        Ok((repo, report))
    };
    let (repo, report) = match checked() {
        Ok(checked) => checked,
        // As for `scan`: a JSON or SARIF document that says the check failed, never an empty
        // file for a step that uploads it.
        Err(e) if !fix && matches!(format(global), Format::Json | Format::Sarif) => {
            let failed = [Checked {
                path: ".".to_owned(),
                outcome: Err(e.to_string()),
            }];
            emit(global, "hook", render::Mode::Hook, &failed)?;
            return Err(e);
        }
        Err(e) => return Err(e),
    };
    if fix {
        let access = IndexAccess::for_hook(&repo);
        let outcome = fix::run(&repo, report, access, &FixOptions::default(), false)?;
        let mut out = io::stdout().lock();
        write_out(
            human::render(&outcome.report, render::Mode::HookFix, &mut out)
                .and_then(|()| human::render_fix(&outcome, false, &mut out)),
        )?;
        return Ok(if outcome.report.fails() && !global.exit_zero {
            Exit::Findings
        } else {
            Exit::Clean
        });
    }
    let checked = [Checked {
        path: ".".to_owned(),
        outcome: Ok(&report),
    }];
    emit(global, "hook", render::Mode::Hook, &checked)?;
    Ok(exit_of(global, &checked))
}

/// Prints the run in the chosen format: warnings on stderr, the report on stdout.
fn emit(global: &Global, name: &str, mode: render::Mode, checked: &[Checked<'_>]) -> Result<()> {
    let fmt = format(global);
    if fmt != Format::Github {
        let mut stderr = io::stderr().lock();
        for c in checked {
            if let Ok(report) = c.outcome {
                for warning in &report.warnings {
                    let text = venv_guard::escape::one_line(warning);
                    let _ = writeln!(stderr, "venv-guard: warning: {text}");
                }
            }
        }
    }
    let run = Run {
        name,
        mode,
        checked,
    };
    let renderer = render::Format::from(fmt).renderer();
    if let Some(path) = &global.output {
        let mut doc = Vec::new();
        renderer
            .render(&run, &mut doc)
            .map_err(|e| format!("cannot render the report: {e}"))?;
        return venv_guard::atomic::write(path, &doc)
            .map_err(|e| format!("cannot write {}: {e}", path.display()).into());
    }
    let mut out = io::stdout().lock();
    let written = renderer.render(&run, &mut out);
    write_out(written.and_then(|()| out.flush()))
}

/// A closed pipe (`venv-guard scan | head`) is not an error.
fn write_out(result: io::Result<()>) -> Result<()> {
    match result {
        Err(err) if err.kind() != io::ErrorKind::BrokenPipe => {
            Err(format!("cannot write the report: {err}").into())
        }
        _ => Ok(()),
    }
}

fn exit_of(global: &Global, checked: &[Checked<'_>]) -> Exit {
    if checked.iter().any(|c| c.outcome.is_err()) {
        Exit::Error
    } else if !global.exit_zero
        && checked
            .iter()
            .any(|c| c.outcome.as_ref().is_ok_and(|r| r.fails()))
    {
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
            let set = |var| std::env::var_os(var).is_some_and(|v| !v.is_empty() && v != "0");
            if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
                false
            } else {
                set("FORCE_COLOR") || set("CLICOLOR_FORCE") || io::stdout().is_terminal()
            }
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
