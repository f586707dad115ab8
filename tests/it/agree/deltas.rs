//! Packs built here, object by object: whole objects, then chains of deltas on them by offset
//! and by id, with copies and inserts encoded every way git reads them (bytes of an offset or
//! a size left out when zero or given anyway, a copy of 0x10000 bytes written as size 0, sizes
//! with needless continuation bytes), and now and then a delta that does not apply (a wrong
//! base or target size, a reserved opcode, a copy past the base's end, an insert or a copy cut
//! short). venv-guard's `apply_delta` decides which objects read; `git index-pack` must accept
//! the pack exactly when all do, and each object reads the same for venv-guard and for
//! `git cat-file` through an index written here.

use venv_guard::formats::odb::{self, Id, Kind};

use super::packs::{index_pack, object_id, seal, write_idx, OnePack};
use super::{Rng, Run};

/// One object of a built pack: its kind (its base's, for a delta), and its content where
/// venv-guard's `apply_delta` makes one.
struct Object {
    kind: Kind,
    content: Option<Vec<u8>>,
    id: Id,
}

/// A base-128 size as packs and deltas spell it, sometimes with a needless last continuation
/// byte (git reads it the same).
fn varint(rng: &mut Rng, mut n: usize, out: &mut Vec<u8>) {
    while n >= 0x80 {
        out.push(0x80 | (n & 0x7f) as u8);
        n >>= 7;
    }
    out.push(n as u8);
    if rng.chance(5) {
        *out.last_mut().unwrap() |= 0x80;
        out.push(0);
    }
}

/// A delta from `base` to a new target that starts with `marker`, and how it may be damaged.
fn delta(rng: &mut Rng, base: &[u8], marker: &[u8]) -> Vec<u8> {
    let mut ops = Vec::new();
    let mut target = 0;
    let insert = |ops: &mut Vec<u8>, bytes: &[u8]| {
        ops.push(bytes.len() as u8);
        ops.extend_from_slice(bytes);
    };
    insert(&mut ops, marker);
    target += marker.len();
    for _ in 0..1 + rng.below(6) {
        if base.is_empty() || rng.chance(30) {
            let len = 1 + rng.below(127);
            let bytes = rng.bytes(len);
            insert(&mut ops, &bytes);
            target += bytes.len();
            continue;
        }
        let offset = rng.below(base.len());
        let len = if base.len() - offset >= 0x10000 && rng.chance(50) {
            0x10000
        } else {
            1 + rng.below((base.len() - offset).min(3000))
        };
        let mut op = 0x80u8;
        let mut args = Vec::new();
        for byte in 0..4 {
            let b = (offset >> (8 * byte)) as u8;
            if b != 0 || rng.chance(10) {
                op |= 1 << byte;
                args.push(b);
            }
        }
        // A copy of 0x10000 bytes is written as size 0 by git's encoder; spelt out, it reads
        // the same.
        if len != 0x10000 || rng.chance(30) {
            for byte in 0..3 {
                let b = (len >> (8 * byte)) as u8;
                if b != 0 || rng.chance(10) {
                    op |= 0x10 << byte;
                    args.push(b);
                }
            }
        }
        ops.push(op);
        ops.extend_from_slice(&args);
        target += len;
    }
    let (mut source, mut made) = (base.len(), target);
    if rng.chance(12) {
        match rng.below(6) {
            0 => source += 1,
            1 => made = made.wrapping_add(*rng.pick(&[1, usize::MAX])),
            2 => {
                let at = rng.below(ops.len() + 1);
                ops.insert(at, 0);
            }
            3 => {
                // Two bytes from the base's last one on.
                ops.push(0x9f);
                ops.extend_from_slice(&(base.len().saturating_sub(1) as u32).to_le_bytes());
                ops.push(2);
                made += 2;
            }
            4 => {
                ops.push(0x7f);
                made += 0x7f;
            }
            _ => {
                ops.truncate(ops.len() - 1);
            }
        }
    }
    let mut out = Vec::new();
    varint(rng, source, &mut out);
    varint(rng, made, &mut out);
    out.extend_from_slice(&ops);
    out
}

/// An object's entry in a pack: its type `code` and size (sometimes with a needless
/// continuation byte), `suffix` (a delta's base), and `data` compressed at any level.
fn entry(rng: &mut Rng, code: u8, data: &[u8], suffix: &[u8]) -> Vec<u8> {
    let mut entry = Vec::new();
    let mut first = (code << 4) | (data.len() & 15) as u8;
    let rest = data.len() >> 4;
    if rest > 0 || rng.chance(5) {
        first |= 0x80;
    }
    entry.push(first);
    if first & 0x80 != 0 {
        varint(rng, rest, &mut entry);
    }
    entry.extend_from_slice(suffix);
    let level = *rng.pick(&[0, 1, 6, 9]);
    let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(level));
    std::io::Write::write_all(&mut zlib, data).unwrap();
    entry.extend_from_slice(&zlib.finish().unwrap());
    entry
}

