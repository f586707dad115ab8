//! Every git access: opening the repository the way git's hooks expect, reading the index and
//! the staged changes, and asking whether a path is ignored.
//!
//! The rest of the crate sees only [`Repo`], [`Index`] and plain [`PathEntry`](crate::detect::PathEntry) values, so the
//! library used to read git can change behind this module.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use git2::{ErrorCode, Oid, Repository, RepositoryOpenFlags};

mod cli;
mod commit_object;
mod commits;
mod delta;
mod history;
mod index;
pub mod index_file;
pub mod odb;
mod pack;
#[doc(hidden)]
pub mod parsers;
mod path_table;
mod range;
mod revision;
mod staged;
mod store;
mod tree;
mod tree_files;
mod tree_object;
mod versions;

pub use history::{History, PathHistory, RangeEnd};
pub use index::Index;
pub use tree::Objects;
pub(crate) use tree::{all_hold, check_claims, claimed_entries};
pub use tree_files::TreeFiles;

use crate::detect::Mode;
use crate::support::paths::bytes_to_path;

/// A blob larger than this is never read whole: markers and scripts are small.
const MAX_BLOB_READ: u64 = 1 << 20;

/// An object id: SHA-1 (20 bytes) or SHA-256 (32 bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectId {
    bytes: [u8; 32],
    len: u8,
}

impl ObjectId {
    /// The id of `bytes` (20 or 32 of them).
    pub fn from_bytes(bytes: &[u8]) -> Option<ObjectId> {
        if bytes.len() != 20 && bytes.len() != 32 {
            return None;
        }
        let mut id = ObjectId {
            bytes: [0; 32],
            len: bytes.len() as u8,
        };
        id.bytes[..bytes.len()].copy_from_slice(bytes);
        Some(id)
    }

    /// A SHA-1 id.
    pub(crate) fn sha1(id: &odb::Id) -> ObjectId {
        let mut bytes = [0; 32];
        bytes[..20].copy_from_slice(id);
        ObjectId { bytes, len: 20 }
    }

    /// The id as the own object reader spells it, for a SHA-1 id.
    pub(crate) fn to_sha1(self) -> Option<odb::Id> {
        self.as_bytes().try_into().ok()
    }

    /// The id spelled in hexadecimal, as git prints it.
    pub fn from_hex(hex: &[u8]) -> Option<ObjectId> {
        if !hex.len().is_multiple_of(2) {
            return None;
        }
        let digit = |c: u8| (c as char).to_digit(16);
        let bytes: Option<Vec<u8>> = hex
            .chunks(2)
            .map(|pair| Some((digit(pair[0])? * 16 + digit(pair[1])?) as u8))
            .collect();
        ObjectId::from_bytes(&bytes?)
    }

