//! Trees as sources: a revision's files, `HEAD`'s files read mostly from the index, and the
//! probes over them.

use super::index::Index;
use super::index_file::{CacheTree, IndexFile};
use super::odb::Id;
use super::store::Store;
use super::tree_object::{Entries, Entry};
use super::{mode_of, Error, ObjectId, Repo};
use crate::detect::{Listed, Listing, Meta, PathEntry, PathList, Probe, SortedPaths};

impl Repo {
    /// The tree of `rev` (a commit-ish or tree-ish), or `None` for an unborn `HEAD`.
    pub(crate) fn tree(&self, rev: &str) -> Result<Option<Objects<'_>>, Error> {
        if let Some(cli) = self.cli() {
            return Ok(cli.ls_tree(rev)?.map(|entries| Objects::new(self, entries)));
        }
        let Some(id) = self.resolve_id(rev)? else {
            return Ok(None);
        };
        let entries = self.with_store(|store| files_of(store, &id, rev))?;
        Ok(Some(Objects::new(self, entries)))
    }

    /// `HEAD`'s files as [`Repo::head_files_judged`] lists them if every cache-tree claim met
    /// on the way holds, and those claims, unchecked: work on the files can start while
    /// [`check_claims`] checks them. `None` for an unborn `HEAD`.
    pub(crate) fn head_files_if_claims_hold<'i>(
        &'i self,
        index: &'i Index<'i>,
    ) -> Result<Option<(HeadFiles<'i>, Vec<Claim>)>, Error> {
        let mut claims = Vec::new();
        let files = self.walk_head_files(index, &mut |claim| {
            claims.push(claim.clone());
            true
        })?;
        Ok(files.map(|files| (files, claims)))
    }

    /// The files of `HEAD`'s tree, read mostly from the index: a directory whose cache-tree
    /// entry names the same tree as `HEAD` holds exactly the index's entries when those
    /// entries hash to that tree, and only then; every other directory is read from the object
    /// store. A cache-tree is a hint a repository can forge, never a source: what is reported
    /// as `HEAD` is `HEAD`. The claims in `verdicts` (from [`check_claims`]) are not checked
    /// again. `None` for an unborn `HEAD`.
    pub(crate) fn head_files_judged<'i>(
        &'i self,
        index: &'i Index<'i>,
        verdicts: &[Verdict],
    ) -> Result<Option<HeadFiles<'i>>, Error> {
        self.walk_head_files(index, &mut |claim| match verdicts
            .binary_search_by_key(&claim.at(), |(at, _)| *at)
        {
            Ok(found) => verdicts[found].1,
            Err(_) => claim.holds(&index.file),
        })
    }

    /// `HEAD`'s files: at each cache-tree claim met on the way, the index's entries where
    /// `take` says so, else the directory's tree.
    fn walk_head_files<'i>(
        &'i self,
        index: &'i Index<'i>,
        take: &mut dyn FnMut(&Claim) -> bool,
    ) -> Result<Option<HeadFiles<'i>>, Error> {
        let Some(head) = self.head_id()? else {
            return Ok(None);
        };
        let mut files = HeadFiles {
            index: &index.file,
            items: Vec::with_capacity(index.file.len()),
            extra: Vec::new(),
        };
        self.with_store(|store| {
            let tree = store
                .peel_to_tree(head)?
                .ok_or_else(|| Error::GitCommand("HEAD names no commit or tree".to_owned()))?;
            let file = &index.file;
            let at = Dir {
                range: 0..file.len(),
                node: file.cache_tree(),
                tree: &tree,
            };
            walk_head(store, file, &mut Vec::new(), at, take, &mut files)
        })?;
        Ok(Some(files))
    }
}

/// A cache-tree claim met on the way to `HEAD`'s files: a directory (its path's length and
/// its index entries) and the tree `HEAD` holds there, which the entries are said to make.
#[derive(Clone)]
pub(crate) struct Claim {
    depth: usize,
    range: std::ops::Range<usize>,
    tree: Id,
}

impl Claim {
    /// Where the claim sits: its depth and the start and end of its entries.
    fn at(&self) -> (usize, usize, usize) {
        (self.depth, self.range.start, self.range.end)
    }

    /// Whether the claimed entries hash to the tree, as `git write-tree` would hash them.
    fn holds(&self, file: &IndexFile) -> bool {
        hash_of_entries(file, self.depth, self.range.clone()).as_ref() == Some(&self.tree)
    }
}

/// A claim checked: where it sits ([`Claim::at`]) and whether it holds.
pub(crate) type Verdict = ((usize, usize, usize), bool);

/// Checks each claim, and says which hold; sorted, for [`Repo::head_files_judged`].
pub(crate) fn check_claims(file: &IndexFile, claims: &[Claim]) -> Vec<Verdict> {
    let mut verdicts: Vec<Verdict> = claims.iter().map(|c| (c.at(), c.holds(file))).collect();
    verdicts.sort_unstable_by_key(|(at, _)| *at);
    verdicts
}

