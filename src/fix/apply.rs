//! Carrying out a plan: atomically, verified, and undone on any failure.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::plan::{is_ignored, paths_of};
use super::{Applied, EnvFix, Error, IgnoreEdit, IndexAccess, Plan};
use crate::source::git::Repo;
use crate::source::walk;
use crate::support::escape;
use crate::support::paths::{bytes_to_path, join};

/// Carries out `plan`. On any error the repository is left as it was.
pub(crate) fn apply(
    repo: &Repo,
    top: &Path,
    plan: &Plan,
    access: IndexAccess,
) -> Result<Applied, Error> {
    let mut applied = Applied::default();
    let stage = plan.to_stage();
    let needs_index = !plan.untrack.is_empty() || !stage.is_empty();
    let lock = match access {
        IndexAccess::Lock if needs_index => Some(repo.lock_index()?),
        _ => None,
    };

    let mut undo = Undo::default();
    let result = (|| -> Result<(), Error> {
        if let Some(freeze) = &plan.freeze {
            undo.save(&freeze.path)?;
            write_atomic(&freeze.path, freeze.content.as_bytes())?;
            applied.freeze = Some((freeze.path.clone(), freeze.count));
        }
        // The lock is held now: a fix that ran meanwhile may have ignored some environments
        // already, and its rules must not be written twice.
        let done: Vec<&[u8]> = plan
            .envs
            .iter()
            .filter(|e| !e.already_ignored && is_ignored(repo, top, &e.targets))
            .map(|e| e.finding.env.root.as_slice())
            .collect();
        for edit in &plan.edits {
            let mut edit = edit.clone();
            let keep: Vec<bool> = edit
                .owners
                .iter()
                .map(|o| !done.contains(&o.as_slice()))
                .collect();
            let mut flags = keep.iter();
            edit.lines.retain(|_| *flags.next().unwrap_or(&true));
            let mut flags = keep.iter();
            edit.owners.retain(|_| *flags.next().unwrap_or(&true));
            if edit.lines.is_empty() {
                continue;
            }
            append_to(&mut undo, top, &edit.file, &edit.lines)?;
            applied.edits.push(edit);
        }
        for job in plan.envs.iter().filter(|e| !e.already_ignored) {
            if is_ignored(repo, top, &job.targets) {
                continue;
            }
            // A negation in a nested .gitignore beats the root one: the nearest .gitignore
            // above each owned path is the deepest git reads for it.
            let mut by_file: Vec<IgnoreEdit> = Vec::new();
            for target in &job.targets {
                let Some(slash) = target.path.iter().rposition(|&b| b == b'/') else {
                    return Err(defeated(top, job));
                };
                let (parent, name) = (&target.path[..slash], &target.path[slash + 1..]);
                let literal = escape::gitignore_literal(name)
                    .ok_or_else(|| Error::Inexpressible(target.path.clone()))?;
                let line = format!("/{literal}{}", if target.dir { "/" } else { "" });
                let file = join(parent, b".gitignore");
                match by_file.iter_mut().find(|e| e.file == file) {
                    Some(edit) => {
                        edit.lines.push(line);
                        edit.owners.push(job.finding.env.root.clone());
                    }
                    None => by_file.push(IgnoreEdit {
                        file,
                        lines: vec![line],
                        stage: true,
                        owners: vec![job.finding.env.root.clone()],
                    }),
                }
            }
            for edit in by_file {
                append_to(&mut undo, top, &edit.file, &edit.lines)?;
                applied.edits.push(edit);
            }
            if !is_ignored(repo, top, &job.targets) {
                return Err(defeated(top, job));
            }
        }
        let stage: Vec<Vec<u8>> = applied
            .edits
            .iter()
            .filter(|e| e.stage)
            .map(|e| e.file.clone())
            .collect();
        match lock {
            Some(lock) => {
                let change = lock.commit(&plan.untrack, &stage)?;
                applied.removed = change.removed;
                applied.staged = change.staged;
            }
            None if needs_index => {
                if !plan.untrack.is_empty() {
                    let words: Vec<String> =
                        plan.untrack.iter().map(|p| escape::shell_word(p)).collect();
                    applied
                        .deferred
                        .push(format!("git rm -r --cached --quiet -- {}", words.join(" ")));
                }
                if !stage.is_empty() {
                    let words: Vec<String> = stage.iter().map(|p| escape::shell_word(p)).collect();
                    applied
                        .deferred
                        .push(format!("git add -- {}", words.join(" ")));
                }
            }
            None => {}
        }
        Ok(())
    })();
    match result {
        Ok(()) => Ok(applied),
        Err(e) => {
            undo.restore();
            Err(e)
        }
    }
}

fn defeated(top: &Path, job: &EnvFix) -> Error {
    let example = walk::unignored_files(top, &paths_of(&job.targets), 1)
        .into_iter()
        .next()
        .unwrap_or_else(|| job.finding.env.root.clone());
    Error::Defeated {
        root: job.finding.env.root.clone(),
        example,
    }
}

