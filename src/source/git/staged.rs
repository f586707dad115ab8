//! The staged changes: the index compared with `HEAD`, as the next commit will record them.

use std::io::Write;
use std::process::Stdio;

use super::cli::{failed, Cli};
use super::commits::{diff_trees, RecentTrees};
use super::index::Index;
use super::index_file::{CacheTree, IndexFile};
use super::odb::{to_hex, Id, Kind};
use super::store::Store;
use super::{Error, ObjectId, Repo};
use crate::detect::{Meta, PathEntry, PathList, SortedPaths};
use crate::support::fxhash::FxHashMap;

impl Repo {
    /// The entries that the next commit adds or changes: the index compared with `HEAD`
    /// (every entry when `HEAD` is unborn). Deletions do not count: a commit that removes a
    /// tracked environment is welcome.
    ///
    /// A directory whose cache-tree entry is valid is committed as the tree that entry names,
    /// whatever the entries below it say (`git commit` writes it so), so it is compared as
    /// that tree: skipped when it is `HEAD`'s, compared tree to tree when it is another. An
    /// everyday commit reads a handful of tree objects however large the index is.
    pub fn staged(&self, index: &Index<'_>) -> Result<Vec<PathEntry>, Error> {
        if let Some(cli) = self.cli() {
            return staged_by_git(cli, &index.file);
        }
        let head = self.head_id()?;
        let file = &index.file;
        self.with_store(|store| {
            let tree = match head {
                Some(id) => store.peel_to_tree(id)?,
                None => None,
            };
            let mut out = Vec::new();
            compare_dir(
                store,
                file,
                0,
                0..file.len(),
                file.cache_tree(),
                tree,
                &mut out,
            )?;
            Ok(out)
        })
    }
}

/// Through git: `git diff --cached` (git's answer, with what the index knows of each path),
/// except below a directory whose valid cache-tree entry names a tree other than `HEAD`'s
/// there, where that tree is compared with `HEAD`'s, as `git commit` will record it.
fn staged_by_git(cli: &Cli, file: &IndexFile) -> Result<Vec<PathEntry>, Error> {
    let mut paths = cli.staged_paths()?;
    let nodes = valid_nodes(file.cache_tree());
    let mut names = Vec::new();
    for (prefix, oid) in &nodes {
        names.push(to_hex(oid).into_bytes());
        let mut head = b"HEAD".to_vec();
        match prefix.strip_suffix(b"/") {
            Some(dir) => head.extend([b":".as_slice(), dir].concat()),
            None => head.extend(b"^{tree}"),
        }
        names.push(head);
    }
    let answers = if nodes.is_empty() {
        Vec::new()
    } else {
        batch_check(cli, &names)?
    };
    let mut committed = Vec::new();
    for ((prefix, _), pair) in nodes.into_iter().zip(answers.chunks(2)) {
        let [node, head] = pair else {
            return Err(short_answer());
        };
        // git rebuilds a directory from its entries when it lacks the tree the entry names.
        let Some((tree, kind)) = node else { continue };
        if kind != "tree" || head.as_ref().map(|(id, _)| id) == Some(tree) {
            continue;
        }
        let head = head
            .as_ref()
            .filter(|(_, kind)| kind == "tree")
            .map(|(id, _)| id.clone());
        committed.push((prefix, tree.clone(), head));
    }
    let mut out: Vec<PathEntry> = Vec::new();
    for (prefix, tree, head) in &committed {
        paths.retain(|path| !path.starts_with(prefix));
        let before: FxHashMap<Vec<u8>, (Meta, ObjectId)> = match head {
            Some(head) => cli.ls_tree(head)?.unwrap_or_default(),
            None => Vec::new(),
        }
        .into_iter()
        .map(|e| (e.path, (e.meta, e.data)))
        .collect();
        for entry in cli.ls_tree(tree)?.unwrap_or_default() {
            if before.get(&entry.path) == Some(&(entry.meta, entry.data)) {
                continue;
            }
            let path = [prefix.as_slice(), &entry.path].concat();
            let meta = file
                .find(&path)
                .and_then(|i| file.meta_at(i))
                .or(Some(entry.meta));
            out.push(PathEntry { path, meta });
        }
    }
    out.extend(paths.into_iter().filter_map(|path| {
        let i = file.find(&path)?;
        Some(PathEntry {
            meta: file.meta_at(i),
            path,
        })
    }));
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// The outermost valid cache-tree entries: each directory's path (with a trailing `/`, empty
/// for the root) and the tree id git will commit there.
fn valid_nodes(root: Option<&CacheTree>) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack: Vec<(Vec<u8>, &CacheTree)> = root.map(|r| (Vec::new(), r)).into_iter().collect();
    while let Some((prefix, node)) = stack.pop() {
        match &node.oid {
            Some(oid) if node.entries >= 0 => out.push((prefix, oid.clone())),
            _ => stack.extend(node.children.iter().map(|child| {
                let mut path = prefix.clone();
                path.extend(&child.name);
                path.push(b'/');
                (path, child)
            })),
        }
    }
    out
}

