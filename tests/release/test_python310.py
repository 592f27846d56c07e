"""The Gradescope zip's whole path on Python 3.10, the Python of Gradescope's Ubuntu 22.04
image: its setup.sh builds the venv on 3.10 (requirements.txt's pins for it), then
run_autograder grades the solution to full marks, with the worker as its own user.

The 3.10 interpreter is pyenv's (`pyenv root`/versions/3.10.*) or the system's; the test
skips, saying so, where there is none. Setting up needs PyPI.
"""
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from conftest import ROOT

ORIGIN_LIB = b"$ORIGIN/../lib"


def pythons_310() -> list:
    found = []
    try:
        pyenv = subprocess.run(["pyenv", "root"], capture_output=True, text=True,
                               timeout=30).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        pyenv = ""
    if pyenv:
        found += sorted(Path(pyenv, "versions").glob("3.10.*/bin/python3.10"), reverse=True)
    found += [Path(p) for p in ("/usr/bin/python3.10", shutil.which("python3.10") or "")
              if p and Path(p).is_file()]
    return [p for p in found if os.access(p, os.X_OK)]


def readable_by_all(path: Path) -> bool:
    return all(p.stat().st_mode & 0o005 == 0o005 for p in (path, *path.parents))


def world_readable(python: Path, into: Path) -> Path:
    """`python` itself when every user can run it, else a copy of its installation in
    `into` (pyenv's lives in ~root, out of the worker user's reach). A shared build finds
    libpython by an absolute RUNPATH, which the copy points at its own lib/ instead."""
    prefix = Path(subprocess.run([str(python), "-c", "import sys; print(sys.base_prefix)"],
                                 capture_output=True, text=True, check=True).stdout.strip())
    if os.geteuid() != 0 or readable_by_all(prefix):
        return python
    copy = into / "python3.10"
    shutil.copytree(prefix, copy, symlinks=True)
    binary = copy / python.relative_to(prefix)
    runpath = str(prefix / "lib").encode()
    raw = binary.read_bytes()
    if runpath + b"\0" in raw and len(ORIGIN_LIB) <= len(runpath):
        binary.write_bytes(raw.replace(runpath + b"\0",
                                       ORIGIN_LIB.ljust(len(runpath), b"\0") + b"\0"))
    return binary


@pytest.fixture
def python310():
    found = pythons_310()
    if not found:
        pytest.skip("no Python 3.10 here (neither `pyenv root`/versions/3.10.* nor "
                    "/usr/bin/python3.10): the 3.10 path is not tested")
    into = Path(tempfile.mkdtemp(prefix="beras-py310-"))
    into.chmod(0o755)
    try:
        yield world_readable(found[0], into), into
    finally:
        shutil.rmtree(into, ignore_errors=True)


def test_the_zip_sets_up_and_grades_on_python_310(python310, dist, tmp_path):
    python, into = python310
    build = into / "build"
    build.mkdir(mode=0o755)
    env = {**os.environ, "AUTOGRADER_ZIP": str(dist / "autograder.zip"),
           "PYTHON": str(python), "GRADESCOPE_BUILD": str(build)}
    env.pop("BERAS_ITEMS", None)
    run = subprocess.run(["bash", str(ROOT / "scripts" / "gradescope_local.sh"), "--cpus", "0",
                          str(ROOT / "solution"), str(tmp_path / "results.json")],
                         env=env, capture_output=True, text=True, timeout=1800)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "runs as root" not in run.stderr  # the worker user could run this Python
    results = json.loads((tmp_path / "results.json").read_text())
    [root] = [p for p in build.iterdir() if p.is_dir()]
    version = subprocess.run([str(root / "venv" / "bin" / "python"), "-c",
                              "import sys; print(*sys.version_info[:2])"],
                             capture_output=True, text=True, check=True).stdout.split()
    assert version == ["3", "10"]
    failed = [f"{t['number']} {t['name']}:\n{t['output']}" for t in results["tests"]
              if t["status"] != "passed"]
    assert not failed, "\n\n".join(failed)
    assert results["score"] == sum(t["max_score"] for t in results["tests"]) > 0
