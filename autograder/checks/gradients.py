"""Finite-difference checks of composed gradients (public: no reference needed).

The verdict compares the student's composed gradient with the TRUE gradient: central
differences, computed here, of the module's closed-form forward (a module that returns zeros
has a zero numerical gradient too, so differences of the student's own forward prove
nothing). Differences of the student's own forward are taken as well, to diagnose: a
gradient that follows a wrong forward is told to fix the forward item first.
"""
import numpy as np
from hypothesis import strategies as st

from . import check
from . import strategies as s
from ._helpers import build, dense, like, rng
from .forward import LEAKY, cce, leaky_relu, mse, sigmoid, softmax
from .numeric import central, closed_form_vjp, gradient, module_vjp, perturbations
from .properties import examples, explained, for_all
from .strategies import DENSE_SMOKE, SMOKE, paired
from .. import rubric
from ..feedback import CheckFailed, Failure, assert_close
from ..protocol.errors import StudentError

VJP = "compose_to_{0}(J) against the true gradient: central differences of s = Σ J ⊙ {1}"
FOLLOWS = ("your gradient matches the differences of your own forward, but your forward is "
           "wrong: fix {0} first")
NOT_EVEN = ("your gradient does not even match the differences of your own forward (which "
            "is wrong too: fix {0} first)")


def forward_item(ctx) -> str:
    """'item 1.1': the forward item beside this gradient item (dense.gradients: dense.forward)."""
    wanted = ctx.item.id.rsplit(".", 1)[0] + ".forward"
    numbers = {i.id: i.number for i in rubric.load().items}
    return f"item {numbers[wanted]}" if wanted in numbers else "the forward item"


def own_forward(ctx, own, true):
    """(mistakes, otherwise) for assert_close from the differences of the student's own
    forward: nothing to say when that forward is right (own ≈ true)."""
    if ctx is None or own is None or (np.shape(own) == np.shape(true) and
                                      np.allclose(own, true, rtol=1e-4, atol=1e-6)):
        return {}, None
    item = forward_item(ctx)
    return {FOLLOWS.format(item): own}, NOT_EVEN.format(item)


def assert_vjp(ops, module, x, J, inputs, checked, truth=None, weights=(), extra=(),
               mistakes=None, ctx=None):
    """Compose J to the input and weights; compare with the true gradient.

    truth: the closed-form forward, truth(x, *weights) (extra inputs bound in it); without
        one (a student's own extra layer, ungraded) the differences of its own forward.
    mistakes: {diagnosis: wrong ∂s/∂x} of known wrong answers for compose_to_input.
    ctx: the item's context, to name its forward item in a diagnosis.
    """
    with explained(checked, inputs):
        weight_shapes = [tuple(shape) for shape in ops.proc("weight_shapes", module)]
        got = ops.proc("compose", module, x, J, list(extra))
        own_dx, own_dws = module_vjp(ops, module, x, J, weight_shapes, extra)
    dx, dws = (own_dx, own_dws) if truth is None else closed_form_vjp(truth, x, J, weights)
    said, otherwise = own_forward(ctx, own_dx, dx)
    assert_close(dx, got["dx"], checked=checked, what="∂s/∂x", inputs=inputs, rtol=1e-4,
                 atol=1e-6, batch=x.shape[0], mistakes={**said, **(mistakes or {})},
                 otherwise=otherwise)
    for k, dw in enumerate(dws):
        got_w = got["dw"][k] if isinstance(got["dw"], list) and k < len(got["dw"]) else None
        own_w = own_dws[k] if k < len(own_dws) else None
        said, otherwise = own_forward(ctx, own_w, like(dw, own_w))
        assert_close(like(dw, got_w), got_w, checked=checked,
                     what=f"∂s/∂weights[{k}] (batch mean)", inputs=inputs, rtol=1e-4,
                     atol=1e-6, batch=x.shape[0], mistakes=said, otherwise=otherwise)


