"""The submissions of a class folder, and whether a kept grade is still current."""
import json
import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Submission:
    name: str  # its row in the gradebook and its folder under OUT
    path: Path


def find(folder: Path, out: Path) -> list:
    """Every sub-folder and .zip of `folder` (not hidden ones, not OUT), sorted by name.

    A zip is named without `.zip`, unless a folder already has that name.
    """
    entries = sorted(p for p in Path(folder).iterdir()
                     if not p.name.startswith(".") and p.resolve() != Path(out).resolve()
                     and (p.is_dir() or (p.is_file() and p.suffix.lower() == ".zip")))
    folders = {p.name for p in entries if p.is_dir()}
    return [Submission(p.stem if p.is_file() and p.stem not in folders else p.name, p)
            for p in entries]


def newest_change(path: Path) -> float:
    """The latest mtime of path and of everything under it (links not followed)."""
    newest = os.lstat(path).st_mtime
    for folder, dirs, files in os.walk(path):
        for name in dirs + files:
            newest = max(newest, os.lstat(os.path.join(folder, name)).st_mtime)
    return newest


def up_to_date(sub: Submission, kept: Path, args: list) -> bool:
    """A results.json newer than every file of the submission, graded with the same args."""
    results, meta = kept / "results.json", kept / "grade.json"
    try:
        same_args = json.loads(meta.read_text()).get("args") == args
        return same_args and results.stat().st_mtime > newest_change(sub.path)
    except (OSError, ValueError):
        return False
