//! A reader for git's index file (`.git/index`, versions 2 to 4) and its cache-tree extension.
//!
//! The hook reads the index on every commit, and on a 217,000-entry index libgit2 spends
//! 330-460 ms loading it (it verifies the trailing checksum, hashes and validates every path);
//! git itself reads it in a few milliseconds and does not verify the checksum on read either.
//! This reader copies every path into one buffer and keeps fixed-size records, so loading is a
//! single pass with two allocations, and lookups are binary searches over the sorted entries.
//! The cache-tree ("TREE") extension tells which directories still hash to a known tree, which
//! lets the staged-changes comparison skip every unchanged subtree, as `git diff --cached` does.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::detect::{Meta, Mode};
use crate::detect::{PathList, SortedPaths};
use crate::support::mapped::Bytes;

/// Length of a SHA-1 object id, the only object format read here.
/// The length of a SHA-1 object id; SHA-256 repositories use 32 bytes.
const OID: usize = 20;

/// One index entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Record {
    start: u32,
    len: u32,
    /// The git mode (`0o100644`, `0o100755`, `0o120000`, `0o160000`).
    pub mode: u32,
    /// The file size recorded at staging time (truncated to 32 bits, as git stores it).
    pub size: u32,
    /// Where the object id sits in the file's bytes.
    oid_at: u32,
    /// Marked by `git add -N`: in the index, but not in the next commit.
    pub intent_to_add: bool,
    /// The merge stage (0 for a normal entry, 1-3 for a conflict).
    stage: u8,
}

impl Record {
    /// The merge stage: 0 for a normal entry, 1 to 3 for the sides of a conflict.
    pub fn stage(&self) -> u8 {
        self.stage
    }
}

/// A node of the cache-tree: a directory whose entries hash to `oid`, when valid.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CacheTree {
    /// The directory's name (empty at the root).
    pub name: Vec<u8>,
    /// How many index entries the directory covers; negative when invalidated.
    pub entries: i64,
    /// The tree id, when valid.
    pub oid: Option<Vec<u8>>,
    /// Subdirectories, in the order git wrote them.
    pub children: Vec<CacheTree>,
}

impl CacheTree {
    /// The child directory named `name`.
    pub fn child(&self, name: &[u8]) -> Option<&CacheTree> {
        self.children.iter().find(|c| c.name == name)
    }
}

/// A parsed index file: stage-0 entries in git's order.
#[derive(Clone, Debug, Default)]
pub struct IndexFile {
    /// The file's bytes (versions 2 and 3: paths are read in place).
    data: Bytes,
    /// The paths rebuilt from version 4's prefix compression; a record's offset past the end
    /// of `data` points here.
    rebuilt: Vec<u8>,
    records: Vec<Record>,
    tree: Option<CacheTree>,
    skipped: usize,
    sparse_dirs: usize,
    intents: usize,
    /// Written with a split (`link`) or sparse (`sdir`) extension, which only git itself writes.
    git_only: bool,
    /// How long its object ids are: 20 bytes (SHA-1) or 32 (SHA-256).
    oid_len: usize,
}

/// Why an index file could not be read.
#[derive(Debug)]
pub enum Error {
    /// The file could not be read.
    Io(PathBuf, std::io::Error),
    /// The file is not an index git wrote (truncated, corrupt, or a format this reader does not
    /// know: split index, SHA-256).
    Corrupt(PathBuf, String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io(p, e) => write!(f, "cannot read the index {}: {e}", p.display()),
            Error::Corrupt(p, why) => write!(f, "cannot read the index {}: {why}", p.display()),
        }
    }
}

impl std::error::Error for Error {}

impl IndexFile {
    /// Reads the index at `path`; a missing file is an empty index (a new repository).
    ///
    /// A split index (`core.splitIndex`, `git update-index --split-index`) is read together
    /// with the shared index it names (`sharedindex.<id>` beside it), as git merges them.
    pub fn read(path: &Path) -> Result<IndexFile, Error> {
        IndexFile::read_beside(path, path.parent().unwrap_or(Path::new(".")))
    }

    /// [`IndexFile::read`], with a split index's shared index looked up in `dir`.
    pub fn read_beside(path: &Path, dir: &Path) -> Result<IndexFile, Error> {
        IndexFile::read_as(path, dir, OID)
    }

