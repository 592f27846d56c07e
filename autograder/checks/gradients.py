"""Finite-difference checks of composed gradients (public: the student's own forward).

A module that returns zeros has a zero numerical gradient too, so every item here
stands beside a forward-correctness item.
"""
import numpy as np
from hypothesis import strategies as st

from . import check
from . import strategies as s
from ._helpers import build, dense, rng, student_raised
from .forward import LEAKY, sigmoid, softmax
from .numeric import central, module_vjp, perturbations
from .properties import examples, explained, for_all
from .strategies import DENSE_SMOKE, SMOKE, paired
from ..feedback import CheckFailed, Failure, assert_close
from ..protocol.errors import StudentError

VJP = "compose_to_{0}(J) against central differences of s = Σ J ⊙ forward(x)"


def assert_vjp(ops, module, x, J, inputs, extra=(), mistakes=None, checked=None):
    """Compose J to the input and weights and compare with central differences.

    mistakes: {diagnosis: wrong ∂s/∂x} of known wrong answers for compose_to_input.
    checked: what a raise in the submission is reported under.
    """
    with explained(checked or VJP.format("input/weight"), inputs):
        weight_shapes = [tuple(shape) for shape in ops.proc("weight_shapes", module)]
        got = ops.proc("compose", module, x, J, list(extra))
        dx, dws = module_vjp(ops, module, x, J, weight_shapes, extra)
    assert_close(dx, got["dx"], checked=checked or VJP.format("input"), what="∂s/∂x",
                 inputs=inputs, rtol=1e-4, atol=1e-6, batch=x.shape[0], mistakes=mistakes)
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

    with explained(VJP.format("input/weight") + " for Dense", dict(zip("xwbJ", DENSE_SMOKE))):
        test(DENSE_SMOKE)  # a plain bug shows here at once, before hypothesis's search
    for_all(ctx.examples, VJP.format("input/weight") + " for Dense", test,
            case=s.dense_cases(max_batch=3, max_width=3))


@check("leaky_relu.gradients")
def leaky_relu_gradients(ctx):
    checked = (VJP.format("input") + " for LeakyReLU() (alpha 0.3), LeakyReLU(alpha=0.1) and "
               "ReLU(), inputs off the kink at 0")

    def test(x, J):
        for label, name, args, alpha in LEAKY:
            slope = np.where(x > 0, 1.0, alpha)
            assert_vjp(ctx.student, build(ctx.student, name, *args), x, J,
                       {"module": label, "x": x, "J": J}, checked=checked,
                       mistakes={"the slope for x ≤ 0 should be alpha, not 0": (x > 0) * J,
                                 "the slope for x ≤ 0 should be alpha, not 1": J,
                                 "the slopes are swapped (alpha where x > 0)":
                                 (alpha + 1 - slope) * J,
                                 "the outputs were returned, not the slopes":
                                 slope * x * J})

    examples(ctx, checked, test, paired(s.batches_off_kink()), smoke=[SMOKE])


@check("softmax.gradients")
def softmax_gradients(ctx):
    checked = VJP.format("input") + " for Softmax"

    def test(x, J):
        p = softmax(x)
        assert_vjp(ctx.student, build(ctx.student, "Softmax"), x, J, {"x": x, "J": J},
                   checked=checked,
                   mistakes={"only the diagonal of the jacobian, s·(1 − s), was used: the "
                             "off-diagonal terms −s_i·s_j are missing": p * (1 - p) * J})

    examples(ctx, checked, test, paired(s.batches()), smoke=[SMOKE])


@check("sigmoid.gradients")
def sigmoid_gradients(ctx):
    checked = VJP.format("input") + " for Sigmoid"

    def test(x, J):
        p = sigmoid(x)
        assert_vjp(ctx.student, build(ctx.student, "Sigmoid"), x, J, {"x": x, "J": J},
                   checked=checked,
                   mistakes={"the derivative was written with the inputs, x·(1 − x), not "
                             "the outputs s·(1 − s)": x * (1 - x) * J,
                             "the derivative is s·(1 − s), not s": p * J})

    examples(ctx, checked, test, paired(s.batches(elements=s.floats(-6, 6))), smoke=[SMOKE])


