//! Property tests over arbitrary input (proptest, a bounded number of cases per run): parsing
//! and classification never panic, and what they promise holds for any bytes. The cases come
//! from `VENV_GUARD_FUZZ_SEED` (a fixed seed by default, so that a failure can be replayed) and
//! `VENV_GUARD_FUZZ_CASES` sets how many each test runs.

use proptest::prelude::*;
use proptest::test_runner::RngSeed;

use venv_guard::detect::{detect, Meta, Mode, PathEntry};
use venv_guard::detect::{Listed, Listing};
use venv_guard::escape;
use venv_guard::formats::index::IndexFile;
use venv_guard::formats::odb::{self, Odb};
use venv_guard::formats::pyvenv::PyvenvCfg;

/// `cases` cases (or `VENV_GUARD_FUZZ_CASES`) from the seed the environment gives.
fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases: crate::common::fuzz_cases(cases as usize) as u32,
        rng_seed: RngSeed::Fixed(crate::common::fuzz_seed()),
        ..ProptestConfig::default()
    }
}

/// Path components drawn mostly from the names environments and projects use, so that the
/// interesting combinations (bin/activate next to lib/python3.X...) come up often.
fn component() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::sample::select(vec![
            "bin",
            "Scripts",
            "lib",
            "Lib",
            "lib64",
            "include",
            "python3.11",
            "site-packages",
            "pyvenv.cfg",
            "activate",
            "activate.bat",
            "python",
            "python.exe",
            "conda-meta",
            "history",
            "orig-prefix.txt",
            "__pypackages__",
            "3.11",
            "tests",
            "fixtures",
            "venv",
            ".venv",
            "src",
            "node_modules",
            "pip-selfcheck.json",
            ".Python",
            "share",
        ])
        .prop_map(|s| s.as_bytes().to_vec()),
        prop::collection::vec(
            any::<u8>().prop_filter("no slash or NUL", |b| *b != b'/' && *b != 0),
            1..12
        ),
    ]
}

fn path() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(component(), 1..7).prop_map(|cs| cs.join(&b'/'))
}

fn tree() -> impl Strategy<Value = Listing<Vec<u8>>> {
    let content = prop_oneof![
        Just(b"home = /usr/bin\n".to_vec()),
        Just(b"\x7fELF".to_vec()),
        prop::collection::vec(any::<u8>(), 0..64),
    ];
    let mode = prop::sample::select(vec![Mode::File, Mode::Executable, Mode::Symlink]);
    prop::collection::vec((path(), mode, content), 0..60).prop_map(|entries| {
        Listing::new(
            entries
                .into_iter()
                .map(|(path, mode, data)| Listed {
                    path,
                    meta: Meta {
                        mode,
                        size: Some(data.len() as u64),
                    },
                    data,
                })
                .collect(),
        )
    })
}

