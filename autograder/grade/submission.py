"""Find a submission's code folder (root, code/, hw2/code/ ...) and stage a safe copy of it.

A submission is a folder or a .zip. The code folder is the one folder that holds a
`Beras/` package beside `assignment.py`. The worker reads only the staged copy.
"""
import os
import shutil
import stat
import zipfile
from pathlib import Path

MAX_FILES = 5000
MAX_BYTES = 200 * 1024 * 1024
SKIP = {"__pycache__", ".git", ".ipynb_checkpoints", "data", ".venv", "venv", "node_modules"}


class SubmissionError(Exception):
    """The submission cannot be graded as it is; the message says why, for the student."""


def _check_name(info: zipfile.ZipInfo) -> str:
    name = info.filename
    if not info.flag_bits & 0x800 and not name.isascii():
        try:
            name = name.encode("cp437").decode("utf-8")
        except UnicodeError:
            raise SubmissionError(f"the zip holds a file name that is not UTF-8: {name!r}")
    parts = Path(name).parts
    if name.startswith("/") or ".." in parts:
        raise SubmissionError(f"the zip holds an unsafe path: {name!r}")
    return name


def unzip(archive: Path, dest: Path) -> Path:
    """Extract regular files only, within size and count limits."""
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as e:
        raise SubmissionError(f"{archive.name} is not a readable zip file: {e}")
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_FILES or sum(i.file_size for i in infos) > MAX_BYTES:
            raise SubmissionError("the zip is too large to be a homework submission")
        for info in infos:
            name = _check_name(info)
            is_link = stat.S_ISLNK(info.external_attr >> 16)
            if info.is_dir() or is_link:
                continue
            target = dest / name
            target.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(info) as src, open(target, "wb") as out:
                shutil.copyfileobj(src, out)
    return dest


def find_code(root: Path) -> Path:
    """The one folder under root holding Beras/ beside assignment.py."""
    found = sorted({p.parent.parent for p in root.rglob("Beras/__init__.py")
                    if not (SKIP & set(p.relative_to(root).parts))
                    and (p.parent.parent / "assignment.py").is_file()})
    if not found:
        loose = sorted(p.parent.parent for p in root.rglob("Beras/__init__.py"))
        hint = (f" (found Beras/ in {loose[0].relative_to(root) or '.'} but no assignment.py "
                "beside it)") if loose else ""
        raise SubmissionError("no Beras package found: the submission needs a folder with "
                              f"Beras/ and assignment.py side by side{hint}")
    if len(found) > 1:
        where = ", ".join(str(p.relative_to(root)) or "." for p in found)
        raise SubmissionError(f"two or more Beras packages found ({where}): submit one")
    return found[0]


def _copy_tree(src: Path, dest: Path):
    """Regular files and folders only (no links), readable by the worker, not writable."""
    count = 0
    for dirpath, dirnames, filenames in os.walk(src):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP
                             and not os.path.islink(os.path.join(dirpath, d)))
        rel = Path(dirpath).relative_to(src)
        (dest / rel).mkdir(parents=True, exist_ok=True)
        (dest / rel).chmod(0o755)
        for name in filenames:
            path = Path(dirpath) / name
            if path.is_symlink() or not path.is_file():
                continue
            count += 1
            if count > MAX_FILES:
                raise SubmissionError("the code folder has too many files")
            shutil.copyfile(path, dest / rel / name)
            (dest / rel / name).chmod(0o644)


def stage(submission: Path, sandbox: Path, data_dir: Path) -> Path:
    """Copy the submission's code folder to sandbox/code, with sandbox/data -> the kit's data.

    Returns:
        the staged code folder, whose "../data" is the kit's data (as in the contract).
    """
    submission = Path(submission)
    if not submission.exists():
        raise SubmissionError(f"{submission} does not exist")
    root = submission
    if submission.is_file():
        if submission.suffix.lower() != ".zip":
            raise SubmissionError(f"{submission.name}: a submission is a folder or a .zip")
        root = unzip(submission, sandbox / "unpacked")
    code = sandbox / "code"
    _copy_tree(find_code(root), code)
    if root != submission:
        shutil.rmtree(root, ignore_errors=True)
    (sandbox / "data").symlink_to(Path(data_dir).resolve())
    return code
