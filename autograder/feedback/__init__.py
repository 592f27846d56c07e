"""What a student reads: failures that say what was checked, on which input, and why."""
from .failure import CheckFailed, Failure
from .compare import assert_close, worst_relative_error

__all__ = ["CheckFailed", "Failure", "assert_close", "worst_relative_error"]
