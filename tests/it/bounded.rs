//! Objects a repository can forge: a cache-tree that names the wrong tree, a damaged tree, a
//! loose object or a delta chain that declares a gigabyte, a pack index that points past its
//! pack, a delta based on itself. Each is either read as git reads it or one line of error
//! (exit 2), within 512 MiB of address space and a time limit. The objects are written here,
//! byte by byte, and git is asked what it makes of the same bytes.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::common::{bin, isolated, Run, TestRepo};
use crate::pack_bytes::{object_header as pack_header, ofs_distance, varint};

/// `venv-guard ARGS` in `dir` under `ulimit -v` (512 MiB) and a 20-second limit (each case
/// takes well under a second).
fn bounded(dir: &Path, args: &[&str]) -> Run {
    let mut cmd = isolated("sh", dir);
    cmd.arg("-c")
        .arg("ulimit -v 524288 && exec \"$0\" \"$@\"")
        .arg(bin())
        .args(args);
    crate::common::run_within(&mut cmd, 20)
}

/// Asserts a one-line error (exit 2) that is no crash.
fn one_line_error(run: &Run, what: &str) {
    assert_eq!(run.code, 2, "{what}: {}", run.all());
    assert_eq!(run.stderr.lines().count(), 1, "{what}: {}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{what}: {}", run.stderr);
}

