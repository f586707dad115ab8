//! The ends of a range resolved without a `git rev-parse` process where git's answer is plain:
//! a ref name git's rules find in exactly one place, or a whole object id, then any `~N` and
//! `^N`. Everything else (`@{...}`, `^{...}`, `:/text`, abbreviated ids, `describe` output, a
//! name two rules find, a linked worktree's refs) is left to git.
//!
//! A `git rev-parse` is a process start and a read of the refs (1.5 ms at least), and git
//! reads the commits of `HEAD~360` to resolve it (5 ms on pypa/pip): two of them are a
//! quarter of a 1,000-commit range's scan.

use super::odb::{self, Id};
use super::{history::oid_bytes, Repo};
use crate::support::fxhash::FxHashSet;

/// git's rules for a name short of a full ref name, in its order (`ref_rev_parse_rules`): what
/// comes before and after the name.
const RULES: [(&str, &str); 6] = [
    ("", ""),
    ("refs/", ""),
    ("refs/tags/", ""),
    ("refs/heads/", ""),
    ("refs/remotes/", ""),
    ("refs/remotes/", "/HEAD"),
];

/// The longest count after `~` or `^` read here (git reads any; a longer one goes to git).
const MAX_DIGITS: usize = 9;

/// One step after the name: `~N` (the Nth first parent) or `^N` (the Nth parent; 0 is the
/// commit itself).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    Back(u32),
    Parent(u32),
}

impl Repo {
    /// The commit `rev` names, in hexadecimal, where it is resolved here as git resolves it
    /// (`rev^{commit}`); `None` where git must say (see the module's documentation), and for
    /// a name git would refuse, which git then refuses in its own words.
    pub(super) fn commit_named_here(&self, rev: &str) -> Option<String> {
        let at = rev.find(['~', '^']).unwrap_or(rev.len());
        let (name, steps) = rev.split_at(at);
        let steps = steps_of(steps)?;
        let start = match odb::from_hex(name.as_bytes()) {
            Some(id) => id,
            None => self.ref_target(name)?,
        };
        let shallow = match steps.is_empty() {
            true => FxHashSet::default(),
            false => self.shallow_commits(),
        };
        let commit = self
            .with_store(|store| {
                let Some(mut commit) = store.peel_to_commit(start)? else {
                    return Ok(None);
                };
                for step in &steps {
                    let (back, nth) = match *step {
                        Step::Back(n) => (n, 1),
                        Step::Parent(0) => continue,
                        Step::Parent(n) => (1, n),
                    };
                    for i in 0..back {
                        // Past a shallow clone's edge git sees no parents: it says so itself.
                        if shallow.contains(&commit) {
                            return Ok(None);
                        }
                        let (_, parents, _) = store.commit_links(&commit)?;
                        let which = if i + 1 == back { nth } else { 1 };
                        match parents.get(which as usize - 1) {
                            Some(parent) => commit = *parent,
                            None => return Ok(None),
                        }
                    }
                }
                Ok(Some(commit))
            })
            .ok()??;
        Some(odb::to_hex(&commit))
    }

    /// The object ref `name` points at, where exactly one of git's rules finds a ref by that
    /// name and libgit2 reads it without trouble; `None` otherwise.
    fn ref_target(&self, name: &str) -> Option<Id> {
        let lib = self.lib.as_ref()?;
        // A linked worktree has refs of its own (`HEAD`, `refs/bisect/`): git's to resolve.
        if !plain_ref_name(name) || self.git_dir() != self.common_dir() {
            return None;
        }
        let mut found = None;
        for (before, after) in RULES {
            let full = format!("{before}{name}{after}");
            // Outside `refs/`, git reads a file of that name in the git directory (`HEAD`,
            // `ORIG_HEAD`, ...); libgit2 refuses most such names, so any file but `HEAD`
            // goes to git.
            if !full.starts_with("refs/") && full != "HEAD" {
                if self.git_dir().join(&full).exists() {
                    return None;
                }
                continue;
            }
            match lib.find_reference(&full) {
                Ok(reference) if found.is_none() => found = Some(reference),
                // Two rules find it: git takes the first and warns; the warning is git's.
                Ok(_) => return None,
                Err(e) if e.code() == git2::ErrorCode::NotFound => {}
                Err(_) => return None,
            }
        }
        let target = found?.resolve().ok()?.target()?;
        Some(oid_bytes(target))
    }
}