fn short_answer() -> Error {
    Error::GitCommand("git cat-file --batch-check answered too few names".to_owned())
}

/// `git cat-file --batch-check -z -Z` for `names`: each one's id and type, `None` when it
/// names no object.
fn batch_check(cli: &Cli, names: &[Vec<u8>]) -> Result<Vec<Option<(String, String)>>, Error> {
    let mut cmd = cli.git([
        "cat-file",
        "--batch-check=%(objectname) %(objecttype)",
        "-z",
        "-Z",
    ]);
    let spawned = |e: std::io::Error| Error::GitCommand(format!("git could not run: {e}"));
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(spawned)?;
    let mut input = Vec::new();
    for name in names {
        input.extend(name);
        input.push(0);
    }
    let mut stdin = child.stdin.take().ok_or_else(short_answer)?;
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().map_err(spawned)?;
    let _ = writer.join();
    if !out.status.success() {
        return Err(failed(&out.stderr));
    }
    let answers: Vec<_> = out
        .stdout
        .split(|&b| b == 0)
        .take(names.len())
        .map(|answer| {
            let answer = String::from_utf8_lossy(answer);
            let (id, kind) = answer.split_once(' ')?;
            (kind != "missing" && kind != "ambiguous").then(|| (id.to_owned(), kind.to_owned()))
        })
        .collect();
    if answers.len() < names.len() {
        return Err(short_answer());
    }
    Ok(answers)
}

/// Compares the index entries `range`, all below the directory whose path is the first `depth`
/// bytes of their paths, with the tree `tree` of `HEAD`.
fn compare_dir(
    store: &mut Store,
    file: &IndexFile,
    depth: usize,
    range: std::ops::Range<usize>,
    node: Option<&CacheTree>,
    tree: Option<Id>,
    out: &mut Vec<PathEntry>,
) -> Result<(), Error> {
    let dir = match range.clone().next() {
        Some(first) => &file.path_at(first)[..depth],
        None => return Ok(()),
    };
    if super::too_deep(dir) {
        return Err(Error::TreeDepth(dir.to_vec()));
    }
    let committed = node
        .filter(|n| usize::try_from(n.entries) == Ok(range.len()))
        .and_then(|n| Id::try_from(n.oid.as_deref()?).ok());
    if let Some(committed) = committed {
        if Some(committed) == tree {
            return Ok(());
        }
        // git writes the named tree when it has it, and rebuilds it from the entries when not.
        if matches!(store.header(&committed)?, Some((Kind::Tree, _))) {
            let mut prefix = dir.strip_suffix(b"/").unwrap_or(dir).to_vec();
            return diff_trees(
                store,
                tree.as_ref(),
                &committed,
                &mut prefix,
                &mut RecentTrees::for_store(store),
                &mut |path, mode, _| {
                    let meta = file
                        .find(path)
                        .and_then(|i| file.meta_at(i))
                        .or(Some(Meta { mode, size: None }));
                    out.push(PathEntry {
                        path: path.to_vec(),
                        meta,
                    });
                },
            );
        }
    }
    let head: FxHashMap<Vec<u8>, (u32, Id)> = match tree {
        Some(id) => super::tree_object::Entries(&store.tree(&id)?)
            .map(|e| (e.name.to_vec(), (e.mode, *e.id)))
            .collect(),
        None => FxHashMap::default(),
    };
    let mut i = range.start;
    while i < range.end {
        let path = file.path_at(i);
        let rest = &path[depth..];
        match rest.iter().position(|&b| b == b'/') {
            None => {
                let record = file.record(i);
                // `git add -N` entries are not part of the commit being made.
                let unchanged = record.intent_to_add
                    || head.get(rest).is_some_and(|&(mode, id)| {
                        mode == canonical_mode(record.mode) && id[..] == *file.oid(i)
                    });
                if !unchanged {
                    out.push(PathEntry {
                        path: path.to_vec(),
                        meta: file.meta_at(i),
                    });
                }
                i += 1;
            }
            Some(slash) => {
                let name = &rest[..slash];
                let sub_depth = depth + slash + 1;
                let mut end_key = path[..sub_depth].to_vec();
                if let Some(last) = end_key.last_mut() {
                    *last = b'/' + 1;
                }
                let end = file.lower_bound(&end_key).clamp(i + 1, range.end);
                let sub_tree = head
                    .get(name)
                    .filter(|(mode, _)| mode & 0o170000 == 0o040000)
                    .map(|&(_, id)| id);
                let sub_node = node.and_then(|n| n.child(name));
                compare_dir(store, file, sub_depth, i..end, sub_node, sub_tree, out)?;
                i = end;
            }
        }
    }
    Ok(())
}

/// `100644`/`100755` for files (git records only the executable bit), the type for the rest.
pub(super) fn canonical_mode(mode: u32) -> u32 {
    match mode & 0o170000 {
        0o100000 if mode & 0o111 != 0 => 0o100755,
        0o100000 => 0o100644,
        kind => kind,
    }
}
