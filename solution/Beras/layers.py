import numpy as np

from .core import Diffable

INITIALIZERS = ("zero", "normal", "xavier", "kaiming")


class Dense(Diffable):
    """A fully connected layer: outputs = inputs @ w + b.

    Args:
        input_size: number of input features, `in`.
        output_size: number of output features, `out`.
        initializer: how to draw the initial weights; one of "zero", "normal",
            "xavier" or "kaiming".
    """

    def __init__(self, input_size, output_size, initializer="kaiming"):
        super().__init__()
        self.w, self.b = Dense._initialize_weight(initializer, input_size, output_size)
        self.weights = [self.w, self.b]
        self.inputs = None
        self.outputs = None

    def forward(self, inputs):
        """The affine transform of a batch.

        Args:
            inputs: (B, in) array.

        Returns:
            (B, out) array `inputs @ w + b`, also stored as `self.outputs`.
        """
        # BEGIN SOLUTION
        self.inputs = inputs
        self.outputs = inputs @ self.w + self.b
        # END SOLUTION
        """ # BEGIN PROMPT
        self.inputs = inputs
        self.outputs = None  # TODO: compute the affine transform x @ w + b
        """ # END PROMPT
        return self.outputs

    def input_gradients(self):
        """The transposed jacobian of the outputs with respect to the inputs.

        Returns:
            (in, out) array, shared by every sample of the batch.
        """
        # BEGIN SOLUTION
        return self.w
        # END SOLUTION
        """ # BEGIN PROMPT
        return None  # TODO: how does each output change with each input?
        """ # END PROMPT

    def weight_gradients(self):
        """The local gradients of the outputs with respect to w and b.

        Returns:
            (wgrads, bgrads): wgrads is (B, in, 1) or (B, in, out) and bgrads is shaped
            like b, such that `compose_to_weight` turns them into dL/dw and dL/db.
        """
        # BEGIN SOLUTION
        wgrads = self.inputs[:, :, np.newaxis]
        bgrads = np.ones_like(self.b)
        # END SOLUTION
        """ # BEGIN PROMPT
        wgrads = None  # TODO: gradient of the outputs with respect to w
        bgrads = None  # TODO: gradient of the outputs with respect to b
        """ # END PROMPT
        return wgrads, bgrads

    @staticmethod
    def _initialize_weight(initializer, input_size, output_size):
        """Draws the initial weights and bias.

        The weights are float32, like the MNIST inputs, which makes training about twice
        as fast as float64; forward also works with float64 inputs and weights.

        Args:
            initializer: "zero" (all zeros), "normal" (std 1), "xavier" (Glorot normal,
                std sqrt(2 / (in + out))) or "kaiming" (He normal, std sqrt(2 / in)).
            input_size: number of input features, `in`.
            output_size: number of output features, `out`.

        Returns:
            (w, b): (in, out) weights and (out,) zero bias.

        Raises:
            AssertionError: the initializer is none of the four above.
        """
        # BEGIN SOLUTION
        if initializer not in INITIALIZERS:
            raise AssertionError(
                f"Unknown initializer {initializer!r}: choose one of {', '.join(INITIALIZERS)}")
        std = {
            "zero": 0.0,
            "normal": 1.0,
            "xavier": np.sqrt(2 / (input_size + output_size)),
            "kaiming": np.sqrt(2 / input_size),
        }[initializer]
        w = np.random.normal(0.0, std, size=(input_size, output_size)).astype(np.float32)
        b = np.zeros(output_size, dtype=np.float32)
        return w, b
        # END SOLUTION
        """ # BEGIN PROMPT
        ## TODO: raise AssertionError for an unknown initializer, then draw w with the
        ## initializer's standard deviation; b starts at zero
        return None, None
        """ # END PROMPT
