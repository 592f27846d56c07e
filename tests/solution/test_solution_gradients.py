"""Finite-difference checks of every reference Diffable and of GradientTape.gradient(),
plus the vectorized core and CategoricalCrossentropy against per-sample loops."""
import numpy as np
import pytest

from Beras.activations import LeakyReLU, ReLU, Sigmoid, Softmax
from Beras.core import Diffable, GradientTape
from Beras.layers import Dense
from Beras.losses import CategoricalCrossentropy, MeanSquaredError

B = 4  # batch size of every check


def numerical_gradient(f, x, h=1e-6):
    """Central differences of the scalar f() with respect to x, which f reads in place."""
    grad = np.zeros(x.shape)
    for idx in np.ndindex(x.shape):
        saved = x[idx]
        x[idx] = saved + h
        up = f()
        x[idx] = saved - h
        down = f()
        x[idx] = saved
        grad[idx] = (up - down) / (2 * h)
    return grad


def off_kinks(rng, shape):
    """Random float64 values with |x| in [0.1, 2]: far from the kink at 0."""
    return rng.uniform(0.1, 2, shape) * rng.choice([-1, 1], shape)


def float64_dense(rng, n_in, n_out, bias_shape=None):
    """A Dense layer with random float64 weights (the initializer gives float32)."""
    layer = Dense(n_in, n_out)
    layer.w = rng.normal(size=(n_in, n_out))
    layer.b = rng.normal(size=bias_shape or n_out)
    layer.weights = [layer.w, layer.b]
    return layer


MODULES = {  # name -> (factory(rng), input width, output width)
    "Dense": (lambda rng: float64_dense(rng, 5, 3), 5, 3),
    "LeakyReLU": (lambda rng: LeakyReLU(0.3), 5, 5),
    "ReLU": (lambda rng: ReLU(), 5, 5),
    "Softmax": (lambda rng: Softmax(), 5, 5),
    "Sigmoid": (lambda rng: Sigmoid(), 5, 5),
}


@pytest.mark.parametrize("name", MODULES)
def test_compose_to_input_matches_finite_differences(name, rng):
    make, n_in, n_out = MODULES[name]
    module = make(rng)
    x, J = off_kinks(rng, (B, n_in)), rng.normal(size=(B, n_out))
    module(x)
    got = module.compose_to_input(J)
    # row b of compose_to_input is d(J[b] . f(x_b)) / dx_b
    want = numerical_gradient(lambda: np.sum(J * module(x)), x)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("bias_shape", [(3,), (1, 3)])
def test_dense_compose_to_weight_matches_finite_differences(bias_shape, rng):
    layer = float64_dense(rng, 5, 3, bias_shape)
    x, J = rng.normal(size=(B, 5)), rng.normal(size=(B, 3))
    layer(x)
    got = layer.compose_to_weight(J)
    assert [g.shape for g in got] == [(5, 3), bias_shape]
    for g, w in zip(got, layer.weights):
        # compose_to_weight is the batch mean of the per-sample gradients
        want = numerical_gradient(lambda: np.sum(J * layer(x)), w) / B
        np.testing.assert_allclose(g, want, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", ["LeakyReLU", "ReLU", "Softmax", "Sigmoid"])
def test_activations_have_no_weight_gradients(name, rng):
    module = MODULES[name][0](rng)
    module(off_kinks(rng, (B, 5)))
    assert tuple(module.weight_gradients()) == ()


def mse_case(rng):
    return rng.normal(size=(B, 6)), rng.normal(size=(B, 6))


def cce_case(rng):
    probs = rng.uniform(0.05, 0.95, (B, 6))  # inside the clip range
    return probs, np.eye(6)[rng.integers(0, 6, B)]


@pytest.mark.parametrize("loss_cls, make_case", [
    (MeanSquaredError, mse_case), (CategoricalCrossentropy, cce_case)])
def test_loss_input_gradients_are_per_sample(loss_cls, make_case, rng):
    loss = loss_cls()
    pred, truth = make_case(rng)
    loss(pred, truth)
    got = loss.input_gradients()
    # the loss is a batch mean, and input_gradients is NOT divided by B
    want = B * numerical_gradient(lambda: loss(pred, truth), pred)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)


def test_mse_input_gradients_formula(rng):
    pred, truth = mse_case(rng)
    loss = MeanSquaredError()
    loss(pred, truth)
    np.testing.assert_allclose(loss.input_gradients(), 2 * (pred - truth) / 6)


@pytest.mark.parametrize("loss_cls, make_case", [
    (MeanSquaredError, mse_case), (CategoricalCrossentropy, cce_case)])
