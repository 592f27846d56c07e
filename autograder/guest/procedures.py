"""Routines the grader runs beside a submission, written against the contract alone.

They take the submission's objects and plain arrays and return plain data, so the
grader can run each of them on the reference and on a student's code alike.

This module runs in the student's process, so a submission can replace any of it (through
sys.modules, at import). Hence the rule: a procedure reports observations, never a
verdict. It returns what the student's code returned or did (the arrays themselves,
id() values, class paths) and the host judges them against values it computed itself.
A patch can then only hand back answers, and a right answer is the student's work done,
by the patch instead of the submission; a wrong one scores as the code it replaces. A
side effect the host grades (an array updated in place, an input left unchanged) is not
reported at all: the host reads the arrays concerned in a later request (Session's
keep and fetch), so no procedure holds the verdict. Each docstring says what a patch gets.
What stays open is a patch written against a probe's own workings (undoing the marks
below, say): the probe runs in the student's process, so only moving it out would close
that; no reply carries a yes or no to flip.
"""
import numpy as np

from ..protocol.operations import INPUT, MARK, TRAINING_MARK  # noqa: F401 - INPUT: a target


def set_dense_weights(dense, w, b):
    """Rebind a Dense layer's weights to float64 copies, keeping the student's bias shape.

    Patched: the host judges this layer by what it computes with the weights the host
    chose, so weights set otherwise only make those answers wrong.
    """
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

    Patched: three arrays the host compares with its closed forms or the reference; to
    pass, a patch must compute them right, which is the module's work.
    """
    out = module(x, *extra)
    dx = module.compose_to_input(J)
    dw = module.compose_to_weight(J) if getattr(module, "weights", None) else None
    return {"out": out, "dx": dx, "dw": dw}


def loss_gradient(loss, pred, truth):
    """A loss's value and its per-sample input_gradients() at (pred, truth).

    Patched: two arrays the host compares with closed forms; right ones are the loss's work.
    """
    value = loss(pred, truth)
    return {"value": value, "grad": loss.input_gradients()}


def outputs_under(module, x, perturbations, extra=()):
    """forward's output for each perturbation (target, flat index, delta) of x or a weight.

    Weights are perturbed in place and restored, so the layer's own references stay valid.

    Patched: outputs from which the host takes finite differences; outputs made up to match
    a wrong analytic gradient are a forward pass that disagrees with the forward items.
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
    """The loss of x through the layers. Patched: a value the host checks, as below."""
    out = x
    for layer in layers:
        out = layer(out)
    return loss(out, y)


def losses_under(layers, loss, x, y, perturbations):
    """The chain's scalar loss for each perturbation (layer index, weight index, flat index,
    delta). Patched: as outputs_under, values from which the host takes differences."""
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
    """The loss and GradientTape.gradient() of a chain of layers, recorded as the contract says.

    Patched: gradients the host compares with finite differences and the reference; right
    ones are the tape's work.
    """
    import Beras

    with Beras.GradientTape() as tape:
        value = forward_chain(layers, loss, x, y)
    return {"loss": value, "grads": list(tape.gradient())}


def probe_tape(specs, J0, x, frozen):
    """tape_gradient over probe modules that are not the homework's: their compose_to_input
    and compose_to_weight are fixed linear maps the grader chose, so that only the
    submission's GradientTape is judged.

    specs: one per layer: "ig" ((in, out); forward(x) is x @ ig, compose_to_input(J) is
        J @ ig.T as core's default), "weights" (none for a layer without) and one "map" per
        weight (compose_to_weight(J) is map @ J.ravel(), shaped like the weight).
    J0: the probe loss's input_gradients(). layers[frozen] is set trainable = False.

    Patched: the host compares the gradients with the contract's walk over the maps it
    drew itself; a patch that returns them right has computed the tape's walk.
    """
    from Beras.core import Diffable

    class Probe(Diffable):
        def __init__(self, spec):
            super().__init__()
            self.ig, self.maps = spec["ig"], spec["maps"]
            if spec["weights"]:
                self.weights = spec["weights"]

        def forward(self, inputs):
            return inputs @ self.ig

        def input_gradients(self):
            return self.ig

        def compose_to_input(self, J):
            return J @ self.ig.T

        def compose_to_weight(self, J):
            return [(m @ J.ravel()).reshape(np.shape(w)) for m, w in zip(self.maps, self.weights)]

    class ProbeLoss(Diffable):
        def forward(self, pred, truth):
            return 0.0

        def input_gradients(self):
            return J0

    layers = [Probe(spec) for spec in specs]
    layers[frozen].trainable = False
    return tape_gradient(layers, ProbeLoss(), x, None)


