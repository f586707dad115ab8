#!/usr/bin/env python3
"""Builds the benchmark corpus: deterministic git repositories sized by a scale factor.

    scripts/corpus.py DIR [--scale S] [--only KIND[,KIND...]]

KINDs (each a repository under DIR):

  small       a 300-file project with 3 staged files (the everyday commit)
  small-env   the same project with a staged 1,580-file venv (one pre-commit batch)
  monorepo    ~217,000 index entries at scale 1 (sources, docs, a committed node_modules), a
              committed 20,000-file env and another 20,000-file env staged; .git/index-3 is the
              same index with only 3 ordinary files staged (use it with GIT_INDEX_FILE)
  worktree    ~300,000 files on disk at scale 1, few tracked: envs ignored by .gitignore, one
              that ignores itself, one not ignored, one tracked; a large node_modules; builds
  history     ~3,000 commits at scale 1 in which an env is added, changed and removed
  pr-history  a clone of a busy project with its pull requests fetched: at scale 1 ~30,000
              commits (a main line, 6 long-lived branches that merge main in and are merged
              back, ~4,600 pull requests of 1-5 commits, a quarter of which merge main in,
              merged with a merge commit, squashed, closed or still open) and ~5,000 refs,
              most of them refs/pull/N/head, refs/pull/N/merge for the open ones, annotated
              release tags; a 3,000-file project. Environments of distinct blobs: 18,000 files
              (`venv`) added and removed inside a merged pull request, 5,000
              (`services/api/.venv`) in a closed one, 8,000 (`env`) in a closed one and
              re-added unchanged by an open one, 12,000 (`tools/.venv`) on a long-lived branch
              whose merge brings it to main as the second parent, removed from main later.
              Refs packed and objects repacked into one pack, as a clone has them.
              DIR/pr-history.range holds two commit ids A and B (one a line) with ~1,000
              commits in A..B, B being that merge.

Commits are written with `git fast-import` at fixed dates, so every run at the same scale
builds the same objects. Nothing here needs the network.
"""

import argparse
import os
import shutil
import subprocess
import sys

ENV = dict(
    os.environ,
    GIT_CONFIG_GLOBAL="/dev/null",
    GIT_CONFIG_NOSYSTEM="1",
    GIT_AUTHOR_NAME="Bench",
    GIT_AUTHOR_EMAIL="bench@example.com",
    GIT_COMMITTER_NAME="Bench",
    GIT_COMMITTER_EMAIL="bench@example.com",
    GIT_AUTHOR_DATE="2024-03-01T10:00:00+00:00",
    GIT_COMMITTER_DATE="2024-03-01T10:00:00+00:00",
)
for var in ("GIT_DIR", "GIT_INDEX_FILE", "GIT_WORK_TREE"):
    ENV.pop(var, None)

PYVENV_CFG = b"home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.11.7\n"


def git(repo, *args, stdin=None, env=None):
    subprocess.run(
        ["git", *args], cwd=repo, env=env or ENV, input=stdin, check=True,
        stdout=subprocess.DEVNULL,
    )


def init(repo):
    if os.path.exists(repo):
        shutil.rmtree(repo)
    os.makedirs(repo)
    git(repo, "init", "-q", "-b", "main")


def venv_files(root, count):
    """A venv's entries: (path, mode, content). `count` files in all."""
    files = [
        (f"{root}/pyvenv.cfg", "100644", PYVENV_CFG),
        (f"{root}/bin/activate", "100644", b'# This file must be used with "source bin/activate"\n'),
        (f"{root}/bin/activate.fish", "100644", b"# fish\n"),
        (f"{root}/bin/python", "120000", b"python3"),
        (f"{root}/bin/python3", "120000", b"/usr/bin/python3"),
        (f"{root}/bin/python3.11", "120000", b"python3"),
        (f"{root}/lib64", "120000", b"lib"),
    ]
    sp = f"{root}/lib/python3.11/site-packages"
    i = 0
    while len(files) < count:
        pkg, mod = divmod(i, 40)
        files.append((f"{sp}/pkg{pkg:04d}/mod{mod:02d}.py", "100644", b"VALUE = %d\n" % (i % 97)))
        i += 1
    return files


