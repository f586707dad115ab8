//! A reader for git's object store, for walks that read every commit and tree of a history:
//! loose objects and pack files (index version 2), with a cache of delta bases.
//!
//! A pack stores most trees as deltas against another version of the same tree, often dozens
//! deep. The first read of a tree in a walk resolves a whole chain; the bases met on the way
//! are kept (up to [`BASE_CACHE_BYTES`]), so the neighbouring versions that the next commits
//! read are found without inflating anything again. git does the same.
//!
//! Packs and their indexes, which git replaces by a rename and never rewrites, are mapped, once
//! per repository for every reader. What this reader does not know (a pack
//! index of version 1, an object that appeared after it opened the store) it reports as absent,
//! and the caller asks libgit2.

use std::fmt;
use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use flate2::{Decompress, FlushDecompress, Status};

pub use super::delta::apply_delta;
use super::delta::{varint, BaseCache};
use super::pack::{Header, Pack};
use crate::support::fxhash::FxHashMap;

/// A SHA-1 object id.
pub type Id = [u8; 20];

/// Bytes of resolved delta bases kept for later reads.
pub const BASE_CACHE_BYTES: usize = 8 << 20;

/// git writes chains of at most 4095 deltas; a longer one is a loop of `REF_DELTA`s.
const MAX_CHAIN: usize = 10_000;

/// How much of a loose object's stream is inflated to find its header, as git's
/// `MAX_HEADER_LEN`: a header that does not end within it is refused.
const LOOSE_HEADER: usize = 32;

/// zlib expands at most about 1032 to 1: a declared size beyond that is a damaged header, and is
/// refused before anything is allocated for it.
const MAX_RATIO: u64 = 1032;

/// The largest object (or delta result on the way to one) that is read: 128 MiB. Commits,
/// trees and tags are far smaller in every real repository (a tree of 128 MiB would list three
/// million files in one folder), and blobs are only read when their header says they are small.
/// A crafted object that declares more, or a chain of deltas that doubles its size at each step,
/// is refused before anything is allocated for it.
pub const MAX_OBJECT: usize = 128 << 20;

/// The four kinds of object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A commit.
    Commit,
    /// A tree.
    Tree,
    /// A blob.
    Blob,
    /// An annotated tag.
    Tag,
}

impl Kind {
    pub(super) fn from_pack(code: u8) -> Option<Kind> {
        match code {
            1 => Some(Kind::Commit),
            2 => Some(Kind::Tree),
            3 => Some(Kind::Blob),
            4 => Some(Kind::Tag),
            _ => None,
        }
    }

    /// The kind git names `name` (`commit`, `tree`, `blob`, `tag`).
    pub fn from_name(name: &[u8]) -> Option<Kind> {
        match name {
            b"commit" => Some(Kind::Commit),
            b"tree" => Some(Kind::Tree),
            b"blob" => Some(Kind::Blob),
            b"tag" => Some(Kind::Tag),
            _ => None,
        }
    }
}

/// An object read from the store.
#[derive(Clone, Debug)]
pub struct Object {
    /// What it is.
    pub kind: Kind,
    /// Its content, without git's `<kind> <size>\0` header.
    pub data: Rc<Vec<u8>>,
}

/// A file of the store could not be read, or holds something that is not git's format.
#[derive(Debug)]
pub enum Error {
    /// Reading a file failed.
    Io(PathBuf, io::Error),
    /// A file is damaged; the string says how.
    Damaged(PathBuf, &'static str),
    /// An object the repository refers to is in no store.
    Missing(Id),
    /// An object is not of the kind that refers to it says.
    WrongKind(Id, Kind),
    /// An object (or a delta on the way to it) declares more bytes than [`MAX_OBJECT`], or the
    /// allocator refused what it declares.
    TooLarge(PathBuf, u64),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io(path, e) => write!(f, "cannot read {}: {e}", path.display()),
            Error::Damaged(path, what) => {
                write!(
                    f,
                    "{} is damaged ({what}); `git fsck` tells more",
                    path.display()
                )
            }
            Error::Missing(id) => write!(
                f,
                "object {} is missing (a damaged repository, or a partial clone); \
                 `git fsck` tells more",
                to_hex(id)
            ),
            Error::WrongKind(id, kind) => {
                write!(f, "object {} is not a readable {kind:?}", to_hex(id))
            }
            Error::TooLarge(path, size) => write!(
                f,
                "{} holds an object of {size} bytes, more than venv-guard reads ({} MiB); \
                 `git fsck` tells whether it is damaged",
                path.display(),
                MAX_OBJECT >> 20
            ),
        }
    }
}

