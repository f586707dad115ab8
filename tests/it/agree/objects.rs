//! Commits, trees and annotated tags, written as they are with `git hash-object --literally`
//! (which checks nothing), then read by venv-guard's parsers and by git.

use std::collections::HashMap;

use venv_guard::formats::objects;
use venv_guard::formats::odb::{self, Id, Kind, Odb};

use super::{kind_named, mutate, Rng, Run, Scratch};

/// An id as commits and tags spell it, now and then misspelt: in upper case (which git
/// reads), a digit short or long, with a letter that is no digit, with a space or a carriage
/// return around it.
fn spelt(rng: &mut Rng, id: &Id) -> String {
    let hex = odb::to_hex(id);
    match rng.below(24) {
        0 => hex.to_uppercase(),
        1 => hex[..39].to_owned(),
        2 => hex + "0",
        3 => {
            let at = rng.below(40);
            format!("{}g{}", &hex[..at], &hex[at + 1..])
        }
        4 => format!(" {hex}"),
        5 => format!("{hex} "),
        6 => format!("{hex}\r"),
        _ => hex,
    }
}

/// A commit: a `tree` line (sometimes missing, misspelt or not first), `parent` lines right
/// after it and sometimes elsewhere (before the tree, after the author, inside a signature or
/// the message), other headers, and a message; sometimes cut short or damaged.
fn commit_body(rng: &mut Rng) -> Vec<u8> {
    let tree = rng.id();
    let mut header: Vec<String> = Vec::new();
    match rng.below(16) {
        0 => {}
        1 => header.push(format!("tree  {}", odb::to_hex(&tree))),
        2 => header.push(format!("tree\t{}", odb::to_hex(&tree))),
        3 => header.push(format!("Tree {}", odb::to_hex(&tree))),
        _ => header.push(format!("tree {}", spelt(rng, &tree))),
    }
    for _ in 0..*rng.pick(&[0, 0, 1, 1, 1, 2, 3]) {
        let parent = rng.id();
        header.push(format!("parent {}", spelt(rng, &parent)));
    }
    // Without the signatures, a commit can end right after its tree or its parents, where
    // git counts what is left.
    if rng.chance(80) {
        header.push("author A U Thor <a@example.com> 1700000000 +0100".to_owned());
        header.push("committer C O Mitter <c@example.com> 1700000001 +0100".to_owned());
    }
    if rng.chance(10) {
        header.push("encoding ISO-8859-1".to_owned());
    }
    if rng.chance(10) {
        let parent = odb::to_hex(&rng.id());
        header.push(format!(
            "gpgsig -----BEGIN PGP SIGNATURE-----\n parent {parent}\n -----END PGP SIGNATURE-----"
        ));
    }
    if rng.chance(15) {
        // A parent line out of place: git reads parents only right after the tree.
        let parent = rng.id();
        let at = rng.below(header.len() + 1);
        header.insert(at, format!("parent {}", spelt(rng, &parent)));
    }
    if rng.chance(10) && !header.is_empty() {
        let line = rng.pick(&header).clone();
        let at = rng.below(header.len() + 1);
        header.insert(at, line);
    }
    let mut body = header.join("\n").into_bytes();
    match rng.below(8) {
        0 => {}
        1 => body.push(b'\n'),
        2 => body.extend_from_slice(b"\n\n"),
        _ => {
            let parent = odb::to_hex(&rng.id());
            body.extend_from_slice(format!("\n\nsubject\n\nparent {parent}\n").as_bytes());
        }
    }
    if rng.chance(30) {
        mutate(rng, &mut body);
    }
    body
}

/// Commits as git reads them: `git log --no-walk` over all of them in one process, which skips
/// the ones it refuses (`--ignore-missing`); by id, their tree and parents.
fn commits_by_git(scratch: &Scratch, ids: &[Id]) -> HashMap<Id, (Id, Vec<Id>)> {
    let input: String = ids.iter().map(|id| odb::to_hex(id) + "\n").collect();
    let out = scratch.git_ok(
        &[
            "log",
            "--no-walk=unsorted",
            "--ignore-missing",
            "--stdin",
            "--format=%H %T %P",
        ],
        input.as_bytes(),
    );
    let mut read = HashMap::new();
    for line in out.stdout.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        let ids: Vec<Id> = line
            .split(|&b| b == b' ')
            .filter(|w| !w.is_empty())
            .map(|w| odb::from_hex(w).unwrap())
            .collect();
        read.insert(ids[0], (ids[1], ids[2..].to_vec()));
    }
    read
}

