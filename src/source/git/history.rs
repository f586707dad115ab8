//! Commits as sources: what a range of commits changed, and every path the history ever held,
//! read with venv-guard's own object reader.

use git2::Oid;

use super::commits::{self, Change};
use super::odb::Id;
use super::path_table::PathTable;
use super::store::{Store, StorePlace};
use super::tree::Objects;
use super::tree_files::TreeFiles;
use super::{object_dirs_from_env, range, Error, ObjectId, Repo};
use crate::detect::{Listed, Meta, Mode, Probe, SortedPaths};
use crate::report::CommitInfo;
use crate::support::fxhash::{FxHashMap, FxHashSet};

impl Repo {
    /// The entries added or changed by the commits in `from..to` (reachable from `to`, not from
    /// `from`), each in its newest version; with the tree of `to` behind them for sibling
    /// questions.
    pub(crate) fn changed_between(
        &self,
        from: &str,
        to: &str,
    ) -> Result<(Objects<'_>, Option<RangeEnd<'_>>), Error> {
        if let Some(cli) = self.through_git() {
            let [from_id, to_id] = cli.resolve_all([from, to]);
            let range = format!("{}..{}", from_id?, to_id?);
            let mut newest: FxHashMap<Vec<u8>, Listed<ObjectId>> = FxHashMap::default();
            for commit in cli.log(&["--end-of-options".as_ref(), range.as_ref()])? {
                for entry in commit.changes {
                    newest.entry(entry.path.clone()).or_insert(entry);
                }
            }
            let changed = Objects::new(self, newest.into_values().collect());
            let end = cli.ls_tree(to)?.map(|files| Objects::new(self, files));
            return Ok((changed, end.map(RangeEnd::Listed)));
        }
        let [from_id, to_id] = self.commits_named(from, to)?;
        let id = |hex: &str| {
            super::odb::from_hex(hex.as_bytes()).ok_or_else(|| {
                Error::GitCommand(format!("git named a commit venv-guard cannot read: {hex}"))
            })
        };
        let (from_commit, to_commit) = (id(&from_id)?, id(&to_id)?);
        let place = self.store_place();
        let (order, changes) = range::changed_between(
            &place,
            &mut Store::open(&place),
            &to_commit,
            &from_commit,
            &self.shallow_commits(),
        )?;
        // Each path in its newest version: the first a commit in git's order wrote.
        let mut taken = vec![false; changes.paths.len()];
        let mut newest = Vec::new();
        for commit in &order {
            for change in changes.of(commit) {
                if !std::mem::replace(&mut taken[change.path as usize], true) {
                    newest.push(Listed {
                        path: changes.paths.path(change.path).to_vec(),
                        meta: Meta {
                            mode: change.mode,
                            size: None,
                        },
                        data: change.blob,
                    });
                }
            }
        }
        let changed = Objects::new(self, newest);
        let end = self.with_store(|store| store.peel_to_tree(to_commit))?;
        let end = end.ok_or_else(|| Error::GitCommand(format!("{to_id} names no commit")))?;
        Ok((changed, Some(RangeEnd::Read(TreeFiles::new(self, end)))))
    }

    /// The commits `from` and `to` name, in hexadecimal: a whole object id (as CI passes the
    /// ends of a range), or a ref name git's rules find in one place, with any `~N` and `^N`
    /// after it, is read here ([`Repo::commit_named_here`]); anything else is resolved by
    /// `git rev-parse --verify REV^{commit}`, both ends at once where both need it.
    pub(super) fn commits_named(&self, from: &str, to: &str) -> Result<[String; 2], Error> {
        match [from, to].map(|rev| self.commit_named_here(rev)) {
            [Some(from), Some(to)] => Ok([from, to]),
            [Some(from), None] => Ok([from, self.git().resolve(to)?]),
            [None, Some(to)] => Ok([self.git().resolve(from)?, to]),
            [None, None] => {
                let [from, to] = self.git().resolve_all([from, to]);
                Ok([from?, to?])
            }
        }
    }

    /// `git`, where history is read through it: where venv-guard's reader cannot (SHA-256,
    /// reftable) and where replacements or grafts make git see other commits than the
    /// objects hold.
    fn through_git(&self) -> Option<&super::cli::Cli> {
        self.cli()
            .or_else(|| self.rewrites_history().then(|| self.git()))
    }

    /// Whether commits are replaced (`refs/replace/`, which git honours unless
    /// `GIT_NO_REPLACE_OBJECTS` is set) or grafted (`info/grafts`): git's walks then see other
    /// parents than the objects hold.
    fn rewrites_history(&self) -> bool {
        if self.common_dir().join("info/grafts").exists() {
            return true;
        }
        if std::env::var_os("GIT_NO_REPLACE_OBJECTS").is_some() {
            return false;
        }
        if std::env::var_os("GIT_REPLACE_REF_BASE").is_some() {
            return true;
        }
        // Looked for in the files themselves: listing the refs through libgit2 would parse
        // every packed ref of a repository that has tens of thousands.
        let common = self.common_dir();
        let loose = std::fs::read_dir(common.join("refs/replace"))
            .is_ok_and(|mut entries| entries.next().is_some());
        let packed =
            match crate::support::mapped::read_regular(&common.join("packed-refs"), 1 << 30) {
                Ok(packed) => packed.split(|&b| b == b'\n').any(|line| {
                    let name = line.splitn(2, |&b| b == b' ').nth(1);
                    name.is_some_and(|name| name.starts_with(b"refs/replace/"))
                }),
                Err(e) => e.kind() != std::io::ErrorKind::NotFound,
            };
        loose || packed
    }