    /// Its bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

impl From<Oid> for ObjectId {
    fn from(id: Oid) -> ObjectId {
        ObjectId::from_bytes(id.as_bytes()).unwrap_or(ObjectId {
            bytes: [0; 32],
            len: 20,
        })
    }
}

/// How deep trees are read, as git's own default `core.maxTreeDepth`: a crafted repository can
/// nest trees 100,000 deep (or name a tree inside itself through a misnamed object), and every
/// walk stops there with an error rather than a stack overflow or a loop.
pub(crate) const MAX_TREE_DEPTH: usize = 4096;

/// Whether the directory at `prefix` (`a/b/c/` or `a/b/c`) lies deeper than
/// [`MAX_TREE_DEPTH`].
pub(crate) fn too_deep(prefix: &[u8]) -> bool {
    prefix.len() >= MAX_TREE_DEPTH
        && prefix.iter().filter(|&&b| b == b'/').count() >= MAX_TREE_DEPTH
}

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
    /// The `git` on `PATH`, asked to do what libgit2 cannot, failed; the string says how.
    GitCommand(String),
    /// A ref names a chain of more annotated tags than are followed.
    TagChain(String, usize),
    /// Trees nest deeper than git itself reads them (`core.maxTreeDepth`).
    TreeDepth(Vec<u8>),
    /// A tree git cannot read either: its id, and git's words for what is wrong.
    BadTree(String, &'static str),
    /// A repository format git makes that venv-guard cannot read yet: the setting, and what
    /// to do.
    Unsupported(&'static str, &'static str),
}

/// The repository formats libgit2 refuses to open, by its message: the setting that selects
/// them, and how to proceed in the modes that still need libgit2.
fn unsupported(e: &git2::Error) -> Option<(&'static str, &'static str)> {
    let message = e.message().to_ascii_lowercase();
    if message.contains("object format") && message.contains("sha256") {
        Some((
            "SHA-256 object names (extensions.objectFormat = sha256)",
            "the hook, `scan .`, `scan --tracked --index` and `fix` read it through git; \
             `scan --tracked`, `--range` and `--history` do not yet (`--tracked --index` reads \
             the index instead)",
        ))
    } else if message.contains("refstorage") {
        Some((
            "reftable ref storage (extensions.refStorage = reftable)",
            "the hook, `scan .`, `scan --tracked --index` and `fix` read it through git; for \
             `scan --tracked`, `--range` and `--history`, scan a clone made with `git clone \
             --ref-format=files`",
        ))
    } else {
        None
    }
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
            Error::GitCommand(why) => f.write_str(why),
            Error::TreeDepth(path) => write!(
                f,
                "trees nest more than {MAX_TREE_DEPTH} deep (git's core.maxTreeDepth) at {}: a \
                 damaged or crafted repository; nothing was read past it",
                crate::support::escape::display(&path[..path.len().min(200)])
            ),
            Error::BadTree(id, what) => write!(
                f,
                "tree {id} is damaged ({what}), and git cannot read it either; `git fsck` \
                 tells more"
            ),
            Error::TagChain(id, n) => write!(
                f,
                "the tag {id} starts a chain of more than {n} annotated tags; the history was \
                 not read (remove the ref, or scan the refs that name commits: --range)"
            ),
            Error::Unsupported(what, how) => write!(
                f,
                "this repository uses {what}, which this mode cannot read yet: {how}"
            ),
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
    /// libgit2's view, for the formats it reads; `None` for one read through `git`.
    lib: Option<Repository>,
    /// The `git` on `PATH`, for SHA-256 and reftable repositories.
    cli: Option<cli::Cli>,
    /// Opened from a hook's environment: `GIT_INDEX_FILE` applies.
    from_env: bool,
    /// The object store, opened on first use (SHA-1 repositories: objects are never read
    /// through libgit2).
    store: std::cell::RefCell<Option<store::Store>>,
    /// The packs its readers opened, shared by the threads that read them.
    packs: pack::Opened,
    /// `git` for what needs its own answer (revisions, `git log`), set up on first use.
    git: std::cell::OnceCell<cli::Cli>,
}

/// The first `.git` at or above `path`, if there is one.
fn broken_git_entry(path: &Path) -> Option<PathBuf> {
    path.ancestors()
        .map(|dir| dir.join(".git"))
        .find(|dot_git| fs::symlink_metadata(dot_git).is_ok())
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
        Repo::open_from_env_as_is()?.checked()
    }

    fn open_from_env_as_is() -> Result<Repo, Error> {
        match Repository::open_from_env() {
            Ok(repo) => Ok(Repo {
                lib: Some(repo),
                cli: None,
                from_env: true,
                store: Default::default(),
                packs: Default::default(),
                git: Default::default(),
            }),
            Err(e) if e.code() == ErrorCode::NotFound => Err(Error::NotARepository(
                std::env::current_dir().unwrap_or_default(),
            )),
            Err(e) => match unsupported(&e) {
                Some(format) => {
                    let here = std::env::current_dir().unwrap_or_default();
                    Ok(Repo {
                        lib: None,
                        cli: Some(cli::Cli::open(&here, true, format)?),
                        from_env: true,
                        store: Default::default(),
                        packs: Default::default(),
                        git: Default::default(),
                    })
                }
                None => Err(Error::Git("cannot open the repository", e)),
            },
        }
    }

    /// Finds the repository that contains `path`, or `None` when there is none.
    pub fn discover(path: &Path) -> Result<Option<Repo>, Error> {
        Repo::discover_as_is(path)?.map(Repo::checked).transpose()
    }

    fn discover_as_is(path: &Path) -> Result<Option<Repo>, Error> {
        let ceilings: [&Path; 0] = [];
        match Repository::open_ext(path, RepositoryOpenFlags::empty(), ceilings) {
            Ok(repo) => {
                add_object_dirs_from_env(&repo)?;
                Ok(Some(Repo {
                    lib: Some(repo),
                    cli: None,
                    from_env: false,
                    store: Default::default(),
                    packs: Default::default(),
                    git: Default::default(),
                }))
            }
            // A `.git` that libgit2 cannot open (a gitdir file pointing nowhere) is an error, as
            // for git, not a directory outside any repository.
            Err(e) if e.code() == ErrorCode::NotFound => match broken_git_entry(path) {
                Some(dot_git) => Err(Error::BrokenGitDir(dot_git)),
                None => Ok(None),
            },
            Err(e) => match unsupported(&e) {
                Some(format) => Ok(Some(Repo {
                    lib: None,
                    cli: Some(cli::Cli::open(path, false, format)?),
                    from_env: false,
                    store: Default::default(),
                    packs: Default::default(),
                    git: Default::default(),
                })),
                None => Err(Error::Git("cannot open the repository", e)),
            },
        }
    }

