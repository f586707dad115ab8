//! The files of one tree, read as detection asks about them: behind a range's changes only
//! the folders around the changed environments are asked about, so the rest of the tree (a
//! whole project, thousands of trees) is never read.

use std::cell::RefCell;
use std::rc::Rc;

use super::odb::Id;
use super::tree_object::{Entries, Entry};
use super::{mode_of, Error, ObjectId, Repo};
use crate::detect::{Meta, Mode, Probe};
use crate::support::fxhash::FxHashMap;

/// A tree object's bytes.
type Tree = Rc<Vec<u8>>;

/// A tree's files as a [`Probe`], each folder's tree read on first use. They answer as the
/// listing of the whole tree would: folders are implied by the files below them, and entries
/// of no file mode git writes are not there.
pub struct TreeFiles<'r> {
    repo: &'r Repo,
    root: Id,
    /// The trees read so far, by folder path (`None`: not a folder).
    trees: RefCell<FxHashMap<Vec<u8>, Option<Tree>>>,
    /// The first tree that could not be read.
    error: RefCell<Option<Error>>,
}

impl<'r> TreeFiles<'r> {
    /// The files of tree `root`.
    pub(super) fn new(repo: &'r Repo, root: Id) -> TreeFiles<'r> {
        TreeFiles {
            repo,
            root,
            trees: RefCell::default(),
            error: RefCell::default(),
        }
    }

    /// What went wrong reading a tree that was asked about: the answers given without it
    /// are not to be trusted.
    pub fn error(&self) -> Option<Error> {
        self.error.borrow_mut().take()
    }

    /// The tree of folder `dir` (`""` for the root).
    fn tree(&self, dir: &[u8]) -> Option<Tree> {
        if let Some(tree) = self.trees.borrow().get(dir) {
            return tree.clone();
        }
        let found = if dir.is_empty() {
            self.read(&self.root)
        } else if super::too_deep(dir) {
            self.failed(Error::TreeDepth(dir.to_vec()));
            None
        } else {
            let (parent, name) = split(dir);
            let parent = self.tree(parent)?;
            let id = Entries(&parent)
                .find(|entry| entry.name == name)
                .filter(Entry::is_tree)
                .map(|entry| *entry.id);
            id.and_then(|id| self.read(&id))
        };
        self.trees.borrow_mut().insert(dir.to_vec(), found.clone());
        found
    }

    fn read(&self, id: &Id) -> Option<Tree> {
        match self.repo.with_store(|store| store.tree(id)) {
            Ok(tree) => Some(tree),
            Err(e) => {
                self.failed(e);
                None
            }
        }
    }

    fn failed(&self, e: Error) {
        self.error.borrow_mut().get_or_insert(e);
    }

    /// The mode and id of the entry at `path`.
    fn entry(&self, path: &[u8]) -> Option<(u32, Id)> {
        let (dir, name) = split(path);
        let tree = self.tree(dir)?;
        let found = Entries(&tree)
            .find(|entry| entry.name == name)
            .map(|entry| (entry.mode, *entry.id));
        found
    }

    /// Whether folder `dir` holds a file, at any depth.
    fn has_files(&self, dir: &[u8]) -> bool {
        let Some(tree) = self.tree(dir) else {
            return false;
        };
        Entries(&tree).any(|entry| {
            if entry.is_tree() {
                self.has_files(&join(dir, entry.name))
            } else {
                mode_of(entry.mode).is_some()
            }
        })
    }
}

/// The folder and name of `path`.
fn split(path: &[u8]) -> (&[u8], &[u8]) {
    match path.iter().rposition(|&b| b == b'/') {
        Some(slash) => (&path[..slash], &path[slash + 1..]),
        None => (&path[..0], path),
    }
}

fn join(dir: &[u8], name: &[u8]) -> Vec<u8> {
    let mut path = dir.to_vec();
    if !path.is_empty() {
        path.push(b'/');
    }
    path.extend_from_slice(name);
    path
}

const DIR: Meta = Meta {
    mode: Mode::Dir,
    size: None,
};

impl Probe for TreeFiles<'_> {
    fn meta(&self, path: &[u8]) -> Option<Meta> {
        if path.is_empty() {
            return self.has_files(path).then_some(DIR);
        }
        let (mode, _) = self.entry(path)?;
        if mode & 0o170000 == 0o040000 {
            return self.has_files(path).then_some(DIR);
        }
        Some(Meta {
            mode: mode_of(mode)?,
            size: None,
        })
    }

