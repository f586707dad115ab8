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

    def __init__(self, repo):
        self.proc = subprocess.Popen(
            ["git", "fast-import", "--quiet", "--done"], cwd=repo, env=ENV,
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

    def commit(self, message, changes, deletes=()):
        """`changes`: (path, mode, content); `deletes`: paths or directories."""
        mods = [(p, m, self.blob(c)) for p, m, c in changes]
        msg = message.encode()
        self.time += 60
        self._w(b"commit refs/heads/main\n")
        self._w(b"author Bench <bench@example.com> %d +0000\n" % self.time)
        self._w(b"committer Bench <bench@example.com> %d +0000\n" % self.time)
        self._w(b"data %d\n%s\n" % (len(msg), msg))
        for path in deletes:
            self._w(b"D %s\n" % path.encode())
        for path, mode, mark in mods:
            self._w(b"M %s :%d %s\n" % (mode.encode(), mark, path.encode()))
        self._w(b"\n")
        self.commits += 1

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


KINDS = {
    "small": small,
    "small-env": small_env,
    "monorepo": monorepo,
    "worktree": worktree,
    "history": history,
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
