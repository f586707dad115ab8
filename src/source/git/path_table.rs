//! The paths a walk over a history meets, each stored once and known by number: a commit's
//! changes are then numbers, not copies of their paths.

use std::sync::Arc;

use crate::support::fxhash::FxHashMap;

/// Paths by number, and numbers by path.
#[derive(Default)]
pub(super) struct PathTable {
    numbers: FxHashMap<Arc<[u8]>, u32>,
    paths: Vec<Arc<[u8]>>,
}

impl PathTable {
    /// The number of `path`, given it now if it has none.
    pub(super) fn number(&mut self, path: &[u8]) -> u32 {
        if let Some(&n) = self.numbers.get(path) {
            return n;
        }
        let n = self.paths.len() as u32;
        let path: Arc<[u8]> = Arc::from(path);
        self.paths.push(Arc::clone(&path));
        self.numbers.insert(path, n);
        n
    }

    /// The path numbered `n`.
    pub(super) fn path(&self, n: u32) -> &[u8] {
        &self.paths[n as usize]
    }

    /// How many paths there are.
    pub(super) fn len(&self) -> usize {
        self.paths.len()
    }

    /// The numbers in this table of the paths of `other`, by their numbers there (each path
    /// of `other` this table lacks is added).
    pub(super) fn absorb(&mut self, other: &PathTable) -> Vec<u32> {
        other.paths.iter().map(|path| self.number(path)).collect()
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
