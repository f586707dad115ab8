#!/usr/bin/env bash
# Builds this machine's venv-guard wheel with the manylinux2014 tag (glibc 2.17), so that pip
# installs it on any Linux of the last decade rather than only on one as new as the builder.
#
#   scripts/build-wheel.sh OUTDIR
#
# maturin and zig (the `ziglang` package) are installed from PyPI into a throwaway venv. zig's
# `cc` links against glibc 2.17's symbol versions whatever the builder's glibc is; maturin then
# audits the binary against the manylinux2014 policy and refuses a tag the binary does not meet,
# and auditwheel checks the finished wheel once more.
# zlib is compiled in (LIBZ_SYS_STATIC=1) rather than taken from the system: libz.so is not
# among the libraries a manylinux wheel may expect, and the wheel must run where none is
# installed. libgit2 is compiled in already (the vendored copy; a system one would be used only
# if it were 1.9.x, and auditwheel below would then refuse the wheel).
#
# CARGO_TARGET_DIR is honoured (the default is the project's target/); the venv is removed on
# exit. Prints the wheel's path last.
set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 OUTDIR" >&2
    exit 2
fi
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$1"
out=$(cd "$1" && pwd)

# The versions this script was checked with, pinned so that a new release of either cannot
# change the build unseen.
maturin_req=${MATURIN_REQ:-maturin==1.16.0}
zig_req=${ZIGLANG_REQ:-ziglang==0.17.1}
auditwheel_req=${AUDITWHEEL_REQ:-auditwheel==6.8.2}

tools=$(mktemp -d "${TMPDIR:-/tmp}/venv-guard-wheel.XXXXXX")
trap 'rm -rf "$tools"' EXIT
python3 -m venv "$tools/venv"
"$tools/venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    "$maturin_req" "$zig_req" "$auditwheel_req"

# maturin finds zig through the ziglang module of the Python it runs under.
export PATH="$tools/venv/bin:$PATH"
export LIBZ_SYS_STATIC=1
maturin build --release --locked --zig --compatibility manylinux2014 \
    --manifest-path "$root/Cargo.toml" --out "$out"

# The newest wheel of this version: a rebuild replaces the file of the same name.
wheel=$(basename "$(ls -t "$out"/venv_guard-*.whl | head -n 1)")
case "$wheel" in
*manylinux2014*|*manylinux_2_17*) ;;
*)
    echo "error: $wheel does not carry the manylinux2014 tag" >&2
    exit 1
    ;;
esac

# auditwheel reads the binary itself: which libraries it needs and the newest glibc symbol
# version it uses. Only manylinux_2_17 (manylinux2014) or an older policy will do.
audit=$(auditwheel show "$out/$wheel")
printf '%s\n' "$audit"
if ! printf '%s\n' "$audit" | tr -s '\n ' '  ' | grep -q -E 'consistent with the following platform tag: *"manylinux_2_(5|12|17)_'; then
    echo "error: auditwheel does not find $wheel consistent with manylinux2014" >&2
    exit 1
fi
echo "$out/$wheel"
