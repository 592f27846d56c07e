"""The gradebook whatever the submissions are named: one row each, no live formula, and
an interrupted regrade leaves the previous gradebook."""
import csv
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import PY, ROOT

sys.path.insert(0, str(ROOT))
from autograder.regrade import gradebook  # noqa: E402
from autograder.regrade.runner import Outcome  # noqa: E402
from autograder.regrade.submissions import find, label  # noqa: E402

# Folder names as Gradescope exports and LMS downloads keep them (bytes: one is not UTF-8)
HOSTILE_NAMES = {
    b"+SUM(1,2)": "'+SUM(1,2)",
    b'=HYPERLINK("http:evil","x")': "'=HYPERLINK(\"http:evil\",\"x\")",
    b"@cmd": "'@cmd",
    b"-2+3": "'-2+3",
    b'a,b "c"': 'a,b "c"',
    b"new\nline": "new\\nline",
    b"\tTAB": "\\tTAB",
    b"\rCR": "\\rCR",
    b"caf\xe9": "caf\\xe9",
    b"L" * 255: "L" * 255,
}
ITEM = "dense.forward"


def folder(root: Path, name: bytes) -> Path:
    return Path(os.fsdecode(os.fsencode(root) + b"/" + name))


def plant_solution(path: Path):
    path.mkdir(parents=True)
    for name in ("Beras", "assignment.py", "preprocess.py"):
        src = ROOT / "solution" / name
        if src.is_dir():
            subprocess.run(["cp", "-r", str(src), str(path / name)], check=True)
        else:
            (path / name).write_bytes(src.read_bytes())


def read_book(path: Path) -> list:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def test_every_name_gets_exactly_one_row_and_no_formula(tmp_path):
    root = tmp_path / "class"
    for name in HOSTILE_NAMES:
        plant_solution(folder(root, name))
    (root / "not_a_zip.zip").write_bytes(b"PK\x03\x04 broken")
    run = subprocess.run([str(PY), "-m", "autograder", "grade-all", str(root), "--jobs", "2",
                          "--items", ITEM], cwd=ROOT, capture_output=True, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    header, *rows = read_book(root / "gradebook" / "gradebook.csv")
    assert header[-1] == "reason"
    book = {row[0]: dict(zip(header, row)) for row in rows}
    assert len(rows) == len(book) == len(HOSTILE_NAMES) + 1
    assert set(book) == {*HOSTILE_NAMES.values(), "not_a_zip"}
    for shown in HOSTILE_NAMES.values():
        assert (book[shown]["status"], book[shown]["total"]) == ("graded", "2"), shown
    broken = book["not_a_zip"]
    assert (broken["status"], broken["total"]) == ("not gradable", "0")
    assert "not a readable zip file" in broken["reason"]
    for row in rows:
        for cell in row:
            assert not cell.startswith(gradebook.FORMULA), row
    for name in HOSTILE_NAMES:  # each results.json kept under its own, exact, name
        assert (folder(root / "gradebook", name) / "results.json").is_file()


def test_a_cell_that_would_be_a_formula_is_quoted():
    for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"):
        assert gradebook.text_cell(text) == "'" + text
    assert gradebook.text_cell("alice") == "alice"
    assert gradebook.text_cell("'=1") == "'=1"  # already inert


def test_labels_escape_what_is_not_printable_utf8():
    assert label(os.fsdecode(b"caf\xe9")) == "caf\\xe9"
    assert label("new\nline\x1b") == "new\\nline\\x1b"
    assert label("Zoë Ünal, jr.") == "Zoë Ünal, jr."


def test_zips_that_share_a_stem_keep_apart_rows(tmp_path):
    for name in ("x.zip", "x.ZIP", "y.zip"):
        (tmp_path / name).write_bytes(b"")
    (tmp_path / "y").mkdir()
    names = [s.name for s in find(tmp_path, tmp_path / "gradebook")]
    assert names == ["x", "x.zip", "y", "y.zip"]  # x.ZIP sorts first and takes "x"


def outcome(name, score=1.0):
    test = {"number": "1.1", "score": score, "max_score": 2, "name": "t", "output": ""}
    return Outcome(name, "graded", 1.0, {"score": score, "tests": [test]})


def test_an_interrupted_write_leaves_the_previous_gradebook(tmp_path, monkeypatch):
    path = tmp_path / "gradebook.csv"
    gradebook.write_csv([outcome("alice")], path)
    before = path.read_text()
    real = gradebook.label
    calls = []

    def interrupted(name):  # Ctrl-C arrives while the second row is written
        calls.append(name)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(name)
    monkeypatch.setattr(gradebook, "label", interrupted)
    with pytest.raises(KeyboardInterrupt):
        gradebook.write_csv([outcome("alice", 2.0), outcome("bob")], path)
    assert path.read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["gradebook.csv"]  # no temp file left


def test_ctrl_c_during_a_regrade_keeps_the_previous_gradebook(tmp_path):
    root = tmp_path / "class"
    plant_solution(root / "fast")
    hangs = root / "hangs"
    plant_solution(hangs)
    (root / "gradebook").mkdir()
    previous = "submission,status,total,out_of,reason\nfast,graded,7,7,\n"
    (root / "gradebook" / "gradebook.csv").write_text(previous)
    (hangs / "Beras" / "layers.py").write_text("while True:\n    pass\n")
    proc = subprocess.Popen([str(PY), "-m", "autograder", "grade-all", str(root), "--jobs",
                             "1", "--items", ITEM, "--timeout", "600"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # the first progress line: "fast" is graded, "hangs" is now running (and never ends)
    line = proc.stderr.readline()
    while line and not line.startswith("["):
        line = proc.stderr.readline()
    assert "fast: 2" in line, line
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "interrupted" in err
    assert (root / "gradebook" / "gradebook.csv").read_text() == previous
