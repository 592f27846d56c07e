"""The Expected Output blocks of a notebook, as the course writes them.

A block is a markdown cell that starts with `**> Expected Output**` and holds the output
inside an HTML comment, so students see it only when they double-click the cell:

    **> Expected Output**
    <!--
    ```
    what the code cell above prints
    ```-->

The block grades the nearest code cell above it, and is titled by the nearest markdown
heading above that.
"""
import re
from dataclasses import dataclass

import nbformat

HEADER = "**> Expected Output**"
FENCE = "```"


@dataclass(frozen=True)
class Block:
    number: int  # 1-based, in notebook order
    title: str
    code_cell: int  # index in nb.cells of the code cell it grades
    cell: int  # index in nb.cells of the block's own markdown cell
    expected: str


def is_block(cell) -> bool:
    return cell.cell_type == "markdown" and cell.source.lstrip().startswith(HEADER)


def fence_span(lines: list[str]) -> tuple[int, int]:
    """Indices of the opening and closing fence lines of a block's source lines.

    The closing fence may carry the comment's end (```-->); the seed's first block has
    no `-->` at all, which renders the same.
    """
    fences = [i for i, line in enumerate(lines) if line.lstrip().startswith(FENCE)]
    if len(fences) < 2:
        raise ValueError(f"an Expected Output block needs a fenced output:\n{''.join(lines)}")
    return fences[0], fences[1]


def expected_text(source: str) -> str:
    """The output held by a block's source: the lines between its fences."""
    lines = source.splitlines()
    start, end = fence_span(lines)
    return "\n".join(lines[start + 1:end])


def with_expected_text(source: str, text: str) -> str:
    """A block's source with its output replaced by `text` (all else kept)."""
    lines = source.splitlines()
    start, end = fence_span(lines)
    body = [line.rstrip() for line in text.rstrip("\n").splitlines()]
    return "\n".join(lines[:start + 1] + body + lines[end:])


def heading(line: str) -> str | None:
    """The text of a markdown heading line, without its markup, else None."""
    match = re.match(r"\s{0,3}#{1,6}\s+(.*)", line)
    if not match:
        return None
    return re.sub(r"[*`]", "", match.group(1)).strip(" #") or None


def markdown_headings(source: str) -> list[str]:
    """The headings of a markdown cell, skipping fenced code (whose comments start with #)."""
    found, in_fence = [], False
    for line in source.splitlines():
        if line.lstrip().startswith(FENCE):
            in_fence = not in_fence
        elif not in_fence and (text := heading(line)):
            found.append(text)
    return found


def find_blocks(nb) -> list[Block]:
    """Every Expected Output block of an nbformat notebook, with the code cell it grades."""
    blocks, title, code_cell = [], "", None
    for index, cell in enumerate(nb.cells):
        if is_block(cell):
            if code_cell is None:
                raise ValueError(f"cell {index}: an Expected Output block with no code cell above")
            blocks.append(Block(len(blocks) + 1, title, code_cell, index,
                                expected_text(cell.source)))
        elif cell.cell_type == "markdown":
            title = (markdown_headings(cell.source) or [title])[-1]
        elif cell.cell_type == "code":
            code_cell = index
    return blocks


def block_titles(notebook_path) -> list[str]:
    """The titles of a notebook file's blocks, in order (the rubric's notebook items)."""
    return [block.title for block in find_blocks(nbformat.read(notebook_path, as_version=4))]
