"""The generator over a whole tree: copies, skips, determinism, idempotence, --check."""
import os

import pytest

from stencil_helpers import snapshot, write

TREE = {
    "Beras/__init__.py": "from .core import *\n",
    "Beras/core.py": '''\
        class Diffable:
            """Given code: no markers, copied as is."""
        ''',
    "Beras/layers.py": '''\
        class Dense:
            def forward(self, inputs):
                """Docstring stays."""
                # BEGIN SOLUTION
                self.outputs = inputs @ self.w + self.b
                # END SOLUTION
                """ # BEGIN PROMPT
                self.outputs = None  # TODO: x @ w + b
                """ # END PROMPT
                return self.outputs

            def input_gradients(self):
                # BEGIN SOLUTION
                return self.w
                # END SOLUTION
        ''',
    "assignment.py": "EPOCHS = 10\nlr = 0.2  # SOLUTION\n",
    "data.bin": bytes(range(256)),
    "Beras/__pycache__/core.cpython-311.pyc": b"\0junk",
    "other.pyc": b"\0junk",
    ".ipynb_checkpoints/nb-checkpoint.ipynb": "{}",
}


def test_tree_is_copied_transformed_and_skipped(kit):
    stencil = kit.generate(TREE)
    got = snapshot(stencil)
    assert sorted(got) == ["Beras/__init__.py", "Beras/core.py", "Beras/layers.py",
                           "assignment.py", "data.bin"]
    for rel in ("Beras/__init__.py", "Beras/core.py", "data.bin"):
        assert got[rel] == (kit.solution / rel).read_bytes()
    assert got["assignment.py"] == b"EPOCHS = 10\nlr = None  # TODO\n"
    assert b"self.outputs = None  # TODO: x @ w + b\n" in got["Beras/layers.py"]
    assert b"        raise NotImplementedError\n" in got["Beras/layers.py"]


def test_generation_is_deterministic_and_idempotent(kit, tmp_path):
    first = snapshot(kit.generate(TREE))
    other = tmp_path / "other"
    assert kit.run("--stencil", str(other))[0] == 0  # a second, independent run
    assert snapshot(other) == first

    mtimes = {p: p.stat().st_mtime_ns for p in kit.stencil.rglob("*")}
    code, _, err = kit.run()
    assert (code, err) == (0, f"make_stencil: {kit.stencil} is up to date\n")
    assert {p: p.stat().st_mtime_ns for p in kit.stencil.rglob("*")} == mtimes
    assert kit.run("--check")[:2] == (0, "")


def edit_one_char(path, old, new):
    text = path.read_text()
    assert text.count(old) == 1 and len(old) == len(new)
    path.write_text(text.replace(old, new))


@pytest.mark.parametrize("old, new, changed_line", [
    ("None  # TODO: x @ w + b", "None  # TODO: x @ w - b",
     "self.outputs = None  # TODO: x @ w - b"),
    ("Docstring stays.", "Docstring stays!", '"""Docstring stays!"""'),
])
def test_check_fails_after_an_edit_until_regenerated(kit, old, new, changed_line):
    kit.generate(TREE)
    edit_one_char(kit.solution / "Beras/layers.py", old, new)

    code, out, err = kit.run("--check")

    assert code == 1
    assert f"--- {kit.stencil}/Beras/layers.py\n+++ generated/Beras/layers.py\n" in out
    assert f"\n+        {changed_line}\n" in out
    assert "run `make stencil`" in err
    assert kit.run()[0] == 0
    assert kit.run("--check")[:2] == (0, "")


def test_check_ignores_an_edit_inside_a_solution_block(kit):
    """The stencil holds nothing of a SOLUTION block, so editing one cannot make it stale."""
    kit.generate(TREE)
    edit_one_char(kit.solution / "Beras/layers.py", "@ self.w + self.b", "@ self.w - self.b")
    assert kit.run("--check")[:2] == (0, "")


def test_check_reports_missing_extra_and_binary_files(kit):
    stencil = kit.generate(TREE)
    (stencil / "assignment.py").unlink()
    (stencil / "Beras" / "extra.py").write_text("x = 1\n")
    (stencil / "data.bin").write_bytes(b"\xff\xfe")
    (stencil / "Beras" / "__pycache__").mkdir()
    (stencil / "Beras" / "__pycache__" / "x.pyc").write_bytes(b"ignored")

    code, out, _ = kit.run("--check")

    assert code == 1
    assert out.splitlines() == [
        f"extra in {stencil} (not generated): Beras/extra.py",
        f"missing from {stencil}: assignment.py",
        "binary file differs: data.bin",
    ]
    assert kit.run()[0] == 0
    assert sorted(snapshot(stencil)) == ["Beras/__init__.py", "Beras/core.py",
                                         "Beras/layers.py", "assignment.py", "data.bin"]


def test_check_on_a_missing_stencil_lists_every_file(kit):
    write(kit.solution, TREE)
    code, out, _ = kit.run("--check")
    assert code == 1
    assert out.count("missing from") == 5
    assert not kit.stencil.exists()


def test_regeneration_keeps_no_temp_dirs_and_a_normal_mode(kit):
    kit.generate(TREE)
    (kit.solution / "assignment.py").write_text("EPOCHS = 20\n")
    assert kit.run()[0] == 0
    assert sorted(os.listdir(kit.stencil.parent)) == ["solution", "stencil"]
    assert (kit.stencil.stat().st_mode & 0o777) == 0o755
    assert (kit.stencil / "assignment.py").read_text() == "EPOCHS = 20\n"


@pytest.mark.parametrize("stencil", ["solution", "solution/stencil", "."])
def test_overlapping_folders_are_refused(kit, stencil):
    kit.generate(TREE)
    before = snapshot(kit.solution)
    code, _, err = kit.run("--stencil", str(kit.solution.parent / stencil))
    assert code == 2 and "must not overlap" in err
    assert snapshot(kit.solution) == before
