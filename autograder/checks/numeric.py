"""Central differences, done on the trusted side: of outputs the worker returns (the
student's own forward, for diagnoses), and of closed forms (the true gradient, for verdicts)."""
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


def gradient(f, args, h=STEP):
    """Central differences of the scalar f(*args) with respect to every arg (a closed form,
    computed here): one array per arg, shaped like it."""
    args = [np.asarray(a, dtype=np.float64) for a in args]

    def at(k, index, delta):
        moved = list(args)
        moved[k] = args[k].copy()
        moved[k].flat[index] += delta
        return float(f(*moved))

    return [central([at(*p) for p in perturbations(k, a.size, h)], a.shape, h)
            for k, a in enumerate(args)]


def closed_form_vjp(forward, x, J, weights=()):
    """The true d(sum J * forward(x, *weights))/dx and, divided by B, d/dw for every weight,
    laid out as module_vjp lays out the student's: forward is a closed form."""
    dx, *dws = gradient(lambda *a: np.sum(J * forward(*a)), [x, *weights])
    return dx, [dw / x.shape[0] for dw in dws]
