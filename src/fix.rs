//! What repairs a finding: the `.gitignore` rules that keep an environment out, and the
//! commands that untrack it while keeping every working file.

use crate::escape;
use crate::scan::{Finding, Status};

/// The anchored `.gitignore` patterns that ignore the environment of `finding`: `/venv/` for
/// an environment in a folder of its own; one pattern per environment-owned entry (`/bin/`,
/// `/pyvenv.cfg`...) for one at the repository root, so the project's own files stay
/// tracked. A name that no pattern line can express (a newline in it) is returned in the
/// error list instead.
pub fn ignore_patterns(finding: &Finding) -> (Vec<String>, Vec<Vec<u8>>) {
    let root = &finding.env.root;
    let mut patterns = Vec::new();
    let mut inexpressible = Vec::new();
    let targets: Vec<(Vec<u8>, bool)> = if root.is_empty() {
        finding
            .env
            .entries
            .iter()
            .map(|e| (e.clone(), false))
            .collect()
    } else {
        vec![(root.clone(), true)]
    };
    for (path, dir) in targets {
        match escape::gitignore_literal(&path) {
            Some(literal) => {
                let slash = if dir { "/" } else { "" };
                patterns.push(format!("/{literal}{slash}"));
            }
            None => inexpressible.push(path),
        }
    }
    (patterns, inexpressible)
}

/// The shell commands, to run from the repository root, that fix `finding` by hand.
pub fn suggested_commands(finding: &Finding) -> Vec<String> {
    let (patterns, _) = ignore_patterns(finding);
    let mut commands: Vec<String> = patterns
        .iter()
        .map(|p| format!("echo {} >> .gitignore", escape::shell_word(p.as_bytes())))
        .collect();
    if finding.status != Status::Unignored {
        let targets: Vec<String> = if finding.env.root.is_empty() {
            finding
                .env
                .entries
                .iter()
                .map(|e| escape::shell_word(e))
                .collect()
        } else {
            vec![escape::shell_word(&finding.env.root)]
        };
        commands.push(format!(
            "git rm -r --cached --quiet -- {}",
            targets.join(" ")
        ));
    }
    commands
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::{EnvRoot, Environment, Kind, Layout};
    use crate::scan::Severity;

    fn finding(root: &[u8], entries: &[&[u8]], status: Status) -> Finding {
        Finding {
            env: Environment {
                root: root.to_vec(),
                env: EnvRoot {
                    kind: Kind::Venv,
                    implementation: None,
                    layout: Layout::Posix,
                    evidence: Vec::new(),
                    fixture: false,
                },
                files: 1,
                bytes: 0,
                bytes_known: true,
                entries: entries.iter().map(|e| e.to_vec()).collect(),
            },
            status,
            severity: Severity::Error,
        }
    }

    #[test]
    fn a_folder_env_is_one_anchored_rule_and_one_rm() {
        let f = finding(b"services/api/.venv", &[b"bin", b"lib"], Status::Staged);
        assert_eq!(
            suggested_commands(&f),
            [
                "echo /services/api/.venv/ >> .gitignore",
                "git rm -r --cached --quiet -- services/api/.venv"
            ]
        );
    }

    #[test]
    fn an_env_at_the_root_names_only_its_entries() {
        let f = finding(b"", &[b"bin", b"lib", b"pyvenv.cfg"], Status::Tracked);
        assert_eq!(
            suggested_commands(&f),
            [
                "echo /bin >> .gitignore",
                "echo /lib >> .gitignore",
                "echo /pyvenv.cfg >> .gitignore",
                "git rm -r --cached --quiet -- bin lib pyvenv.cfg"
            ]
        );
    }

    #[test]
    fn unignored_needs_no_rm_and_odd_names_are_quoted() {
        let f = finding(b"my env [1]", &[], Status::Unignored);
        assert_eq!(
            suggested_commands(&f),
            ["echo '/my env \\[1]/' >> .gitignore"]
        );
        let f = finding(b"a\nb", &[], Status::Staged);
        assert_eq!(ignore_patterns(&f).1, [b"a\nb".to_vec()]);
        assert_eq!(
            suggested_commands(&f),
            ["git rm -r --cached --quiet -- $'a\\nb'"]
        );
    }
}
