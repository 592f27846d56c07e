"""Shared fixtures for the release tests: one build of dist/ per session, in a temp dir."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import results_json
from submissions import zip_folder  # noqa: F401 - the release tests import it from here

ROOT = Path(__file__).resolve().parents[2]
PY = ROOT / ".venv" / "bin" / "python"
sys.path.insert(0, str(ROOT / "scripts"))

# Notebook blocks that run only code the notebook or core.py gives (tests/notebook keeps
# the same list): an untouched stencil passes them, and nothing else.
GIVEN = {"notebook: Simple Diffable Example: Sin Activation",
         "notebook: Advanced Diffable Example: Categorical Crossentropy Loss"}


@pytest.fixture(scope="session")
def dist(tmp_path_factory):
    """What `make release` builds, in a temp dist/ (the kit's own dist/ is left alone)."""
    out = tmp_path_factory.mktemp("dist")
    build = subprocess.run([str(PY), "scripts/build_release.py", "--dist", str(out)],
                           cwd=ROOT, capture_output=True, text=True)
    assert build.returncode == 0, build.stderr
    return out


def gradescope_local(submission: Path, results: Path, dist: Path, items: str = "",
                     limits=("--cpus", "0")) -> dict:
    """Grade through scripts/gradescope_local.sh and the built zip; the results.json.

    Gradescope's 768 MB is enforced (as root), but no CPU quota unless `limits` asks for
    one: at 0.5 CPU on a busy machine the wall-clock timeouts would decide the tests."""
    env = {**os.environ, "AUTOGRADER_ZIP": str(dist / "autograder.zip")}
    env.pop("BERAS_ITEMS", None)
    if items:
        env["BERAS_ITEMS"] = items
    run = subprocess.run(["bash", str(ROOT / "scripts" / "gradescope_local.sh"), *limits,
                          str(submission), str(results)],
                         env=env, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    return results_json.read(results)


def with_latin1_name(archive: Path) -> Path:
    """Rename the zip's `caf_.txt` to the Latin-1 bytes `caf\\xe9.txt`, without the UTF-8 flag
    (Python's zipfile would set it), as an old Windows zip tool writes names."""
    raw = archive.read_bytes()
    assert raw.count(b"caf_.txt") == 2  # the local header and the central directory
    archive.write_bytes(raw.replace(b"caf_.txt", b"caf\xe9.txt"))
    return archive


def solution_code(dest: Path) -> Path:
    """A copy of the reference's code folder (Beras/, assignment.py, preprocess.py, notebook)."""
    shutil.copytree(ROOT / "solution", dest,
                    ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    return dest
