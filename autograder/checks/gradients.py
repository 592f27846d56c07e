"""Finite-difference checks of composed gradients (public: the student's own forward).

A module that returns zeros has a zero numerical gradient too, so every item here
stands beside a forward-correctness item.
"""
import numpy as np

from . import check
from . import strategies as s
from ._helpers import dense
from .numeric import module_vjp
from .properties import for_all
from ..feedback import assert_close

VJP = "compose_to_{0}(J) against central differences of s = Σ J ⊙ forward(x)"


def assert_vjp(ops, module, x, J, inputs, extra=()):
    """Compose J to the input and weights and compare with central differences."""
    weight_shapes = [tuple(shape) for shape in ops.proc("weight_shapes", module)]
    got = ops.proc("compose", module, x, J, list(extra))
    dx, dws = module_vjp(ops, module, x, J, weight_shapes, extra)
    assert_close(dx, got["dx"], checked=VJP.format("input"), what="∂s/∂x",
                 inputs=inputs, rtol=1e-4, atol=1e-6, batch=x.shape[0])
    for k, dw in enumerate(dws):
        got_w = got["dw"][k] if isinstance(got["dw"], list) and k < len(got["dw"]) else None
        assert_close(dw, got_w, checked=VJP.format("weight") + f", weight {k}",
                     what=f"∂s/∂weights[{k}] (batch mean)", inputs=inputs,
                     rtol=1e-4, atol=1e-6, batch=x.shape[0])


@check("dense.gradients")
def dense_gradients(ctx):
    def test(case):
        x, w, b, J = case
        layer = dense(ctx.student, w, b)
        assert_vjp(ctx.student, layer, x, J, {"x": x, "w": w, "b": b, "J": J})

    for_all(ctx.examples, VJP.format("input/weight") + " for Dense", test,
            case=s.dense_cases(max_batch=3, max_width=3))