proptest! {
    #![proptest_config(config(2000))]

    #[test]
    fn pyvenv_cfg_parsing_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..20_000)) {
        let _ = PyvenvCfg::parse(&bytes);
    }

    #[test]
    fn displayed_paths_hold_no_control_or_bidi_characters(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let shown = escape::display(&bytes);
        let bidi = |c: char| matches!(c as u32, 0x202a..=0x202e | 0x2066..=0x2069);
        let clean = !shown.chars().any(|c| c.is_control() || bidi(c));
        prop_assert!(clean, "escaped: {:?}", shown);
        let word = escape::shell_word(&bytes);
        // POSIX has no one-line spelling of a trailing newline (command substitution drops
        // it): only those may follow, quoted, at the end.
        let body = word.trim_end_matches(['\n', '\'']);
        let clean = !body.chars().any(|c| c.is_control());
        prop_assert!(clean, "shell word: {:?}", word);
    }

    #[test]
    fn gitignore_literals_are_one_line(bytes in prop::collection::vec(any::<u8>(), 0..100)) {
        if let Some(literal) = escape::gitignore_literal(&bytes) {
            prop_assert!(!literal.contains('\n') && !literal.contains('\r'));
        }
    }

    #[test]
    fn detection_never_panics_and_claims_only_given_paths(t in tree()) {
        let paths: Vec<PathEntry> = t
            .entries()
            .iter()
            .map(|e| PathEntry { path: e.path.clone(), meta: Some(e.meta) })
            .collect();
        let envs = detect(&paths, &t);
        let claimed: u64 = envs.iter().map(|e| e.files).sum();
        prop_assert!(claimed <= paths.len() as u64, "a path was counted twice");
        let mut roots: Vec<&Vec<u8>> = envs.iter().map(|e| &e.root).collect();
        roots.sort();
        roots.dedup();
        prop_assert_eq!(roots.len(), envs.len(), "one finding per root");
    }

    #[test]
    fn index_parsing_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..2_000)) {
        let mut data = b"DIRC\0\0\0\x02".to_vec();
        data.extend_from_slice(&bytes);
        let _ = IndexFile::parse(data);
    }

    #[test]
    fn deltas_never_panic(
        base in prop::collection::vec(any::<u8>(), 0..300),
        delta in prop::collection::vec(any::<u8>(), 0..300),
    ) {
        // Most random deltas would fail at the first check (the base's size): lead with the
        // right size half of the time, so the operations are exercised.
        let mut led = Vec::new();
        let mut n = base.len();
        while n >= 0x80 {
            led.push((n as u8 & 0x7f) | 0x80);
            n >>= 7;
        }
        led.push(n as u8);
        led.extend_from_slice(&delta);
        for delta in [&delta, &led] {
            if let Some(out) = odb::apply_delta(&base, delta) {
                prop_assert!(out.len() <= delta.len().saturating_mul(0x10000));
            }
        }
    }

    #[test]
    fn activate_script_scanning_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..4_000)) {
        for name in ["bin/activate", "bin/activate.fish", "bin/activate.csh", "Scripts/Activate.ps1", "Scripts/activate.bat"] {
            let _ = venv_guard::report::secrets::exported(name.as_bytes(), &bytes);
        }
    }
}

/// A real index, mutated byte by byte: the reader refuses or reads it, never panics.
#[test]
fn mutated_real_indexes_never_panic() {
    let repo = crate::common::TestRepo::new();
    repo.venv("venv");
    repo.write("a b/ü.txt", "x\n");
    repo.git_ok(&["add", "-A"]);
    for version in ["2", "4"] {
        repo.git_ok(&["update-index", "--index-version", version]);
        let original = std::fs::read(repo.root.join(".git/index")).unwrap();
        mutations(&original, 2000, |data| {
            let _ = IndexFile::parse(data.to_vec());
        });
    }
}

/// Calls `check` with `cases` variants of `original`, each with one byte changed, and each of
/// those cut short at some length.
fn mutations(original: &[u8], cases: u32, check: impl Fn(&[u8])) {
    let mut runner = proptest::test_runner::TestRunner::new(config(cases));
    runner
        .run(
            &(0..original.len(), any::<u8>(), 0..original.len()),
            |(at, byte, cut)| {
                let mut data = original.to_vec();
                data[at] = byte;
                check(&data);
                check(&data[..cut]);
                Ok(())
            },
        )
        .unwrap();
}

/// A real pack and its index, mutated byte by byte and cut short: every object reads, or is
/// an error, or is absent; nothing panics and nothing allocates what the files cannot hold.
#[test]
fn mutated_real_packs_never_panic() {
    let repo = crate::common::TestRepo::without_hook();
    let mut text = String::new();
    for round in 0..12 {
        text.push_str(&format!("line {round}\n"));
        repo.write("a/b/module.py", &text);
        repo.write(&format!("a/c/f{round}.txt"), "x\n");
        repo.commit_all(&format!("round {round}"));
    }
    repo.git_ok(&["repack", "-a", "-d", "-f", "-q"]);
    let ids: Vec<odb::Id> = repo
        .git_ok(&[
            "cat-file",
            "--batch-all-objects",
            "--batch-check=%(objectname)",
        ])
        .stdout
        .lines()
        .map(|l| odb::from_hex(l.as_bytes()).unwrap())
        .collect();
    let objects = repo.root.join(".git/objects");
    let files: Vec<std::path::PathBuf> = std::fs::read_dir(objects.join("pack"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    for file in files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e != "rev"))
    {
        let original = std::fs::read(file).unwrap();
        mutations(&original, 300, |bytes| {
            std::fs::write(file, bytes).unwrap();
            let mut odb = Odb::open(std::slice::from_ref(&objects));
            for id in &ids {
                let _ = odb.kind(id);
                let _ = odb.read(id);
            }
        });
        std::fs::write(file, &original).unwrap();
    }
}
