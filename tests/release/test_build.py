"""`make release`: what the handout holds and lacks, and the zips' layout."""
import hashlib
import json
import subprocess
import zipfile
try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the same parser, as a package (requirements.txt)
    import tomli as tomllib

import build_release
from conftest import PY, ROOT

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
    line = next(iter(sorted(build_release.solution_only_lines())))
    hidden = next(i for i in rubric_file.load().items if i.visibility == "hidden")
    module = HIDDEN_MODULES[0]
    handout["autograder/checks/forward.py"] = (b"x = 1\n    " + line.encode() + b"\n", False)
    handout["README.md"] = (f"see {hidden.name}\n".encode(), False)
    handout[f"autograder/checks/{module}.py"] = (b"", False)
    found = "\n".join(build_release.leaks(handout))
    assert f"autograder/checks/forward.py: a line from a solution block: {line!r}" in found
    assert f"README.md: the hidden item {hidden.id}" in found
    assert f"autograder/checks/{module}.py: a hidden file" in found


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
