//! Escaping of repository paths before they reach a terminal, a shell or a `.gitignore`.
//!
//! Git paths are bytes. They may be invalid UTF-8 and may hold newlines, terminal escape
//! sequences or bidirectional-override characters that would make a report lie about what it
//! names. Everything the tool prints goes through one of these functions.

use std::fmt::Write as _;

/// Renders `path` for a human: valid UTF-8 stays as it is, except control characters, bidi
/// controls and backslashes, which become `\n`, `\x1b`, `\u{202e}`, `\\`; invalid bytes become
/// `\xNN`.
pub fn display(path: &[u8]) -> String {
    let mut out = String::with_capacity(path.len());
    for chunk in path.utf8_chunks() {
        for c in chunk.valid().chars() {
            push_char(&mut out, c);
        }
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    out
}

fn push_char(out: &mut String, c: char) {
    match display_char(c) {
        Some(escaped) => out.push_str(&escaped),
        None => out.push(c),
    }
}

/// The escaped form of `c`, or `None` when it prints as itself.
fn display_char(c: char) -> Option<String> {
    Some(match c {
        '\\' => "\\\\".to_owned(),
        '\n' => "\\n".to_owned(),
        '\r' => "\\r".to_owned(),
        '\t' => "\\t".to_owned(),
        c if is_control(c) => format!("\\x{:02x}", c as u32),
        c if is_format_control(c) => format!("\\u{{{:x}}}", c as u32),
        _ => return None,
    })
}

/// C0 controls, DEL and C1 controls: what a terminal acts on.
fn is_control(c: char) -> bool {
    (c as u32) < 0x20 || c == '\x7f' || ('\u{80}'..='\u{9f}').contains(&c)
}

/// Whether `c` must never reach a terminal as it is: a control character, or a bidi or
/// invisible formatting character. JSON documents spell these as `\uXXXX`.
pub(crate) fn is_unsafe(c: char) -> bool {
    is_control(c) || is_format_control(c)
}

/// Bidirectional controls and invisible formatting characters (Trojan Source, CVE-2021-42574).
fn is_format_control(c: char) -> bool {
    matches!(c,
        '\u{061c}' | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{2069}'
        | '\u{feff}')
}

/// Makes already-built text safe for one terminal line: control characters (newlines
/// included), bidi controls and invisible formatting characters are escaped as [`display`]
/// escapes them; everything else, backslashes included, is left as it is (for messages that
/// already hold escaped paths).
pub fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match display_char(c) {
            Some(escaped) if c != '\\' => out.push_str(&escaped),
            _ => out.push(c),
        }
    }
    out
}

/// Quotes `path` as one POSIX shell word that means the same bytes in every POSIX shell (sh,
/// dash, bash, zsh, ksh). Plain names stay bare; anything else is single-quoted, and a name
/// holding bytes that a terminal would interpret (control characters, bidi controls, invalid
/// UTF-8) is spelled `"$(printf 'a\012b')"` with octal escapes, so the command can be pasted
/// as printed and prints no raw control byte.
pub fn shell_word(path: &[u8]) -> String {
    let plain = !path.is_empty()
        && path
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b"-_./+@%,:=".contains(&b));
    if plain {
        // A leading '-' is safe here: every command we print puts `--` before paths.
        return String::from_utf8_lossy(path).into_owned();
    }
    let needs_printf = match std::str::from_utf8(path) {
        Ok(text) => text.chars().any(|c| c != '\\' && display_char(c).is_some()),
        Err(_) => true,
    };
    if !needs_printf {
        let text = String::from_utf8_lossy(path);
        return format!("'{}'", text.replace('\'', r"'\''"));
    }
    // Command substitution drops trailing newlines: they follow as a quoted literal.
    let body_len = path.len() - path.iter().rev().take_while(|&&b| b == b'\n').count();
    let (body, newlines) = path.split_at(body_len);
    let mut format = String::new();
    for chunk in body.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\'' => format.push_str(r"'\''"),
                '%' => format.push_str("%%"),
                '\\' => format.push_str(r"\\"),
                c if display_char(c).is_some() => {
                    let mut buf = [0; 4];
                    for b in c.encode_utf8(&mut buf).bytes() {
                        let _ = write!(format, "\\{b:03o}");
                    }
                }
                c => format.push(c),
            }
        }
        for b in chunk.invalid() {
            let _ = write!(format, "\\{b:03o}");
        }
    }
    let mut out = if body.is_empty() {
        String::new()
    } else {
        format!("\"$(printf '{format}')\"")
    };
    if !newlines.is_empty() {
        out.push('\'');
        out.push_str(&"\n".repeat(newlines.len()));
        out.push('\'');
    }
    out
}

