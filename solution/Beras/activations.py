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
        # BEGIN SOLUTION
        self.inputs = inputs
        self.outputs = np.where(inputs > 0, inputs, self.alpha * inputs)
        # END SOLUTION
        """ # BEGIN PROMPT
        self.inputs = inputs
        self.outputs = None  # TODO: x where x > 0, alpha * x elsewhere
        """ # END PROMPT
        return self.outputs

    def input_gradients(self):
        """Returns: the elementwise derivative, shaped like the inputs."""
        # BEGIN SOLUTION
        slopes = np.where(self.inputs > 0, 1, self.alpha)
        return slopes.astype(self.outputs.dtype)  # float32 stays float32
        # END SOLUTION
        """ # BEGIN PROMPT
        return None  # TODO: the slope at every input
        """ # END PROMPT

    def compose_to_input(self, J):
        """Composes the cumulative jacobian with this module's input gradients.

        Args:
            J: (B, n) cumulative jacobian.

        Returns:
            (B, n) array.
        """
        # BEGIN SOLUTION
        return self.input_gradients() * J
        # END SOLUTION
        """ # BEGIN PROMPT
        return super().compose_to_input(J)  # TODO: Maybe you'll want to override the default?
        """ # END PROMPT


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
        # BEGIN SOLUTION
        self.inputs = inputs
        exps = np.exp(inputs - inputs.max(axis=-1, keepdims=True))  # cannot overflow
        self.outputs = exps / exps.sum(axis=-1, keepdims=True)
        # END SOLUTION
        """ # BEGIN PROMPT
        ## HINT: subtract each row's max before exponentiating (stable softmax)
        self.inputs = inputs
        self.outputs = None  # TODO: softmax over the last axis
        """ # END PROMPT
        return self.outputs

    def input_gradients(self):
        """Returns: (B, n, n) per-sample jacobians of the outputs with respect to the inputs."""
        # BEGIN SOLUTION
        s = self.outputs  # entry [b, i, j] is s_i (delta_ij - s_j): symmetric
        eye = np.eye(s.shape[-1], dtype=s.dtype)
        return s[..., :, np.newaxis] * (eye - s[..., np.newaxis, :])
        # END SOLUTION
        """ # BEGIN PROMPT
        return None  # TODO: one n-by-n jacobian per sample
        """ # END PROMPT


class Sigmoid(Diffable):
    """The logistic function 1 / (1 + exp(-x)) (elementwise)."""

    def __init__(self):
        super().__init__()
        self.inputs = None
        self.outputs = None

    def forward(self, inputs):
        """Args: inputs: array of any shape. Returns: array of the same shape, in (0, 1)."""
        # BEGIN SOLUTION
        self.inputs = inputs
        self.outputs = np.exp(-np.logaddexp(0, -inputs))  # 1 / (1 + e^-x), no overflow
        # END SOLUTION
        """ # BEGIN PROMPT
        self.inputs = inputs
        self.outputs = None  # TODO: 1 / (1 + exp(-x))
        """ # END PROMPT
        return self.outputs

    def input_gradients(self):
        """Returns: the elementwise derivative, shaped like the inputs."""
        # BEGIN SOLUTION
        return self.outputs * (1 - self.outputs)
        # END SOLUTION
        """ # BEGIN PROMPT
        return None  # TODO: the derivative, written with the outputs
        """ # END PROMPT

    def compose_to_input(self, J):
        """Composes the cumulative jacobian with this module's input gradients.

        Args:
            J: (B, n) cumulative jacobian.

        Returns:
            (B, n) array.
        """
        # BEGIN SOLUTION
        return self.input_gradients() * J
        # END SOLUTION
        """ # BEGIN PROMPT
        return super().compose_to_input(J)  # TODO: Maybe you'll want to override the default?
        """ # END PROMPT
