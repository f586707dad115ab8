//! The index reader and the staged-changes comparison against git's own answer
//! (`git diff --cached --name-only --diff-filter=AMT --no-renames`), across index versions and
//! the states the cache-tree goes through.

use std::fs;
use std::os::unix::fs::PermissionsExt;

use venv_guard::git::Repo;

use crate::common::{repo_format, RepoFormat, TestRepo};

fn ours(repo: &TestRepo) -> Vec<String> {
    let r = Repo::discover(&repo.root).unwrap().unwrap();
    let index = r.index().unwrap();
    let mut paths: Vec<String> = r
        .staged(&index)
        .unwrap()
        .into_iter()
        .map(|p| String::from_utf8(p.path).unwrap())
        .collect();
    paths.sort();
    paths
}

fn gits(repo: &TestRepo) -> Vec<String> {
    let run = repo.git_ok(&[
        "diff",
        "--cached",
        "--name-only",
        "--diff-filter=AMT",
        "--no-renames",
    ]);
    let mut paths: Vec<String> = run.stdout.lines().map(str::to_owned).collect();
    paths.sort();
    paths
}

fn agree(repo: &TestRepo, step: &str) {
    assert_eq!(
        ours(repo),
        gits(repo),
        "staged paths differ from git's after: {step}"
    );
}

#[test]
fn staged_changes_match_git_through_many_index_states() {
    for version in ["2", "3", "4"] {
        let repo = TestRepo::new();
        repo.git_ok(&["config", "index.version", version]);
        for i in 0..30 {
            repo.write(
                &format!("src/a{}/b{}/f{i}.py", i % 3, i % 5),
                &format!("{i}\n"),
            );
        }
        repo.write("top.txt", "top\n");
        crate::common::symlink("top.txt", &repo.root.join("link"));
        repo.git_ok(&["add", "-A"]);
        agree(&repo, "unborn HEAD");
        repo.commit_all("one");
        agree(&repo, "a fresh commit (full cache-tree)");

        repo.write("src/a1/b1/f1.py", "changed\n");
        repo.write("src/new/dir/x.py", "new\n");
        fs::remove_file(repo.root.join("src/a2/b2/f2.py")).unwrap();
        let exe = repo.root.join("src/a0/b0/f0.py");
        fs::set_permissions(&exe, fs::Permissions::from_mode(0o755)).unwrap();
        fs::remove_file(repo.root.join("top.txt")).unwrap();
        crate::common::symlink("link", &repo.root.join("top.txt"));
        repo.git_ok(&["add", "-A"]);
        agree(&repo, "modify, add, delete, chmod, typechange");

        repo.git_ok(&["read-tree", "HEAD"]);
        agree(&repo, "read-tree HEAD");
        repo.git_ok(&["add", "src/a1"]);
        agree(&repo, "a partly invalidated cache-tree");
        repo.git_ok(&["update-index", "--index-version", "4"]);
        repo.git_ok(&["add", "-A"]);
        agree(&repo, "index version 4");
        repo.commit_all("two");
        agree(&repo, "second commit");
        repo.git_ok(&["rm", "-r", "-q", "--cached", "src/a0"]);
        agree(&repo, "deletion only");
    }
}

#[test]
fn index_paths_and_modes_match_ls_files() {
    let repo = TestRepo::new();
    repo.venv("venv");
    repo.write("a b/ünïcode.txt", "x\n");
    repo.git_ok(&["add", "-A"]);
    repo.git_ok(&["update-index", "--index-version", "4"]);
    paths_and_modes_agree(&repo);
}

/// An index of more than a megabyte is mapped rather than read: versions 2 and 4 (whose
/// paths are rebuilt beside the mapping) still list what git lists, and stage as git stages.
#[test]
fn a_large_mapped_index_reads_as_git_reads_it() {
    if repo_format() == RepoFormat::SplitIndex {
        return; // The sizes below are a whole index's.
    }
    let repo = TestRepo::new();
    for i in 0..18_000 {
        let path = repo.root.join(format!(
            "services/service-{:03}/src/module_{i:05}.py",
            i % 150
        ));
        crate::common::write_file(&path, b"");
    }
    repo.venv("venv");
    repo.git_ok(&["add", "-A"]);
    for version in ["2", "4"] {
        repo.git_ok(&["update-index", "--index-version", version]);
        let size = fs::metadata(repo.root.join(".git/index")).unwrap().len();
        assert!(size > 1 << 20, "index v{version} is only {size} bytes");
        paths_and_modes_agree(&repo);
        agree(&repo, &format!("v{version}, unborn HEAD"));
        let run = repo.guard(&["--format", "json", "scan", "--tracked", "--index"]);
        assert_eq!(run.code, 1, "{}", run.all());
        assert!(run.stdout.contains("\"venv\""), "{}", run.stdout);
    }
}