def project_files(count, prefix=""):
    """Ordinary project sources spread over nested directories."""
    out = []
    for i in range(count):
        a, b = divmod(i, 50)
        out.append((f"{prefix}src/pkg{a % 40:02d}/sub{a // 40:03d}/file{b:02d}.py", "100644",
                    b"def f():\n    return %d\n" % (i % 89)))
    return out


class FastImport:
    """Feeds `git fast-import`; identical blobs are written once."""

    def __init__(self, repo, *options):
        self.proc = subprocess.Popen(
            ["git", "fast-import", "--quiet", "--done", *options], cwd=repo, env=ENV,
            stdin=subprocess.PIPE,
        )
        self.marks = {}
        self.next_mark = 1
        self.commits = 0
        self.time = 1_700_000_000

    def _w(self, data):
        self.proc.stdin.write(data)

    def blob(self, content):
        mark = self.marks.get(content)
        if mark is None:
            mark = self.next_mark
            self.next_mark += 1
            self.marks[content] = mark
            self._w(b"blob\nmark :%d\ndata %d\n%s\n" % (mark, len(content), content))
        return mark

    def commit(self, message, changes, deletes=(), ref="refs/heads/main", parents=()):
        """`changes`: (path, mode, content); `deletes`: paths or directories. `parents`: marks
        of the parents (the first one's tree is the base), or none for the ref's tip. Returns
        the commit's mark."""
        mods = [(p, m, self.blob(c)) for p, m, c in changes]
        msg = message.encode()
        self.time += 60
        mark = self.next_mark
        self.next_mark += 1
        self._w(b"commit %s\nmark :%d\n" % (ref.encode(), mark))
        self._w(b"author Bench <bench@example.com> %d +0000\n" % self.time)
        self._w(b"committer Bench <bench@example.com> %d +0000\n" % self.time)
        self._w(b"data %d\n%s\n" % (len(msg), msg))
        for i, parent in enumerate(parents):
            self._w(b"%s :%d\n" % (b"merge" if i else b"from", parent))
        for path in deletes:
            self._w(b"D %s\n" % path.encode())
        for path, mode, blob in mods:
            self._w(b"M %s :%d %s\n" % (mode.encode(), blob, path.encode()))
        self._w(b"\n")
        self.commits += 1
        return mark

    def reset(self, ref, mark):
        """Points `ref` at commit `mark`."""
        self._w(b"reset %s\nfrom :%d\n\n" % (ref.encode(), mark))

    def tag(self, name, mark, message):
        """An annotated tag `name` of commit `mark`."""
        msg = message.encode()
        self._w(b"tag %s\nfrom :%d\n" % (name.encode(), mark))
        self._w(b"tagger Bench <bench@example.com> %d +0000\n" % self.time)
        self._w(b"data %d\n%s\n" % (len(msg), msg))

    def done(self):
        self._w(b"done\n")
        self.proc.stdin.close()
        if self.proc.wait() != 0:
            sys.exit("git fast-import failed")


