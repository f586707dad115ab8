//! Parsing of `pyvenv.cfg`, the file that makes a directory a virtual environment (PEP 405).

/// How many bytes of a `pyvenv.cfg` are read. Real ones are a few hundred bytes; a file that
/// claims to be one but is a gigabyte must not cost a gigabyte.
pub const READ_LIMIT: usize = 8 * 1024;

/// What a `pyvenv.cfg` says about the environment it sits in.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PyvenvCfg {
    /// The `home` key: the directory of the base interpreter. CPython only treats a
    /// `pyvenv.cfg` with this key as a virtual environment.
    pub home: Option<String>,
    /// The `implementation` key (virtualenv, uv): `CPython`, `PyPy`, `GraalPy`.
    pub implementation: Option<String>,
    /// `version`, `version_info` or `python-version`, whichever comes first.
    pub version: Option<String>,
    /// The `virtualenv` key: the virtualenv version that made the environment.
    pub virtualenv: Option<String>,
    /// The `uv` key: the uv version that made the environment.
    pub uv: Option<String>,
    /// The `prompt` key, unquoted.
    pub prompt: Option<String>,
    /// The `venvlauncher_command` or `executable` key, whichever comes first.
    pub executable: Option<String>,
}

/// Why some bytes are not a `pyvenv.cfg`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotACfg {
    /// The bytes hold NUL characters: a binary file under a `pyvenv.cfg` name.
    Binary,
    /// The text has no `key = value` line at all.
    NoKeys,
}

impl PyvenvCfg {
    /// Parses the first bytes of a `pyvenv.cfg` (at most [`READ_LIMIT`] are looked at).
    ///
    /// Accepts LF and CRLF line endings, a UTF-8 byte-order mark, Windows paths, comments and
    /// keys in any case, as CPython's `getpath` does. A partial last line (the file was cut at
    /// the read limit) is ignored.
    pub fn parse(bytes: &[u8]) -> Result<PyvenvCfg, NotACfg> {
        let truncated = bytes.len() > READ_LIMIT;
        let mut bytes = &bytes[..bytes.len().min(READ_LIMIT)];
        if bytes.contains(&0) {
            return Err(NotACfg::Binary);
        }
        if truncated {
            if let Some(end) = bytes.iter().rposition(|&b| b == b'\n') {
                bytes = &bytes[..end];
            }
        }
        let text = String::from_utf8_lossy(bytes);
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
        let mut cfg = PyvenvCfg::default();
        let mut any = false;
        for line in text.lines() {
            let line = line.trim();
            if line.starts_with('#') || line.starts_with(';') {
                continue;
            }
            let Some((key, value)) = line.split_once('=') else {
                continue;
            };
            let key = key.trim().to_ascii_lowercase();
            let value = value.trim();
            if key.is_empty() {
                continue;
            }
            any = true;
            let slot = match key.as_str() {
                "home" => &mut cfg.home,
                "implementation" => &mut cfg.implementation,
                "version" | "version_info" | "python-version" => &mut cfg.version,
                "virtualenv" => &mut cfg.virtualenv,
                "uv" => &mut cfg.uv,
                "prompt" => &mut cfg.prompt,
                "venvlauncher_command" | "executable" => &mut cfg.executable,
                _ => continue,
            };
            if slot.is_none() {
                *slot = Some(unquote(value).to_owned());
            }
        }
        if any {
            Ok(cfg)
        } else {
            Err(NotACfg::NoKeys)
        }
    }

    /// Whether CPython itself would treat this file as a virtual environment's.
    pub fn is_definitive(&self) -> bool {
        self.home.as_deref().is_some_and(|h| !h.is_empty())
    }
}

/// CPython writes `prompt = '<repr>'`; virtualenv and uv write it bare.
fn unquote(value: &str) -> &str {
    for q in ['\'', '"'] {
        if let Some(inner) = value.strip_prefix(q).and_then(|v| v.strip_suffix(q)) {
            return inner;
        }
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpython_311() {
        let cfg = PyvenvCfg::parse(
            b"home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.11.7\n\
              executable = /usr/bin/python3.11\ncommand = /usr/bin/python3 -m venv /tmp/v\n",
        )
        .unwrap();
        assert_eq!(cfg.home.as_deref(), Some("/usr/bin"));
        assert_eq!(cfg.version.as_deref(), Some("3.11.7"));
        assert!(cfg.virtualenv.is_none() && cfg.uv.is_none());
        assert!(cfg.is_definitive());
    }

    #[test]
    fn windows_crlf_and_bom() {
        let cfg = PyvenvCfg::parse(
            b"\xef\xbb\xbfhome = C:\\Python312\r\nimplementation = CPython\r\n\
              uv = 0.5.1\r\nprompt = 'my env'\r\n",
        )
        .unwrap();
        assert_eq!(cfg.home.as_deref(), Some("C:\\Python312"));
        assert_eq!(cfg.uv.as_deref(), Some("0.5.1"));
        assert_eq!(cfg.prompt.as_deref(), Some("my env"));
    }

    #[test]
    fn virtualenv_keys() {
        let cfg = PyvenvCfg::parse(
            b"home = /usr/bin\nimplementation = PyPy\nversion_info = 3.9.2.final.0\n\
              virtualenv = 20.4.0+ds\n",
        )
        .unwrap();
        assert_eq!(cfg.virtualenv.as_deref(), Some("20.4.0+ds"));
        assert_eq!(cfg.implementation.as_deref(), Some("PyPy"));
    }

    #[test]
    fn without_home_is_not_definitive() {
        let cfg = PyvenvCfg::parse(b"version = 3.11\n").unwrap();
        assert!(!cfg.is_definitive());
        let cfg = PyvenvCfg::parse(b"home =\n").unwrap();
        assert!(!cfg.is_definitive());
    }

    #[test]
    fn rejects_binary_and_keyless_text() {
        assert_eq!(PyvenvCfg::parse(b"\x7fELF\x00\x01"), Err(NotACfg::Binary));
        assert_eq!(PyvenvCfg::parse(b"hello world\n"), Err(NotACfg::NoKeys));
        assert_eq!(PyvenvCfg::parse(b""), Err(NotACfg::NoKeys));
    }

    #[test]
    fn reads_at_most_the_limit() {
        let mut big = b"home = /usr/bin\n".to_vec();
        big.resize(READ_LIMIT * 4, b'x');
        let cfg = PyvenvCfg::parse(&big).unwrap();
        assert!(cfg.is_definitive());
        let mut cut = vec![b'#'; READ_LIMIT - 4];
        cut.extend_from_slice(b"\nhome = /usr/bin\n");
        assert_eq!(PyvenvCfg::parse(&cut), Err(NotACfg::NoKeys));
    }
}
