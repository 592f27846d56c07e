"""Submission folders for the kit's own tests: a code tree copied as a student hands it in."""
import shutil
import struct
import zipfile
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


def zip_folder(folder: Path, archive: Path, under: str = "") -> Path:
    """Zip a folder's files (no caches), placed under `under/` in the archive."""
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                zf.write(path, f"{under}/{path.relative_to(folder)}".lstrip("/"))
    return archive


def zip_code(source: Path, archive: Path, raw_names: dict | None = None) -> Path:
    """A .zip of source's code; raw_names {member: bytes} adds members whose name is given
    as raw bytes with the UTF-8 flag (0x800) set, whatever the bytes are."""
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted(source.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                zf.write(path, path.relative_to(source))
        placeholders = {}
        for i, (raw, text) in enumerate((raw_names or {}).items()):
            placeholder = f"RAWNAME{i:0{len(raw) - 7}d}" if len(raw) > 7 else None
            assert placeholder and len(placeholder) == len(raw), "a raw name of 8+ bytes"
            zf.writestr(placeholder, text)
            placeholders[placeholder.encode()] = raw
    data = bytearray(archive.read_bytes())
    for placeholder, raw in placeholders.items():
        # local header: flags at +6, name at +30; central directory: flags at +8, name at +46
        for signature, flags, name in ((b"PK\x03\x04", 6, 30), (b"PK\x01\x02", 8, 46)):
            at = data.find(signature)
            while at >= 0:
                if data[at + name:at + name + len(raw)] == placeholder:
                    struct.pack_into("<H", data, at + flags,
                                     struct.unpack_from("<H", data, at + flags)[0] | 0x800)
                    data[at + name:at + name + len(raw)] = raw
                at = data.find(signature, at + 4)
    archive.write_bytes(bytes(data))
    return archive


def guest_sandbox(modules: dict) -> Path:
    """A grade's sandbox, straight in the temp folder and readable by the worker user:
    sandbox/code holds `modules` ({name: source}) and the guest is installed beside it.
    The caller removes it."""
    import tempfile

    from autograder.host.supervisor import install_guest

    path = Path(tempfile.mkdtemp(prefix="beras-grade-"))
    path.chmod(0o755)
    code = path / "code"
    code.mkdir()
    code.chmod(0o755)
    for name, source in modules.items():
        (code / f"{name}.py").write_text(source)
        (code / f"{name}.py").chmod(0o644)
    install_guest(path)
    return path
