//! Which commits a range holds: generated histories (merges, dates out of order, committer
//! lines git reads as date 0 or as a huge date, parents that are missing), each range walked
//! by venv-guard and listed by `git rev-list TO ^FROM`, in git's order.
//!
//! git's answer is not always the set difference: its walk stops early after a clock skew.
//! venv-guard follows git's steps, so both must list the same commits in the same order.

use venv_guard::formats::objects;
use venv_guard::formats::odb::{self, Id};

use super::{Rng, Run, Scratch};

/// A committer line, now and then one git dates differently from its numbers: a negative or
/// too large number, digits with letters after them, no number, no `>`, extra spaces.
fn committer(rng: &mut Rng, date: i64) -> String {
    let who = "C O Mitter <c@example.com>";
    match rng.below(40) {
        0 => format!("committer {who} -{} +0000", rng.below(1000)),
        1 => format!("committer {who} 99999999999999999999999 +0000"),
        2 => format!("committer {who} {date}abc +0000"),
        3 => format!("committer {who} +0000"),
        4 => format!("committer C O Mitter c@example.com {date} +0000"),
        5 => format!("committer {who}    {date}   +0000"),
        6 => format!("committer {who}\t{date} +0000"),
        7 => format!("committer {who} - {date}"),
        _ => format!("committer {who} {date} +0000"),
    }
}

/// A commit's body: its tree, parents, author and committer (now and then missing or in the
/// other order, which git dates 0) and a message.
fn commit_body(rng: &mut Rng, tree: &Id, parents: &[Id], date: i64) -> Vec<u8> {
    let mut lines = vec![format!("tree {}", odb::to_hex(tree))];
    lines.extend(parents.iter().map(|p| format!("parent {}", odb::to_hex(p))));
    // Authored earlier than committed: git orders by the committer's date.
    let authored = date - rng.below(100_000) as i64;
    let author = format!("author A U Thor <a@example.com> {authored} +0100");
    match rng.below(30) {
        0 => lines.push(author),
        1 => {
            lines.push(committer(rng, date));
            lines.push(author);
        }
        2 => {
            lines.push(author);
            lines.push("encoding UTF-8".to_owned());
            lines.push(committer(rng, date));
        }
        _ => {
            lines.push(author);
            lines.push(committer(rng, date));
        }
    }
    let mut body = lines.join("\n").into_bytes();
    body.extend_from_slice(format!("\n\nc{}\n", rng.next() % 1000).as_bytes());
    body
}

/// A history of 10 to 80 commits: each has one parent among the last few (sometimes none,
/// sometimes two or three, sometimes a commit that does not exist), dated a little after
/// its parents, now and then far before them.
fn history(rng: &mut Rng, tree: &Id) -> (Vec<Id>, Vec<Vec<u8>>) {
    let count = 10 + rng.below(70);
    let (mut ids, mut bodies) = (Vec::new(), Vec::new());
    let mut date: i64 = 1_700_000_000;
    for i in 0..count {
        let mut parents = Vec::new();
        if i > 0 && !rng.chance(5) {
            let wanted = *rng.pick(&[1, 1, 1, 1, 1, 2, 2, 3]);
            for _ in 0..wanted {
                let back = 1 + rng.below(i.min(8));
                parents.push(ids[i - back]);
            }
        }
        if rng.chance(2) {
            parents.push(rng.id());
        }
        date += match rng.below(20) {
            0 => -(rng.below(100_000) as i64),
            1 => 0,
            _ => rng.below(600) as i64,
        };
        let body = commit_body(rng, tree, &parents, date);
        let id: Id = git2::Oid::hash_object(git2::ObjectType::Commit, &body)
            .unwrap()
            .as_bytes()
            .try_into()
            .unwrap();
        ids.push(id);
        bodies.push(body);
    }
    (ids, bodies)
}

/// The commits `git rev-list TO ^FROM` lists; `None` where git fails.
fn listed_by_git(scratch: &Scratch, to: &Id, from: &Id) -> Option<Vec<Id>> {
    let out = scratch.git(
        &[
            "rev-list",
            &odb::to_hex(to),
            &format!("^{}", odb::to_hex(from)),
        ],
        b"",
    );
    out.status.success().then(|| {
        out.stdout
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| odb::from_hex(l).unwrap())
            .collect()
    })
}

#[test]
fn ranges_hold_the_commits_git_lists_in_its_order() {
    let mut run = Run::new("ranges");
    for case in 0..run.cases {
        let mut rng = run.rng(case);
        let scratch = Scratch::new();
        let tree = scratch.write_objects("tree", &[Vec::new()])[0];
        let (ids, bodies) = history(&mut rng, &tree);
        assert_eq!(scratch.write_objects("commit", &bodies), ids);
        for _ in 0..3 {
            // Mostly a range from an older commit to a newer one, as CI asks.
            let (mut a, mut b) = (rng.below(ids.len()), rng.below(ids.len()));
            if a > b && rng.chance(80) {
                std::mem::swap(&mut a, &mut b);
            }
            let (from, to) = (ids[a], ids[b]);
            let git = listed_by_git(&scratch, &to, &from);
            let ours = objects::rev_list(&scratch.git_dir(), to, from).ok();
            if git == ours {
                run.agreed(git.is_some());
            } else {
                let show = |l: &Option<Vec<Id>>| match l {
                    None => "an error".to_owned(),
                    Some(l) => format!("{} commits", l.len()),
                };
                run.disagree(
                    case,
                    format!(
                        "{}..{}: git lists {}, venv-guard {}",
                        odb::to_hex(&from),
                        odb::to_hex(&to),
                        show(&git),
                        show(&ours)
                    ),
                );
            }
        }
    }
    run.finish();
}
