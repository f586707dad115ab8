//! Commits as the source: what a range of commits adds (a pull request, a push), what the
//! whole history ever held, and which commits published an environment's credentials.

use super::{with_sizes, Error, Options};
use crate::detect::{self, Environment, Probe};
use crate::remedy::filter_repo_command;
use crate::report::{secrets, CommitInfo, Covered, HistoryInfo, Report, Status};
use crate::source::disk::Layered;
use crate::source::git::{self, Repo};

/// How many commits are searched for the commits that published an environment's credentials.
const PUBLISHED_WALK: usize = 200_000;

/// The commits among `versions` (commit, script, blob) whose script exports variables of its
/// own, with the names, in the order given.
fn exporting_commits(
    repo: &Repo,
    versions: impl Iterator<Item = (CommitInfo, Vec<u8>, git::ObjectId)>,
) -> Vec<(CommitInfo, Vec<String>)> {
    let mut out: Vec<(CommitInfo, Vec<String>)> = Vec::new();
    for (commit, script, blob) in versions {
        let Some(content) = repo.read_blob(blob, secrets::SCRIPT_LIMIT) else {
            continue;
        };
        let names: Vec<String> = secrets::exported(&script, &content)
            .into_iter()
            .map(|e| e.name)
            .collect();
        if names.is_empty() {
            continue;
        }
        match out.iter_mut().find(|(c, _)| c.id == commit.id) {
            Some((_, known)) => {
                for n in names {
                    if !known.contains(&n) {
                        known.push(n);
                    }
                }
            }
            None => out.push((commit, names)),
        }
    }
    out
}

impl Report {
    /// Finds, for every finding whose scripts export credentials, the commits reachable from
    /// `rev` that already hold them.
    pub(super) fn find_published(&mut self, repo: &Repo, rev: &str) -> Result<(), Error> {
        for finding in &mut self.findings {
            if finding.secrets.is_empty() || finding.status == Status::Unignored {
                continue;
            }
            let mut scripts: Vec<Vec<u8>> =
                finding.secrets.iter().map(|s| s.file.clone()).collect();
            scripts.dedup();
            let found = match repo.versions_of(rev, &scripts, PUBLISHED_WALK) {
                Err(git::Error::Unsupported(what, _)) => {
                    self.warnings.push(format!(
                        "this repository uses {what}: the commits that may already hold the \
                         credentials of the environment at {:?} were not searched",
                        crate::support::escape::display(&finding.env.root)
                    ));
                    continue;
                }
                found => found?,
            };
            let Some((versions, cut)) = found else {
                continue;
            };
            if cut {
                self.warnings.push(format!(
                    "only the newest {PUBLISHED_WALK} commits were searched for the credentials \
                     of the environment at {:?}: older commits may hold them too",
                    crate::support::escape::display(&finding.env.root)
                ));
            }
            finding.secret_commits = exporting_commits(
                repo,
                versions.into_iter().map(|v| (v.commit, v.path, v.blob)),
            );
        }
        Ok(())
    }
}

/// The environments whose files the commits in `from..to` added or changed: a pull-request
/// check. An environment added and removed again inside the range is still reported: its
/// blobs are in the history the range brings.
pub fn range(repo: &Repo, from: &str, to: &str, opts: &Options) -> Result<Report, Error> {
    let (changed, tree) = repo.changed_between(from, to)?;
    let paths = changed.paths();
    let mut report = Report {
        paths: paths.len() as u64,
        ..Report::default()
    };
    let behind: &dyn Probe = match &tree {
        Some(end) => end.probe(),
        None => &changed,
    };
    let probe = Layered {
        first: &changed,
        second: behind,
    };
    let envs = detect::detect(&paths, &probe);
    for env in with_sizes(envs, &|p| changed.sum_under(p)) {
        report.push(env, Status::Added, opts, &probe);
    }
    if let Some(e) = tree.as_ref().and_then(|end| end.error()) {
        return Err(e.into());
    }
    report.find_published(repo, to)?;
    Ok(report.finish())
}

/// Every environment that any commit reachable from any ref ever added: when it entered,
/// whether `HEAD` still has it, what it costs, and the command that would remove it.
pub fn history(repo: &Repo, opts: &Options) -> Result<Report, Error> {
    let started = std::time::Instant::now();
    let history = repo.history()?;
    let head = repo.tree("HEAD")?;
    let paths = history.paths.paths();
    let mut report = Report {
        paths: paths.len() as u64,
        incomplete_history: history.shallow,
        ..Report::default()
    };
    if history.shallow {
        report.warnings.push(
            "shallow clone: commits before the shallow boundary were not seen, so the history \
             is incomplete (git fetch --unshallow for a full answer)"
                .to_owned(),
        );
    }
    for mut env in detect::detect(&paths, &history.paths) {
        let owned = env.owned_paths();
        let mut commits = std::collections::BTreeSet::new();
        let mut blobs = std::collections::HashSet::new();
        let mut files = 0;
        for target in &owned {
            for run in history.changes_under(&target.path) {
                commits.extend(run.iter().map(|&(commit, _)| commit as usize));
                blobs.extend(run.iter().map(|&(_, blob)| blob));
                files += 1;
            }
        }
        let first = commits.first().copied().unwrap_or(usize::MAX);
        let blobs: Vec<git::ObjectId> = blobs.into_iter().collect();
        let sizes = repo.blob_sizes(&blobs);
        let bytes = sizes.iter().flatten().sum();
        let missing = sizes.iter().filter(|s| s.is_none()).count();
        if missing > 0 {
            // A partial clone (or a damaged store) lacks them: the size is a lower bound.
            report.warnings.push(format!(
                "{missing} of the {} blobs of the environment at {:?} are missing from the \
                 object store (a partial clone?): its bytes count only the blobs present; \
                 fetch them, or scan a full clone, for the whole cost",
                blobs.len(),
                crate::support::escape::display(&env.root)
            ));
        }
        let in_head = head
            .as_ref()
            .is_some_and(|h| owned.iter().any(|t| h.count_under(&t.path) > 0));
        let Some(first_commit) = history.commits.get(first).cloned() else {
            continue;
        };
        env.files = files;
        env.bytes = bytes;
        env.bytes_known = true;
        let info = HistoryInfo {
            first_commit,
            commits: commits.len() as u64,
            in_head,
            blobs: blobs.len() as u64,
            bytes,
            remove_command: filter_repo_command(&env),
        };
        let published = secret_commits(repo, &history, &env);
        if report.push(env, Status::History, opts, &history.paths) {
            if let Some(last) = report.findings.last_mut() {
                last.history = Some(Box::new(info));
                last.secret_commits = published;
            }
        }
    }
    report.covered = Some(Covered {
        commits: history.commits.len() as u64,
        refs: Some(repo.ref_count()?),
        elapsed: started.elapsed(),
    });
    Ok(report.finish())
}

/// Every commit that wrote an activate script of `env` exporting variables of its own.
fn secret_commits(
    repo: &Repo,
    history: &git::History<'_>,
    env: &Environment,
) -> Vec<(CommitInfo, Vec<String>)> {
    let mut versions: Vec<(usize, Vec<u8>, git::ObjectId)> = Vec::new();
    for script in secrets::scripts(env, &history.paths) {
        for path in history.versions_under(&script) {
            for &(commit, blob) in &path.versions {
                versions.push((commit, script.clone(), blob));
            }
        }
    }
    versions.sort_by_key(|v| v.0);
    exporting_commits(
        repo,
        versions.into_iter().filter_map(|(commit, script, blob)| {
            Some((history.commits.get(commit)?.clone(), script, blob))
        }),
    )
}
