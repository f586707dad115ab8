//! The remedy for a finding, from the one rule of what an environment owns: the anchored
//! `.gitignore` patterns, the commands that fix it by hand, and the `git filter-repo` command
//! that removes it from every commit. Every command means the same bytes in any POSIX shell.

use crate::detect::{Environment, OwnedPath};
use crate::report::{Finding, Status};
use crate::support::escape;

/// The anchored `.gitignore` patterns that ignore the environment of `finding`: `/venv/` for
/// an environment that owns its folder; one pattern per owned entry (`/bin/`, `/pyvenv.cfg`...)
/// for one that shares its folder with the project, so the project's own files stay tracked.
/// Folders end with `/`, files (and symlinks such as `lib64`) do not. A name that no pattern
/// line can express (a newline in it) is returned in the error list instead.
pub fn ignore_patterns(finding: &Finding) -> (Vec<String>, Vec<Vec<u8>>) {
    patterns_for(&finding.env.owned_paths())
}

pub(crate) fn patterns_for(targets: &[OwnedPath]) -> (Vec<String>, Vec<Vec<u8>>) {
    let mut patterns = Vec::new();
    let mut inexpressible = Vec::new();
    for target in targets {
        match escape::gitignore_literal(&target.path) {
            Some(literal) => {
                let slash = if target.dir { "/" } else { "" };
                patterns.push(format!("/{literal}{slash}"));
            }
            None => inexpressible.push(target.path.clone()),
        }
    }
    (patterns, inexpressible)
}

/// The shell commands, to run from the repository root, that fix `finding` by hand. They mean
/// the same bytes in every POSIX shell (`printf '%s\n'` where `echo` would read a backslash).
pub fn suggested_commands(finding: &Finding) -> Vec<String> {
    // An environment that HEAD no longer has needs a history rewrite, not a fix.
    if finding.history.as_ref().is_some_and(|h| !h.in_head) {
        return Vec::new();
    }
    let (patterns, _) = ignore_patterns(finding);
    let mut commands: Vec<String> = patterns
        .iter()
        .map(|p| append_line_command(p, ".gitignore"))
        .collect();
    if finding.status != Status::Unignored {
        let targets: Vec<String> = finding
            .env
            .owned_paths()
            .iter()
            .map(|t| escape::shell_word(&t.path))
            .collect();
        commands.push(format!(
            "git rm -r --cached --quiet -- {}",
            targets.join(" ")
        ));
    }
    commands
}

/// A command that appends `line` to `file`: `echo` for plain text, `printf '%s\n'` when the
/// line holds a backslash (dash's and zsh's `echo` interpret those).
pub fn append_line_command(line: &str, file: &str) -> String {
    let word = escape::shell_word(line.as_bytes());
    if line.contains('\\') {
        format!("printf '%s\\n' {word} >> {file}")
    } else {
        format!("echo {word} >> {file}")
    }
}

/// `git filter-repo --invert-paths --path venv/`: removes the environment from every commit.
pub(crate) fn filter_repo_command(env: &Environment) -> String {
    let mut command = String::from("git filter-repo --invert-paths");
    for target in env.owned_paths() {
        let mut path = target.path;
        // A folder is named with a trailing slash, as git-filter-repo's documentation does; a
        // file never is: `--path pyvenv.cfg/` would match nothing.
        if target.dir {
            path.push(b'/');
        }
        command.push_str(" --path ");
        command.push_str(&escape::shell_word(&path));
    }
    command
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::{Entry, EnvRoot, Environment, Extent, Kind, Layout};
    use crate::report::Severity;

    /// A finding at `root`; `entries` ending in `/` are folders. The root owns only its
    /// entries when it is the repository root.
    fn finding(root: &[u8], entries: &[&str], status: Status) -> Finding {
        Finding {
            env: Environment {
                root: root.to_vec(),
                recognised: EnvRoot {
                    kind: Kind::Venv,
                    implementation: None,
                    layout: Layout::Posix,
                    evidence: Vec::new(),
                    fixture: false,
                    extent: if root.is_empty() {
                        Extent::Entries {
                            listed: vec![],
                            split: vec![],
                        }
                    } else {
                        Extent::Folder
                    },
                },
                files: 1,
                bytes: 0,
                bytes_known: true,
                entries: entries
                    .iter()
                    .map(|e| Entry {
                        name: e.trim_end_matches('/').as_bytes().to_vec(),
                        dir: e.ends_with('/'),
                    })
                    .collect(),
            },
            status,
            severity: Severity::Error,
            continued: false,
            history: None,
            secrets: Vec::new(),
            secret_commits: Vec::new(),
        }
    }

    #[test]
    fn a_folder_env_is_one_anchored_rule_and_one_rm() {
        let f = finding(b"services/api/.venv", &["bin/", "lib/"], Status::Staged);
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
        let f = finding(
            b"",
            &["bin/", "lib/", "lib64", "pyvenv.cfg"],
            Status::Tracked,
        );
        assert_eq!(
            suggested_commands(&f),
            [
                "echo /bin/ >> .gitignore",
                "echo /lib/ >> .gitignore",
                "echo /lib64 >> .gitignore",
                "echo /pyvenv.cfg >> .gitignore",
                "git rm -r --cached --quiet -- bin lib lib64 pyvenv.cfg"
            ]
        );
    }

    #[test]
    fn unignored_needs_no_rm_and_odd_names_are_quoted() {
        let f = finding(b"my env [1]", &[], Status::Unignored);
        assert_eq!(
            suggested_commands(&f),
            ["printf '%s\\n' '/my env \\[1]/' >> .gitignore"]
        );
        let f = finding(b"a\nb", &[], Status::Staged);
        assert_eq!(ignore_patterns(&f).1, [b"a\nb".to_vec()]);
        assert_eq!(
            suggested_commands(&f),
            [r#"git rm -r --cached --quiet -- "$(printf 'a\012b')""#]
        );
    }
}
