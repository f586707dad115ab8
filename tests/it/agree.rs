//! venv-guard's own parsers of git's data against git itself, on generated and mutated input:
//! commits (tree and parents), trees (entries), tag chains (what they peel to), index files
//! (entries), packs, pack indexes and chains of deltas (objects' kinds, sizes and contents).
//! For every case either both read the same thing or both refuse it; where they may differ by
//! design, the generator's module says which class of input and why.
//!
//! Each generator runs `VENV_GUARD_FUZZ_CASES` cases (default [`DEFAULT_CASES`]) from the seed
//! `VENV_GUARD_FUZZ_SEED` (default fixed, so that a run is reproducible); a failure names the
//! seed and the cases, and the same seed replays them. Every git call is batched where git can
//! answer many questions in one process. The repositories are made SHA-1 whatever format the
//! rest of the suite runs in: the own object reader reads SHA-1 only.

mod deltas;
mod index;
mod objects;
mod packs;
mod ranges;
mod zlib;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

use tempfile::TempDir;
use venv_guard::formats::odb::{self, Id, Kind};

use crate::common::isolated;

/// Cases per generator when `VENV_GUARD_FUZZ_CASES` is not set: the whole module runs in well
/// under a minute on two cores in a debug build.
pub const DEFAULT_CASES: usize = 200;

/// One generator's run: its cases, its seed, and the disagreements found so far.
pub struct Run {
    name: &'static str,
    seed: u64,
    pub cases: usize,
    found: Vec<String>,
    /// How many answers both sides read, and how many both refused.
    read: usize,
    refused: usize,
}

impl Run {
    /// The run of the generator `name`, as the environment sets it up.
    pub fn new(name: &'static str) -> Run {
        Run {
            name,
            seed: crate::common::fuzz_seed(),
            cases: crate::common::fuzz_cases(DEFAULT_CASES),
            found: Vec::new(),
            read: 0,
            refused: 0,
        }
    }

