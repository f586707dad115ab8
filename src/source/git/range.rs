//! The commits of a range, `git rev-list TO ^FROM`, walked here as git's `limit_list` walks
//! them, and what each changed, compared on both threads.
//!
//! git's answer is not the exact set difference: it walks newest committed first and stops
//! once every commit still queued is reachable from `FROM` and a few more (the slop) came
//! and went, so a commit dated earlier than its parent can end the walk early. The walk here
//! follows the same steps, so it lists what git lists.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::commits::{self, Changes, Job};
use super::odb::Id;
use super::store::{Store, StorePlace};
use super::Error;
use crate::support::fxhash::{FxHashMap, FxHashSet};

/// How many commits git walks on once only commits reachable from `FROM` are queued.
const SLOP: u32 = 5;

/// What git's walk knows of one commit id.
#[derive(Clone, Copy, Default)]
struct Flags {
    /// Reachable from `FROM` (git's `UNINTERESTING`).
    uninteresting: bool,
    /// Queued once already (git's `SEEN`).
    seen: bool,
    /// In the queue now.
    queued: bool,
    /// Read: its place in `Walk::commits`.
    parsed: Option<u32>,
}

/// What the walk reads of a commit.
struct Commit {
    id: Id,
    tree: Id,
    /// Where its parents are in `Walk::parents`, and how many.
    parents: (u32, u32),
    time: u64,
}

/// The commits read so far and the queue of those still to walk, newest committed first
/// (among commits of one date, the first queued).
struct Walk<'s> {
    store: &'s mut Store,
    shallow: &'s FxHashSet<Id>,
    flags: FxHashMap<Id, Flags>,
    commits: Vec<Commit>,
    /// The parents of every commit read, one after another (one allocation, not one per
    /// commit).
    parents: Vec<Id>,
    /// What [`Walk::mark_parents`] has still to mark, kept from one call to the next.
    stack: Vec<Id>,
    queue: BinaryHeap<(u64, Reverse<u32>, u32)>,
    queued: u32,
    /// How many commits in the queue are not reachable from `FROM` (as far as is known).
    interesting: usize,
}

impl Walk<'_> {
    /// Reads commit `id` (once), its parents dropped at a shallow clone's edge.
    fn parse(&mut self, id: &Id) -> Result<u32, Error> {
        if let Some(at) = self.flags.get(id).and_then(|f| f.parsed) {
            return Ok(at);
        }
        let start = self.parents.len();
        let (tree, time) = self.store.commit_links_into(id, &mut self.parents)?;
        if self.shallow.contains(id) {
            self.parents.truncate(start);
        }
        let at = self.commits.len() as u32;
        self.commits.push(Commit {
            id: *id,
            tree,
            parents: (start as u32, (self.parents.len() - start) as u32),
            time,
        });
        self.flags.entry(*id).or_default().parsed = Some(at);
        Ok(at)
    }

    /// Queues commit `at` unless it was queued before.
    fn push(&mut self, at: u32) {
        let id = self.commits[at as usize].id;
        let flags = self.flags.entry(id).or_default();
        if flags.seen {
            return;
        }
        flags.seen = true;
        flags.queued = true;
        if !flags.uninteresting {
            self.interesting += 1;
        }
        self.queue
            .push((self.commits[at as usize].time, Reverse(self.queued), at));
        self.queued += 1;
    }

    /// The newest queued commit.
    fn pop(&mut self) -> Option<u32> {
        let (_, _, at) = self.queue.pop()?;
        let flags = self.flags.entry(self.commits[at as usize].id).or_default();
        flags.queued = false;
        if !flags.uninteresting {
            self.interesting -= 1;
        }
        Some(at)
    }

    /// The parents of commit `at`.
    fn parents_of(&self, at: u32) -> &[Id] {
        let (start, len) = self.commits[at as usize].parents;
        &self.parents[start as usize..(start + len) as usize]
    }

    /// Parent `i` of commit `at`.
    fn parent(&self, at: u32, i: u32) -> Id {
        self.parents[(self.commits[at as usize].parents.0 + i) as usize]
    }

    fn is_uninteresting(&self, id: &Id) -> bool {
        self.flags.get(id).is_some_and(|f| f.uninteresting)
    }

    /// Marks `id` reachable from `FROM`; false if it was already.
    fn mark(&mut self, id: &Id) -> bool {
        let flags = self.flags.entry(*id).or_default();
        if flags.uninteresting {
            return false;
        }
        flags.uninteresting = true;
        if flags.queued {
            self.interesting -= 1;
        }
        true
    }

    /// Marks the parents of commit `at` reachable from `FROM`, and theirs, as far as the
    /// commits read so far tell (git's `mark_parents_uninteresting`).
    fn mark_parents(&mut self, at: u32) {
        let mut stack = std::mem::take(&mut self.stack);
        stack.extend_from_slice(self.parents_of(at));
        while let Some(id) = stack.pop() {
            if !self.mark(&id) {
                continue;
            }
            if let Some(parent) = self.flags.get(&id).and_then(|f| f.parsed) {
                stack.extend_from_slice(self.parents_of(parent));
            }
        }
        self.stack = stack;
    }

    /// git's `still_interesting`: the slop left once the commit just walked was reachable from
    /// `FROM`; 0 ends the walk.
    fn slop_after(&self, date: u64, slop: u32) -> u32 {
        let Some(&(newest, _, _)) = self.queue.peek() else {
            return 0;
        };
        if date <= newest || self.interesting > 0 {
            return SLOP;
        }
        slop - 1
    }
}

