"""`python -m autograder` itself, with every item's timeout capped at $HOSTILE_TIMEOUT s
(or, with $HOSTILE_TIMEOUT_EXACT, set to it: a case that must outlast another grade).

Timeouts are rubric data; a hostile case that hangs would otherwise wait out the real
ones (20 s and more per item). Nothing else changes: this is the grader's own CLI.
"""
import dataclasses
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from autograder import rubric  # noqa: E402
from autograder.__main__ import main  # noqa: E402


def capped(load, cap: float, exact=False):
    def load_capped(*args, **kwargs):
        r = load(*args, **kwargs)
        items = [dataclasses.replace(i, timeout=cap if exact else min(i.timeout, cap))
                 for i in r.items]
        notebook = {**r.notebook, "timeout": cap if exact else
                    min(r.notebook.get("timeout", cap), cap)}
        return dataclasses.replace(r, items=items, notebook=notebook)
    return load_capped


if __name__ == "__main__":
    if os.environ.get("HOSTILE_TIMEOUT"):
        rubric.load = capped(rubric.load, float(os.environ["HOSTILE_TIMEOUT"]),
                             exact=bool(os.environ.get("HOSTILE_TIMEOUT_EXACT")))
    sys.exit(main())
