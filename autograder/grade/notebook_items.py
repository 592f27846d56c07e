"""The notebook's Expected Output blocks as rubric items."""
import time

import nbformat

from ..notebook.blocks import find_blocks
from ..notebook.runner import Budget, run_notebook
from ..notebook.values import run_judged
from ..host.capacity import current as capacity
from ..host.policy import confinement
from ..host.supervisor import kernel_launcher
from .budget import RAN_OUT
from .items import failed, not_run, scored


def block_titles(notebook) -> list:
    return [b.title for b in find_blocks(nbformat.read(notebook, as_version=4))]


def grade_notebook(items, notebook, code_dir, data_dir, reference_dir=None, seconds=None, *,
                   budget=None, hangs=None) -> dict:
    """Run the notebook once; one Result per block item, keyed by item id.

    The kernel runs student code, so it is confined like a worker; code_dir's parent is
    the sandbox that holds the worker package. With a reference_dir (the full grade), a
    block also needs the values its cell computed, with the notebook's inputs and with
    hidden ones, to equal the reference's (notebook/values.py); without (`make check`),
    the printed text alone decides. seconds: the notebook's own budget (the rubric's
    [notebook] budget); budget: the grade's (grade/budget.py); hangs: where the
    submission hung in earlier items, which fails at once in the kernel too.
    """
    start = time.monotonic()
    timeout = max(i.timeout for i in items)
    whole = Budget(float("inf") if seconds is None else float(seconds),
                   f"the notebook's time budget ({seconds:g} s) ran out" if seconds else "")
    if budget is not None and budget.left() < whole.seconds:
        whole = Budget(max(0.0, budget.left()), RAN_OUT)
    if whole.seconds < 1:
        return {item.id: not_run(item, budget) for item in items}
    cpu_seconds = int(min(whole.seconds, sum(i.timeout for i in items))) + 30
    launcher = kernel_launcher(code_dir.parent, confinement(), cpu_seconds,
                               hung=hangs.for_fork() if hangs is not None else ())
    reason = "This block was not found in the notebook that ran."
    try:
        if reference_dir is None:
            runs = run_notebook(notebook, code_dir, data_dir, cell_timeout=timeout,
                                launcher=launcher, budget=whole)
        else:
            runs = run_judged(notebook, code_dir, data_dir, reference_dir,
                              cell_timeout=timeout, launcher=launcher, budget=whole)
        outcomes = {o.number: o for o in runs}
    except Exception as e:  # a notebook that nbformat/nbclient cannot even start
        outcomes = {}
        reason = f"The notebook could not be run: {type(e).__name__}: {e}"
    seconds = (time.monotonic() - start) / max(len(items), 1)
    results = {}
    for item in items:
        o = outcomes.get(item.block)
        if o is None:
            result = failed(item, reason, "not run")
        elif o.passed:
            result = scored(item, 1.0, o.feedback)
        elif o.feedback.startswith("MemoryError"):  # the kernel's address-space limit
            limit = capacity().guest_mb
            result = failed(item, f"Your code used more than {limit} MB of memory in this "
                            f"cell, so it was stopped.\n{o.feedback}", f"used more than {limit} MB")
        else:
            result = failed(item, o.feedback, (o.feedback.splitlines() or ["failed"])[0][:40])
        result.seconds = seconds
        results[item.id] = result
    return results
