#!/usr/bin/env bash
# Fault injection: kills `venv-guard fix` with SIGKILL at random moments and checks that the
# repository is always whole: `.gitignore` holds exactly the old or the new bytes, `git fsck`
# and `git status` work, the index is the old or the new one, and no working file is lost.
#
#   scripts/faults.sh [RUNS] [BINARY]
#
# Exits 1 on the first run that breaks one of these, printing what broke.
set -euo pipefail

runs=${1:-200}
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${2:-}
if [ -z "$bin" ]; then
    cargo build --release --quiet --manifest-path "$root/Cargo.toml"
    bin="$root/target/release/venv-guard"
fi
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"

export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
export GIT_AUTHOR_NAME=Faults GIT_AUTHOR_EMAIL=faults@example.com
export GIT_COMMITTER_NAME=Faults GIT_COMMITTER_EMAIL=faults@example.com
unset GIT_DIR GIT_INDEX_FILE GIT_WORK_TREE

work=$(mktemp -d "${TMPDIR:-/tmp}/venv-guard-faults.XXXXXX")
trap 'rm -rf "$work"' EXIT

# The template: a committed project, a staged venv, a CRLF .gitignore without a final newline.
template="$work/template"
mkdir -p "$template"
(
    cd "$template"
    git init -q -b main
    printf 'print(1)\n' > app.py
    printf '*.log\r\n/dist/' > .gitignore
    git add -A
    git commit -q -m start
    python3 -m venv --without-pip venv
    mkdir -p venv/lib/python3.11/site-packages/demo
    printf 'VALUE = 1\n' > venv/lib/python3.11/site-packages/demo/__init__.py
    git add -A
)
old_ignore=$(sha256sum < "$template/.gitignore")
# The index's content (mode, object, stage, path); its stat data differs between copies.
entries() { git ls-files -s | sha256sum; }
old_index=$(cd "$template" && entries)
# Every working file's bytes, and every symlink's target.
snapshot() {
    find venv app.py \( -type f -exec sha256sum {} + \) -o \( -type l -printf '%p -> %l\n' \) |
        sort | sha256sum
}
files_before=$(cd "$template" && snapshot)

# The state a finished fix leaves, to compare against.
done_dir="$work/done"
cp -a "$template" "$done_dir"
(cd "$done_dir" && "$bin" fix >/dev/null)
new_ignore=$(sha256sum < "$done_dir/.gitignore")
new_index=$(cd "$done_dir" && entries)

killed=0
leftovers=0
completed=0
stale_locks=0
for i in $(seq 1 "$runs"); do
    repo="$work/run"
    rm -rf "$repo"
    cp -a "$template" "$repo"
    # A delay between 0 and 12 ms: start-up, scan, .gitignore write, index write.
    delay=$(awk -v seed="$i" 'BEGIN { srand(seed); printf "%.4f", rand() * 0.012 }')
    (cd "$repo" && exec "$bin" fix >/dev/null 2>&1) &
    pid=$!
    sleep "$delay"
    if kill -9 "$pid" 2>/dev/null; then killed=$((killed + 1)); fi
    wait "$pid" 2>/dev/null && completed=$((completed + 1)) || true

    cd "$repo"
    ignore=$(sha256sum < .gitignore)
    if [ "$ignore" != "$old_ignore" ] && [ "$ignore" != "$new_ignore" ]; then
        echo "run $i (delay $delay s): .gitignore is neither the old nor the new content" >&2
        od -c .gitignore | head >&2
        exit 1
    fi
    # A temporary file of an interrupted atomic write may remain; it never replaces anything.
    leftovers=$((leftovers + $(find . -maxdepth 1 -name '.venv-guard-*.tmp' | wc -l)))
    rm -f ./.venv-guard-*.tmp
    if [ -e .git/index.lock ]; then
        # SIGKILL leaves git's lock behind, as it does for git itself; the index is intact.
        stale_locks=$((stale_locks + 1))
        rm -f .git/index.lock
    fi
    index=$(entries)
    if [ "$index" != "$old_index" ] && [ "$index" != "$new_index" ]; then
        echo "run $i (delay $delay s): the index is neither the old nor the new one" >&2
        exit 1
    fi
    git fsck --no-progress >/dev/null 2>&1 || { echo "run $i: git fsck failed" >&2; exit 1; }
    git status --porcelain >/dev/null || { echo "run $i: git status failed" >&2; exit 1; }
    files_after=$(snapshot)
    if [ "$files_after" != "$files_before" ]; then
        echo "run $i (delay $delay s): a working file changed or was lost" >&2
        exit 1
    fi
    cd "$work"
done
echo "faults: $runs runs, $killed killed mid-run, $completed finished; .gitignore, index and working files always whole ($stale_locks stale index.lock and $leftovers temporary files left by SIGKILL)"
