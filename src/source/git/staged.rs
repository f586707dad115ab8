//! The staged changes: the index compared with `HEAD`, as `git diff --cached` does.

use git2::{ErrorCode, Oid};

use super::index::Index;
use super::index_file::{CacheTree, IndexFile};
use super::{Error, Repo};
use crate::detect::{PathEntry, PathList, SortedPaths};

impl Repo {
    /// The entries that the next commit adds or changes: the index compared with `HEAD`
    /// (every entry when `HEAD` is unborn). Deletions do not count: a commit that removes a
    /// tracked environment is welcome.
    ///
    /// Like `git diff --cached`, the comparison skips every directory whose cache-tree entry
    /// is valid and names the same tree as `HEAD`, so an everyday commit reads a handful of
    /// tree objects however large the index is.
    pub fn staged(&self, index: &Index<'_>) -> Result<Vec<PathEntry>, Error> {
        if let Some(cli) = self.cli() {
            // git's own answer, with what the index knows of each path.
            let file = &index.file;
            return Ok(cli
                .staged_paths()?
                .into_iter()
                .filter_map(|path| {
                    let i = file.find(&path)?;
                    Some(PathEntry {
                        meta: file.meta_at(i),
                        path,
                    })
                })
                .collect());
        }
        let head = match self.lib()?.head() {
            Ok(head) => Some(
                head.peel_to_tree()
                    .map_err(|e| Error::Git("cannot read HEAD's tree", e))?
                    .id(),
            ),
            Err(e) if matches!(e.code(), ErrorCode::UnbornBranch | ErrorCode::NotFound) => None,
            Err(e) => return Err(Error::Git("cannot read HEAD", e)),
        };
        let file = &index.file;
        let mut out = Vec::new();
        self.compare_dir(file, 0, 0..file.len(), file.cache_tree(), head, &mut out)?;
        Ok(out)
    }

    /// Compares the index entries `range`, all below the directory whose path is the first
    /// `depth` bytes of their paths, with the tree `tree` of `HEAD`.
    pub(super) fn compare_dir(
        &self,
        file: &IndexFile,
        depth: usize,
        range: std::ops::Range<usize>,
        node: Option<&CacheTree>,
        tree: Option<Oid>,
        out: &mut Vec<PathEntry>,
    ) -> Result<(), Error> {
        if let Some(first) = range.clone().next() {
            let dir = &file.path_at(first)[..depth];
            if super::too_deep(dir) {
                return Err(Error::TreeDepth(dir.to_vec()));
            }
        }
        if let (Some(node), Some(tree)) = (node, tree) {
            let same = node.oid.as_deref() == Some(tree.as_bytes())
                && usize::try_from(node.entries) == Ok(range.len());
            if same {
                return Ok(());
            }
        }
        let head: std::collections::HashMap<Vec<u8>, (u32, Oid)> = match tree {
            Some(id) => self
                .lib()?
                .find_tree(id)
                .map_err(|e| Error::Git("cannot read a tree", e))?
                .iter()
                .map(|e| (e.name_bytes().to_vec(), (e.filemode() as u32, e.id())))
                .collect(),
            None => std::collections::HashMap::new(),
        };
        let mut i = range.start;
        while i < range.end {
            let path = file.path_at(i);
            let rest = &path[depth..];
            match rest.iter().position(|&b| b == b'/') {
                None => {
                    let record = file.record(i);
                    // `git add -N` entries are not part of the commit being made.
                    let unchanged = record.intent_to_add
                        || head.get(rest).is_some_and(|&(mode, id)| {
                            canonical_mode(mode) == canonical_mode(record.mode)
                                && id.as_bytes() == file.oid(i)
                        });
                    if !unchanged {
                        out.push(PathEntry {
                            path: path.to_vec(),
                            meta: file.meta_at(i),
                        });
                    }
                    i += 1;
                }
                Some(slash) => {
                    let name = &rest[..slash];
                    let sub_depth = depth + slash + 1;
                    let mut end_key = path[..sub_depth].to_vec();
                    if let Some(last) = end_key.last_mut() {
                        *last = b'/' + 1;
                    }
                    let end = file.lower_bound(&end_key).clamp(i + 1, range.end);
                    let sub_tree = head
                        .get(name)
                        .filter(|(mode, _)| mode & 0o170000 == 0o040000)
                        .map(|&(_, id)| id);
                    let sub_node = node.and_then(|n| n.child(name));
                    self.compare_dir(file, sub_depth, i..end, sub_node, sub_tree, out)?;
                    i = end;
                }
            }
        }
        Ok(())
    }
}

/// `100644`/`100755` for files (git records only the executable bit), the type for the rest.
pub(super) fn canonical_mode(mode: u32) -> u32 {
    match mode & 0o170000 {
        0o100000 if mode & 0o111 != 0 => 0o100755,
        0o100000 => 0o100644,
        kind => kind,
    }
}
