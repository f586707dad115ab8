//! Index files: real ones (versions 2, 3 and 4; a conflict, a submodule, a symlink, an
//! executable, a path longer than the flags can hold, `git add -N`, skip-worktree, a
//! cache-tree), damaged, reordered, with an entry repeated or a version changed, read by
//! venv-guard's reader and listed by `git ls-files -s`.
//!
//! git's reader trusts the index it wrote: it checks no bounds while it reads the entries, no
//! extension's length, and a path's length only by the 12 bits the flags hold for it. So where
//! git lists something from bytes that are not there or not what the flags say, venv-guard is
//! allowed to refuse (classes below, by its error), never to list other entries.

use std::path::Path;

use venv_guard::detect::PathList;
use venv_guard::formats::index::IndexFile;
use venv_guard::formats::odb;

use super::{git_in, mutate, Rng, Run, Scratch};

/// A listed entry: mode, id, stage, path.
type Entry = (u32, Vec<u8>, u8, Vec<u8>);

/// venv-guard's refusals of damage that git's unchecked reader passes over: entries or
/// extensions that run past the end of the file or into its checksum (git reads whatever
/// lies there), bytes before the checksum that make no extension (git skips them), and the
/// extended flags that git writes only from version 3 on (git reads them in any version).
const STRICTER: &[&str] = &[
    "truncated",
    "truncated path",
    "truncated extension",
    "trailing bytes before the checksum",
    "extended flags in a version 2 index",
];

/// Real indexes of each version, from one repository.
fn originals(scratch: &Scratch) -> Vec<Vec<u8>> {
    let blob = |content: &str| {
        odb::to_hex(&scratch.write_objects("blob", &[content.as_bytes().to_vec()])[0])
    };
    let (a, b) = (blob("a\n"), blob("b\n"));
    let long = format!("{}/f", "d".repeat(4200));
    let mut info = String::new();
    for (mode, id, path) in [
        ("100644", &a, "a"),
        ("100755", &b, "bin/run"),
        ("120000", &a, "link"),
        ("160000", &b, "sub"),
        ("100644", &a, "dir/x"),
        ("100644", &b, "dir/y"),
        ("100644", &a, "é ü"),
        ("100644", &b, &long),
    ] {
        info.push_str(&format!("{mode} {id}\t{path}\n"));
    }
    scratch.git_ok(&["update-index", "--add", "--index-info"], info.as_bytes());
    // A cache-tree, then a conflict, which leaves part of it valid.
    scratch.git_ok(&["write-tree"], b"");
    let conflict: String = (1..=3)
        .map(|stage| format!("100644 {a} {stage}\tm\n"))
        .collect();
    scratch.git_ok(&["update-index", "--index-info"], conflict.as_bytes());
    let index = scratch.git_dir().join("index");
    let mut out = Vec::new();
    for version in ["2", "4"] {
        scratch.git_ok(&["update-index", "--index-version", version], b"");
        out.push(std::fs::read(&index).unwrap());
    }
    // Extended flags make version 3 (or 4).
    std::fs::write(scratch.root.join("new"), "n\n").unwrap();
    scratch.git_ok(&["add", "-N", "new"], b"");
    scratch.git_ok(&["update-index", "--skip-worktree", "a"], b"");
    for version in ["3", "4"] {
        scratch.git_ok(&["update-index", "--index-version", version], b"");
        out.push(std::fs::read(&index).unwrap());
    }
    out
}

/// Where each entry of a valid index starts and ends (versions 2 and 3 pad entries to eight
/// bytes; version 4 does not).
fn entry_spans(data: &[u8]) -> Vec<(usize, usize)> {
    let version = be32(data, 4).unwrap();
    let count = be32(data, 8).unwrap();
    let mut spans = Vec::new();
    let mut at = 12;
    for _ in 0..count {
        let flags = u16::from_be_bytes([data[at + 60], data[at + 61]]);
        let mut name = at + 62 + if flags & 0x4000 != 0 { 2 } else { 0 };
        if version == 4 {
            while data[name] & 0x80 != 0 {
                name += 1;
            }
            name += 1;
        }
        let nul = name + data[name..].iter().position(|&b| b == 0).unwrap();
        let end = if version == 4 {
            nul + 1
        } else {
            at + (nul - at + 8) / 8 * 8
        };
        spans.push((at, end));
        at = end;
    }
    spans
}

