//! Every git access: opening the repository the way git's hooks expect, reading the index and
//! the staged changes, and asking whether a path is ignored.
//!
//! The rest of the crate sees only [`Repo`], [`Index`] and plain [`PathEntry`] values, so the
//! library used to read git can change behind this module.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use git2::{ErrorCode, IndexEntry, IndexTime, Oid, Repository, RepositoryOpenFlags};

mod commits;
pub mod index_file;
pub mod odb;
mod versions;
pub use versions::Version;

use crate::detect::{Listed, Listing, PathList, SortedPaths};
use crate::detect::{Meta, Mode, PathEntry, Probe};
use crate::report::CommitInfo;
use crate::support::fxhash::{FxHashMap, FxHashSet};
use crate::support::paths::at_or_below;
use crate::support::paths::bytes_to_path;
use commits::{RecentTrees, Store, StorePlace};
use index_file::{CacheTree, IndexFile};
use odb::Id;

/// A blob larger than this is not read to answer a sibling question: no marker file is
/// anywhere near it, and a 1 GB `pyvenv.cfg` must not cost 1 GB of memory.
const MAX_BLOB_READ: usize = 1 << 20;

/// What can go wrong while talking to git.
#[derive(Debug)]
pub enum Error {
    /// No repository at or above the directory.
    NotARepository(PathBuf),
    /// A bare repository has no working tree and no staged changes.
    Bare(PathBuf),
    /// A git operation failed; the string says which.
    Git(&'static str, git2::Error),
    /// Another process holds the index lock.
    Locked(PathBuf),
    /// A file operation on the index or its lock failed.
    Io(&'static str, PathBuf, std::io::Error),
    /// The index file could not be read.
    Index(crate::source::git::index_file::Error),
    /// A `.git` file or directory that is not a repository.
    BrokenGitDir(PathBuf),
    /// An object could not be read from the object store.
    Odb(crate::source::git::odb::Error),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NotARepository(p) => {
                write!(
                    f,
                    "not a git repository (or any parent up to the root): {}",
                    p.display()
                )
            }
            Error::Bare(p) => write!(f, "bare repository, nothing is staged: {}", p.display()),
            Error::Git(what, e) => write!(f, "{what}: {}", e.message()),
            Error::Locked(p) => write!(
                f,
                "{} exists: another git process is using the index (if none is running, \
                 remove the stale lock); nothing was changed",
                p.display()
            ),
            Error::Io(what, p, e) => write!(f, "{what} {}: {e}", p.display()),
            Error::Index(e) => e.fmt(f),
            Error::Odb(e) => e.fmt(f),
            Error::BrokenGitDir(p) => write!(
                f,
                "{} is not a git repository (a gitdir file pointing nowhere, or a damaged .git)",
                p.display()
            ),
        }
    }
}

impl std::error::Error for Error {}

/// An open repository.
pub struct Repo {
    repo: Repository,
    /// Opened from a hook's environment: `GIT_INDEX_FILE` applies.
    from_env: bool,
}

/// The first `.git` at or above `path`, if there is one.
fn broken_git_entry(path: &Path) -> Option<PathBuf> {
    path.ancestors()
        .map(|dir| dir.join(".git"))
        .find(|dot_git| fs::symlink_metadata(dot_git).is_ok())
}

/// libgit2 re-hashes every object it reads by default; git does not, and the objects come
/// from the user's own repository. Reading trees for a history scan costs a third less without.
fn fast_object_reads() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        git2::opts::strict_hash_verification(false);
        // Trees are read once or twice per walk and compared by id: libgit2's object cache
        // only adds memory (it tripled the peak of a history scan).
        git2::opts::enable_caching(false);
    });
}

