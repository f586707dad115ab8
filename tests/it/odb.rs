//! The object reader against git's own answer (`git cat-file --batch-all-objects --batch`):
//! loose objects, packs with offset deltas and with ref deltas, a pack beside new loose objects,
//! alternates, a base cache too small to hold anything, a pack index only libgit2 reads; and
//! damaged packs.

use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use venv_guard::formats::odb::{self, Kind, Odb};

use crate::common::{isolated, TestRepo};

/// A repository whose history rewrites the same files and trees many times, so that a repack
/// stores most of them as deltas: 40 commits over a 300-line file, nested directories, a
/// symlink, a rename, a deletion, an annotated tag; and a 5 MiB blob that does not compress,
/// changed twice, so that objects straddle the reader's windows and the pack has more windows
/// than the reader keeps.
fn busy_repo() -> TestRepo {
    let repo = TestRepo::without_hook();
    let mut noise = Vec::with_capacity(5 << 20);
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    while noise.len() < 5 << 20 {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        noise.extend_from_slice(&state.to_le_bytes());
    }
    let mut lines: Vec<String> = (0..300)
        .map(|i| format!("line {i} of the module\n"))
        .collect();
    for round in 0..40 {
        if matches!(round, 0 | 5 | 25) {
            noise[round * 1000..round * 1000 + 8].copy_from_slice(b"changed!");
            crate::common::write_file(&repo.root.join("data/noise.bin"), &noise);
        }
        lines[(round * 7) % 300] = format!("changed in round {round}\n");
        repo.write("src/pkg/module.py", &lines.concat());
        repo.write(
            &format!("src/pkg/sub{}/f{round}.txt", round % 4),
            &format!("{round}\n"),
        );
        repo.write("docs/notes.md", &format!("# notes\nround {round}\n"));
        if round == 10 {
            crate::common::symlink("docs/notes.md", &repo.root.join("link"));
        }
        if round == 20 {
            repo.git_ok(&["mv", "docs", "documentation"]);
        }
        if round == 30 {
            repo.git_ok(&["rm", "-q", "-r", "src/pkg/sub1"]);
        }
        repo.commit_all(&format!("round {round}"));
    }
    repo.git_ok(&["tag", "-a", "v1", "-m", "release"]);
    repo
}

