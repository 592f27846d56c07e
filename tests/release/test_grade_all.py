"""`python -m autograder grade-all`: a class of twenty into one gradebook."""
import csv
import json
import os
import shutil
import subprocess
import time

import pytest
from conftest import PY, ROOT, solution_code, zip_folder
import results_json

from autograder import fingerprint

ITEMS = ["dense.forward", "mse.forward", "mse.gradients"]  # enough to tell the bugs apart
FULL = {"1.1 dense.forward": "2", "5.1 mse.forward": "1", "5.2 mse.gradients": "2"}
# Small edits of the solution: {name: (file, old, new, the items it should fail)}
BUGS = {
    "mse_no_n": ("Beras/losses.py", "2 * (self.y_pred - self.y_true) / n",
                 "2 * (self.y_pred - self.y_true)", {"5.2 mse.gradients"}),
    "mse_sign": ("Beras/losses.py", "2 * (self.y_pred - self.y_true) / n",
                 "2 * (self.y_true - self.y_pred) / n", {"5.2 mse.gradients"}),
    # the gradient is still the true one of the mean: only the forward item loses
    "mse_sum": ("Beras/losses.py", "np.mean((y_pred - y_true) ** 2)",
                "np.sum((y_pred - y_true) ** 2)", {"5.1 mse.forward"}),
    "dense_no_bias": ("Beras/layers.py", "inputs @ self.w + self.b", "inputs @ self.w",
                      {"1.1 dense.forward"}),
    "syntax_error": ("Beras/core.py", "import numpy as np", "import numpy as np +", set(FULL)),
}


def buggy(name: str, dest):
    rel, old, new, _ = BUGS[name]
    code = solution_code(dest)
    text = (code / rel).read_text()
    assert old in text, f"{name}: the solution changed, update the edit"
    (code / rel).write_text(text.replace(old, new))
    return code


