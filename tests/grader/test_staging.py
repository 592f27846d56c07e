"""Staging a submission: the limits hold for folders as for zips, checked before any copy,
and a member name that cannot be read is refused with a message that names it."""
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from submissions import SOLUTION, copy_code, zip_code  # noqa: E402
from autograder.grade import submission  # noqa: E402
from autograder.grade.submission import SubmissionError, stage  # noqa: E402


def staged(src, tmp_path):
    sandbox = tmp_path / "sandbox"
    sandbox.mkdir()
    return sandbox, lambda: stage(src, sandbox, tmp_path)


def test_a_folder_is_staged_whole(tmp_path):
    sub = copy_code(SOLUTION, tmp_path / "sub")
    sandbox, run = staged(sub, tmp_path)
    code = run()
    want = {p.relative_to(sub) for p in sub.rglob("*") if p.is_file()}
    assert {p.relative_to(code) for p in code.rglob("*") if p.is_file()} == want
    assert (code / "Beras" / "layers.py").read_text() == (sub / "Beras" / "layers.py").read_text()


def test_a_3_gb_file_in_a_folder_is_refused_before_anything_is_copied(tmp_path):
    sub = copy_code(SOLUTION, tmp_path / "sub")
    with open(sub / "Beras" / "weights.bin", "wb") as f:
        f.truncate(3 << 30)  # sparse: 3 GB to stat, nothing written
    sandbox, run = staged(sub, tmp_path)
    with pytest.raises(SubmissionError, match=r'"Beras/weights.bin" is 3.0 GB'):
        run()
    assert list(sandbox.iterdir()) == []


@pytest.mark.parametrize("limit, value, message", [
    ("MAX_BYTES", 10_000, "too large to be a homework submission"),
    ("MAX_FILES", 3, "files: at most 3"),
])
def test_folder_and_zip_share_the_total_and_count_limits(tmp_path, monkeypatch, limit, value,
                                                         message):
    monkeypatch.setattr(submission, limit, value)
    sub = copy_code(SOLUTION, tmp_path / "sub")
    archive = zip_code(sub, tmp_path / "sub.zip")
    for src in (sub, archive):
        sandbox = tmp_path / f"sandbox-{src.suffix or 'dir'}"
        sandbox.mkdir()
        with pytest.raises(SubmissionError, match=message):
            stage(src, sandbox, tmp_path)
        assert list(sandbox.rglob("*.py")) == []


def test_one_large_file_in_a_zip_is_refused_by_name(tmp_path, monkeypatch):
    monkeypatch.setattr(submission, "MAX_FILE_BYTES", 1 << 20)
    sub = copy_code(SOLUTION, tmp_path / "sub")
    (sub / "Beras" / "big.txt").write_text("x" * (3 << 20))
    archive = zip_code(sub, tmp_path / "sub.zip")
    sandbox, run = staged(archive, tmp_path)
    with pytest.raises(SubmissionError, match=r'"Beras/big.txt" is 3.0 MB, at most 1.0 MB'):
        run()


def test_a_zip_name_flagged_utf8_that_is_not_is_named_escaped(tmp_path):
    sub = copy_code(SOLUTION, tmp_path / "sub")
    archive = zip_code(sub, tmp_path / "sub.zip", {b"Beras/\xff\xfe-notes.py": "x = 1\n"})
    sandbox, run = staged(archive, tmp_path)
    with pytest.raises(SubmissionError) as e:
        run()
    assert str(e.value).startswith('the zip holds a file name that is not valid UTF-8: '
                                   '"Beras/\\xff\\xfe-notes.py"')


def test_a_folder_file_name_that_is_not_utf8_is_staged_as_it_is(tmp_path):
    sub = copy_code(SOLUTION, tmp_path / "sub")
    (sub / os.fsdecode(b"notes-\xff.txt")).write_text("hello")
    sandbox, run = staged(sub, tmp_path)
    assert (run() / os.fsdecode(b"notes-\xff.txt")).read_text() == "hello"


def test_a_zip_whose_member_cannot_be_extracted_is_refused_by_name(tmp_path):
    """A file and a folder of the same name: the second cannot be written."""
    import zipfile
    archive = tmp_path / "clash.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("Beras", "a file")
        zf.writestr("Beras/__init__.py", "")
    sandbox, run = staged(archive, tmp_path)
    with pytest.raises(SubmissionError, match='file "Beras/__init__.py" cannot be extracted'):
        run()


def test_a_zip_name_with_a_control_character_is_refused_escaped(tmp_path):
    import zipfile
    archive = tmp_path / "ctl.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("Beras/a\nb.py", "x = 1")
    sandbox, run = staged(archive, tmp_path)
    with pytest.raises(SubmissionError, match=r'control characters: "Beras/a\\nb.py"'):
        run()