/// Escapes `path` as a literal `.gitignore` pattern (the caller adds the leading `/` and any
/// trailing `/`). Returns `None` when the path cannot be written as one pattern line: a newline,
/// a carriage return or invalid UTF-8 in a name.
pub fn gitignore_literal(path: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(path).ok()?;
    if text.contains(['\n', '\r']) {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '*' | '?' | '[' | '\\' | '!' | '#') {
            out.push('\\');
        }
        out.push(c);
    }
    // Trailing spaces are stripped by git unless escaped.
    if out.ends_with(' ') {
        out.pop();
        out.push_str("\\ ");
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_escapes_what_a_terminal_would_interpret() {
        let cases: &[(&[u8], &str)] = &[
            (b"venv/bin/python", "venv/bin/python"),
            (b"caf\xc3\xa9/pyvenv.cfg", "café/pyvenv.cfg"),
            (b"a\nb", "a\\nb"),
            (b"\x1b[31mred", "\\x1b[31mred"),
            (b"bad\xffname", "bad\\xffname"),
            ("x\u{202e}cod.exe".as_bytes(), "x\\u{202e}cod.exe"),
            (b"back\\slash", "back\\\\slash"),
        ];
        for (input, want) in cases {
            assert_eq!(display(input), *want, "input {input:?}");
        }
    }

    #[test]
    fn one_line_escapes_controls_but_keeps_escaped_paths() {
        assert_eq!(one_line("a\nb\x1b[31m\u{202e}"), "a\\nb\\x1b[31m\\u{202e}");
        assert_eq!(
            one_line("venv/\\x1b already escaped"),
            "venv/\\x1b already escaped"
        );
    }

    #[test]
    fn shell_words_paste_back_to_the_same_bytes() {
        assert_eq!(shell_word(b"services/api/.venv"), "services/api/.venv");
        assert_eq!(shell_word(b"my env"), "'my env'");
        assert_eq!(shell_word(b"it's"), r"'it'\''s'");
        assert_eq!(shell_word(b"a\nb"), r#""$(printf 'a\012b')""#);
        assert_eq!(shell_word(b"x\xff'"), r#""$(printf 'x\377'\''')""#);
        assert_eq!(shell_word(b"50%\x1b\\"), r#""$(printf '50%%\033\\')""#);
        assert_eq!(shell_word(b"a\n"), "\"$(printf 'a')\"'\n'");
        assert_eq!(shell_word(b""), "''");
    }

    #[test]
    fn gitignore_literals_escape_pattern_syntax() {
        assert_eq!(gitignore_literal(b"venv").as_deref(), Some("venv"));
        assert_eq!(gitignore_literal(b"[env]*").as_deref(), Some("\\[env]\\*"));
        assert_eq!(gitignore_literal(b"#env!").as_deref(), Some("\\#env\\!"));
        assert_eq!(gitignore_literal(b"env ").as_deref(), Some("env\\ "));
        assert_eq!(gitignore_literal(b"a\nb"), None);
        assert_eq!(gitignore_literal(b"\xff"), None);
    }
}
