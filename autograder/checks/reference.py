"""Hidden differential items: the same seeded inputs through the submission and through the
reference (ctx.reference, the solution run in the grader's process), compared.

Feedback shows the (shrunk) input, the reference's answer against the submission's, and a
diagnosis; never this file or the reference's source.
"""
import numpy as np

from . import check
from . import strategies as s
from ._helpers import build, dense, like, rng
from .forward import LEAKY
from .properties import examples, explained
from .strategies import DENSE_SMOKE, SMOKE, paired
from .optimizers import REFERENCE, SHAPES, case as optimizer_case, label, shown
from ..feedback import assert_close

TOL = {"rtol": 1e-6, "atol": 1e-9}


def sides(ctx):
    """(reference, submission) operations."""
    return ctx.reference, ctx.student


def same(expected, got, checked, what, inputs, batch=None, n=None):
    assert_close(like(expected, got), got, checked=checked, what=what, inputs=inputs,
                 batch=batch, n=n, **TOL)


def compare_compose(ctx, make, x, J, checked, inputs, extra=()):
    """forward(x), compose_to_input(J) and compose_to_weight(J) of make(ops), on both sides."""
    with explained(checked, inputs):
        want, got = (ops.proc("compose", make(ops), x, J, list(extra)) for ops in sides(ctx))
    same(want["out"], got["out"], checked, "forward(x)", inputs)
    same(want["dx"], got["dx"], checked, "compose_to_input(J)", inputs, batch=len(x))
    for k, dw in enumerate(want["dw"] or []):
        have = got["dw"][k] if isinstance(got["dw"], list) and k < len(got["dw"]) else None
        same(dw, have, checked, f"compose_to_weight(J)[{k}]", inputs, batch=len(x))


@check("dense.reference")
def dense_reference(ctx):
    checked = "Dense: forward, compose_to_input and compose_to_weight match the reference"

    def test(x, w, b, J):
        compare_compose(ctx, lambda ops: dense(ops, w, b), x, J, checked,
                        {"x": x, "w": w, "b": b, "J": J})

    examples(ctx, checked, test, s.dense_cases(), smoke=[DENSE_SMOKE])


@check("leaky_relu.reference")
def leaky_relu_reference(ctx):
    checked = ("LeakyReLU(), LeakyReLU(alpha=0.1) and ReLU(): forward and compose_to_input "
               "match the reference")

    def test(x, J):
        for name_shown, name, args, _ in LEAKY:
            compare_compose(ctx, lambda ops: build(ops, name, *args), x, J, checked,
                            {"module": name_shown, "x": x, "J": J})

    examples(ctx, checked, test, paired(s.batches_off_kink()), smoke=[SMOKE])


def activation_reference(ctx, name, elements):
    checked = f"{name}: forward and compose_to_input match the reference"

    def test(x, J):
        compare_compose(ctx, lambda ops: build(ops, name), x, J, checked, {"x": x, "J": J})

    examples(ctx, checked, test, paired(s.batches(elements=elements)), smoke=[SMOKE])


@check("softmax.reference")
def softmax_reference(ctx):
    activation_reference(ctx, "Softmax", s.floats(-10, 10))


@check("sigmoid.reference")
def sigmoid_reference(ctx):
    activation_reference(ctx, "Sigmoid", s.floats(-10, 10))


@check("mse.reference")
def mse_reference(ctx):
    checked = "MeanSquaredError: forward's value and input_gradients() match the reference"

    def test(p, t):
        inputs = {"y_pred": p, "y_true": t}
        with explained(checked, inputs):
            want, got = (ops.proc("loss_gradient", build(ops, "MeanSquaredError"), p, t)
                         for ops in sides(ctx))
        same(want["value"], got["value"], checked, "forward(p, t)", inputs)
        same(want["grad"], got["grad"], checked, "input_gradients()", inputs, batch=len(p),
             n=p.shape[1])

    examples(ctx, checked, test, paired(s.batches()), smoke=[SMOKE])


OPTIMIZERS = [("BasicOptimizer", 0.1, {}), ("RMSProp", 0.02, {}),
              ("RMSProp", 0.05, REFERENCE["RMSProp"][0]), ("Adam", 0.02, {}),
              ("Adam", 0.05, REFERENCE["Adam"][0])]


@check("optimizers.reference")
def optimizers_reference(ctx):
    for seed, (name, learning_rate, settings) in enumerate(OPTIMIZERS, start=10):
        checked = (f"{label(name, learning_rate, settings)}: the weights after each of 3 "
                   f"apply_gradients calls on weights of shapes {SHAPES} match the reference")
        weights, steps = optimizer_case(seed, 3)
        inputs = shown(weights, steps)
        with explained(checked, inputs):
            want, got = (ops.proc("apply_steps", build(ops, name, learning_rate, **settings),
                                  weights, steps)["trajectory"] for ops in sides(ctx))
        for t, (expected, have) in enumerate(zip(want, got)):
            for k, w in enumerate(expected):
                same(w, have[k] if isinstance(have, list) and k < len(have) else None,
                     checked, f"weights[{k}] after step {t + 1}", inputs)


MODEL_OPTIMIZERS = (("BasicOptimizer", 0.1), ("Adam", 0.01))
SAMPLES, EPOCHS, BATCH = 40, 2, 12  # 3 full batches per epoch; the last 4 samples dropped


def fit_small_model(ops, optimizer, seed):
    """Dense(6, 5) → LeakyReLU → Dense(5, 3) → Softmax with fixed weights, compiled with
    `optimizer`, MeanSquaredError and CategoricalAccuracy, fit then evaluated."""
    r = rng(seed)
    layers = [dense(ops, r.normal(size=(6, 5)), r.normal(size=5) * 0.1), build(ops, "LeakyReLU"),
              dense(ops, r.normal(size=(5, 3)), r.normal(size=3) * 0.1), build(ops, "Softmax")]
    model = build(ops, "SequentialModel", layers)
    ops.call(model, "compile", build(ops, *optimizer), build(ops, "MeanSquaredError"),
             build(ops, "CategoricalAccuracy"))
    x, y = r.normal(size=(SAMPLES, 6)), np.eye(3)[r.integers(0, 3, size=SAMPLES)]
    return ops.proc("fit_and_evaluate", model, x, y, EPOCHS, BATCH)


@check("model.reference")
def model_reference(ctx):
    for seed, optimizer in enumerate(MODEL_OPTIMIZERS, start=20):
        shown = f"{optimizer[0]}({optimizer[1]:g})"
        checked = (f"SequentialModel Dense(6, 5) → LeakyReLU → Dense(5, 3) → Softmax with "
                   f"{shown}, MeanSquaredError and CategoricalAccuracy: fit({SAMPLES} samples, "
                   f"epochs={EPOCHS}, batch_size={BATCH}) then evaluate give the reference's "
                   "metrics and final weights")
        inputs = {"seeded model and data": f"case {seed}"}
        with explained(checked, inputs):
            want, got = (fit_small_model(ops, optimizer, seed) for ops in sides(ctx))
        for part in ("fit", "evaluate"):
            for metric in ("loss", "acc"):
                have = got[part].get(metric) if isinstance(got[part], dict) else None
                same(want[part][metric], have, checked, f"{part}(...)['{metric}']", inputs)
        for k, w in enumerate(want["weights"]):
            have = got["weights"][k] if k < len(got["weights"]) else None
            same(w, have, checked, f"weight {k} after fit", inputs)
