"""Behaviour of the reference modules, optimizers, encoder, model and components."""
import warnings

import numpy as np
import pytest

import assignment
from Beras.activations import LeakyReLU, ReLU, Sigmoid, Softmax
from Beras.layers import Dense
from Beras.losses import CategoricalCrossentropy, MeanSquaredError
from Beras.metrics import CategoricalAccuracy
from Beras.onehot import OneHotEncoder
from Beras.optimizers import Adam, BasicOptimizer, RMSProp

# --- layers and activations -----------------------------------------------------------

@pytest.mark.parametrize("name, std", [
    ("normal", 1.0), ("xavier", np.sqrt(2 / (784 + 256))), ("kaiming", np.sqrt(2 / 784))])
def test_initializer_statistics(name, std):
    np.random.seed(0)
    w, b = Dense._initialize_weight(name, 784, 256)
    assert w.shape == (784, 256) and w.dtype == np.float32
    assert abs(w.std() / std - 1) < 0.05
    assert abs(w.mean()) < 0.05 * std
    assert b.shape == (256,) and not b.any()


def test_zero_initializer_and_layer_attributes():
    layer = Dense(3, 2, initializer="zero")
    assert not layer.w.any() and not layer.b.any()
    assert layer.weights[0] is layer.w and layer.weights[1] is layer.b


def test_unknown_initializer_names_the_four_choices():
    with pytest.raises(AssertionError) as error:
        Dense(3, 2, initializer="bogus")
    for choice in ("zero", "normal", "xavier", "kaiming"):
        assert choice in str(error.value)


@pytest.mark.parametrize("x_dtype", [np.float32, np.float64])
@pytest.mark.parametrize("w_dtype", [np.float32, np.float64])
def test_dense_forward_any_float_dtype(x_dtype, w_dtype, rng):
    layer = Dense(4, 3)
    layer.w = rng.normal(size=(4, 3)).astype(w_dtype)
    layer.b = rng.normal(size=3).astype(w_dtype)
    layer.weights = [layer.w, layer.b]
    x = rng.normal(size=(2, 4)).astype(x_dtype)
    out = layer(x)
    assert out.dtype == np.result_type(x_dtype, w_dtype)
    np.testing.assert_allclose(out, x @ layer.w + layer.b, rtol=1e-6)
    assert layer.inputs is x and layer.outputs is out


def test_leaky_relu_and_relu_values():
    x = np.array([[-2.0, -0.5, 0.5, 3.0]])
    np.testing.assert_allclose(LeakyReLU(0.3)(x), [[-0.6, -0.15, 0.5, 3.0]])
    np.testing.assert_allclose(LeakyReLU()(x), [[-0.6, -0.15, 0.5, 3.0]])  # alpha 0.3
    np.testing.assert_allclose(ReLU()(x), [[0, 0, 0.5, 3.0]])


def test_softmax_rows_sum_to_one_and_shift_invariant(rng):
    x = rng.normal(size=(3, 5))
    s = Softmax()(x)
    np.testing.assert_allclose(s.sum(axis=-1), 1)
    np.testing.assert_allclose(Softmax()(x + 100), s)


def test_softmax_and_sigmoid_stable_on_large_inputs():
    x = np.array([[1000.0, 0.0, -1000.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warning either
        s, g = Softmax()(x), Sigmoid()(x)
    np.testing.assert_allclose(s, [[1, 0, 0]])
    np.testing.assert_allclose(g, [[1, 0.5, 0]])


def test_softmax_jacobian_is_per_sample(rng):
    softmax = Softmax()
    s = softmax(rng.normal(size=(2, 3)))
    jac = softmax.input_gradients()
    assert jac.shape == (2, 3, 3)
    np.testing.assert_allclose(jac[1], np.diag(s[1]) - np.outer(s[1], s[1]))


@pytest.mark.parametrize("module", [LeakyReLU(), Sigmoid(), Softmax()])
def test_float32_stays_float32(module):
    x = np.linspace(-2, 2, 12, dtype=np.float32).reshape(3, 4) + 0.01
    assert module(x).dtype == np.float32
    assert module.compose_to_input(np.ones((3, 4), np.float32)).dtype == np.float32


# --- losses and metric ----------------------------------------------------------------

def test_loss_values():
    pred, truth = np.array([[0.5, 0.0]]), np.array([[1.0, 0.0]])
    assert MeanSquaredError()(pred, truth) == pytest.approx(0.125)
    assert CategoricalCrossentropy()(pred, truth) == pytest.approx(np.log(2) / 2)
    ones = np.ones((3, 3))
    assert CategoricalCrossentropy()(ones, 0 * ones) == pytest.approx(-np.log(1e-8))


def test_categorical_accuracy():
    probs = np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7], [0.6, 0.4]])
    labels = np.eye(2)[[1, 0, 0, 0]]
    assert CategoricalAccuracy()(probs, labels) == pytest.approx(0.75)


# --- optimizers -------------------------------------------------------------------------

@pytest.mark.parametrize("optimizer, want, atol", [  # atol: half the table's last digit
    (BasicOptimizer(0.05), [-1.025, 1.025], 5e-4),
    (RMSProp(0.05, beta=0.8, epsilon=1e-7), [-1.1118, 1.1118], 5e-5),
    (Adam(0.05, beta_1=0.8, beta_2=0.888, epsilon=1e-6), [-1.0499999, 1.0499999], 5e-8),
], ids=["SGD", "RMSProp", "Adam"])
def test_optimizer_reference_step_in_place(optimizer, want, atol):
    w = np.array([-1.0, 1.0])
    optimizer.apply_gradients([w], [np.array([0.5, -0.5])])
    np.testing.assert_allclose(w, want, rtol=0, atol=atol)


