"""Tests of the reference solution: they import solution/'s Beras in-process.

Other test folders import a *different* Beras (the stencil, a submission) only in
subprocesses, so putting solution/ on sys.path here is safe.
"""
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
SOLUTION = ROOT / "solution"
if str(SOLUTION) not in sys.path:
    sys.path.insert(0, str(SOLUTION))


@pytest.fixture
def rng():
    return np.random.default_rng(1470)


@pytest.fixture(scope="session")
def data_path():
    return ROOT / "data"