def grade_all(folder, *args, timeout=900):
    return subprocess.run([str(PY), "-m", "autograder", "grade-all", str(folder), *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def klass(tmp_path_factory):
    """20 submissions: 8 solutions, 5 stencils, 6 buggy, 1 broken zip; folders and zips."""
    root = tmp_path_factory.mktemp("class")
    stage = tmp_path_factory.mktemp("stage")
    expected = {}
    for i in range(1, 9):
        code = solution_code(stage / f"sol{i}")
        if i <= 4:
            shutil.copytree(code, root / f"sol{i}" / ("hw2/code" if i == 2 else ""))
        else:
            zip_folder(code, root / f"sol{i}.zip", under="hw2/code" if i == 8 else "")
        expected[f"sol{i}"] = set()
    for i in range(1, 6):
        if i <= 3:
            shutil.copytree(ROOT / "stencil", root / f"stencil{i}")
        else:
            zip_folder(ROOT / "stencil", root / f"stencil{i}.zip")
        expected[f"stencil{i}"] = set(FULL)
    for name in BUGS:
        shutil.copytree(buggy(name, stage / name), root / name)
        expected[name] = BUGS[name][3]
    zip_folder(buggy("mse_no_n", stage / "again"), root / "mse_no_n_again.zip")
    expected["mse_no_n_again"] = BUGS["mse_no_n"][3]
    (root / "broken.zip").write_bytes(b"PK\x03\x04 not really a zip")
    (root / "submission_metadata.yml").write_text("ignored: a file, not a submission\n")
    assert len(expected) == 19
    start = time.monotonic()
    run = grade_all(root, "--jobs", "2", "--items", *ITEMS)
    print(f"grade-all of 20 submissions: {time.monotonic() - start:.1f} s")
    return root, expected, run


def rows(root):
    with open(root / "gradebook" / "gradebook.csv", newline="") as f:
        return {row["submission"]: row for row in csv.DictReader(f)}


def test_every_submission_gets_its_row(klass):
    root, expected, run = klass
    assert run.returncode == 0, run.stderr
    book = rows(root)
    assert set(book) == set(expected) | {"broken"}
    for name, fails in expected.items():
        row = book[name]
        assert row["status"] == "graded", name
        assert {k: row[k] for k in FULL} == {k: "0" if k in fails else v
                                             for k, v in FULL.items()}, name
        assert float(row["total"]) == sum(float(v) for k, v in FULL.items() if k not in fails)
        assert row["out_of"] == "5"
        kept = results_json.read(root / "gradebook" / name / "results.json")
        assert kept["score"] == float(row["total"])


def test_a_broken_zip_costs_its_own_row(klass):
    root, _, run = klass
    row = rows(root)["broken"]
    assert (row["status"], row["total"], row["1.1 dense.forward"]) == ("not gradable", "0", "")
    kept = results_json.read(root / "gradebook" / "broken" / "results.json")
    assert kept["tests"] == [] and "not a readable zip file" in kept["output"]
    assert "broken (not gradable): Your submission could not be graded" in run.stdout


def test_the_summary_says_what_to_act_on(klass):
    root, _, run = klass
    out = run.stdout
    assert "Scores out of 5: min 0, median 3, max 5" in out
    assert out.count("#") > 10  # the histogram
    failed = out.split("Failed most")[1]
    first = failed.splitlines()[1].split()
    # stencils (5), mse_no_n (2), mse_sign and the syntax error fail 5.2 (mse_sum keeps it)
    assert first[:2] == ["9", "5.2"]
    assert "most common diagnosis" in failed
    kept = results_json.read(root / "gradebook" / "mse_no_n" / "results.json")
    assert "Diagnosis:" in next(t["output"] for t in kept["tests"] if t["number"] == "5.2")


def test_progress_reaches_the_end_in_a_non_tty(klass):
    _, _, run = klass
    lines = [line for line in run.stderr.splitlines() if line.startswith("[")]
    assert len(lines) == 20
    assert "20/20 100%" in lines[-1] and "done" in lines[-1]
    assert any(" left" in line for line in lines[:-1])


def test_a_rerun_grades_only_what_changed(klass):
    root, _, _ = klass
    before = (root / "gradebook" / "gradebook.csv").read_text()
    later = time.time() + 5
    os.utime(root / "sol3" / "Beras" / "layers.py", (later, later))
    run = grade_all(root, "--jobs", "2", "--items", *ITEMS)
    assert run.returncode == 0, run.stderr
    assert run.stderr.count(": up to date") == 19
    assert "sol3: 5 (" in run.stderr
    assert (root / "gradebook" / "gradebook.csv").read_text() == before


def test_other_items_are_a_new_grade(klass, tmp_path):
    root, _, _ = klass
    one = tmp_path / "one"
    shutil.copytree(root / "sol1", one / "sol1")
    for items in (["dense.forward"], ["mse.forward"]):
        run = grade_all(one, "--items", *items)
        assert ": up to date" not in run.stderr
    assert list(rows(one)["sol1"]) == ["submission", "status", "5.1 mse.forward", "total",
                                       "out_of", "reason"]


def test_a_submission_that_hangs_is_stopped(tmp_path):
    code = solution_code(tmp_path / "class" / "hangs")
    (code / "Beras" / "layers.py").write_text("while True:\n    pass\n")
    run = grade_all(tmp_path / "class", "--items", "dense.forward", "--timeout", "3")
    assert run.returncode == 0, run.stderr
    row = rows(tmp_path / "class")["hangs"]
    assert (row["status"], row["total"]) == ("timed out", "0")
    kept = results_json.read(tmp_path / "class" / "gradebook" / "hangs" / "results.json")
    assert kept["tests"] == [] and "stopped after 3 s" in kept["output"]


def test_an_empty_folder_is_an_error(tmp_path):
    run = grade_all(tmp_path)
    assert run.returncode == 2
    assert "no submissions in" in run.stderr


def test_a_grade_by_another_rubric_or_grader_is_redone(tmp_path):
    folder = tmp_path / "class"
    for name in "abc":
        solution_code(folder / name)
    first = grade_all(folder, "--items", "dense.forward")
    assert first.returncode == 0, first.stderr
    assert "grade-all: grading 3 of 3 (3: new or changed since its last grade)" in first.stderr
    kept = {name: folder / "gradebook" / name / "results.json" for name in "abc"}
    graded = results_json.read(kept["a"])
    assert graded["extra_data"]["fingerprint"] == fingerprint.current()
    assert [t["extra_data"]["id"] for t in graded["tests"]] == ["dense.forward"]
    # What re-weighting an item, or a grader fix, leaves behind: grades another kit made.
    for name, part in (("a", "rubric"), ("b", "grader")):
        old = results_json.read(kept[name])
        old["extra_data"]["fingerprint"][part] = "0" * 64
        old["tests"][0]["score"] = old["score"] = 0.0
        kept[name].write_text(json.dumps(old))
    second = grade_all(folder, "--items", "dense.forward")
    assert second.returncode == 0, second.stderr
    assert "grade-all: grading 2 of 3 (1: the rubric changed; 1: the grader changed)" \
        in second.stderr
    assert second.stderr.count(": up to date") == 1
    assert {name: row["total"] for name, row in rows(folder).items()} == \
        {"a": "2", "b": "2", "c": "2"}
    third = grade_all(folder, "--items", "dense.forward")
    assert "grade-all: grading 0 of 3: every grade is up to date" in third.stderr


def test_a_fingerprint_follows_what_grades(tmp_path):
    rubric = tmp_path / "rubric.toml"
    rubric.write_text('title = "T"\n[[item]]\npoints = 2\n')
    before = fingerprint.rubric_digest(rubric)
    rubric.write_text('# a comment changes no grade\ntitle = "T"\n[[item]]\npoints = 2\n')
    assert fingerprint.rubric_digest(rubric) == before
    rubric.write_text('title = "T"\n[[item]]\npoints = 3\n')
    assert fingerprint.rubric_digest(rubric) != before
    tree = tmp_path / "tree"
    (tree / "__pycache__").mkdir(parents=True)
    (tree / "a.py").write_text("x = 1\n")
    digest = fingerprint.tree_digest(tree)
    (tree / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"cache")
    assert fingerprint.tree_digest(tree) == digest
    (tree / "a.py").write_text("x = 2\n")
    assert fingerprint.tree_digest(tree) != digest
    now = fingerprint.current()
    assert fingerprint.changes(now, now) == []
    assert fingerprint.changes({**now, "reference": None}, now) == ["reference"]
    assert fingerprint.changes(None, now) == ["fingerprint"]
    assert fingerprint.current(public_only=True)["reference"] is None
