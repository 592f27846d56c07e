"""The full grade's notebook values (notebook/values.py, cells/values.toml): what the kernel
hands back is read as untrusted data, the hidden run really changes the inputs, and a block
passes only when its values equal the reference's in both runs."""
import base64
import io
import json
import re

import nbformat
import numpy as np
import pytest

from autograder import paths, rubric as rubric_file
from autograder.notebook.blocks import block_titles, find_blocks
from autograder.notebook.runner import execute_with_values
from autograder.notebook.values import (hide_seeds, load_spec, make_plan, read_values,
                                        run_judged)
from notebook_helpers import write_code_folder, write_notebook

SPEC = load_spec()


def test_every_block_worth_points_says_what_its_cell_computes():
    rubric = rubric_file.load().with_notebook_blocks(block_titles(paths.NOTEBOOK))
    graded = {i.name.removeprefix("notebook: ") for i in rubric.items
              if i.block is not None and i.points > 0}
    assert graded - set(SPEC) == set(), "add these blocks to cells/values.toml"
    assert set(SPEC) - set(block_titles(paths.NOTEBOOK)) == set(), "no such block"
    assert all(SPEC[title]["values"] for title in SPEC)


@pytest.fixture(scope="module")
def reference_runs():
    """The reference notebook, read with two secrets: {secret: (runs, hidden runs)}."""
    nb = nbformat.read(paths.NOTEBOOK, as_version=4)
    out = {}
    for secret in (1, 2):
        plan = make_plan(nb, secret, SPEC)
        out[secret] = plan, execute_with_values(nbformat.read(paths.NOTEBOOK, as_version=4),
                                                paths.SOLUTION, paths.DATA, plan)
    return nb, out


def test_the_reference_computes_every_value_in_both_runs(reference_runs):
    nb, out = reference_runs
    plan, (runs, hidden) = out[1]
    for block in find_blocks(nb):
        for run in [runs.get(block.code_cell), hidden.get(block.code_cell)]:
            if run is None or block.title not in SPEC:
                continue
            assert run.status == "ok", (block.title, run.error)
            missing = {e: v for e, v in run.values.items() if not isinstance(v, np.ndarray)}
            assert set(run.values) == set(SPEC[block.title]["values"]) and not missing, missing


def test_hidden_inputs_change_what_every_module_cell_computes(reference_runs):
    """Else an answer hard-coded for the public inputs would pass the hidden run too."""
    nb, out = reference_runs
    plan, (runs, hidden) = out[1]
    _, (_, other) = out[2]
    seeded = {b.title for b in find_blocks(nb) if b.code_cell in plan.hidden}
    # every graded cell but the data's (whose input is MNIST itself) reruns
    assert set(SPEC) - seeded == {"Pull In The Data",
                                  "Testing out our first Callable module: OneHotEncoder"}
    for block in find_blocks(nb):
        if block.title in seeded & set(SPEC):
            public, secret = runs[block.code_cell].values, hidden[block.code_cell].values
            assert any(public[e].shape != secret[e].shape or not np.allclose(public[e], secret[e])
                       for e in public), f"{block.title}: the hidden run changes nothing"
            third = other[block.code_cell].values  # another secret, other inputs again
            assert any(not np.allclose(secret[e], third[e]) for e in secret
                       if secret[e].shape == third[e].shape), block.title


def test_hidden_seeds_replace_every_seed_and_depend_on_the_secret():
    source = "a = np.random.default_rng(1)\nb = default_rng( 22 ).normal()\nrng(3)"
    hidden = hide_seeds(source, 7)
    seeds = [int(s) for s in re.findall(r"default_rng\((\d+)\)", hidden)]
    assert len(seeds) == 2 and not {1, 22} & set(seeds) and hidden.endswith("rng(3)")
    assert hide_seeds(source, 7) == hidden != hide_seeds(source, 8)


def npy(array) -> str:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=True)
    return base64.b64encode(buffer.getvalue()).decode()


def reply(table) -> dict:
    text = repr(table if isinstance(table, str) else json.dumps(table))
    return {"user_expressions": {"values": {"status": "ok", "data": {"text/plain": text}}}}