impl std::error::Error for Error {}

/// The object store of one repository, with its alternates.
pub struct Odb {
    /// Directories holding loose objects: the store's own, then its alternates'.
    dirs: Vec<PathBuf>,
    packs: Vec<Pack>,
    bases: BaseCache,
    zlib: Decompress,
    /// The last delta inflated, kept for the next one's bytes: a walk applies hundreds of
    /// thousands of deltas, each read only once.
    scratch: Vec<u8>,
}

/// A scratch buffer that grew larger than this is not kept.
const SCRATCH_KEPT: usize = 1 << 20;

impl Odb {
    /// Opens the stores at `objects` (a repository's `objects` directory, and any others git
    /// was told of) and the stores their `info/alternates` name. Packs are indexed now; a pack
    /// whose index cannot be read is skipped (its objects read as absent).
    pub fn open(objects: &[PathBuf]) -> Odb {
        Odb::open_sharing(objects, &super::pack::Opened::default())
    }

    /// [`Odb::open`], taking packs another reader opened from `opened`, and leaving the ones
    /// it opens there.
    pub(super) fn open_sharing(objects: &[PathBuf], opened: &super::pack::Opened) -> Odb {
        let mut dirs = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for dir in objects {
            collect_alternates(dir, &mut dirs, &mut seen, 0);
        }
        let mut packs = Vec::new();
        for dir in &dirs {
            let Ok(listing) = fs::read_dir(dir.join("pack")) else {
                continue;
            };
            let mut found: Vec<(std::time::SystemTime, Pack)> = listing
                .filter_map(Result::ok)
                .filter(|e| e.file_name().as_encoded_bytes().ends_with(b".idx"))
                .filter_map(|e| {
                    let mtime = e.metadata().and_then(|m| m.modified()).ok()?;
                    Some((mtime, Pack::open(&e.path(), opened)?))
                })
                .collect();
            // Newest first, as git searches them: recent objects are read most.
            found.sort_by_key(|(mtime, _)| std::cmp::Reverse(*mtime));
            packs.extend(found.into_iter().map(|(_, p)| p));
        }
        let mut odb = Odb {
            dirs,
            packs,
            bases: BaseCache::default(),
            zlib: Decompress::new(true),
            scratch: Vec::new(),
        };
        odb.bases.set_limit(odb.cache_bytes(BASE_CACHE_BYTES));
        odb
    }

    /// How many bytes a cache of what is read from this store keeps: `most`, or less for a
    /// small store (as much as its packs hold, at least 512 KiB), so that a small
    /// repository's scan stays small.
    pub fn cache_bytes(&self, most: usize) -> usize {
        let packed: u64 = self.packs.iter().map(Pack::size).sum();
        usize::try_from(packed)
            .unwrap_or(usize::MAX)
            .clamp(512 << 10, most.max(512 << 10))
    }

    /// Keeps at most `bytes` of delta bases instead of [`BASE_CACHE_BYTES`].
    pub fn limit_base_cache(&mut self, bytes: usize) {
        self.bases.set_limit(bytes);
    }

    /// The object `id`, or `None` if this reader does not find it.
    pub fn read(&mut self, id: &Id) -> Result<Option<Object>, Error> {
        if let Some((pack, offset)) = self.locate(id) {
            return self.read_packed(pack, offset).map(Some);
        }
        self.read_loose(id)
    }

