"""Grading real submissions as a TA does: `python -m autograder grade` in a subprocess,
then the results.json it wrote, checked against Gradescope's schema (the fixtures are in
conftest.py)."""
import re
import subprocess
import sys
from pathlib import Path

import results_json

KIT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(KIT))

from autograder import rubric as rubric_file  # noqa: E402

SOLUTION, STENCIL = KIT / "solution", KIT / "stencil"
RUBRIC = rubric_file.load()
# every rubric item but MNIST training (the notebook's items come only with the notebook)
FAST = [i.id for i in RUBRIC.items if "training" not in i.tags]


class Graded:
    """One finished grade: exit code, printed report, and the results.json it wrote."""

    def __init__(self, proc, results_path):
        self.code, self.stdout, self.stderr = proc.returncode, proc.stdout, proc.stderr
        self.results = results_json.read(results_path)

    def by_number(self):
        """{item number: test entry}."""
        return {t["number"]: t for t in self.results["tests"]}

    def score_of(self, item_id):
        number = next(i.number for i in RUBRIC.items if i.id == item_id)
        return self.by_number()[number]["score"]

    def lost(self):
        """Numbers of the items that scored below their maximum."""
        return {t["number"] for t in self.results["tests"] if t["score"] < t["max_score"]}


def untimed(results: dict) -> dict:
    """results.json without what differs from run to run: the seconds (execution_time, each
    test's extra_data, the report header's total)."""
    results = {k: v for k, v in results.items() if k != "execution_time"}
    results["output"] = re.sub(r"\s+\d+\.\d s\n", " … s\n", results["output"], count=1)
    results["tests"] = [{k: v for k, v in t.items() if k != "extra_data"}
                        for t in results["tests"]]
    return results


def grade(submission, results_path, items=(), timeout=600) -> Graded:
    command = [sys.executable, "-m", "autograder", "grade", str(submission),
               "--results", str(results_path)]
    if items:
        command += ["--items", *items]
    proc = subprocess.run(command, cwd=KIT, capture_output=True, text=True, timeout=timeout)
    return Graded(proc, results_path)


def numbers(item_ids) -> set:
    return {i.number for i in RUBRIC.items if i.id in item_ids}