/// How many index entries `claims` cover.
pub(crate) fn claimed_entries(claims: &[Claim]) -> usize {
    claims.iter().map(|c| c.range.len()).sum()
}

/// Whether every claim checked holds.
pub(crate) fn all_hold(verdicts: &[Verdict]) -> bool {
    verdicts.iter().all(|(_, holds)| *holds)
}

/// A directory of `HEAD` on the walk: its index entries, its cache-tree node and its tree.
struct Dir<'a> {
    range: std::ops::Range<usize>,
    node: Option<&'a CacheTree>,
    tree: &'a Id,
}

/// Lists `HEAD`'s files below the directory `prefix` (`dir`) into `out`: a directory whose
/// cache-tree node claims its tree for its entries is taken from the index where `take` says
/// so; every other one is read from its tree.
fn walk_head(
    store: &mut Store,
    file: &IndexFile,
    prefix: &mut Vec<u8>,
    dir: Dir<'_>,
    take: &mut dyn FnMut(&Claim) -> bool,
    out: &mut HeadFiles<'_>,
) -> Result<(), Error> {
    if super::too_deep(prefix) {
        return Err(Error::TreeDepth(prefix.clone()));
    }
    let Dir { range, node, tree } = dir;
    let depth = prefix.len();
    let claimed = node.is_some_and(|n| {
        n.oid.as_deref() == Some(&tree[..]) && usize::try_from(n.entries) == Ok(range.len())
    });
    if claimed {
        let claim = Claim {
            depth,
            range: range.clone(),
            tree: *tree,
        };
        if take(&claim) {
            out.items.extend(range.map(|i| HeadItem::Index(i as u32)));
            return Ok(());
        }
    }
    let data = store.tree(tree)?;
    for entry in Entries(&data) {
        prefix.extend_from_slice(entry.name);
        if entry.is_tree() {
            prefix.push(b'/');
            let start = file.lower_bound(prefix).max(range.start).min(range.end);
            if let Some(last) = prefix.last_mut() {
                *last = b'/' + 1;
            }
            let end = file.lower_bound(prefix).clamp(start, range.end);
            if let Some(last) = prefix.last_mut() {
                *last = b'/';
            }
            let name = &prefix[depth..prefix.len() - 1];
            let sub = Dir {
                range: start..end,
                node: node.and_then(|n| n.child(name)),
                tree: entry.id,
            };
            walk_head(store, file, prefix, sub, take, out)?;
        } else if let Some(item) = listed(prefix, &entry) {
            out.items.push(HeadItem::Extra(out.extra.len() as u32));
            out.extra.push(item);
        }
        prefix.truncate(depth);
    }
    Ok(())
}

/// The id of the tree that the index entries `range` make, all below the directory whose path
/// is the first `depth` bytes of their paths, as `git write-tree` would write it; `None` when
/// they make no tree (a conflict, an entry `git add -N` left).
fn hash_of_entries(file: &IndexFile, depth: usize, range: std::ops::Range<usize>) -> Option<Id> {
    hash_into(file, depth, range, &mut Vec::new())
}

/// [`hash_of_entries`], with the tree's bytes written after what `buf` holds (a parent's
/// entries so far) and taken off again: one buffer for every directory.
fn hash_into(
    file: &IndexFile,
    depth: usize,
    range: std::ops::Range<usize>,
    buf: &mut Vec<u8>,
) -> Option<Id> {
    // Past git's depth limit the claim is not believed: HEAD's trees are read, and end in
    // git's error.
    if !range.is_empty() && super::too_deep(&file.path_at(range.start)[..depth]) {
        return None;
    }
    let base = buf.len();
    let id = entries_into(file, depth, range, buf).map(|()| tree_id(&buf[base..]));
    buf.truncate(base);
    id
}

