import numpy as np

from .core import Diffable


class LeakyReLU(Diffable):
    """x where x > 0, alpha * x elsewhere (elementwise).

    Args:
        alpha: the slope for non-positive inputs.
    """

    def __init__(self, alpha=0.3):
        super().__init__()
        self.alpha = alpha
        self.inputs = None
        self.outputs = None

    def forward(self, inputs):
        """Args: inputs: array of any shape. Returns: array of the same shape."""
        self.inputs = inputs
        self.outputs = None  # TODO: x where x > 0, alpha * x elsewhere
        return self.outputs

    def input_gradients(self):
        """Returns: the elementwise derivative, shaped like the inputs."""
        return None  # TODO: the slope at every input

    def compose_to_input(self, J):
        """Composes the cumulative jacobian with this module's input gradients.

        Args:
            J: (B, n) cumulative jacobian.

        Returns:
            (B, n) array.
        """
        return super().compose_to_input(J)  # TODO: Maybe you'll want to override the default?


class ReLU(LeakyReLU):
    """max(x, 0): a LeakyReLU with alpha 0."""

    def __init__(self):
        super().__init__(alpha=0)


class Softmax(Diffable):
    """Softmax over the last axis: exp(x_i) / sum_j exp(x_j)."""

    def __init__(self):
        super().__init__()
        self.inputs = None
        self.outputs = None

    def forward(self, inputs):
        """Args: inputs: (B, n) logits. Returns: (B, n) rows that sum to 1."""
        ## HINT: subtract each row's max before exponentiating (stable softmax)
        self.inputs = inputs
        self.outputs = None  # TODO: softmax over the last axis
        return self.outputs

    def input_gradients(self):
        """Returns: (B, n, n) per-sample jacobians of the outputs with respect to the inputs."""
        return None  # TODO: one n-by-n jacobian per sample


class Sigmoid(Diffable):
    """The logistic function 1 / (1 + exp(-x)) (elementwise)."""

    def __init__(self):
        super().__init__()
        self.inputs = None
        self.outputs = None

    def forward(self, inputs):
        """Args: inputs: array of any shape. Returns: array of the same shape, in (0, 1)."""
        self.inputs = inputs
        self.outputs = None  # TODO: 1 / (1 + exp(-x))
        return self.outputs

    def input_gradients(self):
        """Returns: the elementwise derivative, shaped like the inputs."""
        return None  # TODO: the derivative, written with the outputs

    def compose_to_input(self, J):
        """Composes the cumulative jacobian with this module's input gradients.

        Args:
            J: (B, n) cumulative jacobian.

        Returns:
            (B, n) array.
        """
        return super().compose_to_input(J)  # TODO: Maybe you'll want to override the default?