@check("mse.gradients")
def mse_gradients(ctx):
    checked = ("MeanSquaredError.input_gradients() is B · ∂L/∂p: the per-sample gradient "
               "2(p − t)/n, not divided by B (central differences of the student's forward)")

    def test(p, t):
        inputs = {"y_pred": p, "y_true": t}
        with explained(checked, inputs):
            loss = build(ctx.student, "MeanSquaredError")
            got = ctx.student.proc("loss_gradient", loss, p, t)
            if not isinstance(got["value"], (int, float)):
                raise CheckFailed(Failure(
                    checked=checked, inputs=inputs, what="forward(p, t)", got=got["value"],
                    diagnosis="forward gave no number, so its differences cannot be taken; "
                              "fix MeanSquaredError.forward first"))
            dp, _ = module_vjp(ctx.student, loss, p, np.float64(1.0), [], extra=[t])
        assert_close(len(p) * dp, got["grad"], checked=checked, what="input_gradients()",
                     inputs=inputs, rtol=1e-4, atol=1e-6, batch=len(p), n=p.shape[1],
                     mistakes={"the sign is flipped: 2(t − p)/n": 2 * (t - p) / p.shape[1]})

    # B and n differ (2..4 against 5..7), so that a factor B and a factor n can be told apart
    shapes = s.batches(batch=st.integers(2, 4), width=st.integers(5, 7))
    r = rng(0)
    examples(ctx, checked, test, paired(shapes),
             smoke=[(r.normal(size=(2, 5)), np.eye(5)[[1, 3]])])


# --- GradientTape on whole models --------------------------------------------------------
B, SIZES = 3, (4, 5, 3)  # Dense(4, 5) → LeakyReLU → Dense(5, 3) → Softmax on 3 samples
WEIGHTED = (0, 2)  # the layers with weights
ORDER = "[w1, b1, w2, b2]"


def model_case(seed):
    """Weights, inputs and one-hot targets; the hidden pre-activations stay off the kink."""
    r = rng(seed)
    n_in, hidden, n_out = SIZES
    while True:
        x = r.normal(size=(B, n_in))
        w1, b1 = r.normal(size=(n_in, hidden)) * 0.7, r.normal(size=hidden) * 0.3
        if np.min(np.abs(x @ w1 + b1)) > 0.05:
            break
    w2, b2 = r.normal(size=(hidden, n_out)) * 0.7, r.normal(size=n_out) * 0.3
    y = np.eye(n_out)[r.integers(0, n_out, size=B)]
    return {"x": x, "w1": w1, "b1": b1, "w2": w2, "b2": b2, "y": y}


def model_layers(ops, case):
    return [dense(ops, case["w1"], case["b1"]), build(ops, "LeakyReLU"),
            dense(ops, case["w2"], case["b2"]), build(ops, "Softmax")]


def chain_gradient(ops, layers, loss, x, y, weighted):
    """Central differences of the chain's loss for every weight of the layers at `weighted`
    (indices into layers), in forward order."""
    shapes = [(i, k, tuple(shape)) for i in weighted
              for k, shape in enumerate(ops.proc("weight_shapes", layers[i]))]
    perts = [(i, k, index, delta) for i, k, shape in shapes
             for _, index, delta in perturbations(0, int(np.prod(shape)))]
    values = ops.proc("losses_under", layers, loss, x, y, perts)
    grads, start = [], 0
    for _, _, shape in shapes:
        count = 2 * int(np.prod(shape))
        grads.append(central(values[start:start + count], shape))
        start += count
    return grads


def assert_gradients(expected, got, checked, inputs, mistakes=()):
    """tape.gradient()'s list against the expected one, weight by weight.

    mistakes: (diagnosis, wrong list) pairs for the list as a whole.
    """
    got = got if isinstance(got, list) else [got]
    if len(got) != len(expected):
        said = [why for why, wrong in mistakes if len(wrong) == len(got)]
        raise CheckFailed(Failure(
            checked=checked, inputs=inputs, what="number of gradients",
            expected=len(expected), got=len(got),
            diagnosis=said[0] if said else f"one gradient per trainable weight, {ORDER}"))
    for k, (want, have) in enumerate(zip(expected, got)):
        assert_close(want, have, checked=checked, what=f"gradient {k}", inputs=inputs,
                     rtol=1e-4, atol=1e-6, batch=len(inputs["x"]),
                     mistakes={why: wrong[k] for why, wrong in mistakes if len(wrong) > k})


LOSSES = ("MeanSquaredError", "CategoricalCrossentropy")
WALKED = ("module gradients wrong, not the tape: your GradientTape.gradient() walks the "
          "operations as the contract says (it equals your modules' compose_to_weight and "
          "compose_to_input chained by hand), so fix the modules' gradient items first")


