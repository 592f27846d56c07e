"""The notebook's Expected Output blocks as rubric items."""
import time

import nbformat

from ..notebook.blocks import find_blocks
from ..notebook.runner import run_notebook
from .items import Result


def block_titles(notebook) -> list:
    return [b.title for b in find_blocks(nbformat.read(notebook, as_version=4))]


def grade_notebook(items, notebook, code_dir, data_dir) -> dict:
    """Run the notebook once; one Result per block item, keyed by item id."""
    start = time.monotonic()
    timeout = max(i.timeout for i in items)
    try:
        outcomes = {o.number: o for o in run_notebook(notebook, code_dir, data_dir,
                                                      cell_timeout=timeout)}
    except Exception as e:  # a notebook that nbformat/nbclient cannot even start
        outcomes = {}
        reason = f"The notebook could not be run: {type(e).__name__}: {e}"
    seconds = (time.monotonic() - start) / max(len(items), 1)
    results = {}
    for item in items:
        o = outcomes.get(item.block)
        if o is None:
            results[item.id] = Result(item, 0.0, locals().get("reason", "This block was not "
                                      "found in the notebook that ran."), "not run", seconds)
        else:
            summary = "ok" if o.passed else (o.feedback.splitlines() or ["failed"])[0][:40]
            results[item.id] = Result(item, item.points if o.passed else 0.0,
                                      o.feedback, summary, seconds)
    return results
