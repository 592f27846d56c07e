"""What the reference solution needs of each rubric item's time, at Gradescope's CPU share.

    python benchmarks/item_seconds.py [--runs 3] [--cpus 0.5] [--write] [--results F…]

Grades solution/ `--runs` times, under a cgroup of `--cpus` CPUs when this process may make
one (root), and prints, per item, the slowest run's seconds (results.json's
`extra_data.seconds`), the rubric's timeout and their ratio. The notebook is one row: the
whole run, against the rubric's [notebook] budget. `--write` records the seconds in
benchmarks/item_seconds.json, which tests/grader/test_timeouts.py holds the rubric's
timeouts against: a timeout is at least FACTOR times what the reference needs, and never
under the rubric's default.
"""
import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

KIT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(KIT))
from autograder import rubric as rubric_file  # noqa: E402
from autograder.host import limits  # noqa: E402

RECORD = Path(__file__).with_name("item_seconds.json")
FACTOR = 4  # a timeout is at least this many times what the reference needs
NOTEBOOK = "notebook"  # the record's row for the whole notebook


def grade_once(cpus: float, results: Path) -> tuple[dict, bool]:
    """{item id or NOTEBOOK: seconds} of one grade of solution/, and whether `cpus` held."""
    command = [sys.executable, "-m", "autograder", "grade", "solution", "--results",
               str(results)]
    enforced = limits.can_make_cgroups() is None
    if enforced:
        command = [sys.executable, "-m", "autograder.host.limits", "run", "--cpus", str(cpus),
                   "--memory", "4G", "--", *command]
    subprocess.run(command, cwd=KIT, capture_output=True, text=True, check=True)
    return seconds_of(results), enforced


def seconds_of(results: Path) -> dict:
    """{item id or NOTEBOOK: seconds} from a results.json of the solution's grade."""
    ids = {i.number: i.id for i in rubric_file.load().items}
    seconds = {}
    for test in json.loads(results.read_text())["tests"]:
        s = test["extra_data"]["seconds"]
        if test["number"] in ids:
            seconds[ids[test["number"]]] = s
        else:  # each notebook block carries the run's time shared out evenly
            seconds[NOTEBOOK] = seconds.get(NOTEBOOK, 0.0) + s
    return seconds


def main(argv=None):
    parser = argparse.ArgumentParser(prog="benchmarks/item_seconds.py")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cpus", type=float, default=limits.GRADESCOPE.cpus)
    parser.add_argument("--write", action="store_true", help=f"record them in {RECORD.name}")
    parser.add_argument("--results", type=Path, nargs="+", metavar="FILE",
                        help="read these results.json of grades run at --cpus instead of "
                             "grading (e.g. from `limits run`, on a quiet machine)")
    args = parser.parse_args(argv)
    worst, enforced = {}, True
    with tempfile.TemporaryDirectory() as tmp:
        runs = args.results or [None] * args.runs
        for run, given in enumerate(runs):
            if given is not None:
                seconds = seconds_of(given)
            else:
                seconds, held = grade_once(args.cpus, Path(tmp) / f"results-{run}.json")
                enforced = enforced and held
            for key, s in seconds.items():
                worst[key] = round(max(worst.get(key, 0.0), s), 2)
    args.runs = len(runs)
    rubric = rubric_file.load()
    limit = {i.id: i.timeout for i in rubric.items} | {NOTEBOOK: rubric.notebook["budget"]}
    print(f"{'item':22} {'needs s':>8} {'timeout':>8} {'ratio':>6}")
    for key, s in worst.items():
        print(f"{key:22} {s:8.2f} {limit[key]:8g} {limit[key] / max(s, 0.01):6.1f}")
    where = f"{args.cpus:g} CPU" if enforced else "no CPU limit (not root, or no cgroups)"
    print(f"slowest of {args.runs} runs, at {where}")
    if args.write:
        RECORD.write_text(json.dumps({"cpus": args.cpus if enforced else None,
                                      "runs": args.runs, "seconds": worst}, indent=1) + "\n")


if __name__ == "__main__":
    main()
