"""The grader's fixed costs: interpreter and import start-up, a grade with no items, the
worker's boot, and one item's round trips (fork, first request, a plain request).

    python benchmarks/roundtrip.py [--repeats 5]

Uses the grader's own Guest, on a staged copy of solution/, exactly as a grade does.
"""
import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

KIT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(KIT))
from autograder import paths  # noqa: E402
from autograder.grade.submission import stage  # noqa: E402
from autograder.host.policy import confinement  # noqa: E402
from autograder.host.supervisor import Guest, install_guest  # noqa: E402


def wall(command) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=KIT, check=True, capture_output=True)
    return time.perf_counter() - start


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def worker_costs(repeats: int) -> dict:
    """Seconds of the worker's boot and of one item's round trips, medians."""
    sandbox = Path(tempfile.mkdtemp(prefix="beras-bench-"))
    sandbox.chmod(0o755)
    costs = {"worker boot": [], "item fork + end": [], "item: first request (imports Beras)": [],
             "item: one more request": []}
    try:
        code = stage(paths.SOLUTION, sandbox, paths.DATA)
        install_guest(sandbox)
        policy = confinement()
        for _ in range(repeats):
            worker = Guest(code, sandbox, policy)
            costs["worker boot"].append(timed(worker.start))
            for _ in range(3):
                costs["item fork + end"].append(timed(lambda: worker.item(20).__enter__()
                                                      .__exit__(None, None, None)))
                with worker.item(20) as child:
                    costs["item: first request (imports Beras)"].append(timed(
                        lambda: child.new("Beras.layers.Dense", 3, 2)))
                    costs["item: one more request"].append(timed(
                        lambda: child.func("numpy.zeros", 3)))
            worker.close()
    finally:
        shutil.rmtree(sandbox, ignore_errors=True)
    return {name: median(values) for name, values in costs.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    py = sys.executable
    costs = {
        "python -c pass": median(wall([py, "-c", "pass"]) for _ in range(args.repeats)),
        "python -c 'import autograder.__main__'": median(
            wall([py, "-c", "import autograder.__main__"]) for _ in range(args.repeats)),
        "a grade with no items (--items -)": median(
            wall([py, "-m", "autograder", "grade", "solution", "--items", "-", "--results",
                  str(Path(tempfile.gettempdir()) / "beras-bench-empty.json")])
            for _ in range(args.repeats)),
    }
    costs.update(worker_costs(args.repeats))
    print(f"grader fixed costs (medians of {args.repeats}):")
    for name, seconds in costs.items():
        print(f"  {name:<42} {seconds * 1000:7.1f} ms")
    return costs


if __name__ == "__main__":
    main()
