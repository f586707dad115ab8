//! The object store as every SHA-1 mode reads it: venv-guard's own reader ([`Odb`]) first, and
//! for what it does not find (a pack index of version 1, an object that arrived after the store
//! was opened, a pack whose index it refused) one `git cat-file --batch`.
//!
//! libgit2 never reads an object: crafted packs make it crash (an index offset past the end of
//! its pack) or spin (a delta that names itself as its base), and the own reader and git both
//! turn those into errors. libgit2 still opens the repository, reads refs, configuration and
//! ignore rules, and writes blobs and the index.

use std::path::PathBuf;
use std::rc::Rc;

use super::cli::Cli;
use super::odb::{self, Id, Kind, Odb};
use super::{tree_object, Error};

/// Where a repository's objects are: enough to open a [`Store`] on any thread.
#[derive(Clone)]
pub(super) struct StorePlace {
    /// The object directories git reads (the repository's own, then any from the
    /// environment).
    pub(super) objects: Vec<PathBuf>,
    /// The repository's common directory, for `git`.
    pub(super) common: PathBuf,
    /// The packs opened so far, for every reader of these objects.
    pub(super) opened: super::pack::Opened,
}

/// The object store, with `git` behind it for what [`Odb`] does not find.
pub(super) struct Store {
    odb: Odb,
    common: PathBuf,
    git: Option<Cli>,
    /// The last commit [`Store::commit_links_into`] read, its buffer kept for the next.
    scratch: Vec<u8>,
}

/// How many annotated tags in a row are followed to the object they name.
const MAX_TAG_CHAIN: usize = 10_000;

impl Store {
    pub(super) fn open(place: &StorePlace) -> Store {
        Store {
            odb: Odb::open_sharing(&place.objects, &place.opened),
            common: place.common.clone(),
            git: None,
            scratch: Vec::new(),
        }
    }

    /// See [`Odb::cache_bytes`].
    pub(super) fn cache_bytes(&self, most: usize) -> usize {
        self.odb.cache_bytes(most)
    }

    /// `git`, started on first use.
    fn git(&mut self) -> &Cli {
        let common = &self.common;
        self.git.get_or_insert_with(|| Cli::for_objects(common))
    }

    /// The object `id`, whatever it is; `None` when no store has it.
    fn read_any(&mut self, id: &Id) -> Result<Option<odb::Object>, Error> {
        if let Some(object) = self.odb.read(id).map_err(Error::Odb)? {
            return Ok(Some(object));
        }
        self.git().read_object(id)
    }

    /// The content of object `id`, which must be a `kind`.
    pub(super) fn read(&mut self, id: &Id, kind: Kind) -> Result<Rc<Vec<u8>>, Error> {
        let object = self
            .read_any(id)?
            .ok_or(Error::Odb(odb::Error::Missing(*id)))?;
        if object.kind != kind {
            return Err(Error::Odb(odb::Error::WrongKind(*id, kind)));
        }
        Ok(object.data)
    }

    /// The tree `id`, checked to be one git reads.
    pub(super) fn tree(&mut self, id: &Id) -> Result<Rc<Vec<u8>>, Error> {
        let data = self.read(id, Kind::Tree)?;
        tree_object::check(id, &data)?;
        Ok(data)
    }

    /// The kind and size of object `id`, from its headers; `None` when no store has it.
    pub(super) fn header(&mut self, id: &Id) -> Result<Option<(Kind, u64)>, Error> {
        if let Some(found) = self.odb.header(id).map_err(Error::Odb)? {
            return Ok(Some(found));
        }
        self.git().object_header(id)
    }

    /// The kinds and sizes of `ids`, each as [`Store::header`] gives it, read in pack order.
    pub(super) fn headers(&mut self, ids: &[Id]) -> Vec<Result<Option<(Kind, u64)>, Error>> {
        let found = self.odb.headers(ids);
        found
            .into_iter()
            .zip(ids)
            .map(|(found, id)| match found {
                Ok(Some(header)) => Ok(Some(header)),
                Ok(None) => self.git().object_header(id),
                Err(e) => Err(Error::Odb(e)),
            })
            .collect()
    }

    /// The kind of object `id`, read from its header alone.
    fn kind(&mut self, id: &Id) -> Result<Kind, Error> {
        self.header(id)?
            .map(|(kind, _)| kind)
            .ok_or(Error::Odb(odb::Error::Missing(*id)))
    }

    /// Follows a chain of annotated tags from `id` to the object at its end: git follows one to
    /// its end, and so does this, up to a bound no real repository nears, past which it says
    /// so rather than passing the ref over. `None` for a tag git does not follow either: one
    /// [`tag_target`] refuses, or one whose target is not of the kind its `type` line says.
    pub(super) fn peel(&mut self, id: Id) -> Result<Option<(Id, Kind)>, Error> {
        let mut id = id;
        let mut claimed = None;
        for _ in 0..MAX_TAG_CHAIN {
            let kind = self.kind(&id)?;
            if claimed.is_some_and(|claimed| claimed != kind) {
                return Ok(None);
            }
            match kind {
                Kind::Tag => {
                    let tag = self.read(&id, Kind::Tag)?;
                    match tag_target(&tag) {
                        Some((target, kind)) => (id, claimed) = (target, Some(kind)),
                        None => return Ok(None),
                    }
                }
                kind => return Ok(Some((id, kind))),
            }
        }
        Err(Error::TagChain(odb::to_hex(&id), MAX_TAG_CHAIN))
    }