/// The object directories git's environment names, which git reads in every command:
/// `GIT_OBJECT_DIRECTORY` and `GIT_ALTERNATE_OBJECT_DIRECTORIES`. A server's `pre-receive`
/// hook finds the pushed objects only there (git's quarantine).
fn object_dirs_from_env() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("GIT_OBJECT_DIRECTORY")
        .filter(|dir| !dir.is_empty())
        .map(PathBuf::from)
        .into_iter()
        .collect();
    if let Some(extra) = std::env::var_os("GIT_ALTERNATE_OBJECT_DIRECTORIES") {
        dirs.extend(std::env::split_paths(&extra).filter(|p| !p.as_os_str().is_empty()));
    }
    dirs
}

/// Lets libgit2 read the object directories of [`object_dirs_from_env`] too (it honours them
/// only when a repository is opened from the environment).
fn add_object_dirs_from_env(repo: &Repository) -> Result<(), Error> {
    let dirs = object_dirs_from_env();
    if dirs.is_empty() {
        return Ok(());
    }
    let odb = repo
        .odb()
        .map_err(|e| Error::Git("cannot open the object store", e))?;
    for dir in dirs {
        if let Some(dir) = dir.to_str() {
            odb.add_disk_alternate(dir)
                .map_err(|e| Error::Git("cannot read GIT_OBJECT_DIRECTORY", e))?;
        }
    }
    Ok(())
}

impl Repo {
    /// Opens the repository a git hook runs in, honouring `GIT_DIR`, `GIT_WORK_TREE`,
    /// `GIT_INDEX_FILE` (`git commit -a` and `git commit <paths>` point it at a lock file),
    /// `GIT_OBJECT_DIRECTORY` and `GIT_CEILING_DIRECTORIES`, from the current directory.
    pub fn open_from_env() -> Result<Repo, Error> {
        fast_object_reads();
        match Repository::open_from_env() {
            Ok(repo) => Ok(Repo {
                repo,
                from_env: true,
            }),
            Err(e) if e.code() == ErrorCode::NotFound => Err(Error::NotARepository(
                std::env::current_dir().unwrap_or_default(),
            )),
            Err(e) => Err(Error::Git("cannot open the repository", e)),
        }
    }

    /// Finds the repository that contains `path`, or `None` when there is none.
    pub fn discover(path: &Path) -> Result<Option<Repo>, Error> {
        fast_object_reads();
        let ceilings: [&Path; 0] = [];
        match Repository::open_ext(path, RepositoryOpenFlags::empty(), ceilings) {
            Ok(repo) => {
                add_object_dirs_from_env(&repo)?;
                Ok(Some(Repo {
                    repo,
                    from_env: false,
                }))
            }
            // A `.git` that libgit2 cannot open (a gitdir file pointing nowhere) is an error, as
            // for git, not a directory outside any repository.
            Err(e) if e.code() == ErrorCode::NotFound => match broken_git_entry(path) {
                Some(dot_git) => Err(Error::BrokenGitDir(dot_git)),
                None => Ok(None),
            },
            Err(e) => Err(Error::Git("cannot open the repository", e)),
        }
    }

    /// The working tree, or an error for a bare repository.
    pub fn workdir(&self) -> Result<&Path, Error> {
        self.repo
            .workdir()
            .ok_or_else(|| Error::Bare(self.repo.path().to_path_buf()))
    }

