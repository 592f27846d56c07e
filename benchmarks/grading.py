"""Wall time of full grades and of `make check` runs of the reference solution.

    python benchmarks/grading.py [--runs 3]

A full grade is `python -m autograder grade solution`; a check adds `--public-only`
(what `make check` runs). The full grade is broken down by phase from results.json's
per-item seconds (`extra_data.seconds`), each item put in a phase by its rubric id and
tags.
"""
import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

KIT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(KIT))
from autograder import rubric  # noqa: E402

PHASES = ("start-up", "set-up and wrap-up", "gradient checks", "property tests",
          "differential tests", "notebook", "training")
CHECK_LANE = ("gradient checks", "property tests", "differential tests", "notebook")


def phase_of(test: dict, ids: dict) -> str:
    """The phase of one results.json test: notebook, training, then by rubric id."""
    tags, item_id = test.get("tags", []), ids.get(test.get("number"), "")
    if "notebook" in tags:
        return "notebook"
    if "training" in tags:
        return "training"
    if item_id.endswith(".reference"):
        return "differential tests"
    if "gradient" in tags:
        return "gradient checks"
    return "property tests"  # hypothesis properties and known values


def run_grade(results: Path, public_only: bool) -> tuple:
    """One grade of solution/. Returns (wall seconds, results.json as a dict)."""
    command = [sys.executable, "-m", "autograder", "grade", "solution", "--results",
               str(results)] + (["--public-only"] if public_only else [])
    start = time.perf_counter()
    done = subprocess.run(command, cwd=KIT, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if not results.is_file():
        sys.exit(f"{' '.join(command)} wrote no results.json (exit {done.returncode}):\n"
                 f"{done.stderr[-2000:]}")
    return wall, json.loads(results.read_text())


def phases(wall: float, results: dict, ids: dict) -> dict | None:
    """Seconds per phase of one grade, or None when results.json has no item timings.

    The two lanes (training; everything else) run side by side, so the grade's own time
    (execution_time) is its set-up plus the longer lane.
    """
    tests = results.get("tests", [])
    if not all("seconds" in t.get("extra_data", {}) for t in tests):
        return None
    seconds = dict.fromkeys(PHASES, 0.0)
    for test in tests:
        seconds[phase_of(test, ids)] += test["extra_data"]["seconds"]
    longer_lane = max(seconds["training"], sum(seconds[p] for p in CHECK_LANE))
    seconds["start-up"] = wall - results["execution_time"]
    seconds["set-up and wrap-up"] = max(0.0, results["execution_time"] - longer_lane)
    return seconds


def score_line(results: dict) -> str:
    tests = results.get("tests", [])
    failed = [t["number"] for t in tests if t.get("status") != "passed"]
    total = sum(t.get("max_score", 0) for t in tests)
    line = f"score {results.get('score', 0):g}/{total:g}"
    if failed:
        line += f"; not passed: {len(failed)} of {len(tests)} items ({', '.join(failed[:8])}"
        line += ", ...)" if len(failed) > 8 else ")"
    return line


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    ids = {item.number: item.id for item in rubric.load().items}
    with tempfile.TemporaryDirectory(prefix="beras-bench-") as tmp:
        grades = [run_grade(Path(tmp) / f"grade-{i}.json", False) for i in range(args.runs)]
        checks = [run_grade(Path(tmp) / f"check-{i}.json", True) for i in range(args.runs)]

    grade_s = median(wall for wall, _ in grades)
    check_s = median(wall for wall, _ in checks)
    print(f"full grade of solution/ ({args.runs} runs): {grade_s:.1f} s median "
          f"({', '.join(f'{w:.1f}' for w, _ in grades)}); {score_line(grades[-1][1])}")
    broken_down = [phases(wall, results, ids) for wall, results in grades]
    if all(broken_down):
        print("  phase                   seconds (median)   lane")
        for phase in PHASES:
            lane = ("training" if phase == "training" else "checks" if phase in CHECK_LANE
                    else "-")
            print(f"  {phase:<22} {median(p[phase] for p in broken_down):8.1f}   {lane:>16}")
        print("  (the two lanes run side by side, one per core: a grade takes its start-up,"
              "\n   set-up and wrap-up, and the longer lane)")
        slowest = sorted(grades[-1][1]["tests"], key=lambda t: -t["extra_data"]["seconds"])
        print("  slowest items (last run): " + ", ".join(
            f"{ids.get(t['number'], t['number'])} {t['extra_data']['seconds']:.1f} s"
            for t in slowest[:4]))
    else:
        print("  no phase breakdown: results.json has no per-item extra_data.seconds")
    print(f"check (--public-only, {args.runs} runs): {check_s:.1f} s median "
          f"({', '.join(f'{w:.1f}' for w, _ in checks)}); {score_line(checks[-1][1])}")
    return {"grade": grade_s, "check": check_s}


if __name__ == "__main__":
    main()