def test_tape_gradient_matches_finite_differences(loss_cls, make_case, rng):
    layers = [float64_dense(rng, 6, 5), LeakyReLU(0.3), float64_dense(rng, 5, 6), Softmax()]
    loss_fn = loss_cls()
    x = rng.normal(size=(B, 6))
    _, truth = make_case(rng)

    def loss():
        h = x
        for layer in layers:
            h = layer(h)
        return loss_fn(h, truth)

    with GradientTape() as tape:
        loss()
    assert abs(layers[0].outputs).min() > 1e-3  # LeakyReLU's inputs are off the kink
    assert tape.operations == layers + [loss_fn]
    assert Diffable.gradient_tape is None

    got = tape.gradient()
    weights = layers[0].weights + layers[2].weights  # forward order [w1, b1, w2, b2]
    assert [g.shape for g in got] == [w.shape for w in weights]
    for g, w in zip(got, weights):
        np.testing.assert_allclose(g, numerical_gradient(loss, w), rtol=1e-5, atol=1e-8)


def test_tape_skips_untrainable_layers(rng):
    frozen, trained = float64_dense(rng, 4, 3), float64_dense(rng, 3, 2)
    frozen.trainable = False
    with GradientTape() as tape:
        MeanSquaredError()(trained(frozen(rng.normal(size=(B, 4)))), rng.normal(size=(B, 2)))
    assert [g.shape for g in tape.gradient()] == [(3, 2), (2,)]


# --- the vectorized core against the per-sample loops of the contract ----------------

def loop_compose_to_input(ig, J):
    out = np.zeros((len(J), ig.shape[-2]))
    for b in range(len(J)):
        ig_b = ig[b] if ig.ndim == 3 else ig
        out[b] = ig_b @ J[b]
    return out


def loop_compose_to_weight(weights, wgs, J):
    grads = []
    for w, wg in zip(weights, wgs):
        per_sample = np.zeros((len(J), *w.shape))
        for b in range(len(J)):
            wg_b = wg[b] if wg.ndim == 3 else wg
            per_sample[b] = wg_b * J[b]
        grads.append(per_sample.mean(axis=0))
    return grads


class Stub(Diffable):
    """A Diffable whose gradients are given arrays."""

    def __init__(self, ig=None, weights=(), wgs=()):
        super().__init__()
        self.ig, self.weights, self.wgs = ig, list(weights), tuple(wgs)

    def forward(self, inputs):
        return inputs

    def input_gradients(self):
        return self.ig

    def weight_gradients(self):
        return self.wgs


@pytest.mark.parametrize("ig_shape", [(5, 3), (B, 5, 3)], ids=["shared", "per-sample"])
def test_compose_to_input_equals_per_sample_loop(ig_shape, rng):
    ig, J = rng.normal(size=ig_shape), rng.normal(size=(B, 3))
    got = Stub(ig=ig).compose_to_input(J)
    np.testing.assert_allclose(got, loop_compose_to_input(ig, J), rtol=1e-12)


@pytest.mark.parametrize("w_shape, wg_shape", [
    ((5, 3), (B, 5, 1)),  # Dense's usual per-sample inputs
    ((5, 3), (B, 5, 3)),  # a per-sample full stack
    ((5, 3), (5, 3)),     # shared
    ((5, 3), (5, 1)),     # shared, broadcast along out
    ((3,), (3,)),         # bias, ones like b
    ((3,), (1, 3)),       # bias, (1, out) ones
    ((1, 3), (3,)),       # (1, out) bias
    ((1, 3), (B, 1, 3)),  # per-sample (1, out)
])
def test_compose_to_weight_equals_per_sample_loop(w_shape, wg_shape, rng):
    w, wg, J = np.zeros(w_shape), rng.normal(size=wg_shape), rng.normal(size=(B, 3))
    [got] = Stub(weights=[w], wgs=[wg]).compose_to_weight(J)
    [want] = loop_compose_to_weight([w], [wg], J)
    assert got.shape == w.shape
    np.testing.assert_allclose(got, want, rtol=1e-12)


def loop_cce(probs, truths, eps=1e-8):
    """The seed notebook's CategoricalCrossentropy, sample by sample (eps 1e-8)."""
    clip = lambda x: np.clip(x, eps, 1 - eps)
    losses, grads = [], np.zeros(probs.shape)
    for b, (p, t) in enumerate(zip(probs, truths)):
        losses.append(-np.mean(t * np.log(clip(p)) + (1 - t) * np.log(clip(1 - p))))
        grads[b] = (p - t) / clip(p - p**2) / len(p)
    return np.mean(losses), grads


@pytest.mark.parametrize("extreme", [False, True], ids=["interior", "clipped"])
def test_cce_equals_per_sample_loop(extreme, rng):
    probs = rng.uniform(0, 1, (B, 6))
    if extreme:  # exact 0s and 1s exercise the clip
        probs = np.round(probs)
    truths = np.eye(6)[rng.integers(0, 6, B)]
    loss = CategoricalCrossentropy()
    want_loss, want_grads = loop_cce(probs, truths)
    np.testing.assert_allclose(loss(probs, truths), want_loss, rtol=1e-12)
    np.testing.assert_allclose(loss.input_gradients(), want_grads, rtol=1e-12)


def test_losses_keep_float32_gradients():
    probs = np.full((2, 3), 0.5, dtype=np.float32)
    truths = np.eye(3)[[0, 2]]  # float64, as OneHotEncoder makes them
    for loss in (MeanSquaredError(), CategoricalCrossentropy()):
        loss(probs, truths)
        assert loss.input_gradients().dtype == np.float32
