"""Hypothesis strategies for the arrays the checks feed to a submission."""
import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

KINK = 1e-3  # inputs stay this far from 0, where LeakyReLU/ReLU have a kink

sizes = st.integers(min_value=1, max_value=5)


def floats(low=-3.0, high=3.0):
    return st.floats(low, high, allow_nan=False, allow_infinity=False, width=64)


def off_kink(x: float) -> float:
    return x if abs(x) > KINK else (KINK * 2 if x >= 0 else -KINK * 2)


def batches(batch=sizes, width=sizes, elements=None):
    """(B, n) float64 arrays."""
    return st.tuples(batch, width).flatmap(
        lambda s: hnp.arrays(np.float64, s,
                                 elements=floats() if elements is None else elements))


def batches_off_kink(batch=sizes, width=sizes):
    return batches(batch, width, elements=floats().map(off_kink))


def dense_cases(max_batch=4, max_width=4):
    """(x, w, b, J) for Dense: x (B, in), w (in, out), b (out,), J (B, out)."""
    def build(shape):
        bsz, n_in, n_out = shape
        return st.tuples(hnp.arrays(np.float64, (bsz, n_in), elements=floats()),
                         hnp.arrays(np.float64, (n_in, n_out), elements=floats()),
                         hnp.arrays(np.float64, (n_out,), elements=floats()),
                         hnp.arrays(np.float64, (bsz, n_out), elements=floats()))
    dims = st.tuples(st.integers(1, max_batch), st.integers(1, max_width),
                     st.integers(1, max_width))
    return dims.flatmap(build)


def paired(first):
    """(a, b): a drawn from `first`, b a float64 array of the same shape (targets, J, ...)."""
    return first.flatmap(lambda a: st.tuples(
        st.just(a), hnp.arrays(np.float64, a.shape, elements=floats())))


# Fixed cases tried before hypothesis's search: a bug that shows on any input fails there at
# once, on readable numbers, without the cost of shrinking.
SMOKE = (np.array([[1.5, -2.0, 0.5], [-0.5, 1.0, 2.0]]),  # (x, J)
         np.array([[0.5, -1.0, 2.0], [1.0, 0.5, -1.5]]))
DENSE_SMOKE = (SMOKE[0], np.array([[0.5, 1.0], [-1.0, 2.0], [0.0, 1.0]]),  # (x, w, b, J)
               np.array([0.1, -0.2]), SMOKE[1][:, :2])
