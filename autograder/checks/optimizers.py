"""Optimizers against the contract's reference numbers and closed forms (public)."""
import numpy as np

from . import check
from ._helpers import build, rng
from ..feedback import CheckFailed, Failure, assert_close

# The contract's reference step: lr 0.05, w = [-1, 1], g = [0.5, -0.5].
W0, G0 = np.array([-1.0, 1.0]), np.array([0.5, -0.5])
REFERENCE = {"BasicOptimizer": ({}, [-1.025, 1.025]),
             "RMSProp": ({"beta": 0.8, "epsilon": 1e-7}, [-1.1118, 1.1118]),
             "Adam": ({"beta_1": 0.8, "beta_2": 0.888, "epsilon": 1e-6},
                      [-1.0499999, 1.0499999])}
SHAPES = ((2, 3), (3,))  # two weights of different shapes: state is kept per weight index
UNCHANGED = ("not updated in place: the weights did not change (w = w - … makes a new array "
             "and drops it); write the update into the arrays themselves, w -= …")


# --- closed forms: the weights after each step, for a list of weights --------------------
def sgd(weights, steps, learning_rate):
    trajectory = []
    for grads in steps:
        weights = [w - learning_rate * g for w, g in zip(weights, grads)]
        trajectory.append(weights)
    return trajectory


def rmsprop(weights, steps, learning_rate, beta=0.9, epsilon=1e-6):
    v, trajectory = [0.0] * len(weights), []
    for grads in steps:
        v = [beta * vi + (1 - beta) * g**2 for vi, g in zip(v, grads)]
        weights = [w - learning_rate * g / (np.sqrt(vi) + epsilon)
                   for w, g, vi in zip(weights, grads, v)]
        trajectory.append(weights)
    return trajectory


def adam(weights, steps, learning_rate, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
         t_of=lambda call, k: call, corrected=True):
    """t_of(call, k): the t used for weight k in call 1, 2, ... (a mistake may change it)."""
    m, v, trajectory = [0.0] * len(weights), [0.0] * len(weights), []
    for call, grads in enumerate(steps, start=1):
        new = []
        for k, (w, g) in enumerate(zip(weights, grads)):
            m[k] = beta_1 * m[k] + (1 - beta_1) * g
            v[k] = beta_2 * v[k] + (1 - beta_2) * g**2
            t = t_of(call, k)
            m_hat = m[k] / (1 - beta_1**t) if corrected else m[k]
            v_hat = v[k] / (1 - beta_2**t) if corrected else v[k]
            new.append(w - learning_rate * m_hat / (np.sqrt(v_hat) + epsilon))
        weights = new
        trajectory.append(weights)
    return trajectory


CLOSED_FORMS = {"BasicOptimizer": sgd, "RMSProp": rmsprop, "Adam": adam}


def label(name, learning_rate, settings):
    args = [f"{learning_rate:g}"] + [f"{k}={v:g}" for k, v in settings.items()]
    return f"{name}({', '.join(args)})"


def shown(weights, steps):
    """The inputs of a trajectory, one array per line of feedback."""
    lines = {f"weights[{k}]": w for k, w in enumerate(weights)}
    lines.update({f"step {t} grads[{k}]": g for t, grads in enumerate(steps, start=1)
                  for k, g in enumerate(grads)})
    return lines


def case(seed, steps):
    """Two weights of different shapes and `steps` gradient lists for them."""
    r = rng(seed)
    weights = [r.normal(size=shape) for shape in SHAPES]
    return weights, [[r.normal(size=shape) for shape in SHAPES] for _ in range(steps)]


def mistakes_of(name, weights, steps, learning_rate, settings):
    """{diagnosis: wrong trajectory} of the usual mistakes of each optimizer."""
    wrong = {UNCHANGED: [weights] * len(steps),
             "the sign of the update is flipped (w += …)":
             sgd(weights, [[-g for g in grads] for grads in steps], learning_rate)}
    if name == "Adam":
        n = len(weights)
        wrong["t went up once per weight, not once per apply_gradients call"] = adam(
            weights, steps, learning_rate, t_of=lambda call, k: (call - 1) * n + k + 1,
            **settings)
        wrong["the moments are not bias-corrected (m / (1 - β1ᵗ), v / (1 - β2ᵗ))"] = adam(
            weights, steps, learning_rate, corrected=False, **settings)
    if name == "RMSProp":
        wrong["β and 1 − β are swapped in the running mean of g²"] = rmsprop(
            weights, steps, learning_rate, **{**settings,
                                              "beta": 1 - settings.get("beta", 0.9)})
    return wrong


