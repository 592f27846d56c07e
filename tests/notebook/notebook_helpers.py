"""Helpers for the notebook runner's tests: tiny notebooks and code folders."""
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parents[2]


def block(expected: str):
    """An Expected Output cell in the course's form."""
    return new_markdown_cell(f"**> Expected Output**\n<!--\n```\n{expected}\n```-->")


def write_notebook(path: Path, sections) -> Path:
    """A notebook of (title, code, expected) sections: a heading, a code cell, and a block
    unless expected is None."""
    cells = []
    for title, code, expected in sections:
        if title:
            cells.append(new_markdown_cell(f"## {title}"))
        cells.append(new_code_cell(code))
        if expected is not None:
            cells.append(block(expected))
    nbformat.write(new_notebook(cells=cells), path)
    return path


def write_code_folder(root: Path) -> tuple[Path, Path]:
    """(code, data): a one-function Beras package and a data folder holding hello.txt."""
    (root / "code" / "Beras").mkdir(parents=True)
    (root / "code" / "Beras" / "__init__.py").write_text("def double(x):\n    return 2 * x\n")
    (root / "data").mkdir()
    (root / "data" / "hello.txt").write_text("hello\n")
    return root / "code", root / "data"