/// A pack of one to three whole objects and up to six deltas on them; its objects, and each
/// one's offset and CRC-32 for its index.
fn build(rng: &mut Rng, case: usize) -> (Vec<u8>, Vec<Object>, Vec<(u64, u32)>) {
    let mut pack = b"PACK\0\0\0".to_vec();
    pack.push(*rng.pick(&[2, 3]));
    let bases = 1 + rng.below(3);
    let count = bases + rng.below(7);
    pack.extend_from_slice(&(count as u32).to_be_bytes());
    let mut objects: Vec<Object> = Vec::new();
    let mut places: Vec<usize> = Vec::new();
    let mut crcs = Vec::new();
    for n in 0..count {
        let marker = format!("case {case} object {n}\n").into_bytes();
        let at = pack.len();
        let (code, data, suffix, object) = if n < bases {
            let kind = *rng.pick(&[Kind::Blob, Kind::Blob, Kind::Tree, Kind::Commit, Kind::Tag]);
            let len = if rng.chance(5) {
                70_000
            } else {
                rng.below(2000)
            };
            let mut content = marker;
            if rng.chance(50) {
                content.extend_from_slice(&rng.bytes(len));
            } else {
                let words: Vec<u8> = (0..len).map(|i| b"abc def\n"[(i * 7) % 8]).collect();
                content.extend_from_slice(&words);
            }
            let code = match kind {
                Kind::Commit => 1,
                Kind::Tree => 2,
                Kind::Blob => 3,
                Kind::Tag => 4,
            };
            let id = object_id(kind, &content);
            (
                code,
                content.clone(),
                Vec::new(),
                Object {
                    kind,
                    content: Some(content),
                    id,
                },
            )
        } else {
            let base = rng.below(n);
            let empty = Vec::new();
            let base_content = objects[base].content.as_ref().unwrap_or(&empty);
            let delta = delta(rng, base_content, &marker);
            let content = objects[base]
                .content
                .as_ref()
                .and_then(|b| odb::apply_delta(b, &delta));
            let kind = objects[base].kind;
            let id = match &content {
                Some(c) => object_id(kind, c),
                None => rng.id(),
            };
            let (code, suffix) = if rng.chance(60) {
                // The distance back to the base, big-endian, each continuation adding one.
                let mut distance = at - places[base];
                let mut bytes = vec![(distance & 0x7f) as u8];
                while distance >= 0x80 {
                    distance = (distance >> 7) - 1;
                    bytes.insert(0, 0x80 | (distance & 0x7f) as u8);
                }
                (6, bytes)
            } else {
                (7, objects[base].id.to_vec())
            };
            (code, delta, suffix, Object { kind, content, id })
        };
        let entry = entry(rng, code, &data, &suffix);
        let mut crc = flate2::Crc::new();
        crc.update(&entry);
        places.push(at);
        crcs.push(crc.sum());
        pack.extend_from_slice(&entry);
        objects.push(object);
    }
    pack.extend_from_slice(&[0; 20]);
    seal(&mut pack);
    let entries = places.iter().map(|&at| at as u64).zip(crcs).collect();
    (pack, objects, entries)
}

/// Generated packs: `git index-pack` accepts a pack exactly when venv-guard's `apply_delta`
/// makes every object of it (and names the same objects), and every object, readable or not,
/// reads the same for venv-guard's reader and for `git cat-file`.
#[test]
fn generated_delta_chains_read_as_git_reads_them() {
    let mut run = Run::new("deltas");
    let store = OnePack::new();
    let check = store.scratch.file("check");
    std::fs::create_dir_all(&check).unwrap();
    for case in 0..run.cases {
        let mut rng = run.rng(case);
        let (pack, objects, places) = build(&mut rng, case);
        let entries: Vec<(Id, u64, u32)> = objects
            .iter()
            .zip(&places)
            .map(|(o, &(at, crc))| (o.id, at, crc))
            .collect();
        let idx = write_idx(&pack, &entries);
        let readable = objects.iter().all(|o| o.content.is_some());
        let made = index_pack(&store.scratch, &check, &pack);
        let indexed = made.status.success();
        if indexed != readable {
            run.disagree(
                case,
                format!(
                    "venv-guard applies {} of {} objects, git index-pack {} ({})",
                    objects.iter().filter(|o| o.content.is_some()).count(),
                    objects.len(),
                    if indexed {
                        "accepts the pack"
                    } else {
                        "refuses it"
                    },
                    String::from_utf8_lossy(&made.stderr).trim()
                ),
            );
            continue;
        }
        if indexed {
            let theirs = std::fs::read(check.join("p.idx")).unwrap();
            let mut names = super::packs::names(&theirs);
            let mut ours: Vec<Id> = objects.iter().map(|o| o.id).collect();
            names.sort();
            ours.sort();
            assert_eq!(
                names, ours,
                "case {case}: the index made here names git's objects"
            );
        }
        store.put(&pack, &idx);
        let ids: Vec<Id> = objects.iter().map(|o| o.id).collect();
        let (ours, theirs) = store.answers(&ids, rng.chance(70));
        for ((object, ours), theirs) in objects.iter().zip(&ours).zip(&theirs) {
            let read = ours.read.as_ref().map(|r| (r.kind, &r.data));
            let expected = object.content.as_ref().map(|c| (object.kind, c));
            if ours == theirs && read == expected {
                run.agreed(read.is_some());
            } else {
                run.disagree(
                    case,
                    format!(
                        "{}: venv-guard reads {:?}, git {:?}, made {:?}",
                        odb::to_hex(&object.id),
                        ours.header,
                        theirs.header,
                        expected.map(|(kind, c)| (kind, c.len()))
                    ),
                );
            }
        }
    }
    run.finish();
}
