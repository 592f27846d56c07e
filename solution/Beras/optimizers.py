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
        # BEGIN SOLUTION
        for w, g in zip(weights, grads):
            w -= self.learning_rate * g
        # END SOLUTION
        """ # BEGIN PROMPT
        pass  # TODO: update every weight in place
        """ # END PROMPT


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
        # BEGIN SOLUTION
        for i, (w, g) in enumerate(zip(weights, grads)):
            self.v[i] = self.beta * self.v[i] + (1 - self.beta) * g**2
            w -= self.learning_rate * g / (np.sqrt(self.v[i]) + self.epsilon)
        # END SOLUTION
        """ # BEGIN PROMPT
        pass  # TODO: update every weight in place
        """ # END PROMPT


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
        # BEGIN SOLUTION
        self.t += 1
        for i, (w, g) in enumerate(zip(weights, grads)):
            if i not in self.m:  # the moments start at zero: float arrays, updated in place
                zero = np.zeros_like(g, dtype=np.result_type(g, 1.0))
                self.m[i], self.v[i] = zero, zero.copy()
            # The arithmetic of the docstring, in place where it can be: on a large layer,
            # each fresh temporary array costs more in page faults than its arithmetic.
            m, v = self.m[i], self.v[i]
            m *= self.beta_1
            m += (1 - self.beta_1) * g
            v *= self.beta_2
            v += (1 - self.beta_2) * g**2
            denominator = v / (1 - self.beta_2**self.t)  # v_hat, for now
            if self.amsgrad:  # the largest v_hat so far takes v_hat's place
                self.v_hat_max[i] = np.maximum(self.v_hat_max[i], denominator,
                                               out=denominator).copy()
            np.sqrt(denominator, out=denominator)
            denominator += self.epsilon
            m_hat = m / (1 - self.beta_1**self.t)
            m_hat *= self.learning_rate
            m_hat /= denominator
            w -= m_hat  # w -= lr * m_hat / (sqrt(v_hat) + epsilon)
        # END SOLUTION
        """ # BEGIN PROMPT
        pass  # TODO: update every weight in place
        """ # END PROMPT