    /// Reads the index (the one `GIT_INDEX_FILE` names, when set).
    pub fn index(&self) -> Result<Index<'_>, Error> {
        let (path, _) = self.index_path();
        let file = IndexFile::read(&path).map_err(Error::Index)?;
        Ok(Index {
            repo: &self.repo,
            file,
        })
    }

    /// The entries that the next commit adds or changes: the index compared with `HEAD`
    /// (every entry when `HEAD` is unborn). Deletions do not count: a commit that removes a
    /// tracked environment is welcome.
    ///
    /// Like `git diff --cached`, the comparison skips every directory whose cache-tree entry
    /// is valid and names the same tree as `HEAD`, so an everyday commit reads a handful of
    /// tree objects however large the index is.
    pub fn staged(&self, index: &Index<'_>) -> Result<Vec<PathEntry>, Error> {
        let head = match self.repo.head() {
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
    fn compare_dir(
        &self,
        file: &IndexFile,
        depth: usize,
        range: std::ops::Range<usize>,
        node: Option<&CacheTree>,
        tree: Option<Oid>,
        out: &mut Vec<PathEntry>,
    ) -> Result<(), Error> {
        if let (Some(node), Some(tree)) = (node, tree) {
            let same = node.oid.is_some_and(|oid| oid == tree.as_bytes())
                && usize::try_from(node.entries) == Ok(range.len());
            if same {
                return Ok(());
            }
        }
        let head: std::collections::HashMap<Vec<u8>, (u32, Oid)> = match tree {
            Some(id) => self
                .repo
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

    /// The index file this repository uses (`GIT_INDEX_FILE` when opened from a hook's
    /// environment), and whether it is the repository's own index rather than a temporary one
    /// (`git commit -a` and `git commit <paths>` hand hooks a lock file or `next-index-*`
    /// while git holds the real index's lock).
    pub fn index_path(&self) -> (PathBuf, bool) {
        let own = self.repo.path().join("index");
        let path = match std::env::var_os("GIT_INDEX_FILE") {
            Some(p) if self.from_env && !p.is_empty() => {
                let p = PathBuf::from(p);
                if p.is_absolute() {
                    p
                } else {
                    std::env::current_dir().unwrap_or_default().join(p)
                }
            }
            _ => own.clone(),
        };
        let same = match (path.canonicalize(), own.canonicalize()) {
            (Ok(a), Ok(b)) => a == b,
            _ => path == own,
        };
        (path, same)
    }

    /// Takes git's lock on the index (`index.lock`, created exclusively, as git does) before
    /// reading it, so that no other git process can change the index until the lock is
    /// committed or dropped.
    pub fn lock_index(&self) -> Result<IndexLock<'_>, Error> {
        let (index, _) = self.index_path();
        let mut lock_name = index.clone().into_os_string();
        lock_name.push(".lock");
        let lock = PathBuf::from(lock_name);
        match fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&lock)
        {
            Ok(_) => Ok(IndexLock {
                repo: &self.repo,
                index,
                lock,
                done: false,
            }),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(Error::Locked(lock)),
            Err(e) => Err(Error::Io("cannot create", lock, e)),
        }
    }

    /// The tree of `rev` (a commit-ish), or `None` for an unborn `HEAD`.
    pub fn tree(&self, rev: &str) -> Result<Option<Objects<'_>>, Error> {
        let object = match self.repo.revparse_single(rev) {
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
        Ok(Some(Objects::new(&self.repo, entries)))
    }

    /// The files of `HEAD`'s tree, read mostly from the index: every directory whose cache-tree
    /// entry is valid and names the same tree as `HEAD` holds exactly the index's entries, so
    /// only the trees of directories changed since are read from the object store. `None` for
    /// an unborn `HEAD`.
    pub fn head_files<'i>(&'i self, index: &'i Index<'i>) -> Result<Option<HeadFiles<'i>>, Error> {
        let head = match self.repo.head() {
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

    fn collect_head(
        &self,
        file: &IndexFile,
        prefix: &mut Vec<u8>,
        range: std::ops::Range<usize>,
        node: Option<&CacheTree>,
        tree: Oid,
        out: &mut HeadFiles<'_>,
    ) -> Result<(), Error> {
        let same = node.is_some_and(|n| {
            n.oid.is_some_and(|oid| oid == tree.as_bytes())
                && usize::try_from(n.entries) == Ok(range.len())
        });
        if same {
            out.items.extend(range.map(|i| HeadItem::Index(i as u32)));
            return Ok(());
        }
        let tree = self
            .repo
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
                    data: entry.id(),
                });
            }
            prefix.truncate(len);
        }
        Ok(())
    }

    /// Lists a tree's blobs and links recursively, with raw-byte paths (names need not be
    /// UTF-8); submodules are listed, not entered.
    fn list_tree(
        &self,
        tree: &git2::Tree<'_>,
        prefix: &mut Vec<u8>,
        out: &mut Vec<Listed<Oid>>,
    ) -> Result<(), Error> {
        for entry in tree.iter() {
            let len = prefix.len();
            if !prefix.is_empty() {
                prefix.push(b'/');
            }
            prefix.extend_from_slice(entry.name_bytes());
            let mode = entry.filemode() as u32;
            if mode & 0o170000 == 0o040000 {
                let sub = self
                    .repo
                    .find_tree(entry.id())
                    .map_err(|e| Error::Git("cannot read a tree", e))?;
                self.list_tree(&sub, prefix, out)?;
            } else if let Some(mode) = mode_of(mode) {
                out.push(Listed {
                    path: prefix.clone(),
                    meta: Meta { mode, size: None },
                    data: entry.id(),
                });
            }
            prefix.truncate(len);
        }
        Ok(())
    }

    /// The entries added or changed by the commits in `from..to` (reachable from `to`, not from
    /// `from`), each in its newest version; with the tree of `to` behind them for sibling
    /// questions.
    pub fn changed_between(
        &self,
        from: &str,
        to: &str,
    ) -> Result<(Objects<'_>, Option<Objects<'_>>), Error> {
        let resolve = |rev: &str| {
            self.repo
                .revparse_single(rev)
                .and_then(|o| o.peel_to_commit())
                .map(|c| c.id())
                .map_err(|e| Error::Git("cannot resolve the revision", e))
        };
        let (from_id, to_id) = (resolve(from)?, resolve(to)?);
        let mut walk = self
            .repo
            .revwalk()
            .map_err(|e| Error::Git("cannot walk the history", e))?;
        walk.push(to_id)
            .map_err(|e| Error::Git("cannot walk the history", e))?;
        walk.hide(from_id)
            .map_err(|e| Error::Git("cannot walk the history", e))?;
        let mut store = Store::open(&self.store_place());
        let mut trees = RecentTrees::default();
        let mut tree_of: FxHashMap<Id, Option<Id>> = FxHashMap::default();
        let mut newest: FxHashMap<Vec<u8>, Listed<Oid>> = FxHashMap::default();
        let mut prefix = Vec::new();
        for id in walk {
            let id = id.map_err(|e| Error::Git("cannot walk the history", e))?;
            let commit = store.commit(&oid_bytes(id))?;
            tree_of.insert(oid_bytes(id), Some(commit.tree));
            let parent_tree = match commit.parents.first() {
                Some(parent) => match tree_of.get(parent) {
                    Some(tree) => *tree,
                    // A parent beyond a shallow clone's edge reads as no parent; a damaged
                    // one is an error.
                    None => {
                        let tree = match store.commit(parent) {
                            Ok(commit) => Some(commit.tree),
                            Err(Error::Odb(crate::source::git::odb::Error::Missing(_))) => None,
                            Err(e) => return Err(e),
                        };
                        tree_of.insert(*parent, tree);
                        tree
                    }
                },
                None => None,
            };
            trees.next_commit();
            commits::diff_trees(
                &mut store,
                parent_tree.as_ref(),
                &commit.tree,
                &mut prefix,
                &mut trees,
                &mut |entry| {
                    if !newest.contains_key(&entry.path) {
                        newest.insert(entry.path.clone(), entry);
                    }
                },
            )?;
        }
        let changed = Objects::new(&self.repo, newest.into_values().collect());
        let tree = self.tree(&to_id.to_string())?;
        Ok((changed, tree))
    }

    /// Every path that any commit reachable from any ref (and `HEAD`) added or changed.
    pub fn history(&self) -> Result<History<'_>, Error> {
        let place = self.store_place();
        let mut store = Store::open(&place);
        let tips = self.tips(&mut store)?;
        let (walked, mut changes) =
            commits::walk_and_diff(&place, &mut store, &tips, &self.shallow_commits())?;
        let mut commits = Vec::with_capacity(walked.len());
        let mut seen: FxHashMap<Vec<u8>, (Listed<Oid>, PathHistory)> = FxHashMap::default();
        for commit in walked {
            let index = commits.len();
            for entry in changes.remove(&commit.id).unwrap_or_default() {
                let slot = match seen.get_mut(&entry.path) {
                    Some(slot) => slot,
                    None => seen
                        .entry(entry.path.clone())
                        .or_insert_with(|| (entry.clone(), PathHistory::default())),
                };
                slot.1.commits.push(index);
                slot.1.versions.push((index, entry.data));
                if !slot.1.blobs.contains(&entry.data) {
                    slot.1.blobs.push(entry.data);
                }
                slot.0 = entry;
            }
            commits.push(commit.info);
        }
        let mut rows: Vec<(Listed<Oid>, PathHistory)> = seen.into_values().collect();
        rows.sort_by(|a, b| a.0.path.cmp(&b.0.path));
        let (entries, versions): (Vec<_>, Vec<_>) = rows.into_iter().unzip();
        let paths = Objects::new(&self.repo, entries);
        Ok(History {
            commits,
            paths,
            versions,
            shallow: self.repo.is_shallow(),
        })
    }

    /// Where the repository's objects are: those git's environment names, then its own.
    fn store_place(&self) -> StorePlace {
        let common = self.repo.commondir().to_path_buf();
        let mut objects = object_dirs_from_env();
        objects.push(common.join("objects"));
        StorePlace { objects, common }
    }

    /// The commits that every ref (and `HEAD`) points at, tags peeled; refs that name no
    /// commit are passed over, as `git log --all` does.
    fn tips(&self, store: &mut Store) -> Result<Vec<Id>, Error> {
        let refs_err = |e| Error::Git("cannot list the refs", e);
        let mut targets: Vec<Oid> = Vec::new();
        if let Ok(head) = self.repo.head() {
            targets.extend(head.target());
        }
        for reference in self.repo.references().map_err(refs_err)? {
            let reference = reference.map_err(refs_err)?;
            if let Ok(resolved) = reference.resolve() {
                targets.extend(resolved.target());
            }
        }
        // A repository may have tens of thousands of tags: duplicates are found by hashing.
        let mut seen: FxHashSet<Id> = FxHashSet::default();
        let mut tips = Vec::with_capacity(targets.len());
        for target in targets {
            if let Some(commit) = store.peel_to_commit(oid_bytes(target))? {
                if seen.insert(commit) {
                    tips.push(commit);
                }
            }
        }
        Ok(tips)
    }

    /// The commits a shallow clone has without their parents.
    fn shallow_commits(&self) -> FxHashSet<Id> {
        fs::read(self.repo.commondir().join("shallow"))
            .unwrap_or_default()
            .split(|&b| b == b'\n')
            .filter_map(|line| crate::source::git::odb::from_hex(line.trim_ascii()))
            .collect()
    }

    /// At most `limit` bytes of a blob (`None` for one too large to be a marker or a script).
    pub fn read_blob(&self, id: Oid, limit: usize) -> Option<Vec<u8>> {
        read_blob_head(&self.repo, id, limit)
    }

    /// The size of a blob, from its header.
    pub fn blob_size(&self, id: Oid) -> Option<u64> {
        let odb = self.repo.odb().ok()?;
        odb.read_header(id).ok().map(|(size, _)| size as u64)
    }

    /// The directory git runs hooks from, as `git rev-parse --git-path hooks` resolves it:
    /// `core.hooksPath` (`~` expanded; a relative path is relative to the working tree, where
    /// hooks run) or the common directory's `hooks/`, which linked worktrees share.
    pub fn hooks_dir(&self) -> Result<PathBuf, Error> {
        let config = self
            .repo
            .config()
            .map_err(|e| Error::Git("cannot read the configuration", e))?;
        match config.get_path("core.hooksPath") {
            Ok(path) if !path.as_os_str().is_empty() => {
                if path.is_absolute() {
                    Ok(path)
                } else {
                    let base = self.repo.workdir().unwrap_or_else(|| self.repo.path());
                    Ok(base.join(path))
                }
            }
            _ => Ok(self.repo.commondir().join("hooks")),
        }
    }

    /// Whether git would ignore `path` (repository-relative), taking every ignore source into
    /// account: `.gitignore` files, `.git/info/exclude`, `core.excludesFile`.
    pub fn is_ignored(&self, path: &[u8]) -> bool {
        self.repo
            .is_path_ignored(bytes_to_path(path))
            .unwrap_or(false)
    }
}