def apply_steps(optimizer, weights, grads_per_step):
    """Apply each step's gradients in turn: the list's weights after every step, and the
    id() of each entry before and after (an observation; no check scores it: whether the
    arrays are updated in place is read from the arrays themselves, see optimizers.in_place).

    Patched: a trajectory the host compares with its closed forms; a right one is the
    optimizer's work.
    """
    ids = [id(w) for w in weights]
    trajectory = []
    for grads in grads_per_step:
        optimizer.apply_gradients(weights, grads)
        trajectory.append([np.array(w) for w in weights])
    return {"trajectory": trajectory, "ids": {"before": ids, "after": [id(w) for w in weights]}}


def weight_shapes(module):
    """The shapes of module.weights, or [] for a module without weights.

    Patched: shapes only say where the host perturbs; wrong ones fail the gradient items.
    """
    return [list(np.shape(w)) for w in (getattr(module, "weights", None) or [])]


def initialize(name, input_size, output_size, seed=0):
    """Dense._initialize_weight(name, input_size, output_size) under a fixed global seed.

    Patched: two arrays whose statistics the host checks; arrays with the right ones are
    the initializer's work. An exception goes back as its class path (Session.describe).
    """
    from Beras.layers import Dense

    np.random.seed(seed)
    w, b = Dense._initialize_weight(name, input_size, output_size)
    return {"w": w, "b": b}


def class_path(value) -> str:
    """'builtins.dict', 'numpy.ndarray', 'Beras.layers.Dense': what the value is, by name.

    Patched: a name the host uses only to fail an item or word its feedback.
    """
    kind = type(value)
    return f"{kind.__module__}.{kind.__qualname__}"


def onehot_fit(encoder, labels):
    """fit(labels), then what the encoder holds: uniq, the class path of uniq2oh and its
    (key, value) pairs when it has items() (else None; the host decides what it is).

    Patched: the host checks uniq and every pair against np.unique and the identity; a
    right table is fit's work, and forward and inverse are checked through plain calls.
    """
    encoder.fit(labels)
    table = encoder.uniq2oh
    items = getattr(table, "items", None)
    pairs = [[key, row] for key, row in items()] if callable(items) else None
    return {"uniq": encoder.uniq, "table_type": class_path(table), "table": pairs}


def evaluate_probe(x, y, batch_size):
    """Model.evaluate on a probe model whose batch metrics are known: loss is the batch mean
    of x, acc the batch mean of y. A batch_step with training=True also adds TRAINING_MARK
    to the loss it returns, so a training evaluate shows in what evaluate itself returns.

    Returns:
        dict with "result" (what evaluate returned) and "steps" ([first x, batch size,
        training] per batch_step call; an observation, for feedback).

    Patched: the host scores the result against its own batch means of x and y; the
    steps can only cost points. To pass, a result must hold the right means over full
    batches without the mark: evaluate's work, unless the patch undoes the mark itself.
    """
    import Beras

    class Probe(Beras.Model):
        def call(self, inputs):
            return inputs

        def batch_step(self, xb, yb, training=True):
            self.steps.append([float(xb[0, 0]), len(xb), bool(training)])
            mark = TRAINING_MARK if training else 0.0
            return {"loss": self.compiled_loss(self.call(xb), yb) + mark,
                    "acc": self.compiled_acc(self.call(xb), yb)}

    model = Probe([])
    model.compile(None, lambda p, t: float(np.mean(p)), lambda p, t: float(np.mean(t)))
    model.steps = []
    result = model.evaluate(x, y, batch_size)
    return {"result": result, "steps": model.steps}


class Recorder:
    """An optimizer that records the gradients it is given and adds MARK in place to each
    float array it is given to update.

    Made by the host (op new) for SequentialModel.batch_step; the host then reads the
    layers' own arrays in a later request. They hold the marks only if batch_step handed
    the optimizer the layers' arrays themselves (Model.trainable_variables), and only
    when training.

    Patched: the marks must land in the layers' own arrays, and only when training: that
    is exactly what a right batch_step makes happen; the recorded gradients are compared
    with the student's own tape.gradient().
    """

    def __init__(self):
        self.calls = []

    def apply_gradients(self, weights, grads):
        self.calls.append([np.array(g) for g in grads])
        for w in weights:
            if isinstance(w, np.ndarray) and w.dtype.kind == "f":
                w += MARK


