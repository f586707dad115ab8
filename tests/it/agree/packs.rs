//! Packs and pack indexes: a real pack (deltas of deltas, by offset) damaged byte by byte, its
//! index damaged byte by byte, and packs whose checksum or index is made again after the
//! damage; every object venv-guard reads is the one `git cat-file --batch` reads for its id
//! in the same store, or venv-guard says it cannot read it.
//!
//! Where git refuses an object or a whole pack that venv-guard still reads (git checks that a
//! pack matches its index, and its search may miss a name a damaged index holds out of order),
//! venv-guard's answer must be the object's true content, as git read it before the damage:
//! never other bytes.

use std::collections::HashMap;
use std::path::Path;

use venv_guard::formats::odb::{self, Id, Kind, Odb};

use super::{git_in, kind_named, mutate, Run, Scratch};

/// An object as git or venv-guard reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Read {
    pub kind: Kind,
    pub data: Vec<u8>,
}

/// What one side says of one id: its kind and size from the headers, and its content.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Answer {
    pub header: Option<(Kind, u64)>,
    pub read: Option<Read>,
}

/// Each of `ids` as git reads it in the repository at `dir`: `git cat-file --batch-check`
/// for the headers and `--batch` for the contents, `None` where it says an object is missing
/// or cannot be read. git stops at the first object it cannot read after all; it is started
/// again after that one.
pub fn by_git(dir: &Path, ids: &[Id]) -> Vec<Answer> {
    let headers = cat_file(dir, ids, false);
    let reads = cat_file(dir, ids, true);
    headers
        .into_iter()
        .zip(reads)
        .map(|(header, read)| Answer {
            header: header.map(|(kind, size, _)| (kind, size)),
            read: read.map(|(kind, _, data)| Read { kind, data }),
        })
        .collect()
}

/// `git cat-file --batch` (`contents`) or `--batch-check`, for each of `ids`: the kind, the
/// size and (for `--batch`) the content.
fn cat_file(dir: &Path, ids: &[Id], contents: bool) -> Vec<Option<(Kind, u64, Vec<u8>)>> {
    let mode = if contents { "--batch" } else { "--batch-check" };
    let mut answers = Vec::with_capacity(ids.len());
    while answers.len() < ids.len() {
        let rest = &ids[answers.len()..];
        let input: String = rest.iter().map(|id| odb::to_hex(id) + "\n").collect();
        let out = git_in(dir, &["cat-file", mode], input.as_bytes(), &[]);
        let mut stream = &out.stdout[..];
        for id in rest {
            let Some(end) = stream.iter().position(|&b| b == b'\n') else {
                break;
            };
            let words: Vec<&[u8]> = stream[..end].split(|&b| b == b' ').collect();
            assert_eq!(words[0], odb::to_hex(id).as_bytes(), "git answers in order");
            if words[1] == b"missing" {
                answers.push(None);
                stream = &stream[end + 1..];
                continue;
            }
            let kind = kind_named(words[1]).expect("a kind git names");
            let size: u64 = std::str::from_utf8(words[2]).unwrap().parse().unwrap();
            if !contents {
                answers.push(Some((kind, size, Vec::new())));
                stream = &stream[end + 1..];
                continue;
            }
            let Some(data) = usize::try_from(size)
                .ok()
                .and_then(|size| stream.get(end + 1..)?.get(..size))
            else {
                break;
            };
            let after = end + 1 + data.len();
            if stream.get(after) != Some(&b'\n') {
                break;
            }
            answers.push(Some((kind, size, data.to_vec())));
            stream = &stream[after + 1..];
        }
        if answers.len() < ids.len() {
            assert!(!out.status.success(), "git cat-file ended early");
            // The object it stopped at cannot be read.
            answers.push(None);
        }
    }
    answers
}

/// Each of `ids` as venv-guard's reader reads it from the store at `objects`, with a cache of
/// delta bases or with none.
pub fn by_venv_guard(objects: &Path, ids: &[Id], cache: bool) -> Vec<Answer> {
    let mut odb = Odb::open(&[objects.to_path_buf()]);
    if !cache {
        odb.limit_base_cache(0);
    }
    ids.iter()
        .map(|id| Answer {
            header: odb.header(id).ok().flatten(),
            read: odb.read(id).ok().flatten().map(|o| Read {
                kind: o.kind,
                data: o.data.to_vec(),
            }),
        })
        .collect()
}

