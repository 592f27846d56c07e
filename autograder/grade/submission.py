"""Find a submission's code folder (root, code/, hw2/code/ ...) and stage a safe copy of it.

A submission is a folder or a .zip. The code folder is the one folder that holds a
`Beras/` package beside `assignment.py`. The worker reads only the staged copy.

The same limits hold for both (file count, one file's size, total bytes), and both are
checked in full before a single byte is copied; a submission over them, or with a
member name that cannot be read, is refused with one message that names the problem.
"""
import os
import shutil
import stat
import zipfile
import zlib
from pathlib import Path

MAX_FILES = 5000
MAX_BYTES = 200 * 1024 * 1024       # all files together
MAX_FILE_BYTES = 100 * 1024 * 1024  # any one file
SKIP = {"__pycache__", ".git", ".ipynb_checkpoints", "data", ".venv", "venv", "node_modules"}


class SubmissionError(Exception):
    """The submission cannot be graded as it is; the message says why, for the student."""


def _size(n: int) -> str:
    return f"{n / 1024**2:.1f} MB" if n < 1024**3 else f"{n / 1024**3:.1f} GB"


def check_limits(sizes: dict, what: str):
    """{name: bytes} of every file to be staged, against the limits, before any copy."""
    if len(sizes) > MAX_FILES:
        raise SubmissionError(f"{what} holds {len(sizes)} files: at most {MAX_FILES} can be "
                              "graded (leave out data, checkpoints and environments)")
    for name, size in sizes.items():
        if size > MAX_FILE_BYTES:
            raise SubmissionError(f'{what} holds a file too large to grade: '
                                  f'"{escaped(os.fsencode(name))}" is {_size(size)}, at most '
                                  f"{_size(MAX_FILE_BYTES)} each")
    total = sum(sizes.values())
    if total > MAX_BYTES:
        raise SubmissionError(f"{what} is too large to be a homework submission: "
                              f"{_size(total)} of files, at most {_size(MAX_BYTES)}")


def escaped(raw: bytes) -> str:
    """A file name as bytes, printable: undecodable bytes and control characters as \\xNN."""
    text = raw.decode("utf-8", "backslashreplace")
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _open_zip(archive: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(archive)
    except UnicodeDecodeError as e:
        # the member says its name is UTF-8 (flag 0x800) and it is not: name it, escaped
        raw = e.object if isinstance(e.object, bytes) else b""
        raise SubmissionError(f'the zip holds a file name that is not valid UTF-8: '
                              f'"{escaped(raw)}"; rename that file (or leave it out) and '
                              "submit again") from None
    except (zipfile.BadZipFile, OSError) as e:
        raise SubmissionError(f"{archive.name} is not a readable zip file: {e}")


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
    if not all(c.isprintable() for c in name):
        raise SubmissionError(f'the zip holds a file name with control characters: '
                              f'"{escaped(name.encode("utf-8", "surrogateescape"))}"')
    return name


def unzip(archive: Path, dest: Path) -> Path:
    """Extract regular files only, within size and count limits."""
    with _open_zip(archive) as zf:
        members = [(_check_name(info), info) for info in zf.infolist()
                   if not info.is_dir() and not stat.S_ISLNK(info.external_attr >> 16)]
        check_limits({name: info.file_size for name, info in members}, "the zip")
        for name, info in members:
            target = dest / name
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, open(target, "wb") as out:
                    shutil.copyfileobj(src, out)
            except (OSError, EOFError, zipfile.BadZipFile, NotImplementedError,
                    RuntimeError, zlib.error) as e:  # corrupt, encrypted, clashing paths
                raise SubmissionError(f'the zip\'s file "{escaped(name.encode())}" cannot be '
                                      f"extracted ({type(e).__name__}: {e})") from None
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


def _files(src: Path) -> dict:
    """{relative path: bytes} of the regular files under src that are staged (no links,
    nothing in SKIP), read from their metadata alone."""
    found = {}
    for dirpath, dirnames, filenames in os.walk(src):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP
                             and not os.path.islink(os.path.join(dirpath, d)))
        for name in filenames:
            path = Path(dirpath) / name
            info = path.lstat()
            if stat.S_ISREG(info.st_mode):
                found[str(path.relative_to(src))] = info.st_size
        if len(found) > MAX_FILES:  # a million files need not all be listed to refuse
            break
    return found


def _copy_tree(src: Path, dest: Path):
    """Regular files and folders only (no links), readable by the worker, not writable;
    the limits are checked on the whole tree before the first copy."""
    files = _files(src)
    check_limits(files, "the code folder")
    dest.mkdir(parents=True, exist_ok=True)
    dest.chmod(0o755)
    for rel in sorted(files):
        target = dest / rel
        for folder in reversed(target.relative_to(dest).parents[:-1]):
            if not (dest / folder).exists():
                (dest / folder).mkdir()
                (dest / folder).chmod(0o755)
        # at most the size checked: a file that grew since is cut, not copied whole
        with open(src / rel, "rb") as f, open(target, "wb") as out:
            shutil.copyfileobj(_Limited(f, files[rel]), out)
        target.chmod(0o644)


class _Limited:
    """A file object that reads at most `left` bytes."""

    def __init__(self, f, left):
        self.f, self.left = f, left

    def read(self, n=-1):
        n = self.left if n < 0 else min(n, self.left)
        data = self.f.read(n)
        self.left -= len(data)
        return data


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
