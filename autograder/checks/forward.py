"""Forward passes against closed forms and properties (public: no reference needed)."""
import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from . import check
from . import strategies as s
from ._helpers import build, dense
from .properties import examples, explained, for_all
from .strategies import DENSE_SMOKE, paired
from ..feedback import CheckFailed, Failure, assert_close
from ..protocol.errors import StudentError


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

    with explained(checked, dict(zip("xwb", DENSE_SMOKE))):
        test(DENSE_SMOKE)  # a plain bug shows here at once, before hypothesis's search
    for_all(ctx.examples, checked, test, case=s.dense_cases())


# --- closed forms, computed on the trusted side ------------------------------------------
def leaky_relu(x, alpha):
    return np.where(x > 0, x, alpha * x)


def softmax(x, axis=-1):
    exps = np.exp(x - x.max(axis=axis, keepdims=True))
    return exps / exps.sum(axis=axis, keepdims=True)


def sigmoid(x):
    return np.exp(-np.logaddexp(0, -x))


def mse(p, t):
    return np.mean((p - t) ** 2)


def cce(p, t, eps=1e-8):
    """The course's CategoricalCrossentropy: a mean binary cross-entropy, clipped."""
    right = t * np.log(np.clip(p, eps, 1 - eps))
    wrong = (1 - t) * np.log(np.clip(1 - p, eps, 1 - eps))
    return np.mean(-np.mean(right + wrong, axis=-1))


def watched_forward(ops, module, x, checked, inputs, extra=()):
    """forward(x) of a submission's module; fails if it changed x or returned integers.

    x is kept in the submission's process and read back in a later request: whatever
    forward did to the caller's array shows there, and no reply of the call vouches for it.
    """
    with explained(checked, inputs):
        kept = ops.keep(x)
        out = ops.call(module, "__call__", kept, *extra)
        after = ops.fetch(kept)
    if not (isinstance(after, np.ndarray) and np.array_equal(after, x)):
        raise CheckFailed(Failure(
            checked=checked, inputs=inputs, expected=x, got=after, what="x after forward(x)",
            diagnosis="forward changed its input in place (e.g. x -= …, x[x < 0] *= …): "
                      "compute on a copy, never on the caller's array"))
    if isinstance(out, np.ndarray) and out.dtype.kind in "biu":
        raise CheckFailed(Failure(
            checked=checked, inputs=inputs, got=out, what="forward(x)",
            diagnosis=f"returned a {out.dtype} array: the output must be floating point"))
    return out


# --- Dense initializers ------------------------------------------------------------------
IN, OUT = 300, 100  # 30000 draws: the sample std is within 1% of the true one
STDS = {"zero": 0.0, "normal": 1.0, "xavier": np.sqrt(2 / (IN + OUT)),
        "kaiming": np.sqrt(2 / IN)}


@check("dense.initializers")
def dense_initializers(ctx):
    checked = (f"Dense._initialize_weight(name, {IN}, {OUT}): w of shape ({IN}, {OUT}) with "
               "std 0 (zero), 1 (normal), √(2/(in+out)) (xavier), √(2/in) (kaiming); "
               "b all zero; an unknown name raises AssertionError")
    for name, std in STDS.items():
        inputs = {"initializer": name}
        with explained(checked, inputs):
            got = ctx.student.proc("initialize", name, IN, OUT)
        w, b = got["w"], got["b"]
        for what, arr, shapes in (("w", w, [(IN, OUT)]), ("b", b, [(OUT,), (1, OUT)])):
            if not isinstance(arr, np.ndarray) or arr.shape not in shapes:
                raise CheckFailed(Failure(
                    checked=checked, inputs=inputs, what=f"{what}'s shape",
                    expected=" or ".join(map(str, shapes)),
                    got=arr.shape if isinstance(arr, np.ndarray) else arr,
                    diagnosis=None if isinstance(arr, np.ndarray) else
                    "not implemented yet: no array came back"))
        assert_close(np.zeros_like(b, dtype=float), b, checked=checked, what="b",
                     inputs=inputs, atol=0)
        sample = float(np.std(w))
        if abs(sample - std) > 0.05 * std + 1e-12 or abs(float(np.mean(w))) > 0.05 * std + 1e-12:
            other = [n for n, v in STDS.items() if n != name and abs(sample - v) <= 0.05 * v]
            raise CheckFailed(Failure(
                checked=checked, inputs=inputs, what="std of w", expected=std, got=sample,
                diagnosis=f"that is the std of {other[0]!r}" if other else
                "the mean should be 0" if abs(sample - std) <= 0.05 * std else None))
    try:
        ctx.student.proc("initialize", "glorot", 3, 2)
    except StudentError as e:
        if e.kind != "builtins.AssertionError":  # a class path: not any class so named
            raise CheckFailed(Failure(checked=checked, inputs={"initializer": "glorot"},
                                      diagnosis=f"raised {e.name}, not AssertionError")) from None
        return
    raise CheckFailed(Failure(checked=checked, inputs={"initializer": "glorot"},
                              diagnosis="an unknown initializer name did not raise "
                                        "AssertionError"))