/// Compares what venv-guard and git say of `ids`: what venv-guard reads must be what git
/// reads, or, where `truth` is given and git reads nothing, the object's true content.
pub fn compare(
    run: &mut Run,
    case: usize,
    ids: &[Id],
    ours: &[Answer],
    theirs: &[Answer],
    truth: Option<&HashMap<Id, Answer>>,
) {
    for ((id, ours), theirs) in ids.iter().zip(ours).zip(theirs) {
        let true_one = truth.and_then(|t| t.get(id));
        let header_ok = ours.header.is_none()
            || ours.header == theirs.header
            || (theirs.header.is_none() && true_one.is_some_and(|t| t.header == ours.header));
        let read_ok = ours.read.is_none()
            || ours.read == theirs.read
            || (theirs.read.is_none() && true_one.is_some_and(|t| t.read == ours.read));
        if header_ok && read_ok {
            run.agreed(ours.read.is_some());
        } else {
            run.disagree(
                case,
                format!(
                    "{}: venv-guard reads {}, git {}, before the damage {}",
                    odb::to_hex(id),
                    shown(ours),
                    shown(theirs),
                    true_one.map_or("nothing".to_owned(), shown)
                ),
            );
        }
    }
}

fn shown(answer: &Answer) -> String {
    let read = answer.read.as_ref().map(|r| {
        let start = String::from_utf8_lossy(&r.data[..r.data.len().min(24)]).into_owned();
        (r.kind, r.data.len(), start)
    });
    format!("header {:?}, content {read:?}", answer.header)
}

/// A repository whose store is one pack, put in place for each case.
pub struct OnePack {
    pub scratch: Scratch,
}

impl OnePack {
    pub fn new() -> OnePack {
        OnePack {
            scratch: Scratch::new(),
        }
    }

    pub fn put(&self, pack: &[u8], idx: &[u8]) {
        let dir = self.scratch.objects().join("pack");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("pack-agree.pack"), pack).unwrap();
        std::fs::write(dir.join("pack-agree.idx"), idx).unwrap();
    }

    /// Both sides' answers for `ids`.
    pub fn answers(&self, ids: &[Id], cache: bool) -> (Vec<Answer>, Vec<Answer>) {
        let ours = by_venv_guard(&self.scratch.objects(), ids, cache);
        (ours, by_git(&self.scratch.root, ids))
    }
}

/// The object names a pack index holds, as far as its header and its size let them be read.
pub fn names(idx: &[u8]) -> Vec<Id> {
    let Some(count) = idx.get(8 + 255 * 4..8 + 256 * 4) else {
        return Vec::new();
    };
    let count = u32::from_be_bytes(count.try_into().unwrap()) as usize;
    let table = idx.get(8 + 1024..).unwrap_or_default();
    table
        .chunks_exact(20)
        .take(count.min(1 << 16))
        .map(|n| n.try_into().unwrap())
        .collect()
}

/// SHA-1, for the checksums of packs and indexes and the names of objects built here: git
/// checks them, and a process per pack to compute them would cost more than the case.
pub fn sha1(data: &[u8]) -> Id {
    let mut h: [u32; 5] = [
        0x6745_2301,
        0xefcd_ab89,
        0x98ba_dcfe,
        0x1032_5476,
        0xc3d2_e1f0,
    ];
    let mut message = data.to_vec();
    message.push(0x80);
    while message.len() % 64 != 56 {
        message.push(0);
    }
    message.extend_from_slice(&(data.len() as u64 * 8).to_be_bytes());
    for block in message.chunks_exact(64) {
        let mut w = [0u32; 80];
        for (i, word) in block.chunks_exact(4).enumerate() {
            w[i] = u32::from_be_bytes(word.try_into().unwrap());
        }
        for i in 16..80 {
            w[i] = (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]).rotate_left(1);
        }
        let [mut a, mut b, mut c, mut d, mut e] = h;
        for (i, &word) in w.iter().enumerate() {
            let (f, k) = match i {
                0..=19 => ((b & c) | (!b & d), 0x5a82_7999),
                20..=39 => (b ^ c ^ d, 0x6ed9_eba1),
                40..=59 => ((b & c) | (b & d) | (c & d), 0x8f1b_bcdc),
                _ => (b ^ c ^ d, 0xca62_c1d6),
            };
            let t = a
                .rotate_left(5)
                .wrapping_add(f)
                .wrapping_add(e)
                .wrapping_add(k)
                .wrapping_add(word);
            (e, d, c, b, a) = (d, c, b.rotate_left(30), a, t);
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e]) {
            *x = x.wrapping_add(y);
        }
    }
    let mut out = [0; 20];
    for (chunk, word) in out.chunks_exact_mut(4).zip(h) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    out
}

