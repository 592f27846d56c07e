"""Routines the grader runs beside a submission, written against the contract alone.

They take the submission's objects and plain arrays and return plain data, so the
grader can run each of them on the reference and on a student's code alike.
"""
import numpy as np

INPUT = -1  # perturbation target: the input rather than weights[k]


def set_dense_weights(dense, w, b):
    """Rebind a Dense layer's weights to float64 copies, keeping the student's bias shape."""
    old_b = getattr(dense, "b", None)
    b_shape = old_b.shape if isinstance(old_b, np.ndarray) and old_b.size == b.size else b.shape
    dense.w = np.array(w, dtype=np.float64)
    dense.b = np.array(b, dtype=np.float64).reshape(b_shape)
    dense.weights = [dense.w, dense.b]


def compose(module, x, J, extra=()):
    """forward(x), then J composed to the input and, when the module has weights, to them.

    Returns:
        dict with "out" (forward's result), "dx" (compose_to_input(J), shape like x) and
        "dw" (compose_to_weight(J), one array per weight, or None).
    """
    out = module(x, *extra)
    dx = module.compose_to_input(J)
    dw = module.compose_to_weight(J) if getattr(module, "weights", None) else None
    return {"out": out, "dx": dx, "dw": dw}


def loss_gradient(loss, pred, truth):
    """A loss's value and its per-sample input_gradients() at (pred, truth)."""
    value = loss(pred, truth)
    return {"value": value, "grad": loss.input_gradients()}


def outputs_under(module, x, perturbations, extra=()):
    """forward's output for each perturbation (target, flat index, delta) of x or a weight.

    Weights are perturbed in place and restored, so the layer's own references stay valid.
    """
    outs = []
    for target, index, delta in perturbations:
        if target == INPUT:
            xp = np.array(x, dtype=np.float64)
            xp.flat[index] += delta
            outs.append(np.asarray(module(xp, *extra), dtype=np.float64))
            continue
        weight = module.weights[target]
        saved = weight.flat[index]
        weight.flat[index] = saved + delta
        try:
            outs.append(np.asarray(module(x, *extra), dtype=np.float64))
        finally:
            weight.flat[index] = saved
    return outs


def forward_chain(layers, loss, x, y):
    out = x
    for layer in layers:
        out = layer(out)
    return loss(out, y)


def losses_under(layers, loss, x, y, perturbations):
    """The chain's scalar loss for each perturbation (layer index, weight index, flat index, delta)."""
    values = []
    for layer_i, k, index, delta in perturbations:
        weight = layers[layer_i].weights[k]
        saved = weight.flat[index]
        weight.flat[index] = saved + delta
        try:
            values.append(float(forward_chain(layers, loss, x, y)))
        finally:
            weight.flat[index] = saved
    return values


def tape_gradient(layers, loss, x, y):
    """The loss and GradientTape.gradient() of a chain of layers, recorded as the contract says."""
    import Beras

    with Beras.GradientTape() as tape:
        value = forward_chain(layers, loss, x, y)
    return {"loss": value, "grads": list(tape.gradient())}


def apply_steps(optimizer, weights, grads_per_step):
    """Apply each step's gradients in turn; the weights after every step, and whether the
    arrays were updated in place (the same objects, as Model.trainable_variables needs)."""
    ids = [id(w) for w in weights]
    trajectory = []
    for grads in grads_per_step:
        optimizer.apply_gradients(weights, grads)
        trajectory.append([np.array(w) for w in weights])
    return {"trajectory": trajectory, "same_objects": [id(w) for w in weights] == ids}


def weight_shapes(module):
    """The shapes of module.weights, or [] for a module without weights."""
    return [list(np.shape(w)) for w in (getattr(module, "weights", None) or [])]