    /// Every path that any commit reachable from any ref (and `HEAD`) added or changed.
    pub fn history(&self) -> Result<History<'_>, Error> {
        if let Some(cli) = self.through_git() {
            // Parents before children, as the own walk orders them.
            let logged = cli.log(&[
                "--all".as_ref(),
                "--topo-order".as_ref(),
                "--reverse".as_ref(),
            ])?;
            let mut paths = PathTable::default();
            let (infos, lists): (Vec<CommitInfo>, Vec<Vec<Change>>) = logged
                .into_iter()
                .map(|commit| {
                    let changes = commit
                        .changes
                        .into_iter()
                        .map(|entry| Change {
                            path: paths.number(&entry.path),
                            mode: entry.meta.mode,
                            blob: entry.data,
                        })
                        .collect();
                    (commit.info, changes)
                })
                .unzip();
            let changed: Vec<&[Change]> = lists.iter().map(Vec::as_slice).collect();
            return Ok(self.gather(infos, &changed, &paths, cli.is_shallow()));
        }
        let place = self.store_place();
        let mut store = Store::open(&place);
        let tips = self.tips(&mut store)?;
        let (walked, changes) =
            commits::walk_and_diff(&place, &mut store, &tips, &self.shallow_commits())?;
        let changed: Vec<&[Change]> = walked.iter().map(|c| changes.of(&c.id)).collect();
        let infos = walked.into_iter().map(|commit| commit.info).collect();
        Ok(self.gather(infos, &changed, &changes.paths, self.lib()?.is_shallow()))
    }

    /// The history of every path from the commits (oldest first) and what each changed, in the
    /// same order.
    fn gather(
        &self,
        commits: Vec<CommitInfo>,
        changed: &[&[Change]],
        paths: &PathTable,
        shallow: bool,
    ) -> History<'_> {
        // Each path's changes go in one run, the runs in the order of the paths.
        let mut counts = vec![0u32; paths.len()];
        for change in changed.iter().flat_map(|c| c.iter()) {
            counts[change.path as usize] += 1;
        }
        let mut order: Vec<u32> = (0..paths.len() as u32)
            .filter(|&n| counts[n as usize] > 0)
            .collect();
        order.sort_unstable_by(|&a, &b| paths.path(a).cmp(paths.path(b)));
        // Where each path's run starts (by path number), then where its next change goes.
        let mut next = vec![0u32; paths.len()];
        let mut ends = Vec::with_capacity(order.len());
        let mut end = 0;
        for &n in &order {
            next[n as usize] = end;
            end += counts[n as usize];
            ends.push(end);
        }
        let mut runs = vec![(0u32, ObjectId::sha1(&[0; 20])); end as usize];
        // By path number: its newest mode and blob.
        let mut newest: Vec<Option<(Mode, ObjectId)>> = vec![None; paths.len()];
        for (index, changes) in changed.iter().enumerate() {
            for change in changes.iter() {
                let n = change.path as usize;
                runs[next[n] as usize] = (index as u32, change.blob);
                next[n] += 1;
                newest[n] = Some((change.mode, change.blob));
            }
        }
        let entries = order
            .iter()
            .filter_map(|&n| {
                let (mode, blob) = newest[n as usize]?;
                Some(Listed {
                    path: paths.path(n).to_vec(),
                    meta: Meta { mode, size: None },
                    data: blob,
                })
            })
            .collect();
        History {
            commits,
            paths: Objects::new(self, entries),
            runs,
            ends,
            shallow,
        }
    }

    /// Where the repository's objects are: those git's environment names, then its own.
    pub(super) fn store_place(&self) -> StorePlace {
        let common = self.common_dir().to_path_buf();
        let mut objects = object_dirs_from_env();
        objects.push(common.join("objects"));
        StorePlace {
            objects,
            common,
            opened: self.packs.clone(),
        }
    }

    /// The commits that every ref (and `HEAD`) points at, tags peeled; refs that name no
    /// commit are passed over, as `git log --all` does.
    pub(super) fn tips(&self, store: &mut Store) -> Result<Vec<Id>, Error> {
        let refs_err = |e| Error::Git("cannot list the refs", e);
        let mut targets: Vec<Oid> = Vec::new();
        if let Ok(head) = self.lib()?.head() {
            targets.extend(head.target());
        }
        for reference in self.lib()?.references().map_err(refs_err)? {
            let reference = reference.map_err(refs_err)?;
            // A direct ref's target comes with the listing; only a symbolic one is looked up
            // again (by name, which costs a file system call or two per ref).
            match reference.target() {
                Some(target) => targets.push(target),
                None => {
                    if let Ok(resolved) = reference.resolve() {
                        targets.extend(resolved.target());
                    }
                }
            }
        }
        // A repository may have tens of thousands of tags: duplicates are found by hashing.
        let mut seen: FxHashSet<Id> = FxHashSet::default();
        let mut tips = Vec::with_capacity(targets.len());
        for target in targets {
            if let Some(commit) = store.peel_to_commit(oid_bytes(target))? {
                if seen.insert(commit) {
                    tips.push(commit);
                }
            }
        }
        Ok(tips)
    }

    /// The commits a shallow clone has without their parents.
    pub(super) fn shallow_commits(&self) -> FxHashSet<Id> {
        crate::support::mapped::read_regular(&self.common_dir().join("shallow"), 64 << 20)
            .unwrap_or_default()
            .split(|&b| b == b'\n')
            .filter_map(|line| crate::source::git::odb::from_hex(line.trim_ascii()))
            .collect()
    }
}

