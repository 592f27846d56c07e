"""Central differences, done on the trusted side from outputs the worker returns."""
import numpy as np

from ..protocol.operations import INPUT

STEP = 1e-6


def perturbations(target: int, size: int, h=STEP):
    """[(target, i, +h), (target, i, -h)] for every flat index i."""
    return [(target, i, s * h) for i in range(size) for s in (1, -1)]


def central(values, shape, h=STEP):
    """Gradient from paired values [f(+h), f(-h), ...] as laid out by `perturbations`."""
    v = np.asarray(values, dtype=np.float64).reshape(-1, 2)
    return ((v[:, 0] - v[:, 1]) / (2 * h)).reshape(shape)


def module_vjp(ops, module, x, J, weight_shapes, extra=()):
    """Numerical d(sum J * forward(x))/dx and, divided by B, d/dw for every weight.

    Returns:
        (dx with x's shape, [dw with each weight's shape]), in the contract's convention:
        compose_to_input(J) should equal dx, compose_to_weight(J) should equal dw.
    """
    perts = perturbations(INPUT, x.size)
    for k, shape in enumerate(weight_shapes):
        perts += perturbations(k, int(np.prod(shape)))
    outs = ops.proc("outputs_under", module, x, perts, list(extra))
    sums = [float(np.sum(J * np.asarray(o, dtype=np.float64))) for o in outs]
    dx = central(sums[: 2 * x.size], x.shape)
    dws, start = [], 2 * x.size
    for shape in weight_shapes:
        count = 2 * int(np.prod(shape))
        dws.append(central(sums[start:start + count], shape) / x.shape[0])
        start += count
    return dx, dws