    /// Reads the stored blob: what the commit holds.
    fn read_head(&self, path: &[u8], limit: usize) -> Option<Vec<u8>> {
        match self.entry(path)? {
            (mode, id) if mode & 0o170000 != 0o040000 && mode_of(mode).is_some() => {
                self.repo.read_blob(ObjectId::sha1(&id), limit)
            }
            _ => None,
        }
    }

    fn children(&self, dir: &[u8]) -> Vec<Vec<u8>> {
        let Some(tree) = self.tree(dir) else {
            return Vec::new();
        };
        Entries(&tree)
            .filter(|entry| {
                if entry.is_tree() {
                    self.has_files(&join(dir, entry.name))
                } else {
                    mode_of(entry.mode).is_some()
                }
            })
            .map(|entry| entry.name.to_vec())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use crate::detect::Probe;

    /// Every question answered as the whole tree's listing answers it: nested folders, an
    /// empty tree (no files, so no folder), a folder holding only an empty tree, a link, a
    /// submodule, names that sort around `/`.
    #[test]
    fn answers_as_the_listing_of_the_whole_tree() {
        let dir = tempfile::tempdir().unwrap();
        let git = |args: &[&str], input: &str| {
            crate::support::test_git::git_ok_with_input(dir.path(), args, input.as_bytes())
        };
        git(&["init", "-q", "--object-format=sha1"], "");
        let blob = git(&["hash-object", "-w", "--stdin"], "home = /usr\n");
        let empty = git(&["mktree"], "");
        let only_empty = git(&["mktree"], &format!("040000 tree {empty}\tnothing\n"));
        let bin = git(
            &["mktree"],
            &format!("100755 blob {blob}\tactivate\n120000 blob {blob}\tpython\n"),
        );
        let env = git(
            &["mktree"],
            &format!("040000 tree {bin}\tbin\n100644 blob {blob}\tpyvenv.cfg\n"),
        );
        let commit = "0123456789012345678901234567890123456789";
        let root = git(
            &["mktree"],
            &format!(
                "100644 blob {blob}\ta.b\n040000 tree {env}\ta\n040000 tree {empty}\tempty\n\
                 040000 tree {only_empty}\thollow\n160000 commit {commit}\tsub\n"
            ),
        );
        let commit = git(&["commit-tree", &root, "-m", "t"], "");
        git(&["update-ref", "HEAD", &commit], "");

        let repo = crate::source::git::Repo::discover(dir.path())
            .unwrap()
            .unwrap();
        let listed = repo.tree("HEAD").unwrap().unwrap();
        let read = super::TreeFiles::new(
            &repo,
            crate::source::git::odb::from_hex(root.as_bytes()).unwrap(),
        );
        let paths: [&[u8]; 14] = [
            b"",
            b"a",
            b"a.b",
            b"a/bin",
            b"a/bin/activate",
            b"a/bin/python",
            b"a/pyvenv.cfg",
            b"empty",
            b"hollow",
            b"hollow/nothing",
            b"sub",
            b"nope",
            b"a/nope/x",
            b"a.b/x",
        ];
        for path in paths {
            let shown = String::from_utf8_lossy(path);
            assert_eq!(read.meta(path), listed.meta(path), "meta of {shown:?}");
            assert_eq!(
                read.children(path),
                listed.children(path),
                "children of {shown:?}"
            );
            assert_eq!(
                read.read_head(path, 100),
                listed.read_head(path, 100),
                "content of {shown:?}"
            );
        }
        assert!(read.error().is_none());
    }
}
