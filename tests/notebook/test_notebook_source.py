"""The notebook's text form and its build into solution/HW2_Beras_Intro.ipynb."""
import importlib.util

import nbformat

from autograder.notebook.blocks import HEADER, expected_text, find_blocks, with_expected_text
from autograder.notebook.deps import dependencies
from autograder.notebook.textnb import dumps, parse, to_notebook, with_outputs
from notebook_helpers import ROOT

CELLS = ROOT / "autograder" / "notebook" / "cells"


def load_builder():
    spec = importlib.util.spec_from_file_location("build_notebook",
                                                  ROOT / "scripts" / "build_notebook.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_seed_parses_into_its_cells():
    cells = parse((CELLS / "seed.notebook.txt").read_text())
    assert [c.kind for c in cells] == ["markdown", "code", "markdown", "code", "expected",
                                       "markdown", "code", "expected", "markdown", "code",
                                       "expected", "markdown", "code", "expected"]
    assert cells[1].source == ("%load_ext autoreload\n%autoreload 1\n"
                               "%aimport Beras, assignment, preprocess")
    assert cells[2].source == "### Pull In The Data"
    assert "## Import MNIST train and test" in cells[3].source  # a comment, not a heading
    assert cells[4].source.startswith("**> Expected Output** (double-click)\n<!-- \n```\n")


def test_seed_blocks_and_titles():
    nb = to_notebook(parse((CELLS / "seed.notebook.txt").read_text()))
    blocks = find_blocks(nb)
    assert [b.title for b in blocks] == [
        "Pull In The Data",
        "Testing out our first Callable module: OneHotEncoder",
        "Simple Diffable Example: Sin Activation",
        "Advanced Diffable Example: Categorical Crossentropy Loss",
    ]
    assert blocks[0].expected == ("Training Shapes: (60000, 784) (60000,)\n"
                                  "Testing  Shapes: (10000, 784) (10000,)")
    assert blocks[2].expected.endswith("Sanity Check:\nThe world still makes sense")


def test_a_code_cell_ends_at_a_heading_set_off_by_blank_lines():
    text = ("In [None]:\nx = 1\n## a comment\ny = 2\n\n## Results\n\nplain text\n"
            "In [None]:\nprint(x)\n\n**> Expected Output**\n<!--\n```\n1\n```-->\n")
    cells = parse(text)
    assert [(c.kind, c.source) for c in cells] == [
        ("code", "x = 1\n## a comment\ny = 2"),
        ("markdown", "## Results\n\nplain text"),
        ("code", "print(x)"),
        ("expected", "**> Expected Output**\n<!--\n```\n1\n```-->"),
    ]


def test_block_text_is_replaced_in_place():
    source = "**> Expected Output** (double-click)\n<!-- \n```\nold\n```-->"
    new = with_expected_text(source, "new  \nlines\n")
    assert new == "**> Expected Output** (double-click)\n<!-- \n```\nnew\nlines\n```-->"
    assert expected_text(new) == "new\nlines"


def test_with_outputs_rewrites_only_the_blocks():
    for path in (CELLS / "seed.notebook.txt", CELLS / "added.notebook.txt"):
        text = path.read_text()
        blocks = [expected_text(c.source) for c in parse(text) if c.kind == "expected"]
        assert with_outputs(text, blocks) == text  # the files are as --expected writes them
        changed = with_outputs(text, ["changed"] * len(blocks))
        assert [expected_text(c.source) for c in parse(changed) if c.kind == "expected"] == \
            ["changed"] * len(blocks)
        assert [c.source for c in parse(changed) if c.kind != "expected"] == \
            [c.source for c in parse(text) if c.kind != "expected"]


def test_the_notebook_is_built_from_the_text_and_is_up_to_date():
    builder = load_builder()
    built = dumps(builder.build())
    assert built == dumps(builder.build())  # deterministic: cell ids come from positions
    assert builder.NOTEBOOK.read_text() == built, "run scripts/build_notebook.py"


def test_the_notebook_starts_with_every_seed_cell_in_order():
    nb = nbformat.read(ROOT / "solution" / "HW2_Beras_Intro.ipynb", as_version=4)
    seed = parse((CELLS / "seed.notebook.txt").read_text())
    assert [c.source for c in nb.cells[:len(seed)]] == [c.source for c in seed]
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert (cell.outputs, cell.execution_count) == ([], None)
        if cell.source.startswith(HEADER):
            assert "<!--" in cell.source.splitlines()[1]


def test_new_cells_depend_on_each_other_only_where_intended():
    nb = nbformat.read(ROOT / "solution" / "HW2_Beras_Intro.ipynb", as_version=4)
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    uses = dependencies(code)
    n_seed = sum(c.kind == "code" for c in parse((CELLS / "seed.notebook.txt").read_text()))
    assert uses[2] == {"Y0": 1, "Y1": 1}  # the seed's OneHotEncoder uses the data cell
    cross = {i: d for i, d in enumerate(uses) if i >= n_seed and d}
    dense_forward = n_seed  # the first new code cell
    assert cross == {dense_forward + 1: {"dense": dense_forward, "np": dense_forward}}


def test_dependencies_follow_the_last_binding():
    sources = ["%load_ext autoreload\n%aimport Beras",
               "import numpy as np\nx = np.ones(3)\ny = 2",
               "x = x + 1\nprint(y)",
               "import numpy as np\nfor i in range(3):\n    print(np.sum(x) * i)\n"
               "def f(a):\n    return a + z\n",
               "y += 1\n!ls\nz = %time 1",
               "this is not python"]
    assert dependencies(sources) == [{}, {}, {"x": 1, "y": 1}, {"x": 2}, {"y": 1}, {}]