    /// The commit a ref's target names: itself, or what an annotated tag (or a chain of them)
    /// points at; `None` for a tag of a tree or a blob.
    pub(super) fn peel_to_commit(&mut self, id: Id) -> Result<Option<Id>, Error> {
        Ok(match self.peel(id)? {
            Some((commit, Kind::Commit)) => Some(commit),
            _ => None,
        })
    }

    /// The tree a commit-ish or tree-ish names; `None` for a blob (or a tag of one).
    pub(super) fn peel_to_tree(&mut self, id: Id) -> Result<Option<Id>, Error> {
        Ok(match self.peel(id)? {
            Some((commit, Kind::Commit)) => Some(self.commit(&commit)?.tree),
            Some((tree, Kind::Tree)) => Some(tree),
            _ => None,
        })
    }

    /// Reads and parses commit `id`.
    pub(super) fn commit(&mut self, id: &Id) -> Result<super::commit_object::Commit, Error> {
        let data = self.read(id, Kind::Commit)?;
        super::commit_object::Commit::parse(id, &data)
            .ok_or(Error::Odb(odb::Error::WrongKind(*id, Kind::Commit)))
    }

    /// The tree, parents and date of commit `id` (see [`super::commit_object::links_and_date_into`]).
    pub(super) fn commit_links(&mut self, id: &Id) -> Result<(Id, Vec<Id>, u64), Error> {
        let mut parents = Vec::new();
        let (tree, time) = self.commit_links_into(id, &mut parents)?;
        Ok((tree, parents, time))
    }

    /// [`Store::commit_links`], the parents pushed onto `parents`; a packed commit is read
    /// into a buffer kept from one commit to the next.
    pub(super) fn commit_links_into(
        &mut self,
        id: &Id,
        parents: &mut Vec<Id>,
    ) -> Result<(Id, u64), Error> {
        let mut buf = std::mem::take(&mut self.scratch);
        let read = match self.odb.read_whole_into(id, Kind::Commit, &mut buf) {
            Ok(true) => super::commit_object::links_and_date_into(&buf, parents),
            Ok(false) => {
                let data = self.read(id, Kind::Commit)?;
                super::commit_object::links_and_date_into(&data, parents)
            }
            Err(e) => Err(Error::Odb(e))?,
        };
        self.scratch = buf;
        read.ok_or(Error::Odb(odb::Error::WrongKind(*id, Kind::Commit)))
    }

    /// At most `limit` bytes of blob `id`; `None` for a blob larger than `max` (read from its
    /// header first), or for an id that names no readable blob.
    pub(super) fn blob_head(&mut self, id: &Id, limit: usize, max: u64) -> Option<Vec<u8>> {
        match self.header(id).ok()?? {
            (Kind::Blob, size) if size <= max => {}
            _ => return None,
        }
        let data = self.read(id, Kind::Blob).ok()?;
        Some(data[..data.len().min(limit)].to_vec())
    }
}

/// The object a tag names and the kind its `type` line says it is, read as git's
/// `parse_tag_buffer` reads a tag: `object <hex>`, `type <kind>` and `tag <name>` lines, in
/// that order, each ending in a newline; `None` for a tag git refuses to follow.
fn tag_target(tag: &[u8]) -> Option<(Id, Kind)> {
    // git refuses a tag shorter than an id's hex and 24 bytes before it reads a line.
    if tag.len() < 40 + 24 {
        return None;
    }
    let rest = tag.strip_prefix(b"object ")?;
    let target = odb::from_hex(rest.get(..40)?)?;
    let rest = rest[40..].strip_prefix(b"\n")?.strip_prefix(b"type ")?;
    let end = rest.iter().position(|&b| b == b'\n')?;
    let kind = Kind::from_name(&rest[..end])?;
    let name = rest[end + 1..].strip_prefix(b"tag ")?;
    name.contains(&b'\n').then_some((target, kind))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_followed_only_where_git_follows_them() {
        let object = format!("object {}\n", "a".repeat(40));
        let target = |tag: String| tag_target(tag.as_bytes()).map(|(_, kind)| kind);
        let whole = format!("{object}type commit\ntag v1.0\ntagger T <t@example.com> 1 +0000\n");
        assert_eq!(target(whole), Some(Kind::Commit));
        assert_eq!(
            target(format!(
                "object {}\ntype tree\ntag {}\n",
                "A".repeat(40),
                "v".repeat(9)
            )),
            Some(Kind::Tree)
        );
        for refused in [
            // Too short for git to read at all, though every line is there.
            format!("{object}type tag\ntag v\n"),
            format!(
                "{}junk\ntype commit\ntag v1.0\n\nmessage\n",
                object.trim_end()
            ),
            format!("{object}type commitx\ntag v1.0\n\nmessage\n"),
            format!("{object}tag v1.0\ntagger T <t@example.com> 1 +0000\n"),
            format!("{object}type commit\ntagger T <t@example.com> 1 +0000\n"),
            format!("{object}type commit\ntag v1.0 and no newline"),
        ] {
            assert_eq!(target(refused.clone()), None, "{refused:?}");
        }
    }
}
