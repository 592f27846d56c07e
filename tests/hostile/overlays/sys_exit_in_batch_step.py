# target: assignment.py
# SequentialModel.batch_step calls sys.exit: SystemExit where a result was expected.
import sys


def _batch_step(self, x, y, training=True):
    sys.exit(1)


SequentialModel.batch_step = _batch_step