    /// Refuses a repository whose `info/exclude` is not a regular file: libgit2 and git read it
    /// for every ignore question, and a FIFO there would block them forever.
    fn checked(self) -> Result<Repo, Error> {
        let exclude = self.info_exclude();
        match fs::metadata(&exclude) {
            Ok(md) if !md.is_file() => Err(Error::Io(
                "will not read",
                exclude,
                std::io::Error::other("a FIFO, a device or a directory, not a regular file"),
            )),
            _ => Ok(self),
        }
    }

    /// libgit2's repository, or for one read through `git`, an error naming its format for the
    /// modes that still need libgit2.
    fn lib(&self) -> Result<&Repository, Error> {
        match (&self.lib, &self.cli) {
            (Some(repo), _) => Ok(repo),
            (None, Some(cli)) => Err(Error::Unsupported(cli.format.0, cli.format.1)),
            (None, None) => Err(Error::GitCommand("no repository is open".to_owned())),
        }
    }

    /// The index file the checks read: the one git names in `GIT_INDEX_FILE` for a hook, else
    /// the repository's own.
    pub fn index_file(&self) -> PathBuf {
        self.index_path().0
    }

    /// How many refs the repository has (`HEAD` not counted), as `git for-each-ref` lists
    /// them: what a history scan starts from.
    pub fn ref_count(&self) -> Result<u64, Error> {
        if let Some(cli) = self.cli() {
            let out = cli::run(cli.git(["for-each-ref", "--format=."]))?;
            return Ok(out.iter().filter(|&&b| b == b'\n').count() as u64);
        }
        let mut refs = self
            .lib()?
            .references()
            .map_err(|e| Error::Git("cannot list the refs", e))?;
        Ok(refs.names().count() as u64)
    }

    /// The `git` view, for a repository libgit2 cannot open.
    pub(crate) fn cli(&self) -> Option<&cli::Cli> {
        self.cli.as_ref()
    }

    /// `git` in this repository: the `git` view, or for one libgit2 opened, the same commands
    /// set up from what libgit2 found.
    pub(crate) fn git(&self) -> &cli::Cli {
        if let Some(cli) = &self.cli {
            return cli;
        }
        self.git.get_or_init(|| {
            cli::Cli::plain(
                self.git_dir(),
                self.common_dir(),
                self.lib.as_ref().and_then(Repository::workdir),
                self.from_env,
            )
        })
    }

    /// Runs `f` on the object store, opening it on first use.
    fn with_store<T>(
        &self,
        f: impl FnOnce(&mut store::Store) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let mut slot = self.store.borrow_mut();
        let store = slot.get_or_insert_with(|| store::Store::open(&self.store_place()));
        f(store)
    }

    /// The commit `HEAD` names (its ref read through libgit2, no object read), or `None` for
    /// an unborn branch.
    fn head_id(&self) -> Result<Option<odb::Id>, Error> {
        match self.lib()?.head() {
            Ok(head) => Ok(head.target().map(history::oid_bytes)),
            Err(e) if matches!(e.code(), ErrorCode::UnbornBranch | ErrorCode::NotFound) => Ok(None),
            Err(e) => Err(Error::Git("cannot read HEAD", e)),
        }
    }

    /// The object `rev` names: `HEAD` from its ref, anything else as `git rev-parse` resolves
    /// it; `None` for an unborn `HEAD`.
    fn resolve_id(&self, rev: &str) -> Result<Option<odb::Id>, Error> {
        if rev == "HEAD" {
            return self.head_id();
        }
        let hex = self.git().resolve_object(rev)?;
        odb::from_hex(hex.as_bytes()).map(Some).ok_or_else(|| {
            Error::GitCommand(format!("git named an object venv-guard cannot read: {hex}"))
        })
    }

    /// Whether the repository is read through the `git` on `PATH` (SHA-256, reftable).
    pub(crate) fn reads_through_git(&self) -> bool {
        self.cli.is_some()
    }

    /// The repository's git directory.
    pub fn git_dir(&self) -> &Path {
        match (&self.lib, &self.cli) {
            (Some(repo), _) => repo.path(),
            (None, Some(cli)) => cli.git_dir(),
            (None, None) => Path::new(".git"),
        }
    }

    /// The repository's common directory (shared by linked worktrees).
    pub(crate) fn common_dir(&self) -> &Path {
        match (&self.lib, &self.cli) {
            (Some(repo), _) => repo.commondir(),
            (None, Some(cli)) => cli.common_dir(),
            (None, None) => Path::new(".git"),
        }
    }

