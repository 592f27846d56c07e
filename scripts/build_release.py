#!/usr/bin/env python3
"""Build the student handout and the Gradescope autograder zip (`make release`).

    python scripts/build_release.py [--dist DIR]      # default: the kit's dist/

Writes:
    dist/student/, dist/student.zip (the same files under hw2/): the handout.
        code/         the stencil (stencil/, which must be what solution/ generates)
        autograder/   the grader without checks.HIDDEN_MODULES, its rubric.toml cut
                      to the `visible` items
        data/         README.md and mnist.sha256 (setup.sh fetches MNIST beside them)
        scripts/fetch_data.py, setup.sh, requirements.txt (what grading needs, locked;
                      without requirements-dev.txt, setup.sh installs only that)
        README.md, Makefile (release/student/: `make check` grades code/ on public items)
    dist/autograder.zip: Gradescope's release/gradescope/{setup.sh, run_autograder} at
        the root, the whole grader, the reference solution/, scripts/fetch_data.py,
        data/mnist.sha256 and requirements.txt.

Nothing is written unless the handout is clean: no file of a hidden module, no hidden
item's id or name, and no line of solution/'s SOLUTION blocks, one-line solutions and
solution cells (read loosely, in any marker dialect, whatever the generator made of
them), unless a PROMPT shows it or release/public_lines.txt lists it as an idiom that
gives nothing away. A marker the generator does not handle stops the build first, with
its file:line. Zips are deterministic: sorted
entries, one fixed timestamp, modes 644/755.
"""
import argparse
import json
import os
import re
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "scripts"), str(ROOT)]
import make_stencil  # noqa: E402
from stencil_markers import SOLUTION_TAG, has_markers, solution_content  # noqa: E402

from autograder import rubric as rubric_file  # noqa: E402
from autograder.compat import tomllib  # noqa: E402
from autograder.checks import HIDDEN_MODULES  # noqa: E402

RELEASE = ROOT / "release"
SOLUTION = ROOT / "solution"  # --solution: another reference tree to check and ship
PUBLIC_LINES = RELEASE / "public_lines.txt"  # idioms that are no leak, reviewed by a TA
HANDOUT_FOLDER = "hw2"  # student.zip unpacks to hw2/
ZIP_TIME = (2022, 9, 1, 0, 0, 0)
MIN_LEAK_CHARS = 12  # shorter lines (`return out`, `)`) are no evidence of a leak


class ReleaseError(Exception):
    """Why the release was not built; nothing was written."""


# ---- gathering files: {relative path: (bytes, executable)} --------------------------------

def file_entry(path: Path):
    return path.read_bytes(), bool(path.stat().st_mode & 0o111)


def tree(src: Path, under: str, drop=lambda rel: False) -> dict:
    """Every file of src the stencil generator would copy (no caches), placed under `under`."""
    return {f"{under}/{rel}" if under else rel: file_entry(src / rel)
            for rel in make_stencil.tree_files(src) if not drop(rel)}


def files(*rels) -> dict:
    return {rel: file_entry(ROOT / rel) for rel in rels}


def hidden_module(rel: str) -> bool:
    """checks/<name>.py or checks/<name>/... for a name in checks.HIDDEN_MODULES."""
    parts = Path(rel).parts
    return len(parts) >= 2 and parts[0] == "checks" and \
        (parts[1].removesuffix(".py") if len(parts) == 2 else parts[1]) in HIDDEN_MODULES


def public_rubric(text: str) -> str:
    """rubric.toml with every [[item]] that is not `visible` cut out, with its comment lines."""
    lines = text.splitlines(keepends=True)
    headers = [i for i, line in enumerate(lines) if re.match(r"\s*\[", line)]
    starts, floor = [], 0
    for header in headers:  # a table owns the comment lines right above its header
        start = header
        while start > floor and lines[start - 1].lstrip().startswith("#"):
            start -= 1
        starts.append(start)
        floor = header + 1
    chunks = [lines[:starts[0]]] + [lines[a:b] for a, b in zip(starts, starts[1:] + [len(lines)])]
    kept = []
    for chunk in chunks:
        table = tomllib.loads("".join(chunk))
        items = table.get("item", [])
        if not items or all(i.get("visibility") == "visible" for i in items):
            kept.append("".join(chunk))
    return "".join(kept)


def student_files() -> dict:
    out = tree(ROOT / "stencil", "code")
    out.update(tree(ROOT / "autograder", "autograder", drop=hidden_module))
    rubric = (ROOT / "autograder" / "rubric.toml").read_text()
    out["autograder/rubric.toml"] = (public_rubric(rubric).encode(), False)
    out.update(files("data/README.md", "data/mnist.sha256", "scripts/fetch_data.py",
                     "setup.sh", "requirements.txt"))
    out.update(tree(RELEASE / "student", ""))
    return out