/// Writes the tree entries that the index entries `range` make into `buf`.
fn entries_into(
    file: &IndexFile,
    depth: usize,
    range: std::ops::Range<usize>,
    buf: &mut Vec<u8>,
) -> Option<()> {
    let mut i = range.start;
    while i < range.end {
        let record = file.record(i);
        if record.stage() != 0 || record.intent_to_add {
            return None;
        }
        let path = file.path_at(i);
        let rest = &path[depth..];
        match rest.iter().position(|&b| b == b'/') {
            // A sparse index's directory entry stands for its whole tree.
            Some(slash) if slash + 1 == rest.len() && record.mode & 0o170000 == 0o040000 => {
                buf.extend_from_slice(b"40000 ");
                buf.extend_from_slice(&rest[..slash]);
                buf.push(0);
                buf.extend_from_slice(file.oid(i));
                i += 1;
            }
            None => {
                buf.extend_from_slice(match super::staged::canonical_mode(record.mode) {
                    0o100755 => b"100755 ",
                    0o120000 => b"120000 ",
                    0o160000 => b"160000 ",
                    0o100644 => b"100644 ",
                    // No other mode is in a tree git writes: the claim is not believed.
                    _ => return None,
                });
                buf.extend_from_slice(rest);
                buf.push(0);
                buf.extend_from_slice(file.oid(i));
                i += 1;
            }
            Some(slash) => {
                let dir = &path[..depth + slash + 1];
                let end = directory_end(file, dir, i, range.end);
                let sub = hash_into(file, depth + slash + 1, i..end, buf)?;
                buf.extend_from_slice(b"40000 ");
                buf.extend_from_slice(&rest[..slash]);
                buf.push(0);
                buf.extend_from_slice(&sub);
                i = end;
            }
        }
    }
    Some(())
}

