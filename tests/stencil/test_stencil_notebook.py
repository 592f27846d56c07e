"""Markers in notebooks: tagged solution cells, markers in code cells, stripped outputs."""
import json

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

EXPECTED = "**> Expected Output** (double-click)\n<!-- \n```\nTraining Shapes: (60000, 784)\n```"


def executed(source, tags=(), count=3):
    cell = new_code_cell(source, execution_count=count,
                         outputs=[new_output("stream", name="stdout", text="42\n")])
    if tags:
        cell.metadata["tags"] = list(tags)
    cell.metadata["execution"] = {"iopub.status.idle": "2022-09-20T10:00:00Z"}
    return cell


def solution_notebook():
    return new_notebook(cells=[
        new_markdown_cell("# HW2\n# BEGIN SOLUTION is only text in markdown"),
        executed("%load_ext autoreload\nimport preprocess\nprint(42)"),
        new_markdown_cell(EXPECTED),
        executed('def loss(p, t):\n    """MSE."""\n    return ((p - t) ** 2).mean()\n'
                 '""" # BEGIN PROMPT\ndef loss(p, t):\n    return None  # TODO\n""" # END PROMPT',
                 tags=["solution", "keep-me"]),
        executed("model = make_model()\nmodel.fit(X0, Y0)", tags=["solution"]),
        executed("%matplotlib inline\nlr = 0.2  # SOLUTION\nfor x in range(3):\n"
                 "    # BEGIN SOLUTION\n    print(x)\n    # END SOLUTION\n"
                 '    """ # BEGIN PROMPT\n    print("TODO")\n    """ # END PROMPT\n!ls'),
    ])


def generate(kit, nb, name="HW2_Beras_Intro.ipynb"):
    kit.generate({name: nbformat.writes(nb)})
    return nbformat.read(kit.stencil / name, as_version=4)


def test_student_notebook(kit):
    solution = solution_notebook()
    student = generate(kit, solution)

    sources = [cell.source for cell in student.cells]
    assert sources == [
        solution.cells[0].source,
        "%load_ext autoreload\nimport preprocess\nprint(42)",
        EXPECTED,
        "def loss(p, t):\n    return None  # TODO",
        "# TODO\nraise NotImplementedError",
        '%matplotlib inline\nlr = None  # TODO\nfor x in range(3):\n    print("TODO")\n!ls',
    ]
    assert [c.cell_type for c in student.cells] == [c.cell_type for c in solution.cells]
    assert [c.id for c in student.cells] == [c.id for c in solution.cells]
    for cell in student.cells:
        if cell.cell_type == "code":
            assert (cell.outputs, cell.execution_count) == ([], None)
            assert "execution" not in cell.metadata
    assert student.cells[3].metadata.tags == ["keep-me"]  # the solution tag goes
    assert "tags" not in student.cells[4].metadata


def test_notebook_json_is_deterministic_even_without_cell_ids(kit):
    data = json.loads(nbformat.writes(solution_notebook()))
    for cell in data["cells"]:
        del cell["id"]  # nbformat would invent random ones
    name = "nb.ipynb"
    kit.generate({name: json.dumps(data)})
    first = (kit.stencil / name).read_bytes()
    (kit.stencil / name).write_text("stale")
    assert kit.run()[0] == 0
    assert (kit.stencil / name).read_bytes() == first
    assert first.endswith(b"}\n")
    assert [c["id"] for c in json.loads(first)["cells"]] == [f"cell-{i}" for i in range(1, 7)]


def test_notebook_marker_error_names_the_cell(kit):
    nb = solution_notebook()
    nb.cells[5].source = "x = 1\n# END SOLUTION"
    kit.solution.mkdir()
    nbformat.write(nb, kit.solution / "nb.ipynb")

    code, _, err = kit.run()

    assert (code, err) == (2, f"{kit.solution / 'nb.ipynb'}[cell 6]:2: "
                              "END SOLUTION without BEGIN SOLUTION\n")
    assert not kit.stencil.exists()


def test_tagged_cell_errors(kit):
    nb = solution_notebook()
    nb.cells[4].source = "# BEGIN SOLUTION\nx = 1\n# END SOLUTION"
    kit.solution.mkdir()
    nbformat.write(nb, kit.solution / "nb.ipynb")

    code, _, err = kit.run()

    assert code == 2
    assert err.startswith(f"{kit.solution / 'nb.ipynb'}[cell 5]:1: SOLUTION marker in a cell "
                          "tagged 'solution'")


def test_tagged_cell_prompt_must_compile(kit):
    nb = solution_notebook()
    nb.cells[4].source = 'x = 1\n""" # BEGIN PROMPT\nx = (\n""" # END PROMPT'
    kit.solution.mkdir()
    nbformat.write(nb, kit.solution / "nb.ipynb")

    code, _, err = kit.run()

    assert code == 2
    assert err.startswith(f"{kit.solution / 'nb.ipynb'}[cell 5]:3: stencil does not compile")