    /// Inflates object `id` into `out` where it is a whole (not deltified) entry of a pack of
    /// kind `kind`, as [`Odb::read`] would read it, without allocating: a walk reads thousands
    /// of commits and keeps none. `false`, with `out` untouched, for anything else (a delta, a
    /// loose object, another kind, an id no pack has), which [`Odb::read`] then reads.
    pub(super) fn read_whole_into(
        &mut self,
        id: &Id,
        kind: Kind,
        out: &mut Vec<u8>,
    ) -> Result<bool, Error> {
        let Some((pack, at)) = self.locate(id) else {
            return Ok(false);
        };
        match self.packs[pack].header(at)? {
            Header::Whole {
                kind: found,
                size,
                data,
            } if found == kind => {
                self.inflate_into(pack, data, size, out)?;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    /// The kind of object `id`, found without inflating its content (a delta's kind is its
    /// base's), or `None` if this reader does not find it: a ref may name a 1 GB blob.
    pub fn kind(&mut self, id: &Id) -> Result<Option<Kind>, Error> {
        Ok(self.header(id)?.map(|(kind, _)| kind))
    }

    /// The kind and size of object `id`, read from headers alone (a delta's kind is its
    /// base's, its size is what the delta says it makes), or `None` if this reader does not
    /// find it.
    pub fn header(&mut self, id: &Id) -> Result<Option<(Kind, u64)>, Error> {
        match self.locate(id) {
            Some((pack, at)) => self.packed_header(pack, at, &mut FxHashMap::default()),
            None => self.loose_header(id),
        }
    }

    /// The kinds and sizes of `ids`, each as [`Odb::header`] gives it, read in the order the
    /// objects lie in their packs: the headers of an environment's thousands of blobs then
    /// come from a few windows, and the kind of a delta base many of them share is looked up
    /// once.
    pub fn headers(&mut self, ids: &[Id]) -> Vec<Result<Option<(Kind, u64)>, Error>> {
        // Looked up in the order of their ids, the index is read from front to back, not at
        // random.
        let mut by_id: Vec<usize> = (0..ids.len()).collect();
        by_id.sort_unstable_by_key(|&i| ids[i]);
        let mut order: Vec<(Option<(usize, u64)>, usize)> = by_id
            .into_iter()
            .map(|i| (self.locate(&ids[i]), i))
            .collect();
        order.sort_unstable();
        let mut kinds = FxHashMap::default();
        let mut out: Vec<Result<Option<(Kind, u64)>, Error>> =
            (0..ids.len()).map(|_| Ok(None)).collect();
        for (at, i) in order {
            out[i] = match at {
                Some((pack, at)) => self.packed_header(pack, at, &mut kinds),
                None => self.loose_header(&ids[i]),
            };
        }
        out
    }

    /// The kind and size of the entry at `at` of pack `pack`: its size from its own header, its
    /// kind from the end of its delta chain. `kinds` holds the kinds of entries already
    /// followed to their chain's end, and gets those followed here.
    fn packed_header(
        &mut self,
        mut pack: usize,
        mut at: u64,
        kinds: &mut FxHashMap<(usize, u64), Kind>,
    ) -> Result<Option<(Kind, u64)>, Error> {
        let mut size = None;
        let mut chain = Vec::new();
        for _ in 0..=MAX_CHAIN {
            if let Some(size) = size {
                if let Some(&kind) = kinds.get(&(pack, at)) {
                    kinds.extend(chain.into_iter().map(|entry| (entry, kind)));
                    return Ok(Some((kind, size)));
                }
            }
            chain.push((pack, at));
            match self.packs[pack].header(at)? {
                Header::Whole {
                    kind, size: whole, ..
                } => {
                    kinds.extend(chain.into_iter().map(|entry| (entry, kind)));
                    return Ok(Some((kind, size.unwrap_or(whole as u64))));
                }
                Header::OfsDelta { base, data, .. } => {
                    size = Some(size.map_or_else(|| self.delta_target(pack, data), Ok)?);
                    at = base;
                }
                Header::RefDelta { base, data, .. } => {
                    size = Some(size.map_or_else(|| self.delta_target(pack, data), Ok)?);
                    match self.locate(&base) {
                        Some(found) => (pack, at) = found,
                        None => {
                            return Ok(self
                                .loose_header(&base)?
                                .map(|(kind, whole)| (kind, size.unwrap_or(whole))))
                        }
                    }
                }
            }
        }
        Err(self.packs[pack].damaged("a delta chain loops"))
    }

    /// The size a delta at `start` of pack `pack` says it makes, read as git reads it
    /// (`get_size_from_delta`): from the first 20 bytes of its stream, or from all of a shorter
    /// one, which must then end as a whole stream ends, its checksum read. The stream may start
    /// on the last bytes of a window: the next window is read on.
    fn delta_target(&mut self, pack: usize, start: u64) -> Result<u64, Error> {
        let pack = &mut self.packs[pack];
        self.zlib.reset(true);
        let mut head = [0; 20];
        let (mut at, mut made) = (start, 0);
        let whole = loop {
            let input = pack.window_at(at)?;
            let consumed = self.zlib.total_in();
            let status = self
                .zlib
                .decompress(input, &mut head[made..], FlushDecompress::None);
            at += self.zlib.total_in() - consumed;
            let before = made;
            made = self.zlib.total_out() as usize;
            match status {
                Ok(Status::StreamEnd) => break true,
                Ok(_) if made == head.len() => break true,
                Ok(_) if made > before || self.zlib.total_in() > consumed => {}
                _ => break false,
            }
        };
        let mut i = 0;
        whole
            .then(|| varint(&head[..made], &mut i).and_then(|_| varint(&head[..made], &mut i)))
            .flatten()
            .ok_or_else(|| pack.damaged("a bad delta header"))
    }

    /// Reads the start of a loose object's stream as git does (`unpack_loose_header`,
    /// `parse_loose_header`): at most [`LOOSE_HEADER`] bytes inflated, which must hold the
    /// kind, one space, the size in canonical decimal (no sign, no leading zero) and a NUL.
    /// Returns the kind, the size, the content bytes already inflated after the header, and
    /// whether the stream ended.
    fn loose_start(
        &mut self,
        path: &Path,
        compressed: &[u8],
    ) -> Result<(Kind, usize, Vec<u8>, bool), Error> {
        let damaged = |what| Error::Damaged(path.to_path_buf(), what);
        self.zlib.reset(true);
        let mut head = [0; LOOSE_HEADER];
        let status = self
            .zlib
            .decompress(compressed, &mut head, FlushDecompress::None)
            .map_err(|_| damaged("not zlib data"))?;
        let head = &head[..self.zlib.total_out() as usize];
        let nul = head
            .iter()
            .position(|&b| b == 0)
            .ok_or_else(|| damaged("bad header"))?;
        let header = &head[..nul];
        let space = header
            .iter()
            .position(|&b| b == b' ')
            .ok_or_else(|| damaged("bad header"))?;
        let kind = Kind::from_name(&header[..space]).ok_or_else(|| damaged("unknown kind"))?;
        let digits = &header[space + 1..];
        let canonical = digits.first().is_some_and(u8::is_ascii_digit)
            && digits.iter().all(u8::is_ascii_digit)
            && (digits.len() == 1 || digits[0] != b'0');
        let size: usize = canonical
            .then(|| std::str::from_utf8(digits).ok()?.parse().ok())
            .flatten()
            .ok_or_else(|| damaged("bad size"))?;
        let rest = head[nul + 1..].to_vec();
        Ok((kind, size, rest, status == Status::StreamEnd))
    }

    /// The kind and size of a loose object, from the start of its stream.
    fn loose_header(&mut self, id: &Id) -> Result<Option<(Kind, u64)>, Error> {
        let Some((path, file)) = self.loose_file(id)? else {
            return Ok(None);
        };
        let mut compressed = Vec::new();
        io::Read::read_to_end(&mut io::Read::take(file, 256), &mut compressed)
            .map_err(|e| Error::Io(path.clone(), e))?;
        let (kind, size, _, _) = self.loose_start(&path, &compressed)?;
        Ok(Some((kind, size as u64)))
    }

    /// The file of loose object `id` in the first store that has one.
    fn loose_file(&self, id: &Id) -> Result<Option<(PathBuf, File)>, Error> {
        let hex = to_hex(id);
        for dir in &self.dirs {
            let path = dir.join(&hex[..2]).join(&hex[2..]);
            match File::open(&path) {
                Ok(file) => return Ok(Some((path, file))),
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(Error::Io(path, e)),
            }
        }
        Ok(None)
    }

    fn locate(&self, id: &Id) -> Option<(usize, u64)> {
        self.packs
            .iter()
            .enumerate()
            .find_map(|(i, pack)| Some((i, pack.find(id)?)))
    }

    /// Reads a loose object: its header first, so that what it declares is checked before
    /// anything is allocated for it, then exactly that many bytes.
    fn read_loose(&mut self, id: &Id) -> Result<Option<Object>, Error> {
        let Some((path, file)) = self.loose_file(id)? else {
            return Ok(None);
        };
        let on_disk = file
            .metadata()
            .map_err(|e| Error::Io(path.clone(), e))?
            .len();
        if on_disk > MAX_OBJECT as u64 {
            return Err(Error::TooLarge(path, on_disk));
        }
        let mut compressed = Vec::new();
        io::Read::read_to_end(
            &mut io::Read::take(file, MAX_OBJECT as u64),
            &mut compressed,
        )
        .map_err(|e| Error::Io(path.clone(), e))?;
        let damaged = |what| Error::Damaged(path.clone(), what);
        let (kind, size, start, ended) = self.loose_start(&path, &compressed)?;
        if size > MAX_OBJECT
            || size as u64 > (compressed.len() as u64).saturating_mul(MAX_RATIO) + 64
        {
            return Err(Error::TooLarge(path, size as u64));
        }
        // Room to spare, as for a packed object (see `SLACK`).
        let mut out = Vec::new();
        out.try_reserve_exact(size + SLACK)
            .map_err(|_| Error::TooLarge(path.clone(), size as u64))?;
        // As git's `unpack_loose_rest`: content past the size that came with the header is
        // dropped (the stream must still end there), a stream that ends short of the size
        // reads as its bytes and then zeros, and bytes after the stream's end are refused.
        out.extend_from_slice(&start[..start.len().min(size)]);
        let mut ended = ended;
        while !ended && out.len() <= size {
            let consumed = self.zlib.total_in() as usize;
            let input = compressed.get(consumed..).unwrap_or_default();
            let produced = out.len();
            let status = self
                .zlib
                .decompress_vec(input, &mut out, FlushDecompress::None)
                .map_err(|_| damaged("not zlib data"))?;
            ended = status == Status::StreamEnd;
            if !ended && out.len() == produced && self.zlib.total_in() as usize == consumed {
                return Err(damaged("truncated"));
            }
        }
        if !ended || out.len() > size {
            return Err(damaged("wrong size"));
        }
        if (self.zlib.total_in() as usize) < compressed.len() {
            return Err(damaged("garbage after the stream"));
        }
        out.resize(size, 0);
        Ok(Some(Object {
            kind,
            data: Rc::new(out),
        }))
    }

    /// Reads the object at `offset` of pack `pack`, resolving its delta chain from the nearest
    /// cached or whole base.
    fn read_packed(&mut self, pack: usize, offset: u64) -> Result<Object, Error> {
        // The deltas to apply, outermost first: (pack, offset, start of the delta, its size).
        let mut chain: Vec<(usize, u64, u64, usize)> = Vec::new();
        let (mut at_pack, mut at) = (pack, offset);
        // The base, and where it sits if it should be cached once it proves to be a base.
        let (mut base, mut key) = loop {
            if let Some(object) = self.bases.get(at_pack, at) {
                break (object, None);
            }
            if chain.len() > MAX_CHAIN {
                return Err(self.packs[pack].damaged("a delta chain loops"));
            }
            match self.packs[at_pack].header(at)? {
                Header::Whole { kind, size, data } => {
                    let bytes = self.inflate(at_pack, data, size)?;
                    let object = Object {
                        kind,
                        data: Rc::new(bytes),
                    };
                    break (object, Some((at_pack, at)));
                }
                Header::OfsDelta { base, size, data } => {
                    chain.push((at_pack, at, data, size));
                    at = base;
                }
                Header::RefDelta { base, size, data } => {
                    chain.push((at_pack, at, data, size));
                    match self.locate(&base) {
                        Some((p, o)) => (at_pack, at) = (p, o),
                        None => match self.read_loose(&base)? {
                            Some(object) => break (object, None),
                            None => {
                                return Err(self.packs[at_pack].damaged("a delta base is missing"))
                            }
                        },
                    }
                }
            }
        };
        while let Some((p, o, data, size)) = chain.pop() {
            if let Some((bp, bo)) = key {
                self.bases.put(bp, bo, base.clone());
            }
            let target = self.delta_target(p, data)?;
            if target > MAX_OBJECT as u64 {
                return Err(Error::TooLarge(self.packs[p].path().to_path_buf(), target));
            }
            let mut delta = std::mem::take(&mut self.scratch);
            self.inflate_into(p, data, size, &mut delta)?;
            let bytes = apply_delta(&base.data, &delta)
                .ok_or_else(|| self.packs[p].damaged("a delta does not apply"))?;
            if delta.capacity() <= SCRATCH_KEPT {
                self.scratch = delta;
            }
            base = Object {
                kind: base.kind,
                data: Rc::new(bytes),
            };
            key = Some((p, o));
        }
        Ok(base)
    }

    /// Inflates the zlib stream at `start` of pack `pack`, which must hold exactly `size` bytes.
    fn inflate(&mut self, pack: usize, start: u64, size: usize) -> Result<Vec<u8>, Error> {
        let mut out = Vec::new();
        self.inflate_into(pack, start, size, &mut out)?;
        Ok(out)
    }

    /// [`Odb::inflate`] into `out`, whose bytes are replaced.
    fn inflate_into(
        &mut self,
        pack: usize,
        start: u64,
        size: usize,
        out: &mut Vec<u8>,
    ) -> Result<(), Error> {
        let pack = &mut self.packs[pack];
        if size as u64 > pack.size().saturating_sub(start).saturating_mul(MAX_RATIO) + 64 {
            return Err(pack.damaged("an object is larger than the pack could hold"));
        }
        if size > MAX_OBJECT {
            return Err(Error::TooLarge(pack.path().to_path_buf(), size as u64));
        }
        self.zlib.reset(true);
        // Room to spare (see `SLACK`); a damaged header cannot make it allocate more than the
        // stream proves to hold.
        out.clear();
        out.reserve(size.min(1 << 24) + SLACK);
        let mut at = start;
        loop {
            if out.len() == out.capacity() {
                out.try_reserve((size + SLACK - out.len()).min(out.len()))
                    .map_err(|_| Error::TooLarge(pack.path().to_path_buf(), size as u64))?;
            }
            let input = pack.window_at(at)?;
            if input.is_empty() {
                return Err(pack.damaged("truncated"));
            }
            let (consumed, produced) = (self.zlib.total_in(), out.len());
            let status = self
                .zlib
                .decompress_vec(input, out, FlushDecompress::None)
                .map_err(|_| pack.damaged("not zlib data"))?;
            at += self.zlib.total_in() - consumed;
            if status == Status::StreamEnd {
                break;
            }
            if out.len() > size || (out.len() == produced && self.zlib.total_in() == consumed) {
                return Err(pack.damaged("an object is longer than its header says"));
            }
        }
        if out.len() != size {
            return Err(pack.damaged("an object is shorter than its header says"));
        }
        Ok(())
    }
}

/// Room left past an object's end: zlib decodes in its fast loop only while 258 bytes (the
/// longest match) are free, so an object inflated into exactly its size is decoded a symbol at
/// a time; with this much more, all of a small object takes the fast loop. The room past `size`
/// also catches a stream longer than its header says.
const SLACK: usize = 258;

/// `objects` and the stores named by its `info/alternates`, recursively (git stops at depth 5),
/// each once; like git, an alternate that is no directory is passed over.
fn collect_alternates(
    objects: &Path,
    out: &mut Vec<PathBuf>,
    seen: &mut std::collections::HashSet<PathBuf>,
    depth: usize,
) {
    if depth > 5 || (depth > 0 && !objects.is_dir()) || !seen.insert(objects.to_path_buf()) {
        return;
    }
    out.push(objects.to_path_buf());
    let Ok(text) =
        crate::support::mapped::read_regular(&objects.join("info").join("alternates"), 1 << 20)
    else {
        return;
    };
    for line in text.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() || line.starts_with(b"#") {
            continue;
        }
        // Quoted (C-style) alternates are rare; libgit2 reads them if they matter.
        if line.starts_with(b"\"") {
            continue;
        }
        let path = crate::support::paths::bytes_to_path(line);
        collect_alternates(&objects.join(path), out, seen, depth + 1);
    }
}

/// Lower-case hex, of an id of either length.
pub fn to_hex(id: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(id.len() * 2);
    for b in id {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 15)] as char);
    }
    s
}