/// Every object of the repository at `dir`, as git reads it: id, kind and content.
fn objects_by_git(dir: &Path) -> Vec<(odb::Id, Kind, Vec<u8>)> {
    let out = isolated("git", dir)
        .args(["cat-file", "--batch-all-objects", "--batch"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let mut rest = &out.stdout[..];
    let mut objects = Vec::new();
    while !rest.is_empty() {
        let end = rest.iter().position(|&b| b == b'\n').unwrap();
        let header = std::str::from_utf8(&rest[..end]).unwrap();
        let mut words = header.split(' ');
        let id = odb::from_hex(words.next().unwrap().as_bytes()).unwrap();
        let kind = match words.next().unwrap() {
            "commit" => Kind::Commit,
            "tree" => Kind::Tree,
            "blob" => Kind::Blob,
            "tag" => Kind::Tag,
            other => panic!("unexpected kind {other}"),
        };
        let size: usize = words.next().unwrap().parse().unwrap();
        let content = rest[end + 1..end + 1 + size].to_vec();
        rest = &rest[end + 1 + size + 1..];
        objects.push((id, kind, content));
    }
    objects
}

fn objects_dir(repo: &Path) -> PathBuf {
    repo.join(".git/objects")
}

/// Reads every object git knows with `odb`, and compares.
fn agree(odb: &mut Odb, expected: &[(odb::Id, Kind, Vec<u8>)], step: &str) {
    assert!(expected.len() > 100, "{step}: too few objects to mean much");
    for (id, kind, content) in expected {
        let object = odb
            .read(id)
            .unwrap_or_else(|e| panic!("{step}: {} unreadable: {e}", odb::to_hex(id)))
            .unwrap_or_else(|| panic!("{step}: {} not found", odb::to_hex(id)));
        assert_eq!(object.kind, *kind, "{step}: kind of {}", odb::to_hex(id));
        assert_eq!(
            odb.kind(id).unwrap(),
            Some(*kind),
            "{step}: kind of {} from its header",
            odb::to_hex(id)
        );
        assert!(
            object.data[..] == content[..],
            "{step}: content of {}",
            odb::to_hex(id)
        );
    }
}

/// Repacks everything with deltas that name their base by id (`REF_DELTA`) instead of by
/// offset, as older packers and some servers write them.
fn repack_with_ref_deltas(repo: &TestRepo) {
    repo.git_ok(&[
        "-c",
        "repack.useDeltaBaseOffset=false",
        "repack",
        "-a",
        "-d",
        "-f",
        "-q",
    ]);
}

/// How many objects of the repository's packs are stored as deltas.
fn deltas(repo: &TestRepo) -> usize {
    let packs: Vec<PathBuf> = fs::read_dir(repo.root.join(".git/objects/pack"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "idx"))
        .collect();
    packs
        .iter()
        .map(|idx| {
            let run = repo.git_ok(&["verify-pack", "-v", idx.to_str().unwrap()]);
            // Deltified objects carry two more columns: depth and base.
            run.stdout
                .lines()
                .filter(|l| l.split_whitespace().count() == 7)
                .count()
        })
        .sum()
}

#[test]
fn every_object_reads_as_git_reads_it_loose_packed_and_mixed() {
    let repo = busy_repo();
    let expected = objects_by_git(&repo.root);
    agree(
        &mut Odb::open(&[objects_dir(&repo.root)]),
        &expected,
        "loose",
    );

    repo.git_ok(&[
        "repack",
        "-a",
        "-d",
        "-f",
        "-q",
        "--depth=50",
        "--window=50",
    ]);
    assert!(deltas(&repo) > 50, "the repack made too few deltas");
    agree(
        &mut Odb::open(&[objects_dir(&repo.root)]),
        &expected,
        "offset deltas",
    );

    // An index whose header does not match its size is no pack index: skipped, not read.
    let mut bogus = b"\xfftOc\0\0\0\x02".to_vec();
    bogus.resize(3 << 20, 0xff);
    let bogus_idx = repo.root.join(".git/objects/pack/pack-bogus.idx");
    fs::write(&bogus_idx, &bogus).unwrap();
    fs::write(bogus_idx.with_extension("pack"), b"PACK\0\0\0\x02\0\0\0\0").unwrap();
    agree(
        &mut Odb::open(&[objects_dir(&repo.root)]),
        &expected,
        "beside a bogus pack index",
    );
    fs::remove_file(&bogus_idx).unwrap();
    fs::remove_file(bogus_idx.with_extension("pack")).unwrap();

    let mut small = Odb::open(&[objects_dir(&repo.root)]);
    small.limit_base_cache(4096);
    agree(&mut small, &expected, "offset deltas, a 4 KiB base cache");

    repack_with_ref_deltas(&repo);
    assert!(deltas(&repo) > 50);
    agree(
        &mut Odb::open(&[objects_dir(&repo.root)]),
        &expected,
        "ref deltas",
    );

    // New loose objects beside the pack.
    repo.write("src/pkg/module.py", "rewritten\n");
    repo.commit_all("after the pack");
    let expected = objects_by_git(&repo.root);
    agree(
        &mut Odb::open(&[objects_dir(&repo.root)]),
        &expected,
        "pack and loose",
    );
}

#[test]
fn a_shared_clone_reads_through_its_alternates() {
    let repo = busy_repo();
    repo.git_ok(&["gc", "-q"]);
    let clone = repo.sibling("shared");
    repo.git_ok(&["clone", "-q", "--shared", ".", clone.to_str().unwrap()]);
    assert!(clone.join(".git/objects/info/alternates").exists());
    let expected = objects_by_git(&repo.root);
    agree(
        &mut Odb::open(&[objects_dir(&clone)]),
        &expected,
        "alternates",
    );
    assert!(Odb::open(&[objects_dir(&clone)])
        .read(&[0xab; 20])
        .unwrap()
        .is_none());
}

#[test]
fn history_and_range_scans_agree_before_and_after_packing() {
    let repo = busy_repo();
    repo.venv("venv");
    repo.commit_all_forced("venv", "add env");
    repo.write("venv/lib/extra.py", "x = 1\n");
    repo.commit_all_forced("venv", "change env");
    repo.git_ok(&["rm", "-q", "-r", "--cached", "venv"]);
    repo.commit_all("drop env");
    let scans = |repo: &TestRepo| {
        let history = repo.guard(&["--format", "json", "scan", "--history"]);
        assert_eq!(history.code, 1, "{}", history.all());
        let range = repo.guard(&["--format", "json", "scan", "--range", "HEAD~5..HEAD~1"]);
        assert_eq!(range.code, 1, "{}", range.all());
        (history.stdout, range.stdout)
    };
    let loose = scans(&repo);
    repo.git_ok(&["gc", "-q", "--aggressive"]);
    assert!(deltas(&repo) > 50);
    assert_eq!(scans(&repo), loose, "after gc --aggressive");
    repack_with_ref_deltas(&repo);
    assert_eq!(scans(&repo), loose, "with ref deltas");

    // A pack index of version 1 is not this reader's: its objects come from libgit2.
    let pack_dir = repo.root.join(".git/objects/pack");
    for entry in fs::read_dir(&pack_dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "pack") {
            let idx = path.with_extension("idx");
            fs::remove_file(&idx).unwrap();
            let (pack, idx) = (path.to_str().unwrap(), idx.to_str().unwrap());
            repo.git_ok(&["index-pack", "--index-version=1", "-o", idx, pack]);
            assert_ne!(
                &fs::read(idx).unwrap()[..4],
                b"\xfftOc",
                "not a version 1 index"
            );
        }
    }
    assert!(Odb::open(&[objects_dir(&repo.root)])
        .read(&odb::from_hex(repo.git_ok(&["rev-parse", "HEAD"]).stdout.trim().as_bytes()).unwrap())
        .unwrap()
        .is_none());
    assert_eq!(scans(&repo), loose, "through libgit2, version 1 pack index");
}

#[test]
fn damaged_packs_are_errors_not_wrong_answers() {
    let repo = busy_repo();
    repo.git_ok(&["repack", "-a", "-d", "-f", "-q", "--depth=50"]);
    let expected = objects_by_git(&repo.root);
    let pack = fs::read_dir(repo.root.join(".git/objects/pack"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "pack"))
        .unwrap();
    let original = fs::read(&pack).unwrap();

    // Cut short just inside the first tree: the commits still read, what comes after does not.
    let idx = pack.with_extension("idx");
    let first_tree: usize = repo
        .git_ok(&["verify-pack", "-v", idx.to_str().unwrap()])
        .stdout
        .lines()
        .filter(|l| l.split_whitespace().nth(1) == Some("tree"))
        .filter_map(|l| l.split_whitespace().nth(4)?.parse().ok())
        .min()
        .unwrap();
    // Zeros from just inside the first tree on, the pack's checksum kept (git checks only that
    // it is the one its index records): the commits still read, what comes after does not.
    let mut zeroed = original.clone();
    let body = zeroed.len() - 20;
    zeroed[first_tree + 5..body].fill(0);
    fs::write(&pack, &zeroed).unwrap();
    let mut odb = Odb::open(&[objects_dir(&repo.root)]);
    let errors = expected
        .iter()
        .filter(|(id, _, _)| odb.read(id).is_err())
        .count();
    assert!(errors > 0 && errors < expected.len(), "{errors} errors");

    // A scan over the damaged store says so, with exit code 2.
    let run = repo.guard(&["scan", "--history"]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stderr.contains("is damaged"), "{}", run.stderr);

    // Cut short, the pack no longer ends in the checksum its index records for it: git reads
    // none of its objects, nor does venv-guard, and a scan says an object is missing.
    fs::write(&pack, &original[..first_tree + 5]).unwrap();
    let mut odb = Odb::open(&[objects_dir(&repo.root)]);
    assert!(expected
        .iter()
        .all(|(id, _, _)| matches!(odb.read(id), Ok(None))));
    let run = repo.guard(&["scan", "--history"]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stderr.contains("is missing"), "{}", run.stderr);
    fs::write(&pack, &original).unwrap();
}

/// What git says each commit added or changed relative to its first parent (blobs and links;
/// `git diff-tree -r --diff-filter=AMT --no-renames`), as (commit, path) pairs.
fn changes_by_git(repo: &TestRepo) -> Vec<(String, Vec<u8>)> {
    let mut pairs = Vec::new();
    for line in repo
        .git_ok(&["rev-list", "--all", "--parents"])
        .stdout
        .lines()
    {
        let ids: Vec<&str> = line.split(' ').collect();
        let mut args = vec!["diff-tree", "-r", "-z", "--name-only", "--no-commit-id"];
        args.extend(["--diff-filter=AMT", "--no-renames", "--root"]);
        args.extend(ids.get(1).into_iter().copied());
        args.push(ids[0]);
        let out = isolated("git", &repo.root).args(&args).output().unwrap();
        assert!(out.status.success());
        for path in out.stdout.split(|&b| b == 0).filter(|p| !p.is_empty()) {
            pairs.push((ids[0].to_owned(), path.to_vec()));
        }
    }
    pairs.sort();
    pairs
}

/// The same pairs from `Repo::history`; and whether every commit came after its parents.
fn changes_by_history(repo: &TestRepo) -> (Vec<(String, Vec<u8>)>, bool) {
    let r = venv_guard::git::Repo::discover(&repo.root)
        .unwrap()
        .unwrap();
    let history = r.history().unwrap();
    let mut pairs = Vec::new();
    for entry in history.paths.paths() {
        for &commit in &history.versions_under(&entry.path)[0].commits {
            pairs.push((history.commits[commit].id.clone(), entry.path.clone()));
        }
    }
    pairs.sort();
    let place: std::collections::HashMap<&str, usize> = history
        .commits
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.as_str(), i))
        .collect();
    let rev_list = repo.git_ok(&["rev-list", "--all", "--parents"]);
    let ordered = place.len() == rev_list.stdout.lines().count()
        && rev_list.stdout.lines().all(|line| {
            let mut ids = line.split(' ').map(|id| place[id]);
            let child = ids.next().unwrap();
            ids.all(|parent| parent < child)
        });
    (pairs, ordered)
}

