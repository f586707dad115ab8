//! Detection: from repository paths to the Python environments they belong to.
//!
//! Pure logic. The paths come from wherever the caller found them (staged entries, the index, a
//! working-tree walk, a pre-commit file list); questions about sibling paths ("is there a
//! `pyvenv.cfg` next to this `lib/`?") go through the [`Probe`] trait, which the caller backs
//! with the index, the disk, or both.
//!
//! An environment is recognised by its markers (see `venv-layouts.md` in the project's shared
//! notes), never by its folder name:
//!
//! * definitive: a `pyvenv.cfg` with a `home` key, `conda-meta/history` or `conda-meta/*.json`,
//!   legacy virtualenv's `lib/pythonX.Y/orig-prefix.txt`;
//! * strong, in combination: an `activate` script next to a Python interpreter, a
//!   `site-packages` next to `bin/` or `Scripts/`, `pip-selfcheck.json` or `.Python` at the root,
//!   virtualenv's `_virtualenv.pth`, tox's `.tox-info.json`, pdm's `__pypackages__/X.Y/lib`.

mod conda;
mod examine;
mod extent;
mod model;
mod names;
mod paths;
pub mod pyvenv;

pub(crate) use conda::installed_files;
pub use examine::examine_dir;
pub use extent::{Extent, Split};
pub use model::*;
pub use paths::{Listed, Listing, PathList, SortedPaths};

use crate::support::fxhash::FxHashMap;
use examine::examine;
use names::{is_env_owned, is_python_version, looks_like_env_file};

/// Finds the environments that `paths` belong to, one [`Environment`] per root.
///
/// Candidates are the directories above each path whose next component is an environment's
/// (`bin`, `lib`, `Scripts`, `pyvenv.cfg`, ...). Each candidate is examined once, shallowest
/// first; paths under a confirmed root are assigned to it and not examined further.
pub fn detect<P: PathList + Sync + ?Sized>(paths: &P, probe: &dyn Probe) -> Vec<Environment> {
    // Large inputs (a whole index) are split between two threads; the machine this runs on
    // most often has two cores.
    let candidates = if paths.len() >= PARALLEL_FROM {
        let middle = paths.len() / 2;
        let (second, mut first) = crate::support::parallel::both(
            || candidates_in(paths, middle..paths.len()),
            || candidates_in(paths, 0..middle),
        );
        for (root, hinted) in second {
            *first.entry(root).or_insert(false) |= hinted;
        }
        first
    } else {
        candidates_in(paths, 0..paths.len())
    };
    let mut order: Vec<(&[u8], bool)> = candidates.into_iter().collect();
    order.sort_by(|a, b| depth(a.0).cmp(&depth(b.0)).then(a.0.cmp(b.0)));

    let mut roots: Vec<(&[u8], EnvRoot)> = Vec::new();
    let mut confirmed = Roots::default();
    for (candidate, hinted) in order {
        // A path git would refuse (`..`, `.git`, empty components) is never examined: the
        // probes would read outside the working tree, and a fix would write there.
        if !candidate.is_empty() && !crate::support::paths::is_valid_path(candidate) {
            continue;
        }
        if confirmed.owner(candidate).is_some() {
            continue;
        }
        let mut found = examine(candidate, hinted, probe);
        if found.is_none() && hinted {
            if let Some(deeper) = probe.fallback() {
                found = examine(candidate, hinted, deeper);
            }
        }
        if let Some(env) = found {
            confirmed.insert(candidate, env.rule());
            roots.push((candidate, env));
        }
    }
    if roots.is_empty() {
        return Vec::new();
    }

    // Paths come sorted, so an environment's paths come in a run: a path below the previous
    // path's root (when that root owns its whole folder) belongs to it without a search or a
    // hash, and a top entry equal to the previous one is not hashed again. A path that shares
    // with an unowned previous path at least as many bytes as the longest `root/` is unowned
    // too (a root that prefixes it would prefix the previous path): most paths are settled
    // that way, unless some root owns only some of its entries.
    let mut tallies: Vec<Tally> = Vec::new();
    let mut slots: FxHashMap<&[u8], usize> = FxHashMap::default();
    let longest_key = confirmed.keys.iter().map(Vec::len).max().unwrap_or(0);
    // The previous path's root (when it owns its whole folder), its tally, and its top entry.
    let mut previous: Option<(&[u8], usize, &[u8])> = None;
    // The rule of the current path's root, when it owns only some of its folder.
    let mut rule: Option<&Rule> = None;
    let mut unowned: &[u8] = &[];
    for i in 0..paths.len() {
        let path = paths.path_at(i);
        if !unowned.is_empty() && !confirmed.partial && common_prefix(path, unowned) >= longest_key
        {
            unowned = path;
            continue;
        }
        let (root, slot) = match previous {
            Some((root, slot, _))
                if !root.is_empty()
                    && path.get(root.len()) == Some(&b'/')
                    && path.starts_with(root) =>
            {
                (root, slot)
            }
            _ => match confirmed.owner_and_rule(path) {
                Some((root, root_rule)) => {
                    rule = root_rule;
                    let slot = *slots.entry(root).or_insert_with(|| {
                        tallies.push(Tally {
                            bytes_known: true,
                            ..Tally::default()
                        });
                        tallies.len() - 1
                    });
                    (root, slot)
                }
                None => {
                    previous = None;
                    unowned = path;
                    continue;
                }
            },
        };
        unowned = &[];
        let tally = &mut tallies[slot];
        tally.files += 1;
        match paths.meta_at(i).and_then(|m| m.size) {
            Some(size) => tally.bytes += size,
            None => tally.bytes_known = false,
        }
        // The root itself (a submodule's entry) has no entry below it.
        let below = if root.is_empty() {
            path
        } else {
            path.get(root.len() + 1..).unwrap_or_default()
        };
        let top = match rule {
            // In a folder shared with the project, `bin/activate` is a unit of its own.
            Some(rule) => rule.unit(below),
            None => below.split(|&b| b == b'/').next().unwrap_or(below),
        };
        let dir = below.len() > top.len();
        if !top.is_empty() && previous.is_none_or(|(_, s, t)| s != slot || t != top || dir) {
            *tally.entries.entry(top).or_insert(false) |= dir;
        }
        previous = (rule.is_none() && !root.is_empty()).then_some((root, slot, top));
    }
    roots
        .into_iter()
        .filter_map(|(root, env)| {
            let tally = std::mem::take(&mut tallies[*slots.get(root)?]);
            let mut entries: Vec<Entry> = tally
                .entries
                .into_iter()
                .map(|(name, dir)| Entry {
                    name: name.to_vec(),
                    dir,
                })
                .collect();
            entries.sort();
            Some(Environment {
                root: root.to_vec(),
                recognised: env,
                files: tally.files,
                bytes: tally.bytes,
                bytes_known: tally.bytes_known,
                entries,
            })
        })
        .collect()
}

