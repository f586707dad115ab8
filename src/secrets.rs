//! Credentials in activate scripts: people add `export API_KEY=...` to their environment's
//! `bin/activate` (or conda's `etc/conda/activate.d/env_vars.sh`) to set variables per project,
//! and committing the environment then publishes them. This module names the variables such
//! scripts export beyond what venv, virtualenv, uv and conda write themselves. Values are never
//! kept.

use crate::detect::Probe;
use crate::probe::join;

/// How much of a script is read; stock activate scripts are a few KiB.
pub const SCRIPT_LIMIT: usize = 256 * 1024;

/// A variable an activate script exports that its creator did not write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Secret {
    /// The script, repository-relative.
    pub file: Vec<u8>,
    /// The first line (1-based) that assigns it.
    pub line: usize,
    /// The variable's name. The value is never read into a report.
    pub name: String,
}

/// Variables the stock activate scripts set (venv, virtualenv, uv, conda, pixi).
fn is_stock(name: &str) -> bool {
    matches!(
        name,
        "VIRTUAL_ENV"
            | "VIRTUAL_ENV_PROMPT"
            | "PATH"
            | "PYTHONHOME"
            | "PS1"
            | "PROMPT"
            | "TCL_LIBRARY"
            | "TK_LIBRARY"
            | "PKG_CONFIG_PATH"
            | "PYDOC"
    ) || ["_OLD_", "CONDA_", "_CE_", "_CONDA_", "PIXI_", "_VIRTUAL"]
        .iter()
        .any(|prefix| name.starts_with(prefix))
}

/// The scripts to read below an environment root: activate scripts in `bin/` or `Scripts/`,
/// virtualenvwrapper's `postactivate`, and conda's `etc/conda/activate.d/`.
pub fn scripts(root: &[u8], probe: &dyn Probe) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for dir in [&b"bin"[..], b"Scripts"] {
        let dir = join(root, dir);
        for name in probe.children(&dir) {
            let lower = name.to_ascii_lowercase();
            if lower.starts_with(b"activate") && !lower.ends_with(b".py")
                || lower == b"postactivate"
            {
                out.push(join(&dir, &name));
            }
        }
    }
    let conda = join(root, b"etc/conda/activate.d");
    for name in probe.children(&conda) {
        out.push(join(&conda, &name));
    }
    out.sort();
    out
}

/// The non-stock variables the scripts of the environment at `root` export.
pub fn find(root: &[u8], probe: &dyn Probe) -> Vec<Secret> {
    let mut found = Vec::new();
    for file in scripts(root, probe) {
        let Some(content) = probe.read_head(&file, SCRIPT_LIMIT) else {
            continue;
        };
        for (name, line) in exported(&file, &content) {
            found.push(Secret {
                file: file.clone(),
                line,
                name,
            });
        }
    }
    found
}

/// The variables a script exports with a value, other than the stock ones: `(name, line)`.
///
/// Understands POSIX sh (`export NAME=value`, or `NAME=value` with `export NAME`), fish
/// (`set -gx NAME value`), csh (`setenv NAME value`), PowerShell (`$env:NAME = value`) and
/// cmd (`set "NAME=value"`).
pub fn exported(file: &[u8], content: &[u8]) -> Vec<(String, usize)> {
    if content.contains(&0) {
        return Vec::new();
    }
    let text = String::from_utf8_lossy(content);
    let name = file
        .rsplit(|&b| b == b'/')
        .next()
        .unwrap_or(file)
        .to_ascii_lowercase();
    let kind = if name.ends_with(b".fish") {
        Syntax::Fish
    } else if name.ends_with(b".csh") {
        Syntax::Csh
    } else if name.ends_with(b".ps1") {
        Syntax::PowerShell
    } else if name.ends_with(b".bat") || name.ends_with(b".cmd") {
        Syntax::Cmd
    } else {
        Syntax::Sh
    };
    let mut assigned: Vec<(String, usize)> = Vec::new();
    let mut exported_names: Vec<String> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.starts_with('#')
            || line.starts_with("::")
            || line.to_ascii_lowercase().starts_with("rem ")
        {
            continue;
        }
        let number = i + 1;
        match kind {
            Syntax::Sh => {
                if let Some(rest) = line.strip_prefix("export ") {
                    for word in rest.split_whitespace() {
                        match word.split_once('=') {
                            Some((n, _)) if is_name(n) => {
                                assigned.push((n.to_owned(), number));
                                exported_names.push(n.to_owned());
                            }
                            None if is_name(word) => exported_names.push(word.to_owned()),
                            _ => {}
                        }
                    }
                } else if let Some((n, _)) = line.split_once('=') {
                    if is_name(n) {
                        assigned.push((n.to_owned(), number));
                    }
                }
            }
            Syntax::Fish => {
                let mut words = line.split_whitespace();
                if words.next() == Some("set") {
                    let mut export = false;
                    for word in words.by_ref() {
                        if let Some(flags) = word.strip_prefix('-') {
                            export |= flags.contains('x') || flags == "-export";
                            continue;
                        }
                        if export && is_name(word) {
                            assigned.push((word.to_owned(), number));
                            exported_names.push(word.to_owned());
                        }
                        break;
                    }
                }
            }
            Syntax::Csh => {
                let mut words = line.split_whitespace();
                if words.next() == Some("setenv") {
                    if let Some(n) = words.next().filter(|n| is_name(n)) {
                        assigned.push((n.to_owned(), number));
                        exported_names.push(n.to_owned());
                    }
                }
            }
            Syntax::PowerShell => {
                let lower = line.to_ascii_lowercase();
                if let Some(at) = lower.find("$env:") {
                    let rest = &line[at + 5..];
                    let n: String = rest
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    let after = rest[n.len()..].trim_start();
                    if is_name(&n) && after.starts_with('=') && !after.starts_with("==") {
                        assigned.push((n.clone(), number));
                        exported_names.push(n);
                    }
                }
            }
            Syntax::Cmd => {
                let is_set = line
                    .get(..4)
                    .is_some_and(|w| w.eq_ignore_ascii_case("set "));
                if let Some(rest) = line.get(4..).filter(|_| is_set) {
                    let body = rest.trim_start().trim_start_matches('"');
                    if let Some((n, _)) = body.split_once('=') {
                        if is_name(n) {
                            assigned.push((n.to_owned(), number));
                            exported_names.push(n.to_owned());
                        }
                    }
                }
            }
        }
    }
    let mut out: Vec<(String, usize)> = Vec::new();
    for (name, line) in assigned {
        if is_stock(&name) || !exported_names.contains(&name) {
            continue;
        }
        if !out.iter().any(|(n, _)| *n == name) {
            out.push((name, line));
        }
    }
    out
}

