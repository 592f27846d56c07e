from abc import ABC, abstractmethod
import time

import numpy as np


class Model(ABC):
    """A trainable stack of modules, compiled with an optimizer, a loss and a metric.

    Args:
        layers: the modules, in forward order.
    """

    def __init__(self, layers):
        self.layers = layers
        # references to the layers' own arrays: optimizers update them in place
        self.trainable_variables = [
            w for layer in layers
            if getattr(layer, "trainable", False) for w in getattr(layer, "weights", [])
        ]

    def compile(self, optimizer, loss_fn, acc_fn):
        """Sets the optimizer, the loss (`compiled_loss`) and the metric (`compiled_acc`)."""
        self.optimizer = optimizer
        self.compiled_loss = loss_fn
        self.compiled_acc = acc_fn

    def fit(self, x, y, epochs, batch_size):
        """Trains on sequential batches; the last partial batch is dropped.

        Args:
            x: (N, ...) inputs.
            y: (N, ...) targets.
            epochs: number of passes over the data.
            batch_size: samples per batch.

        Returns:
            {"loss": [...], "acc": [...]}: per epoch, the mean over its batches.
        """
        history = {}
        for epoch in range(epochs):
            start = time.perf_counter()
            metrics = self._run_batches(x, y, batch_size, training=True)
            for name, value in metrics.items():
                history.setdefault(name, []).append(value)
            seconds = time.perf_counter() - start
            print(f"Epoch {epoch + 1}/{epochs}: {_format(metrics)} ({seconds:.1f} s)")
        return history

    def evaluate(self, x, y, batch_size):
        """Like one epoch of `fit`, with training=False: no weight ever changes.

        Args:
            x: (N, ...) inputs.
            y: (N, ...) targets.
            batch_size: samples per batch; the last partial batch is dropped.

        Returns:
            {"loss": [mean], "acc": [mean]}, the same kind of dict as `fit`.
        """
        ## TODO: run every batch like fit does, but with training=False
        return {"loss": [], "acc": []}

    def _run_batches(self, x, y, batch_size, training):
        """Runs `batch_step` on every full batch; returns the mean of each metric."""
        totals = {}
        num_batches = len(x) // batch_size
        for b0 in range(0, num_batches * batch_size, batch_size):
            step = self.batch_step(x[b0:b0 + batch_size], y[b0:b0 + batch_size], training)
            for name, value in step.items():
                totals.setdefault(name, []).append(value)
        return {name: float(np.mean(values)) for name, values in totals.items()}

    @abstractmethod
    def call(self, inputs):
        """Args: inputs: (B, ...) batch. Returns: the model's outputs for it."""

    @abstractmethod
    def batch_step(self, x, y, training=True):
        """Runs one batch (forward, loss, and an update when training).

        Returns:
            {"loss": scalar, "acc": scalar} for the batch.
        """


def _format(metrics):
    return ", ".join(f"{name} {value:.4f}" for name, value in metrics.items())