def write_tree(root, files):
    for path, mode, content in files:
        full = os.path.join(root, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        if mode == "120000":
            if os.path.lexists(full):
                os.remove(full)
            os.symlink(content.decode(), full)
        else:
            with open(full, "wb") as f:
                f.write(content)


def checkout(repo):
    git(repo, "read-tree", "-u", "--reset", "HEAD")


def small(base, scale):
    repo = os.path.join(base, "small")
    init(repo)
    fi = FastImport(repo)
    fi.commit("project", project_files(300) + [("README.md", "100644", b"# small\n")])
    fi.done()
    checkout(repo)
    write_tree(repo, [
        ("src/pkg00/sub000/file00.py", "100644", b"def f():\n    return -1\n"),
        ("src/pkg01/sub000/file01.py", "100644", b"def f():\n    return -2\n"),
        ("src/new_module.py", "100644", b"x = 1\n"),
    ])
    git(repo, "add", "-A")
    return repo


def small_env(base, scale):
    repo = small(base, scale)
    env_repo = os.path.join(base, "small-env")
    if os.path.exists(env_repo):
        shutil.rmtree(env_repo)
    os.rename(repo, env_repo)
    write_tree(env_repo, venv_files(".venv", 1580))
    git(env_repo, "add", "-A")
    # The file list of one pre-commit batch: the env's staged paths.
    out = subprocess.run(["git", "diff", "--cached", "--name-only", "--", ".venv"],
                         cwd=env_repo, env=ENV, check=True, capture_output=True).stdout
    with open(os.path.join(base, "small-env.batch"), "wb") as f:
        f.write(out)
    small(base, scale)  # rebuild the plain one beside it
    return env_repo


def monorepo(base, scale):
    repo = os.path.join(base, "monorepo")
    init(repo)
    env_files = int(20_000 * scale)
    node = int(100_000 * scale)
    src = int(45_000 * scale)
    docs = int(32_000 * scale)
    files = project_files(src)
    files += [(f"docs/section{i // 200:03d}/page{i % 200:03d}.md", "100644",
               b"# page %d\n" % (i % 71)) for i in range(docs)]
    files += [(f"node_modules/pkg{i // 60:04d}/lib/file{i % 60:02d}.js", "100644",
               b"module.exports = %d;\n" % (i % 53)) for i in range(node)]
    files += venv_files("legacy/venv", env_files)
    fi = FastImport(repo)
    fi.commit("monorepo", files)
    fi.done()
    checkout(repo)
    # Another index: the same tree with 3 ordinary files staged.
    three = dict(ENV, GIT_INDEX_FILE=os.path.join(repo, ".git", "index-3"))
    git(repo, "read-tree", "HEAD", env=three)
    write_tree(repo, [
        ("src/pkg00/sub000/file00.py", "100644", b"def f():\n    return -1\n"),
        ("docs/section000/page000.md", "100644", b"# changed\n"),
        ("src/new_module.py", "100644", b"x = 1\n"),
    ])
    git(repo, "add", "src/pkg00/sub000/file00.py", "docs/section000/page000.md",
        "src/new_module.py", env=three)
    # The main index: a 20,000-file env staged.
    write_tree(repo, venv_files("services/api/.venv", env_files))
    git(repo, "add", "services/api/.venv")
    return repo


def worktree(base, scale):
    repo = os.path.join(base, "worktree")
    init(repo)
    n = lambda x: max(1, int(x * scale))
    tracked = project_files(n(2_000)) + [
        (".gitignore", "100644", b"/envs/\n/build/\n/dist/\nnode_modules/\n*.pyc\n"),
    ] + venv_files("tracked-env", n(1_500))
    fi = FastImport(repo)
    fi.commit("project", tracked)
    fi.done()
    checkout(repo)
    for i in range(4):
        write_tree(repo, venv_files(f"envs/ignored{i}", n(20_000)))
    write_tree(repo, venv_files("self-ignoring", n(20_000)))
    write_tree(repo, [("self-ignoring/.gitignore", "100644", b"*")])
    write_tree(repo, venv_files("loose-env", n(20_000)))
    write_tree(repo, [(f"node_modules/pkg{i // 50:04d}/file{i % 50:02d}.js", "100644", b"x\n")
                      for i in range(n(140_000))])
    write_tree(repo, [(f"build/obj{i // 100:03d}/o{i % 100:02d}.o", "100644", b"\0")
                      for i in range(n(30_000))])
    write_tree(repo, [(f"dist/wheel{i // 100:03d}/f{i % 100:02d}", "100644", b"d")
                      for i in range(n(6_000))])
    return repo


def history(base, scale):
    repo = os.path.join(base, "history")
    init(repo)
    commits = max(30, int(3_000 * scale))
    fi = FastImport(repo)
    fi.commit("start", project_files(500))
    env = venv_files("venv", 1_500)
    for c in range(1, commits):
        changes = [(f"src/pkg{c % 40:02d}/sub000/file{c % 50:02d}.py", "100644",
                    b"def f():\n    return %d\n" % c)]
        deletes = []
        if c == commits // 3:
            changes += env
        elif c == commits // 2:
            changes += [(p, m, content + b"# changed\n") for p, m, content in env[7:400]]
        elif c == 2 * commits // 3:
            deletes = ["venv"]
        fi.commit(f"commit {c}", changes, deletes)
    fi.done()
    checkout(repo)
    return repo


class Rng:
    """A small deterministic generator (64-bit LCG), the same on every Python."""

    def __init__(self, seed):
        self.state = seed

    def below(self, n):
        self.state = (self.state * 6364136223846793005 + 1442695040888963407) % (1 << 64)
        return (self.state >> 33) % n


def env_files(root, count, tag):
    """A venv whose files are distinct blobs of 200 B to 4 KB, as installed packages are."""
    files = venv_files(root, 7)
    sp = f"{root}/lib/python3.11/site-packages"
    for i in range(count - len(files)):
        pkg, mod = divmod(i, 40)
        path = f"{sp}/{tag}pkg{pkg:04d}/mod{mod:02d}.py"
        lines = 4 + (i * 2654435761) % 120
        body = b"".join(b"def f%d(x):\n    return x * %d\n" % (j, i + j) for j in range(lines))
        files.append((path, "100644", b"# %s\n%s" % (path.encode(), body)))
    return files


class Branch:
    """A branch's tip, what it changed itself (for the merge back) and how much of main's log
    it has (for merging main into it)."""

    def __init__(self, ref, tip, synced=0):
        self.ref, self.tip, self.synced = ref, tip, synced
        self.changes = {}  # path -> (mode, content)
        self.deletes = []  # directories of the base it removed

    def commit(self, fi, message, changes, deletes=()):
        for d in deletes:
            inside = [p for p in self.changes if p.startswith(d + "/")]
            for p in inside:
                del self.changes[p]
            if not inside:
                self.deletes.append(d)
        for path, mode, content in changes:
            self.changes[path] = (mode, content)
        self.tip = fi.commit(message, changes, deletes, ref=self.ref, parents=[self.tip])
        return self.tip

    def net(self):
        return [(p, m, c) for p, (m, c) in self.changes.items()]


class Main:
    """The main line, with the log of what each of its commits changed."""

    def __init__(self, fi, tip):
        self.fi, self.tip, self.log = fi, tip, []

    def commit(self, message, changes, deletes=(), merge=None):
        parents = [self.tip] + ([merge] if merge else [])
        self.tip = self.fi.commit(message, changes, deletes, parents=parents)
        self.log.append((changes, deletes))

    def merge_into(self, branch, message):
        """Merges main into `branch` (a pull request's "update branch", a release branch
        catching up): the branch's own changes win."""
        changed, removed = {}, []
        for changes, deletes in self.log[branch.synced:]:
            for d in deletes:
                for p in [p for p in changed if p.startswith(d + "/")]:
                    del changed[p]
                removed.append(d)
            for path, mode, content in changes:
                changed[path] = (mode, content)
        mods = [(p, m, c) for p, (m, c) in changed.items() if p not in branch.changes]
        branch.tip = self.fi.commit(message, mods, removed, ref=branch.ref,
                                    parents=[branch.tip, self.tip])
        branch.synced = len(self.log)


def pr_history(base, scale):
    repo = os.path.join(base, "pr-history")
    init(repo)
    n = lambda x, low: max(low, int(x * scale))
    rng = Rng(7)
    project = project_files(n(3_000, 300))
    steps = n(8_500, 85)  # commits made on main directly
    prs = n(4_600, 46)
    lived, lived_commits = 6, n(400, 8)
    envs = {
        "venv": env_files("venv", n(18_000, 200), "a"),
        "services/api/.venv": env_files("services/api/.venv", n(5_000, 100), "b"),
        "env": env_files("env", n(8_000, 150), "c"),
        "tools/.venv": env_files("tools/.venv", n(12_000, 150), "d"),
    }
    readd = prs * 8 // 10
    env_pr = {prs * 3 // 10: "venv", prs // 2: "services/api/.venv", prs * 6 // 10: "env",
              readd: "env"}
    marks = os.path.join(repo, ".git", "bench-marks")
    fi = FastImport(repo, "--active-branches=32", f"--export-marks={marks}")
    main = Main(fi, fi.commit("start", project + [("README.md", "100644", b"# project\n")]))
    edit = lambda what: [(project[rng.below(len(project))][0], "100644",
                          b"def f():\n    return %s\n" % repr(what).encode())
                         for _ in range(1 + rng.below(3))]
    pending = {}  # step -> [(event, branch, pull request number)]
    later = lambda step, event, branch, number: pending.setdefault(step, []).append(
        (event, branch, number))
    open_prs = []
    span = steps * 4 // 7
    starts = {steps * b // (lived + 1): b for b in range(lived)}
    active = []  # [branch, commits left, merge step, brings tools/.venv]
    ml_merge = None
    pr = number = 0
    for step in range(steps):
        main.commit(f"main {step}", edit(("main", step)))
        if step % max(1, steps // 18) == 0:
            fi.tag(f"v1.{step}", main.tip, f"release 1.{step}")
        if step in starts:
            b = starts[step]
            ref = "refs/heads/feature/ml" if b == 2 else f"refs/heads/release/{b}"
            active.append([Branch(ref, main.tip, len(main.log)), lived_commits, step + span,
                           b == 2])
        # Long-lived branches: a commit now and then, main merged in every so often, merged
        # back into main at the end of their span.
        for item in active:
            branch, left, merge_at, ml = item
            if left and rng.below(span) < lived_commits:
                item[1] -= 1
                changes = edit((branch.ref, left))
                if ml and left == lived_commits - 2:
                    changes += envs["tools/.venv"]
                branch.commit(fi, f"{branch.ref[11:]}: work {left}", changes)
                if left % max(1, lived_commits // 4) == 0:
                    main.merge_into(branch, f"Merge branch 'main' into {branch.ref[11:]}")
            if step == merge_at:
                main.commit(f"Merge branch '{branch.ref[11:]}'", branch.net(), branch.deletes,
                            merge=branch.tip)
                if ml:
                    ml_merge = main.tip
                    later(step + steps // 20, "drop", None, 0)
        active = [item for item in active if item[2] > step]
        # About prs / steps pull requests opened at each step, each of 1-5 commits on the main
        # of the day; a quarter merge main in before they are done.
        while pr * steps < prs * (step + 1):
            number += 1 + rng.below(2)
            branch = Branch(f"refs/pull/{number}/head", main.tip, len(main.log))
            env = env_pr.get(pr)
            count = 1 + rng.below(5) if env is None else 3
            for c in range(count):
                changes, deletes = edit((number, c)), []
                if env and c == 0:
                    changes += envs[env]
                if env and c == 2 and pr != readd:
                    deletes = [env]
                branch.commit(fi, f"PR #{number}: change {c}", changes, deletes)
            fate = rng.below(20)
            if env == "venv":
                fate = 0
            elif env:
                fate = 15 if pr != readd else 18
            done = step + 2 + rng.below(60)
            if rng.below(4) == 0:
                later(step + 1 + rng.below(done - step - 1), "update", branch, number)
            if fate < 10:
                later(done, "merge", branch, number)
            elif fate < 15:
                later(done, "squash", branch, number)
            elif fate >= 18:
                open_prs.append((branch, number))
            pr += 1
        for event, branch, num in pending.pop(step, []):
            if event == "update":
                main.merge_into(branch, f"Merge branch 'main' into pr-{num}")
            elif event == "merge":
                main.commit(f"Merge pull request #{num}", branch.net(), branch.deletes,
                            merge=branch.tip)
            elif event == "squash":
                main.commit(f"PR #{num} (squashed)", branch.net(), branch.deletes)
            else:
                main.commit("Remove tools/.venv", [], ["tools/.venv"])
    # GitHub's test merges of the open pull requests into today's main.
    for branch, num in open_prs:
        fi.commit(f"Merge {num} into main", branch.net(), branch.deletes,
                  ref=f"refs/pull/{num}/merge", parents=[main.tip, branch.tip])
    fi.done()
    git(repo, "pack-refs", "--all")
    git(repo, "repack", "-adfq")
    git(repo, "prune-packed")
    checkout(repo)
    # A..B: ~1,000 commits up to the merge that brings tools/.venv.
    ids = dict(line.split() for line in open(marks))
    os.remove(marks)
    b = ids[f":{ml_merge}"]
    out = lambda *args: subprocess.run(["git", *args], cwd=repo, env=ENV, check=True,
                                       capture_output=True, text=True).stdout
    line = out("rev-list", "--first-parent", b).split()
    low, high = 1, len(line) - 1
    while low < high:
        mid = (low + high) // 2
        if int(out("rev-list", "--count", f"{line[mid]}..{b}")) < 1_000:
            low = mid + 1
        else:
            high = mid
    with open(os.path.join(base, "pr-history.range"), "w") as f:
        f.write(f"{line[low]}\n{b}\n")
    return repo

KINDS = {
    "small": small,
    "small-env": small_env,
    "monorepo": monorepo,
    "worktree": worktree,
    "history": history,
    "pr-history": pr_history,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("dir")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--only", default=",".join(KINDS))
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    for kind in args.only.split(","):
        repo = KINDS[kind](args.dir, args.scale)
        print(f"built {kind}: {repo}", file=sys.stderr)


if __name__ == "__main__":
    main()