    /// [`IndexFile::read_beside`] for a repository whose object ids are `oid_len` bytes long
    /// (20 for SHA-1, 32 for SHA-256).
    pub fn read_as(path: &Path, dir: &Path, oid_len: usize) -> Result<IndexFile, Error> {
        let corrupt = |why| Error::Corrupt(path.to_path_buf(), why);
        let bytes = match crate::support::mapped::read_replaced_by_rename(path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(IndexFile::default()),
            Err(e) => return Err(Error::Io(path.to_path_buf(), e)),
        };
        let (index, link) = IndexFile::parse_all(bytes, oid_len).map_err(corrupt)?;
        let Some(link) = link else {
            return Ok(index.finish());
        };
        let name = format!(
            "sharedindex.{}",
            crate::source::git::odb::to_hex(&link.shared)
        );
        let shared_path = dir.join(name);
        let shared_bytes = crate::support::mapped::read_replaced_by_rename(&shared_path)
            .map_err(|e| Error::Io(shared_path.clone(), e))?;
        let (shared, nested) = IndexFile::parse_all(shared_bytes, oid_len)
            .map_err(|why| Error::Corrupt(shared_path.clone(), why))?;
        if nested.is_some() {
            return Err(Error::Corrupt(
                shared_path,
                "a shared index that is itself split".to_owned(),
            ));
        }
        index.merge_shared(&shared, &link).map_err(corrupt)
    }

    /// Parses an index file's bytes (a split index needs its shared index: see
    /// [`IndexFile::read`]).
    pub fn parse(bytes: Vec<u8>) -> Result<IndexFile, String> {
        match IndexFile::parse_all(bytes.into(), OID)? {
            (index, None) => Ok(index.finish()),
            (_, Some(_)) => Err("a split index, read without its shared index".to_owned()),
        }
    }

    /// Keeps the stage-0 file entries: conflicts and a sparse index's directories are counted.
    fn finish(mut self) -> IndexFile {
        let mut skipped = 0;
        let mut sparse_dirs = 0;
        let mut intents = 0;
        self.records.retain(|r| {
            if r.mode & 0o170000 == 0o040000 {
                // Sparse-index directory entries (`dir/`) stand for whole directories.
                sparse_dirs += 1;
                false
            } else if r.stage != 0 {
                skipped += 1;
                false
            } else {
                intents += usize::from(r.intent_to_add);
                true
            }
        });
        self.skipped = skipped;
        self.sparse_dirs = sparse_dirs;
        self.intents = intents;
        // git writes entries sorted, but reads an index that is not (and lists it as it is):
        // every lookup here needs git's order, so an unsorted one is put in it.
        let sorted = self
            .records
            .windows(2)
            .all(|w| self.record_path(&w[0]) < self.record_path(&w[1]));
        if !sorted {
            let mut records = std::mem::take(&mut self.records);
            records.sort_by(|a, b| self.record_path(a).cmp(self.record_path(b)));
            records.dedup_by(|b, a| self.record_path(a) == self.record_path(b));
            self.records = records;
        }
        self
    }

    /// The path of `record`, wherever its bytes are.
    fn record_path(&self, r: &Record) -> &[u8] {
        let (start, len) = (r.start as usize, r.len as usize);
        match start.checked_sub(self.data.len()) {
            Some(start) => &self.rebuilt[start..start + len],
            None => &self.data[start..start + len],
        }
    }

