//! Commits and trees read straight from the object store, for the walks over a history
//! (`scan --history`, `scan --range`): each commit is read once, each tree is compared with its
//! parent's in place, without building entries, and only the subtrees whose ids differ are read.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering as AtomicOrdering};
use std::sync::{mpsc, Condvar, Mutex, PoisonError};

use super::commit_object::Commit;
use super::path_table::PathTable;
use super::store::{Store, StorePlace};
use super::tree_object::{first_entry, shared_ends, tree_order, Entry};
use super::{mode_of, Error, ObjectId};
use crate::detect::Mode;
use crate::source::git::odb::Id;
use crate::support::fxhash::{FxHashMap, FxHashSet};
use crate::support::generations::Generations;

/// A tree comparison to make: the tree `new` of `commit` against its first parent's, `old`.
pub(super) struct Job {
    pub(super) commit: Id,
    pub(super) old: Option<Id>,
    pub(super) new: Id,
}

/// Comparisons are handed out up to this many at a time, so that each thread compares long
/// runs of neighbouring commits, whose trees it has just read: the fewer runs, the fewer trees
/// both threads read (on pr-history 64 at a time read 246,000 trees, 512 at a time 217,000).
/// The first runs are shorter (an eighth of the commits read so far, at least 64), so that the
/// helper starts early and a small history is still shared.
const BATCH: usize = 512;

/// How many comparisons to hand out at once when `walked` commits were read so far.
pub(super) fn run_length(walked: usize) -> usize {
    (walked / 8).clamp(64, BATCH)
}

/// A blob or link that a commit added or changed: its path's number in the walk's
/// [`PathTable`], its mode and its id.
#[derive(Clone, Copy, Debug)]
pub(super) struct Change {
    pub(super) path: u32,
    pub(super) mode: Mode,
    pub(super) blob: ObjectId,
}

/// What each commit added or changed, and the paths it names: the changes of all commits in
/// one run, each commit's where `by_commit` says.
#[derive(Default)]
pub(super) struct Changes {
    all: Vec<Change>,
    by_commit: FxHashMap<Id, (u32, u32)>,
    pub(super) paths: PathTable,
}

impl Changes {
    /// What `commit` added or changed (nothing, for a commit not compared).
    pub(super) fn of(&self, commit: &Id) -> &[Change] {
        match self.by_commit.get(commit) {
            Some(&(start, end)) => &self.all[start as usize..end as usize],
            None => &[],
        }
    }

    /// Both threads' changes as one: the table with fewer paths is renumbered into the other,
    /// so that the merge looks up as few paths as it can (one thread may have met nearly all
    /// of them, an environment's thousands).
    fn merge(mut self, mut other: Changes) -> Changes {
        if other.paths.len() > self.paths.len() {
            std::mem::swap(&mut self, &mut other);
        }
        self.absorb(other);
        self
    }

    /// Takes in `other`'s changes, its paths renumbered as this table numbers them.
    fn absorb(&mut self, other: Changes) {
        let numbers = self.paths.absorb(&other.paths);
        let shift = self.all.len() as u32;
        self.all.extend(other.all.into_iter().map(|change| Change {
            path: numbers[change.path as usize],
            ..change
        }));
        self.by_commit.extend(
            other
                .by_commit
                .into_iter()
                .map(|(commit, (start, end))| (commit, (start + shift, end + shift))),
        );
    }
}

/// Every commit reachable from `tips`, read once, in an order where each commit comes after
/// its parents (among commits ready at the same point, the oldest committed first); with what
/// each added or changed relative to its first parent (everything, for a root commit).
/// Parents of the commits in `shallow` are not followed: a shallow clone lacks them.
pub(super) fn walk_and_diff(
    place: &StorePlace,
    store: &mut Store,
    tips: &[Id],
    shallow: &FxHashSet<Id>,
) -> Result<(Vec<Commit>, Changes), Error> {
    let ((commits, position), changes) =
        compare_beside(place, store, |store, emit| walk(store, tips, shallow, emit))?;
    Ok((in_order(commits, &position), changes))
}

