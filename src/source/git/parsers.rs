//! The object parsers the history walks use, public for their agreement tests with git: a
//! commit's tree and parents, a tree's entries, where a chain of annotated tags ends, and
//! which commits a range holds.

use std::path::Path;

use super::odb::{Id, Kind};
use super::store::{Store, StorePlace};
use super::tree_object::{self, Entries};

/// The tree and parents of commit `data` as the walks read them; `None` for a commit they
/// refuse.
pub fn commit(data: &[u8]) -> Option<(Id, Vec<Id>)> {
    let commit = super::commit_object::Commit::parse(&[0; 20], data)?;
    Some((commit.tree, commit.parents))
}

/// One entry of a tree: its canonical mode, its name and its id.
pub type TreeEntry = (u32, Vec<u8>, Id);

/// The entries of tree `data` in its order, or what is wrong with it.
pub fn tree(data: &[u8]) -> Result<Vec<TreeEntry>, String> {
    tree_object::check(&[0; 20], data).map_err(|e| e.to_string())?;
    Ok(Entries(data)
        .map(|e| (e.mode, e.name.to_vec(), *e.id))
        .collect())
}

/// What object `id` of the repository at `git_dir` names once its annotated tags are
/// followed, and its kind, as the walks peel a ref; `None` for a tag they cannot follow.
pub fn peel(git_dir: &Path, id: Id) -> Result<Option<(Id, Kind)>, String> {
    let place = StorePlace {
        objects: vec![git_dir.join("objects")],
        common: git_dir.to_path_buf(),
        opened: Default::default(),
    };
    Store::open(&place).peel(id).map_err(|e| e.to_string())
}

/// The commits `git rev-list TO ^FROM` lists in the repository at `git_dir`, in its order, as
/// `scan --range` walks them.
pub fn rev_list(git_dir: &Path, to: Id, from: Id) -> Result<Vec<Id>, String> {
    let place = StorePlace {
        objects: vec![git_dir.join("objects")],
        common: git_dir.to_path_buf(),
        opened: Default::default(),
    };
    let shallow = Default::default();
    super::range::rev_list(&mut Store::open(&place), &to, &from, &shallow, &mut |_| {})
        .map_err(|e| e.to_string())
}
