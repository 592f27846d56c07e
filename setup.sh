#!/usr/bin/env bash
# One idempotent set-up: .venv with the locked requirements, then MNIST in data/mnist/.
# The kit installs requirements-dev.txt (grading plus the kit's own tests); the student
# handout ships only requirements.txt (what grading needs). Both are hashed locks.
# Fast when everything is in place: it reinstalls only when the lock or the interpreter
# changed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
# The grader's worker runs as an unprivileged user when graded as root, so the venv's
# base interpreter must be readable by everyone: prefer the system's over one in ~root.
# Python 3.10 to 3.13 (requirements.txt pins each its own releases); PYTHON=… chooses.
if [ -z "${PYTHON:-}" ]; then
  PYTHON=python3
  if [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import sys, venv; assert sys.version_info >= (3, 10)' 2>/dev/null; then
    PYTHON=/usr/bin/python3
  fi
fi
reqs=requirements-dev.txt
[ -f "$reqs" ] || reqs=requirements.txt
stamp=.venv/.requirements.sha256
want="$(sha256sum "$reqs" | cut -d' ' -f1) $(command -v "$PYTHON")"
if ! "$PYTHON" -c 'import sys; assert sys.version_info >= (3, 10)' 2>/dev/null; then
  echo "setup: $PYTHON is not Python 3.10 or newer: set PYTHON=python3.10 (or later)" >&2
  exit 1
fi
if [ ! -x .venv/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: installing $reqs into .venv (base: $PYTHON)" >&2
  rm -rf .venv
  "$PYTHON" -m venv .venv
  .venv/bin/python -m pip install --quiet --disable-pip-version-check \
    --require-hashes -r "$reqs"
  echo "$want" > "$stamp"
fi
.venv/bin/python scripts/fetch_data.py
