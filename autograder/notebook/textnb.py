"""The notebook's text form: the course's seed notebook as released, and the cells we add.

A file is a sequence of cells:
- `In [None]:` on a line of its own starts a code cell;
- `**> Expected Output**` starts an Expected Output block, which ends with the closing
  fence of its output (see blocks.py);
- anything else is markdown.
A code cell runs until the next `In [None]:` or Expected Output block, or until a
markdown heading set off by blank lines (so a `## comment` inside code, which has code
right below it, stays code). Blank lines around cells are not part of them.
"""
from dataclasses import dataclass

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from .blocks import HEADER, fence_span, heading, with_expected_text

CODE_MARK = "In [None]:"
METADATA = {
    "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python",
                   "name": "python3"},
    "language_info": {"name": "python"},
}


@dataclass(frozen=True)
class TextCell:
    kind: str  # "markdown", "code" or "expected"
    start: int  # 0-based line span [start, end) in its file
    end: int
    source: str


def parse(text: str) -> list[TextCell]:
    """The cells of a text-form notebook, in order."""
    lines = text.splitlines()
    spans: list[list] = []  # [kind, start, end]
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.strip() == CODE_MARK:
            spans.append(["code", i + 1, i + 1])
        elif line.startswith(HEADER):
            try:
                _, close = fence_span(lines[i + 1:])
            except ValueError:
                raise ValueError(f"line {i + 1}: an Expected Output block without a fenced "
                                 "output") from None
            end = i + 1 + close + 1  # the line after the closing fence
            spans.append(["expected", i, end])
            i = end
            continue
        elif not spans or spans[-1][0] == "expected" or _ends_code(spans[-1], lines, i):
            spans.append(["markdown", i, i + 1])
        else:
            spans[-1][2] = i + 1
        i += 1
    cells = []
    for kind, start, end in spans:
        while start < end and not lines[start].strip():
            start += 1
        while end > start and not lines[end - 1].strip():
            end -= 1
        if start < end or kind == "code":
            cells.append(TextCell(kind, start, end, "\n".join(lines[start:end])))
    return cells


def _ends_code(span: list, lines: list[str], i: int) -> bool:
    """Whether line i, in a code cell, is instead a markdown heading that ends it."""
    if span[0] != "code":
        return False
    blank_before = i == 0 or not lines[i - 1].strip()
    blank_after = i + 1 >= len(lines) or not lines[i + 1].strip()
    return blank_before and blank_after and heading(lines[i]) is not None


def to_notebook(cells: list[TextCell]):
    """An nbformat notebook of the cells, with ids that depend only on their order."""
    counts = {"markdown": 0, "code": 0, "expected": 0}
    nb_cells = []
    for cell in cells:
        counts[cell.kind] += 1
        cell_id = f"{cell.kind}-{counts[cell.kind]}"
        make = new_code_cell if cell.kind == "code" else new_markdown_cell
        nb_cells.append(make(cell.source, id=cell_id))
    return new_notebook(cells=nb_cells, metadata=METADATA)


def dumps(nb) -> str:
    """The .ipynb text: nbformat's sorted-key JSON, so equal notebooks give equal bytes."""
    nbformat.validate(nb)
    return nbformat.writes(nb) + "\n"


def with_outputs(text: str, outputs: list[str]) -> str:
    """`text` with the output of its k-th Expected Output block replaced by outputs[k]."""
    lines = text.splitlines()
    blocks = [cell for cell in parse(text) if cell.kind == "expected"]
    if len(blocks) != len(outputs):
        raise ValueError(f"{len(blocks)} blocks, {len(outputs)} outputs")
    for cell, output in reversed(list(zip(blocks, outputs))):
        lines[cell.start:cell.end] = with_expected_text(cell.source, output).splitlines()
    return "\n".join(lines) + "\n"
