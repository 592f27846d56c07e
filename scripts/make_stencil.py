#!/usr/bin/env python3
"""Regenerate the student stencil/ from the marked reference solution/.

    python scripts/make_stencil.py           # rewrite stencil/ (left alone when current)
    python scripts/make_stencil.py --check   # exit 1 with a diff when stencil/ is stale
    options: --solution DIR --stencil DIR    # defaults: the repo's solution/ and stencil/

Every file under solution/ goes to stencil/ (skipping __pycache__/, .ipynb_checkpoints/,
.pytest_cache/, .hypothesis/, *.pyc): .py files with markers and every .ipynb are
transformed (syntax in scripts/stencil_markers.py), the rest are copied byte for byte.
The whole tree is built and checked in memory first (well-formed markers, every .py
compiles), then written to a temp dir beside stencil/ and swapped in, so a failure
leaves stencil/ as it was. Exit codes: 0 done, 1 `--check` found differences,
2 a bad marker or a stencil that does not compile (one `file:line: reason` line).
"""
import argparse
import difflib
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
from stencil_markers import (  # noqa: E402
    MarkerError, has_markers, stencil_notebook, stencil_source)

ROOT = Path(__file__).resolve().parent.parent
SKIP_DIRS = {"__pycache__", ".ipynb_checkpoints", ".pytest_cache", ".hypothesis"}
SKIP_SUFFIXES = {".pyc"}


class StencilError(Exception):
    """One `file:line: reason` line; nothing has been written."""


def shown(path):
    """A path as the user typed it: relative to the working directory when inside it."""
    rel = os.path.relpath(path)
    return str(path) if rel.startswith("..") else rel


def tree_files(root):
    """Relative POSIX paths of the files under root that belong in a stencil, sorted."""
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        for name in files:
            if Path(name).suffix not in SKIP_SUFFIXES:
                found.append(Path(folder, name).relative_to(root).as_posix())
    return sorted(found)


def read_notebook(raw):
    """A notebook; missing cell ids get fixed ones (nbformat would invent random ones)."""
    data = json.loads(raw)
    if (data.get("nbformat", 0), data.get("nbformat_minor", 0)) >= (4, 5):
        for index, cell in enumerate(data.get("cells", []), 1):
            cell.setdefault("id", f"cell-{index}")
    return nbformat.reads(json.dumps(data), as_version=4)


def render(path, raw):
    """The stencil bytes of one solution file."""
    if path.suffix == ".ipynb":
        return (nbformat.writes(stencil_notebook(read_notebook(raw))) + "\n").encode()
    if path.suffix != ".py":
        return raw
    text = raw.decode("utf-8")
    if has_markers(text):
        return stencil_source(text, str(path)).encode("utf-8")
    compile(raw, str(path), "exec", dont_inherit=True)  # a stencil that imports, always
    return raw


def build(solution):
    """{relative path: stencil bytes} for the whole tree, or StencilError."""
    files = {}
    for rel in tree_files(solution):
        path = solution / rel
        try:
            files[rel] = render(path, path.read_bytes())
        except MarkerError as error:
            raise StencilError(error.where(shown(path))) from None
        except SyntaxError as error:
            raise StencilError(f"{shown(path)}:{error.lineno}: does not compile: {error.msg}") \
                from None
        except (UnicodeDecodeError, ValueError, nbformat.ValidationError) as error:
            # bad UTF-8 or notebook JSON
            raise StencilError(f"{shown(path)}:1: unreadable: {error}") from None
    return files


def read_tree(root):
    return {rel: (root / rel).read_bytes() for rel in tree_files(root)} if root.is_dir() else {}


def write_tree(files, stencil):
    """Write files to a temp dir beside stencil/, then swap it in."""
    tmp = Path(tempfile.mkdtemp(prefix=f".{stencil.name}.new-", dir=stencil.parent))
    try:
        tmp.chmod(stencil.stat().st_mode if stencil.is_dir() else 0o755)
        for rel, data in files.items():
            (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
            (tmp / rel).write_bytes(data)
    except BaseException:
        shutil.rmtree(tmp)
        raise
    old = tmp.with_name(tmp.name.replace(".new-", ".old-"))
    if stencil.exists():
        stencil.rename(old)
    tmp.rename(stencil)
    shutil.rmtree(old, ignore_errors=True)


def as_lines(data):
    try:
        return data.decode("utf-8").splitlines(keepends=True)
    except UnicodeDecodeError:
        return None


def tree_diff(expected, actual, stencil):
    """Report lines (unified diffs, missing and extra files) for actual vs expected."""
    report = []
    for rel in sorted(expected.keys() | actual.keys()):
        want, have = expected.get(rel), actual.get(rel)
        if have is None:
            report.append(f"missing from {shown(stencil)}: {rel}\n")
        elif want is None:
            report.append(f"extra in {shown(stencil)} (not generated): {rel}\n")
        elif want != have:
            old, new = as_lines(have), as_lines(want)
            if old is None or new is None:
                report.append(f"binary file differs: {rel}\n")
            else:
                report += difflib.unified_diff(old, new, f"{shown(stencil)}/{rel}",
                                               f"generated/{rel}")
                if not report[-1].endswith("\n"):
                    report[-1] += "\n\\ No newline at end of file\n"
    return report


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--solution", type=Path, default=ROOT / "solution")
    parser.add_argument("--stencil", type=Path, default=ROOT / "stencil")
    parser.add_argument("--check", action="store_true",
                        help="only compare: exit 1 and print a diff if stencil/ is stale")
    args = parser.parse_args(argv)
    solution, stencil = args.solution.resolve(), args.stencil.resolve()
    if not solution.is_dir():
        print(f"make_stencil: no solution folder {shown(solution)}", file=sys.stderr)
        return 2
    if solution == stencil or solution in stencil.parents or stencil in solution.parents:
        print("make_stencil: --solution and --stencil must not overlap", file=sys.stderr)
        return 2
    try:
        files = build(solution)
    except StencilError as error:
        print(error, file=sys.stderr)
        return 2
    report = tree_diff(files, read_tree(stencil), stencil)
    if args.check:
        sys.stdout.writelines(report)
        if report:
            print(f"make_stencil: {shown(stencil)} is not what {shown(solution)} generates; "
                  "run `make stencil`", file=sys.stderr)
        return 1 if report else 0
    if report:
        write_tree(files, stencil)
        print(f"make_stencil: wrote {len(files)} files to {shown(stencil)}", file=sys.stderr)
    else:
        print(f"make_stencil: {shown(stencil)} is up to date", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
