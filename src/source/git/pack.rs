//! Pack files as the object reader reads them: the index's tables, and the pack itself,
//! mapped (or, where it cannot be mapped, read through a small cache of fixed windows).
//!
//! git writes a pack and its index under a temporary name and renames them into place, and a
//! pack's name is the checksum of its content: a pack is never rewritten in place, so a
//! mapping of it, like git's own, reads the bytes that were checked when it was opened. A
//! repository's packs are opened once and shared by the threads that read them.

use std::collections::VecDeque;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::odb::{Error, Id, Kind};
use crate::support::fxhash::FxHashMap;
use crate::support::mapped::read_exact_at;

/// A pack is read in windows of this size...
const WINDOW: u64 = 64 << 10;
/// ...and at most this many windows of one pack are kept (4 MiB).
const WINDOWS_KEPT: usize = 64;

/// An object's entry in a pack.
pub(super) enum Header {
    Whole { kind: Kind, size: usize, data: u64 },
    OfsDelta { base: u64, size: usize, data: u64 },
    RefDelta { base: Id, size: usize, data: u64 },
}

/// The packs of one repository opened so far, by the path of their index, shared by every
/// reader of its objects. Each pair is checked and mapped once; the threads of a walk read
/// the same mapping, not one each (a page of a pack mapped twice counts twice in the
/// process's memory).
#[derive(Clone, Default)]
pub(crate) struct Opened(Arc<Mutex<FxHashMap<PathBuf, Arc<Files>>>>);

/// A pack and its index, checked to belong together.
struct Files {
    path: PathBuf,
    file: File,
    len: u64,
    /// The whole `.idx` file.
    idx: crate::support::mapped::Bytes,
    /// The whole pack, where it could be mapped.
    map: Option<crate::support::mapped::Bytes>,
    count: usize,
}

/// One pack file and its index, as one reader reads them.
pub(super) struct Pack {
    files: Arc<Files>,
    /// Windows read from a pack that is not mapped.
    windows: FxHashMap<u64, Box<[u8]>>,
    /// Window numbers in the order they were read, for eviction.
    order: VecDeque<u64>,
}

/// Where the tables of an index of version 2 begin.
const IDX_NAMES: usize = 8 + 256 * 4;

impl Pack {
    /// Opens `idx` and the pack beside it, or takes them from `opened` where a reader of the
    /// same repository opened them before; `None` if either is unreadable, is not a pack of
    /// version 2 or 3 with an index of version 2, or if they do not belong together.
    pub(super) fn open(idx_path: &Path, opened: &Opened) -> Option<Pack> {
        let mut known = opened
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let files = match known.get(idx_path) {
            Some(files) => Arc::clone(files),
            None => {
                let files = Arc::new(Files::open(idx_path)?);
                known.insert(idx_path.to_path_buf(), Arc::clone(&files));
                files
            }
        };
        Some(Pack {
            files,
            windows: FxHashMap::default(),
            order: VecDeque::new(),
        })
    }
}

impl Files {
    /// Opens and checks `idx` and the pack beside it as git does (`open_packed_git`): git
    /// reads no object of a pair that fails, and the offsets of one pack read in another
    /// would give other objects' bytes.
    fn open(idx_path: &Path) -> Option<Files> {
        // The header says how long the index must be: a file of any other size is not one,
        // and is not read (a 1 GB file named `.idx` costs nothing).
        let mut head = [0; IDX_NAMES];
        read_exact_at(&File::open(idx_path).ok()?, &mut head, 0).ok()?;
        if head[..8] != *b"\xfftOc\0\0\0\x02" {
            return None;
        }
        // The fan-out table counts the names up to each first byte: it never decreases.
        let fanout: Vec<u32> = (0..256)
            .map(|i| be32(&head, 8 + 4 * i))
            .collect::<Option<_>>()?;
        if fanout.windows(2).any(|pair| pair[0] > pair[1]) {
            return None;
        }
        let count = be32(&head, IDX_NAMES - 4)? as usize;
        // Names, CRCs and offsets, then the two checksums; a large offset for any entry but
        // the first.
        let shortest = IDX_NAMES + count.checked_mul(28)? + 40;
        let longest = shortest + count.saturating_sub(1).checked_mul(8)?;
        let size = usize::try_from(fs::metadata(idx_path).ok()?.len()).ok()?;
        if !(shortest..=longest).contains(&size) {
            return None;
        }
        // Pack indexes, like the index, are replaced by a rename, never rewritten in place.
        let idx = crate::support::mapped::read_replaced_by_rename(idx_path).ok()?;
        if idx.len() != size {
            return None;
        }
        let path = idx_path.with_extension("pack");
        let file = File::open(&path).ok()?;
        let len = file.metadata().ok()?.len();
        let mut head = [0; 12];
        read_exact_at(&file, &mut head, 0).ok()?;
        if &head[..4] != b"PACK" || !matches!(head[7], 2 | 3) || head[4..7] != [0, 0, 0] {
            return None;
        }
        // The pack holds as many objects as its index names, and ends in the checksum its
        // index records for it.
        let mut sum = [0; 20];
        read_exact_at(&file, &mut sum, len.checked_sub(20)?).ok()?;
        if be32(&head, 8)? as usize != count || idx[size - 40..size - 20] != sum {
            return None;
        }
        let map = crate::support::mapped::map_read_only(&file, len);
        Some(Files {
            path,
            file,
            len,
            idx,
            map,
            count,
        })
    }
}