#[test]
fn history_matches_git_on_a_branchy_history_loose_and_packed() {
    let repo = busy_repo();
    // A side branch merged back, an orphan branch, a stash, a file that becomes a directory,
    // a mode change, a name that is not UTF-8, tags on a blob and on a tree, names whose
    // order in a tree is not their byte order.
    repo.git_ok(&["checkout", "-q", "-b", "side", "HEAD~10"]);
    repo.write("side/only.txt", "side\n");
    repo.commit_all("side work");
    repo.write("src/pkg/module.py", "side version\n");
    repo.commit_all("side edit");
    repo.git_ok(&["checkout", "-q", "main"]);
    repo.write("main-only.txt", "main\n");
    repo.commit_all("main work");
    repo.git_ok(&["merge", "-q", "-s", "ours", "--no-edit", "side"]);
    // "lib.txt" sorts before the tree "lib" in git's order, after it in plain byte order.
    repo.write("lib/x.py", "x\n");
    repo.write("lib/y.py", "y\n");
    repo.write("lib.txt", "beside\n");
    repo.commit_all("lib and lib.txt");
    fs::remove_file(repo.root.join("lib.txt")).unwrap();
    repo.write("lib/x.py", "x2\n");
    repo.commit_all("drop lib.txt, change lib/x.py");
    repo.write("thing", "a file\n");
    repo.commit_all("thing is a file");
    fs::remove_file(repo.root.join("thing")).unwrap();
    repo.write("thing/inside", "now a directory\n");
    repo.commit_all("thing is a directory");
    let script = repo.root.join("run.sh");
    crate::common::write_file(&script, b"#!/bin/sh\n");
    repo.commit_all("script");
    repo.git_ok(&["update-index", "--chmod=+x", "run.sh"]);
    repo.git_ok(&["commit", "-q", "--no-verify", "-m", "executable"]);
    crate::common::write_file(
        &repo.root.join(std::ffi::OsStr::from_bytes(b"caf\xe9.txt")),
        b"x\n",
    );
    repo.commit_all("latin-1 name");
    repo.write("main-only.txt", "stashed change\n");
    repo.git_ok(&["stash", "-q"]);
    repo.git_ok(&["checkout", "-q", "--orphan", "fresh"]);
    repo.git_ok(&["rm", "-q", "-r", "-f", "--cached", "."]);
    repo.write("fresh.txt", "fresh\n");
    repo.git_ok(&["add", "fresh.txt"]);
    repo.git_ok(&["commit", "-q", "--no-verify", "-m", "orphan"]);
    repo.git_ok(&["checkout", "-q", "-f", "main"]);
    let blob = repo
        .git_ok(&["rev-parse", "HEAD:run.sh"])
        .stdout
        .trim()
        .to_owned();
    let tree = repo
        .git_ok(&["rev-parse", "HEAD^{tree}"])
        .stdout
        .trim()
        .to_owned();
    repo.git_ok(&["tag", "-a", "blob-tag", "-m", "a blob", &blob]);
    repo.git_ok(&["tag", "tree-tag", &tree]);

    let expected = changes_by_git(&repo);
    assert!(expected.len() > 100, "{}", expected.len());
    assert_eq!(changes_by_history(&repo), (expected.clone(), true), "loose");
    repo.git_ok(&["gc", "-q", "--aggressive"]);
    assert_eq!(changes_by_history(&repo), (expected, true), "packed");
}