/// Commits: the tree and the parents venv-guard's history walks read are the ones git reads,
/// or both refuse the commit.
#[test]
fn commits_have_the_tree_and_parents_git_reads() {
    let mut run = Run::new("commits");
    let scratch = Scratch::new();
    let bodies: Vec<Vec<u8>> = (0..run.cases)
        .map(|case| commit_body(&mut run.rng(case)))
        .collect();
    let ids = scratch.write_objects("commit", &bodies);
    let by_git = commits_by_git(&scratch, &ids);
    let mut odb = Odb::open(&[scratch.objects()]);
    for (case, (id, body)) in ids.iter().zip(&bodies).enumerate() {
        let loose = odb.read(id).unwrap().unwrap();
        assert!(loose.kind == Kind::Commit && loose.data[..] == body[..]);
        let ours = objects::commit(body);
        let theirs = by_git.get(id).cloned();
        if ours == theirs {
            run.agreed(ours.is_some());
        } else {
            run.disagree(
                case,
                format!(
                    "{:?}: venv-guard reads {}, git reads {}",
                    String::from_utf8_lossy(body),
                    links(&ours),
                    links(&theirs)
                ),
            );
        }
    }
    run.finish();
}

fn links(read: &Option<(Id, Vec<Id>)>) -> String {
    match read {
        None => "nothing (refused)".to_owned(),
        Some((tree, parents)) => {
            let parents: Vec<String> = parents.iter().map(|p| odb::to_hex(p)).collect();
            format!("tree {} parents [{}]", odb::to_hex(tree), parents.join(" "))
        }
    }
}

/// Modes as trees spell them: git's own, the ones older gits wrote (`100664`, a leading zero),
/// others git reads by their type bits, and ones it refuses.
const MODES: &[&str] = &[
    "100644",
    "100644",
    "100755",
    "40000",
    "120000",
    "160000",
    "100664",
    "0100755",
    "000100644",
    "040000",
    "644",
    "1",
    "0",
    "100000",
    "140000",
    "170000",
    "7777100644",
    "37777777777",
    "1006440",
    "",
    "10x644",
    "+100644",
    "-1",
    "8",
];

/// Names as trees may hold them: plain ones, and the ones no git writes but git reads (`/`,
/// `.`, `..`, `.git`, control characters, bytes that are not UTF-8), and the empty name.
const NAMES: &[&[u8]] = &[
    b"a",
    b"b",
    b"file.txt",
    b"a/b",
    b"/",
    b".",
    b"..",
    b".git",
    b"with space",
    b" lead",
    b"tab\tname",
    b"new\nline",
    b"\xff\xfe",
    "é".as_bytes(),
    b"",
];

/// A tree of up to five entries with modes and names from the lists above or random, now
/// and then missing a separator or a NUL, or with a short id at its end; sometimes damaged.
fn tree_body(rng: &mut Rng) -> Vec<u8> {
    let mut body = Vec::new();
    for _ in 0..rng.below(6) {
        if rng.chance(90) {
            body.extend_from_slice(rng.pick(MODES).as_bytes());
        } else {
            let digits = 1 + rng.below(12);
            body.extend((0..digits).map(|_| b'0' + rng.below(8) as u8));
        }
        if rng.chance(97) {
            body.push(b' ');
        }
        if rng.chance(85) {
            let name: &&[u8] = rng.pick(NAMES);
            body.extend_from_slice(name);
        } else {
            let len = 1 + rng.below(8);
            body.extend((0..len).map(|_| rng.next() as u8).filter(|&b| b != 0));
        }
        if rng.chance(97) {
            body.push(0);
        }
        let len = if rng.chance(95) { 20 } else { rng.below(20) };
        body.extend_from_slice(&rng.bytes(len));
    }
    if rng.chance(30) {
        mutate(rng, &mut body);
    }
    body
}

