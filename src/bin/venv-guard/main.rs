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
    tune_allocator();
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

/// glibc's allocator gives memory back as soon as a thread's heap shrinks a little, then grows
/// it again a few pages at a time (a system call and fresh zeroed pages each time). A scan
/// allocates and frees tens of megabytes of trees and objects on two threads: with the heap
/// kept and grown in 16 MiB steps, `scan --range` on pr-history takes 8% less time (60
/// alternating runs). Peak memory is unchanged (`scan --history` on pr-history: 122 MB
/// either way): what is kept was in use at the peak, and the steps are address space until
/// touched. (Raising the size from which allocations are maps of their own as well cost 30%
/// more peak memory, so it is left as it is.)
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn tune_allocator() {
    extern "C" {
        fn mallopt(param: std::ffi::c_int, value: std::ffi::c_int) -> std::ffi::c_int;
    }
    const M_TRIM_THRESHOLD: std::ffi::c_int = -1;
    const M_TOP_PAD: std::ffi::c_int = -2;
    for (param, value) in [(M_TRIM_THRESHOLD, 256 << 20), (M_TOP_PAD, 16 << 20)] {
        // SAFETY: mallopt takes two integers, is called before any other thread exists, and
        // only changes when glibc's allocator returns memory and by how much it grows; a
        // value it refuses leaves its default.
        #[allow(unsafe_code)]
        unsafe {
            mallopt(param, value);
        }
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn tune_allocator() {}

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
        ("--quiet", global.quiet, reports),
        ("--verbose", global.verbose, scans),
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
            write_out(to_stdout(true, |out| {
                human::render_fix(&outcome, *dry_run, out)
            }))?;
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
                Installed::Husky(p, true) => format!(
                    "husky runs the hooks: added `{}` to {} (commit it)",
                    install::HOOK_LINE,
                    p.display()
                ),
                Installed::Husky(p, false) => format!(
                    "husky runs the hooks, and {} runs venv-guard already",
                    p.display()
                ),
                Installed::Lefthook(config, lines) => format!(
                    "lefthook generated the hook and would overwrite it, so nothing was changed; add to {}:\n{lines}",
                    config.display()
                ),
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
                Uninstalled::Husky(p) => {
                    format!("removed `{}` from {}", install::HOOK_LINE, p.display())
                }
                Uninstalled::NotInstalled(p) => {
                    format!("no venv-guard hook at {}; nothing changed", p.display())
                }
            };
            write_out(writeln!(io::stdout(), "venv-guard: {message}"))?;
            Ok(Exit::Clean)
        }
        Command::Baseline { path, history } => {
            let output = global
                .output
                .clone()
                .unwrap_or_else(|| PathBuf::from(".venv-guard-baseline.json"));
            let output = &output;
            let repo = discover(path)?;
            let (mut opts, _) = options(global, Some(repo.workdir()?))?;
            opts.baseline = None;
            let report = if *history {
                scan::history(&repo, &opts)?
            } else {
                scan::tracked(&repo, TrackedSource::Index, &opts)?
            };
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
    verbose(
        global,
        &match &loaded.source {
            Some(path) => format!("configuration: {}", path.display()),
            None => "configuration: none, the defaults".to_owned(),
        },
    );
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
    let machine = matches!(format(global), Format::Json | Format::Sarif);
    let mut failure = None;
    let reports = match args.paths.as_slice() {
        // One repository: its error is the run's error; a JSON or SARIF document that says so
        // is still written, so that `> report.sarif || true` uploads no empty file.
        [path] => match scan_one(global, &mode, path) {
            Ok(report) => vec![(path.display().to_string(), Ok(report))],
            Err(e) if machine => {
                let row = (path.display().to_string(), Err(e.to_string()));
                failure = Some(e);
                vec![row]
            }
            Err(e) => return Err(e),
        },
        paths => scan_many(global, &mode, paths),
    };
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

/// Scans several repositories on every core, each repository on one, their reports in the
/// order given; on a terminal, standard error counts the repositories done. Where no second
/// thread can be started, the work runs on this one.
fn scan_many(
    global: &Global,
    mode: &ScanMode,
    paths: &[PathBuf],
) -> Vec<(String, std::result::Result<Report, String>)> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<std::result::Result<Report, String>>>> =
        paths.iter().map(|_| Mutex::new(None)).collect();
    let progress = !global.quiet && io::stderr().is_terminal();
    let work = || loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        let Some(path) = paths.get(i) else { break };
        let outcome = scan_one(global, mode, path).map_err(|e| e.to_string());
        *slots[i]
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(outcome);
        let n = done.fetch_add(1, Ordering::Relaxed) + 1;
        if progress {
            let _ = write!(io::stderr(), "\rvenv-guard: {n} of {} done", paths.len());
        }
    };
    std::thread::scope(|scope| {
        for _ in 1..workers.min(paths.len()) {
            if std::thread::Builder::new()
                .spawn_scoped(scope, work)
                .is_err()
            {
                break;
            }
        }
        work();
    });
    if progress {
        let _ = write!(io::stderr(), "\r\x1b[K");
    }
    paths
        .iter()
        .zip(slots)
        .map(|(path, slot)| {
            let outcome = slot
                .into_inner()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .unwrap_or_else(|| Err("not scanned".to_owned()));
            (path.display().to_string(), outcome)
        })
        .collect()
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
    match &repo {
        Some(repo) => verbose(global, &format!("repository: {}", repo.git_dir().display())),
        None => verbose(
            global,
            &format!("not a git repository: walking {}", start.display()),
        ),
    }
    if let (Some(repo), ScanMode::Tracked(TrackedSource::Index) | ScanMode::Tree) = (&repo, mode) {
        verbose(global, &format!("index: {}", repo.index_file().display()));
    }
    let need_repo = || {
        repo.as_ref()
            .ok_or_else(|| venv_guard::git::Error::NotARepository(start.clone()))
    };
    let report = match mode {
        ScanMode::Tree => scan::tree(path, repo.as_ref(), &opts)?,
        ScanMode::Tracked(source) => scan::tracked(need_repo()?, *source, &opts)?,
        ScanMode::Range(from, to) => scan::range(need_repo()?, from, to, &opts)?,
        ScanMode::History => scan::history(need_repo()?, &opts)?,
    };
    verbose_report(global, &report);
    Ok(report)
}