/// The files at a range's end, behind its changes: listed whole (read through `git`), or read
/// folder by folder as detection asks.
pub enum RangeEnd<'r> {
    /// Every file, listed.
    Listed(Objects<'r>),
    /// The folders asked about.
    Read(TreeFiles<'r>),
}

impl RangeEnd<'_> {
    /// The files as detection asks about them.
    pub fn probe(&self) -> &dyn Probe {
        match self {
            RangeEnd::Listed(objects) => objects,
            RangeEnd::Read(files) => files,
        }
    }

    /// A tree that could not be read while answering: the answers are not to be trusted.
    pub fn error(&self) -> Option<Error> {
        match self {
            RangeEnd::Listed(_) => None,
            RangeEnd::Read(files) => files.error(),
        }
    }
}

/// The distinct blobs of `run`, in the order they first come: a short run is searched, a long
/// one (a file changed by thousands of commits) goes through `seen`.
fn distinct_blobs(run: &[(u32, ObjectId)], seen: &mut FxHashSet<ObjectId>) -> Vec<ObjectId> {
    let mut out: Vec<ObjectId> = Vec::new();
    if run.len() <= 16 {
        for &(_, blob) in run {
            if !out.contains(&blob) {
                out.push(blob);
            }
        }
        return out;
    }
    seen.clear();
    out.extend(
        run.iter()
            .map(|&(_, blob)| blob)
            .filter(|blob| seen.insert(*blob)),
    );
    out
}

/// An id as the object reader spells it.
pub(super) fn oid_bytes(id: Oid) -> Id {
    id.as_bytes().try_into().unwrap_or_default()
}

/// What the history did to one path.
#[derive(Clone, Debug, Default)]
pub struct PathHistory {
    /// Indexes in [`History::commits`] of the commits that added or changed it, oldest first.
    pub commits: Vec<usize>,
    /// Every distinct blob it had.
    pub blobs: Vec<ObjectId>,
    /// Each change: the commit (index in [`History::commits`]) and the blob it wrote.
    pub versions: Vec<(usize, ObjectId)>,
}

/// Every path that any commit added or changed, from the oldest commit on.
pub struct History<'r> {
    /// The commits seen, oldest first.
    pub commits: Vec<CommitInfo>,
    /// The latest version of every path ever added or changed.
    pub paths: Objects<'r>,
    /// The changes of each entry of `paths`, one run after another in the same order, each
    /// the commit (index in `commits`) and the blob it wrote, oldest first.
    runs: Vec<(u32, ObjectId)>,
    /// Where each entry's run ends in `runs`.
    ends: Vec<u32>,
    /// The repository is a shallow clone: older commits are missing.
    pub shallow: bool,
}

impl History<'_> {
    /// The changes of each entry at or below `path`, in the order of `paths`: the commit
    /// (index in `commits`) and the blob of each, oldest first.
    pub fn changes_under(&self, path: &[u8]) -> impl Iterator<Item = &[(u32, ObjectId)]> {
        // `paths` was built from entries already sorted and unique, so its listing kept their
        // order and the runs line up with it.
        self.paths.listing.range_under(path).map(|i| {
            let start = match i {
                0 => 0,
                i => self.ends[i - 1] as usize,
            };
            &self.runs[start..self.ends[i] as usize]
        })
    }

    /// The histories of the entries at or below `path`.
    pub fn versions_under(&self, path: &[u8]) -> Vec<PathHistory> {
        let mut seen = FxHashSet::default();
        self.changes_under(path)
            .map(|run| PathHistory {
                commits: run.iter().map(|&(commit, _)| commit as usize).collect(),
                blobs: distinct_blobs(run, &mut seen),
                versions: run
                    .iter()
                    .map(|&(commit, blob)| (commit as usize, blob))
                    .collect(),
            })
            .collect()
    }
}