/// The paths of one environment, counted.
#[derive(Default)]
struct Tally<'a> {
    files: u64,
    bytes: u64,
    bytes_known: bool,
    /// Each top entry, and whether a path lies below it (a folder).
    entries: FxHashMap<&'a [u8], bool>,
}

/// The directories above `path` that its own shape marks as possible environment roots:
/// `R` for `R/bin/activate`, `R/lib/python3.11/...`, `R/pyvenv.cfg`, `R/conda-meta/...`.
pub fn hinted_roots(path: &[u8], meta: Option<Meta>) -> Vec<&[u8]> {
    let mut candidates = Candidates::default();
    collect_candidates(path, meta, 0, &mut candidates);
    candidates
        .into_iter()
        .filter_map(|(root, hinted)| hinted.then_some(root))
        .collect()
}

/// From how many paths candidate collection is split between two threads.
const PARALLEL_FROM: usize = 50_000;

/// The candidate roots of the paths at `range`.
fn candidates_in<P: PathList + ?Sized>(paths: &P, range: std::ops::Range<usize>) -> Candidates<'_> {
    let mut candidates = Candidates::default();
    let mut previous: &[u8] = match range.start.checked_sub(1) {
        Some(i) => paths.path_at(i),
        None => &[],
    };
    for i in range {
        let path = paths.path_at(i);
        // Sorted inputs share their directories with the previous path: what those
        // directories contribute is already collected.
        let common = common_prefix(path, previous);
        collect_candidates(path, paths.meta_at(i), common, &mut candidates);
        previous = path;
    }
    candidates
}

/// How many leading bytes `a` and `b` share, compared eight at a time.
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let mut n = 0;
    for (x, y) in a.chunks_exact(8).zip(b.chunks_exact(8)) {
        let x = u64::from_le_bytes(x.try_into().unwrap_or_default());
        let y = u64::from_le_bytes(y.try_into().unwrap_or_default());
        if x != y {
            return n + ((x ^ y).trailing_zeros() / 8) as usize;
        }
        n += 8;
    }
    n + a[n..]
        .iter()
        .zip(&b[n..])
        .take_while(|(x, y)| x == y)
        .count()
}

fn depth(path: &[u8]) -> usize {
    if path.is_empty() {
        0
    } else {
        1 + path.iter().filter(|&&b| b == b'/').count()
    }
}

/// The confirmed roots, for asking which one owns a path.
#[derive(Default)]
struct Roots<'a> {
    /// Whether the repository root itself is an environment, and what of it it owns.
    top: Option<Rule>,
    /// `root/` for every other root, sorted.
    keys: Vec<Vec<u8>>,
    /// The roots, in the order of `keys`.
    roots: Vec<&'a [u8]>,
    /// For each root, which of its entries it owns; `None` when it owns its whole folder.
    rules: Vec<Option<Rule>>,
    /// Some key is a prefix of another (an environment inside a folder of a project folder
    /// that also holds one): the nearest key does not always own a path.
    nested: bool,
    /// Some root owns only some of its entries.
    partial: bool,
}

