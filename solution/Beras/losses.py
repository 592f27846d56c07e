"""Losses: L = mean over the batch of per-sample losses l_b.

A loss's `input_gradients()` is the per-sample gradient dl_b/dpred_b, NOT divided by B:
`compose_to_weight` takes the batch mean, so `GradientTape.gradient()` is exactly dL/dw.
"""
import numpy as np

from .core import Diffable


def like_predictions(grad, y_pred):
    """Casts a loss gradient to the predictions' float dtype.

    One-hot targets are usually float64; without the cast, float32 predictions would get
    float64 gradients and the whole backward pass would run in float64 (about 2x slower).
    """
    if np.issubdtype(y_pred.dtype, np.floating):
        return grad.astype(y_pred.dtype, copy=False)
    return grad


class MeanSquaredError(Diffable):
    """The mean of (y_pred - y_true)**2 over every element."""

    def __init__(self):
        super().__init__()
        self.y_pred = None
        self.y_true = None
        self.outputs = None

    def forward(self, y_pred, y_true):
        """
        Args:
            y_pred: (B, n) predictions.
            y_true: (B, n) targets.

        Returns:
            The scalar loss, also stored as `self.outputs`.
        """
        # BEGIN SOLUTION
        self.y_pred = y_pred
        self.y_true = y_true
        self.outputs = np.mean((y_pred - y_true) ** 2)
        # END SOLUTION
        """ # BEGIN PROMPT
        self.y_pred = y_pred
        self.y_true = y_true
        self.outputs = None  # TODO: the mean squared error over every element
        """ # END PROMPT
        return self.outputs

    def input_gradients(self):
        """Returns: (B, n) per-sample gradients dl_b/dy_pred_b (see the module docstring)."""
        # BEGIN SOLUTION
        n = self.y_pred.shape[-1]
        return like_predictions(2 * (self.y_pred - self.y_true) / n, self.y_pred)
        # END SOLUTION
        """ # BEGIN PROMPT
        return None  # TODO: the gradient of each sample's loss (not divided by B)
        """ # END PROMPT


def clip_0_1(x, eps=1e-8):
    """Clips x into [eps, 1 - eps] so that logs and quotients stay finite."""
    return np.clip(x, eps, 1 - eps)


class CategoricalCrossentropy(Diffable):
    """The mean binary cross-entropy: mean_b(-mean_j[t log p + (1 - t) log(1 - p)])."""

    def __init__(self):
        super().__init__()
        self.inputs = None
        self.truths = None
        self.outputs = None

    def forward(self, inputs, truths):
        """
        Args:
            inputs: (B, n) predicted probabilities.
            truths: (B, n) targets, typically one-hot.

        Returns:
            The scalar loss, also stored as `self.outputs`.
        """
        ll_right = truths * np.log(clip_0_1(inputs))
        ll_wrong = (1 - truths) * np.log(clip_0_1(1 - inputs))
        nll_total = -np.mean(ll_right + ll_wrong, axis=-1)  # (B,) per-sample losses
        self.inputs = inputs
        self.truths = truths
        self.outputs = np.mean(nll_total, axis=0)
        return self.outputs

    def input_gradients(self):
        """Returns: (B, n) per-sample gradients (p - t) / clip(p - p**2) / n."""
        p, t = self.inputs, self.truths
        return like_predictions((p - t) / clip_0_1(p - p**2) / p.shape[-1], p)
