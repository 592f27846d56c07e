"""The submissions of a class folder, and whether a kept grade is still current."""
import json
import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Submission:
    name: str  # its row in the gradebook and its folder under OUT: unique, as on disk
    path: Path


def label(name: str) -> str:
    """A name as the gradebook and the terminal show it: bytes that are not UTF-8 and
    control characters (a newline, a tab) as backslash escapes, so it is one printable line."""
    text = os.fsencode(name).decode("utf-8", "backslashreplace")
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii")
                   for c in text)


def find(folder: Path, out: Path) -> list:
    """Every sub-folder and .zip of `folder` (not hidden ones, not OUT), sorted by name.

    A zip is named without `.zip`, unless that name is taken (a folder, another zip).
    """
    entries = sorted(p for p in Path(folder).iterdir()
                     if not p.name.startswith(".") and p.resolve() != Path(out).resolve()
                     and (p.is_dir() or (p.is_file() and p.suffix.lower() == ".zip")))
    taken = {p.name for p in entries}
    found = []
    for p in entries:
        short = p.is_file() and p.stem not in taken
        taken.add(p.stem if short else p.name)
        found.append(Submission(p.stem if short else p.name, p))
    return found


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