    /// The working tree, or an error for a bare repository.
    pub fn workdir(&self) -> Result<&Path, Error> {
        let top = match (&self.lib, &self.cli) {
            (Some(repo), _) => repo.workdir(),
            (None, Some(cli)) => cli.work_tree(),
            (None, None) => None,
        };
        top.ok_or_else(|| Error::Bare(self.git_dir().to_path_buf()))
    }

    /// At most `limit` bytes of a blob (`None` for one too large to be a marker or a script).
    pub(crate) fn read_blob(&self, id: ObjectId, limit: usize) -> Option<Vec<u8>> {
        if let Some(cli) = &self.cli {
            return cli.read_blob_head(id.as_bytes(), limit);
        }
        let id = id.to_sha1()?;
        self.with_store(|store| Ok(store.blob_head(&id, limit, MAX_BLOB_READ)))
            .ok()
            .flatten()
    }

    /// The size of a blob, from its header.
    pub(crate) fn blob_size(&self, id: ObjectId) -> Option<u64> {
        if let Some(cli) = &self.cli {
            return cli.blob_size(id.as_bytes());
        }
        let id = id.to_sha1()?;
        match self.with_store(|store| store.header(&id)) {
            Ok(Some((odb::Kind::Blob, size))) => Some(size),
            _ => None,
        }
    }

    /// The sizes of blobs, from their headers, each as [`Repo::blob_size`] gives it; read in the
    /// order the blobs lie in their packs.
    pub(crate) fn blob_sizes(&self, ids: &[ObjectId]) -> Vec<Option<u64>> {
        if self.cli.is_some() {
            return ids.iter().map(|id| self.blob_size(*id)).collect();
        }
        let sha1: Vec<odb::Id> = ids.iter().filter_map(|id| id.to_sha1()).collect();
        let here = |ids: &[odb::Id]| {
            self.with_store(|store| Ok(store.headers(ids)))
                .unwrap_or_default()
        };
        // An environment's tens of thousands of headers are read on both threads. Each takes
        // every other id in id order: a sample of the whole environment as random as its ids,
        // so each thread gets as many deltas to inflate as the other (halves in the order the
        // paths came had one thread inflate twice as many).
        let found = if sha1.len() < 4096 {
            here(&sha1)
        } else {
            let mut sorted: Vec<(odb::Id, usize)> = sha1.iter().copied().zip(0..).collect();
            sorted.sort_unstable();
            // Even places first, then odd ones: the first half is this thread's.
            let order = || {
                let every_other = |skip| sorted.iter().skip(skip).step_by(2);
                every_other(0).chain(every_other(1))
            };
            let ids: Vec<odb::Id> = order().map(|&(id, _)| id).collect();
            let places = order().map(|&(_, place)| place);
            let (mine, theirs) = ids.split_at(ids.len().div_ceil(2));
            let place = self.store_place();
            let (theirs, mine) = crate::support::parallel::both(
                || store::Store::open(&place).headers(theirs),
                || here(mine),
            );
            let mut found: Vec<_> = places.zip(mine.into_iter().chain(theirs)).collect();
            found.sort_unstable_by_key(|&(place, _)| place);
            found.into_iter().map(|(_, header)| header).collect()
        };
        let mut found = found.into_iter();
        ids.iter()
            .map(|id| {
                id.to_sha1()?;
                match found.next()? {
                    Ok(Some((odb::Kind::Blob, size))) => Some(size),
                    _ => None,
                }
            })
            .collect()
    }

    /// The repository's `info/exclude`, in its common directory as git reads it (a linked
    /// worktree's and a submodule's `.git` is a file that points elsewhere).
    pub(crate) fn info_exclude(&self) -> PathBuf {
        self.common_dir().join("info/exclude")
    }

    /// The directory git runs hooks from: `git rev-parse --git-path hooks`, asked of git itself
    /// with this process's environment, because `core.hooksPath` can come from places only git
    /// reads (`GIT_CONFIG_COUNT`, `git -c` through `GIT_CONFIG_PARAMETERS`, includes). Git
    /// answers the common directory's `hooks/` (linked worktrees share it) or `core.hooksPath`,
    /// a relative one being relative to the working tree, where hooks run.
    pub(crate) fn hooks_dir(&self) -> Result<PathBuf, Error> {
        self.git().hooks_dir()
    }

    /// Whether git would ignore `path` (repository-relative), taking every ignore source into
    /// account: `.gitignore` files, `.git/info/exclude`, `core.excludesFile`.
    pub(crate) fn is_ignored(&self, path: &[u8]) -> bool {
        match (&self.lib, &self.cli) {
            (Some(repo), _) => repo.is_path_ignored(bytes_to_path(path)).unwrap_or(false),
            (None, Some(cli)) => cli.is_ignored(path),
            (None, None) => false,
        }
    }
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