def gradescope_files(solution: Path = SOLUTION) -> dict:
    out = tree(ROOT / "autograder", "autograder")
    out.update(tree(solution, "solution"))
    out.update(files("data/README.md", "data/mnist.sha256", "scripts/fetch_data.py",
                     "requirements.txt"))
    out.update(tree(RELEASE / "gradescope", ""))
    return out


# ---- what must never ship to students ------------------------------------------------------

def code_texts(rel: str, data: bytes) -> list:
    """A text file's text; a notebook's code cells, one text each (markdown is no code)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return []
    if rel.endswith(".ipynb"):
        cells = json.loads(text).get("cells", [])
        return ["".join(c["source"]) for c in cells if c.get("cell_type") == "code"]
    return [text]


def stripped(texts) -> set:
    return {line.strip() for text in texts for line in text.splitlines()}


def public_lines() -> set:
    return {line.strip() for line in PUBLIC_LINES.read_text().splitlines()
            if not line.startswith("#")}


def marked_texts(rel: str, data: bytes) -> list:
    """(code, whole) for each .py file and notebook code cell; whole: a cell tagged solution."""
    if rel.endswith(".py"):
        return [(data.decode("utf-8"), False)]
    if rel.endswith(".ipynb"):
        return [("".join(c["source"]), SOLUTION_TAG in c.get("metadata", {}).get("tags", []))
                for c in json.loads(data).get("cells", []) if c.get("cell_type") == "code"]
    return []


def solution_block_lines(solution: Path = SOLUTION) -> set:
    """Every line of solution/'s solution blocks, one-line solutions and solution cells, read
    from solution/ itself rather than from what the generator removed (so a marker it
    missed still counts), less what PROMPTs and release/public_lines.txt make public."""
    secret, public = set(), public_lines()
    for rel in make_stencil.tree_files(solution):
        for text, whole in marked_texts(rel, (solution / rel).read_bytes()):
            hidden, shown = solution_content(text, whole)
            secret |= hidden
            public |= shown
    return {line for line in secret - public
            if len(line) >= MIN_LEAK_CHARS and not has_markers(line)}


def leaks(handout: dict, solution: Path = SOLUTION) -> list:
    """Every reason the handout must not ship, as `path: what` lines."""
    rubric = rubric_file.load()
    secret = solution_block_lines(solution)
    hidden = [(i.id, i.name) for i in rubric.items if i.visibility != "visible"]
    found = []
    for rel, (data, _) in sorted(handout.items()):
        if rel.startswith("solution/") or rel.startswith("autograder/") and \
                hidden_module(rel.removeprefix("autograder/")):
            found.append(f"{rel}: a hidden file")
        found += [f"{rel}: a line from a solution block: {line!r}"
                  for line in sorted(secret & stripped(code_texts(rel, data)))]
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            continue
        found += [f"{rel}: the hidden item {item_id} ({what!r})"
                  for item_id, name in hidden for what in (item_id, name) if what in text]
    return found


# ---- writing -------------------------------------------------------------------------------

def write_zip(entries: dict, path: Path, prefix: str = "") -> None:
    tmp = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for rel in sorted(entries):
            data, executable = entries[rel]
            info = zipfile.ZipInfo(prefix + rel, date_time=ZIP_TIME)
            info.create_system = 3  # unix, so that the modes below are honoured
            info.external_attr = (0o100755 if executable else 0o100644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    os.replace(tmp, path)


def write_tree(entries: dict, dest: Path) -> None:
    """Write to a temp folder beside dest, then swap it in."""
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.new-", dir=dest.parent))
    tmp.chmod(0o755)
    for rel, (data, executable) in entries.items():
        (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp / rel).write_bytes(data)
        (tmp / rel).chmod(0o755 if executable else 0o644)
    if dest.exists():
        shutil.rmtree(dest)
    tmp.rename(dest)


def build(dist: Path, solution: Path = SOLUTION) -> None:
    stale = make_stencil.tree_diff(make_stencil.build(solution),
                                   make_stencil.read_tree(ROOT / "stencil"), ROOT / "stencil")
    if stale:
        raise ReleaseError("stencil/ is not what solution/ generates: run `make stencil`")
    handout, autograder = student_files(), gradescope_files(solution)
    found = leaks(handout, solution)
    if found:
        raise ReleaseError("the handout would leak:\n  " + "\n  ".join(found))
    dist.mkdir(parents=True, exist_ok=True)
    write_tree(handout, dist / "student")
    write_zip(handout, dist / "student.zip", prefix=f"{HANDOUT_FOLDER}/")
    write_zip(autograder, dist / "autograder.zip")
    print(f"build_release: {len(handout)} files in {dist / 'student'} and student.zip, "
          f"{len(autograder)} in autograder.zip", file=sys.stderr)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist")
    parser.add_argument("--solution", type=Path, default=SOLUTION,
                        help="the reference tree (default: the kit's solution/)")
    args = parser.parse_args(argv)
    try:
        build(args.dist.resolve(), args.solution.resolve())
    except (ReleaseError, make_stencil.StencilError, rubric_file.RubricError) as e:
        print(f"build_release: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
