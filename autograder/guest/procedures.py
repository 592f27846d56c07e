"""Routines the grader runs beside a submission, written against the contract alone.

They take the submission's objects and plain arrays and return plain data, so the
grader can run each of them on the reference and on a student's code alike.
"""
import numpy as np

from ..protocol.operations import INPUT  # noqa: F401 - procedures take it as a target


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


def forward_watched(module, x, extra=()):
    """forward(x), and x as it is after the call (a forward must not change its input)."""
    out = module(x, *extra)
    return {"out": out, "x_after": x}


def initialize(name, input_size, output_size, seed=0):
    """Dense._initialize_weight(name, input_size, output_size) under a fixed global seed."""
    from Beras.layers import Dense

    np.random.seed(seed)
    w, b = Dense._initialize_weight(name, input_size, output_size)
    return {"w": w, "b": b}


def onehot_fit(encoder, labels):
    """fit(labels), then what the encoder learned: uniq, and uniq2oh as [label, row] pairs
    (None when uniq2oh is not a dict)."""
    encoder.fit(labels)
    table = encoder.uniq2oh
    pairs = [[key, row] for key, row in table.items()] if isinstance(table, dict) else None
    return {"uniq": encoder.uniq, "table": pairs}


def updated_in_place(optimizer, weights, grads):
    """One apply_gradients call: the values of the original arrays and of the list after it."""
    originals = list(weights)
    optimizer.apply_gradients(weights, grads)
    return {"objects": [np.array(w) for w in originals], "list": [np.array(w) for w in weights]}


def evaluate_probe(x, y, batch_size):
    """Model.evaluate on a probe model whose batch metrics are known: loss is the batch mean
    of x, acc the batch mean of y, and a training step would change its one weight.

    Returns:
        dict with "result" (what evaluate returned), "steps" ([first x, batch size,
        training] per batch_step call) and "weight" (the probe's weight afterwards).
    """
    import Beras

    class Probe(Beras.Model):
        def call(self, inputs):
            return inputs

        def batch_step(self, xb, yb, training=True):
            self.steps.append([float(xb[0, 0]), len(xb), bool(training)])
            if training:
                self.w += 1.0
            return {"loss": self.compiled_loss(self.call(xb), yb),
                    "acc": self.compiled_acc(self.call(xb), yb)}

    model = Probe([])
    model.compile(None, lambda p, t: float(np.mean(p)), lambda p, t: float(np.mean(t)))
    model.w, model.steps = np.zeros(1), []
    result = model.evaluate(x, y, batch_size)
    return {"result": result, "steps": model.steps, "weight": model.w}


def batch_step_probe(model, x, y, training):
    """model.batch_step(x, y, training=...) with the optimizer swapped for a recorder.

    Returns:
        dict with "result" (what batch_step returned), "calls" (per apply_gradients call:
        whether it got model.trainable_variables themselves, and the gradients), "before"
        and "after" (the trainable variables' values).
    """
    variables = list(model.trainable_variables)
    before = [np.array(w) for w in variables]
    calls = []

    class Recorder:
        def apply_gradients(self, weights, grads):
            same = len(weights) == len(variables) and all(
                a is b for a, b in zip(weights, variables))
            calls.append({"same_objects": same, "grads": [np.array(g) for g in grads]})

    model.optimizer = Recorder()
    result = model.batch_step(x, y, training=training)
    return {"result": result, "calls": calls, "before": before,
            "after": [np.array(w) for w in variables]}


def layer_outputs(layers, x):
    """x passed through each layer in turn (a reference point for SequentialModel.call)."""
    for layer in layers:
        x = layer(x)
    return x


def fit_and_evaluate(model, x, y, epochs, batch_size):
    """model.fit then model.evaluate on (x, y); their metrics and every layer's final weights."""
    import contextlib
    import io

    with contextlib.redirect_stdout(io.StringIO()):  # the reference runs in the grader
        history = model.fit(x, y, epochs=epochs, batch_size=batch_size)
        evaluated = model.evaluate(x, y, batch_size)
    weights = [np.array(w) for layer in model.layers for w in getattr(layer, "weights", [])]
    return {"fit": dict(history), "evaluate": dict(evaluated), "weights": weights}


def _summary(a, rows=()):
    """Shape, dtype and range of an array, and a few of its rows as float64."""
    if not isinstance(a, np.ndarray):
        return {"type": type(a).__name__}
    numeric = a.dtype.kind in "biuf" and a.size > 0
    summary = {"type": "ndarray", "shape": list(a.shape), "dtype": a.dtype.name,
               "min": float(a.min()) if numeric else None,
               "max": float(a.max()) if numeric else None}
    if rows and numeric and a.ndim >= 1 and len(a) > max(rows):
        summary["rows"] = np.asarray(a[list(rows)], dtype=np.float64).reshape(len(rows), -1)
    return summary


def mnist_summary(subset, data_path, rows):
    """preprocess.get_data_MNIST(subset, data_path), summed up (with the inputs' `rows`):
    the arrays themselves stay here."""
    import preprocess

    inputs, labels = preprocess.get_data_MNIST(subset, data_path)
    summary = {"inputs": _summary(inputs, rows=rows), "labels": _summary(labels)}
    if isinstance(labels, np.ndarray) and labels.dtype.kind in "iu" and labels.ndim == 1:
        summary["labels"]["first"] = labels[:10]
        summary["labels"]["counts"] = np.bincount(labels.astype(np.int64), minlength=10)
    return summary


