//! The commits that wrote a few paths: which commits published a file (an activate script
//! that exports credentials), as `git log --format=%H -- PATH...` lists them.

use git2::{Oid, Sort};

use super::{Error, Repo};
use crate::report::CommitInfo;

/// One version of a path: the commit that wrote it and the blob it wrote.
#[derive(Clone, Debug)]
pub(crate) struct Version {
    /// The commit.
    pub commit: CommitInfo,
    /// The path, as asked for.
    pub path: Vec<u8>,
    /// The blob the commit wrote there.
    pub blob: super::ObjectId,
}

impl Repo {
    /// Every commit reachable from `rev` that wrote a version of one of `paths` that none of
    /// its parents had there, oldest first; `None` when `rev` names no commit (an unborn
    /// branch). At most `limit` commits are walked; the flag says whether the walk stopped
    /// there.
    pub(crate) fn versions_of(
        &self,
        rev: &str,
        paths: &[Vec<u8>],
        limit: usize,
    ) -> Result<Option<(Vec<Version>, bool)>, Error> {
        if let Some(cli) = self.cli() {
            if cli.resolve(rev).is_err() {
                return Ok(None);
            }
            let limit_arg = format!("--max-count={limit}");
            let mut args: Vec<std::ffi::OsString> = vec![
                limit_arg.into(),
                "--end-of-options".into(),
                rev.into(),
                "--".into(),
            ];
            args.extend(
                paths
                    .iter()
                    .map(|p| crate::support::paths::bytes_to_path(p).into()),
            );
            let refs: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_os_str()).collect();
            let logged = cli.log(&refs)?;
            let cut = logged.len() >= limit;
            let mut out = Vec::new();
            for commit in logged.into_iter().rev() {
                for change in commit.changes {
                    if paths.contains(&change.path) {
                        out.push(Version {
                            commit: commit.info.clone(),
                            path: change.path,
                            blob: change.data,
                        });
                    }
                }
            }
            return Ok(Some((out, cut)));
        }
        let Ok(start) = self
            .lib()?
            .revparse_single(rev)
            .and_then(|o| o.peel_to_commit())
        else {
            return Ok(None);
        };
        let mut walk = self
            .lib()?
            .revwalk()
            .map_err(|e| Error::Git("cannot walk the history", e))?;
        walk.set_sorting(Sort::TOPOLOGICAL | Sort::TIME | Sort::REVERSE)
            .map_err(|e| Error::Git("cannot walk the history", e))?;
        walk.push(start.id())
            .map_err(|e| Error::Git("cannot walk the history", e))?;
        let mut out = Vec::new();
        let mut cut = false;
        for (n, id) in walk.enumerate() {
            if n >= limit {
                cut = true;
                break;
            }
            let id = id.map_err(|e| Error::Git("cannot walk the history", e))?;
            let commit = self
                .lib()?
                .find_commit(id)
                .map_err(|e| Error::Git("cannot read a commit", e))?;
            let tree = commit
                .tree()
                .map_err(|e| Error::Git("cannot read a tree", e))?;
            for path in paths {
                let Some(blob) = blob_at(&tree, path) else {
                    continue;
                };
                let inherited = commit.parents().any(|p| {
                    p.tree()
                        .ok()
                        .and_then(|t| blob_at(&t, path))
                        .is_some_and(|b| b == blob)
                });
                if !inherited {
                    out.push(Version {
                        commit: commit_info(&commit),
                        path: path.clone(),
                        blob: blob.into(),
                    });
                }
            }
        }
        Ok(Some((out, cut)))
    }
}

/// The blob at `path` in `tree`.
fn blob_at(tree: &git2::Tree<'_>, path: &[u8]) -> Option<Oid> {
    let entry = tree
        .get_path(&crate::support::paths::bytes_to_path(path))
        .ok()?;
    (entry.kind() == Some(git2::ObjectType::Blob)).then(|| entry.id())
}

/// A commit as a report names it.
fn commit_info(commit: &git2::Commit<'_>) -> CommitInfo {
    let author = commit.author();
    CommitInfo {
        id: commit.id().to_string(),
        time: author.when().seconds(),
        offset_minutes: author.when().offset_minutes(),
        author: format!(
            "{} <{}>",
            String::from_utf8_lossy(author.name_bytes()),
            String::from_utf8_lossy(author.email_bytes())
        ),
        subject: String::from_utf8_lossy(commit.summary_bytes().unwrap_or_default()).into_owned(),
    }
}
