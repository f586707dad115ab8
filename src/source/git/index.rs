//! The index: read once with venv-guard's own reader, counted and probed; changed only through
//! git's `index.lock`, as git does.

use std::fs;
use std::path::{Path, PathBuf};

use git2::{IndexEntry, IndexTime, Oid};

use super::index_file::IndexFile;
use super::{Error, Repo};
use crate::detect::{Meta, PathList, Probe, SortedPaths};
use crate::support::paths::{at_or_below, bytes_to_path};

impl Repo {
    /// Reads the index (the one `GIT_INDEX_FILE` names, when set).
    pub fn index(&self) -> Result<Index<'_>, Error> {
        let (path, _) = self.index_path();
        let oid_len = self.cli().map_or(20, |cli| cli.oid_len);
        let file = IndexFile::read_as(&path, path.parent().unwrap_or(self.git_dir()), oid_len)
            .map_err(Error::Index)?;
        Ok(Index { repo: self, file })
    }

    /// The index file this repository uses (`GIT_INDEX_FILE` when opened from a hook's
    /// environment), and whether it is the repository's own index rather than a temporary one
    /// (`git commit -a` and `git commit <paths>` hand hooks a lock file or `next-index-*`
    /// while git holds the real index's lock).
    pub(crate) fn index_path(&self) -> (PathBuf, bool) {
        let own = self.git_dir().join("index");
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
    pub(crate) fn lock_index(&self) -> Result<IndexLock<'_>, Error> {
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
                repo: self,
                index,
                lock,
                done: false,
            }),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(Error::Locked(lock)),
            Err(e) => Err(Error::Io("cannot create", lock, e)),
        }
    }
}

/// The index, read once: its entries, for sibling questions and counts.
pub struct Index<'r> {
    pub(super) repo: &'r Repo,
    pub(super) file: IndexFile,
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
        let id = super::ObjectId::from_bytes(self.file.oid(i))?;
        self.repo.read_blob(id, limit)
    }

    fn children(&self, dir: &[u8]) -> Vec<Vec<u8>> {
        self.file.child_names(dir)
    }
}

/// git's `index.lock`, held. Dropping it without [`IndexLock::commit`] releases it and leaves
/// the index as it was.
pub struct IndexLock<'r> {
    repo: &'r Repo,
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
        let gitdir = self.repo.git_dir();
        let own = self.repo.index_path().1;
        if own {
            remove_stale_scratch(gitdir);
        }
        let work = tempfile::Builder::new()
            .prefix(if own { SCRATCH } else { OTHER_SCRATCH })
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
        // Only git writes a split or sparse index, and a repository only git can open.
        let git_writes = self.repo.cli().is_some()
            || IndexFile::read_beside(&scratch, gitdir).is_ok_and(|f| f.git_only());
        let change = if git_writes {
            self.change_with_git(&scratch, untrack, to_stage)?
        } else {
            self.change_with_libgit2(&scratch, untrack, to_stage)?
        };
        // Our new index takes the place of the (empty) lock file, then of the index: the
        // same two steps as git's commit_lock_file.
        fs::rename(&scratch, &self.lock)
            .map_err(|e| Error::Io("cannot write", self.lock.clone(), e))?;
        // Gone while the lock is still held, so no later writer ever sees it in use.
        drop(work);
        fs::rename(&self.lock, &self.index)
            .map_err(|e| Error::Io("cannot replace the index", self.index.clone(), e))?;
        self.done = true;
        Ok(change)
    }

    /// The change made by libgit2 on the copy of the index at `scratch`.
    fn change_with_libgit2(
        &self,
        scratch: &Path,
        untrack: &[Vec<u8>],
        to_stage: &[Vec<u8>],
    ) -> Result<IndexChange, Error> {
        let mut index =
            git2::Index::open(scratch).map_err(|e| Error::Git("cannot read the index", e))?;
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
        let workdir = self.repo.workdir()?;
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
        Ok(IndexChange { removed, staged })
    }

    /// The same change made by the `git` on `PATH` on the copy at `scratch`, for a split or
    /// sparse index, which libgit2 cannot write: `git rm -r --cached --sparse` and `git
    /// update-index --add`, with literal pathspecs, while this lock keeps every other git
    /// process out of the real index.
    fn change_with_git(
        &self,
        scratch: &Path,
        untrack: &[Vec<u8>],
        to_stage: &[Vec<u8>],
    ) -> Result<IndexChange, Error> {
        let workdir = self.repo.workdir()?;
        let count = |file: &IndexFile| {
            (0..file.len())
                .filter(|&i| untrack.iter().any(|u| at_or_below(file.path_at(i), u)))
                .count()
        };
        let read = |path: &Path| {
            IndexFile::read_as(path, self.repo.git_dir(), self.oid_len())
                .map_err(|e| Error::GitCommand(e.to_string()))
        };
        let before = count(&read(scratch)?);
        let git = || {
            let mut cmd = super::cli::command(self.repo.git_dir(), Some(workdir), true);
            cmd.env("GIT_INDEX_FILE", scratch);
            cmd
        };
        let failed = |e: Error| Error::GitCommand(format!("{e}; nothing was changed"));
        if !untrack.is_empty() {
            let mut rm = git();
            rm.args([
                "rm",
                "-r",
                "--cached",
                "--quiet",
                "--sparse",
                "--ignore-unmatch",
                "--",
            ])
            .args(untrack.iter().map(|p| bytes_to_path(p)));
            super::cli::run(rm).map_err(failed)?;
        }
        if !to_stage.is_empty() {
            let mut add = git();
            add.args(["update-index", "--add", "--"])
                .args(to_stage.iter().map(|p| bytes_to_path(p)));
            super::cli::run(add).map_err(failed)?;
        }
        let after = count(&read(scratch)?);
        Ok(IndexChange {
            removed: before.saturating_sub(after),
            staged: to_stage.to_vec(),
        })
    }

    /// An index entry for the working file at `path`, its blob written to the object store.
    pub(super) fn entry_for(&self, workdir: &Path, path: &[u8]) -> Result<IndexEntry, Error> {
        let full = workdir.join(bytes_to_path(path));
        let content = fs::read(&full).map_err(|e| Error::Io("cannot read", full.clone(), e))?;
        let md =
            fs::symlink_metadata(&full).map_err(|e| Error::Io("cannot read", full.clone(), e))?;
        let id = self
            .repo
            .lib()?
            .blob(&content)
            .map_err(|e| Error::Git("cannot write a blob", e))?;
        Ok(index_entry(path, id, &md))
    }
}