    /// The final index of a split index `self` over `shared`: the shared entries the delete
    /// bitmap keeps, those the replace bitmap names taken in order from the first of `self`'s
    /// entries (whose empty paths mean "the shared entry's path"), then `self`'s other entries,
    /// sorted by path and stage as git sorts them.
    fn merge_shared(self, shared: &IndexFile, link: &Link) -> Result<IndexFile, String> {
        let deleted = ewah_bits(&link.delete, shared.records.len())?;
        let replaced = ewah_bits(&link.replace, shared.records.len())?;
        let mut own = 0..self.records.len();
        // (source, position): 0 is `shared`, 1 is `self`; a replacement keeps the shared path.
        let mut merged: Vec<(u8, usize, Option<usize>)> = Vec::new();
        for i in 0..shared.records.len() {
            if replaced[i] {
                let j = own
                    .next()
                    .ok_or("the replace bitmap names more entries than there are")?;
                let path_from = (self.records[j].len == 0).then_some(i);
                if !deleted[i] {
                    merged.push((1, j, path_from));
                }
            } else if !deleted[i] {
                merged.push((0, i, None));
            }
        }
        merged.extend(own.map(|j| (1, j, None)));
        let mut data: Vec<u8> = Vec::new();
        let mut records = Vec::with_capacity(merged.len());
        for (from, i, path_from) in merged {
            let file = if from == 0 { shared } else { &self };
            let path = match path_from {
                Some(k) => shared.path_at(k),
                None => file.path_at(i),
            };
            let record = file.records[i];
            let oid_at = u32::try_from(data.len()).map_err(|_| "index too large")?;
            data.extend_from_slice(file.oid(i));
            let start = u32::try_from(data.len()).map_err(|_| "index too large")?;
            data.extend_from_slice(path);
            records.push(Record {
                start,
                len: u32::try_from(path.len()).map_err(|_| "path too long")?,
                oid_at,
                ..record
            });
        }
        let data: Bytes = data.into();
        let path_of = |r: &Record| &data[r.start as usize..(r.start + r.len) as usize];
        records.sort_by(|a, b| path_of(a).cmp(path_of(b)).then(a.stage.cmp(&b.stage)));
        Ok(IndexFile {
            data: data.clone(),
            rebuilt: Vec::new(),
            records,
            tree: self.tree,
            skipped: 0,
            sparse_dirs: 0,
            intents: 0,
            git_only: true,
            oid_len: self.oid_len,
        }
        .finish())
    }

    /// Every entry of an index file, in its order, and its `link` extension when it is split.
    fn parse_all(bytes: Bytes, oid_len: usize) -> Result<(IndexFile, Option<Link>), String> {
        let data = &bytes[..];
        let mut r = Reader { data, pos: 0 };
        if r.take(4)? != b"DIRC" {
            return Err("not an index file (bad signature)".to_owned());
        }
        let version = r.u32()?;
        if !(2..=4).contains(&version) {
            return Err(format!("unsupported index version {version}"));
        }
        let count = r.u32()? as usize;
        if data.len() < 12 + oid_len {
            return Err("truncated".to_owned());
        }
        let body_end = data.len() - oid_len;
        let mut records = Vec::with_capacity(count.min(data.len() / 62));
        let mut tree = None;
        let mut link = None;
        let mut git_only = false;
        // Version 4 paths are rebuilt here, to be appended after the file's bytes.
        let mut rebuilt: Vec<u8> = Vec::new();
        let mut previous: (usize, usize) = (0, 0);
        for _ in 0..count {
            let entry_start = r.pos;
            let fixed = r.take(42 + oid_len)?;
            let mode = be32(&fixed[24..28]);
            let size = be32(&fixed[36..40]);
            let oid_at = u32::try_from(entry_start + 40).map_err(|_| "index too large")?;
            let flags = u16::from_be_bytes([fixed[40 + oid_len], fixed[41 + oid_len]]);
            let mut intent_to_add = false;
            if flags & 0x4000 != 0 {
                if version < 3 {
                    return Err("extended flags in a version 2 index".to_owned());
                }
                let extended = r.take(2)?;
                // git knows two extended flags, intent-to-add and skip-worktree, and refuses
                // an index with any other set.
                if extended[0] & !0x60 != 0 || extended[1] != 0 {
                    return Err(format!(
                        "unknown index entry format 0x{:02x}{:02x}0000",
                        extended[0], extended[1]
                    ));
                }
                intent_to_add = extended[0] & 0x20 != 0;
            }
            let (start, len) = if version == 4 {
                let strip = r.varint()?;
                // The first entry has no path before it: git ignores what it says to strip.
                let keep = if records.is_empty() {
                    0
                } else {
                    previous
                        .1
                        .checked_sub(strip)
                        .ok_or("corrupt path compression")?
                };
                let start = rebuilt.len();
                rebuilt.extend_from_within(previous.0..previous.0 + keep);
                rebuilt.extend_from_slice(r.until_nul()?);
                let len = rebuilt.len() - start;
                previous = (start, len);
                // Offsets into `rebuilt` are shifted past the file's bytes below.
                (data.len() + start, len)
            } else {
                let start = r.pos;
                // The flags hold the path's length when it is below 4095: no need to search.
                let short = usize::from(flags & 0xfff);
                let len = if short < 0xfff && data.get(start + short) == Some(&0) {
                    r.pos += short + 1;
                    short
                } else {
                    r.until_nul()?.len()
                };
                // Entries are NUL-padded to a multiple of eight bytes.
                let used = r.pos - entry_start;
                let padded = used.div_ceil(8) * 8;
                r.take(padded - used)?;
                (start, len)
            };
            records.push(Record {
                start: u32::try_from(start).map_err(|_| "index too large")?,
                len: u32::try_from(len).map_err(|_| "path too long")?,
                mode,
                size,
                oid_at,
                intent_to_add,
                stage: ((flags >> 12) & 0x3) as u8,
            });
        }
        while r.pos + 8 <= body_end {
            let signature = r.take(4)?;
            let size = r.u32()? as usize;
            if r.pos + size > body_end {
                return Err("truncated extension".to_owned());
            }
            let ext = &data[r.pos..r.pos + size];
            match signature {
                b"TREE" => tree = parse_cache_tree(ext, oid_len).ok(),
                b"link" => {
                    link = parse_link(ext, oid_len)?;
                    git_only = true;
                }
                // A sparse index: its directory entries are counted by `finish`.
                b"sdir" => git_only = true,
                sig if sig[0].is_ascii_uppercase() => {}
                sig => {
                    return Err(format!(
                        "unknown required extension {}",
                        String::from_utf8_lossy(sig)
                    ))
                }
            }
            r.pos += size;
        }
        if r.pos != body_end {
            return Err("trailing bytes before the checksum".to_owned());
        }
        Ok((
            IndexFile {
                data: bytes,
                rebuilt,
                records,
                tree,
                skipped: 0,
                sparse_dirs: 0,
                intents: 0,
                git_only,
                oid_len,
            },
            link,
        ))
    }

