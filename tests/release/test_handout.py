"""The student handout, unzipped fresh: `make check` sets itself up and grades code/ on the
public items, with no reference solution anywhere."""
import os
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

import pytest
from conftest import GIVEN, ROOT
import results_json

from autograder import rubric as rubric_file


@pytest.fixture(scope="module")
def handout(dist):
    # Not under pytest's tmp (mode 700): as root, the grader runs the student's code as an
    # unprivileged user, who must be able to run the handout's .venv/bin/python.
    where = Path(tempfile.mkdtemp(prefix="beras-handout-"))
    where.chmod(0o755)
    with zipfile.ZipFile(dist / "student.zip") as zf:
        zf.extractall(where)
    yield where / "hw2"
    shutil.rmtree(where)


def make_check(handout):
    # The handout's own setup.sh runs (a fresh .venv); MNIST_DIR only spares the download.
    env = {**os.environ, "MNIST_DIR": str(ROOT / "data" / "mnist")}
    env.pop("BERAS_DATA", None)
    run = subprocess.run(["make", "check"], cwd=handout, env=env, capture_output=True,
                         text=True, timeout=900)
    results = results_json.read(handout / "results.json")
    return run, results


def public_ids():
    return {i.number for i in rubric_file.load().items if i.public}


def test_make_check_on_the_stencil_shows_what_to_do(handout):
    assert not (handout / "solution").exists() and not (handout / ".venv").exists()
    run, results = make_check(handout)
    assert run.returncode == 0, run.stderr[-3000:]
    assert (handout / ".venv" / "bin" / "python").is_file()
    assert "\nBeras HW2 · public checks" in run.stdout
    assert "Hidden items are graded on Gradescope." in run.stdout
    numbers = {t["number"] for t in results["tests"]}
    assert {n for n in numbers if not n.startswith("10.")} == public_ids()
    assert {t["visibility"] for t in results["tests"]} == {"visible"}
    assert results["score"] == 0
    assert {t["name"] for t in results["tests"] if t["status"] == "passed"} == GIVEN


def test_make_check_gives_the_solution_every_public_point(handout):
    shutil.rmtree(handout / "code")
    shutil.copytree(ROOT / "solution", handout / "code",
                    ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    run, results = make_check(handout)
    assert run.returncode == 0, run.stderr[-3000:]
    failed = [f"{t['number']} {t['name']}:\n{t['output']}" for t in results["tests"]
              if t["status"] != "passed"]
    assert not failed, "\n\n".join(failed)
    assert results["score"] == sum(t["max_score"] for t in results["tests"]) > 0