/// Packs over 2 GiB keep some offsets in a table of 64-bit offsets; an index that uses it for
/// every entry but one (the most git's size check allows: the first object of a pack is never
/// that far) reads the same objects.
#[test]
fn offsets_in_the_large_offset_table_are_followed() {
    let repo = busy_repo();
    repo.git_ok(&["repack", "-a", "-d", "-f", "-q"]);
    let expected = objects_by_git(&repo.root);
    let idx_path = fs::read_dir(repo.root.join(".git/objects/pack"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "idx"))
        .unwrap();
    let idx = fs::read(&idx_path).unwrap();
    let count = u32::from_be_bytes(idx[1028..1032].try_into().unwrap()) as usize;
    let offsets_at = 1032 + 24 * count;
    let mut rewritten = idx[..offsets_at].to_vec();
    let mut large = Vec::new();
    for i in 0..count {
        let at = offsets_at + 4 * i;
        let small = u32::from_be_bytes(idx[at..at + 4].try_into().unwrap());
        assert_eq!(
            small & 0x8000_0000,
            0,
            "a small test pack has no large offsets"
        );
        if i == 0 {
            rewritten.extend_from_slice(&small.to_be_bytes());
            continue;
        }
        rewritten.extend_from_slice(&(0x8000_0000 | (i as u32 - 1)).to_be_bytes());
        large.extend_from_slice(&u64::from(small).to_be_bytes());
    }
    rewritten.extend_from_slice(&large);
    rewritten.extend_from_slice(&idx[offsets_at + 4 * count..]);
    fs::write(&idx_path, &rewritten).unwrap();
    agree(
        &mut Odb::open(&[objects_dir(&repo.root)]),
        &expected,
        "64-bit offsets",
    );
}