def walked(ops, layers, loss, frozen=None):
    """The contract's backward walk, done here over the submission's own modules right after
    their forward pass (layers[frozen] skipped as not trainable): what the tape returns if it
    walks right. None if a module raises."""
    try:
        J, grads = ops.call(loss, "input_gradients"), []
        for i in reversed(range(len(layers))):
            if i in WEIGHTED and i != frozen:
                grads = list(ops.call(layers[i], "compose_to_weight", J)) + grads
            if i > 0:
                J = ops.call(layers[i], "compose_to_input", J)
        return grads
    except StudentError:
        return None


def tape_case(ops, case, loss_name, checked, inputs):
    """(central differences for every Dense weight, tape.gradient(), the walk by hand) for
    the model of `case`."""
    with explained(checked, inputs):
        layers, loss = model_layers(ops, case), build(ops, loss_name)
        got = ops.proc("tape_gradient", layers, loss, case["x"], case["y"])
        if not isinstance(got["loss"], (int, float)) or not np.isfinite(got["loss"]):
            raise CheckFailed(Failure(
                checked=checked, inputs=inputs, what="loss", got=got["loss"],
                diagnosis="layers not working yet: the model's loss is not a finite number, "
                          "so its gradient cannot be checked; fix the forward items first"))
        by_hand = walked(ops, layers, loss)
        numeric = chain_gradient(ops, layers, loss, case["x"], case["y"], WEIGHTED)
        return numeric, got["grads"], by_hand


@check("tape.gradients")
def tape_gradients(ctx):
    checked = ("GradientTape.gradient() for Dense(4, 5) → LeakyReLU → Dense(5, 3) → Softmax "
               f"with {' and with '.join(LOSSES)}: ∂L/∂w in forward order {ORDER}, against "
               "central differences of the loss")

    def test(seed):
        case = model_case(seed)
        for loss_name in LOSSES:
            inputs = {"loss": loss_name, **case}
            numeric, got, by_hand = tape_case(ctx.student, case, loss_name, checked, inputs)
            assert_gradients(numeric, got, checked, inputs, mistakes=[
                ("the layers are in reverse order: prepend each layer's gradients, " + ORDER,
                 numeric[2:] + numeric[:2]),
                ("the list is reversed: prepend each layer's gradients, " + ORDER,
                 numeric[::-1]), (WALKED, by_hand or [])])

    test(0)  # a plain bug shows on the first case, before hypothesis's search
    for_all(max(3, ctx.examples // 5), checked, test, seed=st.integers(0, 10**6))


@check("tape.trainable")
def tape_trainable(ctx):
    checked = ("GradientTape.gradient() with one Dense layer set trainable = False: only the "
               "other layer's [w, b], as the contract's walk over your own modules gives them "
               "(the gradient still flows through the frozen layer)")

    def test(seed):
        case = model_case(seed)
        for frozen in WEIGHTED:
            inputs = {"frozen": f"the {'first' if frozen == 0 else 'second'} Dense", **case}
            frozen_case(ctx.student, case, frozen, checked, inputs)

    test(0)
    for_all(max(2, ctx.examples // 10), checked, test, seed=st.integers(0, 10**6))


def frozen_case(ops, case, frozen, checked, inputs):
    """The tape of the model of `case` with layers[frozen] frozen, against the contract's walk
    over the same modules. Module bugs cost their own items: if the modules' compose_to_*
    raise, a right tape raises too, and that is all this item asks."""
    x, y = case["x"], case["y"]
    with explained(checked, inputs):
        layers, loss = model_layers(ops, case), build(ops, "MeanSquaredError")
        ops.set(layers[frozen], "trainable", False)
        value = ops.proc("forward_chain", layers, loss, x, y)
    if not isinstance(value, (int, float)) or not np.isfinite(value):
        raise CheckFailed(Failure(
            checked=checked, inputs=inputs, what="loss", got=value,
            diagnosis="layers not working yet: the model's loss is not a finite number; fix "
                      "the forward items first"))
    try:
        got, raised = ops.proc("tape_gradient", layers, loss, x, y)["grads"], None
    except StudentError as e:
        got, raised = None, e
    by_hand = walked(ops, layers, loss, frozen)
    if by_hand is None and raised is None:
        raise CheckFailed(Failure(
            checked=checked, inputs=inputs, what="tape.gradient()", got=got,
            diagnosis="your modules' compose_to_weight or compose_to_input raise on this "
                      "model, so a tape that walks them raises too; yours did not call them "
                      "as the contract says"))
    if by_hand is None:
        return
    if raised is not None:
        raise student_raised(raised, checked, inputs)
    assert_gradients(by_hand, got, checked, inputs, mistakes=[
        ("a layer with trainable = False still contributed gradients",
         walked(ops, layers, loss) or [])])
