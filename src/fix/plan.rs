//! The plan of a fix, computed without changing anything: the `.gitignore` rules that keep
//! each environment out, the index entries to drop, the requirements file to write.

use std::fs;
use std::path::{Path, PathBuf};

use super::freeze;
use super::{EnvFix, Error, FixOptions, FreezePlan, IgnoreEdit, Plan, Style};
use crate::detect::{Extent, OwnedPath, Probe};
use crate::remedy::patterns_for;
use crate::report::{Finding, Severity, Status};
use crate::source::git::Repo;
use crate::source::walk;
use crate::support::escape;
use crate::support::paths::join;

/// Project files that record dependencies: with none of them, `--freeze` is suggested.
const MANIFESTS: &[&str] = &[
    "pyproject.toml",
    "Pipfile",
    "setup.py",
    "setup.cfg",
    "environment.yml",
    "environment.yaml",
];

/// Computes the fix for the failing findings, changing nothing.
///
/// `probe` answers for the working tree and the index (to read installed distributions when
/// freezing); `index_entries` counts the index entries at or below a path.
pub(crate) fn plan(
    repo: &Repo,
    top: &Path,
    findings: &[Finding],
    probe: &dyn Probe,
    index_entries: &dyn Fn(&[u8]) -> u64,
    opts: &FixOptions,
) -> Result<Plan, Error> {
    let mut plan = Plan::default();
    let mut root_lines: Vec<String> = Vec::new();
    let mut root_owners: Vec<Vec<u8>> = Vec::new();
    for finding in findings.iter().filter(|f| f.severity == Severity::Error) {
        let root = &finding.env.root;
        let targets = owned_paths(finding, probe);
        let (patterns, inexpressible) = patterns_for(&targets);
        if let Some(name) = inexpressible.into_iter().next() {
            return Err(Error::Inexpressible(name));
        }
        let already_ignored = is_ignored(repo, top, &targets);
        if !already_ignored {
            // A `*` inside a folder the project shares would ignore the project's files too.
            if opts.style == Style::Inner
                && !root.is_empty()
                && finding.env.recognised.extent == Extent::Folder
            {
                plan.edits.push(IgnoreEdit {
                    file: join(root, b".gitignore"),
                    lines: vec!["*".to_owned()],
                    stage: false,
                    owners: vec![root.clone()],
                });
            } else {
                for pattern in patterns {
                    if !root_lines.contains(&pattern) {
                        root_lines.push(pattern);
                        root_owners.push(root.clone());
                    }
                }
            }
        }
        let mut tracked_entries = 0;
        if finding.status != Status::Unignored {
            for t in &targets {
                let n = index_entries(&t.path);
                if n > 0 {
                    tracked_entries += n;
                    plan.untrack.push(t.path.clone());
                }
            }
        }
        plan.envs.push(EnvFix {
            finding: finding.clone(),
            targets,
            already_ignored,
            tracked_entries,
        });
    }
    if !root_lines.is_empty() {
        plan.edits.insert(
            0,
            IgnoreEdit {
                file: b".gitignore".to_vec(),
                lines: root_lines,
                stage: true,
                owners: root_owners,
            },
        );
    }
    if let Some(path) = &opts.freeze {
        if path.exists() && !opts.force {
            return Err(Error::Exists(path.clone()));
        }
        plan.freeze = Some(freeze_plan(path.clone(), &plan.envs, probe));
    } else if !plan.envs.is_empty() {
        // A manifest beside the environment (`backend/requirements.txt` for `backend/venv`)
        // records it as well as one at the top.
        plan.suggest_freeze = !has_manifest(top)
            && !plan.envs.iter().any(|job| {
                let root = &job.finding.env.root;
                let parent = &root[..root.iter().rposition(|&b| b == b'/').unwrap_or(0)];
                !parent.is_empty()
                    && has_manifest(&top.join(crate::support::paths::bytes_to_path(parent)))
            });
    }
    Ok(plan)
}

/// The paths the fix of `finding` covers: what the environment owns. One that shares its
/// folder with the project owns each of its creator's entries there, on disk or in the index,
/// whether or not the finding's paths touched it.
fn owned_paths(finding: &Finding, probe: &dyn Probe) -> Vec<OwnedPath> {
    let env = &finding.env;
    let mut targets = env.owned_paths();
    if env.recognised.extent != Extent::Folder || env.root.is_empty() {
        for unit in env.recognised.owned_units(&env.root, probe) {
            let path = join(&env.root, &unit.name);
            if !targets.iter().any(|t| t.path == path) {
                targets.push(OwnedPath {
                    path,
                    dir: unit.dir,
                });
            }
        }
        targets.sort();
    }
    targets
}

/// Whether git ignores every target: the `ignore` crate finds no visible file below them and
/// git's own matcher agrees for each (a folder is asked about a path inside it, so that one
/// deleted from disk but still in the index is judged as the folder it is).
pub(super) fn is_ignored(repo: &Repo, top: &Path, targets: &[OwnedPath]) -> bool {
    let git_says = targets.iter().all(|t| {
        let probe_path = if t.dir {
            join(&t.path, b"pyvenv.cfg")
        } else {
            t.path.clone()
        };
        repo.is_ignored(&probe_path)
    });
    git_says && walk::unignored_files(top, &paths_of(targets), 1).is_empty()
}

pub(super) fn paths_of(targets: &[OwnedPath]) -> Vec<Vec<u8>> {
    targets.iter().map(|t| t.path.clone()).collect()
}

fn has_manifest(top: &Path) -> bool {
    let Ok(rd) = fs::read_dir(top) else {
        return true;
    };
    rd.filter_map(Result::ok).any(|e| {
        let name = e.file_name();
        let name = name.to_string_lossy();
        MANIFESTS.contains(&name.as_ref())
            || (name.starts_with("requirements") && name.ends_with(".txt"))
    })
}

fn freeze_plan(path: PathBuf, envs: &[EnvFix], probe: &dyn Probe) -> FreezePlan {
    let mut content = String::new();
    let mut count = 0;
    for job in envs {
        let dists = freeze::installed(&job.finding.env.root, probe);
        let root = if job.finding.env.root.is_empty() {
            ".".to_owned()
        } else {
            format!("{}/", escape::display(&job.finding.env.root))
        };
        content.push_str(&format!(
            "# installed in {root} ({})\n",
            job.finding.env.recognised.describe()
        ));
        for d in &dists {
            content.push_str(&d.requirement());
            content.push('\n');
        }
        count += dists.len();
    }
    FreezePlan {
        path,
        content,
        count,
    }
}
