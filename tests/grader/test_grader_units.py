"""The trusted side's own arithmetic: closed forms and credit, without any submission."""
import numpy as np
import pytest

from autograder.checks import gradients, optimizers, training
from autograder.checks.numeric import closed_form_vjp
from autograder.feedback.diagnose import diagnose


@pytest.mark.parametrize("name", sorted(optimizers.REFERENCE))
def test_closed_forms_give_the_contracts_reference_numbers(name):
    settings, number = optimizers.REFERENCE[name]
    (after,), = optimizers.CLOSED_FORMS[name]([optimizers.W0], [[optimizers.G0]], 0.05,
                                              **settings)
    decimals = len(str(number[1]).split(".")[1])
    np.testing.assert_array_equal(np.round(after, decimals), number)


def test_adam_bias_correction_counts_calls_not_weights():
    weights, steps = optimizers.case(0, 3)
    right = optimizers.adam(weights, steps, 0.01)
    per_weight = optimizers.adam(weights, steps, 0.01, t_of=lambda call, k: 2 * call - 1 + k)
    np.testing.assert_array_equal(right[0][0], per_weight[0][0])  # weight 0, call 1: t = 1
    assert not np.allclose(right[0][1], per_weight[0][1])         # weight 1, call 1: t = 2


@pytest.mark.parametrize("accuracy, bar, credit", [
    (0.97, 0.95, 1.0), (0.95, 0.95, 1.0), (0.5, 0.85, 0.0), (0.3, 0.85, 0.0),
    (0.675, 0.85, 0.5), (0.725, 0.95, 0.5)])
def test_training_credit_is_linear_from_the_floor_to_the_bar(accuracy, bar, credit):
    assert training.credit(accuracy, bar, floor=0.5) == pytest.approx(credit)


def test_the_rubric_sets_the_course_bars_for_training():
    from autograder import rubric
    params = {i.id: i.params for i in rubric.load().items if i.id.startswith("train.")}
    assert params == {"train.simple": {"bar": 0.85, "floor": 0.5},
                      "train.advanced": {"bar": 0.95, "floor": 0.5}}


def test_the_true_gradient_of_dense_is_its_backward_pass():
    """Central differences of x @ w + b, taken here, give J wᵀ, the batch mean of xᵀ J, and
    the batch mean of J: what a right compose_to_input / compose_to_weight returns."""
    r = np.random.default_rng(1)
    x, w, b, J = (r.normal(size=shape) for shape in ((3, 4), (4, 2), (2,), (3, 2)))
    dx, (dw, db) = closed_form_vjp(lambda x, w, b: x @ w + b, x, J, (w, b))
    np.testing.assert_allclose(dx, J @ w.T, rtol=1e-6)
    np.testing.assert_allclose(dw, x.T @ J / 3, rtol=1e-6)
    np.testing.assert_allclose(db, J.mean(axis=0), rtol=1e-6)


def test_the_true_gradient_of_the_tape_model_is_backpropagation():
    """tape.gradients' expected answer, by hand: Dense → LeakyReLU → Dense → Softmax → MSE."""
    case = gradients.model_case(0)
    x, y, w1, b1, w2, b2 = (case[k] for k in ("x", "y", "w1", "b1", "w2", "b2"))
    z = x @ w1 + b1
    hidden = np.where(z > 0, z, gradients.ALPHA * z)
    s = gradients.softmax(hidden @ w2 + b2)
    d_s = 2 * (s - y) / s.size
    d_logits = s * (d_s - np.sum(d_s * s, axis=-1, keepdims=True))
    d_z = (d_logits @ w2.T) * np.where(z > 0, 1, gradients.ALPHA)
    by_hand = [x.T @ d_z, d_z.sum(axis=0), hidden.T @ d_logits, d_logits.sum(axis=0)]
    for want, got in zip(by_hand, gradients.true_gradient(case, gradients.mse)):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-9)


def test_a_zero_answer_is_called_a_placeholder_not_a_factor():
    said = diagnose(np.array([[1.0, -2.0]]), np.zeros((1, 2)))
    assert "placeholder" in said and "factor" not in said


def watched_fit(losses, weights, epochs=1, per_epoch=3, steps=None):
    """Run a fake fit through the training watch: one batch_step per loss."""
    from autograder.guest.procedures import _watched
    step = _watched(lambda x, y, training=True: {"loss": losses.pop(0)},
                    lambda: weights, (epochs + 1) * per_epoch, per_epoch)
    for _ in range(steps if steps is not None else len(losses)):
        step(None, None, training=True)


def test_a_fit_whose_weights_went_nan_is_stopped_with_where():
    from autograder.guest.procedures import TrainingStopped
    with pytest.raises(TrainingStopped, match=r"diverged: after training step 2 \(epoch 1\)"):
        watched_fit([0.5, float("nan"), 0.1], [np.zeros(3), np.array([1.0, np.inf])])


def test_a_non_finite_loss_with_finite_weights_goes_on():
    """A loss may overflow on one batch while the weights are fine: not a divergence."""
    watched_fit([0.5, float("inf"), 0.1], [np.zeros(3)])


def test_a_fit_past_one_extra_epoch_is_stopped():
    from autograder.guest.procedures import TrainingStopped
    watched_fit([0.1] * 6, [np.zeros(3)], epochs=1, per_epoch=3)  # one extra epoch: fine
    with pytest.raises(TrainingStopped, match="training step 7 .*allow 3 steps"):
        watched_fit([0.1] * 7, [np.zeros(3)], epochs=1, per_epoch=3)


def test_evaluation_steps_are_not_counted():
    from autograder.guest.procedures import _watched
    step = _watched(lambda x, y, training=True: {"loss": 0.1}, lambda: [], 1, 1)
    for _ in range(5):
        step(None, None, training=False)
        step(None, None, False)
    step(None, None, training=True)
