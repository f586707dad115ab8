//! Credentials in activate scripts: people add `export API_KEY=...` to their environment's
//! `bin/activate` (or conda's `etc/conda/activate.d/env_vars.sh`, or `conda env config vars
//! set`, which writes `conda-meta/state`) to set variables per project, and committing the
//! environment then publishes them. This module names the variables such
//! scripts export beyond what venv, virtualenv, uv and conda write themselves. Values are never
//! kept.

use crate::detect::{Environment, Probe};
use crate::support::paths::join;

/// How much of a script is read; stock activate scripts are a few KiB.
pub(crate) const SCRIPT_LIMIT: usize = 256 * 1024;

/// A variable an activate script exports that its creator did not write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Secret {
    /// The script, repository-relative.
    pub file: Vec<u8>,
    /// The first line (1-based) that assigns it.
    pub line: usize,
    /// The variable's name. The value is never read into a report.
    pub name: String,
    /// The value looks like a real credential rather than a placeholder (`dummy`, `xxx`,
    /// `changeme`, `<your-key>`, a reference to another variable).
    pub real: bool,
}

/// One variable a script exports with a value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Export {
    /// The variable's name.
    pub name: String,
    /// The first line (1-based) that assigns it.
    pub line: usize,
    /// Whether the value looks real (see [`Secret::real`]).
    pub real: bool,
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
            // uv's activate keeps the path of the script being sourced while it runs.
            | "SCRIPT_PATH"
    ) || ["_OLD_", "CONDA_", "_CE_", "_CONDA_", "PIXI_", "_VIRTUAL"]
        .iter()
        .any(|prefix| name.starts_with(prefix))
}

