#!/usr/bin/env python3
"""Train the reference simple and advanced models on MNIST and report test accuracy.

Runs from any working directory: it imports solution/ and reads <repo>/data/mnist/.
NumPy is seeded and BLAS runs on one thread, as in the grader (set OPENBLAS_NUM_THREADS
to override), so a run is reproducible on the same machine. The last three lines are
parsed by tools and keep exactly this form:

    simple test accuracy: 0.XXXX
    advanced test accuracy: 0.XXXX
    advanced train seconds: N.N
"""
import os
import sys
import time
from pathlib import Path

# Before NumPy loads: on a busy machine, multi-threaded BLAS can be 10x slower.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "solution"))

import numpy as np  # noqa: E402

import assignment  # noqa: E402
import preprocess  # noqa: E402
from Beras.onehot import OneHotEncoder  # noqa: E402

SEED = 1470


def train_and_test(get_components, train, test):
    """Fits a model from `get_components()`; returns (test accuracy, fit seconds)."""
    args = get_components()
    start = time.perf_counter()
    args.model.fit(*train, epochs=args.epochs, batch_size=args.batch_size)
    seconds = time.perf_counter() - start
    accuracy = args.model.evaluate(*test, batch_size=100)["acc"][-1]
    return accuracy, seconds


def main():
    np.random.seed(SEED)
    data_path = ROOT / "data"
    train_inputs, train_labels = preprocess.get_data_MNIST("train", data_path)
    test_inputs, test_labels = preprocess.get_data_MNIST("test", data_path)
    ohe = OneHotEncoder()
    ohe.fit(np.concatenate([train_labels, test_labels]))
    train = (train_inputs, ohe(train_labels))
    test = (test_inputs, ohe(test_labels))

    print("Simple model")
    simple_acc, _ = train_and_test(assignment.get_simple_model_components, train, test)
    print("Advanced model")
    advanced_acc, advanced_seconds = train_and_test(
        assignment.get_advanced_model_components, train, test)

    print(f"simple test accuracy: {simple_acc:.4f}")
    print(f"advanced test accuracy: {advanced_acc:.4f}")
    print(f"advanced train seconds: {advanced_seconds:.1f}")


if __name__ == "__main__":
    main()
