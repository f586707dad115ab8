#!/usr/bin/env bash
# Benchmarks venv-guard against git itself, in the same run, on the corpus of
# scripts/corpus.py, and prints the targets table (medians; ratio = venv-guard / git).
#
#   scripts/bench.sh [--scale S] [--runs N] [--rounds R] [--dir DIR] [--keep] [--linearity]
#
# --linearity also runs the scans at 0.1x, 1x and 3x the corpus size and prints how the time
# grows with the number of paths. Needs hyperfine and GNU time (/usr/bin/time).
set -euo pipefail

scale=1
runs=15
rounds=5
dir=""
keep=0
linearity=0
while [ $# -gt 0 ]; do
    case "$1" in
        --scale) scale=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        --rounds) rounds=$2; shift 2 ;;
        --dir) dir=$2; shift 2 ;;
        --keep) keep=1; shift ;;
        --linearity) linearity=1; shift ;;
        *) echo "usage: $0 [--scale S] [--runs N] [--rounds R] [--dir DIR] [--keep] [--linearity]" >&2; exit 2 ;;
    esac
done
[ "$runs" -ge 1 ] && [ "$rounds" -ge 1 ] || { echo "bench: --runs and --rounds take a number of at least 1" >&2; exit 2; }
command -v hyperfine >/dev/null || { echo "bench: hyperfine is needed (apt-get install hyperfine)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench: GNU time is needed (apt-get install time)" >&2; exit 2; }

root=$(cd "$(dirname "$0")/.." && pwd)
cargo build --release --quiet --manifest-path "$root/Cargo.toml"
vg="$root/target/release/venv-guard"
if [ -z "$dir" ]; then
    dir=$(mktemp -d "${TMPDIR:-/tmp}/venv-guard-bench.XXXXXX")
fi
results="$dir/results"
mkdir -p "$results"
if [ "$keep" = 0 ]; then trap 'rm -rf "$dir"' EXIT; fi

# Benchmarks run with a clean git environment, as a hook or CI step would.
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
unset GIT_DIR GIT_INDEX_FILE GIT_WORK_TREE PRE_COMMIT_FROM_REF PRE_COMMIT_TO_REF GITHUB_ACTIONS

# bench NAME TARGET CORPUS_DIR GIT_COMMAND VENV_GUARD_COMMAND [SHELL [MEMORY_TARGET]]
# Times both commands with hyperfine (no shell unless SHELL is given, for commands with a pipe)
# and records peak memory with GNU time. hyperfine runs all of one command's runs before the
# other's, so a machine that drifts in between moves the ratio: the runs are split into
# ROUNDS hyperfine calls that take the two commands in turn (git first, then venv-guard first),
# and the medians are taken over all of them. MEMORY_TARGET bounds venv-guard's peak RSS over
# git's (2.0 unless given).
bench() {
    local name=$1 target=$2 cwd=$3 gitcmd=$4 vgcmd=$5 shell=${6:-none} mtarget=${7:-2.0}
    local round each=$(((runs + rounds - 1) / rounds))
    rm -f "$results/$name".*.json
    for round in $(seq "$rounds"); do
        local first=("--command-name" git "$gitcmd") second=("--command-name" venv-guard "$vgcmd")
        if [ $((round % 2)) = 0 ]; then
            first=("--command-name" venv-guard "$vgcmd") second=("--command-name" git "$gitcmd")
        fi
        (cd "$cwd" && hyperfine --shell="$shell" --ignore-failure --warmup 2 --runs "$each" \
            --export-json "$results/$name.$round.json" "${first[@]}" "${second[@]}" \
            >/dev/null 2>&1)
    done
    local gmem vmem
    gmem=$(cd "$cwd" && peak "$gitcmd")
    vmem=$(cd "$cwd" && peak "$vgcmd")
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$target" "$mtarget" "$gmem" "$vmem" "$gitcmd" \
        >> "$results/table.tsv"
}

# The median of five peak-RSS readings (KiB).
peak() {
    for _ in 1 2 3 4 5; do
        { /usr/bin/time -f '%M' bash -c "$1" 2>&1 >/dev/null || true; } | tail -n 1
    done | sort -n | sed -n 3p
}

run_suite() {
    local corpus=$1
    : > "$results/table.tsv"
    local batch range
    batch=$(tr '\n' ' ' < "$corpus/small-env.batch")
    # Two commit ids, A and B, with ~1,000 commits in A..B.
    range=$(paste -sd' ' "$corpus/pr-history.range" | awk '{print $1 ".." $2}')
    bench "native hook, small" 1.5 "$corpus/small" \
        "git diff --cached --name-only" "$vg hook"
    bench "native hook, monorepo, env staged" 1.0 "$corpus/monorepo" \
        "git diff --cached --name-only" "$vg hook"
    bench "native hook, monorepo, 3 files staged" 1.5 "$corpus/monorepo" \
        "env GIT_INDEX_FILE=.git/index-3 git diff --cached --name-only" \
        "env GIT_INDEX_FILE=.git/index-3 $vg hook"
    bench "hook FILE... (1,580 env paths)" 1.5 "$corpus/small-env" \
        "git -C ../small diff --cached --name-only" "$vg hook $batch"
    bench "scan --tracked, monorepo" 0.75 "$corpus/monorepo" \
        "git ls-files | grep -E '(^|/)(pyvenv\\.cfg|site-packages/)' >/dev/null" \
        "$vg --format json scan --tracked >/dev/null" bash
    bench "scan ., worktree" 1.0 "$corpus/worktree" \
        "git status --porcelain" "$vg --format json scan ."
    bench "scan ., monorepo checkout" 0.6 "$corpus/monorepo" \
        "git ls-files -o --exclude-standard" "$vg --format json scan ."
    bench "scan --history, history" 1.0 "$corpus/history" \
        "git log --all --name-only --format=" "$vg --format json scan --history"
    bench "scan --history, pr-history" 0.7 "$corpus/pr-history" \
        "git log --all --name-only --format=" "$vg --format json scan --history" none 1.5
    bench "scan --range, 1,000 commits, pr-history" 0.7 "$corpus/pr-history" \
        "git log --name-only --format= $range" "$vg --format json scan --range $range" none 1.5
    # Git 3.0's announced defaults, read through git itself (libgit2 cannot open them).
    bench "native hook, SHA-256 + reftable, env staged" 4.0 "$corpus/sha256-reftable" \
        "git diff --cached --name-only" "$vg hook"
    bench "scan --history, SHA-256 + reftable" 3.0 "$corpus/sha256-reftable-history" \
        "git log --all --name-only --format=" "$vg --format json scan --history"
}

