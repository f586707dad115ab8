//! Tree objects read as git reads them (`decode_tree_entry` in git's `tree-walk.c`).
//!
//! A tree is a run of entries `MODE SP NAME NUL ID`. A mode that is empty or holds anything but
//! octal digits, an empty name, or a tree that ends inside an entry makes the whole tree
//! unreadable for git (`git ls-tree` and every walk fail on it), so it is an error here too,
//! found before any entry is used. Modes are read as git reads them: only their low 16 bits
//! count, and each is made canonical (`100644`, `100755`, `120000`, `40000`; any other type is a
//! submodule), so `100664` or `0100644` mean what they mean to git.

use std::cmp::Ordering;

use super::odb::{self, Id};
use super::Error;

/// One entry of a tree object.
#[derive(Clone, Copy)]
pub(super) struct Entry<'a> {
    /// The canonical mode.
    pub(super) mode: u32,
    pub(super) name: &'a [u8],
    pub(super) id: &'a Id,
}

impl Entry<'_> {
    pub(super) fn is_tree(&self) -> bool {
        self.mode & 0o170000 == 0o040000
    }
}

/// Checks that the tree `data` (object `id`) is one git reads.
pub(super) fn check(id: &Id, data: &[u8]) -> Result<(), Error> {
    let mut rest = data;
    while !rest.is_empty() {
        let (_, len) = parse(rest).map_err(|what| Error::BadTree(odb::to_hex(id), what))?;
        rest = &rest[len..];
    }
    Ok(())
}

/// The first entry of `data` and its length in bytes, or what is wrong with it.
fn parse(data: &[u8]) -> Result<(Entry<'_>, usize), &'static str> {
    let mut mode: u32 = 0;
    let mut i = 0;
    loop {
        match data.get(i) {
            Some(b' ') if i > 0 => break,
            Some(&digit @ b'0'..=b'7') => {
                mode = mode.wrapping_shl(3).wrapping_add(u32::from(digit - b'0'));
                i += 1;
            }
            Some(_) => return Err("malformed mode in tree entry"),
            None => return Err("too-short tree object"),
        }
    }
    let name_start = i + 1;
    let nul = data[name_start..]
        .iter()
        .position(|&b| b == 0)
        .map(|n| name_start + n)
        .ok_or("too-short tree object")?;
    if nul == name_start {
        return Err("empty filename in tree entry");
    }
    let id: &Id = data
        .get(nul + 1..nul + 21)
        .and_then(|id| id.try_into().ok())
        .ok_or("too-short tree object")?;
    let entry = Entry {
        mode: canonical(mode & 0xffff),
        name: &data[name_start..nul],
        id,
    };
    Ok((entry, nul + 21))
}

/// git's `canon_mode`: a file's mode records only the executable bit; links and trees have one
/// mode each; anything else is a submodule.
fn canonical(mode: u32) -> u32 {
    match mode & 0o170000 {
        0o100000 if mode & 0o100 != 0 => 0o100755,
        0o100000 => 0o100644,
        0o120000 => 0o120000,
        0o040000 => 0o040000,
        _ => 0o160000,
    }
}

/// The first entry of a tree that [`check`] accepted and its length in bytes; `None` at its
/// end.
pub(super) fn first_entry(data: &[u8]) -> Option<(Entry<'_>, usize)> {
    parse(data).ok()
}

/// How two trees that [`check`] accepted begin and end alike: the length of the entries both
/// begin with byte for byte (the same entries, in the same order), and how many bytes after
/// them both end with. Most trees a commit rewrites differ in an entry or two, so a comparison
/// reads the few entries between these instead of every entry of both.
pub(super) fn shared_ends(old: &[u8], new: &[u8]) -> (usize, usize) {
    let same = |a: &[u8], b: &[u8]| {
        let n = a.len().min(b.len());
        let mut i = 0;
        while i + 32 <= n && a[i..i + 32] == b[i..i + 32] {
            i += 32;
        }
        while i < n && a[i] == b[i] {
            i += 1;
        }
        i
    };
    let common = same(old, new);
    // The last entry boundary within the common bytes: a name holds no NUL, so the first NUL
    // of an entry ends its name and twenty bytes of id follow.
    let mut start = 0;
    while let Some(nul) = new[start..].iter().position(|&b| b == 0) {
        let end = start + nul + 21;
        if end > common {
            break;
        }
        start = end;
    }
    let (old, new) = (&old[start..], &new[start..]);
    let n = old.len().min(new.len());
    let mut tail = 0;
    while tail + 32 <= n
        && old[old.len() - tail - 32..old.len() - tail]
            == new[new.len() - tail - 32..new.len() - tail]
    {
        tail += 32;
    }
    while tail < n && old[old.len() - tail - 1] == new[new.len() - tail - 1] {
        tail += 1;
    }
    (start, tail)
}

/// The entries of a tree that [`check`] accepted, in its order.
pub(super) struct Entries<'a>(pub(super) &'a [u8]);