@pytest.mark.parametrize("make", [
    lambda: RMSProp(0.01), lambda: Adam(0.01), lambda: Adam(0.01, amsgrad=True)])
def test_optimizer_state_per_weight_and_step(make, rng):
    """Two weights in one call move as each would alone: state per index, t per call."""
    w1, w2 = rng.normal(size=3), rng.normal(size=(2, 2))
    alone1, alone2 = w1.copy(), w2.copy()
    together, opt1, opt2 = make(), make(), make()
    for _ in range(3):
        g1, g2 = rng.normal(size=3), rng.normal(size=(2, 2))
        together.apply_gradients([w1, w2], [g1, g2])
        opt1.apply_gradients([alone1], [g1])
        opt2.apply_gradients([alone2], [g2])
    np.testing.assert_allclose(w1, alone1)
    np.testing.assert_allclose(w2, alone2)
    if isinstance(together, Adam):
        assert together.t == 3


def test_amsgrad_uses_the_largest_second_moment():
    plain, ams = Adam(0.1), Adam(0.1, amsgrad=True)
    w_plain, w_ams = np.zeros(1), np.zeros(1)
    for g in (10.0, 0.1, 0.1):
        plain.apply_gradients([w_plain], [np.array([g])])
        ams.apply_gradients([w_ams], [np.array([g])])
    assert w_ams[0] > w_plain[0]  # smaller late steps: both descend, amsgrad less far


# --- one-hot encoder --------------------------------------------------------------------

def test_onehot_round_trip_with_arbitrary_labels():
    labels = np.array([42, -3, 7, 42, 1000, -3])
    ohe = OneHotEncoder()
    encoded = ohe(labels)  # forward fits first
    np.testing.assert_array_equal(ohe.uniq, [-3, 7, 42, 1000])
    np.testing.assert_array_equal(encoded, np.eye(4)[[2, 0, 1, 2, 3, 0]])
    np.testing.assert_array_equal(ohe.uniq2oh[1000], [0, 0, 0, 1])
    np.testing.assert_array_equal(ohe.inverse(encoded), labels)


def test_onehot_string_labels_and_explicit_fit():
    ohe = OneHotEncoder()
    ohe.fit(np.array(["cat", "dog", "ant"]))
    np.testing.assert_array_equal(ohe(np.array(["dog", "ant"])), [[0, 0, 1], [1, 0, 0]])
    np.testing.assert_array_equal(ohe.inverse(np.eye(3)), ["ant", "cat", "dog"])


# --- model and components ---------------------------------------------------------------

def small_model(optimizer):
    model = assignment.SequentialModel([Dense(6, 5), LeakyReLU(), Dense(5, 3), Softmax()])
    model.compile(optimizer=optimizer, loss_fn=CategoricalCrossentropy(),
                  acc_fn=CategoricalAccuracy())
    return model


def small_data(rng, n=50):
    return rng.normal(size=(n, 6)).astype(np.float32), np.eye(3)[rng.integers(0, 3, n)]


def test_evaluate_changes_no_weight(rng, capsys):
    model = small_model(Adam(0.1))
    before = [w.copy() for w in model.trainable_variables]
    result = model.evaluate(*small_data(rng), batch_size=10)
    for w, saved in zip(model.trainable_variables, before):
        np.testing.assert_array_equal(w, saved)
    assert model.optimizer.t == 0
    assert set(result) == {"loss", "acc"} and all(len(v) == 1 for v in result.values())


def test_fit_updates_in_place_and_drops_partial_batch(rng, capsys):
    model = small_model(Adam(0.01))
    arrays = list(model.trainable_variables)
    before = [w.copy() for w in arrays]
    seen = []
    step = model.batch_step
    model.batch_step = lambda x, y, training=True: seen.append(len(x)) or step(x, y, training)
    history = model.fit(*small_data(rng, n=47), epochs=3, batch_size=10)
    assert seen == [10] * 12  # 4 full batches per epoch, the last 7 samples dropped
    assert model.optimizer.t == 12
    assert set(history) == {"loss", "acc"} and all(len(v) == 3 for v in history.values())
    assert all(a is b for a, b in zip(model.trainable_variables, arrays))
    assert not any(np.array_equal(w, saved) for w, saved in zip(arrays, before))
    assert len(capsys.readouterr().out.splitlines()) <= 3  # light progress output


def test_fit_lowers_the_loss(rng, capsys):
    model = small_model(Adam(0.01))
    x, y = small_data(rng, n=100)
    history = model.fit(x, y, epochs=20, batch_size=20)
    assert history["loss"][-1] < 0.8 * history["loss"][0]


def test_simple_components_follow_the_contract():
    args = assignment.get_simple_model_components()
    dense, softmax = args.model.layers
    assert isinstance(dense, Dense) and dense.w.shape == (784, 10)
    assert isinstance(softmax, Softmax)
    assert isinstance(args.model.optimizer, BasicOptimizer)
    assert args.model.optimizer.learning_rate == 0.2
    assert isinstance(args.model.compiled_loss, MeanSquaredError)
    assert isinstance(args.model.compiled_acc, CategoricalAccuracy)
    assert (args.epochs, args.batch_size) == (10, 100)


def test_advanced_components_are_multilayer():
    args = assignment.get_advanced_model_components()
    assert sum(isinstance(layer, Dense) for layer in args.model.layers) >= 2
    assert args.model.call(np.zeros((7, 784), np.float32)).shape == (7, 10)
    assert args.epochs > 0 and args.batch_size > 0
