//! Trees as sources: a revision's files, `HEAD`'s files read mostly from the index, and the
//! probes over them.

use git2::{ErrorCode, Oid, Repository};

use super::index::Index;
use super::index_file::{CacheTree, IndexFile};
use super::{mode_of, Error, ObjectId, Repo};
use crate::detect::{Listed, Listing, Meta, PathEntry, PathList, Probe, SortedPaths};

impl Repo {
    /// The tree of `rev` (a commit-ish), or `None` for an unborn `HEAD`.
    pub(crate) fn tree(&self, rev: &str) -> Result<Option<Objects<'_>>, Error> {
        if let Some(cli) = self.cli() {
            return Ok(cli.ls_tree(rev)?.map(|entries| Objects::new(self, entries)));
        }
        let object = match self.lib()?.revparse_single(rev) {
            Ok(o) => o,
            Err(e)
                if rev == "HEAD"
                    && matches!(e.code(), ErrorCode::NotFound | ErrorCode::UnbornBranch) =>
            {
                return Ok(None);
            }
            Err(e) => return Err(Error::Git("cannot resolve the revision", e)),
        };
        let tree = object
            .peel_to_tree()
            .map_err(|e| Error::Git("not a commit or tree", e))?;
        let mut entries = Vec::new();
        self.list_tree(&tree, &mut Vec::new(), &mut entries)?;
        Ok(Some(Objects::new(self, entries)))
    }

    /// The files of `HEAD`'s tree, read mostly from the index: every directory whose cache-tree
    /// entry is valid and names the same tree as `HEAD` holds exactly the index's entries, so
    /// only the trees of directories changed since are read from the object store. `None` for
    /// an unborn `HEAD`.
    pub(crate) fn head_files<'i>(
        &'i self,
        index: &'i Index<'i>,
    ) -> Result<Option<HeadFiles<'i>>, Error> {
        let head = match self.lib()?.head() {
            Ok(head) => head
                .peel_to_tree()
                .map_err(|e| Error::Git("cannot read HEAD's tree", e))?
                .id(),
            Err(e) if matches!(e.code(), ErrorCode::UnbornBranch | ErrorCode::NotFound) => {
                return Ok(None)
            }
            Err(e) => return Err(Error::Git("cannot read HEAD", e)),
        };
        let mut files = HeadFiles {
            index: &index.file,
            items: Vec::with_capacity(index.file.len()),
            extra: Vec::new(),
        };
        let mut prefix = Vec::new();
        self.collect_head(
            &index.file,
            &mut prefix,
            0..index.file.len(),
            index.file.cache_tree(),
            head,
            &mut files,
        )?;
        Ok(Some(files))
    }

    pub(super) fn collect_head(
        &self,
        file: &IndexFile,
        prefix: &mut Vec<u8>,
        range: std::ops::Range<usize>,
        node: Option<&CacheTree>,
        tree: Oid,
        out: &mut HeadFiles<'_>,
    ) -> Result<(), Error> {
        if super::too_deep(prefix) {
            return Err(Error::TreeDepth(prefix.clone()));
        }
        let same = node.is_some_and(|n| {
            n.oid.as_deref() == Some(tree.as_bytes())
                && usize::try_from(n.entries) == Ok(range.len())
        });
        if same {
            out.items.extend(range.map(|i| HeadItem::Index(i as u32)));
            return Ok(());
        }
        let tree = self
            .lib()?
            .find_tree(tree)
            .map_err(|e| Error::Git("cannot read a tree", e))?;
        for entry in tree.iter() {
            let len = prefix.len();
            prefix.extend_from_slice(entry.name_bytes());
            let mode = entry.filemode() as u32;
            if mode & 0o170000 == 0o040000 {
                prefix.push(b'/');
                let start = file.lower_bound(prefix).max(range.start).min(range.end);
                if let Some(last) = prefix.last_mut() {
                    *last = b'/' + 1;
                }
                let end = file.lower_bound(prefix).clamp(start, range.end);
                if let Some(last) = prefix.last_mut() {
                    *last = b'/';
                }
                let name = &prefix[len..prefix.len() - 1];
                let sub_node = node.and_then(|n| n.child(name)).cloned();
                self.collect_head(file, prefix, start..end, sub_node.as_ref(), entry.id(), out)?;
            } else if let Some(mode) = mode_of(mode) {
                out.items.push(HeadItem::Extra(out.extra.len() as u32));
                out.extra.push(Listed {
                    path: prefix.clone(),
                    meta: Meta { mode, size: None },
                    data: entry.id().into(),
                });
            }
            prefix.truncate(len);
        }
        Ok(())
    }

    /// Lists a tree's blobs and links recursively, with raw-byte paths (names need not be
    /// UTF-8); submodules are listed, not entered.
    pub(super) fn list_tree(
        &self,
        tree: &git2::Tree<'_>,
        prefix: &mut Vec<u8>,
        out: &mut Vec<Listed<ObjectId>>,
    ) -> Result<(), Error> {
        if super::too_deep(prefix) {
            return Err(Error::TreeDepth(prefix.clone()));
        }
        for entry in tree.iter() {
            let len = prefix.len();
            if !prefix.is_empty() {
                prefix.push(b'/');
            }
            prefix.extend_from_slice(entry.name_bytes());
            let mode = entry.filemode() as u32;
            if mode & 0o170000 == 0o040000 {
                let sub = self
                    .lib()?
                    .find_tree(entry.id())
                    .map_err(|e| Error::Git("cannot read a tree", e))?;
                self.list_tree(&sub, prefix, out)?;
            } else if let Some(mode) = mode_of(mode) {
                out.push(Listed {
                    path: prefix.clone(),
                    meta: Meta { mode, size: None },
                    data: entry.id().into(),
                });
            }
            prefix.truncate(len);
        }
        Ok(())
    }
}

