//! Fitting the human report to a terminal's width: long lines wrap at a word boundary, a
//! labelled line (`  evidence  ...`) keeps its value column, and commands are never wrapped,
//! so that they paste back whole.

use std::io::{self, Write};

/// Labels whose values are commands to copy: never wrapped.
const COMMANDS: [&str; 2] = ["fix", "remove"];

/// A writer that wraps each line it is given to `width` columns before passing it on.
pub struct Wrapped<'a> {
    inner: &'a mut dyn Write,
    width: usize,
    line: Vec<u8>,
    /// The last labelled line was a command: its continuation lines are commands too.
    in_command: bool,
}

impl<'a> Wrapped<'a> {
    /// Wraps to `width` columns (at least 40: below that, wrapping helps no one).
    pub fn new(inner: &'a mut dyn Write, width: usize) -> Wrapped<'a> {
        Wrapped {
            inner,
            width: width.max(40),
            line: Vec::new(),
            in_command: false,
        }
    }

    fn emit_line(&mut self) -> io::Result<()> {
        let line = String::from_utf8_lossy(&self.line).into_owned();
        self.line.clear();
        let plain = strip_ansi(&line);
        let (indent, label) = label_column(&plain);
        match label {
            Some(label) => self.in_command = COMMANDS.contains(&label),
            None if indent > 2 => {}
            None => self.in_command = false,
        }
        if self.in_command || plain.chars().count() <= self.width {
            return writeln!(self.inner, "{line}");
        }
        for (i, piece) in wrap(&line, self.width, indent).iter().enumerate() {
            if i > 0 {
                write!(self.inner, "{:indent$}", "")?;
            }
            writeln!(self.inner, "{piece}")?;
        }
        Ok(())
    }
}

impl Write for Wrapped<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        for &b in buf {
            if b == b'\n' {
                self.emit_line()?;
            } else {
                self.line.push(b);
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.line.is_empty() {
            let rest = std::mem::take(&mut self.line);
            self.inner.write_all(&rest)?;
        }
        self.inner.flush()
    }
}

impl Drop for Wrapped<'_> {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

/// Where a line's value starts, and its label: `  evidence  pyvenv.cfg` → (12, "evidence");
/// a continuation line (`            git rm ...`) → (12, None); others → (0, None).
fn label_column(plain: &str) -> (usize, Option<&str>) {
    let Some(rest) = plain.strip_prefix("  ") else {
        return (0, None);
    };
    if rest.starts_with(' ') {
        let indent = plain.len() - plain.trim_start().len();
        return (indent, None);
    }
    let label_end = rest.find(' ').unwrap_or(rest.len());
    let label = &rest[..label_end];
    let spaces = rest[label_end..].len() - rest[label_end..].trim_start().len();
    if spaces < 2 || !label.chars().all(|c| c.is_ascii_alphabetic()) {
        return (0, None);
    }
    (2 + label_end + spaces, Some(label))
}

/// The line cut into pieces of at most `width` visible columns at spaces; every piece after the
/// first is to be indented by `indent`. A word longer than a line stays whole.
fn wrap(line: &str, width: usize, indent: usize) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut current = String::new();
    let mut started = false;
    let mut room = width;
    for word in line.split(' ') {
        let len = strip_ansi(word).chars().count();
        let used = strip_ansi(&current).chars().count();
        if started && !word.is_empty() && used + 1 + len > room && !current.trim().is_empty() {
            pieces.push(std::mem::take(&mut current));
            room = width.saturating_sub(indent);
            started = false;
        }
        if started {
            current.push(' ');
        }
        current.push_str(word);
        started = true;
    }
    pieces.push(current);
    pieces
}

/// The text without ANSI colour sequences (`ESC [ ... m`): what the terminal shows. Bytes from a
/// repository never hold a raw ESC (they are escaped before they get here).
fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wrapped(text: &str, width: usize) -> String {
        let mut out = Vec::new();
        {
            let mut w = Wrapped::new(&mut out, width);
            w.write_all(text.as_bytes()).unwrap();
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn labelled_lines_keep_their_value_column() {
        let text = "  evidence  pyvenv.cfg (home = /usr/bin), bin/activate, bin/python3 -> /usr/bin/python3, lib/python3.11/site-packages/\n";
        let out = wrapped(text, 50);
        for line in out.lines() {
            assert!(line.chars().count() <= 50, "{line:?}");
        }
        let lines: Vec<&str> = out.lines().collect();
        assert!(lines[0].starts_with("  evidence  pyvenv.cfg"));
        assert!(
            lines[1..].iter().all(|l| l.starts_with("            ")),
            "{out}"
        );
        assert_eq!(
            out.split_whitespace().collect::<Vec<_>>(),
            text.split_whitespace().collect::<Vec<_>>()
        );
    }

    #[test]
    fn commands_are_never_wrapped() {
        let text = "  fix       echo /a-very-long-environment-name/ >> .gitignore\n            git rm -r --cached --quiet -- a-very-long-environment-name\n  kind      venv\n";
        assert_eq!(wrapped(text, 40), text);
    }

    #[test]
    fn short_lines_colours_and_long_words_pass() {
        assert_eq!(wrapped("short\n", 80), "short\n");
        let coloured = "\x1b[1mvenv-guard:\x1b[0m found 1\n";
        assert_eq!(wrapped(coloured, 40), coloured);
        let word = format!("{}\n", "x".repeat(100));
        assert_eq!(wrapped(&word, 40), word);
        assert_eq!(wrapped("no newline", 40), "no newline");
    }

    #[test]
    fn plain_lines_wrap_without_indent() {
        let text = "venv-guard: 1 Python environment would be committed. Commit blocked: run the commands above, then commit again.\n";
        let out = wrapped(text, 60);
        assert!(out.lines().count() > 1);
        assert!(out
            .lines()
            .all(|l| l.chars().count() <= 60 && !l.starts_with(' ')));
    }
}