/// The raw bytes of a hex object id.
fn raw(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The repository's hash of `data` as a plain digest (`sha1sum` or `sha256sum`): the trailing
/// checksum of an index, a pack or a pack index.
fn digest(repo: &TestRepo, data: &[u8]) -> Vec<u8> {
    let tool = if id_len(repo) == 32 {
        "sha256sum"
    } else {
        "sha1sum"
    };
    let out = with_input(&mut Command::new(tool), data);
    raw(out.split(' ').next().unwrap())
}

/// What `cmd` prints when `input` is its standard input; it must succeed.
fn with_input(cmd: &mut Command, input: &[u8]) -> String {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{cmd:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// The length in bytes of the repository's object ids.
fn id_len(repo: &TestRepo) -> usize {
    let format = repo.git_ok(&["rev-parse", "--show-object-format"]);
    if format.stdout.trim() == "sha256" {
        32
    } else {
        20
    }
}

/// `git hash-object --literally -w -t KIND` of `data`: objects git would refuse to make.
fn write_literally(repo: &TestRepo, kind: &str, data: &[u8]) -> String {
    let mut cmd = isolated("git", &repo.root);
    cmd.args(["hash-object", "--literally", "-w", "--stdin", "-t", kind]);
    with_input(&mut cmd, data).trim().to_owned()
}

/// A tree git would refuse to make: `entries` are (mode and name, hex id), in the order given.
fn tree_literally(repo: &TestRepo, entries: &[(&str, &str)]) -> String {
    let mut tree = Vec::new();
    for (head, id) in entries {
        tree.extend(head.as_bytes());
        tree.push(0);
        tree.extend(raw(id.trim()));
    }
    write_literally(repo, "tree", &tree)
}

/// A commit of `tree` on `refs/heads/main`, parented on HEAD when there is one.
fn commit_tree_on_main(repo: &TestRepo, tree: &str) -> String {
    let parent = repo.git(&["rev-parse", "--verify", "-q", "HEAD"]);
    let mut body = format!("tree {tree}\n");
    if parent.code == 0 {
        body.push_str(&format!("parent {}\n", parent.stdout.trim()));
    }
    body.push_str(
        "author A <a@example.com> 1709287200 +0000\n\
         committer A <a@example.com> 1709287200 +0000\n\nforged\n",
    );
    let commit = write_literally(repo, "commit", body.as_bytes());
    repo.git_ok(&["update-ref", "refs/heads/main", &commit]);
    commit
}

/// Replaces a tree id the cache-tree in `.git/index` names (the root's or a directory's) and
/// writes the trailing checksum again, as a repository's author can.
fn forge_cache_tree(repo: &TestRepo, from: &str, to: &str) {
    let path = repo.root.join(".git/index");
    let mut index = std::fs::read(&path).unwrap();
    let (from, to) = (raw(from), raw(to));
    let at = index
        .windows(from.len())
        .position(|w| w == from)
        .expect("the cache-tree names the tree");
    index[at..at + to.len()].copy_from_slice(&to);
    let body = index.len() - id_len(repo);
    let sum = digest(repo, &index[..body]);
    index[body..].copy_from_slice(&sum);
    std::fs::write(&path, index).unwrap();
    // git reads the forged index without complaint.
    repo.git_ok(&["ls-files", "-s"]);
}

/// `scan --tracked` reads HEAD: an index whose cache-tree claims HEAD's tree for entries that
/// lack the committed environment does not hide it.
#[test]
fn a_cache_tree_naming_heads_tree_cannot_hide_a_committed_environment() {
    let repo = TestRepo::without_hook();
    repo.write("app.py", "print(1)\n");
    repo.venv("venv");
    repo.commit_all("venv committed");
    let head_tree = repo.git_ok(&["rev-parse", "HEAD^{tree}"]).stdout;
    repo.git_ok(&["rm", "-r", "-q", "--cached", "venv"]);
    let staged_tree = repo.git_ok(&["write-tree"]).stdout;
    assert_ne!(head_tree, staged_tree);
    forge_cache_tree(&repo, staged_tree.trim(), head_tree.trim());

    let run = repo.guard(&["scan", "--tracked", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert_eq!(crate::common::env_roots(&run), ["venv"], "{}", run.stdout);
}

/// On an index large enough that `scan --tracked` checks the cache-tree's claims on a second
/// thread while it detects on the files they give, a forged claim for one directory, beside a
/// true one for 17,000 entries, still cannot hide a committed environment: the files are read
/// again without the forged claim.
#[test]
fn a_forged_claim_beside_a_large_true_one_cannot_hide_a_committed_environment() {
    let repo = TestRepo::without_hook();
    repo.write("app.py", "print(1)\n");
    repo.write("pkg/mod.py", "x = 1\n");
    repo.venv("pkg/venv");
    repo.write("lib/seed.txt", "x\n");
    repo.git_ok(&["add", "-A"]);
    let blob = repo.git_ok(&["hash-object", "-w", "lib/seed.txt"]).stdout;
    let info: String = (0..17_000)
        .map(|i| format!("100644 {}\tlib/d{}/f{i}.txt\n", blob.trim(), i / 100))
        .collect();
    let added = crate::agree::git_in(
        &repo.root,
        &["update-index", "--add", "--index-info"],
        info.as_bytes(),
        &[],
    );
    assert!(added.status.success(), "{added:?}");
    repo.git_ok(&["commit", "-q", "-m", "a venv and a large lib"]);
    let head_pkg = repo.git_ok(&["rev-parse", "HEAD:pkg"]).stdout;
    repo.git_ok(&["rm", "-r", "-q", "--cached", "pkg/venv"]);
    // write-tree makes the cache-tree whole again, naming the staged `pkg/`.
    let staged = repo.git_ok(&["write-tree"]).stdout;
    let staged_pkg = repo
        .git_ok(&["rev-parse", &format!("{}:pkg", staged.trim())])
        .stdout;
    forge_cache_tree(&repo, staged_pkg.trim(), head_pkg.trim());

    let run = repo.guard(&["scan", "--tracked", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert_eq!(
        crate::common::env_roots(&run),
        ["pkg/venv"],
        "{}",
        run.stdout
    );
}

/// The hook asks what `git commit` would record: git takes a valid cache-tree as the tree to
/// commit, so a cache-tree naming a tree with an environment blocks the commit even when the
/// index's entries lack it. git itself then records the environment (the oracle).
#[test]
fn a_cache_tree_naming_another_tree_is_what_the_hook_checks() {
    let repo = TestRepo::new();
    repo.write("app.py", "print(1)\n");
    repo.git_ok(&["add", "app.py"]);
    repo.git_ok(&["commit", "-q", "--no-verify", "-m", "app"]);
    repo.venv("venv");
    repo.git_ok(&["add", "-A"]);
    let with_venv = repo.git_ok(&["write-tree"]).stdout;
    repo.git_ok(&["rm", "-r", "-q", "--cached", "venv"]);
    let without = repo.git_ok(&["write-tree"]).stdout;
    forge_cache_tree(&repo, without.trim(), with_venv.trim());
    assert!(!repo.git_ok(&["ls-files"]).stdout.contains("venv/"));

    let run = repo.guard(&["hook"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.all().contains("venv/"), "{}", run.all());
    // The entries equal HEAD's, so git needs `--allow-empty`, and then writes the cache-tree.
    let blocked = repo.commit(&["--allow-empty", "-m", "blocked"]);
    assert_ne!(blocked.code, 0, "{}", blocked.all());
    assert!(blocked.all().contains("venv/"), "{}", blocked.all());

    repo.git_ok(&[
        "commit",
        "-q",
        "--no-verify",
        "--allow-empty",
        "-m",
        "what git records",
    ]);
    let recorded = repo
        .git_ok(&["ls-tree", "-r", "--name-only", "HEAD"])
        .stdout;
    assert!(recorded.contains("venv/pyvenv.cfg"), "{recorded}");
}

/// A tree entry git cannot decode makes the tree unreadable for git (`git ls-tree` fails), and
/// for venv-guard: one line of error, never a listing that ends early and says "clean". The
/// damage comes first in an environment's folder, before its `pyvenv.cfg`.
#[test]
fn a_damaged_tree_is_an_error_as_for_git() {
    let damages: [&[u8]; 4] = [
        b"10x644 activate\0",
        b" activate\0",
        b"100644 \0",
        b"100644 activate\0short",
    ];
    for damage in damages {
        let repo = TestRepo::without_hook();
        repo.write("app.py", "print(1)\n");
        repo.commit_all("app");
        let blob = repo.git_ok(&["rev-parse", "HEAD:app.py"]).stdout;
        let cfg = write_literally(&repo, "blob", b"home = /usr/bin\n");
        let mut venv = damage.to_vec();
        if !damage.ends_with(b"short") && damage.ends_with(b"\0") {
            venv.extend(raw(&cfg));
        }
        venv.extend(b"100644 pyvenv.cfg\0");
        venv.extend(raw(&cfg));
        let venv = write_literally(&repo, "tree", &venv);
        let root = tree_literally(&repo, &[("100644 app.py", &blob), ("40000 venv", &venv)]);
        commit_tree_on_main(&repo, &root);
        let what = String::from_utf8_lossy(damage);
        assert_ne!(repo.git(&["ls-tree", "-r", &root]).code, 0, "{what}");

        for args in [&["scan", "--history"][..], &["scan", "--tracked"]] {
            let run = repo.guard(args);
            one_line_error(&run, &format!("{what:?} {args:?}"));
        }
    }
}

/// Modes are read as git reads them: zero-padded, group-writable, or with digits above the
/// file type (git keeps the low 16 bits), each entry lists as `git ls-tree` lists it, and an
/// environment behind such modes is found in every mode.
#[test]
fn odd_but_valid_modes_list_as_git_lists_them() {
    let repo = TestRepo::without_hook();
    repo.write("app.py", "print(1)\n");
    repo.commit_all("app");
    let app = repo.git_ok(&["rev-parse", "HEAD:app.py"]).stdout;
    let cfg = write_literally(&repo, "blob", b"home = /usr/bin\n");
    let script = write_literally(&repo, "blob", b"export TOKEN=ghp_abc\n");
    let bin = tree_literally(&repo, &[("100664 activate", &script)]);
    let venv = tree_literally(&repo, &[("040000 bin", &bin), ("1100644 pyvenv.cfg", &cfg)]);
    let root = tree_literally(&repo, &[("0100644 app.py", &app), ("40000 venv", &venv)]);
    commit_tree_on_main(&repo, &root);
    let listed = repo.git_ok(&["ls-tree", "-r", "HEAD"]).stdout;
    for line in ["100644 blob", "venv/pyvenv.cfg", "venv/bin/activate"] {
        assert!(listed.contains(line), "{listed}");
    }

    for args in [&["scan", "--tracked"][..], &["scan", "--history"]] {
        let run = repo.guard(&[args, &["--format", "json"]].concat());
        assert_eq!(run.code, 1, "{args:?}: {}", run.all());
        assert_eq!(crate::common::env_roots(&run), ["venv"], "{}", run.stdout);
    }
}

/// zlib of `data`.
fn deflate(data: &[u8]) -> Vec<u8> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(data).unwrap();
    z.finish().unwrap()
}

/// zlib of `header` and then `zeros` zero bytes, streamed.
fn deflate_zeros(header: &[u8], zeros: usize) -> Vec<u8> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(header).unwrap();
    let chunk = vec![0u8; 1 << 20];
    let mut left = zeros;
    while left > 0 {
        let n = left.min(chunk.len());
        z.write_all(&chunk[..n]).unwrap();
        left -= n;
    }
    z.finish().unwrap()
}

/// Writes a loose object file for `id` whatever its content hashes to.
fn write_loose(repo: &TestRepo, id: &str, compressed: &[u8]) {
    let dir = repo.root.join(".git/objects").join(&id[..2]);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(&id[2..]), compressed).unwrap();
}

/// An id no object has (and a different one for each `seed`).
fn fake_id(repo: &TestRepo, seed: u8) -> String {
    let mut id = vec![0xab; id_len(repo)];
    id[0] = seed;
    hex(&id)
}

/// A loose object that declares a gigabyte (a megabyte on disk), and one that declares a few
/// bytes and inflates to a gigabyte: neither is inflated whole.
#[test]
fn loose_objects_that_declare_or_hide_a_gigabyte_are_one_error() {
    for (seed, header, zeros) in [
        (1u8, "tree 1073741824\0", 1usize << 30),
        (2, "tree 10\0", 1 << 30),
    ] {
        let repo = TestRepo::without_hook();
        repo.write("app.py", "print(1)\n");
        repo.commit_all("app");
        let tree = fake_id(&repo, seed);
        write_loose(&repo, &tree, &deflate_zeros(header.as_bytes(), zeros));
        commit_tree_on_main(&repo, &tree);
        for args in [
            &["scan", "--tracked"][..],
            &["scan", "--history"],
            &["hook"],
        ] {
            let run = bounded(&repo.root, args);
            if args == ["hook"] {
                // The index still names app.py only: nothing reads the forged tree's content
                // but the comparison with HEAD, which must fail cleanly or pass.
                assert!(run.code == 0 || run.code == 2, "{header}: {}", run.all());
                assert!(run.stderr.lines().count() <= 1, "{}", run.stderr);
                continue;
            }
            one_line_error(&run, &format!("{header:?} {args:?}"));
        }
    }
}

/// A delta that makes `2 * base` bytes by copying its base twice, 16 MiB at a time.
fn doubling_delta(base: u64) -> Vec<u8> {
    let mut delta = varint(base);
    delta.extend(varint(2 * base));
    for _ in 0..2 {
        let mut offset = 0u64;
        while offset < base {
            let size = (base - offset).min(0xff_ffff);
            delta.push(0x80 | 0x0f | 0x70);
            delta.extend(offset.to_le_bytes()[..4].iter());
            delta.extend(size.to_le_bytes()[..3].iter());
            offset += size;
        }
    }
    delta
}

/// Writes `objects` (id, the object's pack bytes) as a pack and a version-2 index, with offsets
/// as given by `offset_of` (the real offset unless a test lies).
fn write_pack(
    repo: &TestRepo,
    objects: &[(Vec<u8>, Vec<u8>)],
    offset_of: impl Fn(usize, u64) -> u64,
) {
    let mut pack = b"PACK".to_vec();
    pack.extend(2u32.to_be_bytes());
    pack.extend((objects.len() as u32).to_be_bytes());
    let mut entries = Vec::new();
    for (i, (id, bytes)) in objects.iter().enumerate() {
        entries.push((id.clone(), offset_of(i, pack.len() as u64)));
        pack.extend(bytes);
    }
    let pack_sum = digest(repo, &pack);
    pack.extend(&pack_sum);
    entries.sort();
    let mut idx = vec![0xff, b't', b'O', b'c', 0, 0, 0, 2];
    for byte in 0..=255u8 {
        let count = entries.iter().filter(|(id, _)| id[0] <= byte).count();
        idx.extend((count as u32).to_be_bytes());
    }
    for (id, _) in &entries {
        idx.extend(id);
    }
    for _ in &entries {
        idx.extend(0u32.to_be_bytes());
    }
    for (_, offset) in &entries {
        idx.extend((*offset as u32).to_be_bytes());
    }
    idx.extend(&pack_sum);
    let idx_sum = digest(repo, &idx);
    idx.extend(idx_sum);
    let dir = repo.root.join(".git/objects/pack");
    let name = format!("pack-{}", hex(&pack_sum));
    std::fs::write(dir.join(format!("{name}.pack")), pack).unwrap();
    std::fs::write(dir.join(format!("{name}.idx")), idx).unwrap();
}

/// A repository whose `main` commits a tree that a crafted pack holds.
fn repo_with_packed_tree(
    objects: impl FnOnce(&TestRepo, &[u8]) -> Vec<(Vec<u8>, Vec<u8>)>,
    offset_of: impl Fn(usize, u64) -> u64,
) -> TestRepo {
    let repo = TestRepo::without_hook();
    repo.write("app.py", "print(1)\n");
    repo.commit_all("app");
    let tree = raw(&fake_id(&repo, 7));
    let objects = objects(&repo, &tree);
    write_pack(&repo, &objects, offset_of);
    commit_tree_on_main(&repo, &hex(&tree));
    repo
}

/// Twenty doubling OFS_DELTAs over a 1 KiB base (a few kilobytes of pack) would make a
/// gigabyte: refused before it is allocated.
#[test]
fn a_chain_of_doubling_deltas_is_one_error() {
    let repo = repo_with_packed_tree(
        |repo, tree| {
            let base = vec![b'x'; 1024];
            let mut objects = vec![(raw(&fake_id(repo, 10)), {
                let mut o = pack_header(3, base.len() as u64);
                o.extend(deflate(&base));
                o
            })];
            let mut size = base.len() as u64;
            let mut previous = objects[0].1.len() as u64;
            for level in 0..20u8 {
                let delta = doubling_delta(size);
                let mut o = pack_header(6, delta.len() as u64);
                o.extend(ofs_distance(previous));
                o.extend(deflate(&delta));
                previous = o.len() as u64;
                let id = if level == 19 {
                    tree.to_vec()
                } else {
                    raw(&fake_id(repo, 11 + level))
                };
                objects.push((id, o));
                size *= 2;
            }
            objects
        },
        |_, real| real,
    );
    for args in [&["scan", "--tracked"][..], &["scan", "--history"]] {
        one_line_error(&bounded(&repo.root, args), &format!("{args:?}"));
    }
}

/// A pack index whose offset points past the end of its pack, and a REF_DELTA whose base is
/// itself: libgit2 crashes or spins on these; venv-guard says the pack is damaged.
#[test]
fn a_pack_index_past_its_pack_and_a_self_based_delta_are_one_error() {
    let past_the_end = repo_with_packed_tree(
        |_, tree| {
            let mut o = pack_header(2, 0);
            o.extend(deflate(b""));
            vec![(tree.to_vec(), o)]
        },
        |_, _| 1 << 30,
    );
    let self_based = repo_with_packed_tree(
        |_, tree| {
            let delta = [varint(10), varint(10), vec![0x91, 0, 10]].concat();
            let mut o = pack_header(7, delta.len() as u64);
            o.extend(tree);
            o.extend(deflate(&delta));
            vec![(tree.to_vec(), o)]
        },
        |_, real| real,
    );
    for repo in [&past_the_end, &self_based] {
        for args in [&["scan", "--tracked"][..], &["scan", "--history"]] {
            one_line_error(&bounded(&repo.root, args), &format!("{args:?}"));
        }
    }
}

/// Ten thousand alternates that do not exist, before the one that holds the objects: each is
/// passed over once, as git does (it takes git a few hundredths of a second), and the
/// environment in the borrowed objects is found.
#[test]
fn thousands_of_missing_alternates_are_passed_over_quickly() {
    let origin = TestRepo::without_hook();
    origin.write("app.py", "print(1)\n");
    origin.venv("venv");
    origin.commit_all("venv committed");
    let clone = origin.sibling("clone");
    let root = origin.root.to_str().unwrap();
    let out = isolated("git", &origin.root)
        .args(["clone", "-q", "--shared", root, clone.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let alternates = clone.join(".git/objects/info/alternates");
    let real = std::fs::read_to_string(&alternates).unwrap();
    let mut lines: String = (0..10_000)
        .map(|i| format!("/nonexistent/store{i}/objects\n"))
        .collect();
    lines.push_str(&real);
    std::fs::write(&alternates, lines).unwrap();
    for args in [&["scan", "--history"][..], &["scan", "--tracked"]] {
        let run = bounded(&clone, args);
        assert_eq!(run.code, 1, "{args:?}: {}", run.all());
        assert!(run.stdout.contains("venv/"), "{}", run.stdout);
    }
}

/// A tree that names itself as its own subtree (an object stored under an id its content does
/// not hash to): the walk would never end; it stops at git's depth limit with one error.
#[test]
fn a_tree_that_contains_itself_is_one_error() {
    let repo = TestRepo::without_hook();
    repo.write("app.py", "print(1)\n");
    repo.commit_all("app");
    let tree = fake_id(&repo, 42);
    let mut body = b"40000 loop\0".to_vec();
    body.extend(raw(&tree));
    let mut object = format!("tree {}\0", body.len()).into_bytes();
    object.extend(&body);
    write_loose(&repo, &tree, &deflate(&object));
    commit_tree_on_main(&repo, &tree);
    for args in [&["scan", "--tracked"][..], &["scan", "--history"]] {
        one_line_error(&bounded(&repo.root, args), &format!("{args:?}"));
    }
}
