"""Fixtures for the grader's end-to-end tests (helpers: grader_helpers.py)."""
import pytest

from grader_helpers import FAST, SOLUTION, Graded, grade


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: a full grade with MNIST training (~60 s); "
                                       "it runs in `make test` too")


@pytest.fixture(scope="session")
def solution_fast(tmp_path_factory) -> Graded:
    """The solution graded on every item except training (shared by several tests)."""
    return grade(SOLUTION, tmp_path_factory.mktemp("solution") / "results.json", FAST)