@pytest.mark.parametrize("garbage, says", [
    ({}, "no value"), (None, "no value"), ({"status": "error", "ename": "NameError"}, "NameError"),
    ({"user_expressions": {"values": {"status": "ok", "data": {"text/plain": "__import__('os')"}}}},
     "not values"),
    (reply("not json"), "not values"), (reply([1, 2]), "not values"),
    (reply({"x": {"npy": "%%%"}}), "not a valid array"),
    (reply({"x": {"npy": npy(np.array([object()]))}}), "not a valid array"),
    (reply({"x": {"npy": npy(np.array(["text"]))}}), "not a valid array"),
    (reply({"x": {"npy": base64.b64encode(b"\x93NUMPY garbage").decode()}}), "not a valid array"),
    (reply({"x": {"error": "NameError: name 'x' is not defined"}}), "NameError"),
    (reply({"x": 3}), "missing"),
])
def test_garbage_from_the_kernel_gives_a_reason_never_an_exception(garbage, says):
    if garbage == {}:
        garbage = {"user_expressions": {}}
    if garbage is None:
        garbage = {"user_expressions": {"values": None}}
    if "status" in garbage:
        garbage = {"user_expressions": {"values": garbage}}
    value = read_values(["x"], garbage)["x"]
    assert isinstance(value, str)
    assert says.lower() in value.lower() or says == "no value", value


def test_a_good_answer_is_a_plain_array():
    value = read_values(["x"], reply({"x": {"npy": npy(np.arange(6).reshape(2, 3))}}))["x"]
    assert type(value) is np.ndarray and value.tolist() == [[0, 1, 2], [3, 4, 5]]


SEED_CELL = """import numpy as np
from Beras import double
x = np.random.default_rng(1).integers(0, 100, size=3)
y = double(x)
print(y)"""
NEXT_CELL = """z = double(np.array([1.5]))
print(z)"""
CHEATS = {
    "honest": "",
    # the public answer, pasted in: right for the notebook's own input only
    "hard_coded": "_public = np.random.default_rng(1).integers(0, 100, size=3)\n"
                  "double = lambda x: 2 * _public if len(x) == 3 else 2 * x\n",
    # prints as the answer would, but is no array of numbers
    "object": "class _Shown:\n    def __init__(self, x): self.x = x\n"
              "    def __str__(self): return str(2 * self.x)\n"
              "double = lambda x: _Shown(x) if len(x) == 3 else 2 * x\n",
    # an array whose values are wrong, whose __str__ shows the right ones
    "liar": "class _Liar(np.ndarray):\n    def __str__(self): return str(self.shown)\n"
            "def double(x):\n    if len(x) != 3: return 2 * x\n"
            "    liar = np.zeros_like(x).view(_Liar); liar.shown = 2 * x; return liar\n",
}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    root = tmp_path_factory.mktemp("values")
    reference, data = write_code_folder(root / "reference")
    expected = str(2 * np.random.default_rng(1).integers(0, 100, size=3))
    notebook = write_notebook(root / "nb.ipynb", [("Doubling", SEED_CELL, expected),
                                                  ("Again", NEXT_CELL, "[3.]")])
    return root, notebook, reference, data


@pytest.mark.parametrize("cheat, first_block", [
    ("honest", ""), ("hard_coded", "with hidden inputs"),
    ("object", "not an array of numbers"), ("liar", "values do not"),
])
def test_a_block_needs_its_values_and_a_failure_costs_only_its_block(tiny, cheat, first_block):
    root, notebook, reference, data = tiny
    code, _ = write_code_folder(root / cheat)
    (code / "Beras" / "__init__.py").write_text(
        "import numpy as np\ndef double(x):\n    return 2 * x\n" + CHEATS[cheat])
    spec = {"Doubling": {"values": ["y"]}, "Again": {"values": ["z"]}}
    first, second = run_judged(notebook, code, data, reference, cell_timeout=30, spec=spec,
                               secret=5)
    assert first.passed == (cheat == "honest"), first.feedback
    assert first_block.lower() in first.feedback.lower()
    assert second.passed, second.feedback


def test_values_that_hang_the_kernel_cost_only_their_block(tiny):
    """A value whose __array__ never returns: the read times out, the kernel is interrupted,
    and the next block is graded as usual."""
    root, notebook, reference, data = tiny
    code, _ = write_code_folder(root / "hangs")
    (code / "Beras" / "__init__.py").write_text(
        "import time\nimport numpy as np\n"
        "class _Hang:\n    def __init__(self, x): self.x = x\n"
        "    def __str__(self): return str(2 * self.x)\n"
        "    def __array__(self, *args, **kwargs):\n        while True: time.sleep(1)\n"
        "def double(x):\n    return _Hang(x) if len(x) == 3 else 2 * x\n")
    spec = {"Doubling": {"values": ["y"]}, "Again": {"values": ["z"]}}
    first, second = run_judged(notebook, code, data, reference, cell_timeout=3, spec=spec,
                               secret=5)
    assert not first.passed and "timed out" in first.feedback, first.feedback
    assert second.passed, second.feedback