impl<'a> Iterator for Entries<'a> {
    type Item = Entry<'a>;

    fn next(&mut self) -> Option<Entry<'a>> {
        if self.0.is_empty() {
            return None;
        }
        match parse(self.0) {
            Ok((entry, len)) => {
                self.0 = &self.0[len..];
                Some(entry)
            }
            // Unreachable for a checked tree; an unchecked one ends here.
            Err(_) => {
                self.0 = &[];
                None
            }
        }
    }
}

/// git's order of tree entries: by name, a tree's name read as if it ended in `/`.
pub(super) fn tree_order(a: &Entry<'_>, b: &Entry<'_>) -> Ordering {
    let n = a.name.len().min(b.name.len());
    a.name[..n].cmp(&b.name[..n]).then_with(|| {
        let end = |e: &Entry<'_>| {
            e.name
                .get(n)
                .copied()
                .unwrap_or(if e.is_tree() { b'/' } else { 0 })
        };
        end(a).cmp(&end(b))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(mode: &[u8], name: &[u8], id: u8) -> Vec<u8> {
        let mut out = mode.to_vec();
        out.push(b' ');
        out.extend_from_slice(name);
        out.push(0);
        out.extend_from_slice(&[id; 20]);
        out
    }

    #[test]
    fn a_damaged_entry_anywhere_makes_the_tree_unreadable() {
        let good = entry(b"100644", b"ok", 1);
        assert!(check(&[0; 20], &good).is_ok());
        for bad in [
            [good.clone(), entry(b"10x644", b"bad", 2)].concat(),
            [good.clone(), entry(b"", b"no-mode", 2)].concat(),
            [good.clone(), entry(b"100644", b"", 2)].concat(),
            [good.clone(), b"100644 short\0abc".to_vec()].concat(),
            [good.clone(), b"100644 no-nul".to_vec()].concat(),
        ] {
            assert!(
                check(&[0; 20], &bad).is_err(),
                "{:?}",
                String::from_utf8_lossy(&bad)
            );
        }
    }

    /// The shared beginning ends on an entry boundary even when the first differing entry
    /// shares bytes with its counterpart (a name, a mode, an id's first bytes); the shared end
    /// never reaches into it.
    #[test]
    fn shared_ends_stop_at_whole_entries() {
        let old: Vec<u8> = (0..40)
            .flat_map(|i| entry(b"100644", format!("file{i:02}.py").as_bytes(), i))
            .collect();
        let entry_len = old.len() / 40;
        // Entry 17 changed in the last byte of its id, in its name's last letter, in its mode.
        for (at, byte) in [(entry_len - 1, 0xff), (15, b'x'), (5, b'5')] {
            let mut new = old.clone();
            new[17 * entry_len + at] = byte;
            let (start, tail) = shared_ends(&old, &new);
            assert_eq!(start, 17 * entry_len);
            // The 22 entries after it, and maybe the end of entry 17 itself.
            assert!(tail >= 22 * entry_len, "{tail}");
            assert!(tail < entry_len * 23);
            assert_eq!(old[old.len() - tail..], new[new.len() - tail..]);
        }
        // An entry more at the end, and none at all.
        let longer = [old.clone(), entry(b"100644", b"zz", 9)].concat();
        assert_eq!(shared_ends(&old, &longer), (old.len(), 0));
        assert_eq!(shared_ends(&[], &old), (0, 0));
        assert_eq!(shared_ends(&old, &old).0, old.len());
    }

    #[test]
    fn modes_are_read_as_git_reads_them() {
        let modes = |data: &[u8]| -> Vec<u32> { Entries(data).map(|e| e.mode).collect() };
        let data = [
            entry(b"100664", b"a", 1),
            entry(b"0100755", b"b", 1),
            entry(b"40000", b"c", 1),
            entry(b"1", b"d", 1),
            entry(b"7777100644", b"e", 1),
        ]
        .concat();
        assert!(check(&[0; 20], &data).is_ok());
        assert_eq!(
            modes(&data),
            [0o100644, 0o100755, 0o040000, 0o160000, 0o100644]
        );
    }
}