/// A sorted listing of blobs (from the index or a tree) that can read their content: answers
/// detection's sibling questions from git's object store.
pub struct Objects<'r> {
    repo: &'r Repo,
    pub(super) listing: Listing<ObjectId>,
}

impl<'r> Objects<'r> {
    pub(super) fn new(repo: &'r Repo, entries: Vec<Listed<ObjectId>>) -> Objects<'r> {
        Objects {
            repo,
            listing: Listing::new(entries),
        }
    }

    /// Every entry, as detection input.
    pub fn paths(&self) -> Vec<PathEntry> {
        self.listing
            .entries()
            .iter()
            .map(|e| PathEntry {
                path: e.path.clone(),
                meta: Some(e.meta),
            })
            .collect()
    }

    /// How many entries there are.
    pub fn len(&self) -> usize {
        self.listing.entries().len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many entries are at or below `path`.
    pub fn count_under(&self, path: &[u8]) -> u64 {
        self.listing.count_under(path)
    }

    /// How many entries are at or below `path`, and their total size (sizes the listing does
    /// not know are read from the object headers).
    pub fn sum_under(&self, path: &[u8]) -> (u64, u64) {
        let run = self.listing.under(path);
        let bytes = run
            .iter()
            .map(|e| {
                e.meta
                    .size
                    .unwrap_or_else(|| self.repo.blob_size(e.data).unwrap_or(0))
            })
            .sum();
        (run.len() as u64, bytes)
    }

    /// The path of the last entry that sorts before `path`.
    pub fn path_before(&self, path: &[u8]) -> Option<&[u8]> {
        self.listing
            .before(path)
            .map(|i| self.listing.entries()[i].path.as_slice())
    }
}

impl Probe for Objects<'_> {
    fn meta(&self, path: &[u8]) -> Option<Meta> {
        self.listing.meta(path)
    }

    /// Reads the stored blob, not the working file: what is (or would be) committed.
    fn read_head(&self, path: &[u8], limit: usize) -> Option<Vec<u8>> {
        self.repo.read_blob(self.listing.get(path)?.data, limit)
    }

    fn children(&self, dir: &[u8]) -> Vec<Vec<u8>> {
        self.listing.children(dir)
    }
}

/// At most `limit` bytes of a blob; `None` for blobs too large to be a marker file.
pub(super) fn read_blob_head(repo: &Repository, id: ObjectId, limit: usize) -> Option<Vec<u8>> {
    let id = id.to_git2()?;
    let odb = repo.odb().ok()?;
    let (size, _) = odb.read_header(id).ok()?;
    if size > MAX_BLOB_READ {
        return None;
    }
    let blob = repo.find_blob(id).ok()?;
    let content = blob.content();
    Some(content[..content.len().min(limit)].to_vec())
}

/// The files of `HEAD`, in git's order: index entries where the index still matches `HEAD`,
/// entries read from trees elsewhere.
pub struct HeadFiles<'i> {
    index: &'i IndexFile,
    items: Vec<HeadItem>,
    extra: Vec<Listed<ObjectId>>,
}

