//! The paths a walk over a history meets, each stored once and known by number: a commit's
//! changes are then numbers, not copies of their paths.

use std::borrow::Borrow;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use crate::support::fxhash::{FxHashMap, FxHasher};

/// Paths by number, and numbers by path.
#[derive(Default)]
pub(super) struct PathTable {
    numbers: FxHashMap<Key, u32>,
    paths: Vec<Key>,
}

/// A path with its hash, worked out once: the table rehashes as it grows, and a merge takes
/// another table's paths, without hashing any path again.
#[derive(Clone)]
struct Key {
    hash: u64,
    path: Arc<[u8]>,
}

/// What a lookup needs of a key: a path and its hash, owned ([`Key`]) or borrowed.
trait Hashed {
    fn hash(&self) -> u64;
    fn path(&self) -> &[u8];
}

impl Hashed for Key {
    fn hash(&self) -> u64 {
        self.hash
    }
    fn path(&self) -> &[u8] {
        &self.path
    }
}

impl Hashed for (u64, &[u8]) {
    fn hash(&self) -> u64 {
        self.0
    }
    fn path(&self) -> &[u8] {
        self.1
    }
}

impl Hash for dyn Hashed + '_ {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(Hashed::hash(self));
    }
}

impl PartialEq for dyn Hashed + '_ {
    fn eq(&self, other: &Self) -> bool {
        self.path() == other.path()
    }
}

impl Eq for dyn Hashed + '_ {}

impl<'a> Borrow<dyn Hashed + 'a> for Key {
    fn borrow(&self) -> &(dyn Hashed + 'a) {
        self
    }
}

impl Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        Hash::hash(self as &dyn Hashed, state);
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        self.path == other.path
    }
}

impl Eq for Key {}

fn hash_of(path: &[u8]) -> u64 {
    let mut hasher = FxHasher::default();
    hasher.write(path);
    hasher.finish()
}

impl PathTable {
    /// The number of `path`, given it now if it has none.
    pub(super) fn number(&mut self, path: &[u8]) -> u32 {
        let hash = hash_of(path);
        if let Some(&n) = self.numbers.get(&(hash, path) as &dyn Hashed) {
            return n;
        }
        self.add(Key {
            hash,
            path: Arc::from(path),
        })
    }

    fn add(&mut self, key: Key) -> u32 {
        let n = self.paths.len() as u32;
        self.paths.push(key.clone());
        self.numbers.insert(key, n);
        n
    }

    /// The path numbered `n`.
    pub(super) fn path(&self, n: u32) -> &[u8] {
        &self.paths[n as usize].path
    }

    /// How many paths there are.
    pub(super) fn len(&self) -> usize {
        self.paths.len()
    }

    /// The numbers in this table of the paths of `other`, by their numbers there (each path
    /// of `other` this table lacks is added, shared with `other`, not copied).
    pub(super) fn absorb(&mut self, other: &PathTable) -> Vec<u32> {
        self.numbers.reserve(other.len());
        self.paths.reserve(other.len());
        other
            .paths
            .iter()
            .map(|key| match self.numbers.get(key as &dyn Hashed) {
                Some(&n) => n,
                None => self.add(key.clone()),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_numbered_once_and_tables_merge() {
        let mut a = PathTable::default();
        assert_eq!(a.number(b"src/a.py"), 0);
        assert_eq!(a.number(b"src/b.py"), 1);
        assert_eq!(a.number(b"src/a.py"), 0);
        let mut b = PathTable::default();
        b.number(b"src/b.py");
        b.number(b"venv/pyvenv.cfg");
        assert_eq!(a.absorb(&b), vec![1, 2]);
        assert_eq!((a.len(), a.path(2)), (3, &b"venv/pyvenv.cfg"[..]));
    }
}
