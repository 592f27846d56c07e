"""Small steps that many checks share: building a submission's modules in the worker."""
import numpy as np

from ..feedback import CheckFailed, Failure
from ..protocol.errors import StudentError

MODULES = {
    "Dense": "Beras.layers.Dense",
    "LeakyReLU": "Beras.activations.LeakyReLU",
    "ReLU": "Beras.activations.ReLU",
    "Softmax": "Beras.activations.Softmax",
    "Sigmoid": "Beras.activations.Sigmoid",
    "MeanSquaredError": "Beras.losses.MeanSquaredError",
    "CategoricalCrossentropy": "Beras.losses.CategoricalCrossentropy",
    "CategoricalAccuracy": "Beras.metrics.CategoricalAccuracy",
    "OneHotEncoder": "Beras.onehot.OneHotEncoder",
    "BasicOptimizer": "Beras.optimizers.BasicOptimizer",
    "RMSProp": "Beras.optimizers.RMSProp",
    "Adam": "Beras.optimizers.Adam",
    "SequentialModel": "assignment.SequentialModel",
}


def build(ops, name, *args, **kwargs):
    """Construct a contract class in the submission; a missing class fails clearly."""
    try:
        return ops.new(MODULES[name], *args, **kwargs)
    except StudentError as e:
        if e.kind in ("builtins.AttributeError", "builtins.ModuleNotFoundError",
                      "builtins.ImportError"):
            raise CheckFailed(Failure(
                checked=f"{MODULES[name]} exists and can be constructed",
                diagnosis=f"missing class: {e.message}")) from None
        raise


def dense(ops, w, b):
    """A Dense layer of the submission with weights w (in, out) and bias b (out,)."""
    layer = build(ops, "Dense", w.shape[0], w.shape[1])
    ops.proc("set_dense_weights", layer, w, b)
    return layer


def student_raised(e: StudentError, checked: str, inputs: dict) -> CheckFailed:
    trace = f"\n{e.trace.rstrip()}" if e.trace else ""
    return CheckFailed(Failure(checked=checked, inputs=inputs,
                               diagnosis=f"your code raised {e}{trace}"))


def rng(seed: int):
    return np.random.default_rng(seed)


def like(expected, got):
    """The expected array in the submission's shape when only the layout differs (a bias
    may be (out,) or (1, out))."""
    if isinstance(got, np.ndarray) and np.size(expected) == got.size:
        return np.reshape(expected, got.shape)
    return expected
