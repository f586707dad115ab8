//! The `git` on `PATH` as the source, for repositories that libgit2 cannot open: SHA-256 object
//! names (`git init --object-format=sha256`) and reftable refs (`--ref-format=reftable`), the
//! defaults git 3.0 announces. A hook always has that `git` (it is what runs the hook), and
//! these repositories are read through a few of its plumbing commands: `rev-parse` to open,
//! `diff --cached` for the staged paths, one `cat-file --batch` for blob contents,
//! `check-ignore` for ignore rules. The index itself is read by venv-guard's own reader, with
//! the repository's id length.

use std::cell::RefCell;
use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use super::{odb, Error, ObjectId, MAX_BLOB_READ};
use crate::detect::{Listed, Meta, Mode};
use crate::report::CommitInfo;
use crate::support::paths::bytes_to_path;

/// A repository opened through `git`.
pub(crate) struct Cli {
    git_dir: PathBuf,
    common_dir: PathBuf,
    work_tree: Option<PathBuf>,
    /// 20 (SHA-1) or 32 (SHA-256).
    pub(crate) oid_len: usize,
    /// Hooks inherit `GIT_INDEX_FILE` and the like from git; other modes clear them.
    from_env: bool,
    /// What libgit2 could not open, for the modes that still need it.
    pub(crate) format: (&'static str, &'static str),
    /// One `git cat-file --batch`, started on first use.
    cat: RefCell<Option<CatFile>>,
    /// One `git cat-file --batch-check`, started on first use.
    check: RefCell<Option<CatFile>>,
}

struct CatFile {
    child: Child,
    input: ChildStdin,
    output: BufReader<ChildStdout>,
}

impl Drop for CatFile {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Cli {
    /// Opens the repository at or above `dir` (the current directory for a hook), whose
    /// format libgit2 refused as `format`.
    pub(crate) fn open(
        dir: &Path,
        from_env: bool,
        format: (&'static str, &'static str),
    ) -> Result<Cli, Error> {
        let rev_parse = |with_top: bool| {
            let mut cmd = Command::new("git");
            cmd.current_dir(dir).args([
                "rev-parse",
                "--absolute-git-dir",
                "--git-common-dir",
                "--show-object-format",
                "--is-bare-repository",
            ]);
            if with_top {
                cmd.arg("--show-toplevel");
            }
            if !from_env {
                clear_env(&mut cmd);
            }
            run(cmd)
        };
        // One process for a working tree; a bare repository refuses `--show-toplevel`.
        let (out, with_top) = match rev_parse(true) {
            Ok(out) => (out, true),
            Err(_) => (rev_parse(false)?, false),
        };
        let text = String::from_utf8_lossy(&out).into_owned();
        let lines: Vec<&str> = text.lines().collect();
        let (git_dir, common, object_format, bare, top) = match lines[..] {
            [g, c, o, b, t] if with_top => (g, c, o, b, Some(t)),
            [g, c, o, b] => (g, c, o, b, None),
            _ => {
                return Err(Error::GitCommand(
                    "git rev-parse answered what venv-guard cannot read".to_owned(),
                ))
            }
        };
        let git_dir = PathBuf::from(git_dir);
        let common_dir = match Path::new(common) {
            p if p.is_absolute() => p.to_path_buf(),
            p => dir.join(p),
        };
        let oid_len = if object_format == "sha256" { 32 } else { 20 };
        let work_tree = if bare == "true" {
            None
        } else {
            // Paths are bytes: the top's own line, not the lossy text.
            let raw = out.split(|&b| b == b'\n').nth(4).filter(|_| top.is_some());
            raw.map(bytes_to_path)
        };
        // libgit2 names the first extension it refuses; both may be set.
        let format = if oid_len == 32 && format.0.contains("reftable") {
            (
                "SHA-256 object names and reftable refs (extensions.objectFormat = sha256, \
                 extensions.refStorage = reftable)",
                format.1,
            )
        } else {
            format
        };
        Ok(Cli {
            git_dir,
            common_dir,
            work_tree,
            oid_len,
            from_env,
            format,
            cat: RefCell::new(None),
            check: RefCell::new(None),
        })
    }