/// The steps after a name: `~`, `~N`, `^`, `^N` in any order and number; `None` for anything
/// else (`^{commit}`, `@{1}`, a count too long to read here).
fn steps_of(mut text: &str) -> Option<Vec<Step>> {
    let mut steps = Vec::new();
    while let Some(kind) = text.chars().next() {
        let rest = &text[1..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits > MAX_DIGITS {
            return None;
        }
        let n = match digits {
            0 => 1,
            _ => rest[..digits].parse().ok()?,
        };
        steps.push(match kind {
            '~' => Step::Back(n),
            '^' => Step::Parent(n),
            _ => return None,
        });
        text = &rest[digits..];
    }
    Some(steps)
}

/// Whether `name` is a ref name whose reading is plain: letters, digits, `-`, `_`, `.` and
/// `/` between components that are not empty, do not start with `.` or `-` and do not end
/// in `.lock` or `.`. Anything else (`@`, `..`, a name git would refuse or read in a way of
/// its own) goes to git.
fn plain_ref_name(name: &str) -> bool {
    let allowed = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/');
    !name.is_empty()
        && !name.contains("..")
        && name.bytes().all(allowed)
        && name.split('/').all(|part| {
            !part.is_empty()
                && !part.starts_with(['.', '-'])
                && !part.ends_with(".lock")
                && !part.ends_with('.')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_read_as_git_reads_them() {
        use Step::*;
        assert_eq!(steps_of(""), Some(vec![]));
        assert_eq!(steps_of("~"), Some(vec![Back(1)]));
        assert_eq!(steps_of("~360"), Some(vec![Back(360)]));
        assert_eq!(
            steps_of("^^2~3^0"),
            Some(vec![Parent(1), Parent(2), Back(3), Parent(0)])
        );
        assert_eq!(steps_of("~0012"), Some(vec![Back(12)]));
        for other in ["^{commit}", "@{1}", "~1x", "~1234567890", ":/x", "~-1"] {
            assert_eq!(steps_of(other), None, "{other}");
        }
    }

    #[test]
    fn only_plain_names_are_read_here() {
        for plain in ["HEAD", "main", "origin/main", "refs/heads/a-b_c.d", "v1.2"] {
            assert!(plain_ref_name(plain), "{plain}");
        }
        for other in [
            "", "@", "a..b", "a//b", "/a", "a/", ".a", "-a", "a.lock", "a.", "a@{1}", "a b", "a:b",
            "a*", "ä",
        ] {
            assert!(!plain_ref_name(other), "{other}");
        }
    }

    /// Every name is resolved as `git rev-parse --verify REV^{commit}` resolves it: the plain
    /// ones here, without git, the rest by git; a name git refuses is refused.
    #[test]
    fn names_resolve_as_git_resolves_them() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("repo");
        std::fs::create_dir(&root).unwrap();
        let git = crate::support::test_git::git_ok;
        let run = |args: &[&str]| git(&root, args);
        run(&["init", "-q", "-b", "main"]);
        let commit = |message: &str| {
            std::fs::write(root.join("f"), message).unwrap();
            run(&["add", "f"]);
            run(&["commit", "-qm", message]);
        };
        for n in 1..=4 {
            commit(&format!("main {n}"));
        }
        run(&["checkout", "-q", "-b", "feature", "HEAD~2"]);
        std::fs::write(root.join("g"), "g").unwrap();
        run(&["add", "g"]);
        run(&["commit", "-qm", "feature 1"]);
        run(&["checkout", "-q", "main"]);
        run(&["merge", "-q", "--no-ff", "-m", "merge", "feature"]);
        commit("main 5");
        run(&["tag", "-a", "-m", "v1", "v1", "HEAD~2"]);
        run(&["tag", "-a", "-m", "v1b", "v1b", "v1"]);
        run(&["tag", "lw", "feature"]);
        run(&["branch", "abc123", "HEAD~1"]);
        run(&["branch", "dup", "HEAD~1"]);
        run(&["tag", "dup", "HEAD~3"]);
        run(&["update-ref", "refs/remotes/origin/main", "HEAD~1"]);
        run(&[
            "symbolic-ref",
            "refs/remotes/origin/HEAD",
            "refs/remotes/origin/main",
        ]);
        run(&["update-ref", "ORIG_HEAD", "HEAD~2"]);
        let head = run(&["rev-parse", "HEAD"]);
        let tag_object = run(&["rev-parse", "v1"]);
        let short = head[..8].to_owned();
        let here = [
            "HEAD",
            "HEAD~1",
            "HEAD~",
            "HEAD^",
            "HEAD^^",
            "HEAD^^2",
            "HEAD~1^2",
            "HEAD^0",
            "HEAD~0",
            "main",
            "main~3",
            "feature",
            "feature^",
            "v1",
            "v1~1",
            "v1^0",
            "v1b",
            "lw",
            "origin/main",
            "origin",
            "origin~1",
            "refs/heads/main~2",
            "refs/tags/v1",
            "abc123",
            &head,
            &tag_object,
        ];
        let to_git = [
            "dup",
            "ORIG_HEAD",
            "HEAD@{0}",
            "main^{commit}",
            &short,
            "@",
            "main@{0}",
            "HEAD~100",
            "HEAD^2",
            "HEAD~1^3",
            "nosuch",
            "HEAD^{tree}",
            "HEAD:f",
            "a..b",
        ];
        let check = |root: &std::path::Path, here: &[&str], to_git: &[&str]| {
            let repo = Repo::discover(root).unwrap().unwrap();
            for name in here.iter().chain(to_git) {
                let out = crate::support::test_git::git(root)
                    .args(["rev-parse", "--verify", "--quiet", "--end-of-options"])
                    .arg(format!("{name}^{{commit}}"))
                    .output()
                    .unwrap();
                let expected = out
                    .status
                    .success()
                    .then(|| String::from_utf8(out.stdout).unwrap().trim().to_owned());
                let read = repo.commit_named_here(name);
                if here.contains(name) {
                    assert!(read.is_some(), "{name} was left to git");
                    assert_eq!(read, expected, "{name}");
                } else {
                    assert_eq!(read, None, "{name} was read here");
                }
                let named = repo.commits_named(name, "HEAD").ok().map(|[from, _]| from);
                assert_eq!(named, expected, "{name} through commits_named");
            }
        };
        check(&root, &here, &to_git);
        // The same refs packed.
        run(&["pack-refs", "--all"]);
        check(&root, &here, &to_git);
        // A shallow clone: git sees no parents past its edge, and says so itself.
        let url = format!("file://{}", root.display());
        git(
            dir.path(),
            &["clone", "-q", "--depth", "2", &url, "shallow"],
        );
        check(
            &dir.path().join("shallow"),
            &["HEAD~1"],
            &["HEAD~2", "HEAD~1^2"],
        );
    }
}