# --- activations -------------------------------------------------------------------------
LEAKY = (("LeakyReLU()", "LeakyReLU", (), 0.3), ("LeakyReLU(alpha=0.1)", "LeakyReLU", (0.1,), 0.1),
         ("ReLU()", "ReLU", (), 0.0))


@check("leaky_relu.forward")
def leaky_relu_forward(ctx):
    checked = ("forward(x) is x where x > 0 and alpha·x elsewhere, for LeakyReLU() (alpha 0.3), "
               "LeakyReLU(alpha=0.1) and ReLU() (alpha 0), and leaves x unchanged")

    def test(x):
        for label, name, args, alpha in LEAKY:
            inputs = {"module": label, "x": x}
            out = watched_forward(ctx.student, build(ctx.student, name, *args), x, checked, inputs)
            assert_close(leaky_relu(x, alpha), out, checked=checked, what="forward(x)",
                         inputs=inputs,
                         mistakes={"alpha ignored: the default 0.3 was used":
                                   leaky_relu(x, 0.3),
                                   "the two slopes are swapped (alpha·x where x > 0)":
                                   np.where(x > 0, alpha * x, x)})

    examples(ctx, checked, test, s.batches().map(lambda x: (x,)),
             smoke=[(np.array([[1.5, -2.0]]),)])


@check("softmax.forward")
def softmax_forward(ctx):
    checked = ("Softmax.forward(x) is exp(x) / Σ exp(x) over each row (the last axis): rows "
               "sum to 1, forward(x + c) = forward(x), no nan on large logits, x unchanged")

    def test(x, c):
        inputs = {"x": x} if c == 0 else {"x": x, "c": c}
        shifted = x + c
        out = watched_forward(ctx.student, build(ctx.student, "Softmax"), shifted, checked, inputs)
        with np.errstate(over="ignore", invalid="ignore"):
            whole = np.exp(shifted) / np.exp(shifted).sum()
        assert_close(softmax(x), out, checked=checked, inputs=inputs,
                     what="forward(x + c)" if c else "forward(x)",
                     mistakes={"softmax over the wrong axis (each column sums to 1, not each row)":
                               softmax(x, axis=0),
                               "normalized over the whole batch, not row by row": whole})

    shifts = st.sampled_from([0.0, 1000.0, -1000.0]) | s.floats(-1000, 1000)
    examples(ctx, checked, test, st.tuples(s.batches(), shifts),
             smoke=[(np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]]), 0.0),
                    (np.array([[1000.0, 0.0]]), 0.0), (np.array([[0.0, 0.0]]), -1000.0)])


@check("sigmoid.forward")
def sigmoid_forward(ctx):
    checked = ("Sigmoid.forward(x) is 1 / (1 + exp(-x)): within [0, 1] (strictly inside for "
               "|x| ≤ 30), no nan for |x| up to 1000, x unchanged")

    def test(x):
        inputs = {"x": x}
        out = watched_forward(ctx.student, build(ctx.student, "Sigmoid"), x, checked, inputs)
        assert_close(sigmoid(x), out, checked=checked, what="forward(x)", inputs=inputs,
                     rtol=1e-6, atol=1e-12,
                     mistakes={"exp(x) where exp(-x) belongs: that is sigmoid(-x)": sigmoid(-x)})
        inside = np.abs(x) <= 30
        out = np.asarray(out, dtype=float)
        if np.any((out[inside] <= 0) | (out[inside] >= 1)):
            raise CheckFailed(Failure(checked=checked, inputs=inputs, what="forward(x)",
                                      expected=sigmoid(x), got=out,
                                      diagnosis="values must lie strictly between 0 and 1"))

    examples(ctx, checked, test, s.batches(elements=s.floats(-1000, 1000)).map(lambda x: (x,)),
             smoke=[(np.array([[0.5, -1.0]]),), (np.array([[1000.0, -1000.0, 0.0]]),)])