    /// `git` for a repository libgit2 opened: the same commands, set up from what it found;
    /// nothing is run yet.
    pub(super) fn plain(
        git_dir: &Path,
        common_dir: &Path,
        work_tree: Option<&Path>,
        from_env: bool,
    ) -> Cli {
        Cli {
            git_dir: git_dir.to_path_buf(),
            common_dir: common_dir.to_path_buf(),
            work_tree: work_tree.map(Path::to_path_buf),
            oid_len: 20,
            from_env,
            format: ("", ""),
            cat: RefCell::new(None),
            check: RefCell::new(None),
        }
    }

    /// `git` for the object store of the repository whose common directory is `common`, as
    /// the fallback of venv-guard's own object reader (SHA-1 only); nothing is run yet.
    pub(super) fn for_objects(common: &Path) -> Cli {
        Cli {
            git_dir: common.to_path_buf(),
            common_dir: common.to_path_buf(),
            work_tree: None,
            oid_len: 20,
            from_env: false,
            format: ("", ""),
            cat: RefCell::new(None),
            check: RefCell::new(None),
        }
    }

    /// The object `id` as `git cat-file --batch` reads it; `None` when git has no such object.
    /// An object larger than venv-guard reads is an error, and git is stopped rather than read
    /// to its end.
    pub(super) fn read_object(&self, id: &[u8]) -> Result<Option<odb::Object>, Error> {
        let mut slot = self.cat.borrow_mut();
        let Some((cat, kind, size)) = self.ask(&mut slot, "--batch", id) else {
            *slot = None;
            return Ok(None);
        };
        let Some(kind) = kind_named(&kind) else {
            *slot = None;
            return Ok(None);
        };
        if size > odb::MAX_OBJECT as u64 {
            *slot = None;
            return Err(Error::Odb(odb::Error::TooLarge(self.git_dir.clone(), size)));
        }
        let mut content = Vec::new();
        let read = (&mut cat.output).take(size + 1).read_to_end(&mut content);
        if read.is_err() || content.pop() != Some(b'\n') || content.len() as u64 != size {
            *slot = None;
            return Err(Error::GitCommand(format!(
                "git cat-file stopped while reading object {}",
                odb::to_hex(id)
            )));
        }
        Ok(Some(odb::Object {
            kind,
            data: std::rc::Rc::new(content),
        }))
    }

    /// The kind and size of object `id`, from `git cat-file --batch-check`; `None` when git
    /// has no such object.
    pub(super) fn object_header(&self, id: &[u8]) -> Result<Option<(odb::Kind, u64)>, Error> {
        let mut slot = self.check.borrow_mut();
        let Some((_, kind, size)) = self.ask(&mut slot, "--batch-check", id) else {
            *slot = None;
            return Ok(None);
        };
        Ok(kind_named(&kind).map(|kind| (kind, size)))
    }

    /// The repository's git directory.
    pub(crate) fn git_dir(&self) -> &Path {
        &self.git_dir
    }

    /// The common directory (shared by linked worktrees).
    pub(crate) fn common_dir(&self) -> &Path {
        &self.common_dir
    }

    /// The working tree, if the repository has one.
    pub(crate) fn work_tree(&self) -> Option<&Path> {
        self.work_tree.as_deref()
    }

    /// `git ARGS` in this repository.
    pub(super) fn git<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut cmd = command(&self.git_dir, self.work_tree.as_deref(), self.from_env);
        cmd.args(args);
        cmd
    }

    /// The paths the next commit adds or changes, as `git diff --cached` lists them.
    pub(crate) fn staged_paths(&self) -> Result<Vec<Vec<u8>>, Error> {
        let out = run(self.git([
            "diff",
            "--cached",
            "--name-only",
            "-z",
            "--no-renames",
            "--diff-filter=AMT",
            "--no-ext-diff",
        ]))?;
        let mut paths: Vec<Vec<u8>> = out
            .split(|&b| b == 0)
            .filter(|p| !p.is_empty())
            .map(<[u8]>::to_vec)
            .collect();
        paths.sort();
        Ok(paths)
    }

