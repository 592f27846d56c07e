"""scripts/gradescope_local.sh: the BUILT autograder.zip grades as Gradescope would."""
import json
import os
import subprocess
import zipfile

import pytest
import results_json
from conftest import (GIVEN, ROOT, gradescope_local, solution_code, with_latin1_name,
                      zip_folder)


def test_the_solution_gets_full_marks(dist, tmp_path):
    results = gradescope_local(ROOT / "solution", tmp_path / "results.json", dist)
    failed = [f"{t['number']} {t['name']}:\n{t['output']}" for t in results["tests"]
              if t["status"] != "passed"]
    assert not failed, "\n\n".join(failed)
    assert results["score"] == sum(t["max_score"] for t in results["tests"]) > 0
    assert {t["visibility"] for t in results["tests"]} >= {"visible", "after_published"}


def test_the_stencil_gets_zero(dist, tmp_path):
    zipped = zip_folder(ROOT / "stencil", tmp_path / "stencil.zip", under="hw2/code")
    results = gradescope_local(zipped, tmp_path / "results.json", dist)
    assert len(results["tests"]) > 30
    assert results["score"] == 0
    assert [t["name"] for t in results["tests"] if t["score"] > 0] == []
    # The blocks that run only given code pass, and are worth nothing.
    assert {t["name"] for t in results["tests"] if t["status"] == "passed"} == GIVEN
    assert {t["max_score"] for t in results["tests"] if t["name"] in GIVEN} == {0}


BAD = {
    "no assignment.py beside Beras/": ({"hw2/Beras/__init__.py": b"", "hw2/notes.txt": b""},
                                       "found Beras/ in hw2 but no assignment.py beside it"),
    "two Beras packages": (None, "two or more Beras packages found (a, b): submit one"),
    "a name that is not UTF-8": (None, "a file name that is not UTF-8: "),
    "not a zip at all": (b"PK\x03\x04 truncated", "is not a readable zip file"),
}


@pytest.mark.parametrize("case", BAD)
def test_a_bad_zip_gets_a_results_json_that_says_why(case, dist, tmp_path):
    content, message = BAD[case]
    archive = tmp_path / "submission.zip"
    if case == "two Beras packages":
        code = solution_code(tmp_path / "code")
        with zipfile.ZipFile(archive, "w") as zf:
            for under in ("a", "b"):
                for path in sorted(code.rglob("*.py")):
                    zf.write(path, f"{under}/{path.relative_to(code)}")
    elif case == "a name that is not UTF-8":
        solution_code(tmp_path / "code")
        (tmp_path / "code" / "caf_.txt").write_text("notes")
        with_latin1_name(zip_folder(tmp_path / "code", archive))
    elif isinstance(content, bytes):
        archive.write_bytes(content)
    else:
        with zipfile.ZipFile(archive, "w") as zf:
            for name, data in content.items():
                zf.writestr(name, data)
    results = gradescope_local(archive, tmp_path / "results.json", dist, items="dense.forward")
    assert results["score"] == 0 and results["tests"] == []
    assert results["output"].startswith("Your submission could not be graded")
    assert message in results["output"]


def test_run_autograder_leaves_results_when_python_is_missing(dist, tmp_path):
    root = tmp_path / "autograder"
    with zipfile.ZipFile(dist / "autograder.zip") as zf:
        zf.extract("run_autograder", root / "source")
    (root / "submission").mkdir(parents=True)
    run = subprocess.run(["bash", str(root / "source" / "run_autograder")],
                         env={**os.environ, "AUTOGRADER_ROOT": str(root)},
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0
    results = results_json.read(root / "results" / "results.json")
    assert results["score"] == 0 and results["tests"] == []
    assert "please tell the course staff" in results["output"]


def test_gradescopes_limits_are_the_default_and_say_whether_they_hold(dist, tmp_path):
    """Without --cpus or --memory: 0.5 CPU and 768 MB, enforced by a cgroup as root (and
    reported), else said plainly not to be."""
    from autograder.host import limits

    report = tmp_path / "limits.json"
    env = {**os.environ, "AUTOGRADER_ZIP": str(dist / "autograder.zip"),
           "BERAS_ITEMS": "dense.forward"}
    run = subprocess.run(["bash", str(ROOT / "scripts" / "gradescope_local.sh"), "--report",
                          str(report), str(ROOT / "solution"), str(tmp_path / "results.json")],
                         env=env, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    assert results_json.read(tmp_path / "results.json")["score"] == 2
    got = json.loads(report.read_text())
    assert (got["cpus"], got["memory"]) == (limits.GRADESCOPE.cpus, limits.GRADESCOPE.memory)
    why = limits.can_make_cgroups()
    assert got["enforced"] == (why is None)
    if why is None:
        assert "enforcing 0.5 CPU and 768 MB with a cgroup" in run.stderr
        assert got["oom_kills"] == 0 and 0 < got["peak_memory"] <= limits.GRADESCOPE.memory
    else:
        assert f"CANNOT enforce 0.5 CPU and 768 MB: {why}" in run.stderr
