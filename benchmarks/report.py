"""Build time of the class report (gradebook/report.html) for a synthetic class.

    python benchmarks/report.py [--students 500] [--runs 3] [--keep DIR]

The class is made, not graded: each student's code is the reference solution with one
bug-corpus patch or none, plus a helper of their own in three files (so each has code
nobody else has), and a few students hand in a renamed copy of another's. Each kept
results.json has every rubric item (notebook blocks included) with pass/fail drawn at
random, failure outputs of a realistic length with a diagnosis, and training accuracies
in the sentence the training check writes. A few are "timed out" or "not gradable".

It times `python -m autograder report` end to end (start-up and imports included), as
a TA runs it, and prints the median.
"""
import argparse
import json
import random
import resource
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path
from statistics import median

KIT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(KIT))
from autograder import paths, rubric as rubric_file  # noqa: E402
from autograder.checks.training import said  # noqa: E402
from autograder.grade.notebook_items import block_titles  # noqa: E402
from autograder.results import gradescope  # noqa: E402

CASES = tomllib.loads((KIT / "tests/bugs/cases.toml").read_text())["case"]
CODE = ("Beras", "assignment.py", "preprocess.py")
COPIES = 5  # students who hand in a renamed copy of the previous student's code
DIAGNOSES = ["sign flipped", "off by a constant factor k = 2", "transposed",
             "the batch mean is missing", "wrong axis: summed over axis 0",
             "NaN or overflow on large inputs", "not implemented yet: returned None"]
FILLER = ("Smallest failing input:\n    x =\n        [[ 1.5 -2.   0.5]\n         [-0.5  1.   "
          "2. ]]  (shape (2, 3))\nexpected forward(x) =\n    [[ 2.85 -2.2 ]\n     [-1.15  3.3 "
          " ]]  (shape (2, 2))\ngot forward(x) =\n    [[-2.85  2.2 ]\n     [ 1.15 -3.3 ]]\n")


def student_code(i: int, rng: random.Random, dest: Path, previous: Path | None) -> None:
    if previous is not None:  # a renamed copy of the previous student
        shutil.copytree(previous, dest)
        for f in (dest / "Beras").glob("*.py"):
            f.write_text(re.sub(r"(?<![.\w])inputs\b", "xs", f.read_text()))
        return
    for name in CODE:
        src = paths.SOLUTION / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copyfile(src, dest / name)
    case = rng.choice([None, None, *CASES])
    if case:
        finds = case["find"] if isinstance(case["find"], list) else [case["find"]]
        reps = case["replace"] if isinstance(case["replace"], list) else [case["replace"]]
        target = dest / case["file"]
        text = target.read_text()
        for find, rep in zip(finds, reps):
            text = text.replace(find, rep)
        target.write_text(text)
    for f in rng.sample(sorted((dest / "Beras").glob("*.py")), 3):
        a, b, c = (rng.randint(2, 997) for _ in range(3))
        f.write_text(f.read_text() + f"\n\ndef _helper_{i}(values, scale={a}):\n"
                     f"    total = 0\n    for v in values:\n        total += v * scale % {b}\n"
                     f"    return total - {c} * len(values)\n")


def results(rng: random.Random, rubric, skill: float) -> dict:
    tests = []
    for item in rubric.items:
        passed = rng.random() < skill
        if "bar" in item.params:
            bar, floor = item.params["bar"], item.params["floor"]
            acc = min(0.995, max(0.1, rng.gauss(bar + 0.02 if passed else bar - 0.08, 0.03)))
            fraction = 1.0 if acc >= bar else max(0.0, (acc - floor) / (bar - floor))
            output = f"Checked: {item.name}\n{said(acc, 10, 100, bar, floor)}"
            passed = fraction == 1
        else:
            fraction = 1.0 if passed else 0.0
            output = "" if passed else (f"Checked: {item.name}\n{FILLER}Diagnosis: "
                                        f"{rng.choice(DIAGNOSES)}")
            if not passed and rng.random() < 0.02:
                output = (f"Checked: {item.name}\nYour code did not finish within "
                          f"{item.timeout:g} s (an infinite loop, or far too slow), so the "
                          "item was stopped.")
        tests.append({"score": round(item.points * fraction, 4), "max_score": item.points,
                      "status": "passed" if passed else "failed", "name": item.name,
                      "number": item.number, "output": output, "output_format": "text",
                      "tags": list(item.tags), "visibility": item.visibility,
                      "extra_data": {"seconds": round(rng.uniform(0.01, 1.5), 3)}})
    return {"score": sum(t["score"] for t in tests), "execution_time": 30.0, "output": "",
            "output_format": "text", "visibility": "visible", "stdout_visibility": "hidden",
            "tests": tests}


def make_class(root: Path, students: int, seed: int = 15) -> Path:
    rng = random.Random(seed)
    rubric = rubric_file.load().with_notebook_blocks(block_titles(paths.NOTEBOOK))
    book = root / "gradebook"
    for i in range(students):
        name = f"student{i:04d}"
        copy_of = root / f"student{i - 1:04d}" if 0 < i <= 2 * COPIES and i % 2 == 0 else None
        student_code(i, rng, root / name, copy_of)
        kept = book / name
        kept.mkdir(parents=True)
        status = rng.choices(["graded", "timed out", "not gradable"], [97, 1, 2])[0]
        graded = (results(rng, rubric, rng.betavariate(5, 2)) if status == "graded" else
                  gradescope.error_json("Your submission could not be graded: no Beras "
                                        "package found" if status == "not gradable" else
                                        "Grading was stopped after 900 s."))
        (kept / "results.json").write_text(json.dumps(graded, indent=2))
        (kept / "grade.json").write_text(json.dumps({"args": [], "status": status,
                                                     "exit_code": 0, "seconds": 30.0}))
    return root


def children_cpu() -> float:
    """CPU seconds of the finished child processes (the report and its workers)."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="build the class here and keep it")
    args = parser.parse_args(argv)
    root = args.keep or Path(tempfile.mkdtemp(prefix="beras-report-bench-"))
    try:
        start = time.monotonic()
        make_class(root, args.students)
        print(f"class report: a synthetic class of {args.students} made in "
              f"{time.monotonic() - start:.1f} s")
        times, cpu = [], []
        for _ in range(args.runs):
            start, used = time.monotonic(), children_cpu()
            subprocess.run([sys.executable, "-m", "autograder", "report", str(root)],
                           cwd=KIT, check=True, stdout=subprocess.DEVNULL)
            times.append(time.monotonic() - start)
            cpu.append(children_cpu() - used)
        page = root / "gradebook" / "report.html"
        print(f"class report: `python -m autograder report` of {args.students} submissions, "
              f"median of {args.runs}: {median(times):.1f} s "
              f"(runs: {', '.join(f'{t:.1f}' for t in times)}), CPU {median(cpu):.1f} s "
              f"(both cores: the fingerprints are taken in parallel); "
              f"report.html {page.stat().st_size / 1024:.0f} KB")
        return {"report": median(times)}
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