    /// The answer of a persistent `git cat-file MODE` to `id`: its header's type and size.
    fn ask<'c>(
        &self,
        slot: &'c mut Option<CatFile>,
        mode: &str,
        id: &[u8],
    ) -> Option<(&'c mut CatFile, String, u64)> {
        if slot.is_none() {
            let mut child = self
                .git(["cat-file", mode])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .ok()?;
            let input = child.stdin.take()?;
            let output = BufReader::new(child.stdout.take()?);
            *slot = Some(CatFile {
                child,
                input,
                output,
            });
        }
        let cat = slot.as_mut()?;
        writeln!(cat.input, "{}", super::odb::to_hex(id)).ok()?;
        cat.input.flush().ok()?;
        let mut header = Vec::new();
        cat.output.read_until(b'\n', &mut header).ok()?;
        let header = String::from_utf8_lossy(&header);
        let mut words = header.split_whitespace();
        let (_, kind, size) = (words.next()?, words.next()?, words.next());
        let size: u64 = size?.parse().ok()?;
        Some((cat, kind.to_owned(), size))
    }

    /// The size of the blob `id`, from `git cat-file --batch-check`; `None` when it is missing.
    pub(crate) fn blob_size(&self, id: &[u8]) -> Option<u64> {
        let mut slot = self.check.borrow_mut();
        let (_, _, size) = self.ask(&mut slot, "--batch-check", id)?;
        Some(size)
    }

    /// At most `limit` bytes of the blob `id`, from `git cat-file --batch`.
    pub(crate) fn read_blob_head(&self, id: &[u8], limit: usize) -> Option<Vec<u8>> {
        let mut slot = self.cat.borrow_mut();
        let (cat, kind, size) = self.ask(&mut slot, "--batch", id)?;
        // The object is always read to its end, so the next answer starts where it should.
        let mut content = Vec::new();
        (&mut cat.output)
            .take(size + 1)
            .read_to_end(&mut content)
            .ok()?;
        content.pop();
        if kind != "blob" || size > MAX_BLOB_READ {
            return None;
        }
        content.truncate(limit);
        Some(content)
    }

    /// Whether git's ignore rules ignore `path` (tracked or not, as libgit2 answers).
    pub(crate) fn is_ignored(&self, path: &[u8]) -> bool {
        // check-ignore takes plain paths, not pathspecs (and refuses the literal magic).
        self.git(["check-ignore", "-q", "--no-index", "--"])
            .env_remove("GIT_LITERAL_PATHSPECS")
            .arg(bytes_to_path(path))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    /// `git rev-parse --git-path hooks`.
    pub(crate) fn hooks_dir(&self) -> Result<PathBuf, Error> {
        let out = run(self.git(["rev-parse", "--git-path", "hooks"]))?;
        let path = bytes_to_path(trim_newline(&out));
        Ok(match (&self.work_tree, path.is_absolute()) {
            (_, true) => path,
            (Some(top), false) => top.join(path),
            (None, false) => self.git_dir.join(path),
        })
    }
}

/// `git` for the repository at `git_dir` (and `work_tree`), set up as every run here is: literal
/// pathspecs; a partial clone's missing blobs said, not fetched behind the user's back; no
/// command a repository's configuration names (an fsmonitor hook) started. Without `from_env`,
/// the variables a hook's git sets are forgotten. The caller adds the subcommand.
pub(super) fn command(git_dir: &Path, work_tree: Option<&Path>, from_env: bool) -> Command {
    let mut cmd = Command::new("git");
    if !from_env {
        clear_env(&mut cmd);
    }
    cmd.env("GIT_DIR", git_dir);
    match work_tree {
        Some(top) => cmd.current_dir(top).env("GIT_WORK_TREE", top),
        None => cmd.current_dir(git_dir),
    };
    cmd.env("GIT_LITERAL_PATHSPECS", "1")
        .env("GIT_NO_LAZY_FETCH", "1")
        .args(["-c", "core.fsmonitor=false"]);
    cmd
}

/// The id `git rev-parse --verify` printed for `rev`, if it succeeded; else an error naming
/// `rev`.
fn resolved(rev: &str, out: Option<Vec<u8>>) -> Result<String, Error> {
    let hex = out.map(|out| String::from_utf8_lossy(trim_newline(&out)).into_owned());
    match hex {
        Some(hex) if !hex.is_empty() => Ok(hex),
        _ => Err(Error::GitCommand(format!(
            "cannot resolve the revision {}",
            crate::support::escape::display(rev.as_bytes())
        ))),
    }
}