/// A sorted listing of blobs (from the index or a tree) that can read their content: answers
/// detection's sibling questions from git's object store.
pub struct Objects<'r> {
    repo: &'r Repository,
    listing: Listing<Oid>,
}

impl<'r> Objects<'r> {
    fn new(repo: &'r Repository, entries: Vec<Listed<Oid>>) -> Objects<'r> {
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
        let odb = self.repo.odb().ok();
        let bytes = run
            .iter()
            .map(|e| {
                e.meta.size.unwrap_or_else(|| {
                    odb.as_ref()
                        .and_then(|o| o.read_header(e.data).ok())
                        .map_or(0, |(size, _)| size as u64)
                })
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
        read_blob_head(self.repo, self.listing.get(path)?.data, limit)
    }

    fn children(&self, dir: &[u8]) -> Vec<Vec<u8>> {
        self.listing.children(dir)
    }
}

/// The index, read once: its entries, for sibling questions and counts.
pub struct Index<'r> {
    repo: &'r Repository,
    file: IndexFile,
}

impl Index<'_> {
    /// The parsed index file: the paths, as detection input.
    pub fn file(&self) -> &IndexFile {
        &self.file
    }

    /// How many entries the index holds.
    pub fn len(&self) -> usize {
        self.file.len()
    }

    /// Whether the index is empty.
    pub fn is_empty(&self) -> bool {
        self.file.is_empty()
    }

    /// How many entries are at or below `path`.
    pub fn count_under(&self, path: &[u8]) -> u64 {
        self.file.range_under(path).len() as u64
    }

    /// How many entries are at or below `path`, and their total size.
    pub fn sum_under(&self, path: &[u8]) -> (u64, u64) {
        let range = self.file.range_under(path);
        let bytes = range
            .clone()
            .map(|i| u64::from(self.file.record(i).size))
            .sum();
        (range.len() as u64, bytes)
    }

    /// The path of the last entry that sorts before `path`.
    pub fn path_before(&self, path: &[u8]) -> Option<&[u8]> {
        self.file.before(path).map(|i| self.file.path_at(i))
    }
}

impl Probe for Index<'_> {
    fn meta(&self, path: &[u8]) -> Option<Meta> {
        self.file.meta_of(path)
    }