impl Pack {
    /// The pack file's path.
    pub(super) fn path(&self) -> &Path {
        &self.files.path
    }

    /// The pack file's length in bytes.
    pub(super) fn size(&self) -> u64 {
        self.files.len
    }

    pub(super) fn damaged(&self, what: &'static str) -> Error {
        Error::Damaged(self.files.path.clone(), what)
    }

    /// The offset of `id` in the pack.
    pub(super) fn find(&self, id: &Id) -> Option<u64> {
        let fanout = |i: usize| be32(&self.files.idx, 8 + 4 * i).map(|n| n as usize);
        let lo = match id[0] {
            0 => 0,
            first => fanout(first as usize - 1)?,
        };
        let hi = fanout(id[0] as usize)?.min(self.files.count);
        let names = self
            .files
            .idx
            .get(IDX_NAMES + 20 * lo..IDX_NAMES + 20 * hi)?;
        self.offset(lo + search(names, id)?)
    }

    pub(super) fn offset(&self, i: usize) -> Option<u64> {
        let small = be32(&self.files.idx, IDX_NAMES + 24 * self.files.count + 4 * i)?;
        if small & 0x8000_0000 == 0 {
            return Some(u64::from(small));
        }
        let at = IDX_NAMES + 28 * self.files.count + 8 * (small & 0x7fff_ffff) as usize;
        let high = be32(&self.files.idx, at)?;
        let low = be32(&self.files.idx, at + 4)?;
        Some(u64::from(high) << 32 | u64::from(low))
    }

    /// The bytes from `at` to the end of its window (empty at the end of the file).
    pub(super) fn window_at(&mut self, at: u64) -> Result<&[u8], Error> {
        if let Some(map) = &self.files.map {
            let at = usize::try_from(at).unwrap_or(usize::MAX);
            return Ok(map.get(at..).unwrap_or_default());
        }
        let number = at / WINDOW;
        if !self.windows.contains_key(&number) {
            let start = number * WINDOW;
            let len = WINDOW.min(self.files.len.saturating_sub(start)) as usize;
            // The window read longest ago makes room, and its buffer is read into.
            let mut bytes = match self.order.len() >= WINDOWS_KEPT {
                true => self
                    .order
                    .pop_front()
                    .and_then(|old| self.windows.remove(&old))
                    .filter(|old| old.len() == len),
                false => None,
            }
            .unwrap_or_else(|| vec![0; len].into_boxed_slice());
            read_exact_at(&self.files.file, &mut bytes, start)
                .map_err(|e| Error::Io(self.files.path.clone(), e))?;
            self.order.push_back(number);
            self.windows.insert(number, bytes);
        }
        let window = &self.windows[&number];
        Ok(window
            .get((at - number * WINDOW) as usize..)
            .unwrap_or_default())
    }

    /// Up to `buf.len()` bytes from `at`, across windows; how many there were.
    pub(super) fn read_small(&mut self, at: u64, buf: &mut [u8]) -> Result<usize, Error> {
        let mut filled = 0;
        while filled < buf.len() {
            let bytes = self.window_at(at + filled as u64)?;
            if bytes.is_empty() {
                break;
            }
            let n = bytes.len().min(buf.len() - filled);
            buf[filled..filled + n].copy_from_slice(&bytes[..n]);
            filled += n;
        }
        Ok(filled)
    }

