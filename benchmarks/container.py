"""A full grade of the reference solution in Gradescope's container: its CPU quota and
memory limit (default 0.5 CPU, 768 MB), enforced by a cgroup when run as root.

    python benchmarks/container.py [--cpus 0.5] [--memory 768M]

It runs `python -m autograder grade solution` under `python -m autograder.host.limits run`
and reports the score, the wall time, the peak memory of the whole process tree (resident,
each page once; and the cgroup's own peak, which also counts the page cache) and the OOM
kills. Without root it says so, and times the grade without the limits.
"""
import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import grading
import machine

KIT = Path(__file__).resolve().parent.parent
MiB = 1 << 20


def megabytes(value) -> str:
    return "n/a" if value is None else f"{value / MiB:.0f} MB"


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cpus", default="0.5")
    parser.add_argument("--memory", default="768M")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="beras-bench-") as tmp:
        report, results = Path(tmp) / "limits.json", Path(tmp) / "results.json"
        command = [sys.executable, "-m", "autograder.host.limits", "run", "--cpus", args.cpus,
                   "--memory", args.memory, "--report", str(report), "--",
                   sys.executable, "-m", "autograder", "grade", "solution",
                   "--results", str(results)]
        done = subprocess.run(command, cwd=KIT, capture_output=True, text=True)
        if not report.is_file() or not results.is_file():
            sys.exit(f"the grade under limits wrote no report (exit {done.returncode}):\n"
                     f"{done.stderr[-2000:]}")
        got = json.loads(report.read_text())
        graded = json.loads(results.read_text())
    limits = f"{args.cpus} CPU, {args.memory}"
    how = "enforced by a cgroup" if got["enforced"] else f"NOT ENFORCED ({got['why']})"
    print(f"grade in Gradescope's container ({limits}, {how}), load {machine.load()}:")
    print(f"  {grading.score_line(graded)}; {got['wall_seconds']:.1f} s; peak resident "
          f"{megabytes(got['peak_resident'])} (the cgroup's peak, page cache included: "
          f"{megabytes(got['peak_memory'])}); OOM kills: {got['oom_kills']}")
    return got


if __name__ == "__main__":
    main()