#[derive(Clone, Copy)]
enum Syntax {
    Sh,
    Fish,
    Csh,
    PowerShell,
    Cmd,
}

fn is_name(word: &str) -> bool {
    let mut chars = word.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(file: &str, content: &str) -> Vec<String> {
        exported(file.as_bytes(), content.as_bytes())
            .into_iter()
            .map(|(n, _)| n)
            .collect()
    }

    #[test]
    fn stock_cpython_activate_exports_nothing_of_its_own() {
        let sh = "deactivate () {\n    if [ -n \"${_OLD_VIRTUAL_PATH:-}\" ] ; then\n        PATH=\"${_OLD_VIRTUAL_PATH:-}\"\n        export PATH\n        unset _OLD_VIRTUAL_PATH\n    fi\n}\nVIRTUAL_ENV=\"/tmp/v\"\nexport VIRTUAL_ENV\n_OLD_VIRTUAL_PATH=\"$PATH\"\nPATH=\"$VIRTUAL_ENV/bin:$PATH\"\nexport PATH\nPS1=\"(v) ${PS1:-}\"\nexport PS1\nVIRTUAL_ENV_PROMPT=\"(v) \"\nexport VIRTUAL_ENV_PROMPT\n";
        assert!(names("bin/activate", sh).is_empty());
        let fish = "set -gx VIRTUAL_ENV /tmp/v\nset -gx _OLD_VIRTUAL_PATH $PATH\nset -gx PATH \"$VIRTUAL_ENV/bin\" $PATH\nset -l old_status $status\n";
        assert!(names("bin/activate.fish", fish).is_empty());
        let csh = "setenv VIRTUAL_ENV \"/tmp/v\"\nset _OLD_VIRTUAL_PATH=\"$PATH\"\nsetenv PATH \"$VIRTUAL_ENV/bin:$PATH\"\n";
        assert!(names("bin/activate.csh", csh).is_empty());
        let ps1 = "$env:VIRTUAL_ENV = $VenvDir\nif ($env:VIRTUAL_ENV -eq $null) {}\n";
        assert!(names("bin/Activate.ps1", ps1).is_empty());
    }

    #[test]
    fn user_exports_are_named_with_their_line() {
        let sh = "VIRTUAL_ENV=/x\nexport VIRTUAL_ENV\nexport API_KEY=sk-live-123\nDB_PASSWORD='hunter2'\nexport DB_PASSWORD\nlocal_only=1\n";
        assert_eq!(
            exported(b"venv/bin/activate", sh.as_bytes()),
            [("API_KEY".to_owned(), 3), ("DB_PASSWORD".to_owned(), 4)]
        );
        assert_eq!(
            names("activate.fish", "set -gx OPENAI_API_KEY abc\n"),
            ["OPENAI_API_KEY"]
        );
        assert_eq!(
            names("activate.csh", "setenv AWS_SECRET_ACCESS_KEY abc\n"),
            ["AWS_SECRET_ACCESS_KEY"]
        );
        assert_eq!(names("Activate.ps1", "$Env:TOKEN = \"abc\"\n"), ["TOKEN"]);
        assert_eq!(
            names(
                "activate.bat",
                "@echo off\r\nset \"GITHUB_TOKEN=ghp_x\"\r\nset PROMPT=(v) $P$G\r\n"
            ),
            ["GITHUB_TOKEN"]
        );
        assert_eq!(
            names("env_vars.sh", "#!/bin/sh\nexport MY_SECRET='x'\n"),
            ["MY_SECRET"]
        );
        assert!(names("activate", "\0binary").is_empty());
        assert!(names("activate.bat", "sé\r\nset\r\n").is_empty());
    }
}