/// The prefix of the scratch directories in the git directory where the repository's own
/// index is changed (`tempfile` adds random letters and digits). Only a writer holding the
/// index's `index.lock` has one, so one found while holding that lock is a killed writer's.
const SCRATCH: &str = "venv-guard-index";

/// The prefix for an index `GIT_INDEX_FILE` names: its writers hold another lock, so these are
/// never taken for stale.
const OTHER_SCRATCH: &str = "venv-guard-other-index";

/// The only files a scratch directory ever holds: the copy of the index, and the lock libgit2
/// or git takes on it while writing.
const SCRATCH_FILES: [&str; 2] = ["index", "index.lock"];

/// Removes the scratch directories that killed writers left in `gitdir` (each holds a full copy
/// of the index). Called only while holding the repository's own `index.lock`. A directory
/// holding anything venv-guard does not write there is left alone, and so is anything that
/// cannot be removed: this is tidying, never a reason to fail a write.
fn remove_stale_scratch(gitdir: &Path) {
    let Ok(entries) = fs::read_dir(gitdir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let is_scratch = name
            .to_str()
            .and_then(|n| n.strip_prefix(SCRATCH))
            .is_some_and(|rest| {
                !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphanumeric())
            });
        // The entry's own type: a symlink named like a scratch directory is not followed.
        if is_scratch && entry.file_type().is_ok_and(|t| t.is_dir()) {
            let _ = remove_scratch(&entry.path());
        }
    }
}

/// Removes the scratch directory `dir` if it holds only [`SCRATCH_FILES`], as regular files.
fn remove_scratch(dir: &Path) -> std::io::Result<()> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let known = entry
            .file_name()
            .to_str()
            .is_some_and(|n| SCRATCH_FILES.contains(&n));
        if !known || !entry.file_type()?.is_file() {
            return Ok(());
        }
        files.push(entry.path());
    }
    for file in files {
        fs::remove_file(file)?;
    }
    fs::remove_dir(dir)
}

impl IndexLock<'_> {
    /// The repository's object id length.
    fn oid_len(&self) -> usize {
        self.repo.cli().map_or(20, |cli| cli.oid_len)
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
pub(super) fn index_entry(path: &[u8], id: Oid, md: &fs::Metadata) -> IndexEntry {
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
pub(super) fn index_entry(path: &[u8], id: Oid, md: &fs::Metadata) -> IndexEntry {
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

pub(super) fn stage(flags: u16) -> u16 {
    (flags >> 12) & 0x3
}