fn be32(data: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(data.get(at..at + 4)?.try_into().ok()?))
}

/// A damaged copy of `original`: bytes changed anywhere or in its header or an entry, two
/// entries swapped, one repeated, the version or the count changed.
fn damaged(rng: &mut Rng, original: &[u8]) -> Vec<u8> {
    let spans = entry_spans(original);
    let mut data = original.to_vec();
    let (at, end) = *rng.pick(&spans);
    match rng.below(8) {
        0 | 1 => mutate(rng, &mut data),
        2 => {
            // The mode, the id, the flags or the path of one entry.
            let at = at + *rng.pick(&[24, 26, 27, 40, 50, 59, 60, 61, 62, 63, 64]);
            if at < end {
                data[at] ^= 1 << rng.below(8);
            }
        }
        3 => {
            let (other, other_end) = *rng.pick(&spans);
            if other > end {
                data = [
                    &original[..at],
                    &original[other..other_end],
                    &original[end..other],
                    &original[at..end],
                    &original[other_end..],
                ]
                .concat();
            }
        }
        4 => {
            data.splice(at..at, original[at..end].to_vec());
            let count = be32(&data, 8).unwrap() + 1;
            data[8..12].copy_from_slice(&count.to_be_bytes());
        }
        5 => data[7] = rng.below(6) as u8,
        6 => {
            let count = be32(&data, 8).unwrap() as i64 + *rng.pick(&[-2, -1, 1, 2]);
            data[8..12].copy_from_slice(&(count.max(0) as u32).to_be_bytes());
        }
        _ => data.truncate(rng.below(data.len())),
    }
    data
}

/// The entries as venv-guard's reader lists them (stage 0 only, files only, in git's order),
/// or why it refuses the index.
fn ours(data: &[u8]) -> Result<Vec<Entry>, String> {
    let index = IndexFile::parse(data.to_vec())?;
    Ok((0..index.len())
        .map(|i| {
            let r = index.record(i);
            (
                r.mode,
                index.oid(i).to_vec(),
                r.stage(),
                index.path_at(i).to_vec(),
            )
        })
        .collect())
}

/// The entries `git ls-files -s` lists from the index at `path`, or what git says when it
/// refuses it; put as venv-guard promises to give them: the entries of the next commit (stage
/// 0, not a sparse index's directories), in git's order, a path listed twice kept once (the
/// first).
fn theirs(dir: &Path, path: &Path) -> Result<Vec<Entry>, String> {
    let out = git_in(
        dir,
        &["ls-files", "-s", "-z"],
        b"",
        &[("GIT_INDEX_FILE", path)],
    );
    if !out.status.success() {
        let said = String::from_utf8_lossy(&out.stderr);
        return Err(format!("refused ({}: {})", out.status, said.trim()));
    }
    let mut entries: Vec<Entry> = Vec::new();
    for line in out.stdout.split(|&b| b == 0).filter(|l| !l.is_empty()) {
        let tab = line.iter().position(|&b| b == b'\t').unwrap();
        let words: Vec<&str> = std::str::from_utf8(&line[..tab])
            .unwrap()
            .split(' ')
            .collect();
        let mode = u32::from_str_radix(words[0], 8).unwrap();
        let Some(id) = odb::from_hex(words[1].as_bytes()) else {
            return Err(format!("garbage: {:?}", String::from_utf8_lossy(line)));
        };
        let stage: u8 = words[2].parse().unwrap();
        if stage == 0 && mode & 0o170000 != 0o040000 {
            entries.push((mode, id.to_vec(), stage, line[tab + 1..].to_vec()));
        }
    }
    entries.sort_by(|a, b| a.3.cmp(&b.3));
    entries.dedup_by(|b, a| a.3 == b.3);
    Ok(entries)
}