/// Runs `walk`, which hands the tree comparisons it finds to its second argument, and makes
/// those comparisons on two threads: while this one walks, a helper compares what was handed
/// over; when the walk is done, both compare what is left.
///
/// The helper hands its changes over before it lets go of its caches (thousands of trees, some
/// milliseconds to free), so that this thread takes them in while the helper frees.
pub(super) fn compare_beside<T>(
    place: &StorePlace,
    store: &mut Store,
    walk: impl FnOnce(&mut Store, &mut dyn FnMut(Vec<Job>)) -> Result<T, Error>,
) -> Result<(T, Changes), Error> {
    let (send, receive) = mpsc::channel::<Vec<Job>>();
    let receive = Mutex::new(receive);
    let stop = AtomicBool::new(false);
    let handoff = Handoff::default();
    let (receive, stop, handoff) = (&receive, &stop, &handoff);
    let ((), (walked, mine)) = crate::support::parallel::both(
        || {
            let started = handoff.start();
            let mut store = Store::open(place);
            let mut trees = RecentTrees::for_store(&store);
            started.give(compare(&mut store, &mut trees, receive, stop));
            // `trees` and `store` are freed here, after the changes went over.
        },
        move || {
            let walked = walk(store, &mut |jobs| {
                // The helper only hangs up after an error, which it reports itself.
                let _ = send.send(jobs);
            });
            drop(send);
            let mine = match &walked {
                Ok(_) => compare(store, &mut RecentTrees::for_store(store), receive, stop),
                Err(_) => {
                    stop.store(true, AtomicOrdering::Relaxed);
                    Ok(Changes::default())
                }
            };
            // The helper's changes, if it runs beside this thread (else it runs after it).
            let mine = match handoff.take_when_done() {
                Some(theirs) => mine.and_then(|mine| Ok(mine.merge(theirs?))),
                None => mine,
            };
            (walked, mine)
        },
    );
    let walked = walked?;
    let mut changes = mine?;
    if let Some(theirs) = handoff.take() {
        changes = changes.merge(theirs?);
    }
    Ok((walked, changes))
}

/// The helper's changes on their way to the walking thread.
#[derive(Default)]
struct Handoff {
    state: Mutex<Helper>,
    done: Condvar,
}

#[derive(Default)]
enum Helper {
    #[default]
    NotStarted,
    Comparing,
    /// Its changes, until they are taken (none if it panicked).
    Done(Option<Result<Changes, Error>>),
}

/// The started helper's side of the handoff: [`Finished::give`] hands its changes over, and a
/// helper dropped without giving them (a panic) is marked done all the same, so that nobody
/// waits for it forever.
struct Finished<'a>(&'a Handoff);

impl Finished<'_> {
    fn give(self, changes: Result<Changes, Error>) {
        *self.0.lock() = Helper::Done(Some(changes));
    }
}

impl Drop for Finished<'_> {
    fn drop(&mut self) {
        let mut state = self.0.lock();
        if matches!(*state, Helper::Comparing) {
            *state = Helper::Done(None);
        }
        self.0.done.notify_all();
    }
}

impl Handoff {
    fn lock(&self) -> std::sync::MutexGuard<'_, Helper> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The helper has started; it is done when the guard gives its changes or is dropped.
    fn start(&self) -> Finished<'_> {
        *self.lock() = Helper::Comparing;
        Finished(self)
    }

    /// The helper's changes once it is done, if it has started.
    fn take_when_done(&self) -> Option<Result<Changes, Error>> {
        let mut state = self.lock();
        while matches!(*state, Helper::Comparing) {
            state = self
                .done
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        match &mut *state {
            Helper::Done(changes) => changes.take(),
            _ => None,
        }
    }

    /// The helper's changes, if they were not taken.
    fn take(&self) -> Option<Result<Changes, Error>> {
        match &mut *self.lock() {
            Helper::Done(changes) => changes.take(),
            _ => None,
        }
    }
}

