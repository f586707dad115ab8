//! Every git access: opening the repository the way git's hooks expect, reading the index and
//! the staged changes, and asking whether a path is ignored.
//!
//! The rest of the crate sees only [`Repo`], [`Index`] and plain [`PathEntry`] values, so the
//! library used to read git can change behind this module.

use std::fmt;
use std::path::{Path, PathBuf};

use git2::{Delta, DiffOptions, ErrorCode, Oid, Repository, RepositoryOpenFlags};

use crate::detect::{Meta, Mode, PathEntry, Probe};
use crate::probe::{bytes_to_path, Listed, Listing};

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
        }
    }
}

impl std::error::Error for Error {}

/// An open repository.
pub struct Repo {
    repo: Repository,
}

impl Repo {
    /// Opens the repository a git hook runs in, honouring `GIT_DIR`, `GIT_WORK_TREE`,
    /// `GIT_INDEX_FILE` (`git commit -a` and `git commit <paths>` point it at a lock file),
    /// `GIT_OBJECT_DIRECTORY` and `GIT_CEILING_DIRECTORIES`, from the current directory.
    pub fn open_from_env() -> Result<Repo, Error> {
        match Repository::open_from_env() {
            Ok(repo) => Ok(Repo { repo }),
            Err(e) if e.code() == ErrorCode::NotFound => Err(Error::NotARepository(
                std::env::current_dir().unwrap_or_default(),
            )),
            Err(e) => Err(Error::Git("cannot open the repository", e)),
        }
    }

    /// Finds the repository that contains `path`, or `None` when there is none.
    pub fn discover(path: &Path) -> Result<Option<Repo>, Error> {
        let ceilings: [&Path; 0] = [];
        match Repository::open_ext(path, RepositoryOpenFlags::empty(), ceilings) {
            Ok(repo) => Ok(Some(Repo { repo })),
            Err(e) if e.code() == ErrorCode::NotFound => Ok(None),
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
        let index = self
            .repo
            .index()
            .map_err(|e| Error::Git("cannot read the index", e))?;
        let entries = index
            .iter()
            .filter(|e| stage(e.flags) == 0)
            .filter_map(|e| {
                let mode = mode_of(e.mode)?;
                Some(Listed {
                    path: e.path,
                    meta: Meta {
                        mode,
                        size: Some(u64::from(e.file_size)),
                    },
                    data: e.id,
                })
            })
            .collect();
        Ok(Index {
            repo: &self.repo,
            index,
            listing: Listing::new(entries),
        })
    }

    /// The entries that the next commit adds or changes: the index compared with `HEAD`
    /// (every entry when `HEAD` is unborn). Deletions do not count: a commit that removes a
    /// tracked environment is welcome.
    pub fn staged(&self, index: &Index<'_>) -> Result<Vec<PathEntry>, Error> {
        let head_tree = match self.repo.head() {
            Ok(head) => Some(
                head.peel_to_tree()
                    .map_err(|e| Error::Git("cannot read HEAD's tree", e))?,
            ),
            Err(e) if matches!(e.code(), ErrorCode::UnbornBranch | ErrorCode::NotFound) => None,
            Err(e) => return Err(Error::Git("cannot read HEAD", e)),
        };
        let mut opts = DiffOptions::new();
        opts.include_typechange(true).ignore_submodules(true);
        let diff = self
            .repo
            .diff_tree_to_index(head_tree.as_ref(), Some(&index.index), Some(&mut opts))
            .map_err(|e| Error::Git("cannot compare the index with HEAD", e))?;
        let mut out = Vec::new();
        for delta in diff.deltas() {
            if !matches!(
                delta.status(),
                Delta::Added | Delta::Modified | Delta::Typechange | Delta::Renamed | Delta::Copied
            ) {
                continue;
            }
            let Some(path) = delta.new_file().path_bytes() else {
                continue;
            };
            let meta = index.listing.get(path).map(|e| e.meta);
            out.push(PathEntry {
                path: path.to_vec(),
                meta,
            });
        }
        Ok(out)
    }

    /// Whether git would ignore `path` (repository-relative), taking every ignore source into
    /// account: `.gitignore` files, `.git/info/exclude`, `core.excludesFile`.
    pub fn is_ignored(&self, path: &[u8]) -> bool {
        self.repo
            .is_path_ignored(bytes_to_path(path))
            .unwrap_or(false)
    }
}

/// The index, loaded once: a sorted listing of its entries for sibling questions, and the
/// handle for diffs.
pub struct Index<'r> {
    repo: &'r Repository,
    index: git2::Index,
    listing: Listing<Oid>,
}

impl Index<'_> {
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

    /// How many entries the index holds.
    pub fn len(&self) -> usize {
        self.listing.entries().len()
    }

    /// Whether the index is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Probe for Index<'_> {
    fn meta(&self, path: &[u8]) -> Option<Meta> {
        self.listing.meta(path)
    }

    /// Reads the staged blob, not the working file: what would be committed.
    fn read_head(&self, path: &[u8], limit: usize) -> Option<Vec<u8>> {
        let entry = self.listing.get(path)?;
        let odb = self.repo.odb().ok()?;
        let (size, _) = odb.read_header(entry.data).ok()?;
        if size > MAX_BLOB_READ {
            return None;
        }
        let blob = self.repo.find_blob(entry.data).ok()?;
        let content = blob.content();
        Some(content[..content.len().min(limit)].to_vec())
    }

    fn children(&self, dir: &[u8]) -> Vec<Vec<u8>> {
        self.listing.children(dir)
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