/// Runs `cmd` and returns its standard output; a failure is an error naming git's message.
pub(super) fn run(mut cmd: Command) -> Result<Vec<u8>, Error> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| Error::GitCommand(format!("git could not run: {e}")))?;
    if out.status.success() {
        Ok(out.stdout)
    } else {
        Err(failed(&out.stderr))
    }
}

/// A failed git command's error: the first line of what it said, escaped.
pub(super) fn failed(stderr: &[u8]) -> Error {
    let stderr = String::from_utf8_lossy(stderr);
    let first = stderr.lines().next().unwrap_or("").trim();
    Error::GitCommand(format!(
        "git failed: {}",
        crate::support::escape::display(first.as_bytes())
    ))
}

/// Forgets the variables that name another repository, for one found by its path. The object
/// directories stay: a server's `pre-receive` hook sees a push only through them.
fn clear_env(cmd: &mut Command) {
    for var in [
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_INDEX_FILE",
        "GIT_COMMON_DIR",
    ] {
        cmd.env_remove(var);
    }
}

/// The kind of object git names `name`.
fn kind_named(name: &str) -> Option<odb::Kind> {
    odb::Kind::from_name(name.as_bytes())
}

fn trim_newline(bytes: &[u8]) -> &[u8] {
    bytes.strip_suffix(b"\n").unwrap_or(bytes)
}

/// One commit as `git log --raw` shows it: who made it, and the entries it added or changed
/// (against its first parent; a root commit against nothing).
pub(crate) struct LoggedCommit {
    pub(crate) info: CommitInfo,
    pub(crate) changes: Vec<Listed<ObjectId>>,
}

impl Cli {
    /// The files of `rev`'s tree (`git ls-tree -r -z --full-tree`); `None` for an unborn
    /// `HEAD`.
    pub(crate) fn ls_tree(&self, rev: &str) -> Result<Option<Vec<Listed<ObjectId>>>, Error> {
        let mut cmd = self.git(["ls-tree", "-r", "-z", "--full-tree", "--end-of-options"]);
        cmd.arg(rev);
        let out = match run(cmd) {
            Ok(out) => out,
            // An unborn `HEAD` has no tree; any other name must resolve; a name that
            // resolves fails with git's own reason (a damaged or too deep tree).
            Err(e) => match self.resolve(rev) {
                Err(_) if rev == "HEAD" => return Ok(None),
                Err(unresolved) => return Err(unresolved),
                Ok(_) => return Err(e),
            },
        };
        let mut entries = Vec::new();
        for record in out.split(|&b| b == 0).filter(|r| !r.is_empty()) {
            let Some(tab) = record.iter().position(|&b| b == b'\t') else {
                continue;
            };
            let (meta, path) = (&record[..tab], &record[tab + 1..]);
            let mut words = meta.split(|&b| b == b' ');
            let (Some(mode), Some(_kind), Some(id)) = (words.next(), words.next(), words.next())
            else {
                continue;
            };
            let (Some(mode), Some(id)) = (parse_mode(mode), ObjectId::from_hex(id)) else {
                continue;
            };
            entries.push(Listed {
                path: path.to_vec(),
                meta: Meta { mode, size: None },
                data: id,
            });
        }
        Ok(Some(entries))
    }

    /// The commit `rev` names, in hexadecimal; an error naming it when it names none.
    pub(crate) fn resolve(&self, rev: &str) -> Result<String, Error> {
        let [commit] = self.resolve_all([rev]);
        commit
    }

    /// The commits `revs` name, in hexadecimal, each as [`Cli::resolve`] resolves it; the
    /// `git rev-parse` processes run side by side, since each costs a process start and the
    /// repository's refs read (milliseconds), and a range names two.
    pub(crate) fn resolve_all<const N: usize>(
        &self,
        revs: [&str; N],
    ) -> [Result<String, Error>; N] {
        let running = revs.map(|rev| {
            let child = self
                .rev_parse_command(rev, "^{commit}")
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn();
            (rev, child)
        });
        running.map(|(rev, child)| {
            let out = child.and_then(Child::wait_with_output).ok();
            resolved(
                rev,
                out.filter(|out| out.status.success()).map(|out| out.stdout),
            )
        })
    }

