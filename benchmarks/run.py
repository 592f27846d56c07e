"""`make bench`: grade time, check time, the grader's fixed costs, Beras training speed
against PyTorch, and the class report's build time for 500 submissions, as one report that ends with the lines tools parse:

    grade seconds: N.N
    check seconds: N.N
    epoch seconds beras: N.NN
    epoch seconds pytorch: N.NN      (n/a without PyTorch)
    epoch ratio beras/pytorch: N.NN  (n/a without PyTorch)

    python benchmarks/run.py [--bench-python .venv-bench/bin/python] [--runs 3]
                             [--rounds 3] [--threads N]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import grading
import machine
import report
import roundtrip

HERE = Path(__file__).resolve().parent
OPENBLAS_OVERRIDES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def run_epochs(python, rounds, threads) -> dict:
    """benchmarks/epoch.py under `python`, with the per-machine OpenBLAS overrides unset
    for that command alone (they slow a current numpy; see the env notes)."""
    env = {k: v for k, v in os.environ.items() if k not in OPENBLAS_OVERRIDES}
    overridden = [f"{k}={os.environ[k]}" for k in OPENBLAS_OVERRIDES if k in os.environ]
    if overridden:
        print(f"(unset for the epoch benchmark only: {', '.join(overridden)})")
    with tempfile.TemporaryDirectory(prefix="beras-bench-") as tmp:
        out = Path(tmp) / "epoch.json"
        command = [python, str(HERE / "epoch.py"), "--rounds", str(rounds), "--json", str(out)]
        if threads:
            command += ["--threads", str(threads)]
        subprocess.run(command, env=env, check=True)
        return json.loads(out.read_text())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bench-python", default=sys.executable,
                        help="a Python with numpy, threadpoolctl and (optionally) torch")
    parser.add_argument("--runs", type=int, default=3, help="grades and checks to time")
    parser.add_argument("--rounds", type=int, default=3, help="epochs of each library")
    parser.add_argument("--threads", type=int, help="BLAS threads for the epoch benchmark")
    args = parser.parse_args(argv)

    print("Beras HW2 kit benchmarks")
    for line in machine.describe():
        print(line)
    print()
    roundtrip.main([])
    print()
    times = grading.main(["--runs", str(args.runs)])
    print()
    epochs = run_epochs(args.bench_python, args.rounds, args.threads)
    print()
    report.main(["--students", "500", "--runs", "1"])
    print(f"\nload average after: {machine.load()}")

    def maybe(value):
        return "n/a" if value is None else f"{value:.2f}"

    print(f"grade seconds: {times['grade']:.1f}")
    print(f"check seconds: {times['check']:.1f}")
    print(f"epoch seconds beras: {epochs['beras']:.2f}")
    print(f"epoch seconds pytorch: {maybe(epochs['pytorch'])}")
    print(f"epoch ratio beras/pytorch: {maybe(epochs['ratio'])}")


if __name__ == "__main__":
    main()
