//! Reading whole files: large ones are mapped into memory (on Unix), the rest read.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// A file at least this large is mapped rather than read: reading copies every byte into
/// freshly zeroed pages (7 ms for a 23 MB index, a quarter of a `scan --tracked`), mapping
/// shares the page cache's pages.
#[cfg(unix)]
const MAP_FROM: u64 = 1 << 20;

/// A file's bytes, read into memory or mapped.
#[derive(Clone, Default)]
pub(crate) struct Bytes(Inner);

#[derive(Clone)]
enum Inner {
    Read(Vec<u8>),
    #[cfg(unix)]
    Mapped(std::sync::Arc<memmap2::Mmap>),
}

impl Default for Inner {
    fn default() -> Inner {
        Inner::Read(Vec::new())
    }
}

impl From<Vec<u8>> for Bytes {
    fn from(bytes: Vec<u8>) -> Bytes {
        Bytes(Inner::Read(bytes))
    }
}

impl std::ops::Deref for Bytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match &self.0 {
            Inner::Read(bytes) => bytes,
            #[cfg(unix)]
            Inner::Mapped(map) => map,
        }
    }
}

impl std::fmt::Debug for Bytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Bytes({} bytes)", self.len())
    }
}

/// The bytes of a file that is only ever replaced by a rename, never rewritten in place, such
/// as git's index (git and libgit2 write `index.lock` and rename it over `index`).
pub(crate) fn read_replaced_by_rename(path: &Path) -> io::Result<Bytes> {
    regular(path)?;
    let mut file = File::open(path)?;
    let len = file.metadata()?.len();
    #[cfg(unix)]
    if len >= MAP_FROM {
        if let Ok(map) = map(&file) {
            return Ok(Bytes(Inner::Mapped(std::sync::Arc::new(map))));
        }
    }
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    file.read_to_end(&mut bytes)?;
    Ok(bytes.into())
}

/// All `len` bytes of `file`, mapped read-only; `None` where it cannot be mapped (or on a
/// platform where files are not mapped). Only for files replaced by a rename, never written
/// in place, such as git's packs.
pub(crate) fn map_read_only(file: &File, len: u64) -> Option<Bytes> {
    #[cfg(unix)]
    if let Ok(map) = map(file) {
        if map.len() as u64 == len {
            return Some(Bytes(Inner::Mapped(std::sync::Arc::new(map))));
        }
    }
    let _ = (file, len);
    None
}

/// Fails unless `path` is a regular file (through symlinks): opening a FIFO blocks until a
/// writer comes, and a device such as `/dev/zero` never ends.
fn regular(path: &Path) -> io::Result<std::fs::Metadata> {
    let md = std::fs::metadata(path)?;
    if md.is_file() {
        Ok(md)
    } else {
        Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file (a FIFO, a device or a directory)",
        ))
    }
}

/// Reads the regular file at `path` whole, refusing what is not one (see `regular`) and a file
/// larger than `limit` bytes.
pub(crate) fn read_regular(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    let md = regular(path)?;
    if md.len() > limit {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{} bytes, more than the {limit} read", md.len()),
        ));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(md.len()).unwrap_or(0));
    File::open(path)?.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "the file grew past its limit",
        ));
    }
    Ok(bytes)
}

#[cfg(unix)]
#[allow(unsafe_code)]
fn map(file: &File) -> io::Result<memmap2::Mmap> {
    // SAFETY: the mapping is undefined behaviour only if the file changes while it is mapped.
    // The files mapped here are replaced by a rename, never written in place: the mapped inode
    // keeps its content until it is unmapped (as git itself maps its index).
    unsafe { memmap2::Mmap::map(file) }
}

/// Fills `buf` from `file` at offset `at`.
#[cfg(unix)]
pub(crate) fn read_exact_at(file: &File, buf: &mut [u8], at: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, at)
}

/// Fills `buf` from `file` at offset `at`.
#[cfg(windows)]
pub(crate) fn read_exact_at(file: &File, mut buf: &mut [u8], mut at: u64) -> io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        match file.seek_read(buf, at)? {
            0 => return Err(io::ErrorKind::UnexpectedEof.into()),
            n => {
                buf = &mut buf[n..];
                at += n as u64;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn small_and_large_files_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("file");
        for len in [0, 5, 3 << 20] {
            let bytes: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            std::fs::write(&path, &bytes).unwrap();
            let read = super::read_replaced_by_rename(&path).unwrap();
            assert_eq!(&read[..], &bytes[..]);
            // A replacement by rename leaves what was read as it was.
            let next = dir.path().join("next");
            std::fs::write(&next, b"replaced").unwrap();
            std::fs::rename(&next, &path).unwrap();
            assert_eq!(&read[..], &bytes[..]);
        }
        assert_eq!(
            super::read_replaced_by_rename(&dir.path().join("missing"))
                .unwrap_err()
                .kind(),
            std::io::ErrorKind::NotFound
        );
    }
}