    /// The record at position `i`.
    pub fn record(&self, i: usize) -> &Record {
        &self.records[i]
    }

    /// The object id of the entry at position `i`.
    pub fn oid(&self, i: usize) -> &[u8] {
        let at = self.records[i].oid_at as usize;
        &self.data[at..at + self.oid_len]
    }

    /// The cache-tree, if the index has a valid one at its root.
    pub fn cache_tree(&self) -> Option<&CacheTree> {
        self.tree.as_ref()
    }

    /// Conflict entries (stages 1-3), which are not files of a commit.
    pub fn skipped(&self) -> usize {
        self.skipped
    }

    /// Directory entries of a sparse index: whole directories outside the sparse-checkout cone,
    /// whose files this index does not list.
    pub fn sparse_dirs(&self) -> usize {
        self.sparse_dirs
    }

    /// Whether the index uses an extension only git itself writes (a split or sparse index).
    pub fn git_only(&self) -> bool {
        self.git_only
    }

    /// How many entries `git add -N` marked: listed, but not part of the next commit.
    pub fn intents_to_add(&self) -> usize {
        self.intents
    }
}

impl PathList for IndexFile {
    fn len(&self) -> usize {
        self.records.len()
    }

    fn path_at(&self, i: usize) -> &[u8] {
        self.record_path(&self.records[i])
    }

    fn meta_at(&self, i: usize) -> Option<Meta> {
        let r = &self.records[i];
        Some(Meta {
            mode: mode_of(r.mode)?,
            size: Some(u64::from(r.size)),
        })
    }
}

impl SortedPaths for IndexFile {}

/// A split index's `link` extension: the shared index it extends, and which of the shared
/// entries it deletes or replaces (EWAH bitmaps).
struct Link {
    shared: Vec<u8>,
    delete: Vec<u8>,
    replace: Vec<u8>,
}

/// The `link` extension; `None` when its id is all zeros (no shared index is needed).
fn parse_link(ext: &[u8], oid_len: usize) -> Result<Option<Link>, String> {
    let shared = ext.get(..oid_len).ok_or("truncated link extension")?;
    if shared.iter().all(|&b| b == 0) {
        return Ok(None);
    }
    let shared = shared.to_vec();
    let rest = &ext[oid_len..];
    let delete_len = ewah_len(rest)?;
    let (delete, rest) = rest.split_at(delete_len);
    let replace_len = ewah_len(rest)?;
    Ok(Some(Link {
        shared,
        delete: delete.to_vec(),
        replace: rest[..replace_len].to_vec(),
    }))
}