/// A pack of two blobs, written by hand so that the second, a delta of the first, starts its
/// stream on the last byte of the reader's first 64 KiB window: the size it makes is read
/// across two windows, by its header and by a read.
#[test]
fn a_delta_that_starts_on_a_windows_last_byte_is_read() {
    use std::io::Write;
    const WINDOW: usize = 64 << 10;
    let zlib = |data: &[u8]| {
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::none());
        z.write_all(data).unwrap();
        z.finish().unwrap()
    };
    let varint = |n: usize, out: &mut Vec<u8>| out.extend(crate::pack_bytes::varint(n as u64));
    let entry = |kind: u8, size: usize| crate::pack_bytes::object_header(kind, size as u64);
    let distance = |d: usize| crate::pack_bytes::ofs_distance(d as u64);
    let build = |len: usize| {
        let base: Vec<u8> = (0..len).map(|i| b"abcdefghij\n"[i % 11]).collect();
        let mut target = base[..100].to_vec();
        target.extend_from_slice(b"changed\n");
        // The delta: both sizes, a copy of the base's first 100 bytes, an insert.
        let mut delta = Vec::new();
        varint(base.len(), &mut delta);
        varint(target.len(), &mut delta);
        delta.extend_from_slice(&[0x90, 100, 8]);
        delta.extend_from_slice(b"changed\n");
        let mut pack = b"PACK\0\0\0\x02\0\0\0\x02".to_vec();
        pack.extend(entry(3, base.len()));
        pack.extend(zlib(&base));
        let at = pack.len();
        pack.extend(entry(6, delta.len()));
        pack.extend(distance(at - 12));
        let stream = pack.len();
        pack.extend(zlib(&delta));
        pack.extend_from_slice(&[0; 20]);
        (base, target, at, stream, pack)
    };
    let len = (WINDOW - 200..WINDOW)
        .find(|&len| build(len).3 == WINDOW - 1)
        .expect("a base length that puts the delta's stream on the window's last byte");
    let (base, target, at, _, pack) = build(len);

    let dir = tempfile::tempdir().unwrap();
    write_pack(
        dir.path(),
        &pack,
        &[(blob_id(&base), 12), (blob_id(&target), at as u32)],
    );
    let id = blob_id;

    let mut odb = Odb::open(&[dir.path().to_path_buf()]);
    assert_eq!(
        odb.header(&id(&target)).unwrap(),
        Some((Kind::Blob, target.len() as u64))
    );
    let read = odb.read(&id(&target)).unwrap().unwrap();
    assert_eq!((read.kind, &read.data[..]), (Kind::Blob, &target[..]));
    let read = odb.read(&id(&base)).unwrap().unwrap();
    assert_eq!(&read.data[..], &base[..]);
}