/// The entries of tree `id` as `git ls-tree -z` lists them (with modes made canonical, as git's
/// `decode_tree_entry` makes them); `None` when git refuses the tree. One process per tree:
/// `ls-tree` reads one, and a tree it refuses ends it.
fn tree_by_git(scratch: &Scratch, id: &Id) -> Option<Vec<objects::TreeEntry>> {
    let out = scratch.git(&["ls-tree", "-z", &odb::to_hex(id)], b"");
    if !out.status.success() {
        return None;
    }
    let entries = out
        .stdout
        .split(|&b| b == 0)
        .filter(|l| !l.is_empty())
        .map(|line| {
            let tab = line.iter().position(|&b| b == b'\t').unwrap();
            let words: Vec<&[u8]> = line[..tab].split(|&b| b == b' ').collect();
            let mode = u32::from_str_radix(std::str::from_utf8(words[0]).unwrap(), 8).unwrap();
            let id = odb::from_hex(words[2]).unwrap();
            (mode, line[tab + 1..].to_vec(), id)
        })
        .collect();
    Some(entries)
}

/// Trees: the entries venv-guard reads (modes made canonical as git makes them) are the ones
/// `git ls-tree` lists, or both refuse the whole tree.
#[test]
fn trees_have_the_entries_git_lists() {
    let mut run = Run::new("trees");
    let scratch = Scratch::new();
    let bodies: Vec<Vec<u8>> = (0..run.cases)
        .map(|case| tree_body(&mut run.rng(case)))
        .collect();
    let ids = scratch.write_objects("tree", &bodies);
    for (case, (id, body)) in ids.iter().zip(&bodies).enumerate() {
        let ours = objects::tree(body).ok();
        let theirs = tree_by_git(&scratch, id);
        if ours == theirs {
            run.agreed(ours.is_some());
        } else {
            run.disagree(
                case,
                format!(
                    "{:?}: venv-guard reads {:?}, git lists {:?}",
                    String::from_utf8_lossy(body),
                    ours,
                    theirs
                ),
            );
        }
    }
    run.finish();
}

/// A tag of `target` (whose kind is `kind`): `object`, `type` and `tag` lines, a tagger and a
/// message, each now and then misspelt, missing or naming the wrong kind; sometimes damaged.
fn tag_body(rng: &mut Rng, target: &Id, kind: &str) -> Vec<u8> {
    let mut body = String::new();
    match rng.below(30) {
        0 => {}
        1 => body.push_str(&format!("object {}junk\n", odb::to_hex(target))),
        2..=4 => body.push_str(&format!("object {}\n", spelt(rng, target))),
        _ => body.push_str(&format!("object {}\n", odb::to_hex(target))),
    }
    match rng.below(20) {
        0 => {}
        1 => body.push_str(&format!("type {kind}x\n")),
        2 => body.push_str("type averyveryverylongtypename\n"),
        3 => body.push_str(&format!("type {}\n", kind.to_uppercase())),
        4 | 5 => body.push_str(&format!(
            "type {}\n",
            rng.pick(&["commit", "tree", "blob", "tag"])
        )),
        _ => body.push_str(&format!("type {kind}\n")),
    }
    match rng.below(20) {
        0 => {}
        1 => body.push_str("tagv1\n"),
        2 => body.push_str("tag v"),
        3 => body.push_str("tag v\n"),
        _ => body.push_str("tag v1.0\n"),
    }
    if rng.chance(80) {
        body.push_str("tagger T <t@example.com> 1700000000 +0000\n");
    }
    if rng.chance(70) {
        body.push_str("\nrelease\n");
    }
    let mut body = body.into_bytes();
    if rng.chance(15) {
        mutate(rng, &mut body);
    }
    body
}

