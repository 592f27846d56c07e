"""The core of Beras: callable and differentiable modules, and the gradient tape.

Shapes used throughout: B is the batch size, `in` a module's input width and `out` its
output width. A cumulative jacobian J of shape (B, out) holds, in row b, the gradient
of sample b's loss with respect to the module's output.
"""
from abc import ABC, abstractmethod

import numpy as np


class Callable(ABC):
    """A module that can be called: `module(x)` is `module.forward(x)`."""

    def __call__(self, *args, **kwargs):
        """Lets `self()` and `self.forward()` be the same."""
        return self.forward(*args, **kwargs)

    @abstractmethod
    def forward(self, *args, **kwargs):
        """Passes inputs through the module. May store inputs and outputs on `self`."""


class Diffable(Callable):
    """A module the gradient tape can differentiate through.

    Subclasses: Dense (layers.py); LeakyReLU, ReLU, Softmax, Sigmoid (activations.py);
    MeanSquaredError, CategoricalCrossentropy (losses.py).
    """

    gradient_tape = None  # the active GradientTape, shared by every Diffable

    def __init__(self):
        self.trainable = True

    def __call__(self, *args, **kwargs):
        """Runs `forward`, recording this module first if a gradient tape is active."""
        if Diffable.gradient_tape is not None:
            Diffable.gradient_tape.operations.append(self)
        return self.forward(*args, **kwargs)

    @abstractmethod
    def input_gradients(self):
        """The transposed local jacobian of the output with respect to the input.

        Returns:
            Either one (in, out) matrix shared by the batch, or a per-sample (B, in, out)
            stack. Elementwise modules may return an array shaped like their input and
            override `compose_to_input`.
        """

    def weight_gradients(self):
        """The local gradients of the output with respect to each weight.

        Returns:
            A tuple with one array per entry of `self.weights` (empty by default), in the
            form `compose_to_weight` expects.
        """
        return ()

    def compose_to_input(self, J):
        """Chains the cumulative jacobian through this module to its input.

        Args:
            J: (B, out) gradient of each sample's loss with respect to this output.

        Returns:
            (B, in) array whose row b is `ig_b @ J[b]`, where `ig = input_gradients()`
            and `ig_b = ig[b]` for a per-sample (B, in, out) stack, else `ig`.
        """
        ig = self.input_gradients()
        if ig.ndim == 3:
            return np.einsum("bio,bo->bi", ig, J)
        return J @ ig.T  # row b: ig @ J[b]

    def compose_to_weight(self, J):
        """Chains the cumulative jacobian through this module to each of its weights.

        Args:
            J: (B, out) gradient of each sample's loss with respect to this output.

        Returns:
            A list with one array per weight, shaped like it: the batch mean of
            `wg_b * J[b]` (elementwise, broadcast), where `wg_b = wg[b]` when the weight
            gradient `wg` has ndim 3 (per sample), else `wg`.
        """
        assert hasattr(self, "weights"), f"{type(self).__name__} has no weights"
        grads = []
        for w, wg in zip(self.weights, self.weight_gradients()):
            grad = _batch_mean_of_products(wg, J)
            if grad.shape != w.shape:  # e.g. an (out,) mean for a (1, out) bias
                grad = _broadcast_like(w, grad)
            grads.append(grad)
        return grads


def _broadcast_like(w, grad):
    """A fresh array shaped like w, filled with grad broadcast into that shape."""
    shaped = np.empty(w.shape, dtype=grad.dtype)
    shaped[...] = grad
    return shaped


def _batch_mean_of_products(wg, J):
    """mean_b(wg_b * J[b]) without a loop over the batch.

    Args:
        wg: a weight gradient, per sample (B, in, k) or shared (any shape).
        J: (B, out) cumulative jacobian.

    Returns:
        The batch mean, before it is broadcast into the weight's shape.
    """
    batch_size = J.shape[0]
    if wg.ndim != 3:
        return wg * J.mean(axis=0)  # the product is linear in J[b]
    if wg.shape[-1] == 1:
        return wg[:, :, 0].T @ (J / batch_size)  # the mean of outer products
    return np.einsum("bio,bo->io", wg, J) / batch_size


class GradientTape:
    """Records the Diffables called inside its `with` block.

    Example:
        with GradientTape() as tape:
            loss = loss_fn(model(x), y)
        grads = tape.gradient()
    """

    def __init__(self):
        self.operations = []  # the modules called while recording, in call order

    def __enter__(self):
        Diffable.gradient_tape = self
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        Diffable.gradient_tape = None

    def gradient(self):
        """The gradient of the recorded loss with respect to every trainable weight.

        The last recorded operation is the loss. Starting from its input gradients, walk
        the operations backwards; every trainable op with weights contributes its weight
        gradients, then the jacobian moves on to that op's input.

        Returns:
            A list of arrays shaped like the weights, in forward order [w1, b1, w2, ...].
        """
        # BEGIN SOLUTION
        loss, *ops = reversed(self.operations)
        J = loss.input_gradients()
        grads = []
        for i, op in enumerate(ops):
            if op.trainable and hasattr(op, "weights"):
                grads = op.compose_to_weight(J) + grads
            if i < len(ops) - 1:  # the first op's input gradient would go unused
                J = op.compose_to_input(J)
        return grads
        # END SOLUTION
        """ # BEGIN PROMPT
        grads = []
        ## TODO: start from the loss's input_gradients() and walk the operations
        ## backwards (see the docstring), prepending each op's weight gradients.
        return grads
        """ # END PROMPT