@check("dense.gradients")
def dense_gradients(ctx):
    checked = VJP.format("input/weight", "(x @ w + b)") + " for Dense"

    def test(case):
        x, w, b, J = case
        layer = dense(ctx.student, w, b)
        assert_vjp(ctx.student, layer, x, J, {"x": x, "w": w, "b": b, "J": J}, checked,
                   truth=lambda x, w, b: x @ w + b, weights=(w, b), ctx=ctx)

    with explained(checked, dict(zip("xwbJ", DENSE_SMOKE))):
        test(DENSE_SMOKE)  # a plain bug shows here at once, before hypothesis's search
    for_all(ctx.examples, checked, test, case=s.dense_cases(max_batch=3, max_width=3))


@check("leaky_relu.gradients")
def leaky_relu_gradients(ctx):
    checked = (VJP.format("input", "leaky_relu(x)") + " for LeakyReLU() (alpha 0.3), "
               "LeakyReLU(alpha=0.1) and ReLU(), inputs off the kink at 0")

    def test(x, J):
        for label, name, args, alpha in LEAKY:
            slope = np.where(x > 0, 1.0, alpha)
            assert_vjp(ctx.student, build(ctx.student, name, *args), x, J,
                       {"module": label, "x": x, "J": J}, checked,
                       truth=lambda x, alpha=alpha: leaky_relu(x, alpha), ctx=ctx,
                       mistakes={"the slope for x ≤ 0 should be alpha, not 0": (x > 0) * J,
                                 "the slope for x ≤ 0 should be alpha, not 1": J,
                                 "the slopes are swapped (alpha where x > 0)":
                                 (alpha + 1 - slope) * J,
                                 "the outputs were returned, not the slopes":
                                 slope * x * J})

    examples(ctx, checked, test, paired(s.batches_off_kink()), smoke=[SMOKE])


@check("softmax.gradients")
def softmax_gradients(ctx):
    checked = VJP.format("input", "softmax(x)") + " for Softmax"

    def test(x, J):
        p = softmax(x)
        assert_vjp(ctx.student, build(ctx.student, "Softmax"), x, J, {"x": x, "J": J},
                   checked, truth=softmax, ctx=ctx,
                   mistakes={"only the diagonal of the jacobian, s·(1 − s), was used: the "
                             "off-diagonal terms −s_i·s_j are missing": p * (1 - p) * J})

    examples(ctx, checked, test, paired(s.batches()), smoke=[SMOKE])


@check("sigmoid.gradients")
def sigmoid_gradients(ctx):
    checked = VJP.format("input", "sigmoid(x)") + " for Sigmoid"

    def test(x, J):
        p = sigmoid(x)
        assert_vjp(ctx.student, build(ctx.student, "Sigmoid"), x, J, {"x": x, "J": J},
                   checked, truth=sigmoid, ctx=ctx,
                   mistakes={"the derivative was written with the inputs, x·(1 − x), not "
                             "the outputs s·(1 − s)": x * (1 - x) * J,
                             "the derivative is s·(1 − s), not s": p * J})

    examples(ctx, checked, test, paired(s.batches(elements=s.floats(-6, 6))), smoke=[SMOKE])


@check("mse.gradients")
def mse_gradients(ctx):
    checked = ("MeanSquaredError.input_gradients() is B · ∂L/∂p: the per-sample gradient "
               "2(p − t)/n, not divided by B (central differences of mean((p − t)²))")

    def test(p, t):
        inputs = {"y_pred": p, "y_true": t}
        with explained(checked, inputs):
            loss = build(ctx.student, "MeanSquaredError")
            got = ctx.student.proc("loss_gradient", loss, p, t)
            own, _ = module_vjp(ctx.student, loss, p, np.float64(1.0), [], extra=[t])
        true, _ = closed_form_vjp(lambda p: mse(p, t), p, np.float64(1.0))
        said, otherwise = own_forward(ctx, len(p) * own, len(p) * true)
        assert_close(len(p) * true, got["grad"], checked=checked, what="input_gradients()",
                     inputs=inputs, rtol=1e-4, atol=1e-6, batch=len(p), n=p.shape[1],
                     mistakes={**said,
                               "the sign is flipped: 2(t − p)/n": 2 * (t - p) / p.shape[1]},
                     otherwise=otherwise)

    # B and n differ (2..4 against 5..7), so that a factor B and a factor n can be told apart
    shapes = s.batches(batch=st.integers(2, 4), width=st.integers(5, 7))
    r = rng(0)
    examples(ctx, checked, test, paired(shapes),
             smoke=[(r.normal(size=(2, 5)), np.eye(5)[[1, 3]])])