/// A file's content and permissions before the fix touched it.
type Before = Option<(Vec<u8>, fs::Permissions)>;

/// The previous content of every file written, to put back on failure.
#[derive(Default)]
struct Undo {
    saved: Vec<(PathBuf, Before)>,
}

impl Undo {
    /// Remembers `path` as it is now (or that it does not exist), once.
    fn save(&mut self, path: &Path) -> Result<(), Error> {
        if self.saved.iter().any(|(p, _)| p == path) {
            return Ok(());
        }
        let before = match fs::symlink_metadata(path) {
            Ok(md) => {
                if !md.file_type().is_file() {
                    return Err(Error::NotAFile(path.to_path_buf()));
                }
                if md.permissions().readonly() {
                    return Err(Error::ReadOnly(path.to_path_buf()));
                }
                let bytes =
                    fs::read(path).map_err(|e| Error::Io("cannot read", path.to_path_buf(), e))?;
                Some((bytes, md.permissions()))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(Error::Io("cannot read", path.to_path_buf(), e)),
        };
        self.saved.push((path.to_path_buf(), before));
        Ok(())
    }

    fn restore(self) {
        for (path, before) in self.saved.into_iter().rev() {
            let _ = match before {
                Some((bytes, perms)) => write_atomic(&path, &bytes).and_then(|()| {
                    fs::set_permissions(&path, perms)
                        .map_err(|e| Error::Io("cannot restore", path.clone(), e))
                }),
                None => {
                    fs::remove_file(&path).map_err(|e| Error::Io("cannot remove", path.clone(), e))
                }
            };
        }
    }
}

/// Appends `lines` to the file `rel` of the working tree `top` (creating it), atomically,
/// keeping its bytes, its line endings and its permissions.
fn append_to(undo: &mut Undo, top: &Path, rel: &[u8], lines: &[String]) -> Result<(), Error> {
    let path = &top.join(bytes_to_path(rel));
    inside(top, rel)?;
    undo.save(path)?;
    let current = fs::read(path).ok();
    write_atomic(path, &append_lines(current.as_deref(), lines))
}

/// Refuses a file of the working tree `top` that is reached through a symlink or a
/// non-directory: every folder between `top` and the file must be a real directory, so that
/// a write never lands outside the repository (the file itself is checked by [`Undo::save`],
/// and replaced by a rename, which does not follow a link).
fn inside(top: &Path, rel: &[u8]) -> Result<(), Error> {
    let mut dir = top.to_path_buf();
    let components: Vec<&[u8]> = rel.split(|&b| b == b'/').collect();
    for name in &components[..components.len().saturating_sub(1)] {
        if name.is_empty() || *name == b"." || *name == b".." {
            return Err(Error::Outside(top.join(bytes_to_path(rel))));
        }
        dir.push(bytes_to_path(name));
        match fs::symlink_metadata(&dir) {
            Ok(md) if md.file_type().is_dir() => {}
            Ok(_) => return Err(Error::Outside(dir)),
            Err(e) => return Err(Error::Io("cannot read", dir, e)),
        }
    }
    Ok(())
}

/// `existing` with `lines` appended: the existing bytes unchanged, a line ending added first
/// when the last line has none, each new line ended the way the file ends its lines (CRLF when
/// its first line ending is CRLF, else LF).
pub(crate) fn append_lines(existing: Option<&[u8]>, lines: &[String]) -> Vec<u8> {
    let existing = existing.unwrap_or_default();
    let eol: &[u8] = match existing.iter().position(|&b| b == b'\n') {
        Some(i) if i > 0 && existing[i - 1] == b'\r' => b"\r\n",
        _ => b"\n",
    };
    let mut out = existing.to_vec();
    if !out.is_empty() && !out.ends_with(b"\n") {
        out.extend_from_slice(eol);
    }
    for line in lines {
        out.extend_from_slice(line.as_bytes());
        out.extend_from_slice(eol);
    }
    out
}

/// Replaces `path` with `bytes` atomically (see [`crate::support::atomic::write`]).
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    crate::support::atomic::write(path, bytes)
        .map_err(|e| Error::Io("cannot write", path.to_path_buf(), e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appending_keeps_bytes_and_line_endings() {
        let lines = vec!["/venv/".to_owned()];
        assert_eq!(append_lines(None, &lines), b"/venv/\n");
        assert_eq!(append_lines(Some(b""), &lines), b"/venv/\n");
        assert_eq!(append_lines(Some(b"a\nb\n"), &lines), b"a\nb\n/venv/\n");
        assert_eq!(append_lines(Some(b"a\nb"), &lines), b"a\nb\n/venv/\n");
        assert_eq!(
            append_lines(Some(b"a\r\nb\r\n"), &lines),
            b"a\r\nb\r\n/venv/\r\n"
        );
        assert_eq!(
            append_lines(Some(b"a\r\nb"), &lines),
            b"a\r\nb\r\n/venv/\r\n"
        );
        assert_eq!(
            append_lines(Some(b"\xff\x00 binary"), &lines),
            b"\xff\x00 binary\n/venv/\n"
        );
    }
}
