//! Commit objects as git reads them: the tree and parents a walk follows, the date it orders
//! by, and the author and summary a report shows.

use super::odb::{self, Id};
use crate::report::CommitInfo;

/// What a walk needs of a commit.
pub(super) struct Commit {
    pub(super) id: Id,
    pub(super) tree: Id,
    pub(super) parents: Vec<Id>,
    /// The commit date as git reads it for ordering walks (see [`commit_date`]).
    pub(super) time: u64,
    pub(super) info: CommitInfo,
}

impl Commit {
    /// Parses a commit object as git's `parse_commit_buffer` does: the `tree` line first, then
    /// the `parent` lines right after it (see [`links`]); a `parent` line anywhere else names
    /// no parent (git, libgit2 and fsck all read such a commit as parentless). `None` for a
    /// commit git refuses.
    pub(super) fn parse(id: &Id, data: &[u8]) -> Option<Commit> {
        let (tree, parents, mut rest) = links(data)?;
        let time = commit_date(rest);
        let mut author = None;
        while let Some(end) = rest.iter().position(|&b| b == b'\n') {
            let line = &rest[..end];
            rest = &rest[end + 1..];
            if line.is_empty() {
                break;
            }
            if let Some(who) = line.strip_prefix(b"author ") {
                author = author.or(Some(who));
            }
        }
        let author = Signature::parse(author.unwrap_or_default());
        Some(Commit {
            id: *id,
            tree,
            parents,
            time,
            info: CommitInfo {
                id: odb::to_hex(id),
                time: author.time,
                offset_minutes: author.offset_minutes,
                author: format!(
                    "{} <{}>",
                    String::from_utf8_lossy(author.name),
                    String::from_utf8_lossy(author.email)
                ),
                subject: String::from_utf8_lossy(&summary(rest)).into_owned(),
            },
        })
    }
}

/// The tree and date of a commit (as [`Commit::parse`] reads them), its parents pushed onto
/// `parents`, for walks that need nothing else of it; nothing is pushed for a commit git
/// refuses.
pub(super) fn links_and_date_into(data: &[u8], parents: &mut Vec<Id>) -> Option<(Id, u64)> {
    let start = parents.len();
    match links_into(data, parents) {
        Some((tree, rest)) => Some((tree, commit_date(rest))),
        None => {
            parents.truncate(start);
            None
        }
    }
}

/// The tree and parents of a commit as git's `parse_commit_buffer` reads them, and the headers
/// after them: `tree <hex>` first, then each `parent <hex>` right after it. git counts bytes,
/// not lines: each of those lines must be followed by at least one more byte; where fewer
/// bytes are left than a whole `parent` line and its newline, git looks for no more parents
/// (a short `parent` line at the end names none); where more are left, a line that starts
/// with `parent ` must be a whole one. `None` for a commit git refuses.
fn links(data: &[u8]) -> Option<(Id, Vec<Id>, &[u8])> {
    let mut parents = Vec::new();
    let (tree, rest) = links_into(data, &mut parents)?;
    Some((tree, parents, rest))
}

/// [`links`], the parents pushed onto `parents`.
fn links_into<'d>(data: &'d [u8], parents: &mut Vec<Id>) -> Option<(Id, &'d [u8])> {
    let rest = data.strip_prefix(b"tree ")?;
    if rest.len() <= 41 || rest[40] != b'\n' {
        return None;
    }
    let tree = odb::from_hex(&rest[..40])?;
    let mut rest = &rest[41..];
    while rest.len() > 47 && rest.starts_with(b"parent ") {
        if rest.len() <= 48 || rest[47] != b'\n' {
            return None;
        }
        parents.push(odb::from_hex(&rest[7..47])?);
        rest = &rest[48..];
    }
    Some((tree, rest))
}

/// The date git orders commits by (`parse_commit_date`), from the headers after the parent
/// lines: an `author` line must come first and a `committer` line right after it; the number
/// after the line's last `>` (and any spaces) is the date, read as `strtoumax` reads it (a
/// leading `-` wraps around, too large a number is the largest). Anything else is 0.
fn commit_date(headers: &[u8]) -> u64 {
    let Some(rest) = headers.strip_prefix(b"author") else {
        return 0;
    };
    let Some(eol) = rest.iter().position(|&b| b == b'\n') else {
        return 0;
    };
    let line = &rest[eol + 1..];
    // git wants more bytes than the word itself.
    if line.len() <= 9 || !line.starts_with(b"committer") {
        return 0;
    }
    let Some(eol) = line.iter().position(|&b| b == b'\n') else {
        return 0;
    };
    let line = &line[..eol];
    let Some(close) = line.iter().rposition(|&b| b == b'>') else {
        return 0;
    };
    let mut date = &line[close + 1..];
    while let [b' ' | b'\t' | b'\r', tail @ ..] = date {
        date = tail;
    }
    let (negative, digits) = match date {
        [b'-', tail @ ..] => (true, tail),
        _ => (false, date),
    };
    let digits = &digits[..digits
        .iter()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(digits.len())];
    let mut value: u64 = 0;
    for &d in digits {
        match value
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(d - b'0')))
        {
            Some(v) => value = v,
            None => return u64::MAX,
        }
    }
    if negative {
        value.wrapping_neg()
    } else {
        value
    }
}

