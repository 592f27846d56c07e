"""Ungraded: every Diffable the submission defines beyond the contract's, gradient-checked.

A student's own layer (a Tanh, a Dropout, ...) gets the same finite-difference check as the
graded modules, and one line in the report. It is not a rubric item, so it costs nothing.
"""
import numpy as np

from . import strategies as s
from ._helpers import MODULES, rng
from .gradients import assert_vjp
from ..feedback import CheckFailed
from ..protocol.errors import StudentError

SHAPE = (3, 4)


def check_one(ops, path):
    """One line on the Diffable at `path`: its gradients against central differences."""
    try:
        module = ops.new(path)
    except StudentError as e:
        return f"{path}: skipped, it cannot be built with no arguments ({e})"
    r = rng(0)
    x = np.vectorize(s.off_kink)(r.normal(size=SHAPE))  # away from kinks at 0
    try:
        ops.proc("as_float64", module)
        out = ops.call(module, "forward", x)
    except StudentError as e:
        return f"{path}: skipped, forward(x) of a {SHAPE} batch raised {e}"
    if not isinstance(out, np.ndarray) or out.dtype.kind != "f" or out.ndim != 2:
        return f"{path}: skipped, forward(x) of a {SHAPE} batch gave no (B, n) float array"
    J = r.normal(size=out.shape)
    try:
        assert_vjp(ops, module, x, J, {"x": x, "J": J},
                   "compose_to_input/weight(J) against central differences of s = Σ J ⊙ "
                   "forward(x), your own forward (there is no closed form of your own layer)")
    except CheckFailed as e:
        worst = e.failure.worst
        return f"{path}: FAIL, {e.failure.summary}" + (
            f" (worst relative error {worst:.3g})" if worst is not None else "")
    return f"{path}: ok, compose_to_input and compose_to_weight match finite differences"


def check_extras(ops) -> list:
    """One line per Diffable beyond the contract's (an empty list when there are none)."""
    found = ops.proc("extra_diffables", sorted(MODULES.values()))
    lines = [f"{error} (module not imported)" for error in found["errors"]]
    return lines + [check_one(ops, path) for path in found["found"]]