fn paths_and_modes_agree(repo: &TestRepo) {
    let r = Repo::discover(&repo.root).unwrap().unwrap();
    let index = r.index().unwrap();
    let file = index.file();
    use venv_guard::detect::PathList;
    let ours: Vec<String> = (0..file.len())
        .map(|i| {
            let rec = file.record(i);
            let oid: String = file.oid(i).iter().map(|b| format!("{b:02x}")).collect();
            format!(
                "{:o} {oid} {}",
                rec.mode,
                String::from_utf8_lossy(file.path_at(i))
            )
        })
        .collect();
    let theirs: Vec<String> = repo
        .git_ok(&["-c", "core.quotePath=false", "ls-files", "-s"])
        .stdout
        .lines()
        .map(|l| {
            let (meta, path) = l.split_once('\t').unwrap();
            let mut fields = meta.split(' ');
            let (mode, oid) = (fields.next().unwrap(), fields.next().unwrap());
            format!("{mode} {oid} {path}")
        })
        .collect();
    assert_eq!(ours, theirs);
}

/// A split index (`core.splitIndex`): the entries of the shared index less those deleted, the
/// replaced ones taken from the split file, and the added ones, as git merges them, through
/// adds, edits, removals and a re-split.
#[test]
fn a_split_index_reads_as_git_reads_it() {
    for version in ["2", "4"] {
        let repo = TestRepo::new();
        repo.git_ok(&["config", "core.splitIndex", "true"]);
        // Never fold the split file back into a new shared index while the test runs.
        repo.git_ok(&["config", "splitIndex.maxPercentChange", "100"]);
        repo.git_ok(&["config", "index.version", version]);
        for i in 0..40 {
            repo.write(&format!("src/m{}/f{i}.py", i % 4), &format!("{i}\n"));
        }
        repo.git_ok(&["add", "-A"]);
        repo.commit_all("one");
        let split = |repo: &TestRepo| {
            fs::read_dir(repo.root.join(".git")).unwrap().any(|e| {
                e.unwrap()
                    .file_name()
                    .to_string_lossy()
                    .starts_with("sharedindex.")
            })
        };
        assert!(split(&repo), "git made no shared index");
        paths_and_modes_agree(&repo);
        agree(&repo, "a split index after a commit");

        repo.write("src/m1/f1.py", "changed\n");
        repo.write("src/m0/f0.py", "changed too\n");
        repo.write("src/new/added.py", "new\n");
        repo.write("a_first.txt", "sorts first\n");
        fs::remove_file(repo.root.join("src/m2/f2.py")).unwrap();
        fs::remove_file(repo.root.join("src/m3/f3.py")).unwrap();
        repo.git_ok(&["add", "-A"]);
        paths_and_modes_agree(&repo);
        agree(&repo, "edits, additions and removals in the split file");

        repo.venv("venv");
        repo.git_ok(&["add", "-A"]);
        paths_and_modes_agree(&repo);
        let run = repo.guard(&["hook"]);
        assert_eq!(run.code, 1, "{}", run.all());
        assert!(
            run.stdout.contains("venv/ is a Python environment"),
            "{}",
            run.stdout
        );
        let run = repo.guard(&["fix"]);
        assert_eq!(run.code, 0, "{}", run.all());
        paths_and_modes_agree(&repo);
        assert!(!repo.tracked().iter().any(|p| p.starts_with("venv/")));

        repo.git_ok(&["update-index", "--split-index"]);
        repo.commit_all("two");
        paths_and_modes_agree(&repo);
        agree(&repo, "after a commit on a split index");
        assert_eq!(repo.guard(&["hook"]).code, 0);
    }
}