#[derive(Clone, Copy, Debug)]
enum HeadItem {
    Index(u32),
    Extra(u32),
}

impl HeadFiles<'_> {
    /// Answers detection's questions about these files, reading blobs from `repo`.
    pub fn probe<'a>(&'a self, repo: &'a Repo) -> Result<HeadProbe<'a>, Error> {
        Ok(HeadProbe {
            repo: repo.lib()?,
            files: self,
        })
    }

    pub(super) fn oid_at(&self, i: usize) -> Option<ObjectId> {
        match self.items[i] {
            HeadItem::Index(j) => ObjectId::from_bytes(self.index.oid(j as usize)),
            HeadItem::Extra(j) => Some(self.extra[j as usize].data),
        }
    }
}

/// [`HeadFiles`] with the object store behind them.
pub struct HeadProbe<'a> {
    repo: &'a Repository,
    files: &'a HeadFiles<'a>,
}

impl HeadProbe<'_> {
    /// How many files are at or below `path`, and their total size (read from the object
    /// headers where the index does not know it).
    pub fn sum_under(&self, path: &[u8]) -> (u64, u64) {
        let files = self.files;
        let range = files.range_under(path);
        let odb = self.repo.odb().ok();
        let bytes = range
            .clone()
            .map(|i| match files.items[i] {
                HeadItem::Index(j) => u64::from(files.index.record(j as usize).size),
                HeadItem::Extra(j) => odb
                    .as_ref()
                    .zip(files.extra[j as usize].data.to_git2())
                    .and_then(|(o, id)| o.read_header(id).ok())
                    .map_or(0, |(size, _)| size as u64),
            })
            .sum();
        (range.len() as u64, bytes)
    }
}

impl PathList for HeadFiles<'_> {
    fn len(&self) -> usize {
        self.items.len()
    }

    fn path_at(&self, i: usize) -> &[u8] {
        match self.items[i] {
            HeadItem::Index(j) => self.index.path_at(j as usize),
            HeadItem::Extra(j) => &self.extra[j as usize].path,
        }
    }

    fn meta_at(&self, i: usize) -> Option<Meta> {
        match self.items[i] {
            HeadItem::Index(j) => self.index.meta_at(j as usize),
            HeadItem::Extra(j) => Some(self.extra[j as usize].meta),
        }
    }
}

impl SortedPaths for HeadFiles<'_> {}

impl Probe for HeadProbe<'_> {
    fn meta(&self, path: &[u8]) -> Option<Meta> {
        self.files.meta_of(path)
    }

    fn read_head(&self, path: &[u8], limit: usize) -> Option<Vec<u8>> {
        let i = self.files.find(path)?;
        read_blob_head(self.repo, self.files.oid_at(i)?, limit)
    }

    fn children(&self, dir: &[u8]) -> Vec<Vec<u8>> {
        self.files.child_names(dir)
    }
}

/// A blob larger than this is not read to answer a sibling question: no marker file is
/// anywhere near it, and a 1 GB `pyvenv.cfg` must not cost 1 GB of memory.
const MAX_BLOB_READ: usize = 1 << 20;