    /// Reads the staged blob, not the working file: what would be committed.
    fn read_head(&self, path: &[u8], limit: usize) -> Option<Vec<u8>> {
        let i = self.file.find(path)?;
        let id = Oid::from_bytes(self.file.oid(i)).ok()?;
        read_blob_head(self.repo, id, limit)
    }

    fn children(&self, dir: &[u8]) -> Vec<Vec<u8>> {
        self.file.child_names(dir)
    }
}

/// At most `limit` bytes of a blob; `None` for blobs too large to be a marker file.
fn read_blob_head(repo: &Repository, id: Oid, limit: usize) -> Option<Vec<u8>> {
    let odb = repo.odb().ok()?;
    let (size, _) = odb.read_header(id).ok()?;
    if size > MAX_BLOB_READ {
        return None;
    }
    let blob = repo.find_blob(id).ok()?;
    let content = blob.content();
    Some(content[..content.len().min(limit)].to_vec())
}

/// `100644`/`100755` for files (git records only the executable bit), the type for the rest.
fn canonical_mode(mode: u32) -> u32 {
    match mode & 0o170000 {
        0o100000 if mode & 0o111 != 0 => 0o100755,
        0o100000 => 0o100644,
        kind => kind,
    }
}

/// The files of `HEAD`, in git's order: index entries where the index still matches `HEAD`,
/// entries read from trees elsewhere.
pub struct HeadFiles<'i> {
    index: &'i IndexFile,
    items: Vec<HeadItem>,
    extra: Vec<Listed<Oid>>,
}