# --- loss, metric, one-hot encoding ------------------------------------------------------
@check("mse.forward")
def mse_forward(ctx):
    checked = "MeanSquaredError.forward(p, t) is the mean of (p - t)² over every element"

    def test(p, t):
        inputs = {"y_pred": p, "y_true": t}
        loss = build(ctx.student, "MeanSquaredError")
        got = watched_forward(ctx.student, loss, p, checked, inputs, extra=[t])
        sq = (p - t) ** 2
        assert_close(mse(p, t), got, checked=checked, what="forward(p, t)", inputs=inputs,
                     mistakes={"summed instead of averaged": np.sum(sq),
                               "each row summed, then averaged over the batch: the 1/n is "
                               "missing": np.sum(sq) / len(p),
                               "returned each sample's loss instead of their mean":
                               np.mean(sq, axis=-1),
                               "the square root was taken (that is RMSE)": np.sqrt(np.mean(sq))})

    examples(ctx, checked, test, paired(s.batches()),
             smoke=[(np.array([[0.1, 0.9, 0.3], [0.6, 0.4, 0.0]]), np.eye(3)[[1, 0]])])


def accuracy_cases():
    """(probs (B, n) without ties, labels (B,) in 0..n-1)."""
    def build_case(shape):
        bsz, n = shape
        return st.tuples(hnp.arrays(np.float64, shape, elements=s.floats(0, 1), unique=True),
                         hnp.arrays(np.int64, (bsz,), elements=st.integers(0, n - 1)))
    return st.tuples(st.integers(1, 6), st.integers(2, 5)).flatmap(build_case)


@check("accuracy.forward")
def accuracy_forward(ctx):
    checked = ("CategoricalAccuracy.forward(probs, one_hot) is the fraction of rows whose "
               "argmax agrees")

    def test(probs, labels):
        one_hot = np.eye(probs.shape[1])[labels]
        inputs = {"probs": probs, "labels (one-hot)": one_hot}
        with explained(checked, inputs):
            got = ctx.student.call(build(ctx.student, "CategoricalAccuracy"), "forward",
                                   probs, one_hot)
        right = np.argmax(probs, axis=-1) == labels
        down_columns = np.argmax(probs, axis=0) == np.argmax(one_hot, axis=0)
        assert_close(np.mean(right), got, checked=checked, what="accuracy", inputs=inputs,
                     mistakes={"returned the number of right rows, not the fraction":
                               np.sum(right),
                               "argmax over the wrong axis (down each column): take it "
                               "along each row, axis=-1": np.mean(down_columns)})

    examples(ctx, checked, test, accuracy_cases(),
             smoke=[(np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]]), np.array([1, 1, 1]))])


@check("onehot.fit")
def onehot_fit(ctx):
    checked = ("OneHotEncoder.fit(labels) sets uniq (the sorted unique labels) and uniq2oh "
               "(label → one-hot row); forward encodes and inverse decodes back")

    def test(fit, labels):
        fit, labels = np.array(fit, dtype=np.int64), np.array(labels, dtype=np.int64)
        inputs = {"fit(labels)": fit, "forward(labels)": labels}
        ops = ctx.student
        with explained(checked, inputs):
            encoder = build(ops, "OneHotEncoder")
            got = ops.proc("onehot_fit", encoder, fit)
        uniq = np.unique(fit)
        _, first = np.unique(fit, return_index=True)
        assert_close(uniq, got["uniq"], checked=checked, what="uniq", inputs=inputs, atol=0,
                     mistakes={"in order of first appearance, not sorted": fit[np.sort(first)],
                               "duplicates kept: uniq must hold each label once": fit})
        if got["table_type"] != "builtins.dict" or got["table"] is None:
            raise CheckFailed(Failure(checked=checked, inputs=inputs,
                                      diagnosis="uniq2oh is not a dict {label: one-hot row} "
                                                f"(it is a {got['table_type']})"))
        table = {float(key): row for key, row in got["table"]}
        rows = [table.get(float(label)) for label in uniq]
        if any(r is None for r in rows) or len(table) != len(uniq):
            raise CheckFailed(Failure(checked=checked, inputs=inputs, what="uniq2oh's labels",
                                      expected=uniq, got=np.array(sorted(table)),
                                      diagnosis="uniq2oh must have one entry per label"))
        assert_close(np.eye(len(uniq)), rows, checked=checked, what="uniq2oh rows, in uniq's "
                     "order", inputs=inputs)
        with explained(checked, inputs):
            encoded = ops.call(encoder, "forward", labels)
            decoded = ops.call(encoder, "inverse", encoded)
        assert_close(np.eye(len(uniq))[np.searchsorted(uniq, labels)], encoded,
                     checked=checked, what="forward(labels)", inputs=inputs)
        assert_close(labels, decoded, checked=checked, what="inverse(forward(labels))",
                     inputs=inputs, atol=0)

    fits = st.lists(st.integers(-5, 20), min_size=1, max_size=8)
    examples(ctx, checked, test, fits.flatmap(lambda fit: st.tuples(
        st.just(fit), st.lists(st.sampled_from(fit), min_size=1, max_size=6))),
        smoke=[([7, 3, 3, 10], [10, 3, 7, 3])])