/// Reads every commit reachable from `tips`, newest committed first (as `git log` walks), and
/// hands `emit` each commit's tree comparison as it comes: the trees a commit's comparison
/// reads are then mostly trees the comparisons just before it read (its parent's, a
/// sibling's on the same base), still in [`RecentTrees`]. The commits come back in the order
/// a depth-first walk from `tips` meets them, with their places in it.
fn walk(
    store: &mut Store,
    tips: &[Id],
    shallow: &FxHashSet<Id>,
    emit: &mut dyn FnMut(Vec<Job>),
) -> Result<(Vec<Commit>, FxHashMap<Id, u32>), Error> {
    let mut commits: Vec<Commit> = Vec::new();
    let mut position: FxHashMap<Id, u32> = FxHashMap::default();
    let mut frontier = Frontier::default();
    for tip in tips {
        frontier.meet(store, &position, shallow, tip)?;
    }
    let mut batch = Vec::new();
    while let Some(commit) = frontier.next() {
        for parent in &commit.parents {
            frontier.meet(store, &position, shallow, parent)?;
        }
        let old = commit
            .parents
            .first()
            .map(|parent| match frontier.pending.get(parent) {
                Some(parent) => parent.tree,
                None => commits[position[parent] as usize].tree,
            });
        batch.push(Job {
            commit: commit.id,
            old,
            new: commit.tree,
        });
        position.insert(commit.id, commits.len() as u32);
        commits.push(commit);
        if batch.len() >= run_length(commits.len()) {
            emit(std::mem::take(&mut batch));
        }
    }
    if !batch.is_empty() {
        emit(batch);
    }
    Ok(depth_first(commits, &position, tips))
}

/// The commits read but not walked yet, and the queue of them: newest committed first, then
/// the first met.
#[derive(Default)]
struct Frontier {
    pending: FxHashMap<Id, Commit>,
    queue: BinaryHeap<(u64, Reverse<u32>, Id)>,
    met: u32,
}

impl Frontier {
    /// Reads commit `id` into the queue, unless it was met before.
    fn meet(
        &mut self,
        store: &mut Store,
        walked: &FxHashMap<Id, u32>,
        shallow: &FxHashSet<Id>,
        id: &Id,
    ) -> Result<(), Error> {
        if self.pending.contains_key(id) || walked.contains_key(id) {
            return Ok(());
        }
        let mut commit = store.commit(id)?;
        if shallow.contains(id) {
            commit.parents.clear();
        }
        self.queue.push((commit.time, Reverse(self.met), *id));
        self.met += 1;
        self.pending.insert(*id, commit);
        Ok(())
    }

    /// The newest commit in the queue.
    fn next(&mut self) -> Option<Commit> {
        let (_, _, id) = self.queue.pop()?;
        self.pending.remove(&id)
    }
}

/// `commits` in the order a depth-first walk from `tips` (first parents first) meets them,
/// with their places in that order.
fn depth_first(
    commits: Vec<Commit>,
    position: &FxHashMap<Id, u32>,
    tips: &[Id],
) -> (Vec<Commit>, FxHashMap<Id, u32>) {
    let mut order: Vec<u32> = Vec::with_capacity(commits.len());
    let mut placed = vec![false; commits.len()];
    let mut stack: Vec<Id> = tips.iter().rev().copied().collect();
    while let Some(id) = stack.pop() {
        let Some(&i) = position.get(&id) else {
            continue;
        };
        if std::mem::replace(&mut placed[i as usize], true) {
            continue;
        }
        order.push(i);
        stack.extend(commits[i as usize].parents.iter().rev().copied());
    }
    let mut slots: Vec<Option<Commit>> = commits.into_iter().map(Some).collect();
    let commits: Vec<Commit> = order
        .into_iter()
        .filter_map(|i| slots[i as usize].take())
        .collect();
    let position = commits
        .iter()
        .enumerate()
        .map(|(i, commit)| (commit.id, i as u32))
        .collect();
    (commits, position)
}