#[derive(Clone, Copy, Debug)]
enum HeadItem {
    Index(u32),
    Extra(u32),
}

impl HeadFiles<'_> {
    /// Answers detection's questions about these files, reading blobs from `repo`.
    pub fn probe<'a>(&'a self, repo: &'a Repo) -> HeadProbe<'a> {
        HeadProbe {
            repo: &repo.repo,
            files: self,
        }
    }

    fn oid_at(&self, i: usize) -> Option<Oid> {
        match self.items[i] {
            HeadItem::Index(j) => Oid::from_bytes(self.index.oid(j as usize)).ok(),
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
                    .and_then(|o| o.read_header(files.extra[j as usize].data).ok())
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

/// An id as the object reader spells it.
fn oid_bytes(id: Oid) -> Id {
    id.as_bytes().try_into().unwrap_or_default()
}

/// What the history did to one path.
#[derive(Clone, Debug, Default)]
pub struct PathHistory {
    /// Indexes in [`History::commits`] of the commits that added or changed it, oldest first.
    pub commits: Vec<usize>,
    /// Every distinct blob it had.
    pub blobs: Vec<Oid>,
    /// Each change: the commit (index in [`History::commits`]) and the blob it wrote.
    pub versions: Vec<(usize, Oid)>,
}

/// Every path that any commit added or changed, from the oldest commit on.
pub struct History<'r> {
    /// The commits seen, oldest first.
    pub commits: Vec<CommitInfo>,
    /// The latest version of every path ever added or changed.
    pub paths: Objects<'r>,
    /// For each entry of `paths` (same order): the commits that added or changed it and every
    /// blob it ever had.
    pub versions: Vec<PathHistory>,
    /// The repository is a shallow clone: older commits are missing.
    pub shallow: bool,
}

impl History<'_> {
    /// The histories of the entries at or below `path`.
    pub fn versions_under(&self, path: &[u8]) -> &[PathHistory] {
        // `paths` was built from rows already sorted and unique, so its listing kept their
        // order and `versions` lines up with it.
        &self.versions[self.paths.listing.range_under(path)]
    }
}

