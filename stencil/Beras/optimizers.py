"""Optimizers. `apply_gradients(weights, grads)` updates every weight IN PLACE
(`w -= ...`), because `Model.trainable_variables` holds references to the layers'
arrays. Per-weight state is kept by the weight's index in `weights`.
"""
from collections import defaultdict

import numpy as np


class BasicOptimizer:
    """Stochastic gradient descent: w -= lr * g.

    Args:
        learning_rate: the step size lr.
    """

    def __init__(self, learning_rate):
        self.learning_rate = learning_rate

    def apply_gradients(self, weights, grads):
        """
        Args:
            weights: list of arrays, updated in place.
            grads: list of arrays shaped like the weights.
        """
        pass  # TODO: update every weight in place


class RMSProp:
    """RMSProp: v = beta v + (1 - beta) g**2, then w -= lr g / (sqrt(v) + epsilon).

    Args:
        learning_rate: the step size lr.
        beta: decay rate of the running mean of squared gradients.
        epsilon: keeps the division finite.
    """

    def __init__(self, learning_rate, beta=0.9, epsilon=1e-6):
        self.learning_rate = learning_rate
        self.beta = beta
        self.epsilon = epsilon
        self.v = defaultdict(lambda: 0)  # weight index -> running mean of g**2

    def apply_gradients(self, weights, grads):
        """
        Args:
            weights: list of arrays, updated in place.
            grads: list of arrays shaped like the weights.
        """
        pass  # TODO: update every weight in place


class Adam:
    """Adam with bias-corrected moments; t counts `apply_gradients` calls.

    m = b1 m + (1 - b1) g,  v = b2 v + (1 - b2) g**2,
    m_hat = m / (1 - b1**t),  v_hat = v / (1 - b2**t),
    w -= lr m_hat / (sqrt(v_hat) + epsilon).

    Args:
        learning_rate: the step size lr.
        beta_1: decay rate b1 of the first moment.
        beta_2: decay rate b2 of the second moment.
        epsilon: keeps the division finite.
        amsgrad: if True, divide by the largest v_hat seen so far (AMSGrad).
    """

    def __init__(self, learning_rate, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False):
        self.learning_rate = learning_rate
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.amsgrad = amsgrad
        self.m = defaultdict(lambda: 0)  # weight index -> first moment
        self.v = defaultdict(lambda: 0)  # weight index -> second moment
        self.v_hat_max = defaultdict(lambda: 0)  # weight index -> largest v_hat (amsgrad)
        self.t = 0  # number of apply_gradients calls so far

    def apply_gradients(self, weights, grads):
        """
        Args:
            weights: list of arrays, updated in place.
            grads: list of arrays shaped like the weights.
        """
        pass  # TODO: update every weight in place