def assert_trajectory(ops, name, learning_rate, settings, weights, steps, checked, tol=1e-7):
    """apply_gradients once per step; the weights after each step against the closed form."""
    optimizer = build(ops, name, learning_rate, **settings)
    got = ops.proc("apply_steps", optimizer, weights, steps)["trajectory"]
    expected = CLOSED_FORMS[name](weights, steps, learning_rate, **settings)
    wrong = mistakes_of(name, weights, steps, learning_rate, settings)
    inputs = {"optimizer": label(name, learning_rate, settings), **shown(weights, steps)}
    for t, (want, have) in enumerate(zip(expected, got)):
        for k, w in enumerate(want):
            assert_close(w, have[k] if isinstance(have, list) and k < len(have) else None,
                         checked=checked, what=f"weights[{k}] after step {t + 1}",
                         inputs=inputs, rtol=tol, atol=tol,
                         mistakes={why: traj[t][k] for why, traj in wrong.items()})


def reference_step(ctx, name):
    settings, number = REFERENCE[name]
    checked = (f"{label(name, 0.05, settings)}: one step from w = [-1, 1] with "
               f"g = [0.5, -0.5] gives the contract's {number}")
    assert_trajectory(ctx.student, name, 0.05, settings, [W0], [[G0]], checked)


def closed_form(ctx, name, learning_rate, settings, steps, seed):
    checked = (f"{label(name, learning_rate, settings)}: {steps} apply_gradients calls on "
               f"two weights of shapes {SHAPES[0]} and {SHAPES[1]} against the closed form")
    weights, grads = case(seed, steps)
    assert_trajectory(ctx.student, name, learning_rate, settings, weights, grads, checked)


@check("optimizers.basic")
def basic(ctx):
    reference_step(ctx, "BasicOptimizer")
    closed_form(ctx, "BasicOptimizer", 0.1, {}, steps=3, seed=1)


@check("optimizers.rmsprop")
def rmsprop_check(ctx):
    reference_step(ctx, "RMSProp")
    closed_form(ctx, "RMSProp", 0.01, {}, steps=3, seed=2)
    closed_form(ctx, "RMSProp", 0.05, REFERENCE["RMSProp"][0], steps=3, seed=3)


@check("optimizers.adam")
def adam_check(ctx):
    reference_step(ctx, "Adam")
    closed_form(ctx, "Adam", 0.01, {}, steps=4, seed=4)
    closed_form(ctx, "Adam", 0.05, REFERENCE["Adam"][0], steps=3, seed=5)


def step_in_place(ops, optimizer, weights, grads):
    """One apply_gradients(list, grads) on arrays kept in the submission's process, as a
    layer keeps its own: what each original array and the list hold afterwards, read in
    later requests (a reply of the step itself vouches for nothing)."""
    arrays = [ops.keep(w) for w in weights]
    listed = ops.keep(arrays)  # a list of those very arrays, like Model.trainable_variables
    ops.call(optimizer, "apply_gradients", listed, grads)
    return [ops.fetch(a) for a in arrays], ops.fetch(listed)


@check("optimizers.in_place")
def in_place(ctx):
    for name in CLOSED_FORMS:
        checked = (f"{name}.apply_gradients(weights, grads) updates the arrays in the list "
                   "themselves (Model.trainable_variables refers to the layers' arrays), by a "
                   "step against the gradient")
        weights, (grads,) = case(6, 1)
        inputs = shown(weights, [grads])
        # the update's values are the other items' business: here, that it landed in the
        # arrays themselves (to fake it, a patch must write it there: an in-place update)
        objects, listed = step_in_place(ctx.student, build(ctx.student, name, 0.1), weights,
                                        grads)
        for k, w in enumerate(weights):
            obj = objects[k]
            listed_k = listed[k] if isinstance(listed, list) and k < len(listed) else None
            if isinstance(listed_k, np.ndarray) and not np.array_equal(obj, listed_k):
                raise CheckFailed(Failure(
                    checked=checked, inputs=inputs, what=f"the array weights[{k}] was",
                    expected=listed_k, got=obj,
                    diagnosis="array rebound instead of updated in place: apply_gradients "
                              "put a new array into the list (weights[i] = …), so the "
                              "layer's own array never changes; write w -= … instead"))
            if np.array_equal(obj, w):
                raise CheckFailed(Failure(
                    checked=checked, inputs=inputs, what=f"weights[{k}] after the step",
                    expected="an updated array", got=obj, diagnosis=UNCHANGED))
            if not np.array_equal(np.sign(w - obj), np.sign(grads[k])):
                raise CheckFailed(Failure(
                    checked=checked, inputs=inputs, what=f"weights[{k}] after the step",
                    expected="every entry moved against its gradient", got=obj,
                    diagnosis="changed in place, but not by a step of descent: w -= … must "
                              "move each entry opposite to the sign of its gradient"))