/// git's `index.lock`, held. Dropping it without [`IndexLock::commit`] releases it and leaves
/// the index as it was.
pub struct IndexLock<'r> {
    repo: &'r Repository,
    index: PathBuf,
    lock: PathBuf,
    done: bool,
}

/// What [`IndexLock::commit`] changed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IndexChange {
    /// How many entries were removed from the index.
    pub removed: usize,
    /// The paths whose working-tree content was staged.
    pub staged: Vec<Vec<u8>>,
}

impl IndexLock<'_> {
    /// Removes every entry at or below each of `untrack` (`git rm -r --cached` semantics: the
    /// working files stay), stages the working-tree content of each of `stage`, and writes the
    /// index through the lock.
    pub fn commit(
        mut self,
        untrack: &[Vec<u8>],
        to_stage: &[Vec<u8>],
    ) -> Result<IndexChange, Error> {
        let gitdir = self.repo.path();
        let work = tempfile::Builder::new()
            .prefix("venv-guard-index")
            .tempdir_in(gitdir)
            .map_err(|e| {
                Error::Io(
                    "cannot create a temporary directory in",
                    gitdir.to_path_buf(),
                    e,
                )
            })?;
        let scratch = work.path().join("index");
        if self.index.exists() {
            fs::copy(&self.index, &scratch)
                .map_err(|e| Error::Io("cannot copy the index", self.index.clone(), e))?;
        }
        let mut index =
            git2::Index::open(&scratch).map_err(|e| Error::Git("cannot read the index", e))?;
        let before = index.len();
        // Every stage goes: `git rm --cached` also drops conflict entries.
        let doomed: Vec<(Vec<u8>, u16)> = index
            .iter()
            .filter(|e| untrack.iter().any(|u| at_or_below(&e.path, u)))
            .map(|e| (e.path, stage(e.flags)))
            .collect();
        for (path, at) in &doomed {
            index
                .remove(&bytes_to_path(path), i32::from(*at))
                .map_err(|e| Error::Git("cannot remove an index entry", e))?;
        }
        let removed = before - index.len();
        let workdir = self
            .repo
            .workdir()
            .ok_or_else(|| Error::Bare(gitdir.to_path_buf()))?;
        let mut staged = Vec::new();
        for path in to_stage {
            let entry = self.entry_for(workdir, path)?;
            index
                .add(&entry)
                .map_err(|e| Error::Git("cannot stage", e))?;
            staged.push(path.clone());
        }
        index
            .write()
            .map_err(|e| Error::Git("cannot write the index", e))?;
        // Our new index takes the place of the (empty) lock file, then of the index: the
        // same two steps as git's commit_lock_file.
        fs::rename(&scratch, &self.lock)
            .map_err(|e| Error::Io("cannot write", self.lock.clone(), e))?;
        fs::rename(&self.lock, &self.index)
            .map_err(|e| Error::Io("cannot replace the index", self.index.clone(), e))?;
        self.done = true;
        Ok(IndexChange { removed, staged })
    }

    /// An index entry for the working file at `path`, its blob written to the object store.
    fn entry_for(&self, workdir: &Path, path: &[u8]) -> Result<IndexEntry, Error> {
        let full = workdir.join(bytes_to_path(path));
        let content = fs::read(&full).map_err(|e| Error::Io("cannot read", full.clone(), e))?;
        let md =
            fs::symlink_metadata(&full).map_err(|e| Error::Io("cannot read", full.clone(), e))?;
        let id = self
            .repo
            .blob(&content)
            .map_err(|e| Error::Git("cannot write a blob", e))?;
        Ok(index_entry(path, id, &md))
    }
}