/// What conda packages' own activate scripts set (openssl, libxml2, gdal, proj, openjdk, glib,
/// the compiler activation packages...): configuration, never credentials.
fn is_conda_package_stock(name: &str) -> bool {
    matches!(
        name,
        "SSL_CERT_FILE"
            | "__CONDA_OPENSSL_CERT_FILE_SET"
            | "__CONDA_OPENSLL_CERT_FILE_SET"
            | "XML_CATALOG_FILES"
            | "GDAL_DATA"
            | "GDAL_DRIVER_PATH"
            | "CPL_ZIP_ENCODING"
            | "PROJ_DATA"
            | "PROJ_LIB"
            | "PROJ_NETWORK"
            | "JAVA_HOME"
            | "JAVA_LD_LIBRARY_PATH"
            | "GSETTINGS_SCHEMA_DIR"
            | "UDUNITS2_XML_PATH"
            | "HDF5_PLUGIN_PATH"
            | "ESMFMKFILE"
            | "CC"
            | "CXX"
            | "CPP"
            | "FC"
            | "F77"
            | "F90"
            | "F95"
            | "GCC"
            | "HOST"
            | "BUILD"
            | "CFLAGS"
            | "CXXFLAGS"
            | "CPPFLAGS"
            | "FFLAGS"
            | "LDFLAGS"
            | "CMAKE_ARGS"
            | "MESON_ARGS"
            | "CMAKE_PREFIX_PATH"
            | "CONDA_BUILD_SYSROOT"
    ) || name.starts_with("_CONDA_SET_")
        || name.starts_with("DEBUG_")
        || name.starts_with("GCC_")
        || name.ends_with("_CONDA_BACKUP")
        || name.ends_with("_BACKUP")
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The variables `conda env config vars set` stored in a prefix's `conda-meta/state`
/// (`{"env_vars": {"NAME": "value"}}`): conda exports them on every activation, and no
/// package writes them.
fn conda_state_vars(text: &str) -> Vec<Export> {
    #[derive(serde::Deserialize)]
    struct State {
        #[serde(default)]
        env_vars: std::collections::BTreeMap<String, serde_json::Value>,
    }
    let Ok(state) = serde_json::from_str::<State>(text) else {
        return Vec::new();
    };
    state
        .env_vars
        .into_iter()
        .filter(|(name, _)| is_name(name) && !is_stock(name))
        .map(|(name, value)| {
            let quoted = format!("\"{name}\"");
            let line = text
                .lines()
                .position(|l| l.contains(&quoted))
                .map_or(1, |i| i + 1);
            let real = value.as_str().is_some_and(looks_real);
            Export { name, line, real }
        })
        .collect()
}

/// The scripts to read in an environment: activate scripts in its `bin/` or `Scripts/`,
/// virtualenvwrapper's `postactivate`, and conda's `etc/conda/activate.d/` less the scripts a
/// conda package installed (its `conda-meta/*.json` lists them: stock, like openssl's
/// `SSL_CERT_FILE`). Only folders the environment owns are read.
pub(crate) fn scripts(env: &Environment, probe: &dyn Probe) -> Vec<Vec<u8>> {
    let root = &env.root;
    let mut out = Vec::new();
    for dir in probe.children(root) {
        let lower = dir.to_ascii_lowercase();
        if !matches!(&lower[..], b"bin" | b"scripts") {
            continue;
        }
        let full = join(root, &dir);
        for name in probe.children(&full) {
            let lower = name.to_ascii_lowercase();
            if (lower.starts_with(b"activate") && !lower.ends_with(b".py")
                || lower == b"postactivate")
                && env.recognised.owns(&join(&dir, &name))
            {
                out.push(join(&full, &name));
            }
        }
    }
    if env.recognised.owns(b"conda-meta/state") {
        let state = join(root, b"conda-meta/state");
        if probe.meta(&state).is_some_and(|m| m.is_blob()) {
            out.push(state);
        }
    }
    if env.recognised.owns(b"etc/conda") {
        let activate_d = b"etc/conda/activate.d";
        let conda = join(root, activate_d);
        let names = probe.children(&conda);
        if !names.is_empty() {
            let installed = crate::detect::installed_files(root, probe, activate_d);
            for name in names {
                let listed = join(activate_d, &name);
                if installed.binary_search(&listed).is_err() {
                    out.push(join(&conda, &name));
                }
            }
        }
    }
    out.sort();
    out
}

/// The non-stock variables the scripts of `env` export.
pub(crate) fn find(env: &Environment, probe: &dyn Probe) -> Vec<Secret> {
    let mut found = Vec::new();
    for file in scripts(env, probe) {
        let Some(content) = probe.read_head(&file, SCRIPT_LIMIT) else {
            continue;
        };
        for e in exported(&file, &content) {
            found.push(Secret {
                file: file.clone(),
                line: e.line,
                name: e.name,
                real: e.real,
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
pub fn exported(file: &[u8], content: &[u8]) -> Vec<Export> {
    if content.contains(&0) {
        return Vec::new();
    }
    let text = String::from_utf8_lossy(content);
    let name = file
        .rsplit(|&b| b == b'/')
        .next()
        .unwrap_or(file)
        .to_ascii_lowercase();
    if file.ends_with(b"conda-meta/state") {
        return conda_state_vars(&text);
    }
    // A script a conda package installed but whose record is missing still sets only what
    // such packages set.
    let from_package = contains(file, b"etc/conda/activate.d/");
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
    let mut assigned: Vec<(String, usize, bool)> = Vec::new();
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
                            Some((n, v)) if is_name(n) => {
                                assigned.push((n.to_owned(), number, looks_real(v)));
                                exported_names.push(n.to_owned());
                            }
                            None if is_name(word) => exported_names.push(word.to_owned()),
                            _ => {}
                        }
                    }
                } else if let Some((n, v)) = line.split_once('=') {
                    if is_name(n) {
                        assigned.push((n.to_owned(), number, looks_real(v)));
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
                            let value = words.collect::<Vec<_>>().join(" ");
                            assigned.push((word.to_owned(), number, looks_real(&value)));
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
                        let value = words.collect::<Vec<_>>().join(" ");
                        assigned.push((n.to_owned(), number, looks_real(&value)));
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
                        assigned.push((n.clone(), number, looks_real(&after[1..])));
                        exported_names.push(n);
                    }
                }
            }
            Syntax::Cmd => {
                // `@set` is `set` with its echo turned off.
                let line = line.strip_prefix('@').unwrap_or(line);
                let is_set = line
                    .get(..4)
                    .is_some_and(|w| w.eq_ignore_ascii_case("set "));
                if let Some(rest) = line.get(4..).filter(|_| is_set) {
                    let body = rest.trim_start().trim_start_matches('"');
                    if let Some((n, v)) = body.split_once('=') {
                        if is_name(n) {
                            assigned.push((n.to_owned(), number, looks_real(v)));
                            exported_names.push(n.to_owned());
                        }
                    }
                }
            }
        }
    }
    let mut out: Vec<Export> = Vec::new();
    for (name, line, real) in assigned {
        if is_stock(&name)
            || (from_package && is_conda_package_stock(&name))
            || !exported_names.contains(&name)
        {
            continue;
        }
        match out.iter_mut().find(|e| e.name == name) {
            Some(e) => e.real |= real,
            None => out.push(Export { name, line, real }),
        }
    }
    out
}