    /// `git rev-parse --verify REV{peel}`.
    fn rev_parse(&self, rev: &str, peel: &str) -> Result<String, Error> {
        resolved(rev, run(self.rev_parse_command(rev, peel)).ok())
    }

    fn rev_parse_command(&self, rev: &str, peel: &str) -> Command {
        let mut cmd = self.git(["rev-parse", "--verify", "--quiet", "--end-of-options"]);
        cmd.arg(format!("{rev}{peel}"));
        cmd
    }

    /// The object `rev` names, in hexadecimal, as `git rev-parse --verify` resolves it; an
    /// error naming it when it names none.
    pub(crate) fn resolve_object(&self, rev: &str) -> Result<String, Error> {
        self.rev_parse(rev, "")
    }

    /// The commits `git log ARGS` lists, in its order, with what each added or changed.
    pub(crate) fn log(&self, args: &[&OsStr]) -> Result<Vec<LoggedCommit>, Error> {
        let mut cmd = self.git([
            "log",
            "-z",
            "--raw",
            "--no-renames",
            "--no-abbrev",
            "--diff-merges=first-parent",
            "--date=raw",
            "--format=%x01%H%x00%an <%ae>%x00%ad%x00%s",
        ]);
        cmd.args(args);
        let out = run(cmd)?;
        let mut commits: Vec<LoggedCommit> = Vec::new();
        let mut tokens = out.split(|&b| b == 0).peekable();
        while let Some(token) = tokens.next() {
            let token = token.strip_prefix(b"\n").unwrap_or(token);
            if let Some(id) = token.strip_prefix(b"\x01") {
                let author = tokens.next().unwrap_or_default();
                let date = tokens.next().unwrap_or_default();
                let subject = tokens.next().unwrap_or_default();
                let (time, offset_minutes) = raw_date(date);
                commits.push(LoggedCommit {
                    info: CommitInfo {
                        id: String::from_utf8_lossy(id).into_owned(),
                        time,
                        offset_minutes,
                        author: String::from_utf8_lossy(author).into_owned(),
                        subject: String::from_utf8_lossy(subject).into_owned(),
                    },
                    changes: Vec::new(),
                });
            } else if let Some(raw) = token.strip_prefix(b":") {
                let path = tokens.next().unwrap_or_default();
                // `:old-mode new-mode old-id new-id status`
                let fields: Vec<&[u8]> = raw.split(|&b| b == b' ').collect();
                let [_, new_mode, _, new_id, status] = fields[..] else {
                    continue;
                };
                if !matches!(status.first(), Some(b'A' | b'M' | b'T')) {
                    continue;
                }
                let (Some(mode), Some(id)) = (parse_mode(new_mode), ObjectId::from_hex(new_id))
                else {
                    continue;
                };
                if mode == Mode::Submodule {
                    continue;
                }
                if let Some(commit) = commits.last_mut() {
                    commit.changes.push(Listed {
                        path: path.to_vec(),
                        meta: Meta { mode, size: None },
                        data: id,
                    });
                }
            }
        }
        Ok(commits)
    }

    /// Whether the repository is a shallow clone.
    pub(crate) fn is_shallow(&self) -> bool {
        run(self.git(["rev-parse", "--is-shallow-repository"]))
            .is_ok_and(|out| trim_newline(&out) == b"true")
    }
}

/// A git mode in octal, as detection names it.
fn parse_mode(octal: &[u8]) -> Option<Mode> {
    let text = std::str::from_utf8(octal).ok()?;
    super::mode_of(u32::from_str_radix(text, 8).ok()?)
}

/// `1709287200 +0100`: seconds, and the offset in minutes east of UTC.
fn raw_date(date: &[u8]) -> (i64, i32) {
    let text = String::from_utf8_lossy(date);
    let mut words = text.split_whitespace();
    let time = words.next().and_then(|t| t.parse().ok()).unwrap_or(0);
    let offset = words.next().unwrap_or("+0000");
    let sign = if offset.starts_with('-') { -1 } else { 1 };
    let digits = offset.trim_start_matches(['+', '-']);
    let hours: i32 = digits.get(..2).and_then(|h| h.parse().ok()).unwrap_or(0);
    let minutes: i32 = digits.get(2..4).and_then(|m| m.parse().ok()).unwrap_or(0);
    (time, sign * (hours * 60 + minutes))
}