def recorder():
    """A fresh Recorder, to go back as a reference. Patched: see Recorder."""
    return Recorder()


def layer_outputs(layers, x):
    """x passed through each layer in turn (a reference point for SequentialModel.call).

    Patched: the host compares call(x) with it, and both with what the student's layers and
    loss give through plain calls; to agree, a patch must give the chain's own output.
    """
    for layer in layers:
        x = layer(x)
    return x


def fit_and_evaluate(model, x, y, epochs, batch_size):
    """model.fit then model.evaluate on (x, y); their metrics and every layer's final weights.

    Patched: metrics and weights compared with the reference's; right ones are fit's work.
    """
    import contextlib
    import io

    with contextlib.redirect_stdout(io.StringIO()):  # the reference runs in the grader
        history = model.fit(x, y, epochs=epochs, batch_size=batch_size)
        evaluated = model.evaluate(x, y, batch_size)
    weights = [np.array(w) for layer in model.layers for w in getattr(layer, "weights", [])]
    return {"fit": dict(history), "evaluate": dict(evaluated), "weights": weights}


def observed(a, rows=()):
    """What an array returned by the student's code is: its class path, and, for a numeric
    ndarray, its shape, its `rows` as they are (their own dtype) and every row's sum (in
    float64). Whole MNIST would cost seconds on the wire; these show the same mistakes.

    Patched: rows and row sums the host compares with its own reading of the files; right
    ones are the reading done right. The dtype arrives in the rows' own header.
    """
    facts = {"type": class_path(a)}
    if isinstance(a, np.ndarray) and a.dtype.kind in "biuf":
        facts["shape"] = list(a.shape)
        if a.ndim >= 1 and len(a) > 0:
            facts["row_sums"] = a.reshape(len(a), -1).sum(axis=1, dtype=np.float64)
            if rows and len(a) > max(rows):
                facts["rows"] = np.array(a[list(rows)])
    return facts


def mnist_summary(subset, data_path, rows):
    """preprocess.get_data_MNIST(subset, data_path), observed: the inputs as `observed`
    says, the labels whole (an (N,) array is small) when they are a numeric ndarray.

    Patched: the host judges both against the MNIST files it reads itself.
    """
    import preprocess

    inputs, labels = preprocess.get_data_MNIST(subset, data_path)
    summary = {"inputs": observed(inputs, rows=rows), "labels": observed(labels)}
    if isinstance(labels, np.ndarray) and labels.dtype.kind in "biuf":
        summary["labels"]["array"] = labels
    return summary


def _mnist(data_path, prefix):
    """MNIST images (N, 784) float32 in [0, 1] and labels (N,), read here, not by preprocess."""
    import gzip

    with gzip.open(f"{data_path}/mnist/{prefix}-images-idx3-ubyte.gz") as f:
        images = np.frombuffer(f.read(), dtype=np.uint8, offset=16)
    with gzip.open(f"{data_path}/mnist/{prefix}-labels-idx1-ubyte.gz") as f:
        labels = np.frombuffer(f.read(), dtype=np.uint8, offset=8)
    pixels = images.reshape(-1, 784)
    inputs = np.empty(pixels.shape, np.float32)  # one float32 copy: no temporary beside it
    np.divide(pixels, np.float32(255), out=inputs, dtype=np.float32)
    return inputs, labels


class TrainingStopped(BaseException):
    """fit was stopped early: it diverged, or ran well past its epochs (a BaseException,
    so that the submission's `except Exception` does not swallow it).

    Patched: it only ever stops a fit early, which can cost its training items and
    nothing else."""


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

    Patched: the host scores the predictions against test labels it reads itself; right
    predictions are the model's work.
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
    del x, labels  # before the test set comes in
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

    Patched: what it finds is gradient-checked and reported ungraded: nothing to gain.
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
    keeping attributes that were the same array as a weight the same array.

    Patched: it serves the ungraded extra modules' checks only.
    """
    weights = getattr(module, "weights", None) or []
    for k, w in enumerate(weights):
        if isinstance(w, np.ndarray) and w.dtype.kind == "f" and w.dtype != np.float64:
            new = w.astype(np.float64)
            for attr, value in list(vars(module).items()):
                if value is w:
                    setattr(module, attr, new)
            weights[k] = new