/// What `<id>^{}` names for git, for each of `ids` in order, in one `git cat-file`. git keeps
/// the kind a tag claims for its target for the rest of the process: each object is asked
/// about after the ones it names, so that every claim meets an object git has already read.
fn peeled_by_git(scratch: &Scratch, ids: &[Id]) -> Vec<Option<(Id, Kind)>> {
    let input: String = ids.iter().map(|id| odb::to_hex(id) + "^{}\n").collect();
    let out = scratch.git_ok(
        &["cat-file", "--batch-check=%(objectname) %(objecttype)"],
        input.as_bytes(),
    );
    let answers: Vec<Option<(Id, Kind)>> = out
        .stdout
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|line| {
            let words: Vec<&[u8]> = line.split(|&b| b == b' ').collect();
            match words[..] {
                [_, b"missing"] => None,
                [id, kind] => Some((odb::from_hex(id).unwrap(), kind_named(kind).unwrap())),
                _ => panic!("cat-file said {:?}", String::from_utf8_lossy(line)),
            }
        })
        .collect();
    assert_eq!(answers.len(), ids.len());
    answers
}

/// Tags: a chain of one to four annotated tags, each possibly malformed, over a commit, a
/// tree, a blob or a missing object, peels where `git rev-parse X^{}` peels it, or both
/// refuse.
#[test]
fn tag_chains_peel_where_git_peels_them() {
    let mut run = Run::new("tags");
    let scratch = Scratch::new();
    let tree = scratch.write_objects("tree", &[Vec::new()])[0];
    let blob = scratch.write_objects("blob", &[b"x\n".to_vec()])[0];
    let commit_body = format!(
        "tree {}\nauthor A <a@example.com> 1 +0000\ncommitter A <a@example.com> 1 +0000\n\nm\n",
        odb::to_hex(&tree)
    );
    let commit = scratch.write_objects("commit", &[commit_body.into_bytes()])[0];
    let mut rngs: Vec<Rng> = (0..run.cases).map(|case| run.rng(case)).collect();
    let depths: Vec<usize> = rngs.iter_mut().map(|r| 1 + r.below(4)).collect();
    // The end of each case's chain so far, and its kind's name.
    let mut ends: Vec<(Id, &str)> = rngs
        .iter_mut()
        .map(|r| match r.below(8) {
            0 => (tree, "tree"),
            1 => (blob, "blob"),
            2 => (r.id(), "commit"),
            _ => (commit, "commit"),
        })
        .collect();
    // Every object in the order it is asked about: its case, and the chain's first link.
    let mut asked: Vec<(Option<usize>, Id)> = vec![(None, tree), (None, blob), (None, commit)];
    for level in 1..=4 {
        let cases: Vec<usize> = (0..run.cases).filter(|&c| depths[c] >= level).collect();
        let bodies: Vec<Vec<u8>> = cases
            .iter()
            .map(|&c| tag_body(&mut rngs[c], &ends[c].0, ends[c].1))
            .collect();
        let ids = scratch.write_objects("tag", &bodies);
        for (&c, id) in cases.iter().zip(ids) {
            ends[c] = (id, "tag");
            asked.push((Some(c), id));
        }
    }
    let ids: Vec<Id> = asked.iter().map(|(_, id)| *id).collect();
    let theirs = peeled_by_git(&scratch, &ids);
    for ((case, id), theirs) in asked.iter().zip(theirs) {
        let ours = objects::peel(&scratch.git_dir(), *id);
        let agree = match (&ours, &theirs) {
            (Ok(Some(a)), Some(b)) => a == b,
            (Ok(None) | Err(_), None) => true,
            _ => false,
        };
        if agree {
            run.agreed(theirs.is_some());
        } else {
            let body = Odb::open(&[scratch.objects()])
                .read(id)
                .ok()
                .flatten()
                .map(|o| String::from_utf8_lossy(&o.data).into_owned());
            let shown = |peeled: Option<&(Id, Kind)>| {
                peeled.map_or("nothing".to_owned(), |(id, kind)| {
                    format!("{} ({kind:?})", odb::to_hex(id))
                })
            };
            run.disagree(
                case.unwrap_or(usize::MAX),
                format!(
                    "{} {body:?}: venv-guard peels to {} ({:?}), git to {}",
                    odb::to_hex(id),
                    shown(ours.as_ref().ok().and_then(Option::as_ref)),
                    ours.as_ref().err(),
                    shown(theirs.as_ref())
                ),
            );
        }
    }
    run.finish();
}