/// A sparse index (`--sparse-index`, Scalar's default) is written by git itself: `fix` and
/// `hook --fix` untrack an environment inside the cone, and leave the directory entries outside
/// it as git keeps them.
#[test]
fn fix_writes_a_sparse_index_through_git() {
    if repo_format() == RepoFormat::SplitIndex {
        return; // git keeps the sparse directories in the shared index then.
    }
    let repo = TestRepo::new();
    repo.write("src/app.py", "x\n");
    repo.write("docs/guide.md", "# guide\n");
    repo.commit_all("start");
    repo.git_ok(&["sparse-checkout", "set", "--cone", "--sparse-index", "src"]);
    repo.venv("src/venv");
    repo.git_ok(&["add", "-A"]);
    let index = fs::read(repo.root.join(".git/index")).unwrap();
    assert!(
        index.windows(4).any(|w| w == b"sdir"),
        "git wrote no sparse index"
    );
    let run = repo.guard(&["hook", "--fix"]);
    assert_eq!(
        run.code,
        1,
        "the fixed commit still fails once: {}",
        run.all()
    );
    assert!(!repo.tracked().iter().any(|p| p.starts_with("src/venv/")));
    // `docs/` is still one directory entry, and the commit now passes the hook.
    let ls = repo.git_ok(&["ls-files", "--sparse"]).stdout;
    assert!(ls.lines().any(|l| l == "docs/"), "{ls}");
    assert!(
        ls.lines()
            .any(|l| l == "src/.gitignore" || l == ".gitignore"),
        "{ls}"
    );
    let run = repo.commit(&[]);
    assert_eq!(run.code, 0, "{}", run.all());

    repo.venv("src/venv2");
    repo.commit_all("venv2");
    let run = repo.guard(&["fix"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(!repo.tracked().iter().any(|p| p.starts_with("src/venv2/")));
    assert!(repo.root.join("src/venv2/pyvenv.cfg").exists());
}

/// `index.skipHash` (git 2.40; `feature.manyFiles` turns it on) leaves the checksum zero.
#[test]
fn an_index_without_its_checksum_reads_and_fixes() {
    if repo_format() == RepoFormat::SplitIndex {
        // git names the shared index by the checksum it skipped (all zeros), and then reads
        // no entries from it itself (`git ls-files` lists nothing).
        return;
    }
    let repo = TestRepo::new();
    repo.git_ok(&["config", "index.skipHash", "true"]);
    repo.write("app.py", "print(1)\n");
    repo.venv("venv");
    repo.git_ok(&["add", "-A"]);
    let index = fs::read(repo.root.join(".git/index")).unwrap();
    assert_eq!(&index[index.len() - 20..], &[0; 20], "git wrote a checksum");
    paths_and_modes_agree(&repo);
    agree(&repo, "skipHash, unborn HEAD");
    assert_eq!(repo.guard(&["hook"]).code, 1);
    let run = repo.guard(&["fix"]);
    assert_eq!(run.code, 0, "{}", run.all());
    assert_eq!(repo.tracked(), [".gitignore", "app.py"]);
}

/// An index whose entries are out of order (git never writes one, but reads it without
/// complaint): the entries are put in git's order, never a panic or a missed environment.
#[test]
fn an_index_out_of_order_reads_as_git_lists_it() {
    if repo_format() != RepoFormat::Default {
        return; // The entries below are rewritten by hand in the plain version 2 layout.
    }
    let repo = TestRepo::new();
    // No checksum, so the reordered file needs none either.
    repo.git_ok(&["config", "index.skipHash", "true"]);
    repo.git_ok(&["config", "index.version", "2"]);
    repo.venv("venv");
    repo.write("zz.py", "x\n");
    repo.git_ok(&["add", "-A"]);
    let path = repo.root.join(".git/index");
    let bytes = fs::read(&path).unwrap();
    let count = u32::from_be_bytes(bytes[8..12].try_into().unwrap()) as usize;
    let (mut at, mut entries) = (12, Vec::new());
    for _ in 0..count {
        let name = usize::from(u16::from_be_bytes([bytes[at + 60], bytes[at + 61]]) & 0xfff);
        let len = (62 + name + 8) / 8 * 8;
        entries.push(bytes[at..at + len].to_vec());
        at += len;
    }
    entries.reverse();
    let mut out = bytes[..12].to_vec();
    out.extend(entries.concat());
    out.extend_from_slice(&bytes[at..]);
    fs::write(&path, out).unwrap();
    let listed = repo.git_ok(&["ls-files"]).stdout;
    assert!(
        listed.starts_with("zz.py"),
        "git lists the file's order: {listed}"
    );
    let run = repo.guard(&["scan", "--tracked", "--index"]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stdout.contains("venv/ is a Python environment"),
        "{}",
        run.stdout
    );
    let run = repo.guard(&["hook"]);
    assert_eq!(run.code, 1, "{}", run.all());
}
