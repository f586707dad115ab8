//! The input of detection: repository paths with what is known of them, by position, and the
//! sorted listings (the index, a tree, an in-memory tree) that answer questions about siblings
//! by binary search.

use super::{Meta, Mode, PathEntry, Probe};
use crate::support::paths::dir_prefix;

/// One entry of a [`Listing`], with whatever the owner needs to read its content.
#[derive(Clone, Debug)]
pub struct Listed<T> {
    /// Repository-relative path.
    pub path: Vec<u8>,
    /// Mode and size.
    pub meta: Meta,
    /// How to find the content (an object id, or the bytes themselves).
    pub data: T,
}

/// Paths with what is known of them, by position: the input of detection.
pub trait PathList {
    /// How many paths.
    fn len(&self) -> usize;
    /// The path at position `i`.
    fn path_at(&self, i: usize) -> &[u8];
    /// What is known of the entry at position `i`.
    fn meta_at(&self, i: usize) -> Option<Meta>;
    /// Whether there are no paths.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl PathList for [PathEntry] {
    fn len(&self) -> usize {
        <[_]>::len(self)
    }
    fn path_at(&self, i: usize) -> &[u8] {
        &self[i].path
    }
    fn meta_at(&self, i: usize) -> Option<Meta> {
        self[i].meta
    }
}

/// Paths handed over on a command line: nothing is known of them but their names.
impl PathList for [std::borrow::Cow<'_, [u8]>] {
    fn len(&self) -> usize {
        <[_]>::len(self)
    }
    fn path_at(&self, i: usize) -> &[u8] {
        &self[i]
    }
    fn meta_at(&self, _: usize) -> Option<Meta> {
        None
    }
}

/// A vector of entries is its slice.
impl PathList for Vec<PathEntry> {
    fn len(&self) -> usize {
        PathList::len(self.as_slice())
    }
    fn path_at(&self, i: usize) -> &[u8] {
        self.as_slice().path_at(i)
    }
    fn meta_at(&self, i: usize) -> Option<Meta> {
        self.as_slice().meta_at(i)
    }
}