# --- GradientTape on whole models --------------------------------------------------------
B, SIZES = 3, (4, 5, 3)  # Dense(4, 5) → LeakyReLU → Dense(5, 3) → Softmax on 3 samples
WEIGHTED = (0, 2)  # the layers with weights
WEIGHTS = ("w1", "b1", "w2", "b2")
ORDER = f"[{', '.join(WEIGHTS)}]"
ALPHA = LEAKY[0][3]  # the models use LeakyReLU(), the contract's default alpha
LOSSES = {"MeanSquaredError": mse, "CategoricalCrossentropy": cce}


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


def true_gradient(case, loss):
    """Central differences of the closed-form chain x → Dense → LeakyReLU → Dense → Softmax
    → loss, for w1, b1, w2, b2 in forward order."""
    def chain(w1, b1, w2, b2):
        hidden = leaky_relu(case["x"] @ w1 + b1, ALPHA)
        return loss(softmax(hidden @ w2 + b2), case["y"])
    return gradient(chain, [case[name] for name in WEIGHTS])


def chain_gradient(ops, layers, loss, x, y, weighted):
    """Central differences of the student's own chain's loss for every weight of the layers
    at `weighted` (indices into layers), in forward order."""
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
        assert_close(like(want, have), have, checked=checked, what=f"gradient {k}",
                     inputs=inputs, rtol=1e-4, atol=1e-6, batch=len(inputs["x"]),
                     mistakes={why: like(wrong[k], have) for why, wrong in mistakes
                               if len(wrong) > k})


WALKED = ("module gradients wrong, not the tape: your GradientTape.gradient() walks the "
          "operations as the contract says (it equals your modules' compose_to_weight and "
          "compose_to_input chained by hand), so fix the modules' gradient items first")
OWN_CHAIN = ("your gradient matches the differences of your own model's loss, but your "
             "modules' forward passes are wrong: fix the forward items first")


def walked(ops, layers, loss):
    """The contract's backward walk, done here over the submission's own modules right after
    their forward pass: what the tape returns if it walks right. None if a module raises."""
    try:
        J, grads = ops.call(loss, "input_gradients"), []
        for i in reversed(range(len(layers))):
            if i in WEIGHTED:
                grads = list(ops.call(layers[i], "compose_to_weight", J)) + grads
            if i > 0:
                J = ops.call(layers[i], "compose_to_input", J)
        return grads
    except StudentError:
        return None


def tape_case(ops, case, loss_name, checked, inputs):
    """(tape.gradient(), the walk by hand, central differences of the student's own chain)
    for the model of `case`."""
    with explained(checked, inputs):
        layers, loss = model_layers(ops, case), build(ops, loss_name)
        got = ops.proc("tape_gradient", layers, loss, case["x"], case["y"])
        if not isinstance(got["loss"], (int, float)) or not np.isfinite(got["loss"]):
            raise CheckFailed(Failure(
                checked=checked, inputs=inputs, what="loss", got=got["loss"],
                diagnosis="layers not working yet: the model's loss is not a finite number, "
                          "so its gradient cannot be checked; fix the forward items first"))
        by_hand = walked(ops, layers, loss)
        own = chain_gradient(ops, layers, loss, case["x"], case["y"], WEIGHTED)
        return got["grads"], by_hand, own


