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
from ..protocol.operations import MARK, TRAINING_MARK


def batch_means(values, batch_size, drop_partial=True):
    """The mean over full batches (or every batch) of each batch's mean."""
    stop = len(values) // batch_size * batch_size if drop_partial else len(values)
    return float(np.mean([np.mean(values[i:i + batch_size])
                          for i in range(0, stop, batch_size)]))


@check("model.evaluate")
def model_evaluate(ctx):
    checked = ("Model.evaluate(x, y, batch_size) runs batch_step(training=False) on every full "
               "batch and returns {'loss': [mean], 'acc': [mean]}; no weight changes. Checked "
               "on a probe model whose batch loss is mean(x) and batch acc is mean(y), and "
               f"whose loss is {TRAINING_MARK:g} more in a training step")
    trained = ("evaluate trained the model: it must call batch_step with training=False, so "
               "that no weight changes")
    for n, batch_size in ((10, 3), (8, 4)):
        x = np.arange(n, dtype=np.float64).reshape(n, 1)
        y = rng(n).random((n, 1))
        inputs = {"x": x.ravel(), "y": y.ravel(), "batch_size": batch_size}
        with explained(checked, inputs):
            got = ctx.student.proc("evaluate_probe", x, y, batch_size)
        # what the probe saw can only cost points; passing rests on evaluate's own result
        if any(training for _, _, training in got["steps"]):
            raise CheckFailed(Failure(checked=checked, inputs=inputs, diagnosis=trained))
        result = got["result"]
        if not isinstance(result, dict) or not {"loss", "acc"} <= set(result):
            raise CheckFailed(Failure(checked=checked, inputs=inputs, what="evaluate(...)",
                                      expected="{'loss': [mean], 'acc': [mean]}", got=result))
        for name, values in (("loss", x), ("acc", y)):
            mean = batch_means(values, batch_size)
            mistakes = {"the last partial batch was not dropped":
                        [batch_means(values, batch_size, drop_partial=False)],
                        "returned a number, not a list of one mean (like fit's history)": mean,
                        "no batch was run (not implemented yet?)": []}
            if name == "loss":
                mistakes[trained] = [mean + TRAINING_MARK]
            assert_close([mean], result[name], checked=checked, inputs=inputs,
                         what=f"evaluate(...)['{name}']", mistakes=mistakes)


def sequential_case(ops, seed=0):
    """A SequentialModel of the submission: Dense(4, 5) → LeakyReLU → Dense(5, 3) → Softmax,
    compiled with MeanSquaredError and CategoricalAccuracy (no optimizer: a probe stands in),
    and the Dense layers' weights [w1, b1, w2, b2] as the host set them."""
    r = rng(seed)
    weights = [r.normal(size=(4, 5)), r.normal(size=5), r.normal(size=(5, 3)), r.normal(size=3)]
    layers = [dense(ops, *weights[:2]), build(ops, "LeakyReLU"), dense(ops, *weights[2:]),
              build(ops, "Softmax")]
    loss, acc = build(ops, "MeanSquaredError"), build(ops, "CategoricalAccuracy")
    model = build(ops, "SequentialModel", layers)
    ops.call(model, "compile", None, loss, acc)
    x, y = r.normal(size=(6, 4)), np.eye(3)[r.integers(0, 3, size=6)]
    return model, layers, loss, acc, x, y, weights


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
    model, layers, loss, acc, x, y, weights = sequential_case(ops)
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
            got = batch_step(ops, model, (layers[0], layers[2]), x, y, training)
        except StudentError as e:
            if grads is None:  # your own tape.gradient() raises: a right batch_step does too
                return
            raise student_raised(e, checked, inputs) from None
        marked = [w + MARK for w in weights] if training else weights
        assert_step(got, want, grads, training, checked, inputs, weights, marked)
        if training:  # the marks stay: the next step starts from them
            weights = marked


def batch_step(ops, model, dense_layers, x, y, training):
    """model.batch_step(x, y, training=...) with a Recorder for optimizer, then, in later
    requests, what it recorded and the Dense layers' own arrays [w1, b1, w2, b2]. They
    hold the Recorder's mark only if batch_step gave it the layers' arrays themselves."""
    recorder = ops.proc("recorder")
    ops.set(model, "optimizer", recorder)
    result = ops.call(model, "batch_step", x, y, training=training)
    arrays = [ops.get(layer, attr) for layer in dense_layers for attr in ("w", "b")]
    return {"result": result, "calls": ops.get(recorder, "calls"), "arrays": arrays}


def tape_gradient(ops, layers, loss, x, y):
    """The submission's own tape.gradient() of this model and loss; None when it raises (the
    tape items say why)."""
    try:
        return ops.proc("tape_gradient", layers, loss, x, y)["grads"]
    except StudentError:
        return None


def assert_step(got, want, grads, training, checked, inputs, before, marked):
    """One batch_step outcome: metrics as `want`, and the optimizer given `grads` for the
    trainable variables once when training, never otherwise: the layers' arrays are
    `before`, or `marked` when the Recorder was given them (only when training)."""
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
    arrays = [np.reshape(a, np.shape(b)) if np.size(a) == np.size(b) else a
              for a, b in zip(got["arrays"], before)]  # the student's bias shape
    if training and all(np.array_equal(a, b) for a, b in zip(arrays, before)):
        raise CheckFailed(Failure(
            checked=checked, inputs=inputs, what=step,
            diagnosis="apply_gradients must get self.trainable_variables themselves: the "
                      "layers' own arrays were not the ones it was given to update"))
    if not all(np.array_equal(a, b) for a, b in zip(arrays, marked)):
        raise CheckFailed(Failure(
            checked=checked, inputs=inputs, what=step,
            diagnosis="batch_step changed the weights itself: only the optimizer may (and "
                      "only when training)"))
    if not training or grads is None:
        return
    have = calls[0]
    if len(have) != len(grads):
        raise CheckFailed(Failure(
            checked=checked, inputs=inputs, what="gradients given to the optimizer",
            expected=len(grads), got=len(have),
            diagnosis="hand the optimizer tape.gradient(), one per trainable weight"))
    for k, (g, h) in enumerate(zip(grads, have)):
        assert_close(g, h, checked=checked, inputs=inputs,
                     what=f"gradient {k} given to the optimizer")