/// The id git gives a blob of `data`.
fn blob_id(data: &[u8]) -> odb::Id {
    let oid = git2::Oid::hash_object(git2::ObjectType::Blob, data).unwrap();
    oid.as_bytes().try_into().unwrap()
}

/// Writes `pack` to `objects/pack/pack-1.pack` with an index of `objects` (id, offset); both
/// checksums are zeros, which agree with each other, all git checks when it opens a pack.
fn write_pack(objects: &Path, pack: &[u8], entries: &[(odb::Id, u32)]) {
    let packs = objects.join("pack");
    fs::create_dir_all(&packs).unwrap();
    fs::write(packs.join("pack-1.pack"), pack).unwrap();
    let mut entries = entries.to_vec();
    entries.sort();
    let mut idx = b"\xfftOc\0\0\0\x02".to_vec();
    for byte in 0..256 {
        let below = entries
            .iter()
            .filter(|(id, _)| usize::from(id[0]) <= byte)
            .count();
        idx.extend_from_slice(&(below as u32).to_be_bytes());
    }
    for (id, _) in &entries {
        idx.extend_from_slice(id);
    }
    idx.extend_from_slice(&vec![0; 4 * entries.len()]);
    for (_, offset) in &entries {
        idx.extend_from_slice(&offset.to_be_bytes());
    }
    idx.extend_from_slice(&[0; 40]);
    fs::write(packs.join("pack-1.idx"), &idx).unwrap();
}

/// A blob whose entry in a pack says it is a little or a lot longer or shorter than its stream
/// inflates to, in small objects and in one past the first window: git refuses to read it,
/// and so does the reader (an error, never the bytes).
#[test]
fn a_pack_entry_whose_size_lies_is_refused_as_git_refuses_it() {
    use std::io::Write;
    let repo = TestRepo::without_hook();
    let objects = objects_dir(&repo.root);
    for (len, lie) in [
        (13, 1),
        (13, -1),
        (13, 257),
        (13, 258),
        (13, 300),
        (300, -1),
        (300, -258),
        (100_000, 1),
        (100_000, -1),
    ] {
        let data: Vec<u8> = (0..len)
            .map(|i| b"0123456789abcdef"[(i * 7 + i / 16) % 16])
            .collect();
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(&data).unwrap();
        let mut pack = b"PACK\0\0\0\x02\0\0\0\x01".to_vec();
        pack.extend(crate::pack_bytes::object_header(
            3,
            (len as i64 + lie) as u64,
        ));
        pack.extend(z.finish().unwrap());
        pack.extend_from_slice(&[0; 20]);
        let id = blob_id(&data);
        write_pack(&objects, &pack, &[(id, 12)]);
        let hex: String = id.iter().map(|b| format!("{b:02x}")).collect();
        let step = format!("{len} bytes, said to be {lie:+}");
        let by_git = repo.git(&["cat-file", "blob", &hex]);
        assert_ne!(by_git.code, 0, "{step}: git read it");
        let read = Odb::open(std::slice::from_ref(&objects)).read(&id);
        assert!(
            read.is_err(),
            "{step}: read as {:?}",
            read.map(|o| o.map(|o| o.data.len()))
        );
    }
}
