//! The commits that wrote a few paths: which commits published a file (an activate script
//! that exports credentials), as `git log --format=%H -- PATH...` lists them.

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
        let cli = self.git();
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
        Ok(Some((out, cut)))
    }
}
