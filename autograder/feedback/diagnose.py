"""Name the usual mistake behind a wrong array, when one fits."""
import numpy as np



def _close(a, b, rtol=1e-4):
    return a.shape == b.shape and np.allclose(a, b, rtol=rtol, atol=1e-9)


def constant_factor(expected, got):
    """k such that got ≈ k · expected, or None."""
    denom = float(np.vdot(expected, expected))
    if denom == 0 or not np.all(np.isfinite(got)):
        return None
    k = float(np.vdot(expected, got)) / denom
    return k if _close(k * expected, got) and not np.isclose(k, 1) else None


def diagnose(expected, got, mistakes=None, batch=None, n=None):
    """A sentence naming the mistake, or None.

    Args:
        expected, got: float arrays.
        mistakes: {diagnosis: array} of known wrong answers for this check.
        batch, n: the batch size and width, to name factors B and n.
    """
    if not np.all(np.isfinite(got)):
        return "NaN or overflow: the output has nan or inf where the right one is finite"
    for sentence, wrong in (mistakes or {}).items():
        if _close(np.asarray(wrong, float), got):
            return sentence
    if got.shape != expected.shape:
        if got.shape == expected.T.shape:
            return "transposed: the shape is the transpose of the right one"
        return None
    if not np.any(got) and np.any(expected):
        return "every entry is 0 where the right answer is not: is it still a placeholder?"
    if expected.ndim == 2 and expected.shape[0] == expected.shape[1] and \
            _close(expected.T, got) and not _close(expected, got):
        return "transposed: the values are the transpose of the right ones"
    if _close(-expected, got):
        return "sign flipped: every entry has the opposite sign of the right one"
    k = constant_factor(expected, got)
    if k is None or abs(k - 1) < 0.01:
        return None
    for value, name in ((batch, "B"), (n, "n")):
        if value and np.isclose(k, value):
            return f"off by a factor {name} = {value}: " + (
                "the batch mean is missing (summed instead of averaged)" if name == "B"
                else "the 1/n of the per-sample mean is missing")
        if value and np.isclose(k, 1 / value):
            return f"off by a factor 1/{name} = 1/{value}: divided by {name} once too often"
    # One number scaled by some k says nothing; only a named factor (B, n) is a diagnosis.
    return f"off by a constant factor {k:.4g}" if expected.size > 1 else None
