//! The human report: one block per environment, a few lines each however many files it has.

use std::io::{self, Write};

use colored::Colorize;

use super::text as document;
use super::{iso8601, Checked, Mode, Render, Run};
use crate::fix::Outcome;
use crate::remedy as fix;
use crate::report::{Finding, Report, Severity, Status};
use crate::support::escape;

/// The report for people: one block per environment, the commands that fix it, a closing line.
pub struct Human;

impl Render for Human {
    fn render(&self, run: &Run<'_>, out: &mut dyn Write) -> io::Result<()> {
        render_all(run.checked, run.mode, out)
    }
}

/// How many pieces of evidence are listed.
const EVIDENCE_SHOWN: usize = 4;

/// One repository: its report. Several: a section each, then a summary table.
pub fn render_all(checked: &[Checked<'_>], mode: Mode, out: &mut dyn Write) -> io::Result<()> {
    if let [single] = checked {
        return match &single.outcome {
            Ok(report) => render(report, mode, out),
            Err(e) => writeln!(out, "venv-guard: {}: {e}", single.path),
        };
    }
    for c in checked {
        let header = format!("== {} ==", escape::one_line(&c.path));
        writeln!(out, "{}", header.bold())?;
        match &c.outcome {
            Ok(report) => render(report, mode, out)?,
            Err(e) => writeln!(out, "{} {e}", "error:".red().bold())?,
        }
        writeln!(out)?;
    }
    let width = checked
        .iter()
        .map(|c| c.path.chars().count())
        .max()
        .unwrap_or(0)
        .max("repository".len());
    writeln!(
        out,
        "{:<width$}  {:>12}  result",
        "repository", "environments"
    )?;
    let mut failing = 0;
    for c in checked {
        let (count, result) = match &c.outcome {
            Ok(report) => {
                let errors = report
                    .findings
                    .iter()
                    .filter(|f| f.severity == Severity::Error)
                    .count();
                if errors > 0 {
                    failing += 1;
                }
                let mut parts: Vec<String> = Vec::new();
                for status in [
                    Status::Staged,
                    Status::Checked,
                    Status::Tracked,
                    Status::Unignored,
                    Status::Added,
                    Status::History,
                ] {
                    let n = report
                        .findings
                        .iter()
                        .filter(|f| f.status == status && f.severity == Severity::Error)
                        .count();
                    if n > 0 {
                        parts.push(format!("{n} {}", status.id()));
                    }
                }
                let result = if parts.is_empty() {
                    "clean".green().to_string()
                } else {
                    parts.join(", ").red().to_string()
                };
                (errors.to_string(), result)
            }
            Err(e) => ("-".to_owned(), format!("{} {e}", "error:".red())),
        };
        let path = escape::one_line(&c.path);
        writeln!(out, "{path:<width$}  {count:>12}  {result}")?;
    }
    writeln!(
        out,
        "venv-guard: {} of {} repositories have Python environments at risk.",
        failing,
        checked.len()
    )
}

/// One report: a block per finding, then the closing line `mode` words.
pub fn render(report: &Report, mode: Mode, out: &mut dyn Write) -> io::Result<()> {
    for finding in &report.findings {
        if finding.continued {
            render_continued(finding, out)?;
            continue;
        }
        render_finding(finding, !matches!(mode, Mode::HookFix { .. }), out)?;
        writeln!(out)?;
    }
    let errors = report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let notes = report.findings.len() - errors;
    let envs = |n: usize| {
        if n == 1 {
            "1 Python environment".to_owned()
        } else {
            format!("{n} Python environments")
        }
    };
    let mut note_part = match notes {
        0 => String::new(),
        1 => " (and 1 test fixture, not blocking)".to_owned(),
        n => format!(" (and {n} test fixtures, not blocking)"),
    };
    if report.suppressed > 0 {
        note_part.push_str(&format!(
            " ({} allowed by the configuration or the baseline)",
            report.suppressed
        ));
    }
    let covered = covered(report);
    match (mode, errors) {
        (Mode::Hook { .. } | Mode::HookFix { .. }, 0) if notes == 0 => {}
        (Mode::Hook { commit } | Mode::HookFix { commit }, 0) => writeln!(
            out,
            "venv-guard: {notes} test fixture(s) noted; {}.",
            if commit {
                "nothing blocks the commit"
            } else {
                "nothing fails"
            }
        )?,
        (Mode::HookFix { commit: true }, n) => writeln!(
            out,
            "{} {} would be committed{note_part}. Commit blocked; fixing it:",
            "venv-guard:".bold(),
            envs(n)
        )?,
        (Mode::HookFix { commit: false }, n) => writeln!(
            out,
            "{} found {}{note_part}; fixing it:",
            "venv-guard:".bold(),
            envs(n)
        )?,
        (Mode::Hook { commit: true }, n) => writeln!(
            out,
            "{} {} would be committed{note_part}. Commit blocked: run the commands above, then commit again.",
            "venv-guard:".bold(),
            envs(n)
        )?,
        (Mode::Hook { commit: false }, n) => writeln!(
            out,
            "{} found {}{note_part}: run the commands above before committing.",
            "venv-guard:".bold(),
            envs(n)
        )?,
        (Mode::Scan, 0) => match covered {
            Some(covered) => writeln!(
                out,
                "venv-guard: no Python environment was ever committed{note_part} ({covered})."
            )?,
            None => writeln!(
                out,
                "venv-guard: no Python environment at risk of being committed{note_part} ({} {} read).",
                thousands(report.paths),
                if report.paths == 1 { "path" } else { "paths" }
            )?,
        },
        (Mode::Scan, n) => writeln!(
            out,
            "{} found {}{note_part}{}.",
            "venv-guard:".bold(),
            envs(n),
            covered.map(|c| format!(" ({c})")).unwrap_or_default()
        )?,
    }
    Ok(())
}

/// What a history or range scan read: "75,182 commits, 313 refs, 1.0 s".
fn covered(report: &Report) -> Option<String> {
    let c = report.covered.as_ref()?;
    let plural =
        |n: u64, word: &str| format!("{} {word}{}", thousands(n), if n == 1 { "" } else { "s" });
    let mut parts = vec![plural(c.commits, "commit")];
    if let Some(refs) = c.refs {
        parts.push(plural(refs, "ref"));
    }
    parts.push(format!("{:.1} s", c.elapsed.as_secs_f64()));
    Some(parts.join(", "))
}

/// What a fix did (or, for a dry run, would do).
pub fn render_fix(outcome: &Outcome, dry_run: bool, out: &mut dyn Write) -> io::Result<()> {
    let plan = &outcome.plan;
    if plan.envs.is_empty() {
        return writeln!(
            out,
            "venv-guard: nothing to fix: no Python environment is tracked or unignored."
        );
    }
    let n = plan.envs.len();
    let envs = if n == 1 {
        "1 Python environment".to_owned()
    } else {
        format!("{n} Python environments")
    };
    let (would, verb) = if dry_run {
        (
            "would ",
            format!("would fix {envs} (dry run, nothing changed)"),
        )
    } else {
        ("", format!("fixed {envs}"))
    };
    writeln!(out, "{} {verb}:", "venv-guard:".bold())?;
    for job in &plan.envs {
        let root = if job.finding.env.root.is_empty() {
            "(repository root)".to_owned()
        } else {
            format!("{}/", escape::display(&job.finding.env.root))
        };
        let ignored = if job.already_ignored {
            ", already ignored"
        } else {
            ""
        };
        writeln!(
            out,
            "  {:<22} {}, {}{ignored}",
            root.bold(),
            job.finding.env.recognised.describe(),
            job.finding.status.id()
        )?;
    }
    let edits = match &outcome.applied {
        Some(applied) => &applied.edits,
        None => &plan.edits,
    };
    for edit in edits {
        let verb = if dry_run { "would add" } else { "added" };
        writeln!(
            out,
            "  {:<22} {verb} {}",
            escape::display(&edit.file),
            escape::one_line(&edit.lines.join(" ")).green()
        )?;
    }
    match &outcome.applied {
        Some(applied) if !applied.deferred.is_empty() => {
            writeln!(
                out,
                "  {:<22} in use by the running `git commit`; when it has ended, run:",
                "index"
            )?;
            for command in &applied.deferred {
                writeln!(out, "  {:<22}   {}", "", command.cyan())?;
            }
        }
        Some(applied) => {
            if applied.removed > 0 {
                writeln!(
                    out,
                    "  {:<22} removed {} (git rm -r --cached; working files kept)",
                    "index",
                    entries(applied.removed as u64)
                )?;
            }
            if !applied.staged.is_empty() {
                let staged: Vec<String> =
                    applied.staged.iter().map(|p| escape::display(p)).collect();
                writeln!(out, "  {:<22} {}", "staged", staged.join(" "))?;
            }
        }
        None => {
            let entries: u64 = plan.envs.iter().map(|e| e.tracked_entries).sum();
            if !plan.untrack.is_empty() {
                let roots: Vec<String> =
                    plan.untrack.iter().map(|p| escape::shell_word(p)).collect();
                writeln!(
                    out,
                    "  {:<22} {would}remove {}: git rm -r --cached -- {}",
                    "index",
                    self::entries(entries),
                    roots.join(" ")
                )?;
            }
        }
    }
    if let Some(freeze) = &plan.freeze {
        writeln!(
            out,
            "  {:<22} {would}list {} installed distributions",
            freeze.path.display().to_string(),
            freeze.count
        )?;
    }
    for job in &plan.envs {
        let f = &job.finding;
        if f.secrets.iter().any(|s| s.real) {
            let names: Vec<&str> = f.secrets.iter().map(|s| s.name.as_str()).collect();
            let place = document::place(&f.env.root);
            let text = if f.published() {
                let ids: Vec<&str> = f
                    .secret_commits
                    .iter()
                    .map(|(c, _)| document::short_id(&c.id))
                    .collect();
                format!(
                    "{place} exports {} (values not shown), already committed in {}: this fix \
                     keeps them out of new commits but does not unpublish them. Rotate them now.",
                    names.join(", "),
                    ids.join(", ")
                )
            } else {
                format!(
                    "{place} exports {} (values not shown): keep them out of the repository \
                     (an untracked .env file, a secrets manager).",
                    names.join(", ")
                )
            };
            writeln!(out, "{} {text}", "credentials:".red().bold())?;
        }
    }
    if plan.suggest_freeze {
        writeln!(
            out,
            "{} this project has no requirements file or pyproject.toml: `venv-guard fix --freeze \
             requirements.txt` records what the environment had installed.",
            "hint:".yellow()
        )?;
    }
    if !dry_run {
        writeln!(out, "Review with `git status`, then commit again.")?;
    }
    Ok(())
}

/// A later batch of the same environment: one line, the full report came with the first.
fn render_continued(finding: &Finding, out: &mut dyn Write) -> io::Result<()> {
    let label = match finding.severity {
        Severity::Error => "error:".red().bold(),
        Severity::Note => "note:".yellow().bold(),
    };
    let place = document::place(&finding.env.root);
    writeln!(
        out,
        "{label} {} is a Python environment (more of its files; reported in full with the first batch)",
        place.bold()
    )
}

fn render_finding(finding: &Finding, commands: bool, out: &mut dyn Write) -> io::Result<()> {
    let env = &finding.env;
    let place = document::place(&env.root);
    match finding.severity {
        Severity::Error => writeln!(
            out,
            "{} {} is a Python environment, {}",
            "error:".red().bold(),
            place.bold(),
            finding.status
        )?,
        Severity::Note => writeln!(
            out,
            "{} {} imitates a Python environment: a test fixture with no real interpreter and \
             no pip (not blocking; --strict blocks it)",
            "note:".yellow().bold(),
            place.bold(),
        )?,
    }
    writeln!(
        out,
        "  {}      {}",
        "kind".dimmed(),
        env.recognised.describe()
    )?;
    let mut evidence: Vec<String> = env
        .recognised
        .evidence
        .iter()
        .take(EVIDENCE_SHOWN)
        .map(|e| e.to_string())
        .collect();
    if env.recognised.evidence.len() > EVIDENCE_SHOWN {
        evidence.push(format!(
            "+{} more",
            env.recognised.evidence.len() - EVIDENCE_SHOWN
        ));
    }
    writeln!(out, "  {}  {}", "evidence".dimmed(), evidence.join(", "))?;
    // An environment that shares its folder with the project owns only these.
    if env.root.is_empty() || env.recognised.extent != crate::detect::Extent::Folder {
        let entries: Vec<String> = env
            .entries
            .iter()
            .map(|e| {
                format!(
                    "{}{}",
                    escape::display(&e.name),
                    if e.dir { "/" } else { "" }
                )
            })
            .collect();
        writeln!(out, "  {}   {}", "entries".dimmed(), entries.join(" "))?;
    }
    if finding.status != Status::Unignored {
        let size = if env.bytes_known {
            format!(", {}", bytes(env.bytes))
        } else if env.bytes > 0 {
            format!(", at least {}", bytes(env.bytes))
        } else {
            String::new()
        };
        let files = if env.files == 1 { "file" } else { "files" };
        writeln!(
            out,
            "  {}     {} {files}{size}",
            "files".dimmed(),
            thousands(env.files)
        )?;
    }
    for (file, line, names) in document::secrets_by_file(finding) {
        let text = document::secrets_message(finding, &file, &names);
        writeln!(
            out,
            "  {}   {} {}",
            "secrets".red().bold(),
            format!("line {line}:").red(),
            text.red().bold()
        )?;
    }
    for (commit, names) in &finding.secret_commits {
        writeln!(
            out,
            "  {} {} \u{201c}{}\u{201d} exports {} (values not shown): published; rotate them",
            "published".red().bold(),
            document::short_id(&commit.id),
            escape::display(commit.subject.as_bytes()),
            names.join(", ").red().bold()
        )?;
    }
    if let Some(h) = &finding.history {
        let c = &h.first_commit;
        writeln!(
            out,
            "  {}     {} {} {} \u{201c}{}\u{201d}",
            "first".dimmed(),
            &c.id[..c.id.len().min(12)],
            iso8601(c.time, c.offset_minutes),
            escape::display(c.author.as_bytes()),
            escape::display(c.subject.as_bytes())
        )?;
        let head = if h.in_head {
            "yes"
        } else {
            "no (removed since)"
        };
        writeln!(out, "  {}   {head}", "in HEAD".dimmed())?;
        writeln!(
            out,
            "  {}      {} blobs, {} in {} commit(s)",
            "cost".dimmed(),
            thousands(h.blobs),
            bytes(h.bytes),
            thousands(h.commits)
        )?;
        writeln!(
            out,
            "  {}    {} (rewrites history; not run)",
            "remove".dimmed(),
            h.remove_command.cyan()
        )?;
    }
    if commands && finding.severity == Severity::Error {
        let (_, inexpressible) = fix::ignore_patterns(finding);
        for (i, command) in fix::suggested_commands(finding).iter().enumerate() {
            let label = if i == 0 {
                "fix".dimmed().to_string()
            } else {
                "   ".to_owned()
            };
            writeln!(out, "  {label}       {}", command.cyan())?;
        }
        for path in inexpressible {
            writeln!(
                out,
                "            (no .gitignore line can name {}: rename it)",
                escape::display(&path)
            )?;
        }
    }
    Ok(())
}

/// `1 entry`, `1,478 entries`.
fn entries(n: u64) -> String {
    let noun = if n == 1 { "entry" } else { "entries" };
    format!("{} {noun}", thousands(n))
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut value = n as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_easily() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(1478), "1,478");
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(bytes(999), "999 B");
        assert_eq!(bytes(22_353_037), "21.3 MiB");
    }
}