/// The commits `git rev-list TO ^FROM` lists, in its order, and what each added or changed
/// relative to its first parent (everything, for a root commit or at a shallow clone's edge).
/// The comparisons run on both threads, the first ones while the walk goes on.
pub(super) fn changed_between(
    place: &StorePlace,
    store: &mut Store,
    to: &Id,
    from: &Id,
    shallow: &FxHashSet<Id>,
) -> Result<(Vec<Id>, Changes), Error> {
    commits::compare_beside(place, store, |store, emit| {
        rev_list(store, to, from, shallow, emit)
    })
}

/// Walks `TO ^FROM` as git does and hands `emit` the comparison of each commit it lists, as it
/// lists it; the commits listed, in git's order. A commit listed and found reachable from
/// `FROM` later (after a clock skew) is compared but left out.
pub(super) fn rev_list(
    store: &mut Store,
    to: &Id,
    from: &Id,
    shallow: &FxHashSet<Id>,
    emit: &mut dyn FnMut(Vec<Job>),
) -> Result<Vec<Id>, Error> {
    let mut walk = Walk {
        store,
        shallow,
        flags: FxHashMap::default(),
        commits: Vec::new(),
        parents: Vec::new(),
        stack: Vec::new(),
        queue: BinaryHeap::new(),
        queued: 0,
        interesting: 0,
    };
    let to = walk.parse(to)?;
    let from_at = walk.parse(from)?;
    let from = walk.commits[from_at as usize].id;
    walk.mark(&from);
    walk.mark_parents(from_at);
    walk.push(to);
    walk.push(from_at);
    let (mut slop, mut date) = (SLOP, u64::MAX);
    let mut listed = Vec::new();
    let mut batch = Vec::new();
    while let Some(at) = walk.pop() {
        let id = walk.commits[at as usize].id;
        let count = walk.commits[at as usize].parents.1;
        if walk.is_uninteresting(&id) {
            for i in 0..count {
                let parent = walk.parent(at, i);
                walk.mark(&parent);
                // A parent git cannot read is passed over on this side of the range.
                let Ok(p) = walk.parse(&parent) else {
                    continue;
                };
                if walk.commits[p as usize].parents.1 > 0 {
                    walk.mark_parents(p);
                }
                walk.push(p);
            }
            walk.mark_parents(at);
            slop = walk.slop_after(date, slop);
            if slop == 0 {
                break;
            }
            continue;
        }
        let mut old = None;
        for i in 0..count {
            let p = walk.parse(&walk.parent(at, i))?;
            if i == 0 {
                old = Some(walk.commits[p as usize].tree);
            }
            walk.push(p);
        }
        let commit = &walk.commits[at as usize];
        date = commit.time;
        batch.push(Job {
            commit: id,
            old,
            new: commit.tree,
        });
        listed.push(id);
        if batch.len() >= commits::run_length(listed.len()) {
            emit(std::mem::take(&mut batch));
        }
    }
    if !batch.is_empty() {
        emit(batch);
    }
    listed.retain(|id| !walk.is_uninteresting(id));
    Ok(listed)
}