def same_list(a, b):
    return len(a) == len(b) and all(
        np.shape(x) == np.shape(y) and np.allclose(x, y, rtol=1e-4, atol=1e-6)
        for x, y in zip(a, b))


@check("tape.gradients")
def tape_gradients(ctx):
    checked = ("GradientTape.gradient() for Dense(4, 5) → LeakyReLU → Dense(5, 3) → Softmax "
               f"with {' and with '.join(LOSSES)}: ∂L/∂w in forward order {ORDER}, against "
               "the true gradient: central differences of the closed-form model and loss")

    def test(seed):
        case = model_case(seed)
        for loss_name, loss in LOSSES.items():
            inputs = {"loss": loss_name, **case}
            got, by_hand, own = tape_case(ctx.student, case, loss_name, checked, inputs)
            true = true_gradient(case, loss)
            right = same_list(own, [like(t, o) for t, o in zip(true, own)])
            follows = [] if right else [(OWN_CHAIN, own)]
            assert_gradients(true, got, checked, inputs, mistakes=[*follows,
                ("the layers are in reverse order: prepend each layer's gradients, " + ORDER,
                 true[2:] + true[:2]),
                ("the list is reversed: prepend each layer's gradients, " + ORDER,
                 true[::-1]), (WALKED, by_hand or [])])

    test(0)  # a plain bug shows on the first case, before hypothesis's search
    for_all(max(3, ctx.examples // 5), checked, test, seed=st.integers(0, 10**6))


PROBE_SHAPES = ((4, 5), (5, 5), (5, 3))  # three layers' (in, out); the middle has no weights


def probe_case(seed):
    """probe_tape's layers (fixed linear maps, not the homework's modules), J0 and x."""
    r = rng(seed)
    specs = []
    for i, (n_in, n_out) in enumerate(PROBE_SHAPES):
        weights = [r.normal(size=(n_in, n_out)), r.normal(size=n_out)] if i in WEIGHTED else []
        specs.append({"ig": r.normal(size=(n_in, n_out)), "weights": weights,
                      "maps": [r.normal(size=(w.size, B * n_out)) for w in weights]})
    return specs, r.normal(size=(B, PROBE_SHAPES[-1][1])), r.normal(size=(B, PROBE_SHAPES[0][0]))


def probe_walk(specs, J0, frozen=None):
    """What GradientTape.gradient() returns over probe_tape's layers when it walks as the
    contract says: from J0 backwards, each trainable layer's weight maps of the J that
    reaches it, in forward order; the J moves on through every layer, frozen or not."""
    J, grads = J0, []
    for i in reversed(range(len(specs))):
        if specs[i]["weights"] and i != frozen:
            here = [(m @ J.ravel()).reshape(w.shape)
                    for m, w in zip(specs[i]["maps"], specs[i]["weights"])]
            grads = here + grads
        J = J @ specs[i]["ig"].T
    return grads


@check("tape.trainable")
def tape_trainable(ctx):
    checked = ("GradientTape.gradient() over three probe layers (not your modules: their "
               "compose_to_input and compose_to_weight are fixed linear maps, so only the tape "
               "is judged), the first or the last set trainable = False: only the other "
               "layer's [w, b], from the J that reaches it (the J still flows through the "
               "frozen layer)")

    def test(seed):
        specs, J0, x = probe_case(seed)
        for frozen in WEIGHTED:
            inputs = {"frozen": f"the {'first' if frozen == 0 else 'last'} layer",
                      "J0 (the loss's input_gradients())": J0, "x": x}
            with explained(checked, inputs):
                got = ctx.student.proc("probe_tape", specs, J0, x, frozen)
            assert_gradients(probe_walk(specs, J0, frozen), got["grads"], checked, inputs,
                             mistakes=[("a layer with trainable = False still contributed "
                                        "gradients", probe_walk(specs, J0))])

    test(0)
    for_all(max(2, ctx.examples // 10), checked, test, seed=st.integers(0, 10**6))
