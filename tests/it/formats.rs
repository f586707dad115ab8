//! Every output format on one reproducible repository, snapshot-tested: fixed content, fixed
//! commit dates, so the hashes and the bytes are the same on every machine.

use crate::common::{layout, TestRepo};

mod schemas;

/// A repository with a tracked environment, an unignored one, a test fixture and a tricky
/// name; the second environment's root holds a space and a comma.
fn sample() -> TestRepo {
    let repo = TestRepo::new();
    repo.write("app.py", "print('hello')\n");
    repo.fake_venv("legacy/venv");
    repo.commit_all("add legacy venv");
    repo.fake_venv("tools/my env, 2");
    layout(
        &repo.root.join("tests/fixtures/fake-env"),
        &[
            ("pyvenv.cfg", "home = /usr/bin\n"),
            ("bin/python", ""),
            ("bin/activate", "# fake\n"),
        ],
    );
    repo
}

fn output(repo: &TestRepo, args: &[&str]) -> String {
    let run = repo.guard(args);
    assert!(run.code == 0 || run.code == 1, "{}", run.all());
    // A history scan's last line ends with how long it took: the one figure a run changes.
    let out = run.stdout;
    let Some(end) = out.rfind(" s).") else {
        return out;
    };
    let start = out[..end].rfind(", ").map_or(end, |at| at + 2);
    format!("{}[elapsed]{}", &out[..start], &out[end..])
}

#[test]
fn human() {
    let repo = sample();
    insta::assert_snapshot!("human_scan", output(&repo, &["--color", "never", "scan"]));
    insta::assert_snapshot!(
        "human_history",
        output(&repo, &["--color", "never", "scan", "--history"])
    );
}

#[test]
fn json() {
    let repo = sample();
    insta::assert_snapshot!("json_scan", output(&repo, &["--format", "json", "scan"]));
    insta::assert_snapshot!(
        "json_history",
        output(&repo, &["--format", "json", "scan", "--history"])
    );
}

#[test]
fn sarif() {
    let repo = sample();
    insta::assert_snapshot!("sarif_scan", output(&repo, &["--format", "sarif", "scan"]));
}

#[test]
fn github() {
    let repo = sample();
    insta::assert_snapshot!(
        "github_scan",
        output(&repo, &["--format", "github", "scan"])
    );
}