/// The value of each byte as a hex digit (either case); 0xff for a byte that is not one.
const HEX_VALUE: [u8; 256] = {
    let mut table = [0xff; 256];
    let mut i = 0;
    while i < 16 {
        table[b"0123456789abcdef"[i] as usize] = i as u8;
        table[b"0123456789ABCDEF"[i] as usize] = i as u8;
        i += 1;
    }
    table
};

/// The id spelled by 40 hex digits. A walk reads two or three in each of thousands of
/// commits: each digit is looked up in a table, with no branch until the end.
pub fn from_hex(hex: &[u8]) -> Option<Id> {
    let hex: &[u8; 40] = hex.try_into().ok()?;
    let mut id = [0; 20];
    let mut bad = 0;
    for (byte, pair) in id.iter_mut().zip(hex.chunks_exact(2)) {
        let (high, low) = (
            HEX_VALUE[usize::from(pair[0])],
            HEX_VALUE[usize::from(pair[1])],
        );
        bad |= high | low;
        *byte = high << 4 | low;
    }
    (bad < 16).then_some(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every byte in every place of a spelled id is read as git's `get_oid_hex` reads it: a
    /// hex digit of either case is its value, anything else refuses the id.
    #[test]
    fn ids_are_spelled_in_hex_of_either_case() {
        let id: Id = std::array::from_fn(|i| (i * 37 + 11) as u8);
        let hex = to_hex(&id).into_bytes();
        assert_eq!(from_hex(&hex), Some(id));
        assert_eq!(from_hex(&hex.to_ascii_uppercase()), Some(id));
        assert_eq!(from_hex(&hex[..39]), None);
        assert_eq!(from_hex(&[hex.as_slice(), b"0"].concat()), None);
        for at in [0, 1, 18, 39] {
            for byte in 0..=255u8 {
                let mut spelled = hex.clone();
                spelled[at] = byte;
                let expected = char::from(byte).to_digit(16).map(|value| {
                    let mut id = id;
                    let shift = if at % 2 == 0 { 4 } else { 0 };
                    id[at / 2] = id[at / 2] & !(0xf << shift) | (value as u8) << shift;
                    id
                });
                assert_eq!(from_hex(&spelled), expected, "byte {byte} at {at}");
            }
        }
    }
}