    /// The entry header at `at`.
    pub(super) fn header(&mut self, at: u64) -> Result<Header, Error> {
        let mut buf = [0; 64];
        let n = self.read_small(at, &mut buf)?;
        let buf = &buf[..n];
        let bad = || self.damaged("a bad entry header");
        let mut i = 0;
        let mut byte = *buf.first().ok_or_else(bad)?;
        let code = (byte >> 4) & 7;
        let mut size = u64::from(byte & 15);
        let mut shift = 4;
        while byte & 0x80 != 0 {
            i += 1;
            byte = *buf.get(i).ok_or_else(bad)?;
            if shift > 57 {
                return Err(bad());
            }
            size |= u64::from(byte & 0x7f) << shift;
            shift += 7;
        }
        i += 1;
        let size = usize::try_from(size).map_err(|_| bad())?;
        match code {
            6 => {
                let mut byte = *buf.get(i).ok_or_else(bad)?;
                let mut distance = u64::from(byte & 0x7f);
                while byte & 0x80 != 0 {
                    i += 1;
                    byte = *buf.get(i).ok_or_else(bad)?;
                    distance = distance
                        .checked_add(1)
                        .and_then(|d| d.checked_mul(128))
                        .ok_or_else(bad)?
                        | u64::from(byte & 0x7f);
                }
                i += 1;
                let base = at
                    .checked_sub(distance)
                    .filter(|_| distance > 0)
                    .ok_or_else(bad)?;
                Ok(Header::OfsDelta {
                    base,
                    size,
                    data: at + i as u64,
                })
            }
            7 => {
                let base: Id = buf
                    .get(i..i + 20)
                    .ok_or_else(bad)?
                    .try_into()
                    .map_err(|_| bad())?;
                Ok(Header::RefDelta {
                    base,
                    size,
                    data: at + i as u64 + 20,
                })
            }
            code => Ok(Header::Whole {
                kind: Kind::from_pack(code).ok_or_else(bad)?,
                size,
                data: at + i as u64,
            }),
        }
    }
}

