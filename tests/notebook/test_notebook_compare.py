"""The tolerant comparison of a cell's output with its Expected Output block."""
import numpy as np
import pytest

from autograder.notebook.compare import MAX_DIFF_LINES, compare_outputs, normalize_whitespace

EXPECTED = """Compose To Input:
[[ 0.45278918  0.00442565 -0.45647263]
 [ 0.14395166 -0.49530368  0.26828646]]
loss: 13.815510557964274"""


def test_a_1e_7_relative_change_passes():
    got = EXPECTED.replace("0.14395166", repr(0.14395166 * (1 + 1e-7)))
    assert got != EXPECTED
    assert compare_outputs(EXPECTED, got).passed


def test_a_flipped_sign_fails_and_names_the_number():
    result = compare_outputs(EXPECTED, EXPECTED.replace("-0.49530368", " 0.49530368"))
    assert not result.passed
    assert result.feedback.startswith(
        "line 3, 2nd number: expected `-0.49530368`, got `0.49530368`\n")
    assert "  -   3:  [ 0.14395166 -0.49530368  0.26828646]]" in result.feedback
    assert "  +   3:  [ 0.14395166  0.49530368  0.26828646]]" in result.feedback


@pytest.mark.parametrize("shape", [(3, 2), (6,), (1, 6), (2, 3, 1)])
def test_a_wrong_shape_fails(shape):
    values = np.array([[0.45278918, 0.00442565, -0.45647263],
                       [0.14395166, -0.49530368, 0.26828646]])
    right = f"Compose To Input:\n{values}\nloss: 13.815510557964274"
    assert compare_outputs(EXPECTED, right).passed  # the same numbers, as numpy prints them
    wrong = f"Compose To Input:\n{values.reshape(shape)}\nloss: 13.815510557964274"
    result = compare_outputs(EXPECTED, wrong)
    assert not result.passed
    assert "the shape differs" in result.feedback


@pytest.mark.parametrize("expected, got, passes", [
    ("[nan  1.]", "[nan 1.]", True),
    ("nan", "NaN", True),
    ("nan", "0.", False),
    ("0.", "nan", False),
    ("[ inf -inf]", "[inf -inf]", True),
    ("-inf", "inf", False),
    ("inf", "1e308", False),
    ("[-0.  1.]", "[0. 1.]", True),
    ("0.", "-0.0", True),
    ("1.000000500029089e-06", "1.0000005e-06", True),
    ("1.000000500029089e-06", "0.000001000000500029089", True),
    ("1e-06", "1.1e-06", False),
    ("[1.e-10 1.e+00]", "[0. 1.]", True),  # within atol
    ("[1.e-07 1.e+00]", "[0. 1.]", False),
    ("1.2e+20", "1.2000001e+20", True),
    ("1.2e+20", "1.3e+20", False),
    ("0.5", "0.50000001", True),
    ("1.", "1.0", True),
    ("(60000, 784)", "(60001, 784)", False),  # integers must be equal
    ("(60000, 784)", "(60000,784)", True),
    ("Training Shapes:", "Testing Shapes:", False),
    ("True", "False", False),
    ("accuracy 0.5.", "accuracy 0.5 .", True),
])
def test_tolerance_edge_cases(expected, got, passes):
    assert compare_outputs(expected, got).passed is passes


def test_spacing_and_line_wrapping_do_not_matter():
    values = np.linspace(-1, 1, 12).reshape(2, 6)
    wide = np.array2string(values, max_line_width=200)
    narrow = np.array2string(values, max_line_width=30)
    assert wide.count("\n") < narrow.count("\n")
    assert compare_outputs(f"w:\n{wide}\n", f"  w:   {narrow}").passed


def test_words_must_match():
    result = compare_outputs("Sanity Check:\nThe world still makes sense", "Sanity Check:")
    assert not result.passed
    assert "line 2: the output ends early; expected `The` next" in result.feedback


def test_extra_output_fails():
    result = compare_outputs("loss: 0.5", "loss: 0.5\nDEBUG 3")
    assert not result.passed
    assert "line 2 of your output: unexpected `DEBUG`" in result.feedback


def test_no_output_fails():
    result = compare_outputs("loss: 0.5", "")
    assert not result.passed
    assert "the cell printed nothing" in result.feedback


def test_feedback_is_truncated():
    expected = "\n".join(f"row {i}: {i + 1}.5" for i in range(200))
    got = "\n".join(f"row {i}: {-(i + 1)}.5 " + "x" * 300 for i in range(200))
    feedback = compare_outputs(expected, got).feedback
    lines = feedback.splitlines()
    assert lines[0] == "line 1, 2nd number: expected `1.5`, got `-1.5`"
    assert len(lines) <= 3 + MAX_DIFF_LINES + 1
    assert max(map(len, lines)) <= 120
    assert "more diff lines" in lines[-1]


def test_normalize_whitespace():
    assert normalize_whitespace(" a\t b\n\n c \n") == "a b c"