/// Whether git's reader, which takes a path's length from the entry's flags when they can
/// hold it, reads a path other than the one up to the NUL for some entry it reaches: it then
/// lists bytes that are not a path (or memory the file never held, for a length of 0) and
/// loses its place for every entry after. venv-guard reads up to the NUL; no answer is
/// compared for such an index.
fn lengths_disagree(data: &[u8]) -> bool {
    let (Some(version), Some(count)) = (be32(data, 4), be32(data, 8)) else {
        return false;
    };
    let mut at = 12;
    let mut previous = 0usize;
    for _ in 0..count {
        let Some(flags) = data.get(at + 60..at + 62) else {
            return false;
        };
        let flags = u16::from_be_bytes([flags[0], flags[1]]);
        let recorded = usize::from(flags & 0xfff);
        let mut name = at + 62 + if flags & 0x4000 != 0 { 2 } else { 0 };
        let mut kept = 0;
        if version == 4 {
            let mut strip = 0usize;
            loop {
                let Some(&b) = data.get(name) else {
                    return false;
                };
                name += 1;
                let Some(shifted) = strip.checked_mul(128) else {
                    return false;
                };
                strip = shifted | usize::from(b & 0x7f);
                if b & 0x80 == 0 {
                    break;
                }
                strip += 1;
            }
            // git ignores the first entry's count (there is no path before it), and refuses
            // an index where a later one strips more than the path before it holds.
            if at > 12 {
                let Some(k) = previous.checked_sub(strip) else {
                    return false;
                };
                kept = k;
            }
        }
        let Some(nul) = data
            .get(name..)
            .and_then(|r| r.iter().position(|&b| b == 0))
        else {
            return false;
        };
        let len = kept + nul;
        if recorded != 0xfff && recorded != len {
            return true;
        }
        previous = len;
        at = if version == 4 {
            name + nul + 1
        } else {
            at + (name - at + nul + 8) / 8 * 8
        };
    }
    false
}

/// Index files: the entries venv-guard reads are the ones `git ls-files -s` lists, or both
/// refuse the file, or venv-guard refuses damage of a class git does not look for.
#[test]
fn indexes_have_the_entries_git_lists() {
    let mut run = Run::new("index");
    let scratch = Scratch::new();
    let originals = originals(&scratch);
    let file = scratch.file("index");
    for original in &originals {
        std::fs::write(&file, original).unwrap();
        let listed = theirs(&scratch.root, &file);
        assert!(listed.as_ref().is_ok_and(|l| l.len() >= 8));
        assert!(
            ours(original) == listed,
            "a real index reads as git lists it"
        );
    }
    for case in 0..run.cases {
        let mut rng = run.rng(case);
        let original = rng.pick(&originals).clone();
        let data = damaged(&mut rng, &original);
        if lengths_disagree(&data) {
            continue;
        }
        std::fs::write(&file, &data).unwrap();
        let theirs = theirs(&scratch.root, &file);
        let ours = ours(&data);
        match (&ours, &theirs) {
            (Ok(a), Ok(b)) if a == b => run.agreed(true),
            (Err(_), Err(_)) => run.agreed(false),
            (Err(why), Ok(_)) if STRICTER.contains(&why.as_str()) => run.agreed(false),
            _ => run.disagree(
                case,
                format!(
                    "venv-guard reads {}, git lists {}",
                    shown(ours.as_ref().map_err(String::as_str)),
                    shown(theirs.as_ref().map_err(String::as_str)),
                ),
            ),
        }
    }
    run.finish();
}

fn shown(entries: Result<&Vec<Entry>, &str>) -> String {
    match entries {
        Err(why) => why.to_owned(),
        Ok(entries) => {
            let listed: Vec<String> = entries
                .iter()
                .map(|(mode, id, stage, path)| {
                    let path = String::from_utf8_lossy(&path[..path.len().min(40)]);
                    format!("{mode:o} {} {stage} {path:?}", odb::to_hex(id))
                })
                .collect();
            format!("[{}]", listed.join(", "))
        }
    }
}