def _mnist(data_path, prefix):
    """MNIST images (N, 784) float32 in [0, 1] and labels (N,), read here, not by preprocess."""
    import gzip

    with gzip.open(f"{data_path}/mnist/{prefix}-images-idx3-ubyte.gz") as f:
        images = np.frombuffer(f.read(), dtype=np.uint8, offset=16)
    with gzip.open(f"{data_path}/mnist/{prefix}-labels-idx1-ubyte.gz") as f:
        labels = np.frombuffer(f.read(), dtype=np.uint8, offset=8)
    return images.reshape(-1, 784).astype(np.float32) / 255, labels


class TrainingStopped(BaseException):
    """fit was stopped early: it diverged, or ran well past its epochs (a BaseException,
    so that the submission's `except Exception` does not swallow it)."""


def _watched(batch_step, weights, allowed: int, per_epoch: int):
    """batch_step, stopping the fit once the weights hold NaN or inf (the model can only
    predict garbage from then on) or after more than `allowed` training steps. weights:
    a function that gives the model's trainable variables as they are now."""
    steps = [0]

    def step(*args, **kwargs):
        result = batch_step(*args, **kwargs)
        if not kwargs.get("training", args[2] if len(args) > 2 else True):
            return result
        steps[0] += 1
        where = f"training step {steps[0]} (epoch {(steps[0] - 1) // per_epoch + 1})"
        if steps[0] > allowed:
            raise TrainingStopped(
                f"fit was stopped at {where}: its epochs and batch size allow "
                f"{allowed - per_epoch} steps over the 60000 training images")
        loss = result.get("loss") if isinstance(result, dict) else None
        try:
            finite = loss is None or bool(np.all(np.isfinite(np.asarray(loss, dtype=float))))
        except (TypeError, ValueError):
            finite = True
        if not finite:
            bad = [w for w in weights() if isinstance(w, np.ndarray) and w.dtype.kind == "f"
                   and not np.all(np.isfinite(w))]
            if bad:
                raise TrainingStopped(
                    f"training diverged: after {where} the loss is {float(np.ravel(loss)[0])} "
                    "and the weights hold NaN or inf, so fit was stopped there (a learning "
                    "rate too large, or a gradient with the wrong sign or scale)")
        return result
    return step


def train_and_predict(which, data_path, seed=0):
    """Fit get_{which}_model_components() on MNIST train, then predict the test images.

    The fit is watched (`_watched`): it stops early, with TrainingStopped, once it has
    diverged to NaN or inf, or has run more than one epoch past its `epochs`.

    Returns:
        dict with "predictions" ((10000,) argmax of model.call on the test images, in
        batches), "epochs" and "batch_size" (as the components set them).
    """
    import assignment

    np.random.seed(seed)
    parts = getattr(assignment, f"get_{which}_model_components")()
    x, labels = _mnist(data_path, "train")
    model = parts.model
    try:
        per_epoch = -(-len(x) // int(parts.batch_size))
        allowed = (int(parts.epochs) + 1) * per_epoch
        watch = per_epoch > 0 and callable(model.batch_step)
    except Exception:  # noqa: BLE001 - the fit itself will say what is wrong
        watch = False
    if watch:
        model.batch_step = _watched(model.batch_step,
                                    lambda: list(getattr(model, "trainable_variables", ())),
                                    allowed, per_epoch)
    model.fit(x, np.eye(10)[labels], epochs=parts.epochs, batch_size=parts.batch_size)
    test, _ = _mnist(data_path, "t10k")
    size = int(parts.batch_size)
    predictions = [np.argmax(parts.model.call(test[i:i + size]), axis=-1)
                   for i in range(0, len(test), size)]
    return {"predictions": np.concatenate(predictions).astype(np.int64),
            "epochs": parts.epochs, "batch_size": parts.batch_size}


def extra_diffables(known):
    """Diffable subclasses that Beras.* modules and assignment define beyond `known` paths.

    Returns:
        dict with "found" (sorted 'module.Class' paths of concrete subclasses) and
        "errors" (one line per module that could not be imported).
    """
    import importlib
    import inspect
    import pkgutil

    import Beras
    from Beras.core import Diffable

    names = [f"Beras.{m.name}" for m in pkgutil.iter_modules(Beras.__path__)] + ["assignment"]
    found, errors = set(), []
    for name in names:
        try:
            module = importlib.import_module(name)
        except Exception as e:  # a broken extra module is reported, not fatal
            errors.append(f"{name}: {type(e).__name__}: {e}")
            continue
        for obj in vars(module).values():
            if (inspect.isclass(obj) and issubclass(obj, Diffable) and obj.__module__ == name
                    and not inspect.isabstract(obj)):
                found.add(f"{name}.{obj.__name__}")
    return {"found": sorted(found - set(known)), "errors": errors}


def as_float64(module):
    """Rebind a module's float weights to float64 copies (finite differences need them),
    keeping attributes that were the same array as a weight the same array."""
    weights = getattr(module, "weights", None) or []
    for k, w in enumerate(weights):
        if isinstance(w, np.ndarray) and w.dtype.kind == "f" and w.dtype != np.float64:
            new = w.astype(np.float64)
            for attr, value in list(vars(module).items()):
                if value is w:
                    setattr(module, attr, new)
            weights[k] = new
