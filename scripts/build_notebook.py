#!/usr/bin/env python3
"""Build solution/HW2_Beras_Intro.ipynb from its text form.

The notebook is the course's seed notebook, as released, followed by the cells this kit
adds (one per graded module). Both are text files in autograder/notebook/cells/, in the
format that autograder/notebook/textnb.py describes; TAs edit those, never the .ipynb.

    build_notebook.py             write the notebook
    build_notebook.py --check     exit 1 if the notebook is not what the text gives
    build_notebook.py --expected  run the notebook against solution/, write what each
                                  cell prints into its Expected Output block (in the
                                  text files), then write the notebook
"""
import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder.notebook.blocks import find_blocks  # noqa: E402
from autograder.notebook.deps import to_python  # noqa: E402
from autograder.notebook.runner import execute  # noqa: E402
from autograder.notebook.textnb import dumps, parse, to_notebook, with_outputs  # noqa: E402

CELLS = ROOT / "autograder" / "notebook" / "cells"
SOURCES = [CELLS / "seed.notebook.txt", CELLS / "added.notebook.txt"]
NOTEBOOK = ROOT / "solution" / "HW2_Beras_Intro.ipynb"


def build(sources=SOURCES):
    """The notebook the text files describe (its code cells checked to be Python)."""
    cells = []
    for path in sources:
        for cell in parse(path.read_text()):
            if cell.kind == "code" and to_python(cell.source) is None:
                sys.exit(f"{path}:{cell.start + 1}: this code cell is not valid Python")
            cells.append(cell)
    return to_notebook(cells)


def regenerate_expected(sources=SOURCES, code_dir=ROOT / "solution", data_dir=ROOT / "data",
                        cell_timeout=300):
    """Rewrite every Expected Output block in `sources` with what the solution prints."""
    nb = build(sources)
    runs = execute(nb, code_dir, data_dir, cell_timeout=cell_timeout)
    failed = [f"code cell {n}: {run.status}\n{run.error}"
              for n, run in enumerate(runs.values(), start=1) if run.status != "ok"]
    if failed:
        sys.exit("The solution fails in the notebook; no block was changed:\n"
                 + "\n".join(failed))
    blocks = find_blocks(nb)
    outputs = [runs[block.code_cell].output for block in blocks]
    changed = [b.number for b, out in zip(blocks, outputs) if out.rstrip() != b.expected.rstrip()]
    for path in sources:
        text = path.read_text()
        count = sum(cell.kind == "expected" for cell in parse(text))
        path.write_text(with_outputs(text, outputs[:count]))
        outputs = outputs[count:]
    print(f"{len(blocks)} Expected Output blocks; changed: {changed or 'none'}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="fail if the notebook is stale")
    mode.add_argument("--expected", action="store_true",
                      help="regenerate the Expected Output blocks from solution/")
    args = parser.parse_args(argv)
    if args.expected:
        regenerate_expected()
    text = dumps(build())
    if args.check:
        if not NOTEBOOK.exists() or NOTEBOOK.read_text() != text:
            sys.exit(f"{NOTEBOOK.relative_to(ROOT)} is out of date: "
                     "run scripts/build_notebook.py")
        return
    NOTEBOOK.write_text(text)
    print(f"wrote {NOTEBOOK.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