/// Compares the trees of the jobs taken from `jobs` until there are none left (or `stop`).
pub(super) fn compare(
    store: &mut Store,
    trees: &mut RecentTrees,
    jobs: &Mutex<mpsc::Receiver<Vec<Job>>>,
    stop: &AtomicBool,
) -> Result<Changes, Error> {
    let mut prefix = Vec::new();
    let mut out = Changes::default();
    loop {
        let batch = jobs.lock().unwrap_or_else(PoisonError::into_inner).recv();
        let Ok(batch) = batch else {
            return Ok(out);
        };
        for job in batch {
            if stop.load(AtomicOrdering::Relaxed) {
                return Ok(out);
            }
            let start = out.all.len() as u32;
            let (changes, paths) = (&mut out.all, &mut out.paths);
            let compared = diff_trees(
                store,
                job.old.as_ref(),
                &job.new,
                &mut prefix,
                trees,
                &mut |path, mode, id| {
                    changes.push(Change {
                        path: paths.number(path),
                        mode,
                        blob: ObjectId::sha1(id),
                    })
                },
            );
            if let Err(e) = compared {
                stop.store(true, AtomicOrdering::Relaxed);
                return Err(e);
            }
            let end = out.all.len() as u32;
            out.by_commit.insert(job.commit, (start, end));
        }
    }
}

/// `commits` ordered so that each comes after its parents; among the commits ready at one
/// point, the oldest committed first (Kahn's algorithm over the parent links).
fn in_order(commits: Vec<Commit>, position: &FxHashMap<Id, u32>) -> Vec<Commit> {
    let mut waiting: Vec<u32> = vec![0; commits.len()];
    let mut children: Vec<Vec<u32>> = vec![Vec::new(); commits.len()];
    for (i, commit) in commits.iter().enumerate() {
        let mut seen: Vec<u32> = Vec::with_capacity(commit.parents.len());
        for parent in &commit.parents {
            let Some(&p) = position.get(parent) else {
                continue;
            };
            if !seen.contains(&p) {
                seen.push(p);
                children[p as usize].push(i as u32);
                waiting[i] += 1;
            }
        }
    }
    let mut ready: BinaryHeap<Reverse<(u64, u32)>> = commits
        .iter()
        .enumerate()
        .filter(|(i, _)| waiting[*i] == 0)
        .map(|(i, c)| Reverse((c.time, i as u32)))
        .collect();
    let mut order = Vec::with_capacity(commits.len());
    while let Some(Reverse((_, i))) = ready.pop() {
        order.push(i);
        for &child in &children[i as usize] {
            waiting[child as usize] -= 1;
            if waiting[child as usize] == 0 {
                ready.push(Reverse((commits[child as usize].time, child)));
            }
        }
    }
    let mut slots: Vec<Option<Commit>> = commits.into_iter().map(Some).collect();
    order
        .into_iter()
        .filter_map(|i| slots[i as usize].take())
        .collect()
}

/// Bytes of trees a walk keeps for the commits after the one that read them.
const TREE_CACHE_BYTES: usize = 8 << 20;

/// The trees read lately, within [`TREE_CACHE_BYTES`], in two generations (the trees no
/// commit used since the last turnover leave). A commit's parent trees are mostly trees the
/// commits just before it read (its parent, a sibling on the same base), so most are found
/// here, read and checked once.
pub(super) struct RecentTrees(Generations<Id, Rc<Vec<u8>>>);

impl RecentTrees {
    /// An empty cache for the trees of `store`: [`TREE_CACHE_BYTES`], or less for a small
    /// store.
    pub(super) fn for_store(store: &Store) -> RecentTrees {
        RecentTrees(Generations::new(
            store.cache_bytes(TREE_CACHE_BYTES),
            |tree: &Rc<Vec<u8>>| tree.len(),
        ))
    }