impl Drop for IndexLock<'_> {
    fn drop(&mut self) {
        if !self.done {
            let _ = fs::remove_file(&self.lock);
        }
    }
}

#[cfg(unix)]
fn index_entry(path: &[u8], id: Oid, md: &fs::Metadata) -> IndexEntry {
    use std::os::unix::fs::MetadataExt;
    IndexEntry {
        ctime: IndexTime::new(md.ctime() as i32, md.ctime_nsec() as u32),
        mtime: IndexTime::new(md.mtime() as i32, md.mtime_nsec() as u32),
        dev: md.dev() as u32,
        ino: md.ino() as u32,
        mode: if md.mode() & 0o111 != 0 {
            0o100755
        } else {
            0o100644
        },
        uid: md.uid(),
        gid: md.gid(),
        file_size: md.len() as u32,
        id,
        flags: path.len().min(0xfff) as u16,
        flags_extended: 0,
        path: path.to_vec(),
    }
}

#[cfg(not(unix))]
fn index_entry(path: &[u8], id: Oid, md: &fs::Metadata) -> IndexEntry {
    IndexEntry {
        ctime: IndexTime::new(0, 0),
        mtime: IndexTime::new(0, 0),
        dev: 0,
        ino: 0,
        mode: 0o100644,
        uid: 0,
        gid: 0,
        file_size: md.len() as u32,
        id,
        flags: path.len().min(0xfff) as u16,
        flags_extended: 0,
        path: path.to_vec(),
    }
}

fn stage(flags: u16) -> u16 {
    (flags >> 12) & 0x3
}

fn mode_of(mode: u32) -> Option<Mode> {
    match mode & 0o170000 {
        0o120000 => Some(Mode::Symlink),
        0o160000 => Some(Mode::Submodule),
        0o100000 if mode & 0o111 != 0 => Some(Mode::Executable),
        0o100000 => Some(Mode::File),
        _ => None,
    }
}
