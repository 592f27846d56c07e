"""What a grade depends on besides the submission: the rubric, the grader and the reference.

Each is a SHA-256: of the rubric's parsed content (a new comment changes nothing), of every
other file of autograder/, and of solution/ when the grade compares with it (None when it
does not). results.json records them in its top-level extra_data; `grade-all` regrades a
kept grade whose record is not the current one.
"""
import hashlib
import json
from pathlib import Path

from . import paths
from .compat import tomllib

GRADER = Path(__file__).resolve().parent
RUBRIC = GRADER / "rubric.toml"
SKIP_DIRS = {"__pycache__", ".pytest_cache", ".hypothesis", ".ipynb_checkpoints"}
PARTS = ("rubric", "grader", "reference")


def uses_reference(public_only: bool) -> bool:
    """Whether a grade compares with the reference: not for `make check`, nor in the handout."""
    return not public_only and paths.SOLUTION.is_dir()


def tree_digest(root: Path, leave_out=()) -> str:
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if path.is_file() and path.suffix != ".pyc" and not SKIP_DIRS & set(rel.parts) \
                and path not in leave_out:
            digest.update(rel.as_posix().encode() + b"\0"
                          + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def rubric_digest(path: Path = RUBRIC) -> str:
    content = tomllib.loads(path.read_text())
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def current(public_only: bool = False) -> dict:
    """{rubric, grader, reference} digests of what a grade with these options would use."""
    return {"rubric": rubric_digest(),
            "grader": tree_digest(GRADER, leave_out={RUBRIC}),
            "reference": tree_digest(paths.SOLUTION) if uses_reference(public_only) else None}


def changes(recorded, now: dict) -> list:
    """What differs between a results.json's record and `now`, e.g. ['rubric'];
    ['fingerprint'] when the results.json has none (an older grade, or one that failed)."""
    if not isinstance(recorded, dict) or set(recorded) != set(PARTS):
        return ["fingerprint"]
    return [part for part in PARTS if recorded[part] != now[part]]
