//! The staged changes: the index compared with `HEAD`, as the next commit will record them.

use super::commits::{diff_trees, RecentTrees};
use super::index::Index;
use super::index_file::{CacheTree, IndexFile};
use super::odb::{Id, Kind};
use super::store::Store;
use super::{Error, Repo};
use crate::detect::{PathEntry, PathList, SortedPaths};
use crate::support::fxhash::FxHashMap;

impl Repo {
    /// The entries that the next commit adds or changes: the index compared with `HEAD`
    /// (every entry when `HEAD` is unborn). Deletions do not count: a commit that removes a
    /// tracked environment is welcome.
    ///
    /// A directory whose cache-tree entry is valid is committed as the tree that entry names,
    /// whatever the entries below it say (`git commit` writes it so), so it is compared as
    /// that tree: skipped when it is `HEAD`'s, compared tree to tree when it is another. An
    /// everyday commit reads a handful of tree objects however large the index is.
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
        let head = self.head_id()?;
        let file = &index.file;
        self.with_store(|store| {
            let tree = match head {
                Some(id) => store.peel_to_tree(id)?,
                None => None,
            };
            let mut out = Vec::new();
            compare_dir(
                store,
                file,
                0,
                0..file.len(),
                file.cache_tree(),
                tree,
                &mut out,
            )?;
            Ok(out)
        })
    }
}

/// Compares the index entries `range`, all below the directory whose path is the first `depth`
/// bytes of their paths, with the tree `tree` of `HEAD`.
fn compare_dir(
    store: &mut Store,
    file: &IndexFile,
    depth: usize,
    range: std::ops::Range<usize>,
    node: Option<&CacheTree>,
    tree: Option<Id>,
    out: &mut Vec<PathEntry>,
) -> Result<(), Error> {
    let dir = match range.clone().next() {
        Some(first) => &file.path_at(first)[..depth],
        None => return Ok(()),
    };
    if super::too_deep(dir) {
        return Err(Error::TreeDepth(dir.to_vec()));
    }
    let committed = node
        .filter(|n| usize::try_from(n.entries) == Ok(range.len()))
        .and_then(|n| Id::try_from(n.oid.as_deref()?).ok());
    if let Some(committed) = committed {
        if Some(committed) == tree {
            return Ok(());
        }
        // git writes the named tree when it has it, and rebuilds it from the entries when not.
        if matches!(store.header(&committed)?, Some((Kind::Tree, _))) {
            let mut prefix = dir.strip_suffix(b"/").unwrap_or(dir).to_vec();
            return diff_trees(
                store,
                tree.as_ref(),
                &committed,
                &mut prefix,
                &mut RecentTrees::default(),
                &mut |entry| {
                    let meta = file
                        .find(&entry.path)
                        .and_then(|i| file.meta_at(i))
                        .or(Some(entry.meta));
                    out.push(PathEntry {
                        path: entry.path,
                        meta,
                    });
                },
            );
        }
    }
    let head: FxHashMap<Vec<u8>, (u32, Id)> = match tree {
        Some(id) => super::tree_object::Entries(&store.tree(&id)?)
            .map(|e| (e.name.to_vec(), (e.mode, *e.id)))
            .collect(),
        None => FxHashMap::default(),
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
                        mode == canonical_mode(record.mode) && id[..] == *file.oid(i)
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
                compare_dir(store, file, sub_depth, i..end, sub_node, sub_tree, out)?;
                i = end;
            }
        }
    }
    Ok(())
}

/// `100644`/`100755` for files (git records only the executable bit), the type for the rest.
pub(super) fn canonical_mode(mode: u32) -> u32 {
    match mode & 0o170000 {
        0o100000 if mode & 0o111 != 0 => 0o100755,
        0o100000 => 0o100644,
        kind => kind,
    }
}
