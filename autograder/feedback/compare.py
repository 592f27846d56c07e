"""Compare a student's array with the expected one, and say what went wrong."""
import numpy as np

from .diagnose import diagnose
from .failure import CheckFailed, Failure


def worst_relative_error(expected, got, atol=1e-8) -> float:
    expected, got = np.asarray(expected, float), np.asarray(got, float)
    return float(np.max(np.abs(got - expected) / (np.abs(expected) + atol), initial=0.0))


def as_array(value, what=None):
    """The student's value as a float array, or a failure that says what came back."""
    if isinstance(value, (list, tuple)):
        try:
            value = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            return None
    if isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
        return np.asarray(value, dtype=float)
    if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
        return value.astype(float, copy=False)
    return None


def assert_close(expected, got, *, checked, what="value", inputs=None, rtol=1e-5,
                 atol=1e-8, mistakes=None, shrunk=False, batch=None, n=None, otherwise=None):
    """Raise CheckFailed unless `got` matches `expected` in shape and within rtol/atol.

    Args:
        expected: the right answer (array or number).
        got: what the student's code returned (anything that crossed the boundary).
        checked: one sentence, what was checked.
        mistakes: known wrong answers, {diagnosis: array}, tried when it fails.
        otherwise: the diagnosis of wrong values when no other fits.
    """
    expected = np.asarray(expected, dtype=float)
    arr = as_array(got, what)
    fail = dict(checked=checked, inputs=inputs or {}, expected=expected, what=what,
                shrunk=shrunk)
    if arr is None:
        raise CheckFailed(Failure(got=got, diagnosis=not_an_array(got), **fail))
    why = diagnose(expected, arr, mistakes, batch=batch, n=n)
    if arr.shape != expected.shape:
        raise CheckFailed(Failure(
            got=arr, diagnosis=why or f"wrong shape: {arr.shape}, expected {expected.shape}",
            **fail))
    if not np.allclose(arr, expected, rtol=rtol, atol=atol, equal_nan=False):
        raise CheckFailed(Failure(got=arr, worst=worst_relative_error(expected, arr, atol),
                                  diagnosis=why or otherwise, **fail))


def not_an_array(got) -> str:
    if got is None:
        return "not implemented yet: returned None (the stencil's placeholder?)"
    return f"returned a {type(got).__name__} instead of an array"