/// The end of the entries below `dir` (a path ending in `/`) that start at entry `i`, at most
/// `end`: entries are sorted, so those below one directory follow one another. Found by
/// galloping from `i`, a few comparisons of `dir`'s bytes for a small directory, where a search
/// of the whole index would take a score.
fn directory_end(file: &IndexFile, dir: &[u8], i: usize, end: usize) -> usize {
    let inside = |j: usize| file.path_at(j).starts_with(dir);
    let (mut lo, mut step) = (i + 1, 1);
    // Invariant: every entry before `lo` is inside; find the first one that is not.
    let mut hi = loop {
        let probe = lo.saturating_add(step - 1);
        if probe >= end {
            break end;
        }
        if !inside(probe) {
            break probe;
        }
        lo = probe + 1;
        step *= 2;
    };
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if inside(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

/// The id git gives a tree of these bytes. Plain SHA-1 (with the CPU's SHA instructions where
/// it has them), not git's collision-detecting SHA-1DC: this checks a cache-tree's claim that
/// index entries make a tree `HEAD` holds, which git itself believes unchecked; only bytes
/// made to collide with that tree could pass for it, and such bytes git refuses to hash.
fn tree_id(data: &[u8]) -> Id {
    use sha1::Digest;
    let mut hasher = sha1::Sha1::new();
    hasher.update(format!("tree {}\0", data.len()).as_bytes());
    hasher.update(data);
    hasher.finalize().into()
}

/// A tree entry as a listing's item: blobs, links and submodules (listed, not entered).
fn listed(path: &[u8], entry: &Entry<'_>) -> Option<Listed<ObjectId>> {
    Some(Listed {
        path: path.to_vec(),
        meta: Meta {
            mode: mode_of(entry.mode)?,
            size: None,
        },
        data: ObjectId::sha1(entry.id),
    })
}

/// Every file of the tree that `id` (a commit or tree, which `rev` names) peels to.
pub(super) fn files_of(
    store: &mut Store,
    id: &Id,
    rev: &str,
) -> Result<Vec<Listed<ObjectId>>, Error> {
    let tree = store.peel_to_tree(*id)?.ok_or_else(|| {
        Error::GitCommand(format!(
            "{} names no commit or tree",
            crate::support::escape::display(rev.as_bytes())
        ))
    })?;
    let mut entries = Vec::new();
    list_tree(store, &tree, &mut Vec::new(), &mut entries)?;
    Ok(entries)
}

/// Lists tree `tree`'s blobs, links and submodules recursively, with raw-byte paths (names need
/// not be UTF-8).
fn list_tree(
    store: &mut Store,
    tree: &Id,
    prefix: &mut Vec<u8>,
    out: &mut Vec<Listed<ObjectId>>,
) -> Result<(), Error> {
    if super::too_deep(prefix) {
        return Err(Error::TreeDepth(prefix.clone()));
    }
    let data = store.tree(tree)?;
    for entry in Entries(&data) {
        let len = prefix.len();
        if !prefix.is_empty() {
            prefix.push(b'/');
        }
        prefix.extend_from_slice(entry.name);
        if entry.is_tree() {
            list_tree(store, entry.id, prefix, out)?;
        } else if let Some(item) = listed(prefix, &entry) {
            out.push(item);
        }
        prefix.truncate(len);
    }
    Ok(())
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
        let known: u64 = run.iter().filter_map(|e| e.meta.size).sum();
        let unknown: Vec<ObjectId> = run
            .iter()
            .filter(|e| e.meta.size.is_none())
            .map(|e| e.data)
            .collect();
        let read: u64 = self.repo.blob_sizes(&unknown).into_iter().flatten().sum();
        (run.len() as u64, known + read)
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
        Ok(HeadProbe { repo, files: self })
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
    repo: &'a Repo,
    files: &'a HeadFiles<'a>,
}

impl HeadProbe<'_> {
    /// How many files are at or below `path`, and their total size (read from the object
    /// headers where the index does not know it).
    pub fn sum_under(&self, path: &[u8]) -> (u64, u64) {
        let files = self.files;
        let range = files.range_under(path);
        let mut bytes = 0;
        let mut unknown = Vec::new();
        for i in range.clone() {
            match files.items[i] {
                HeadItem::Index(j) => bytes += u64::from(files.index.record(j as usize).size),
                HeadItem::Extra(j) => unknown.push(files.extra[j as usize].data),
            }
        }
        bytes += self
            .repo
            .blob_sizes(&unknown)
            .into_iter()
            .flatten()
            .sum::<u64>();
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
        self.repo.read_blob(self.files.oid_at(i)?, limit)
    }

    fn children(&self, dir: &[u8]) -> Vec<Vec<u8>> {
        self.files.child_names(dir)
    }
}

#[cfg(test)]
mod tests {
    use crate::detect::PathList;
    use crate::support::test_git::{git_ok, git_ok_with_input};

    /// Index entries hash to the tree `git write-tree` writes, and each directory's to its
    /// subtree: directories of one entry and of hundreds, a chain of directories that each
    /// hold only the next, files before and after directories, executables and links; and
    /// each directory's entries end where a scan of the index says they do.
    #[test]
    fn index_entries_hash_to_the_trees_git_writes() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        git_ok(dir, &["init", "-q", "--object-format=sha1"]);
        let blob = git_ok_with_input(dir, &["hash-object", "-w", "--stdin"], b"x\n");
        let mut paths = Vec::new();
        for x in 0..12 {
            for y in 0..(x * 7 % 5 + 1) {
                for f in 0..(x * x + 1) {
                    paths.push(("100644", format!("big/x{x}/y{y}/f{f}.py")));
                }
            }
        }
        paths.push(("100755", "big/run".to_owned()));
        paths.push(("100644", "big.txt".to_owned()));
        paths.push(("100644", "a".to_owned()));
        paths.extend((0..300).map(|i| ("100644", format!("only/inner/deep/f{i}"))));
        paths.extend((0..5).map(|i| ("120000", format!("r{i}"))));
        let info: String = paths
            .iter()
            .map(|(mode, path)| format!("{mode} {blob}\t{path}\n"))
            .collect();
        git_ok_with_input(
            dir,
            &["update-index", "--add", "--index-info"],
            info.as_bytes(),
        );
        let root = git_ok(dir, &["write-tree"]);
        let file = super::IndexFile::read(&dir.join(".git/index")).unwrap();
        let hex = |id: Option<super::Id>| crate::source::git::odb::to_hex(&id.unwrap());
        assert_eq!(hex(super::hash_of_entries(&file, 0, 0..file.len())), root);
        let mut dirs: Vec<Vec<u8>> = (0..file.len())
            .flat_map(|i| {
                let path = file.path_at(i).to_vec();
                let slashes: Vec<usize> = (0..path.len()).filter(|&j| path[j] == b'/').collect();
                slashes.into_iter().map(move |j| path[..=j].to_vec())
            })
            .collect();
        dirs.sort();
        dirs.dedup();
        assert!(dirs.len() > 40, "{}", dirs.len());
        // Every subtree as git wrote it: `git ls-tree -r -d` gives "MODE tree ID\tPATH".
        let listing = git_ok(dir, &["ls-tree", "-r", "-d", &root]);
        let subtrees: std::collections::HashMap<String, String> = listing
            .lines()
            .map(|l| {
                let (meta, path) = l.split_once('\t').unwrap();
                (
                    path.to_owned() + "/",
                    meta.rsplit(' ').next().unwrap().to_owned(),
                )
            })
            .collect();
        assert_eq!(subtrees.len(), dirs.len());
        for d in &dirs {
            let mut below = (0..file.len()).filter(|&i| file.path_at(i).starts_with(d));
            let start = below.next().unwrap();
            let end = below.next_back().unwrap_or(start) + 1;
            assert_eq!(super::directory_end(&file, d, start, file.len()), end);
            let name = String::from_utf8(d.clone()).unwrap();
            let id = super::hash_of_entries(&file, d.len(), start..end);
            assert_eq!(hex(id), subtrees[&name], "{name}");
        }
    }

    #[test]
    fn tree_ids_are_git_s() {
        let entry = |name: &str| {
            let mut e = format!("100644 {name}\0").into_bytes();
            e.extend_from_slice(&[7; 20]);
            e
        };
        for data in [Vec::new(), entry("a"), entry("b").repeat(5000)] {
            let git = git2::Oid::hash_object(git2::ObjectType::Tree, &data).unwrap();
            assert_eq!(&super::tree_id(&data)[..], git.as_bytes());
        }
    }
}
