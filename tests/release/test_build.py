"""`make release`: what the handout holds and lacks, and the zips' layout."""
import hashlib
import json
import subprocess
import zipfile
from autograder.compat import tomllib

import build_release
import pytest
from conftest import PY, ROOT, solution_code

from autograder import rubric as rubric_file
from autograder.checks import HIDDEN_MODULES


def handout_files(dist):
    return {p.relative_to(dist / "student").as_posix(): p.read_bytes()
            for p in sorted((dist / "student").rglob("*")) if p.is_file()}


def test_the_handout_is_the_stencil_and_the_public_grader(dist):
    files = handout_files(dist)
    stencil = {p.relative_to(ROOT / "stencil").as_posix(): p.read_bytes()
               for p in (ROOT / "stencil").rglob("*")
               if p.is_file() and "__pycache__" not in p.parts}
    assert {rel.removeprefix("code/"): data for rel, data in files.items()
            if rel.startswith("code/")} == stencil
    for rel in ("Makefile", "README.md", "setup.sh", "requirements.txt", "data/mnist.sha256",
                "scripts/fetch_data.py", "autograder/__main__.py"):
        assert rel in files
    assert "code/HW2_Beras_Intro.ipynb" in files
    assert not [rel for rel in files if rel.startswith(("solution/", "data/mnist/"))]
    for module in HIDDEN_MODULES:
        assert f"autograder/checks/{module}.py" not in files


def test_the_handout_has_only_the_visible_items(dist):
    kit = rubric_file.load()
    shipped = rubric_file.load(dist / "student" / "autograder" / "rubric.toml")
    assert [i.id for i in shipped.items] == [i.id for i in kit.items if i.visibility == "visible"]
    hidden = [i for i in kit.items if i.visibility != "visible"]
    assert hidden, "the kit's rubric has hidden items to keep out"
    text = b"\n".join(handout_files(dist).values()).decode("utf-8", "replace")
    for item in hidden:
        assert item.id not in text and item.name not in text


def test_no_line_from_a_solution_block_ships(dist):
    # Independent of the build's own check: every line between BEGIN/END SOLUTION markers
    # of solution/*.py that the stencil (its notebook too) does not also hold is absent
    # from the handout.
    notebook = json.loads((ROOT / "stencil" / "HW2_Beras_Intro.ipynb").read_text())
    stencil_text = [p.read_text() for p in (ROOT / "stencil").rglob("*.py")] + \
        ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code"]
    stencil_lines = {line.strip() for text in stencil_text for line in text.splitlines()}
    secret = set()
    for path in (ROOT / "solution").rglob("*.py"):
        inside = False
        for line in path.read_text().splitlines():
            if line.strip() == "# END SOLUTION":
                inside = False
            if inside and len(line.strip()) >= build_release.MIN_LEAK_CHARS:
                secret.add(line.strip())
            if line.strip() == "# BEGIN SOLUTION":
                inside = True
    secret -= stencil_lines | build_release.public_lines()
    assert len(secret) > 20
    for rel, data in handout_files(dist).items():
        lines = {line.strip() for line in data.decode("utf-8", "replace").splitlines()}
        assert not secret & lines, rel


def test_the_leak_check_names_what_would_leak():
    handout = build_release.student_files()
    assert build_release.leaks(handout) == []
    line = next(iter(sorted(build_release.solution_block_lines())))
    hidden = next(i for i in rubric_file.load().items if i.visibility != "visible")
    module = HIDDEN_MODULES[0]
    handout["autograder/checks/forward.py"] = (b"x = 1\n    " + line.encode() + b"\n", False)
    handout["README.md"] = (f"see {hidden.name}\n".encode(), False)
    handout[f"autograder/checks/{module}.py"] = (b"", False)
    found = "\n".join(build_release.leaks(handout))
    assert f"autograder/checks/forward.py: a line from a solution block: {line!r}" in found
    assert f"README.md: the hidden item {hidden.id}" in found
    assert f"autograder/checks/{module}.py: a hidden file" in found


MARKER_NEAR_MISSES = {
    "otter": ("    x = a @ b  # SOLUTION NO PROMPT\n", "otter's"),
    "nbgrader": ("    ### BEGIN SOLUTION\n    x = a @ b\n    ### END SOLUTION\n", "nbgrader's"),
}