/// Where `id` is among `names` (sorted ids of 20 bytes, all starting with `id`'s first byte).
///
/// Ids are evenly spread, so the search starts where `id` would be if they were exactly so and
/// widens from there until it brackets `id` (a few dozen names away in a large pack), then
/// halves the bracket: a handful of cache lines read instead of one per halving of the whole
/// bucket. Ids are compared by their first eight bytes as a number first: one comparison
/// instead of a call to memcmp, and the rest is looked at only on a tie.
fn search(names: &[u8], id: &Id) -> Option<usize> {
    let n = names.len() / 20;
    let key = |bytes: &[u8]| u64::from_be_bytes(bytes[..8].try_into().unwrap_or_default());
    let wanted = key(id);
    let name = |i: usize| &names[20 * i..20 * i + 20];
    let below = |i: usize| {
        let name = name(i);
        key(name)
            .cmp(&wanted)
            .then_with(|| name[8..].cmp(&id[8..]))
            .is_lt()
    };
    if n == 0 {
        return None;
    }
    // The bytes after the first, as a fraction of the bucket.
    let rest = u64::from_be_bytes(id[1..9].try_into().unwrap_or_default());
    let guess = ((u128::from(rest) * n as u128) >> 64) as usize;
    // Every name before `lo` is below `id`, none from `hi` on.
    let (mut lo, mut hi);
    let mut step = 1;
    if below(guess) {
        lo = guess + 1;
        loop {
            let probe = guess + step;
            if probe >= n {
                hi = n;
                break;
            }
            if below(probe) {
                lo = probe + 1;
                step *= 2;
            } else {
                hi = probe;
                break;
            }
        }
    } else {
        hi = guess;
        loop {
            let Some(probe) = guess.checked_sub(step) else {
                lo = 0;
                break;
            };
            if below(probe) {
                lo = probe + 1;
                break;
            }
            hi = probe;
            step *= 2;
        }
    }
    while lo < hi {
        let mid = (lo + hi) / 2;
        if below(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    (lo < n && name(lo) == id).then_some(lo)
}

fn be32(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The search finds every id and no other, in buckets of ids evenly spread and not.
    #[test]
    fn search_finds_what_a_plain_binary_search_finds() {
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            state
        };
        for (n, spread) in [
            (0, 64),
            (1, 64),
            (2, 64),
            (7, 64),
            (300, 64),
            (5_000, 64),
            (300, 8),
            // All alike in the bytes the guess is made from: every guess is far off.
            (300, 0),
        ] {
            // `spread` bits of randomness after the shared first byte: 8 crowds the ids.
            let mut ids: Vec<Id> = (0..n)
                .map(|_| {
                    let mut id = [0x5a; 20];
                    let bits = next().checked_shr(64 - spread).unwrap_or(0);
                    let bits = bits.checked_shl(64 - spread).unwrap_or(0);
                    id[1..9].copy_from_slice(&bits.to_be_bytes());
                    id[9..17].copy_from_slice(&next().to_be_bytes());
                    id
                })
                .collect();
            ids.sort();
            ids.dedup();
            let names: Vec<u8> = ids.concat();
            for (i, id) in ids.iter().enumerate() {
                assert_eq!(search(&names, id), Some(i), "n = {n}");
                let mut other = *id;
                other[19] ^= 1;
                assert_eq!(search(&names, &other), ids.binary_search(&other).ok());
            }
            for _ in 0..200 {
                let mut id = [0x5a; 20];
                id[1..9].copy_from_slice(&next().to_be_bytes());
                assert_eq!(search(&names, &id), ids.binary_search(&id).ok());
            }
        }
    }

    /// Ids far from evenly spread (most crowded at the bottom of the bucket, a few spread over
    /// it, as a crafted index may have them) are found as a binary search finds them.
    #[test]
    fn search_finds_ids_spread_unevenly() {
        let mut ids: Vec<Id> = (0u64..2_000)
            .map(|i| {
                let mut id = [0x11; 20];
                let value = if i < 1_900 { i } else { i.pow(5) << 8 };
                id[1..9].copy_from_slice(&value.to_be_bytes());
                id
            })
            .collect();
        ids.sort();
        let names: Vec<u8> = ids.concat();
        for (i, id) in ids.iter().enumerate() {
            assert_eq!(search(&names, id), Some(i));
            let mut other = *id;
            other[19] ^= 1;
            assert_eq!(search(&names, &other), None);
            other[8] ^= 0x80;
            assert_eq!(search(&names, &other), ids.binary_search(&other).ok());
        }
    }

    /// The same pack read through windows, as where it cannot be mapped.
    fn unmapped(pack: &Pack) -> Pack {
        let f = &pack.files;
        let files = Files {
            path: f.path.clone(),
            file: f.file.try_clone().unwrap(),
            len: f.len,
            idx: f.idx.clone(),
            map: None,
            count: f.count,
        };
        Pack {
            files: Arc::new(files),
            windows: FxHashMap::default(),
            order: VecDeque::new(),
        }
    }

    /// A pack opened twice for one repository is checked and mapped once, and what is read
    /// from the mapping is what the windows read (the bytes of the file, across window edges).
    #[test]
    fn a_pack_is_mapped_once_and_reads_as_its_windows_do() {
        let dir = tempfile::tempdir().unwrap();
        let git = |args: &[&str]| crate::support::test_git::git_ok(dir.path(), args);
        git(&["init", "-q"]);
        // Three files that do not compress: a pack of several windows.
        let mut state: u32 = 7;
        for name in ["a", "b", "c"] {
            let bytes: Vec<u8> = (0..100_000)
                .map(|_| {
                    state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                    (state >> 16) as u8
                })
                .collect();
            fs::write(dir.path().join(name), bytes).unwrap();
        }
        git(&["add", "."]);
        git(&["commit", "-qm", "three"]);
        git(&["repack", "-adq"]);
        let packs = dir.path().join(".git/objects/pack");
        let idx = fs::read_dir(&packs)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|e| e == "idx"))
            .unwrap();
        let opened = Opened::default();
        let mut mapped = Pack::open(&idx, &opened).unwrap();
        let again = Pack::open(&idx, &opened).unwrap();
        assert!(Arc::ptr_eq(&mapped.files, &again.files));
        assert_eq!(opened.0.lock().unwrap().len(), 1);
        #[cfg(unix)]
        assert!(mapped.files.map.is_some());
        let mut windows = unmapped(&mapped);
        let whole = fs::read(idx.with_extension("pack")).unwrap();
        assert!(whole.len() as u64 > 4 * WINDOW);
        let mut read = Vec::new();
        while read.len() < whole.len() {
            let bytes = windows.window_at(read.len() as u64).unwrap();
            assert!(!bytes.is_empty() && bytes.len() as u64 <= WINDOW);
            read.extend_from_slice(bytes);
        }
        assert_eq!(read, whole);
        assert_eq!(mapped.window_at(0).unwrap(), &whole[..]);
        assert!(mapped.window_at(whole.len() as u64).unwrap().is_empty());
        assert!(windows.window_at(whole.len() as u64).unwrap().is_empty());
        // Every entry's header, and the bytes across a window's edge.
        for i in 0..mapped.files.count {
            let at = mapped.offset(i).unwrap();
            let mut a = [0; 64];
            let mut b = [0; 64];
            let n = mapped.read_small(at, &mut a).unwrap();
            assert_eq!(windows.read_small(at, &mut b).unwrap(), n);
            assert_eq!(a[..n], b[..n]);
            assert_eq!(a[..n], whole[at as usize..at as usize + n]);
        }
        let edge = 2 * WINDOW - 10;
        let (mut a, mut b) = ([0; 64], [0; 64]);
        assert_eq!(mapped.read_small(edge, &mut a).unwrap(), 64);
        assert_eq!(windows.read_small(edge, &mut b).unwrap(), 64);
        assert_eq!(a, b);
    }
}
