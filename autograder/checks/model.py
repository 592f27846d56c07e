"""Model.evaluate and SequentialModel (public).

Each check isolates its own part: evaluate runs on a probe model whose batch metrics are
known, and SequentialModel is compared with the submission's own layers, loss and tape,
so a bug in a layer costs that layer's items, not these.
"""
import numpy as np

from . import check
from ._helpers import build, dense, rng, student_raised
from .properties import explained
from ..feedback import CheckFailed, Failure, assert_close
from ..protocol.errors import StudentError


def batch_means(values, batch_size, drop_partial=True):
    """The mean over full batches (or every batch) of each batch's mean."""
    stop = len(values) // batch_size * batch_size if drop_partial else len(values)
    return float(np.mean([np.mean(values[i:i + batch_size])
                          for i in range(0, stop, batch_size)]))


@check("model.evaluate")
def model_evaluate(ctx):
    checked = ("Model.evaluate(x, y, batch_size) runs batch_step(training=False) on every full "
               "batch and returns {'loss': [mean], 'acc': [mean]}; no weight changes. Checked "
               "on a probe model whose batch loss is mean(x) and batch acc is mean(y)")
    for n, batch_size in ((10, 3), (8, 4)):
        x = np.arange(n, dtype=np.float64).reshape(n, 1)
        y = rng(n).random((n, 1))
        inputs = {"x": x.ravel(), "y": y.ravel(), "batch_size": batch_size}
        with explained(checked, inputs):
            got = ctx.student.proc("evaluate_probe", x, y, batch_size)
        if any(training for _, _, training in got["steps"]) or got["weight"][0] != 0:
            raise CheckFailed(Failure(
                checked=checked, inputs=inputs,
                diagnosis="evaluate trained the model: it must call batch_step with "
                          "training=False, so that no weight changes"))
        result = got["result"]
        if not isinstance(result, dict) or not {"loss", "acc"} <= set(result):
            raise CheckFailed(Failure(checked=checked, inputs=inputs, what="evaluate(...)",
                                      expected="{'loss': [mean], 'acc': [mean]}", got=result))
        for name, values in (("loss", x), ("acc", y)):
            mean = batch_means(values, batch_size)
            assert_close([mean], result[name], checked=checked, inputs=inputs,
                         what=f"evaluate(...)['{name}']",
                         mistakes={"the last partial batch was not dropped":
                                   [batch_means(values, batch_size, drop_partial=False)],
                                   "returned a number, not a list of one mean (like fit's "
                                   "history)": mean,
                                   "no batch was run (not implemented yet?)": []})


def sequential_case(ops, seed=0):
    """A SequentialModel of the submission: Dense(4, 5) → LeakyReLU → Dense(5, 3) → Softmax,
    compiled with MeanSquaredError and CategoricalAccuracy (no optimizer: a probe stands in)."""
    r = rng(seed)
    layers = [dense(ops, r.normal(size=(4, 5)), r.normal(size=5)), build(ops, "LeakyReLU"),
              dense(ops, r.normal(size=(5, 3)), r.normal(size=3)), build(ops, "Softmax")]
    loss, acc = build(ops, "MeanSquaredError"), build(ops, "CategoricalAccuracy")
    model = build(ops, "SequentialModel", layers)
    ops.call(model, "compile", None, loss, acc)
    x, y = r.normal(size=(6, 4)), np.eye(3)[r.integers(0, 3, size=6)]
    return model, layers, loss, acc, x, y


def own(value, what, checked, inputs):
    """A value from the submission's own layers; without it SequentialModel cannot be judged."""
    if value is None or not np.all(np.isfinite(np.asarray(value, dtype=float))):
        raise CheckFailed(Failure(
            checked=checked, inputs=inputs, what=what, got=value,
            diagnosis=f"layers not working yet: your {what} gave no finite result, so "
                      "SequentialModel could not be checked; fix the layer, loss and metric "
                      "items first"))
    return value


@check("model.sequential")
def model_sequential(ctx):
    checked = ("SequentialModel([Dense, LeakyReLU, Dense, Softmax]): call(x) chains your layers; "
               "batch_step(x, y, training) returns your loss and accuracy of call(x) and hands "
               "tape.gradient() for model.trainable_variables to the optimizer only when "
               "training")
    ops = ctx.student
    model, layers, loss, acc, x, y = sequential_case(ops)
    inputs = {"x": x, "y": y}
    with explained(checked, inputs):
        chained = own(ops.proc("layer_outputs", layers, x), "layers' outputs", checked, inputs)
        first, called = ops.call(layers[0], "forward", x), ops.call(model, "call", x)
        want = {"loss": own(ops.call(loss, "forward", chained, y), "loss", checked, inputs),
                "acc": own(ops.call(acc, "forward", chained, y), "accuracy", checked, inputs)}
    assert_close(chained, called, checked=checked, inputs=inputs, what="call(x)",
                 mistakes={"only the first layer was applied": first})
    for training in (False, True):
        grads = tape_gradient(ops, layers, loss, x, y) if training else []
        try:
            got = ops.proc("batch_step_probe", model, x, y, training)
        except StudentError as e:
            if grads is None:  # your own tape.gradient() raises: a right batch_step does too
                return
            raise student_raised(e, checked, inputs) from None
        assert_step(got, want, grads, training, checked, inputs)


def tape_gradient(ops, layers, loss, x, y):
    """The submission's own tape.gradient() of this model and loss; None when it raises (the
    tape items say why)."""
    try:
        return ops.proc("tape_gradient", layers, loss, x, y)["grads"]
    except StudentError:
        return None


def assert_step(got, want, grads, training, checked, inputs):
    """One batch_step_probe outcome: metrics as `want`, and the optimizer given `grads` for
    the trainable variables once when training, never otherwise."""
    step = f"batch_step(x, y, training={training})"
    result = got["result"]
    if not isinstance(result, dict) or not {"loss", "acc"} <= set(result):
        raise CheckFailed(Failure(checked=checked, inputs=inputs, what=step,
                                  expected="{'loss': ..., 'acc': ...}", got=result))
    for name in ("loss", "acc"):
        assert_close(want[name], result[name], checked=checked, inputs=inputs,
                     what=f"{step}['{name}']")
    calls = got["calls"]
    if len(calls) != int(training):
        raise CheckFailed(Failure(
            checked=checked, inputs=inputs, what=f"optimizer.apply_gradients calls in {step}",
            expected=int(training), got=len(calls),
            diagnosis="apply the gradients once per batch, and only when training"))
    if any(not np.array_equal(b, a) for b, a in zip(got["before"], got["after"])):
        raise CheckFailed(Failure(
            checked=checked, inputs=inputs, what=step,
            diagnosis="batch_step changed the weights itself: only the optimizer may (and "
                      "only when training)"))
    if not training or grads is None:
        return
    if not calls[0]["same_objects"]:
        raise CheckFailed(Failure(
            checked=checked, inputs=inputs, what=step,
            diagnosis="apply_gradients must get self.trainable_variables themselves"))
    have = calls[0]["grads"]
    if len(have) != len(grads):
        raise CheckFailed(Failure(
            checked=checked, inputs=inputs, what="gradients given to the optimizer",
            expected=len(grads), got=len(have),
            diagnosis="hand the optimizer tape.gradient(), one per trainable weight"))
    for k, (g, h) in enumerate(zip(grads, have)):
        assert_close(g, h, checked=checked, inputs=inputs,
                     what=f"gradient {k} given to the optimizer")