impl<'a> Roots<'a> {
    fn insert(&mut self, root: &'a [u8], rule: Option<Rule>) {
        self.partial |= rule.is_some() || root.is_empty();
        if root.is_empty() {
            self.top = Some(rule.unwrap_or(Rule {
                layout: Layout::Posix,
                kind: Kind::Partial,
                listed: Vec::new(),
                split: Vec::new(),
            }));
            return;
        }
        let mut key = root.to_vec();
        key.push(b'/');
        let i = self.keys.partition_point(|k| k < &key);
        self.nested |= self
            .keys
            .iter()
            .any(|k| key.starts_with(k) || k.starts_with(&key));
        self.keys.insert(i, key);
        self.roots.insert(i, root);
        self.rules.insert(i, rule);
    }

    /// Whether the root of key `i` owns `path`, which lies below it.
    fn owns_below(&self, i: usize, path: &[u8]) -> bool {
        match &self.rules[i] {
            None => true,
            Some(rule) => rule.owns(&path[self.keys[i].len()..]),
        }
    }

    /// The root that owns `path`, if any: the nearest root above it, when that root owns the
    /// entry the path lies in.
    fn owner(&self, path: &[u8]) -> Option<&'a [u8]> {
        self.owner_and_rule(path).map(|(root, _)| root)
    }

    /// [`Roots::owner`], and the rule of that root when it owns only some of its folder.
    fn owner_and_rule(&self, path: &[u8]) -> Option<(&'a [u8], Option<&Rule>)> {
        let found = |i: usize| (self.roots[i], self.rules[i].as_ref());
        // The root itself (a submodule's entry): the first key not below `path` is `path/`.
        let at = self.keys.partition_point(|k| k.as_slice() < path);
        if let Some(key) = self.keys.get(at) {
            if key.len() == path.len() + 1 && key.starts_with(path) {
                return Some(found(at));
            }
        }
        // Without nesting, the only key that can be a prefix of `path` is the greatest key not
        // above it.
        let i = self.keys.partition_point(|k| k.as_slice() <= path);
        if let Some(i) = i.checked_sub(1) {
            if path.starts_with(&self.keys[i]) {
                return self.owns_below(i, path).then(|| found(i));
            }
        }
        if self.nested {
            // The nearest root above is the longest key that prefixes the path.
            for end in (0..path.len()).rev().filter(|&j| path[j] == b'/') {
                let prefix = &path[..=end];
                if let Ok(i) = self.keys.binary_search_by(|k| k.as_slice().cmp(prefix)) {
                    return self.owns_below(i, path).then(|| found(i));
                }
            }
        }
        let top = self.top.as_ref()?;
        top.owns(path).then_some((&b""[..], Some(top)))
    }
}

/// Candidate roots, and whether a path's own shape hinted at each.
type Candidates<'a> = FxHashMap<&'a [u8], bool>;

/// Adds the directories above `path` that could be environment roots. The flag says whether
/// the path itself looks like an environment's file (so a costlier look is warranted).
///
/// A component whose following component and the `/` after it lie within the first `known`
/// bytes (shared with a path already collected) adds nothing new and is skipped.
fn collect_candidates<'a>(
    path: &'a [u8],
    meta: Option<Meta>,
    known: usize,
    out: &mut Candidates<'a>,
) {
    // Start at the component before the one where this path leaves the shared prefix: it is
    // the first whose next component may be new.
    let known = known.min(path.len());
    // A submodule is a directory of its own: it may itself be an environment's root.
    if meta.is_some_and(|m| m.mode == Mode::Submodule) {
        out.insert(path, true);
    }
    let mut start = match path[..known].iter().rposition(|&b| b == b'/') {
        Some(slash) => path[..slash]
            .iter()
            .rposition(|&b| b == b'/')
            .map_or(0, |i| i + 1),
        None => 0,
    };
    // Where the component after `start` ends.
    let mut end = component_end(path, start);
    while start <= path.len() {
        let name = &path[start..end];
        let last = end == path.len();
        let next_end = if last {
            end
        } else {
            component_end(path, end + 1)
        };
        let next = (!last).then(|| &path[end + 1..next_end]);
        if next.is_some_and(|n| end + 1 + n.len() < known) {
            (start, end) = (end + 1, next_end);
            continue;
        }
        if is_env_owned(name) {
            let parent = if start == 0 {
                &path[..0]
            } else {
                &path[..start - 1]
            };
            let hint = looks_like_env_file(name, next, last, meta);
            let slot = out.entry(parent).or_insert(false);
            *slot |= hint;
        }
        if name == b"__pypackages__" {
            if let Some(version) = next {
                let version_end = end + 1 + version.len();
                if version_end < path.len() && is_python_version(version) {
                    out.insert(&path[..version_end], true);
                }
            }
        }
        (start, end) = (end + 1, next_end);
    }
}

/// Where the component of `path` that begins at `start` ends.
fn component_end(path: &[u8], start: usize) -> usize {
    path[start..]
        .iter()
        .position(|&b| b == b'/')
        .map_or(path.len(), |i| start + i)
}

#[cfg(test)]
mod tests;