    /// The generator of case `case`: it depends on the seed, the generator and the case only,
    /// so a case reads the same in a shorter or longer run.
    pub fn rng(&self, case: usize) -> Rng {
        let mut name_hash: u64 = 0xcbf2_9ce4_8422_2325;
        for b in self.name.bytes() {
            name_hash = (name_hash ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
        let mut rng =
            Rng(self.seed ^ name_hash ^ (case as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
        rng.next();
        rng
    }

    /// Records that case `case` disagrees with git.
    pub fn disagree(&mut self, case: usize, what: String) {
        self.found.push(format!("case {case}: {what}"));
    }

    /// Records an answer both sides agree on: that they read the input, or refused it.
    pub fn agreed(&mut self, read: bool) {
        if read {
            self.read += 1;
        } else {
            self.refused += 1;
        }
    }

    /// Fails the test with every disagreement found, and how to replay them; and if the
    /// generator made only input that both read or only input that both refuse (it would test
    /// little).
    pub fn finish(self) {
        // What the run covered, for `--nocapture`: a generator whose input both sides refuse
        // almost always tests little.
        #[allow(clippy::print_stderr)]
        {
            eprintln!(
                "{}: {} cases, {} answers read by both, {} refused by both, {} disagreements",
                self.name,
                self.cases,
                self.read,
                self.refused,
                self.found.len()
            );
        }
        if self.found.is_empty() {
            assert!(
                self.cases < 50 || (self.read > 0 && self.refused > 0),
                "{}: the generator makes one-sided input",
                self.name
            );
            return;
        }
        let shown: Vec<&str> = self.found.iter().take(12).map(String::as_str).collect();
        panic!(
            "{}: {} of {} cases disagree with git (replay: VENV_GUARD_FUZZ_SEED={:#x} \
             VENV_GUARD_FUZZ_CASES={}):\n{}",
            self.name,
            self.found.len(),
            self.cases,
            self.seed,
            self.cases,
            shown.join("\n")
        );
    }
}

/// A small deterministic generator (SplitMix64): the cases must be the same on every machine
/// and every version of the dependencies.
pub struct Rng(u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// True `percent` times in a hundred.
    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }

    pub fn id(&mut self) -> Id {
        self.bytes(20).try_into().unwrap()
    }
}

/// Changes `data` in one to three places: a flipped bit, a random byte, a byte inserted or
/// removed, or the end cut off.
pub fn mutate(rng: &mut Rng, data: &mut Vec<u8>) {
    for _ in 0..1 + rng.below(3) {
        let at = rng.below(data.len() + 1);
        match rng.below(5) {
            0 if at < data.len() => data[at] ^= 1 << rng.below(8),
            1 if at < data.len() => data[at] = rng.next() as u8,
            2 => data.insert(at, rng.next() as u8),
            3 if at < data.len() => {
                data.remove(at);
            }
            _ => data.truncate(at),
        }
    }
}

/// A SHA-1 repository in a temporary directory, with a place beside it for scratch files.
pub struct Scratch {
    tmp: TempDir,
    pub root: PathBuf,
}

impl Scratch {
    pub fn new() -> Scratch {
        let tmp = tempfile::Builder::new()
            .prefix("vg-agree")
            .tempdir()
            .unwrap();
        let root = tmp.path().join("repo");
        std::fs::create_dir(&root).unwrap();
        let scratch = Scratch { tmp, root };
        scratch.git_ok(&["init", "-q", "--object-format=sha1", "-b", "main"], b"");
        scratch
    }

    pub fn git_dir(&self) -> PathBuf {
        self.root.join(".git")
    }

    pub fn objects(&self) -> PathBuf {
        self.git_dir().join("objects")
    }

    /// A path beside the repository.
    pub fn file(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    /// Runs git in the repository with `input` on its stdin.
    pub fn git(&self, args: &[&str], input: &[u8]) -> Output {
        git_in(&self.root, args, input, &[])
    }

    pub fn git_ok(&self, args: &[&str], input: &[u8]) -> Output {
        let out = self.git(args, input);
        assert!(
            out.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// Writes each of `bodies` as a loose object of type `kind`, checked by nothing (git's
    /// `--literally`), in one `git hash-object`; their ids, in order.
    pub fn write_objects(&self, kind: &str, bodies: &[Vec<u8>]) -> Vec<Id> {
        let dir = self.file("bodies");
        std::fs::create_dir_all(&dir).unwrap();
        let mut paths = Vec::new();
        for (i, body) in bodies.iter().enumerate() {
            let path = dir.join(i.to_string());
            std::fs::write(&path, body).unwrap();
            paths.extend_from_slice(path.as_os_str().as_encoded_bytes());
            paths.push(b'\n');
        }
        let out = self.git_ok(
            &[
                "hash-object",
                "--literally",
                "-t",
                kind,
                "-w",
                "--stdin-paths",
            ],
            &paths,
        );
        let ids: Vec<Id> = out
            .stdout
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| odb::from_hex(l).unwrap())
            .collect();
        assert_eq!(ids.len(), bodies.len());
        ids
    }
}

/// Runs git in `dir` with `input` on its stdin and `env` set.
pub fn git_in(dir: &Path, args: &[&str], input: &[u8], env: &[(&str, &Path)]) -> Output {
    let mut cmd = isolated("git", dir);
    cmd.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, value) in env {
        cmd.env(key, value);
    }
    let mut child = cmd.spawn().expect("git starts");
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    // Written from another thread: git may fill its output before it has read all its input.
    let writer = std::thread::spawn(move || {
        // git may stop reading early (it died on a damaged object): that is its answer.
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().expect("git runs");
    writer.join().unwrap();
    out
}

/// The kind git names `name`.
pub fn kind_named(name: &[u8]) -> Option<Kind> {
    Kind::from_name(name)
}
