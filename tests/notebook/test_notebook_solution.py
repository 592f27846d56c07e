"""The real notebook: the solution passes every block, the blocks are current, the
stencil runs to the end failing the blocks of the modules students write, equivalent
solutions pass, and typical bugs fail."""
import shutil

import nbformat
import pytest

from autograder.notebook.blocks import find_blocks
from autograder.notebook.compare import normalize_whitespace
from autograder.notebook.runner import execute, grade, run_notebook
from notebook_helpers import ROOT

NOTEBOOK = ROOT / "solution" / "HW2_Beras_Intro.ipynb"
# Blocks that exercise only code the notebook defines itself or core.py gives.
GIVEN = {"Simple Diffable Example: Sin Activation",
         "Advanced Diffable Example: Categorical Crossentropy Loss"}


@pytest.fixture(scope="module")
def solution_run():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    runs = execute(nb, ROOT / "solution", ROOT / "data")
    return nb, runs, grade(nb, runs)


def test_the_solution_passes_every_block(solution_run):
    _, _, outcomes = solution_run
    assert len(outcomes) >= 8
    failed = [f"block {o.number} ({o.title}):\n{o.feedback}" for o in outcomes if not o.passed]
    assert not failed, "\n\n".join(failed)


def test_no_block_is_stale(solution_run):
    nb, runs, _ = solution_run
    stale = [f"block {b.number} ({b.title})" for b in find_blocks(nb)
             if normalize_whitespace(b.expected) != normalize_whitespace(runs[b.code_cell].output)]
    assert not stale, f"stale, run `make expected`: {', '.join(stale)}"


def test_every_graded_module_has_a_block(solution_run):
    titles = " ".join(o.title for o in solution_run[2])
    for module in ["Dense", "LeakyReLU", "ReLU", "Sigmoid", "Softmax", "MeanSquaredError",
                   "CategoricalAccuracy", "BasicOptimizer", "RMSProp", "Adam", "GradientTape"]:
        assert module in titles


@pytest.mark.skipif(not (ROOT / "stencil" / "Beras").is_dir(), reason="no stencil/ yet")
def test_the_stencil_runs_to_the_end_and_fails_the_module_blocks():
    outcomes = run_notebook(NOTEBOOK, ROOT / "stencil", ROOT / "data")
    assert len(outcomes) == len(find_blocks(nbformat.read(NOTEBOOK, as_version=4)))
    assert all(o.feedback for o in outcomes if not o.passed)
    assert not any(o.feedback.startswith("not run") for o in outcomes)  # the kernel lived
    assert {o.title for o in outcomes if o.passed} == GIVEN


# Correct solutions that differ from the reference where the contract allows it.
VARIANTS = {
    "Beras/layers.py": '''
def _bias_row_and_float64(initializer, input_size, output_size):
    w, b = _reference_initialize(initializer, input_size, output_size)
    return w.astype(np.float64), b.reshape(1, -1).astype(np.float64)  # b as (1, out)
_reference_initialize = Dense._initialize_weight
Dense._initialize_weight = staticmethod(_bias_row_and_float64)
Dense.weight_gradients = lambda self: (  # (B, in, out) and a (1, out) bias gradient
    np.repeat(self.inputs[:, :, np.newaxis], self.w.shape[-1], axis=2),
    np.ones((1, self.w.shape[-1])))
''',
    "Beras/activations.py": '''
LeakyReLU.forward = lambda self, x: setattr(self, "inputs", x) or np.maximum(x, self.alpha * x)
LeakyReLU.input_gradients = lambda self: np.stack(  # per-sample diagonal jacobians
    [np.diag(np.where(row > 0, 1.0, self.alpha)) for row in self.inputs])
del LeakyReLU.compose_to_input, Sigmoid.compose_to_input  # the default one in core.py
Sigmoid.forward = lambda self, x: setattr(self, "outputs", 1 / (1 + np.exp(-x))) or self.outputs
Sigmoid.input_gradients = lambda self: np.stack([np.diag(s * (1 - s)) for s in self.outputs])
''',
    "Beras/losses.py": '''
MeanSquaredError.forward = lambda self, p, t: (
    setattr(self, "y_pred", p) or setattr(self, "y_true", t) or float(((p - t) ** 2).mean()))
''',
    "Beras/metrics.py": '''
CategoricalAccuracy.forward = lambda self, p, t: sum(
    int(a == b) for a, b in zip(p.argmax(-1), t.argmax(-1))) / len(p)
''',
}


