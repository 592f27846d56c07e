"""The real solution/ and the committed stencil/: in sync, no leaks, importable.

Marked regions are read here with a plain line reading of the markers, independent of
the generator's own parser, so a marker the generator missed shows up as a failure.
"""
import ast
import difflib
import os
import subprocess
import sys

import nbformat

from stencil_helpers import ROOT
from make_stencil import build, tree_files

SOLUTION = ROOT / "solution"
STENCIL = ROOT / "stencil"
PLACEHOLDERS = {"", "pass", "raise NotImplementedError", "# TODO"}
# The F22 split (BRIEF "What is given vs TODO"): the functions students write.
TODO = {
    "Beras/activations.py": {"LeakyReLU.forward", "LeakyReLU.input_gradients",
                             "LeakyReLU.compose_to_input", "Softmax.forward",
                             "Softmax.input_gradients", "Sigmoid.forward",
                             "Sigmoid.input_gradients", "Sigmoid.compose_to_input"},
    "Beras/core.py": {"GradientTape.gradient"},
    "Beras/layers.py": {"Dense.forward", "Dense.input_gradients", "Dense.weight_gradients",
                        "Dense._initialize_weight"},
    "Beras/losses.py": {"MeanSquaredError.forward", "MeanSquaredError.input_gradients"},
    "Beras/metrics.py": {"CategoricalAccuracy.forward"},
    "Beras/model.py": {"Model.evaluate"},
    "Beras/onehot.py": {"OneHotEncoder.fit"},
    "Beras/optimizers.py": {"BasicOptimizer.apply_gradients", "RMSProp.apply_gradients",
                            "Adam.apply_gradients"},
    "assignment.py": {"SequentialModel.call", "SequentialModel.batch_step",
                      "get_simple_model_components", "get_advanced_model_components"},
    "preprocess.py": {"get_data_MNIST"},
}


def units(rel, data):
    """The source pieces of one file: [(lines, tagged solution cell?)], [] if not code."""
    if rel.endswith(".py"):
        return [(data.decode().splitlines(), False)]
    if rel.endswith(".ipynb"):
        nb = nbformat.reads(data.decode(), as_version=4)
        return [(c.source.splitlines(), "solution" in c.metadata.get("tags", []))
                for c in nb.cells if c.cell_type == "code"]
    return []


def split(lines, tagged):
    """(solution lines, all other lines) of one piece, stripped."""
    secret, other, state = [], [], "given"
    for line in lines:
        s = line.strip()
        if s == "# BEGIN SOLUTION":
            state = "solution"
        elif s == "# END SOLUTION" or s.endswith("# END PROMPT"):
            state = "given"
        elif s.endswith("# BEGIN PROMPT"):
            state = "prompt"
        elif state == "solution" or (tagged and state == "given"):
            secret.append(s)
        elif s.endswith("# SOLUTION") and state == "given":
            secret += [s, s.rsplit("#", 1)[0].strip()]
        else:
            other.append(s)
    return secret, other


def marked(lines, tagged):
    """Indices of the lines the generator may change: blocks, prompts, one-line forms."""
    if tagged:
        return set(range(len(lines)))
    found, inside = set(), False
    for i, line in enumerate(lines):
        s = line.strip()
        inside = inside or s == "# BEGIN SOLUTION" or s.endswith("# BEGIN PROMPT")
        if inside or s.endswith("# SOLUTION"):
            found.add(i)
        if s == "# END SOLUTION" or s.endswith("# END PROMPT"):
            inside = False
    return found


def solution_files():
    return {rel: (SOLUTION / rel).read_bytes() for rel in tree_files(SOLUTION)}


def test_the_committed_stencil_is_current():
    proc = subprocess.run([sys.executable, "scripts/make_stencil.py", "--check"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr


def test_no_solution_line_reaches_the_stencil():
    secret, other = set(), set()
    for rel, data in solution_files().items():
        for lines, tagged in units(rel, data):
            s, o = split(lines, tagged)
            secret.update(s)
            other.update(o)
    private = secret - other - PLACEHOLDERS
    assert len(private) > 40  # the reference really hides its code

    shown = {line.strip() for rel, data in build(SOLUTION).items()
             for lines, _ in units(rel, data) for line in lines}
    assert sorted(private & shown) == []


def changes_outside(before, after, allowed):
    """Solution line numbers (1-based) that a diff before -> after touches outside `allowed`."""
    bad = []
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for tag, i1, i2, _, _ in matcher.get_opcodes():
        if tag == "insert":
            bad += [] if {i1 - 1, i1} & allowed else [i1 + 1]
        elif tag != "equal":
            bad += [i + 1 for i in range(i1, i2) if i not in allowed]
    return bad


def test_stencil_differs_from_solution_only_inside_marked_regions():
    stencil = build(SOLUTION)
    assert sorted(stencil) == tree_files(SOLUTION)
    for rel, data in solution_files().items():
        pieces = units(rel, data)
        if not rel.endswith(".ipynb") and not any(marked(*p) for p in pieces):
            assert stencil[rel] == data, rel
            continue
        for n, ((before, tagged), (after, _)) in enumerate(zip(pieces, units(rel, stencil[rel]))):
            assert changes_outside(before, after, marked(before, tagged)) == [], (rel, n)
        if rel.endswith(".ipynb"):
            solution_nb = nbformat.reads(data.decode(), as_version=4)
            student_nb = nbformat.reads(stencil[rel].decode(), as_version=4)
            assert len(student_nb.cells) == len(solution_nb.cells)
            for theirs, ours in zip(solution_nb.cells, student_nb.cells):
                assert ours.cell_type == theirs.cell_type
                if ours.cell_type == "code":
                    assert (ours.outputs, ours.execution_count) == ([], None)
                else:
                    assert ours.source == theirs.source  # "Expected Output" cells stay


def functions(source):
    """{"Class.method" or "function": its ast node} of a module's top level and classes."""
    tree, found = ast.parse(source), {}
    for node in tree.body:
        members = node.body if isinstance(node, ast.ClassDef) else [node]
        prefix = f"{node.name}." if isinstance(node, ast.ClassDef) else ""
        for f in members:
            if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef)):
                found[prefix + f.name] = f
    return found


def test_todo_functions_keep_signature_and_docstring_in_the_f22_split():
    stencil, changed = build(SOLUTION), {}
    for rel, data in solution_files().items():
        if not rel.endswith(".py"):
            continue
        theirs, ours = functions(data), functions(stencil[rel])
        assert sorted(ours) == sorted(theirs), rel
        for name, f in theirs.items():
            g = ours[name]
            assert ast.dump(g.args) == ast.dump(f.args), (rel, name)
            assert ast.get_docstring(g) == ast.get_docstring(f), (rel, name)
            assert list(map(ast.dump, g.decorator_list)) == list(map(ast.dump, f.decorator_list))
            if ast.dump(g) != ast.dump(f):
                changed.setdefault(rel, set()).add(name)
    assert changed == TODO


STENCIL_PROBE = """
import numpy as np
import Beras, assignment, preprocess
from Beras.layers import Dense
print(Beras.__file__)
print(repr(Dense(3, 2).forward(np.ones((4, 3)))))
"""


def test_untouched_stencil_imports_and_todo_methods_return_placeholders():
    # A subprocess: this pytest process imports the solution's Beras for other tests.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    proc = subprocess.run([sys.executable, "-c", STENCIL_PROBE], cwd=STENCIL, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    where, forward = proc.stdout.splitlines()
    assert where == str(STENCIL / "Beras" / "__init__.py")
    assert forward == "None"
