//! GitHub Actions workflow commands: one `::error` (or `::notice` for a note) per environment,
//! anchored on its marker file, so the run's summary and the pull request show it.

use std::io::{self, Write};

use super::text as document;
use super::{marker_path, Checked, Render, Run};
use crate::remedy as fix;
use crate::report::{Finding, Severity};
use crate::support::escape;

/// GitHub Actions workflow commands: an annotation per environment and per script that exports
/// credentials, on the marker file's line.
pub struct Github;

impl Render for Github {
    fn render(&self, run: &Run<'_>, out: &mut dyn Write) -> io::Result<()> {
        render(run.checked, out)
    }
}

fn render(checked: &[Checked<'_>], out: &mut dyn Write) -> io::Result<()> {
    let prefix_paths = checked.len() > 1;
    for c in checked {
        let report = match &c.outcome {
            Ok(report) => report,
            Err(e) => {
                writeln!(
                    out,
                    "::error title={}::{}",
                    property("venv-guard"),
                    data(&format!("{}: {e}", c.path))
                )?;
                continue;
            }
        };
        for warning in &report.warnings {
            writeln!(out, "::warning title=venv-guard::{}", data(warning))?;
        }
        for f in &report.findings {
            let mut file = escape::display(&marker_path(f));
            if prefix_paths {
                file = format!("{}/{file}", c.path.trim_end_matches('/'));
            }
            let command = match f.severity {
                Severity::Error => "error",
                Severity::Note => "notice",
            };
            writeln!(
                out,
                "::{command} file={},line=1,title={}::{}",
                property(&file),
                property(&format!("Python environment {}", f.status.id())),
                data(&message(f))
            )?;
            for (script, line, names) in document::secrets_by_file(f) {
                let mut script_path = escape::display(&script);
                if prefix_paths {
                    script_path = format!("{}/{script_path}", c.path.trim_end_matches('/'));
                }
                writeln!(
                    out,
                    "::{command} file={},line={line},title={}::{}",
                    property(&script_path),
                    property("Credentials in an activate script"),
                    data(&document::secrets_message(f, &script, &names))
                )?;
            }
        }
    }
    Ok(())
}

fn message(f: &Finding) -> String {
    let mut text = document::message(f);
    let commands = fix::suggested_commands(f);
    if f.severity == Severity::Error && !commands.is_empty() {
        text.push_str(&format!(". Fix: {}", commands.join(" && ")));
    }
    text
}

/// Escapes a command's message, as the Actions runner reads it.
fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value (`file=`, `title=`): also `:` and `,`.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_the_runner_would_split_on() {
        assert_eq!(data("50% done\r\nnext"), "50%25 done%0D%0Anext");
        assert_eq!(property("a,b:c"), "a%2Cb%3Ac");
    }
}
