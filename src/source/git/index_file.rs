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
}

/// A node of the cache-tree: a directory whose entries hash to `oid`, when valid.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CacheTree {
    /// The directory's name (empty at the root).
    pub name: Vec<u8>,
    /// How many index entries the directory covers; negative when invalidated.
    pub entries: i64,
    /// The tree id, when valid.
    pub oid: Option<[u8; OID]>,
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
    pub fn read(path: &Path) -> Result<IndexFile, Error> {
        match crate::support::mapped::read_replaced_by_rename(path) {
            Ok(bytes) => {
                IndexFile::parse_bytes(bytes).map_err(|why| Error::Corrupt(path.to_path_buf(), why))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(IndexFile::default()),
            Err(e) => Err(Error::Io(path.to_path_buf(), e)),
        }
    }

    /// Parses an index file's bytes.
    pub fn parse(bytes: Vec<u8>) -> Result<IndexFile, String> {
        IndexFile::parse_bytes(bytes.into())
    }

    fn parse_bytes(bytes: Bytes) -> Result<IndexFile, String> {
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
        if data.len() < 12 + OID {
            return Err("truncated".to_owned());
        }
        let body_end = data.len() - OID;
        let mut records = Vec::with_capacity(count.min(data.len() / 62));
        let mut tree = None;
        let mut skipped = 0;
        let mut sparse_dirs = 0;
        let mut intents = 0;
        // Version 4 paths are rebuilt here, to be appended after the file's bytes.
        let mut rebuilt: Vec<u8> = Vec::new();
        let mut previous: (usize, usize) = (0, 0);
        for _ in 0..count {
            let entry_start = r.pos;
            let fixed = r.take(62)?;
            let mode = be32(&fixed[24..28]);
            let size = be32(&fixed[36..40]);
            let oid_at = u32::try_from(entry_start + 40).map_err(|_| "index too large")?;
            let flags = u16::from_be_bytes([fixed[60], fixed[61]]);
            let mut intent_to_add = false;
            if flags & 0x4000 != 0 {
                if version < 3 {
                    return Err("extended flags in a version 2 index".to_owned());
                }
                let extended = r.take(2)?;
                intent_to_add = extended[0] & 0x20 != 0;
            }
            let (start, len) = if version == 4 {
                let strip = r.varint()?;
                let keep = previous
                    .1
                    .checked_sub(strip)
                    .ok_or("corrupt path compression")?;
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
            let stage = (flags >> 12) & 0x3;
            // Sparse-index directory entries (`dir/`, mode 040000) stand for whole directories.
            if mode & 0o170000 == 0o040000 {
                sparse_dirs += 1;
                continue;
            }
            if stage != 0 {
                skipped += 1;
                continue;
            }
            records.push(Record {
                start: u32::try_from(start).map_err(|_| "index too large")?,
                len: u32::try_from(len).map_err(|_| "path too long")?,
                mode,
                size,
                oid_at,
                intent_to_add,
            });
            intents += usize::from(intent_to_add);
        }
        while r.pos + 8 <= body_end {
            let signature = r.take(4)?;
            let size = r.u32()? as usize;
            if r.pos + size > body_end {
                return Err("truncated extension".to_owned());
            }
            let ext = &data[r.pos..r.pos + size];
            match signature {
                b"TREE" => tree = parse_cache_tree(ext).ok(),
                b"link" => return Err("split index is not supported".to_owned()),
                // A sparse index: its directory entries were skipped above.
                b"sdir" => {}
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
        Ok(IndexFile {
            data: bytes,
            rebuilt,
            records,
            tree,
            skipped,
            sparse_dirs,
            intents,
        })
    }

    /// The record at position `i`.
    pub fn record(&self, i: usize) -> &Record {
        &self.records[i]
    }

    /// The object id of the entry at position `i`.
    pub fn oid(&self, i: usize) -> &[u8] {
        let at = self.records[i].oid_at as usize;
        &self.data[at..at + OID]
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
        let r = &self.records[i];
        let (start, len) = (r.start as usize, r.len as usize);
        match start.checked_sub(self.data.len()) {
            Some(start) => &self.rebuilt[start..start + len],
            None => &self.data[start..start + len],
        }
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
fn parse_cache_tree(data: &[u8]) -> Result<CacheTree, String> {
    let mut r = Reader { data, pos: 0 };
    let tree = parse_node(&mut r, 0)?;
    Ok(tree)
}

fn parse_node(r: &mut Reader<'_>, depth: usize) -> Result<CacheTree, String> {
    if depth > 4096 {
        return Err("cache-tree too deep".to_owned());
    }
    let name = r.until_nul()?.to_vec();
    let entries = ascii_number(r, b' ')?;
    let subtrees = ascii_number(r, b'\n')?;
    let oid = if entries >= 0 {
        let mut oid = [0; OID];
        oid.copy_from_slice(r.take(OID)?);
        Some(oid)
    } else {
        None
    };
    let subtrees = usize::try_from(subtrees).map_err(|_| "negative subtree count")?;
    let mut children = Vec::with_capacity(subtrees.min(1024));
    for _ in 0..subtrees {
        children.push(parse_node(r, depth + 1)?);
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
