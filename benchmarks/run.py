"""`make bench`: grade time, check time, the grader's fixed costs, a grade in Gradescope's
container, Beras training speed against PyTorch, and the class report's build time for
500 submissions, as one report that ends with the lines tools parse:

    container grade seconds: N.N     (0.5 CPU, 768 MB; "not enforced" without root)
    container peak resident MB: N    (the whole process tree, each page once)
    container oom kills: N
    grade seconds: N.N
    check seconds: N.N
    epoch seconds beras: N.NN
    epoch seconds pytorch: N.NN      (n/a without PyTorch)
    epoch ratio beras/pytorch: N.NN  (n/a without PyTorch)

    python benchmarks/run.py [--bench-python .venv-bench/bin/python] [--runs 3]
                             [--rounds 3] [--threads N] [--cpus 0.5] [--memory 768M]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import container
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
    parser.add_argument("--cpus", default="0.5", help="the container's CPUs (Gradescope's)")
    parser.add_argument("--memory", default="768M", help="the container's memory")
    args = parser.parse_args(argv)

    print("Beras HW2 kit benchmarks")
    for line in machine.describe():
        print(line)
    print()
    roundtrip.main([])
    print()
    times = grading.main(["--runs", str(args.runs)])
    print()
    boxed = container.main(["--cpus", args.cpus, "--memory", args.memory])
    print()
    epochs = run_epochs(args.bench_python, args.rounds, args.threads)
    print()
    report.main(["--students", "500", "--runs", "1"])
    print(f"\nload average after: {machine.load()}")

    def maybe(value):
        return "n/a" if value is None else f"{value:.2f}"

    enforced = "" if boxed["enforced"] else " (not enforced)"
    peak = boxed["peak_resident"]
    print(f"container grade seconds: {boxed['wall_seconds']:.1f}{enforced}")
    print(f"container peak resident MB: {'n/a' if peak is None else round(peak / (1 << 20))}")
    print(f"container oom kills: {'n/a' if boxed['oom_kills'] is None else boxed['oom_kills']}")
    print(f"grade seconds: {times['grade']:.1f}")
    print(f"check seconds: {times['check']:.1f}")
    print(f"epoch seconds beras: {epochs['beras']:.2f}")
    print(f"epoch seconds pytorch: {maybe(epochs['pytorch'])}")
    print(f"epoch ratio beras/pytorch: {maybe(epochs['ratio'])}")


if __name__ == "__main__":
    main()
