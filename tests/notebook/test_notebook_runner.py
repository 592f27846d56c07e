"""The runner on tiny notebooks: timeouts, errors, dependencies and a killed kernel."""
import re

import nbformat
import pytest

from autograder.notebook.runner import run_notebook
from notebook_helpers import write_code_folder, write_notebook

SECTIONS = [
    (None, "%load_ext autoreload\n%autoreload 1\n%aimport no_such_module", None),
    ("Data", "%aimport Beras\nimport Beras\nx = Beras.double(2)\n"
             "print(x, open('../data/hello.txt').read())", "4 hello"),
    ("Environment", "import os\nprint(os.environ.get('LAUNCHED_BY'), "
                    "*(os.environ[f'{lib}_NUM_THREADS'] for lib in ['OPENBLAS', 'OMP', 'MKL']))",
     "test 1 1 1"),
    ("Sleeps forever", "import time\ny = 1\ntime.sleep(10**6)", "never"),
    ("Uses the sleeper", "print(y)", "1"),
    ("Raises", "z = Beras.double(None)", "0"),
    ("Uses the raiser", "print(z)", "0"),
    ("Wrong number", "print([x, -0.5])", "[4, 0.5]"),
    ("Independent", "print(x * 1.0000001)", "4.0"),
    ("Kills the kernel", "import os\nos.kill(os.getpid(), 9)", ""),
    ("After the kill", "print(4)", "4"),
]


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    root = tmp_path_factory.mktemp("runner")
    code, data = write_code_folder(root)
    notebook = write_notebook(root / "tiny.ipynb", SECTIONS)
    return run_notebook(notebook, code, data, cell_timeout=3, launcher=["env", "LAUNCHED_BY=test"])


def by_title(outcomes):
    return {o.title: o for o in outcomes}


def test_one_outcome_per_block_in_order(outcomes):
    titles = [title for title, _, expected in SECTIONS if expected is not None]
    assert [(o.number, o.title) for o in outcomes] == list(enumerate(titles, start=1))


def test_cells_run_in_a_copy_that_sees_the_data_with_magics_working(outcomes):
    assert by_title(outcomes)["Data"].passed  # despite the failed %aimport above it


def test_kernel_environment_and_launcher(outcomes):
    assert by_title(outcomes)["Environment"].passed


def test_a_cell_that_sleeps_forever_times_out_and_grading_goes_on(outcomes):
    result = by_title(outcomes)
    assert not result["Sleeps forever"].passed
    assert result["Sleeps forever"].feedback == (
        "timed out: the cell ran longer than 3 s and was interrupted")
    assert not result["Uses the sleeper"].passed
    assert result["Uses the sleeper"].feedback == (
        "not graded: this cell uses `y` from the cell of block 3 (Sleeps forever), which failed")
    assert result["Independent"].passed


def test_an_error_fails_its_block_and_the_blocks_that_use_its_names(outcomes):
    result = by_title(outcomes)
    raised = result["Raises"].feedback
    assert raised == (  # frames with their failing lines, no colours, no temp paths
        "TypeError: unsupported operand type(s) for *: 'int' and 'NoneType'\n"
        "Raised here:\n"
        "  Cell In[6], line 1\n"
        "    ----> 1 z = Beras.double(None)\n"
        "  File Beras/__init__.py:2, in double(x)\n"
        "    ----> 2     return 2 * x")
    assert "not graded: this cell uses `z` from the cell of block 5 (Raises)" in \
        result["Uses the raiser"].feedback


def test_a_wrong_output_gets_a_diff(outcomes):
    wrong = by_title(outcomes)["Wrong number"]
    assert not wrong.passed
    assert wrong.feedback.startswith("line 1, 2nd number: expected `0.5`, got `-0.5`\n")


def test_a_killed_kernel_fails_the_rest(outcomes):
    result = by_title(outcomes)
    assert result["Kills the kernel"].feedback.startswith("the kernel died in this cell")
    after = result["After the kill"]
    assert not after.passed  # its output would have matched
    assert after.feedback == (
        "not run: the kernel was gone after the cell of block 9 (Kills the kernel)")


def test_a_cell_that_ignores_the_interrupt_stops_the_kernel(tmp_path):
    code, data = write_code_folder(tmp_path)
    notebook = write_notebook(tmp_path / "stuck.ipynb", [
        ("Fine", "print(1)", "1"),
        ("Stuck", "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                  "while True:\n    pass", ""),
        ("After", "print(2)", "2"),
    ])
    fine, stuck, after = run_notebook(notebook, code, data, cell_timeout=1)
    assert fine.passed
    assert "ignored the interrupt, so the kernel was stopped" in stuck.feedback
    assert not after.passed and after.feedback.startswith("not run: the kernel was gone")


def test_a_kernel_that_cannot_start_fails_every_block(tmp_path):
    code, data = write_code_folder(tmp_path)
    notebook = write_notebook(tmp_path / "nb.ipynb", [("A", "print(1)", "1")])
    [only] = run_notebook(notebook, code, data, launcher=["false"])
    assert not only.passed
    assert only.feedback.startswith("not run: the notebook kernel failed")


def test_a_flood_of_output_is_capped_and_counted_and_grading_goes_on(tmp_path):
    from autograder.notebook.runner import OUTPUT_CAP, execute

    code, data = write_code_folder(tmp_path)
    line = "x" * 999
    notebook = write_notebook(tmp_path / "flood.ipynb", [
        ("Floods", f"for _ in range(20_000):\n    print({line!r})", "x"),  # 20 MB
        ("After the flood", "print('still here')", "still here")])
    nb = nbformat.read(notebook, as_version=4)
    runs = execute(nb, code, data, cell_timeout=60)
    flood, after = (runs[i] for i, cell in enumerate(nb.cells) if cell.cell_type == "code")
    assert flood.status == "ok"
    assert OUTPUT_CAP // 2 < len(flood.output) <= OUTPUT_CAP + 100
    dropped = int(re.search(r"\[\.\.\. (\d+) more bytes of output dropped\]", flood.output)[1])
    assert dropped + len(flood.output) >= 20_000_000 - OUTPUT_CAP
    assert after.status == "ok" and after.output.strip() == "still here"
    outcomes = run_notebook(notebook, code, data, cell_timeout=60)
    assert [o.passed for o in outcomes] == [False, True]