    fn get(&mut self, store: &mut Store, id: &Id) -> Result<Rc<Vec<u8>>, Error> {
        if let Some(tree) = self.0.get(id) {
            return Ok(tree);
        }
        let tree = store.tree(id)?;
        self.0.put(*id, Rc::clone(&tree));
        Ok(tree)
    }
}

/// Calls `f` with the path, mode and id of every blob or link of tree `new` that tree `old`
/// does not have with the same id and mode, descending only into subtrees whose ids differ (as
/// git does). Both trees are walked side by side in git's order.
pub(super) fn diff_trees(
    store: &mut Store,
    old: Option<&Id>,
    new: &Id,
    prefix: &mut Vec<u8>,
    trees: &mut RecentTrees,
    f: &mut impl FnMut(&[u8], Mode, &Id),
) -> Result<(), Error> {
    if old == Some(new) {
        return Ok(());
    }
    if super::too_deep(prefix) {
        return Err(Error::TreeDepth(prefix.clone()));
    }
    let old_tree = match old {
        Some(id) => Some(trees.get(store, id)?),
        None => None,
    };
    let new_tree = trees.get(store, new)?;
    let old_bytes = old_tree.as_deref().map_or(&[][..], |t| &t[..]);
    // The entries both trees begin with are the same, and so are those they end with once the
    // rest of both is the same bytes: neither side is read there.
    let (start, tail) = shared_ends(old_bytes, &new_tree);
    let (mut before, mut after) = (&old_bytes[start..], &new_tree[start..]);
    let mut old_next = first_entry(before);
    while let Some((entry, len)) = first_entry(after) {
        if after.len() == before.len() && after.len() <= tail {
            break;
        }
        after = &after[len..];
        while let Some((b, b_len)) = old_next {
            if tree_order(&b, &entry) != Ordering::Less {
                break;
            }
            before = &before[b_len..];
            old_next = first_entry(before);
        }
        let same_name = match old_next {
            Some((b, b_len)) if b.name == entry.name => {
                before = &before[b_len..];
                old_next = first_entry(before);
                Some(b)
            }
            _ => None,
        };
        if same_name.is_some_and(|b| b.mode == entry.mode && b.id == entry.id) {
            continue;
        }
        let len = prefix.len();
        if len > 0 {
            prefix.push(b'/');
        }
        prefix.extend_from_slice(entry.name);
        if entry.is_tree() {
            let old_sub = same_name.filter(Entry::is_tree).map(|b| *b.id);
            diff_trees(store, old_sub.as_ref(), entry.id, prefix, trees, f)?;
        } else if let Some(mode) = mode_of(entry.mode).filter(|m| *m != Mode::Submodule) {
            f(prefix, mode, entry.id);
        }
        prefix.truncate(len);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_order_reads_trees_with_a_slash() {
        let id = [0; 20];
        let e = |name: &'static str, mode| Entry {
            mode,
            name: name.as_bytes(),
            id: &id,
        };
        // "a.b" < "a/" (a tree) but "a" (a file) < "a.b".
        assert_eq!(
            tree_order(&e("a.b", 0o100644), &e("a", 0o040000)),
            Ordering::Less
        );
        assert_eq!(
            tree_order(&e("a", 0o100644), &e("a.b", 0o100644)),
            Ordering::Less
        );
        assert_eq!(
            tree_order(&e("a", 0o100644), &e("a", 0o040000)),
            Ordering::Less
        );
    }

    /// Both threads' changes merge into one whichever thread met more paths: every commit
    /// keeps its changes and paths, and the table that had more keeps its numbers.
    #[test]
    fn changes_merge_into_the_larger_table() {
        let changes = |commit: u8, paths: &[&str]| {
            let mut out = Changes::default();
            for path in paths {
                let path = out.paths.number(path.as_bytes());
                out.all.push(Change {
                    path,
                    mode: Mode::File,
                    blob: ObjectId::sha1(&[commit; 20]),
                });
            }
            out.by_commit.insert([commit; 20], (0, paths.len() as u32));
            out
        };
        let small = || changes(1, &["README", "env/pyvenv.cfg"]);
        let large = || changes(2, &["env/bin/activate", "env/pyvenv.cfg", "env/lib/a.py"]);
        for merged in [small().merge(large()), large().merge(small())] {
            assert_eq!(merged.paths.len(), 4);
            let paths = |commit: u8| -> Vec<&[u8]> {
                merged
                    .of(&[commit; 20])
                    .iter()
                    .map(|change| merged.paths.path(change.path))
                    .collect()
            };
            assert_eq!(paths(1), [&b"README"[..], b"env/pyvenv.cfg"]);
            assert_eq!(
                paths(2),
                [&b"env/bin/activate"[..], b"env/pyvenv.cfg", b"env/lib/a.py"]
            );
            // The larger table's numbers stand; the smaller's new path comes after them.
            assert_eq!(merged.paths.path(0), b"env/bin/activate");
            assert_eq!(merged.paths.path(3), b"README");
        }
    }

    /// The history of a repository with a merge, read with the tree comparisons split between
    /// two threads and, as when no second thread can be started, all on one.
    #[test]
    fn history_is_the_same_on_one_thread() {
        let dir = tempfile::tempdir().unwrap();
        let git = |args: &[&str]| crate::support::test_git::git_ok(dir.path(), args);
        git(&["init", "-q", "-b", "main"]);
        for i in 0..300 {
            let file = dir.path().join(format!("d{}/f{i}.txt", i % 7));
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(file, format!("{i}\n")).unwrap();
            git(&["add", "-A"]);
            git(&["commit", "-q", "-m", &format!("c{i}")]);
            if i == 150 {
                git(&["branch", "side"]);
            }
        }
        git(&["checkout", "-q", "side"]);
        std::fs::write(dir.path().join("side.txt"), "side\n").unwrap();
        git(&["add", "-A"]);
        git(&["commit", "-q", "-m", "side"]);
        git(&["checkout", "-q", "main"]);
        git(&["merge", "-q", "--no-edit", "side"]);
        git(&["repack", "-a", "-d", "-q"]);

        let summary = || {
            let repo = crate::source::git::Repo::discover(dir.path())
                .unwrap()
                .unwrap();
            let history = repo.history().unwrap();
            let commits: Vec<String> = history.commits.iter().map(|c| c.id.clone()).collect();
            let paths: Vec<(Vec<u8>, Vec<usize>)> = history
                .paths
                .paths()
                .into_iter()
                .map(|p| {
                    (
                        p.path.clone(),
                        history.versions_under(&p.path)[0].commits.clone(),
                    )
                })
                .collect();
            (commits, paths)
        };
        let threaded = summary();
        assert_eq!(threaded.0.len(), 302);
        assert_eq!(threaded.1.len(), 301);
        crate::support::parallel::ONE_THREAD.with(|one| one.set(true));
        let alone = summary();
        crate::support::parallel::ONE_THREAD.with(|one| one.set(false));
        assert_eq!(alone, threaded);
    }

    /// A helper that panics after it started is marked done by its guard: the walking thread
    /// goes on (and the panic is resumed where the threads are joined) instead of waiting for
    /// changes that never come.
    #[test]
    fn a_helper_that_panics_is_not_waited_for() {
        let handoff = std::sync::Arc::new(Handoff::default());
        let (started, wait) = mpsc::channel();
        let helper = std::thread::spawn({
            let handoff = std::sync::Arc::clone(&handoff);
            move || {
                let _done = handoff.start();
                started.send(()).unwrap();
                panic!("the helper fails");
            }
        });
        wait.recv().unwrap();
        // Waited for on a thread of its own, so that a wait that never ends fails the test.
        let (taken, took) = mpsc::channel();
        std::thread::spawn(move || taken.send(handoff.take_when_done().is_none()));
        let waited = took.recv_timeout(std::time::Duration::from_secs(30));
        assert_eq!(
            waited,
            Ok(true),
            "the walking thread waited for a dead helper"
        );
        assert!(helper.join().is_err());
    }
}