def test_equivalent_solutions_pass_every_block(tmp_path):
    outcomes = run_notebook(NOTEBOOK, patched_solution(tmp_path, VARIANTS), ROOT / "data")
    failed = [f"block {o.number} ({o.title}):\n{o.feedback}" for o in outcomes if not o.passed]
    assert not failed, "\n\n".join(failed)


# Typical bugs, each in a different module: the blocks that check it must fail.
MUTANTS = {
    "Beras/layers.py": '''
_reference_weight_gradients = Dense.weight_gradients
Dense.weight_gradients = lambda self: tuple(-g for g in _reference_weight_gradients(self))
_reference_initialize = Dense._initialize_weight
Dense._initialize_weight = staticmethod(lambda name, n_in, n_out: _reference_initialize(
    "normal" if name == "xavier" else name, n_in, n_out))
''',
    "Beras/activations.py": '''
LeakyReLU.input_gradients = lambda self: (self.inputs > 0).astype(float)  # alpha forgotten
Sigmoid.input_gradients = lambda self: self.outputs * (1 + self.outputs)
def _naive_softmax(self, x):
    self.inputs, self.outputs = x, np.exp(x) / np.exp(x).sum(axis=-1, keepdims=True)
    return self.outputs
Softmax.forward = _naive_softmax
''',
    "Beras/losses.py": '''
MeanSquaredError.input_gradients = lambda self: 2 * (self.y_pred - self.y_true) / self.y_pred.size
''',
    "Beras/metrics.py": '''
CategoricalAccuracy.forward = lambda self, p, t: np.mean(np.argmax(p, 0) == np.argmax(t, 0))
''',
    "Beras/optimizers.py": '''
def _not_in_place(self, weights, grads):
    for i, (w, g) in enumerate(zip(weights, grads)):
        weights[i] = w - self.learning_rate * g
BasicOptimizer.apply_gradients = _not_in_place
def _rmsprop_without_sqrt(self, weights, grads):
    for i, (w, g) in enumerate(zip(weights, grads)):
        self.v[i] = self.beta * self.v[i] + (1 - self.beta) * g**2
        w -= self.learning_rate * g / (self.v[i] + self.epsilon)
RMSProp.apply_gradients = _rmsprop_without_sqrt
_reference_adam_init = Adam.__init__
def _adam_without_bias_correction(self, *args, **kwargs):
    _reference_adam_init(self, *args, **kwargs)
    self.t = 10**6  # 1 - beta**t == 1
Adam.__init__ = _adam_without_bias_correction
''',
}
CAUGHT = {"Dense: Gradients", "Dense: Weight Initializers", "LeakyReLU and ReLU", "Sigmoid",
          "Softmax", "MeanSquaredError", "CategoricalAccuracy", "BasicOptimizer", "RMSProp",
          "Adam", "GradientTape Over a 2-Layer Model"}


def patched_solution(tmp_path, patches):
    code = tmp_path / "code"
    shutil.copytree(ROOT / "solution", code, ignore=shutil.ignore_patterns("__pycache__"))
    for name, patch in patches.items():
        with open(code / name, "a") as f:
            f.write(patch)
    return code


def test_typical_bugs_fail_the_blocks_that_check_them(tmp_path):
    outcomes = run_notebook(NOTEBOOK, patched_solution(tmp_path, MUTANTS), ROOT / "data")
    assert {o.title for o in outcomes if not o.passed} == CAUGHT


def test_jupyter_runs_the_notebook_top_to_bottom_as_a_student_would(tmp_path):
    """`jupyter nbconvert --execute` from solution/ itself (its ../data is the kit's data):
    no working copy, no launcher, and an error in any cell fails the run."""
    import subprocess
    import sys

    from autograder.notebook.compare import compare_outputs
    from autograder.notebook.runner import cell_output

    run = subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook",
                          "--execute", "--output-dir", str(tmp_path), NOTEBOOK.name],
                         cwd=NOTEBOOK.parent, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    nb = nbformat.read(tmp_path / NOTEBOOK.name, as_version=4)
    for block in find_blocks(nb):
        result = compare_outputs(block.expected, cell_output(nb.cells[block.code_cell]))
        assert result.passed, f"block {block.number} ({block.title}):\n{result.feedback}"