fn hook_command(global: &Global, files: &[PathBuf], fix: bool) -> Result<Exit> {
    let checked = || -> Result<(Repo, Report)> {
        let repo = Repo::open_from_env()?;
        let (opts, _) = options(global, repo.workdir().ok())?;
        verbose(global, &format!("repository: {}", repo.git_dir().display()));
        verbose(global, &format!("index: {}", repo.index_file().display()));
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
            let mode = render::Mode::Hook {
                commit: in_commit(),
            };
            emit(global, "hook", mode, &failed)?;
            return Err(e);
        }
        Err(e) => return Err(e),
    };
    verbose_report(global, &report);
    if fix {
        let access = IndexAccess::for_hook(&repo);
        let outcome = fix::run(&repo, report, access, &FixOptions::default(), false)?;
        write_out(to_stdout(true, |out| {
            human::render(
                &outcome.report,
                render::Mode::HookFix {
                    commit: in_commit(),
                },
                out,
            )?;
            human::render_fix(&outcome, false, out)
        }))?;
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
    emit(
        global,
        "hook",
        render::Mode::Hook {
            commit: in_commit(),
        },
        &checked,
    )?;
    Ok(exit_of(global, &checked))
}

/// With `--verbose`, one line on standard error about what was read.
fn verbose(global: &Global, text: &str) {
    if global.verbose {
        let text = venv_guard::escape::one_line(text);
        let _ = writeln!(io::stderr(), "venv-guard: {text}");
    }
}

/// With `--verbose`, what a report read.
fn verbose_report(global: &Global, report: &Report) {
    let count = |n: u64, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let mut text = format!("read {}", count(report.paths, "path"));
    if let Some(covered) = &report.covered {
        text.push_str(&format!(", {}", count(covered.commits, "commit")));
        if let Some(refs) = covered.refs {
            text.push_str(&format!(" from {}", count(refs, "ref")));
        }
        text.push_str(&format!(" in {:.2} s", covered.elapsed.as_secs_f64()));
    }
    verbose(global, &text);
}

/// Whether `git commit` runs this hook: git names the index in `GIT_INDEX_FILE` for the hooks
/// of a commit (`pre-commit run`, by hand or in CI, does not).
fn in_commit() -> bool {
    std::env::var_os("GIT_INDEX_FILE").is_some()
}

/// Prints the run in the chosen format: warnings on stderr, the report on stdout.
fn emit(global: &Global, name: &str, mode: render::Mode, checked: &[Checked<'_>]) -> Result<()> {
    let fmt = format(global);
    let clean = checked
        .iter()
        .all(|c| c.outcome.as_ref().is_ok_and(|r| !r.fails()));
    if global.quiet && fmt == Format::Human && clean && global.output.is_none() {
        return Ok(());
    }
    if fmt != Format::Github && !global.quiet {
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
    write_out(to_stdout(fmt == Format::Human, |out| {
        renderer.render(&run, out)
    }))
}

/// Runs `write` on standard output; a report for people is wrapped to the terminal's width.
fn to_stdout(human: bool, write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<()> {
    let mut out = io::stdout().lock();
    match width().filter(|_| human) {
        Some(width) => {
            let mut wrapped = render::wrap::Wrapped::new(&mut out, width);
            write(&mut wrapped)?;
            wrapped.flush()
        }
        None => {
            write(&mut out)?;
            out.flush()
        }
    }
}

/// The width to wrap to: `COLUMNS` when set, else the terminal's; none for a pipe or a file.
fn width() -> Option<usize> {
    let columns = std::env::var("COLUMNS").ok();
    if let Some(n) = columns.and_then(|c| c.trim().parse::<usize>().ok()) {
        return (n > 0).then_some(n);
    }
    if !io::stdout().is_terminal() {
        return None;
    }
    terminal_size::terminal_size().map(|(w, _)| usize::from(w.0))
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