/// A pack's last 20 bytes made its checksum again, as git checks it.
pub fn seal(pack: &mut Vec<u8>) {
    let body = pack.len().saturating_sub(20);
    pack.truncate(body);
    let sum = sha1(pack);
    pack.extend_from_slice(&sum);
}

/// A history whose files change a little in each commit, packed by git with deltas: the
/// pack, its index, and every object as git reads it.
fn real_pack() -> (Vec<u8>, Vec<u8>, HashMap<Id, Answer>) {
    let scratch = Scratch::new();
    let mut lines: Vec<String> = (0..60).map(|i| format!("line {i}\n")).collect();
    for round in 0..8 {
        lines[(round * 7) % 60] = format!("changed in round {round}\n");
        std::fs::create_dir_all(scratch.root.join("src/pkg")).unwrap();
        std::fs::write(scratch.root.join("src/pkg/module.py"), lines.concat()).unwrap();
        std::fs::write(scratch.root.join(format!("src/f{round}.txt")), "x\n").unwrap();
        scratch.git_ok(&["add", "-A"], b"");
        scratch.git_ok(&["commit", "-q", "-m", &format!("round {round}")], b"");
    }
    scratch.git_ok(&["tag", "-a", "v1", "-m", "release"], b"");
    scratch.git_ok(&["repack", "-a", "-d", "-f", "-q"], b"");
    let dir = scratch.objects().join("pack");
    let file = |ext: &str| {
        let found = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|e| e == ext))
            .unwrap();
        std::fs::read(found).unwrap()
    };
    let (pack, idx) = (file("pack"), file("idx"));
    let ids = names(&idx);
    let truth = ids
        .iter()
        .copied()
        .zip(by_git(&scratch.root, &ids))
        .collect();
    (pack, idx, truth)
}

/// `git index-pack` on `pack`, written as `p.pack` in `dir`, making `p.idx` beside it.
pub fn index_pack(scratch: &Scratch, dir: &Path, pack: &[u8]) -> std::process::Output {
    for made in ["p.idx", "p.rev"] {
        let _ = std::fs::remove_file(dir.join(made));
    }
    std::fs::write(dir.join("p.pack"), pack).unwrap();
    let path = |name: &str| dir.join(name).to_str().unwrap().to_owned();
    scratch.git(&["index-pack", "-o", &path("p.idx"), &path("p.pack")], b"")
}

/// Where the objects of a pack start, from its index.
fn offsets(idx: &[u8], count: usize) -> Vec<usize> {
    let table = 8 + 1024 + 24 * count;
    (0..count)
        .map(|i| {
            u32::from_be_bytes(idx[table + 4 * i..table + 4 * i + 4].try_into().unwrap()) as usize
        })
        .collect()
}

