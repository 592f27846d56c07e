"""Grade one submission: stage it, run every rubric item, write results.json once.

Items run in two lanes, one per core: MNIST training in one worker, everything else
(checks, then the notebook) in another. Results are written from the grader's memory
after every worker is gone; nothing a submission writes is ever read back.
"""
import shutil
import tempfile
import threading
import time
from pathlib import Path

from .. import fingerprint, paths, rubric as rubric_file
from ..checks import load_all
from ..checks.extras import check_extras
from ..host.local import LocalItem, import_reference
from ..host.policy import confinement
from ..host.supervisor import Guest, install_guest
from .items import run_item
from .notebook_items import block_titles, grade_notebook
from .submission import stage


def choose_notebook(code_dir: Path, public_only: bool) -> Path | None:
    """Gradescope runs the kit's notebook; `make check` runs the student's own."""
    own = code_dir / paths.NOTEBOOK_NAME
    if public_only and own.is_file():
        return own
    return paths.NOTEBOOK if paths.NOTEBOOK.is_file() else (own if own.is_file() else None)


EXTRAS_TIMEOUT = 30


def run_extras(worker) -> list:
    """Lines on the submission's own Diffables (ungraded): a failure here costs nothing."""
    try:
        with worker.item(timeout=EXTRAS_TIMEOUT) as child:
            return check_extras(child)
    except Exception as e:  # noqa: BLE001 - ungraded, so never fatal
        return [f"Your own Diffables could not be checked: {type(e).__name__}: {e}"]


def run_lane(items, code_dir, sandbox, reference, examples, out, notebook=None, extras=None):
    """extras: a list to fill with the ungraded report on the submission's own Diffables."""
    worker = Guest(code_dir, sandbox, confinement())
    try:
        for item in items:
            ref = LocalItem() if reference else None
            out[item.id] = run_item(item, worker, ref, paths.DATA, examples)
        if extras is not None:
            extras.extend(run_extras(worker))
    finally:
        worker.close()
    if notebook is not None:
        out.update(grade_notebook(*notebook))


class Grade:
    """The outcome of one grade: results per item, in rubric order."""

    def __init__(self, rubric, results, seconds, extras=()):
        self.rubric, self.results, self.seconds = rubric, results, seconds
        self.extras = list(extras)  # ungraded lines on the submission's own Diffables

    @property
    def score(self):
        return round(sum(r.score for r in self.results), 4)

    def for_students(self) -> "Grade":
        """The grade as students may read it now: the `visible` items only. Hidden items,
        and those shown after the due date or publication, appear only in their own
        Gradescope entries, never in text students always see."""
        shown = [r for r in self.results if r.item.visibility == "visible"]
        rubric = rubric_file.Rubric(self.rubric.title, [r.item for r in shown],
                                    self.rubric.notebook)
        return Grade(rubric, shown, self.seconds, self.extras)


def grade(submission: Path, public_only=False, examples=25, only=()) -> Grade:
    """Grade one submission. `only`: item ids or glob patterns (e.g. "dense.*") to run.

    Raises SubmissionError when there is nothing to grade.
    """
    start = time.monotonic()
    rubric = rubric_file.load()
    if public_only:
        rubric = rubric.public_only()
    reference = fingerprint.uses_reference(public_only)
    load_all(include_hidden=reference)
    if reference:
        import_reference(paths.SOLUTION)
    confinement()  # claims this grade's own user, from this thread, before the lanes start
    sandbox = Path(tempfile.mkdtemp(prefix="beras-grade-"))
    sandbox.chmod(0o755)
    try:
        code_dir = stage(submission, sandbox, paths.DATA)
        install_guest(sandbox)
        notebook = choose_notebook(code_dir, public_only)
        if notebook is not None:
            rubric = rubric.with_notebook_blocks(block_titles(notebook))
        if only:
            rubric = rubric.matching(only)
        nb_items = [i for i in rubric.items if i.block is not None]
        training = [i for i in rubric.items if "training" in i.tags]
        others = [i for i in rubric.items if i not in training and i not in nb_items]
        out, extras = {}, []
        nb_job = (nb_items, notebook, code_dir, paths.DATA) if nb_items else None
        lanes = [threading.Thread(target=run_lane, args=(items, code_dir, sandbox, reference,
                                                         examples, out, job, more))
                 for items, job, more in ((training, None, None), (others, nb_job, extras))
                 if items or job]
        for lane in lanes:
            lane.start()
        for lane in lanes:
            lane.join()
    finally:
        shutil.rmtree(sandbox, ignore_errors=True)
    results = [out[i.id] for i in rubric.items]
    return Grade(rubric, results, time.monotonic() - start, extras=extras)