/// A [`PathList`] in git's order (bytewise, unique), as the index and trees keep it: lookups
/// by binary search, directories implied by their files.
pub trait SortedPaths: PathList {
    /// Position of the first path not less than `key`.
    fn lower_bound(&self, key: &[u8]) -> usize {
        let (mut lo, mut hi) = (0, self.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.path_at(mid) < key {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }

    /// Position of exactly `path`.
    fn find(&self, path: &[u8]) -> Option<usize> {
        let i = self.lower_bound(path);
        (i < self.len() && self.path_at(i) == path).then_some(i)
    }

    /// The entry at `path`, or a directory when some entry lies below it.
    fn meta_of(&self, path: &[u8]) -> Option<Meta> {
        if let Some(i) = self.find(path) {
            return self.meta_at(i);
        }
        let prefix = dir_prefix(path);
        let i = self.lower_bound(&prefix);
        (i < self.len() && self.path_at(i).starts_with(&prefix)).then_some(Meta {
            mode: Mode::Dir,
            size: None,
        })
    }

    /// The positions of the entries at or below `path`: a contiguous run, since `path/...`
    /// sorts together and `path` itself, if present, is not a directory.
    fn range_under(&self, path: &[u8]) -> std::ops::Range<usize> {
        if path.is_empty() {
            return 0..self.len();
        }
        let start = self.lower_bound(path);
        let mut end_key = path.to_vec();
        end_key.push(b'/' + 1);
        let end = self.lower_bound(&end_key).max(start);
        // Skip siblings that sort between `path` and `path/` (`path-x`, `path.txt`).
        let first = (start..end)
            .find(|&i| crate::support::paths::at_or_below(self.path_at(i), path))
            .unwrap_or(end);
        first..end
    }

    /// The position of the last entry that sorts before `path`.
    fn before(&self, path: &[u8]) -> Option<usize> {
        self.lower_bound(path).checked_sub(1)
    }

    /// The distinct names directly below `dir`, in O(children × log entries).
    fn child_names(&self, dir: &[u8]) -> Vec<Vec<u8>> {
        let prefix = dir_prefix(dir);
        let mut out = Vec::new();
        let mut i = self.lower_bound(&prefix);
        while i < self.len() {
            let Some(rest) = self.path_at(i).strip_prefix(prefix.as_slice()) else {
                break;
            };
            let name = rest.split(|&b| b == b'/').next().unwrap_or(rest);
            out.push(name.to_vec());
            if name.len() == rest.len() {
                // A file: `name.csh`, `name.fish` may follow right after it.
                i += 1;
                continue;
            }
            // Skip everything below `name/`: those paths sort before `name0` ('/' + 1).
            let mut next = prefix.clone();
            next.extend_from_slice(name);
            next.push(b'/' + 1);
            i = i.max(self.lower_bound(&next)).max(i + 1);
        }
        out
    }
}

/// A sorted list of file paths, as the index or a tree holds them. Directories are implied by
/// their files, as in git.
#[derive(Clone, Debug)]
pub struct Listing<T> {
    entries: Vec<Listed<T>>,
}

impl<T> PathList for Listing<T> {
    fn len(&self) -> usize {
        self.entries.len()
    }
    fn path_at(&self, i: usize) -> &[u8] {
        &self.entries[i].path
    }
    fn meta_at(&self, i: usize) -> Option<Meta> {
        Some(self.entries[i].meta)
    }
}

impl<T> SortedPaths for Listing<T> {}

impl<T> Listing<T> {
    /// Sorts the entries in git's order (bytewise) and keeps the first of duplicate paths.
    pub fn new(mut entries: Vec<Listed<T>>) -> Listing<T> {
        if !entries.windows(2).all(|w| w[0].path < w[1].path) {
            entries.sort_by(|a, b| a.path.cmp(&b.path));
            entries.dedup_by(|b, a| a.path == b.path);
        }
        Listing { entries }
    }

    /// All entries, sorted.
    pub fn entries(&self) -> &[Listed<T>] {
        &self.entries
    }

    /// The entry at exactly `path`.
    pub fn get(&self, path: &[u8]) -> Option<&Listed<T>> {
        self.find(path).map(|i| &self.entries[i])
    }

    /// The entry at `path`, or a directory when some entry lies below it.
    pub fn meta(&self, path: &[u8]) -> Option<Meta> {
        self.meta_of(path)
    }

    /// The entries at or below `path` (all of them for the empty root).
    pub fn under(&self, path: &[u8]) -> &[Listed<T>] {
        &self.entries[self.range_under(path)]
    }

    /// How many entries are at or below `path`.
    pub fn count_under(&self, path: &[u8]) -> u64 {
        self.range_under(path).len() as u64
    }

    /// The distinct names directly below `dir`.
    pub fn children(&self, dir: &[u8]) -> Vec<Vec<u8>> {
        self.child_names(dir)
    }
}

/// A listing that carries each blob's content: for tests and small in-memory trees.
impl Probe for Listing<Vec<u8>> {
    fn meta(&self, path: &[u8]) -> Option<Meta> {
        Listing::meta(self, path)
    }

    fn read_head(&self, path: &[u8], limit: usize) -> Option<Vec<u8>> {
        let e = self.get(path)?;
        Some(e.data[..e.data.len().min(limit)].to_vec())
    }

    fn children(&self, dir: &[u8]) -> Vec<Vec<u8>> {
        Listing::children(self, dir)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing(paths: &[&str]) -> Listing<Vec<u8>> {
        Listing::new(
            paths
                .iter()
                .map(|p| Listed {
                    path: p.as_bytes().to_vec(),
                    meta: Meta {
                        mode: Mode::File,
                        size: Some(0),
                    },
                    data: Vec::new(),
                })
                .collect(),
        )
    }

    #[test]
    fn children_skip_subtrees_and_keep_order() {
        let l = listing(&[
            "a-b",
            "a.txt",
            "a/x/1",
            "a/x/2",
            "a/y",
            "a0",
            "b/c",
            "venv/bin/activate",
            "venv/bin/activate.csh",
            "venv/bin/activate.fish",
            "venv/bin/python",
            "venv/lib/python3.11/site-packages/x.py",
            "venv/pyvenv.cfg",
        ]);
        let names = |d: &str| -> Vec<String> {
            Probe::children(&l, d.as_bytes())
                .into_iter()
                .map(|n| String::from_utf8(n).unwrap())
                .collect()
        };
        assert_eq!(names(""), ["a-b", "a.txt", "a", "a0", "b", "venv"]);
        assert_eq!(names("a"), ["x", "y"]);
        assert_eq!(names("venv"), ["bin", "lib", "pyvenv.cfg"]);
        // A file's name may prefix its siblings' names.
        assert_eq!(
            names("venv/bin"),
            ["activate", "activate.csh", "activate.fish", "python"]
        );
        assert!(names("nope").is_empty());
    }

    #[test]
    fn meta_reports_implied_directories() {
        let l = listing(&["venv/lib/python3.11/site-packages/x.py"]);
        assert_eq!(
            Probe::meta(&l, b"venv/lib").map(|m| m.mode),
            Some(Mode::Dir)
        );
        assert_eq!(
            Probe::meta(&l, b"venv/lib/python3.11/site-packages/x.py").map(|m| m.mode),
            Some(Mode::File)
        );
        assert_eq!(Probe::meta(&l, b"venv/li"), None);
    }
}