/// The length of the EWAH bitmap at the start of `bytes`: a 32-bit bit count, a 32-bit word
/// count, the 64-bit words, a 32-bit position.
fn ewah_len(bytes: &[u8]) -> Result<usize, String> {
    let words = bytes
        .get(4..8)
        .map(be32)
        .ok_or("truncated bitmap in the link extension")? as usize;
    let len = words
        .checked_mul(8)
        .and_then(|w| w.checked_add(12))
        .filter(|&l| l <= bytes.len())
        .ok_or("truncated bitmap in the link extension")?;
    Ok(len)
}

/// The first `n` bits of an EWAH bitmap (git's `ewah_io.c`): each marker word holds a running
/// bit, how many words of it follow (32 bits) and how many literal words follow it (31 bits).
fn ewah_bits(bitmap: &[u8], n: usize) -> Result<Vec<bool>, String> {
    let bad = || "corrupt bitmap in the link extension".to_owned();
    let words = be32(bitmap.get(4..8).ok_or_else(bad)?) as usize;
    let word = |i: usize| -> Result<u64, String> {
        let at = 8 + i * 8;
        let bytes = bitmap.get(at..at + 8).ok_or_else(bad)?;
        Ok(u64::from_be_bytes(bytes.try_into().map_err(|_| bad())?))
    };
    let mut bits = vec![false; n];
    let mut pos = 0usize;
    let mut i = 0;
    while i < words && pos < n {
        let marker = word(i)?;
        i += 1;
        let running = marker & 1 == 1;
        let run_words = ((marker >> 1) & 0xffff_ffff) as usize;
        let literals = (marker >> 33) as usize;
        let run_bits = run_words.saturating_mul(64);
        if running {
            for b in bits.iter_mut().skip(pos).take(run_bits) {
                *b = true;
            }
        }
        pos = pos.saturating_add(run_bits);
        for _ in 0..literals {
            if i >= words {
                return Err(bad());
            }
            let literal = word(i)?;
            i += 1;
            for bit in 0..64 {
                if literal >> bit & 1 == 1 && pos + bit < n {
                    bits[pos + bit] = true;
                }
            }
            pos = pos.saturating_add(64);
        }
    }
    Ok(bits)
}

/// The detection mode of a git mode.
pub fn mode_of(mode: u32) -> Option<Mode> {
    match mode & 0o170000 {
        0o120000 => Some(Mode::Symlink),
        0o160000 => Some(Mode::Submodule),
        0o100000 if mode & 0o111 != 0 => Some(Mode::Executable),
        0o100000 => Some(Mode::File),
        0o040000 => Some(Mode::Dir),
        _ => None,
    }
}

fn be32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.pos.checked_add(n).ok_or("truncated")?;
        let slice = self.data.get(self.pos..end).ok_or("truncated")?;
        self.pos = end;
        Ok(slice)
    }

    fn u32(&mut self) -> Result<u32, String> {
        self.take(4).map(be32)
    }

    fn until_nul(&mut self) -> Result<&'a [u8], String> {
        let rest = &self.data[self.pos..];
        let n = rest.iter().position(|&b| b == 0).ok_or("truncated path")?;
        self.pos += n + 1;
        Ok(&rest[..n])
    }

    /// git's offset varint (`decode_varint`): big-endian groups of 7 bits, each continuation
    /// adding one.
    fn varint(&mut self) -> Result<usize, String> {
        let mut b = self.take(1)?[0];
        let mut value = usize::from(b & 0x7f);
        while b & 0x80 != 0 {
            b = self.take(1)?[0];
            value = value
                .checked_add(1)
                .and_then(|v| v.checked_mul(128))
                .ok_or("varint overflow")?
                | usize::from(b & 0x7f);
        }
        Ok(value)
    }
}

/// Parses the "TREE" extension: a preorder list of `name NUL count SP subtrees LF [oid]`.
fn parse_cache_tree(data: &[u8], oid_len: usize) -> Result<CacheTree, String> {
    let mut r = Reader { data, pos: 0 };
    let tree = parse_node(&mut r, 0, oid_len)?;
    Ok(tree)
}

