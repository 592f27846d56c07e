"""End to end: the submission's models trained on MNIST, scored on the test set (public,
but too slow for `make check`).

The worker fits the model and returns only its predicted digits for the test images; the
accuracy is computed here, against labels read here.
"""
import re

import numpy as np

from . import check
from .data import true_labels
from ..feedback import CheckFailed, Failure
from ..protocol.errors import StudentError

STOPPED = "TrainingStopped"  # guest/procedures.py stops a fit that diverged or overran


# what said() writes, read back by the class report
SAID = re.compile(r"Test accuracy (\d+(?:\.\d+)?) after")


def said(accuracy, epochs, batch_size, bar, floor) -> str:
    """The sentence every training item's output carries (read back by accuracy_in)."""
    return (f"Test accuracy {accuracy:.4f} after {epochs} epochs of batch size "
            f"{batch_size}. Full marks at {bar}; partial credit rises linearly from "
            f"{floor} (none) to {bar}.")


def accuracy_in(output: str) -> float | None:
    """The test accuracy a training item's output reports, or None (it did not train)."""
    found = SAID.search(output or "")
    return float(found.group(1)) if found else None


def credit(accuracy, bar, floor):
    return 1.0 if accuracy >= bar else max(0.0, (accuracy - floor) / (bar - floor))


def train(ctx, which):
    """Fit get_{which}_model_components() and score its test accuracy against the item's
    `bar` (full marks) and `floor` (no credit) from the rubric.

    Returns:
        (fraction, output): partial credit and the sentence that explains it.
    """
    checked = (f"get_{which}_model_components(): fit on the 60000 MNIST training images "
               "(one-hot labels np.eye(10)[labels]) with its epochs and batch_size, then "
               "model.call on the 10000 test images")
    try:
        got = ctx.student.proc("train_and_predict", which, "../data")
    except StudentError as e:
        if e.kind == STOPPED:  # diverged, or ran past its epochs: no waiting out the timeout
            raise CheckFailed(Failure(checked=checked, diagnosis=e.message)) from None
        raise
    labels = true_labels(ctx.data_dir, "t10k")
    predictions = got["predictions"]
    if not isinstance(predictions, np.ndarray) or predictions.shape != labels.shape:
        raise CheckFailed(Failure(
            checked=checked, what="predictions' shape", expected=labels.shape,
            got=getattr(predictions, "shape", predictions),
            diagnosis="model.call must return (B, 10) class scores for a (B, 784) batch"))
    accuracy = float(np.mean(predictions == labels))
    bar, floor = ctx.item.params["bar"], ctx.item.params["floor"]
    fraction = credit(accuracy, bar, floor)
    sentence = said(accuracy, got["epochs"], got["batch_size"], bar, floor)
    if fraction == 0:
        raise CheckFailed(Failure(checked=checked, diagnosis=f"too low for credit: {sentence}"))
    return fraction, f"Checked: {checked}\n{sentence}"


@check("train.simple")
def train_simple(ctx):
    return train(ctx, "simple")


@check("train.advanced")
def train_advanced(ctx):
    return train(ctx, "advanced")