/// An `author` or `committer` line: `Name <email> seconds +hhmm`.
struct Signature<'a> {
    name: &'a [u8],
    email: &'a [u8],
    time: i64,
    offset_minutes: i32,
}

impl<'a> Signature<'a> {
    /// Reads the line as libgit2 does: the email is between the last `<` and `>`, the name
    /// before it, both trimmed; a missing or garbled time is 0.
    fn parse(line: &'a [u8]) -> Signature<'a> {
        let close = line.iter().rposition(|&b| b == b'>');
        let open = close.and_then(|c| line[..c].iter().rposition(|&b| b == b'<'));
        let (name, email, tail) = match (open, close) {
            (Some(o), Some(c)) => (&line[..o], &line[o + 1..c], &line[c + 1..]),
            _ => (line, &line[..0], &line[..0]),
        };
        let mut words = tail
            .split(|b| b.is_ascii_whitespace())
            .filter(|w| !w.is_empty());
        let time = words
            .next()
            .and_then(|w| std::str::from_utf8(w).ok()?.parse().ok())
            .unwrap_or(0);
        let offset_minutes = words.next().and_then(parse_offset).unwrap_or(0);
        Signature {
            name: name.trim_ascii(),
            email: email.trim_ascii(),
            time,
            offset_minutes,
        }
    }
}

/// `+hhmm` or `-hhmm` as minutes east of UTC.
fn parse_offset(word: &[u8]) -> Option<i32> {
    let (sign, digits) = match word.split_first()? {
        (b'+', d) => (1, d),
        (b'-', d) => (-1, d),
        _ => return None,
    };
    let value: i32 = std::str::from_utf8(digits).ok()?.parse().ok()?;
    Some(sign * (value / 100 * 60 + value % 100))
}

/// A commit message's summary as libgit2 gives it: its first paragraph, with runs of
/// whitespace that hold a line break turned into one space and trailing whitespace dropped.
fn summary(message: &[u8]) -> Vec<u8> {
    let start = message
        .iter()
        .position(|&b| b != b'\n')
        .unwrap_or(message.len());
    let message = &message[start..];
    let message = &message[..message
        .iter()
        .position(|&b| b == 0)
        .unwrap_or(message.len())];
    let mut out = Vec::new();
    let mut space: Option<(usize, bool)> = None;
    for (i, &c) in message.iter().enumerate() {
        if c == b'\n' {
            let next = &message[i + 1..];
            let blank = next
                .iter()
                .position(|&b| !matches!(b, b' ' | b'\t' | b'\r' | b'\x0b' | b'\x0c'))
                .is_none_or(|j| next[j] == b'\n');
            if blank {
                break;
            }
        }
        if c.is_ascii_whitespace() || c == b'\x0b' {
            let (at, newline) = space.unwrap_or((i, false));
            space = Some((at, newline || c == b'\n'));
        } else {
            if let Some((at, newline)) = space.take() {
                if newline {
                    out.push(b' ');
                } else {
                    out.extend_from_slice(&message[at..i]);
                }
            }
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_is_the_first_paragraph_squashed() {
        let s = |m: &str| String::from_utf8(summary(m.as_bytes())).unwrap();
        assert_eq!(s("add env\n"), "add env");
        assert_eq!(s("\n\nadd env\n\nbody\n"), "add env");
        assert_eq!(s("add\nthe env\n\nbody"), "add the env");
        assert_eq!(s("add  the\tenv  \n"), "add  the\tenv");
        assert_eq!(s("add\n   \nbody"), "add");
        assert_eq!(s(""), "");
    }

    #[test]
    fn tree_and_parents_are_read_as_git_counts_them() {
        let tree = format!("tree {}\n", "a".repeat(40));
        let parent = format!("parent {}\n", "b".repeat(40));
        let read = |data: String| links(data.as_bytes()).map(|(_, parents, _)| parents.len());
        assert_eq!(read(format!("{tree}{parent}author x\n")), Some(1));
        assert_eq!(read(format!("{tree}author x\n{parent}x")), Some(0));
        // Nothing after the tree line, or after the last parent line: git refuses the commit.
        assert_eq!(read(tree.clone()), None);
        assert_eq!(read(format!("{tree}{parent}")), None);
        // A damaged parent line with room for a whole one is refused; a short one at the end
        // names no parent.
        assert_eq!(read(format!("{tree}{}\r", parent.trim_end())), None);
        assert_eq!(read(format!("{tree}parent {}\nx", "g".repeat(40))), None);
        assert_eq!(read(format!("{tree}parent abc\n")), Some(0));
    }

    #[test]
    fn signatures_read_like_libgit2() {
        let sig = Signature::parse(b"A U Thor <a@example.com> 1700000000 +0130");
        assert_eq!(sig.name, b"A U Thor");
        assert_eq!(sig.email, b"a@example.com");
        assert_eq!((sig.time, sig.offset_minutes), (1_700_000_000, 90));
        let sig = Signature::parse(b"Odd <name> <odd@example.com> 5 -0800");
        assert_eq!(sig.name, b"Odd <name>");
        assert_eq!((sig.time, sig.offset_minutes), (5, -480));
        let sig = Signature::parse(b"no email at all");
        assert_eq!((sig.name, sig.time), (&b"no email at all"[..], 0));
    }
}