@pytest.mark.parametrize("dialect", sorted(MARKER_NEAR_MISSES))
def test_release_stops_at_a_marker_it_does_not_handle(dialect, tmp_path, capsys):
    solution = solution_code(tmp_path / "solution")
    path = solution / "Beras" / "core.py"
    lines = path.read_text().splitlines(keepends=True)
    at = next(n for n, line in enumerate(lines, 1) if line.startswith("def "))
    snippet, who = MARKER_NEAR_MISSES[dialect]
    lines[at:at] = [snippet]  # the first line of that function's body
    path.write_text("".join(lines))
    dist = tmp_path / "dist"

    code = build_release.main(["--solution", str(solution), "--dist", str(dist)])

    err = capsys.readouterr().err
    assert code == 1
    assert f"{path}:{at + 1}: " in err and f"looks like {who} solution marker" in err
    assert not dist.exists()


def test_the_leak_check_reads_every_dialect_of_solution_block(tmp_path):
    # Whatever the generator made of them, lines under any dialect's markers are secret:
    # the leak check reads solution/ itself, not the lines the generator removed.
    solution = tmp_path / "solution"
    (solution / "Beras").mkdir(parents=True)
    (solution / "Beras" / "a.py").write_text(
        "def f(a, b):\n"
        "    ### BEGIN SOLUTION\n    product = a @ b.transpose()\n    ### END SOLUTION\n"
        "    shifted = product - product.max()  # SOLUTION NO PROMPT\n"
        "    # BEGIN SOLUTION\n    exponent = np.exp(shifted)\n    # END SOLUTION\n"
        '    """ # BEGIN PROMPT\n    exponent = np.exp(shifted)\n    """ # END PROMPT\n'
        "    return exponent / exponent.sum()\n")
    cell = {"cell_type": "code", "source": ["model = build_the_whole_model()"],
            "metadata": {"tags": ["solution"]}, "outputs": [], "execution_count": None}
    (solution / "nb.ipynb").write_text(json.dumps({"cells": [cell], "metadata": {},
                                                   "nbformat": 4, "nbformat_minor": 5}))
    secret = build_release.solution_block_lines(solution)
    assert {"product = a @ b.transpose()", "shifted = product - product.max()",
            "model = build_the_whole_model()"} <= secret
    assert "exponent = np.exp(shifted)" not in secret  # its PROMPT shows it
    handout = {"code/Beras/a.py": (b"    shifted = product - product.max()\n"
                                   b"    product = a @ b.transpose()\n", False),
               "code/nb.ipynb": ((solution / "nb.ipynb").read_bytes(), False)}
    found = build_release.leaks(handout, solution)
    assert found == [
        "code/Beras/a.py: a line from a solution block: 'product = a @ b.transpose()'",
        "code/Beras/a.py: a line from a solution block: 'shifted = product - product.max()'",
        "code/nb.ipynb: a line from a solution block: 'model = build_the_whole_model()'"]


def test_public_rubric_cuts_hidden_items_with_their_comments():
    text = """title = "T"
# --- 1 Dense
[[item]]
id = "a"
visibility = "visible"

# about b
[[item]]
id = "b"
visibility = "hidden"

[[item]]
id = "c"
visibility = "after_due_date"

[notebook]
number = "10"
"""
    cut = build_release.public_rubric(text)
    assert "# --- 1 Dense" in cut and "about b" not in cut
    assert [i["id"] for i in tomllib.loads(cut)["item"]] == ["a"]
    assert tomllib.loads(cut)["notebook"] == {"number": "10"}


def test_zips_are_deterministic_and_gradescope_shaped(dist, tmp_path):
    again = tmp_path / "again"
    subprocess.run([str(PY), "scripts/build_release.py", "--dist", str(again)], cwd=ROOT,
                   check=True, capture_output=True)
    for name in ("student.zip", "autograder.zip"):
        digest = [hashlib.sha256((d / name).read_bytes()).hexdigest() for d in (dist, again)]
        assert digest[0] == digest[1], name
    with zipfile.ZipFile(dist / "autograder.zip") as zf:
        infos = {i.filename: i for i in zf.infolist()}
        assert list(infos) == sorted(infos)
        for script in ("setup.sh", "run_autograder"):
            assert infos[script].external_attr >> 16 & 0o111
        assert "solution/Beras/layers.py" in infos and "autograder/checks/__init__.py" in infos
        assert {i.date_time for i in infos.values()} == {build_release.ZIP_TIME}
    with zipfile.ZipFile(dist / "student.zip") as zf:
        names = zf.namelist()
    assert sorted(n.removeprefix("hw2/") for n in names) == sorted(handout_files(dist))