/// Whether an assigned value looks like a real credential. Placeholders are empty values,
/// references to other variables or commands (`$HOME/x`, `${TOKEN}`, `$(cat f)`), and the
/// words fixtures and templates use (`dummy`, `fake`, `test`, `example`, `changeme`, `xxx`,
/// `***`, `<your-token>`, `your_api_key`). The value itself is never kept.
fn looks_real(value: &str) -> bool {
    let v = value.trim().trim_end_matches(';').trim();
    let v = v.trim_matches(|c| c == '"' || c == '\'' || c == '`').trim();
    if v.is_empty() || v.starts_with('$') || v.starts_with('%') {
        return false;
    }
    let lower = v.to_ascii_lowercase();
    if lower.starts_with('<') && lower.ends_with('>') {
        return false;
    }
    let word: String = lower
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    if word.is_empty() || word.chars().all(|c| c == 'x') {
        return false;
    }
    // Switches and counts (`PYTHONNOUSERSITE=1`, `DEBUG=true`) are settings, not secrets.
    if word.len() <= 5
        && (word.chars().all(|c| c.is_ascii_digit())
            || matches!(
                word.as_str(),
                "true" | "false" | "yes" | "no" | "on" | "off"
            ))
    {
        return false;
    }
    const PLACEHOLDERS: &[&str] = &[
        "dummy",
        "fake",
        "test",
        "testing",
        "example",
        "sample",
        "changeme",
        "placeholder",
        "secret",
        "password",
        "token",
        "todo",
        "none",
        "null",
        "foo",
        "bar",
        "foobar",
        "redacted",
        "notreal",
    ];
    !(PLACEHOLDERS.contains(&word.as_str())
        || [
            "your",
            "dummy",
            "fake",
            "example",
            "changeme",
            "placeholder",
            "test",
        ]
        .iter()
        .any(|p| word.starts_with(p)))
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
            .map(|e| e.name)
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
    fn conda_packages_set_configuration_and_conda_env_vars_are_a_persons() {
        // A package script whose record is missing: what such packages set is stock.
        let gdal = "#!/bin/bash\nexport GDAL_DATA=$CONDA_PREFIX/share/gdal\nexport GDAL_DRIVER_PATH=$CONDA_PREFIX/lib/gdalplugins\nexport CPL_ZIP_ENCODING=UTF-8\nexport _CONDA_SET_GDAL_DATA=1\n";
        assert!(names("env/etc/conda/activate.d/gdal-activate.sh", gdal).is_empty());
        // The same names in a venv's own activate were put there by a person.
        assert_eq!(
            names("venv/bin/activate", "export SSL_CERT_FILE=/etc/ssl/x.pem\n"),
            ["SSL_CERT_FILE"]
        );
        // `conda env config vars set MY_API_TOKEN=...` writes conda-meta/state.
        let state = "{\n  \"env_vars\": {\n    \"MY_API_TOKEN\": \"tok-4f9a8b7c6d5e\",\n    \"PATH\": \"/x\"\n  }\n}\n";
        let found = exported(b"env/conda-meta/state", state.as_bytes());
        assert_eq!(
            found,
            [Export {
                name: "MY_API_TOKEN".to_owned(),
                line: 3,
                real: true
            }]
        );
        assert!(exported(b"env/conda-meta/state", b"not json").is_empty());
    }

    #[test]
    fn placeholders_are_told_from_real_looking_values() {
        let real = |line: &str| exported(b"bin/activate", line.as_bytes())[0].real;
        for placeholder in [
            "export API_KEY=",
            "export API_KEY=dummy",
            "export API_KEY='xxxxxxxx'",
            "export API_KEY=\"<your-api-key>\"",
            "export API_KEY=your_api_key_here",
            "export API_KEY=changeme",
            "export API_KEY=$OTHER_KEY",
            "export API_KEY=\"${HOME}/key\"",
            "export API_KEY=test-key",
            "export API_KEY=****",
            "export PYTHONNOUSERSITE=1",
            "export DEBUG=true",
        ] {
            assert!(!real(placeholder), "{placeholder}");
        }
        for credential in [
            "export API_KEY=sk-live-4f9a8b7c6d5e",
            "export AWS_SECRET_ACCESS_KEY='wJalrXUtnFEMI/K7MDENG/bPxRfiCY'",
            "export DB_PASSWORD=hunter2",
        ] {
            assert!(real(credential), "{credential}");
        }
    }

    #[test]
    fn user_exports_are_named_with_their_line() {
        let sh = "VIRTUAL_ENV=/x\nexport VIRTUAL_ENV\nexport API_KEY=sk-live-123\nDB_PASSWORD='hunter2'\nexport DB_PASSWORD\nlocal_only=1\n";
        let found: Vec<(String, usize, bool)> = exported(b"venv/bin/activate", sh.as_bytes())
            .into_iter()
            .map(|e| (e.name, e.line, e.real))
            .collect();
        assert_eq!(
            found,
            [
                ("API_KEY".to_owned(), 3, true),
                ("DB_PASSWORD".to_owned(), 4, true)
            ]
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
            names("activate.bat", "@echo off\r\n@set \"HF_TOKEN=hf_x\"\r\n"),
            ["HF_TOKEN"]
        );
        assert_eq!(
            names("env_vars.sh", "#!/bin/sh\nexport MY_SECRET='x'\n"),
            ["MY_SECRET"]
        );
        assert!(names("activate", "\0binary").is_empty());
        // uv's activate keeps its own path while it runs.
        assert!(names(
            "activate",
            "SCRIPT_PATH=\"${BASH_SOURCE[0]}\"\nexport SCRIPT_PATH\n"
        )
        .is_empty());
        assert!(names("activate.bat", "sé\r\nset\r\n").is_empty());
    }
}
