#!/usr/bin/env bash
# Grade one submission (a folder or a .zip) exactly as Gradescope would, from the BUILT zip,
# in a container's limits:
#
#   scripts/gradescope_local.sh [--cpus 0.5] [--memory 768M] [--report FILE] SUBMISSION RESULTS
#
# Like Gradescope, it unpacks dist/autograder.zip into an /autograder-shaped root, runs the
# zip's setup.sh once, puts the submission in root/submission (a zip is unpacked there),
# runs root/source/run_autograder, and copies root/results/results.json to RESULTS.
#
# run_autograder runs under Gradescope's default limits (autograder/host/limits.py:
# GRADESCOPE, 0.5 CPU and 768 MB) or those given (0: none), enforced by a cgroup when
# run as root; otherwise it says plainly that they are not enforced, and runs without.
# --report FILE: its wall time, peak memory and OOM kills, as JSON.
#
# The prepared root is build/gradescope-<sha256 of the zip and PYTHON> (a new zip, a new
# root; older roots are removed). GRADESCOPE_BUILD: another folder than build/. PYTHON:
# the interpreter the zip's setup.sh builds the venv on (default: the system's python3).
# The kit's verified data/mnist is handed to setup.sh as MNIST_DIR, so nothing is
# downloaded. Like a Gradescope container, the root grades one submission at a
# time: runs from other shells wait for it (flock).
#
# AUTOGRADER_ZIP: another zip than dist/autograder.zip. BERAS_ITEMS (test-only): see
# release/gradescope/run_autograder.
set -euo pipefail
KIT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
usage() {
  echo "usage: $0 [--cpus N] [--memory SIZE] [--report FILE] SUBMISSION RESULTS" >&2
  exit 2
}
limits=()  # empty: the runner's defaults, Gradescope's
positional=()
while [ $# -gt 0 ]; do
  case "$1" in
    --cpus|--memory) [ $# -ge 2 ] || usage; limits+=("$1" "$2"); shift 2 ;;
    --report) [ $# -ge 2 ] || usage; limits+=("$1" "$(realpath -m "$2")"); shift 2 ;;
    -*) usage ;;
    *) positional+=("$1"); shift ;;
  esac
done
[ ${#positional[@]} -eq 2 ] || usage
submission="$(realpath -e "${positional[0]}")"
results="$(realpath -m "${positional[1]}")"
zip="$(realpath -e "${AUTOGRADER_ZIP:-$KIT/dist/autograder.zip}")" || {
  echo "gradescope_local: no autograder zip: run \`make release\` first" >&2
  exit 2
}
# One root per zip and interpreter (PYTHON, as the zip's setup.sh takes it).
hash="$(printf '%s %s' "$(sha256sum "$zip" | cut -d' ' -f1)" "${PYTHON:-}" | sha256sum | cut -c1-16)"
build="${GRADESCOPE_BUILD:-$KIT/build}"
cache="$build/gradescope-$hash"
mkdir -p "$build"
chmod 755 "$build"  # the worker user reads the venv and the data through it

# Extract a zip, keeping its modes (Gradescope keeps run_autograder executable).
unpack() {
  python3 - "$1" "$2" <<'PY'
import os, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as zf:
    for info in zf.infolist():
        path = zf.extract(info, sys.argv[2])
        mode = info.external_attr >> 16 & 0o777
        if mode and not info.is_dir():
            os.chmod(path, mode)
PY
}

prepare() {
  local old
  for old in "$build"/gradescope-*; do
    case "$old" in "$cache"|"$cache.lock") ;; *) rm -rf "$old" ;; esac
  done
  rm -rf "$cache"
  mkdir -p "$cache/source"
  unpack "$zip" "$cache/source"
  if [ -z "${MNIST_DIR:-}" ] && [ -f "$KIT/data/mnist/t10k-labels-idx1-ubyte.gz" ]; then
    export MNIST_DIR="$KIT/data/mnist"  # setup.sh still verifies every checksum
  fi
  (cd "$cache/source" && AUTOGRADER_ROOT="$cache" bash ./setup.sh)
  touch "$cache/.ready"
}

exec 9>"$cache.lock"
flock -n 9 || { echo "gradescope_local: waiting for another run in $cache" >&2; flock 9; }
if [ ! -f "$cache/.ready" ]; then
  start=$SECONDS
  echo "gradescope_local: running the zip's setup.sh once, into $cache" >&2
  prepare
  echo "gradescope_local: setup.sh took $((SECONDS - start)) s" >&2
fi

rm -rf "$cache/submission" "$cache/results"
mkdir "$cache/submission"
if [ -d "$submission" ]; then
  cp -R "$submission/." "$cache/submission/"
else
  # Gradescope unpacks an uploaded zip into submission/. We unpack it with the grader's
  # own rules; a zip they refuse goes in as it is, and the grader says what is wrong.
  (cd "$cache/source" && "$cache/venv/bin/python" -c '
import sys
from pathlib import Path
from autograder.grade.submission import SubmissionError, unzip
try:
    unzip(Path(sys.argv[1]), Path(sys.argv[2]))
except SubmissionError:
    sys.exit(1)' "$submission" "$cache/submission") || {
    rm -rf "$cache/submission" && mkdir "$cache/submission"
    cp "$submission" "$cache/submission/"
  }
fi

# The zip's own limits runner, so that the limits are those of the code under test.
(cd "$cache/source" && AUTOGRADER_ROOT="$cache" "$cache/venv/bin/python" \
  -m autograder.host.limits run "${limits[@]}" -- "$cache/source/run_autograder")
mkdir -p "$(dirname "$results")"
cp "$cache/results/results.json" "$results"