fn parse_node(r: &mut Reader<'_>, depth: usize, oid_len: usize) -> Result<CacheTree, String> {
    if depth > 4096 {
        return Err("cache-tree too deep".to_owned());
    }
    let name = r.until_nul()?.to_vec();
    let entries = ascii_number(r, b' ')?;
    let subtrees = ascii_number(r, b'\n')?;
    let oid = if entries >= 0 {
        Some(r.take(oid_len)?.to_vec())
    } else {
        None
    };
    let subtrees = usize::try_from(subtrees).map_err(|_| "negative subtree count")?;
    let mut children = Vec::with_capacity(subtrees.min(1024));
    for _ in 0..subtrees {
        children.push(parse_node(r, depth + 1, oid_len)?);
    }
    Ok(CacheTree {
        name,
        entries,
        oid,
        children,
    })
}

fn ascii_number(r: &mut Reader<'_>, end: u8) -> Result<i64, String> {
    let rest = &r.data[r.pos..];
    let n = rest
        .iter()
        .position(|&b| b == end)
        .ok_or("truncated cache-tree")?;
    let text = std::str::from_utf8(&rest[..n]).map_err(|_| "bad cache-tree number")?;
    r.pos += n + 1;
    text.parse()
        .map_err(|_| format!("bad cache-tree number {text:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_what_is_not_an_index() {
        assert!(IndexFile::parse(Vec::new()).is_err());
        assert!(IndexFile::parse(b"DIRX\0\0\0\x02\0\0\0\0".to_vec()).is_err());
        assert!(IndexFile::parse(b"DIRC\0\0\0\x09\0\0\0\0".to_vec())
            .unwrap_err()
            .contains("version"));
        let mut truncated = b"DIRC\0\0\0\x02\0\0\0\x05".to_vec();
        truncated.extend_from_slice(&[0; 30]);
        assert!(IndexFile::parse(truncated).is_err());
    }

    #[test]
    fn extended_flags_git_does_not_know_are_refused() {
        let index = |extended: [u8; 2]| {
            let mut data = b"DIRC\0\0\0\x03\0\0\0\x01".to_vec();
            data.extend_from_slice(&[0; 24]);
            data.extend_from_slice(&0o100644u32.to_be_bytes());
            data.extend_from_slice(&[0; 32]);
            data.extend_from_slice(&(0x4001u16).to_be_bytes());
            data.extend_from_slice(&extended);
            data.extend_from_slice(b"a\0\0\0\0\0\0\0");
            data.extend_from_slice(&[0; 20]);
            IndexFile::parse(data)
        };
        assert_eq!(index([0x20, 0]).unwrap().intents_to_add(), 1);
        assert!(index([0x40, 0]).is_ok());
        assert!(index([0x80, 0])
            .unwrap_err()
            .contains("unknown index entry format"));
        assert!(index([0, 1]).is_err());
    }

    #[test]
    fn the_first_path_of_version_4_strips_nothing() {
        let mut data = b"DIRC\0\0\0\x04\0\0\0\x01".to_vec();
        data.extend_from_slice(&[0; 24]);
        data.extend_from_slice(&0o100644u32.to_be_bytes());
        data.extend_from_slice(&[0; 32]);
        data.extend_from_slice(&1u16.to_be_bytes());
        // Strip 5 bytes of no path, then "a".
        data.extend_from_slice(b"\x05a\0");
        data.extend_from_slice(&[0; 20]);
        let index = IndexFile::parse(data).unwrap();
        assert_eq!(index.path_at(0), b"a");
    }

    #[test]
    fn varints_follow_gits_offset_encoding() {
        let decode = |bytes: &[u8]| {
            Reader {
                data: bytes,
                pos: 0,
            }
            .varint()
            .unwrap()
        };
        assert_eq!(decode(&[0x00]), 0);
        assert_eq!(decode(&[0x7f]), 127);
        assert_eq!(decode(&[0x80, 0x00]), 128);
        assert_eq!(decode(&[0x80, 0x7f]), 255);
        assert_eq!(decode(&[0x81, 0x00]), 256);
    }
}
