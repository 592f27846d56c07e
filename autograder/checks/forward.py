"""Forward passes against closed forms and properties (public: no reference needed)."""
import numpy as np

from . import check
from . import strategies as s
from ._helpers import dense
from .properties import for_all
from ..feedback import assert_close


@check("dense.forward")
def dense_forward(ctx):
    checked = "Dense.forward(x) equals x @ w + b for float64 x, w, b of any batch size"

    def test(case):
        x, w, b, _ = case
        ops = ctx.student
        out = ops.call(dense(ops, w, b), "forward", x)
        assert_close(x @ w + b, out, checked=checked, what="forward(x)",
                     inputs={"x": x, "w": w, "b": b},
                     mistakes={"the bias is missing": x @ w,
                               "x and w multiplied in the wrong order (w.T @ x.T)": (x @ w).T})

    for_all(ctx.examples, checked, test, case=s.dense_cases())