# Git 3.0's announced defaults: the small-env corpus's files staged in a SHA-256 + reftable
# repository, and the history corpus re-hashed into one (git fast-export | fast-import).
make_sha256_reftable() {
    local corpus=$1
    if [ ! -d "$corpus/sha256-reftable" ]; then
        git init -q --object-format=sha256 --ref-format=reftable "$corpus/sha256-reftable"
        (cd "$corpus/small-env" && git ls-files -z |
            xargs -0 cp --parents -a -t "$corpus/sha256-reftable")
        git -C "$corpus/sha256-reftable" add -A
    fi
    if [ ! -d "$corpus/sha256-reftable-history" ]; then
        git init -q --bare --object-format=sha256 --ref-format=reftable \
            "$corpus/sha256-reftable-history"
        git -C "$corpus/history" fast-export --all --signed-tags=strip |
            git -C "$corpus/sha256-reftable-history" fast-import --quiet
    fi
}

print_table() {
    python3 - "$results" <<'PY'
import glob, json, os, statistics, sys
results = sys.argv[1]
rows = [l.rstrip("\n").split("\t") for l in open(os.path.join(results, "table.tsv"))]
print(f"| operation | git (ms) | venv-guard (ms) | ratio | target | met | peak RSS git / venv-guard (MiB) | memory ratio | memory target |")
print("|---|---:|---:|---:|---:|---|---:|---:|---:|")
for name, target, mtarget, gmem, vmem, _ in rows:
    times = {}
    for path in glob.glob(os.path.join(glob.escape(results), glob.escape(name) + ".*.json")):
        for r in json.load(open(path))["results"]:
            times.setdefault(r["command"], []).extend(r["times"])
    med = {command: statistics.median(t) * 1000 for command, t in times.items()}
    g, v = med["git"], med["venv-guard"]
    ratio = v / g
    mratio = int(vmem) / max(int(gmem), 1)
    met = "yes" if ratio <= float(target) and mratio <= float(mtarget) else "no"
    print(f"| {name} | {g:.1f} | {v:.1f} | {ratio:.2f}x | {target}x | {met} | "
          f"{int(gmem)/1024:.1f} / {int(vmem)/1024:.1f} | {mratio:.2f}x | {mtarget}x |")
PY
}

if [ ! -d "$dir/corpus/history" ]; then
    echo "building the corpus at scale $scale in $dir ..." >&2
    python3 "$root/scripts/corpus.py" "$dir/corpus" --scale "$scale"
elif [ ! -f "$dir/corpus/pr-history.range" ]; then
    # A corpus kept from before pr-history existed.
    python3 "$root/scripts/corpus.py" "$dir/corpus" --scale "$scale" --only pr-history
fi
make_sha256_reftable "$dir/corpus"
# Building a corpus leaves gigabytes of dirty pages; their writeback would land in the timings.
sync
run_suite "$dir/corpus"
echo "## scale $scale ($(git --version), $(nproc) cores)"
print_table

if [ "$linearity" = 1 ]; then
    echo
    echo "## growth with the number of paths (venv-guard median, ms)"
    echo "(scan --range: ~1,000 commits at every scale, bringing an environment that grows with it)"
    echo "| scale | scan --tracked | scan . worktree | scan . monorepo | scan --history | scan --history pr-history | scan --range pr-history |"
    echo "|---:|---:|---:|---:|---:|---:|---:|"
    for s in 0.1 1 3; do
        c="$dir/corpus-$s"
        python3 "$root/scripts/corpus.py" "$c" --scale "$s" \
            --only monorepo,worktree,history,pr-history
        sync
        line="| ${s}x"
        r=$(paste -sd' ' "$c/pr-history.range" | awk '{print $1 ".." $2}')
        for spec in "monorepo:--format json scan --tracked" "worktree:--format json scan ." \
                    "monorepo:--format json scan ." "history:--format json scan --history" \
                    "pr-history:--format json scan --history" \
                    "pr-history:--format json scan --range $r"; do
            repo=${spec%%:*}; args=${spec#*:}
            (cd "$c/$repo" && hyperfine --shell=none --ignore-failure --warmup 1 --runs 5 \
                --export-json "$results/lin.json" "$vg $args" >/dev/null 2>&1)
            ms=$(python3 -c "import json;print('%.1f' % (json.load(open('$results/lin.json'))['results'][0]['median']*1000))")
            line="$line | $ms"
        done
        echo "$line |"
        rm -rf "$c"
    done
fi
