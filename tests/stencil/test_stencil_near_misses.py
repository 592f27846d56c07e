"""Marker near-misses: a line that looks like a marker of some dialect (otter's, nbgrader's,
a misspelt one of ours) but is none the generator handles stops it with `file:line` and
what to write instead. Left alone, each of these would ship its solution line as it is."""
import textwrap

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from stencil_markers import MarkerError, has_markers, stencil_source

# (dialect, source whose line 3 is the near-miss, what the error tells to write)
NEAR_MISSES = [
    ("otter one-line", """
        def f(x):
            y = x * 2  # SOLUTION NO PROMPT
            return y
        """, "`lhs = expr  # SOLUTION`"),
    ("otter block", """
        def f(x):
            # BEGIN SOLUTION NO PROMPT
            y = x * 2
            # END SOLUTION
            return y
        """, "`# BEGIN SOLUTION`"),
    ("otter question", """
        def f(x):
            # BEGIN QUESTION
            return x
        """, "autograder/rubric.toml"),
    ("otter tests", """
        def f(x):
            # BEGIN TESTS
            assert f(1) == 2
        """, "autograder/rubric.toml"),
    ("nbgrader block", """
        def f(x):
            ### BEGIN SOLUTION
            y = x * 2
            ### END SOLUTION
            return y
        """, "with one `#`"),
    ("nbgrader end only", """
        def f(x):
            ### END SOLUTION
            return x
        """, "with one `#`"),
    ("nbgrader hidden tests", """
        def f(x):
            ### BEGIN HIDDEN TESTS
            assert f(1) == 2
        """, "autograder/checks/"),
    ("nbgrader stencil line", """
        def f(x):
            # YOUR CODE HERE
            return x * 2
        """, "BEGIN PROMPT"),
    ("lower case", """
        def f(x):
            # begin solution
            y = x * 2
            # end solution
            return y
        """, "exactly `# BEGIN SOLUTION`"),
    ("two spaces", """
        def f(x):
            # BEGIN  SOLUTION
            y = x * 2
            # END SOLUTION
            return y
        """, "exactly `# BEGIN SOLUTION`"),
    ("text after the marker", """
        def f(x):
            # BEGIN SOLUTION (part a)
            y = x * 2
            # END SOLUTION
            return y
        """, "exactly `# BEGIN SOLUTION`"),
    ("marker after code", """
        def f(x):
            y = x * 2  # BEGIN SOLUTION
            return y
        """, "alone on its line"),
    ("one-line marker after another comment", """
        def f(x):
            y = x * 2  # doubled  # SOLUTION
            return y
        """, "the line's only comment"),
    ("lower-case one-line marker", """
        def f(x):
            y = x * 2  # solution
            return y
        """, "`lhs = expr  # SOLUTION`"),
    ("PROMPT as a comment", """
        def f(x):
            # BEGIN PROMPT
            return None
        """, '`""" # BEGIN PROMPT`'),
    ("PROMPT delimiter misspelt", '''
        def f(x):
            """# begin prompt
            return None
            """ # END PROMPT
            return x
        ''', '`""" # BEGIN PROMPT`'),
]


@pytest.mark.parametrize("dialect, source, fix", NEAR_MISSES, ids=[n[0] for n in NEAR_MISSES])
def test_a_near_miss_stops_the_generator_at_its_line(dialect, source, fix):
    text = textwrap.dedent(source)
    assert has_markers(text)  # so make_stencil transforms the file instead of copying it
    with pytest.raises(MarkerError) as caught:
        stencil_source(text)
    assert caught.value.line == 3
    assert "does not handle" in caught.value.reason or "is not one" in caught.value.reason
    assert fix in caught.value.reason


@pytest.mark.parametrize("comment", [
    "# the solution uses broadcasting",
    "# see the prompt in the README",
    "# an end to the begin",
])
def test_comments_that_only_mention_the_words_are_no_marker(comment):
    text = f"def f(x):\n    {comment}\n    return x\n"
    assert stencil_source(text) == text


def test_the_generator_names_the_file_and_line_and_writes_nothing(kit):
    kit.solution.mkdir()
    (kit.solution / "a.py").write_text("x = 1\n")
    (kit.solution / "Beras").mkdir()
    (kit.solution / "Beras" / "b.py").write_text("def f(x):\n    y = x  # SOLUTION NO PROMPT\n"
                                                 "    return y\n")
    code, _, err = kit.run()
    assert code == 2
    assert err.startswith(f"{kit.solution / 'Beras' / 'b.py'}:2: '# SOLUTION NO PROMPT' "
                          "looks like otter's solution marker")
    assert not kit.stencil.exists()


def notebook_with(cell):
    return nbformat.writes(new_notebook(cells=[new_code_cell("import numpy"), cell]))


def test_a_near_miss_in_a_notebook_cell_names_the_cell(kit):
    kit.solution.mkdir()
    cell = new_code_cell("x = 1\n### BEGIN SOLUTION\nx = 2\n### END SOLUTION")
    (kit.solution / "nb.ipynb").write_text(notebook_with(cell))
    code, _, err = kit.run()
    assert code == 2
    assert err.startswith(f"{kit.solution / 'nb.ipynb'}[cell 2]:2: '### BEGIN SOLUTION' "
                          "looks like nbgrader's solution marker")
    assert not kit.stencil.exists()


def test_an_nbgrader_solution_cell_is_refused(kit):
    kit.solution.mkdir()
    cell = new_code_cell("x = 2", metadata={"nbgrader": {"solution": True, "grade": False}})
    (kit.solution / "nb.ipynb").write_text(notebook_with(cell))
    code, _, err = kit.run()
    assert code == 2
    assert err.startswith(f"{kit.solution / 'nb.ipynb'}[cell 2]:1: nbgrader's metadata")
    assert "tag the cell 'solution'" in err
    assert not kit.stencil.exists()
