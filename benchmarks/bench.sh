#!/usr/bin/env bash
# `make bench`: the report of benchmarks/run.py. PyTorch is a benchmark-only dependency:
# it goes into its own venv, .venv-bench (numpy pinned as in requirements.txt, plus
# threadpoolctl, pinned), never into .venv. When it cannot be installed, Beras is timed alone.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BENCH="${BENCH_VENV:-.venv-bench}"  # BENCH_VENV: another place, e.g. to try a fresh one
numpy_pin="$(grep -oE '^numpy==[^ ;]+' requirements.txt)"
threadpoolctl_pin=threadpoolctl==3.8.0  # reads the BLAS thread count; pinned like everything
have() { [ -x "$BENCH/bin/python" ] && "$BENCH/bin/python" -c "$1" >/dev/null 2>&1; }
pip_quiet() { "$BENCH/bin/python" -m pip install --quiet --disable-pip-version-check "$@"; }

# The same base interpreter as .venv, so both venvs run the same Python.
base="$(.venv/bin/python -c 'import sys; print(sys._base_executable)')"
if ! have "import numpy, threadpoolctl; assert '$numpy_pin' == 'numpy==' + numpy.__version__
assert '$threadpoolctl_pin' == 'threadpoolctl==' + threadpoolctl.__version__"
then
  echo "bench: creating $BENCH ($numpy_pin, $threadpoolctl_pin, torch==2.13.0)" >&2
  rm -rf "$BENCH"
  "$base" -m venv "$BENCH" || true
fi
if [ -x "$BENCH/bin/python" ] && ! have "import torch"; then
  # torch==2.13.0 is a CPU build on this machine's disk; a looser spec would pull a CUDA one.
  log="$BENCH/pip-torch.log"
  pip_quiet torch==2.13.0 "$numpy_pin" "$threadpoolctl_pin" >"$log" 2>&1 \
    || { echo "bench: PyTorch 2.13.0 could not be installed (pip said: $(tail -n 1 "$log"))." \
              "Beras is timed alone." >&2
         pip_quiet "$numpy_pin" "$threadpoolctl_pin" >>"$log" 2>&1 || true; }
fi
python=.venv/bin/python
have "import numpy, threadpoolctl" && python="$BENCH/bin/python"
exec .venv/bin/python benchmarks/run.py --bench-python "$python" "$@"
