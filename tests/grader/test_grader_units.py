"""The trusted side's own arithmetic: closed forms and credit, without any submission."""
import numpy as np
import pytest

from autograder.checks import optimizers, training


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
