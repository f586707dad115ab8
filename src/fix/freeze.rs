//! What an environment had installed, read from its `*.dist-info/METADATA` and
//! `*.egg-info/PKG-INFO` files, so that untracking it loses nothing a requirements file can
//! keep.

use crate::detect::{Mode, Probe};
use crate::support::paths::join;

/// How much of a metadata file is read: the headers come first and are short.
const HEADER_LIMIT: usize = 16 * 1024;

/// Distributions `pip freeze` leaves out by default: the installer's own tools.
const TOOLING: &[&str] = &["pip", "setuptools", "wheel", "distribute"];

/// One installed distribution.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Distribution {
    /// The `Name:` header, as written.
    pub name: String,
    /// The `Version:` header.
    pub version: String,
}

impl Distribution {
    /// The requirement line: `name==version`.
    pub fn requirement(&self) -> String {
        format!("{}=={}", self.name, self.version)
    }
}

/// The distributions installed in the environment at `root`, sorted by normalised name, without
/// pip, setuptools, wheel and distribute (as `pip freeze` prints them).
pub fn installed(root: &[u8], probe: &dyn Probe) -> Vec<Distribution> {
    let mut found = Vec::new();
    for dir in package_dirs(root, probe) {
        for name in probe.children(&dir) {
            let path = join(&dir, &name);
            let metadata = if name.ends_with(b".dist-info") {
                join(&path, b"METADATA")
            } else if name.ends_with(b".egg-info") {
                match probe.meta(&path).map(|m| m.mode) {
                    Some(Mode::Dir) => join(&path, b"PKG-INFO"),
                    _ => path,
                }
            } else {
                continue;
            };
            if let Some(d) = probe
                .read_head(&metadata, HEADER_LIMIT)
                .and_then(|head| parse_headers(&head))
            {
                found.push(d);
            }
        }
    }
    found.retain(|d| !TOOLING.contains(&normalize(&d.name).as_str()));
    found.sort_by_key(|d| (normalize(&d.name), d.version.clone()));
    found.dedup_by(|a, b| normalize(&a.name) == normalize(&b.name) && a.version == b.version);
    found
}

/// `site-packages` under `lib/pythonX.Y/`, `lib/pypyX.Y/` or `Lib/`, and pdm's `lib/`.
fn package_dirs(root: &[u8], probe: &dyn Probe) -> Vec<Vec<u8>> {
    let mut dirs = Vec::new();
    for top in probe.children(root) {
        if !top.eq_ignore_ascii_case(b"lib") {
            continue;
        }
        let lib = join(root, &top);
        for child in probe.children(&lib) {
            let path = join(&lib, &child);
            if child.eq_ignore_ascii_case(b"site-packages") {
                dirs.push(path);
            } else if child.starts_with(b"python") || child.starts_with(b"pypy") {
                let sp = join(&path, b"site-packages");
                if probe.meta(&sp).is_some() {
                    dirs.push(sp);
                }
            }
        }
        // pdm's __pypackages__/X.Y/lib holds packages directly.
        if root.rsplit(|&b| b == b'/').nth(1) == Some(&b"__pypackages__"[..]) {
            dirs.push(lib);
        }
    }
    dirs
}

/// Reads `Name:` and `Version:` from the RFC 822 headers of a metadata file.
fn parse_headers(bytes: &[u8]) -> Option<Distribution> {
    let text = String::from_utf8_lossy(bytes);
    let (mut name, mut version) = (None, None);
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            break;
        }
        if let Some((key, value)) = line.split_once(':') {
            let value = value.trim();
            match key.trim().to_ascii_lowercase().as_str() {
                "name" if name.is_none() && !value.is_empty() => name = Some(value.to_owned()),
                "version" if version.is_none() && !value.is_empty() => {
                    version = Some(value.to_owned())
                }
                _ => {}
            }
        }
    }
    Some(Distribution {
        name: name?,
        version: version?,
    })
}

/// PEP 503 normalisation: lower case, runs of `-`, `_`, `.` as one `-`.
fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut sep = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            sep = true;
        } else {
            if sep && !out.is_empty() {
                out.push('-');
            }
            sep = false;
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::Meta;
    use crate::detect::{Listed, Listing};

    fn tree(files: &[(&str, &str)]) -> Listing<Vec<u8>> {
        Listing::new(
            files
                .iter()
                .map(|(p, c)| Listed {
                    path: p.as_bytes().to_vec(),
                    meta: Meta {
                        mode: Mode::File,
                        size: Some(c.len() as u64),
                    },
                    data: c.as_bytes().to_vec(),
                })
                .collect(),
        )
    }

    #[test]
    fn reads_dist_info_and_egg_info_skipping_tooling() {
        let t = tree(&[
            (
                "v/lib/python3.11/site-packages/six-1.16.0.dist-info/METADATA",
                "Metadata-Version: 2.1\nName: six\nVersion: 1.16.0\n\nName: not-this\n",
            ),
            (
                "v/lib/python3.11/site-packages/pip-23.2.1.dist-info/METADATA",
                "Name: pip\nVersion: 23.2.1\n",
            ),
            (
                "v/lib/python3.11/site-packages/Old_Pkg.egg-info/PKG-INFO",
                "Metadata-Version: 1.0\r\nName: Old_Pkg\r\nVersion: 0.3\r\n",
            ),
            (
                "v/lib/python3.11/site-packages/flat-1.0-py3.11.egg-info",
                "Name: flat\nVersion: 1.0\n",
            ),
            (
                "v/lib/python3.11/site-packages/broken.dist-info/METADATA",
                "Name: broken\n",
            ),
            (
                "v/Lib/site-packages/requests-2.31.0.dist-info/METADATA",
                "Name: requests\nVersion: 2.31.0\n",
            ),
        ]);
        let reqs: Vec<String> = installed(b"v", &t)
            .iter()
            .map(Distribution::requirement)
            .collect();
        assert_eq!(
            reqs,
            [
                "flat==1.0",
                "Old_Pkg==0.3",
                "requests==2.31.0",
                "six==1.16.0"
            ]
        );
    }

    #[test]
    fn pdm_packages_sit_directly_in_lib() {
        let t = tree(&[(
            "__pypackages__/3.11/lib/idna-3.6.dist-info/METADATA",
            "Name: idna\nVersion: 3.6\n",
        )]);
        let reqs: Vec<String> = installed(b"__pypackages__/3.11", &t)
            .iter()
            .map(Distribution::requirement)
            .collect();
        assert_eq!(reqs, ["idna==3.6"]);
    }

    #[test]
    fn names_normalise_like_pep_503() {
        assert_eq!(normalize("Old_Pkg"), "old-pkg");
        assert_eq!(normalize("zope.interface"), "zope-interface");
        assert_eq!(normalize("a--b__c"), "a-b-c");
    }
}