/// Damaged packs beside their index: bits flipped anywhere or in an object's header, the end
/// cut off; sometimes the checksum made again for the damaged bytes (git then refuses the pack
/// for its index), sometimes the index made again by `git index-pack` (where git accepts the
/// damaged pack, every object must read the same on both sides).
#[test]
fn damaged_packs_read_as_git_reads_them_or_not_at_all() {
    let mut run = Run::new("packs");
    let (original, idx, truth) = real_pack();
    assert!(truth.len() > 30 && truth.values().all(|a| a.read.is_some()));
    let starts = offsets(&idx, truth.len());
    // In the index's order: a run reads them in the same order every time.
    let known = names(&idx);
    let store = OnePack::new();
    let check = store.scratch.file("check");
    std::fs::create_dir_all(&check).unwrap();
    for case in 0..run.cases {
        let mut rng = run.rng(case);
        let mut pack = original.clone();
        match rng.below(10) {
            0..=3 => {
                let at = rng.below(pack.len());
                pack[at] ^= 1 << rng.below(8);
            }
            4..=6 => {
                let at = (*rng.pick(&starts) + rng.below(4)).min(pack.len() - 1);
                pack[at] = if rng.chance(50) {
                    rng.next() as u8
                } else {
                    pack[at] ^ 0x80
                };
            }
            7 => mutate(&mut rng, &mut pack),
            _ => pack.truncate(rng.below(pack.len())),
        }
        let mut idx = idx.clone();
        if rng.chance(20) {
            seal(&mut pack);
        } else if rng.chance(15) {
            seal(&mut pack);
            let made = index_pack(&store.scratch, &check, &pack);
            if made.status.success() {
                idx = std::fs::read(check.join("p.idx")).unwrap();
            }
        }
        store.put(&pack, &idx);
        let mut ids = known.clone();
        ids.extend(names(&idx).into_iter().filter(|id| !truth.contains_key(id)));
        let (ours, theirs) = store.answers(&ids, rng.chance(80));
        compare(&mut run, case, &ids, &ours, &theirs, Some(&truth));
    }
    run.finish();
}

/// Damaged pack indexes beside their pack: bits flipped in the fan-out table, the names, the
/// checksums or the offsets, or anywhere; the end cut off.
#[test]
fn damaged_pack_indexes_read_as_git_reads_them_or_not_at_all() {
    let mut run = Run::new("pack indexes");
    let (pack, original, truth) = real_pack();
    let count = truth.len();
    let known = names(&original);
    let store = OnePack::new();
    // Where each table of the index starts, and where the checksums do.
    let tables = [
        0,
        8,
        8 + 1024,
        8 + 1024 + 20 * count,
        8 + 1024 + 24 * count,
        8 + 1024 + 28 * count,
        original.len(),
    ];
    for case in 0..run.cases {
        let mut rng = run.rng(case);
        let mut idx = original.clone();
        match rng.below(8) {
            0..=5 => {
                let table = rng.below(tables.len() - 1);
                let at = tables[table] + rng.below(tables[table + 1] - tables[table]);
                idx[at] ^= 1 << rng.below(8);
            }
            6 => mutate(&mut rng, &mut idx),
            _ => idx.truncate(rng.below(idx.len())),
        }
        store.put(&pack, &idx);
        let mut ids = known.clone();
        ids.extend(names(&idx).into_iter().filter(|id| !truth.contains_key(id)));
        let (ours, theirs) = store.answers(&ids, true);
        compare(&mut run, case, &ids, &ours, &theirs, Some(&truth));
    }
    run.finish();
}

/// The object id of `data` as a `kind`.
pub fn object_id(kind: Kind, data: &[u8]) -> Id {
    let name = match kind {
        Kind::Commit => "commit",
        Kind::Tree => "tree",
        Kind::Blob => "blob",
        Kind::Tag => "tag",
    };
    let mut object = format!("{name} {}\0", data.len()).into_bytes();
    object.extend_from_slice(data);
    sha1(&object)
}

/// A pack index (version 2) for the objects of `pack` at `entries` (id, offset, CRC-32 of its
/// bytes), as git writes one.
pub fn write_idx(pack: &[u8], entries: &[(Id, u64, u32)]) -> Vec<u8> {
    let mut sorted = entries.to_vec();
    sorted.sort();
    let mut idx = b"\xfftOc\0\0\0\x02".to_vec();
    for first in 0..=255u8 {
        let below = sorted.iter().filter(|(id, _, _)| id[0] <= first).count() as u32;
        idx.extend_from_slice(&below.to_be_bytes());
    }
    for (id, _, _) in &sorted {
        idx.extend_from_slice(id);
    }
    for (_, _, crc) in &sorted {
        idx.extend_from_slice(&crc.to_be_bytes());
    }
    for (_, offset, _) in &sorted {
        idx.extend_from_slice(&u32::try_from(*offset).unwrap().to_be_bytes());
    }
    idx.extend_from_slice(&pack[pack.len() - 20..]);
    let sum = sha1(&idx);
    idx.extend_from_slice(&sum);
    idx
}
