"""Submission folders for the kit's own tests: a code tree copied as a student hands it in."""
import shutil
from pathlib import Path

KIT = Path(__file__).resolve().parent.parent
SOLUTION = KIT / "solution"
STENCIL = KIT / "stencil"
CODE = ("Beras", "assignment.py", "preprocess.py")  # a submission's code, without notebook


def copy_code(source: Path, dest: Path) -> Path:
    """dest (made if need be) holding source's Beras/, assignment.py and preprocess.py."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in CODE:
        src = source / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copyfile(src, dest / name)
    return dest
