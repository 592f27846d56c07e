"""A small class of the kit's own fixtures, graded once per session by `grade-all`, for
the class report's tests: the solution, the stencil, bug-corpus cases, a near-copy of one
bug case with its variables renamed, and a zip that is not a zip."""
import json
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from submissions import KIT, SOLUTION, copy_code, zip_folder

PY = KIT / ".venv" / "bin" / "python"
CASES = {c["name"]: c for c in tomllib.loads((KIT / "tests/bugs/cases.toml").read_text())["case"]}
# Bug cases in the class, one per module: each fails only its own items.
CLASS_CASES = ["mse_gradient_missing_n", "softmax_wrong_axis", "leaky_relu_forward_swapped",
               "sigmoid_forward_sign"]
COPIED = "mse_gradient_missing_n"  # the near-copy's original
NEAR_COPY = "near_copy"
# Whole names renamed in the near-copy's copied file (not attributes: `self.n` stays)
RENAMES = {"y_pred": "prediction", "y_true": "target", "n": "width", "grad": "gradient"}
# The stencil, under a name that tries to inject markup (names come from file names)
HOSTILE = "stencil <img src=x onerror=\"document.title='pwned'\"> & 'q'"
ITEMS = ["mse.*", "softmax.*", "leaky_relu.*", "sigmoid.*"]  # the cases' items, no more
EXAMPLES = "10"


def patched(case: dict, dest: Path) -> Path:
    """A copy of the solution's code with the bug case's patch (as tests/bugs applies it)."""
    code = copy_code(SOLUTION, dest)
    target = code / case["file"]
    text = target.read_text()
    finds, replaces = case["find"], case["replace"]
    pairs = [(finds, replaces)] if isinstance(finds, str) else list(zip(finds, replaces))
    for find, replace in pairs:
        assert text.count(find) == 1, f"{case['name']}: update the class of tests/report"
        text = text.replace(find, replace)
    target.write_text(text)
    return code


def renamed(text: str) -> str:
    for old, new in RENAMES.items():
        text = re.sub(rf"(?<![.\w]){old}\b", new, text)
    return text


def run_kit(*args, timeout=1200):
    return subprocess.run([str(PY), "-m", "autograder", *map(str, args)], cwd=KIT,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="session")
def klass(tmp_path_factory):
    """(class folder, gradebook folder, grade-all's run): graded once for the session."""
    root, stage = tmp_path_factory.mktemp("class"), tmp_path_factory.mktemp("stage")
    copy_code(SOLUTION, root / "solution")
    zip_folder(KIT / "stencil", root / f"{HOSTILE}.zip")
    for name in CLASS_CASES:
        patched(CASES[name], root / name)
    near = patched(CASES[COPIED], stage / NEAR_COPY)
    copied = near / CASES[COPIED]["file"]
    copied.write_text(renamed(copied.read_text()))
    zip_folder(near, root / f"{NEAR_COPY}.zip", under="hw2/code")
    (root / "ungradable.zip").write_bytes(b"PK\x03\x04 this is not a zip")
    run = run_kit("grade-all", root, "--jobs", "2", "--examples", EXAMPLES, "--items", *ITEMS)
    assert run.returncode == 0, run.stdout + run.stderr
    return root, root / "gradebook", run


def kept(book: Path) -> dict:
    """{name: results.json} of every kept grade."""
    return {p.parent.name: json.loads(p.read_text()) for p in book.glob("*/results.json")}


@pytest.fixture(scope="session")
def report_html(klass) -> str:
    return (klass[1] / "report.html").read_text()


def copy_class(klass, dest: Path) -> Path:
    shutil.copytree(klass[0], dest, symlinks=True)
    return dest
