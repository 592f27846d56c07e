"""Grade one submission: stage it, run every rubric item, write results.json once.

Items run in two lanes: MNIST training in one worker, everything else (checks, then the
notebook) in another. They run side by side when the container has a core and a lane's
memory for each (host/capacity.py), else one after the other, training last. Results are
written from the grader's memory after every worker is gone; nothing a submission writes
is ever read back.

The rubric's deadline bounds the whole grade: every item gets at most what is left of it,
and the items it leaves out get 0 ("not run"). Should a lane still be busy past the
deadline all the same, the grade is cut there (`Grade.cut`): what finished is kept.
Lanes that run side by side keep each its own table of where the submission hung
(host/hangs.py), so that a lane's results do not depend on the other's timing; lanes
that run one after the other share one.
"""
import shutil
import tempfile
import threading
import time
from pathlib import Path

from .. import fingerprint, paths, rubric as rubric_file
from ..checks import load_all
from ..checks.extras import check_extras
from ..host import capacity
from ..host.hangs import Hangs
from ..host.local import LocalItem, import_reference
from ..host.policy import confinement
from ..host.supervisor import Guest, install_guest
from .budget import Budget
from .items import not_run, run_item
from .notebook_items import block_titles, grade_notebook
from .submission import stage

WATCHDOG_GRACE = 10.0  # s past the deadline that lanes get to wind down before the cut


def choose_notebook(code_dir: Path, public_only: bool) -> Path | None:
    """Gradescope runs the kit's notebook; `make check` runs the student's own."""
    own = code_dir / paths.NOTEBOOK_NAME
    if public_only and own.is_file():
        return own
    return paths.NOTEBOOK if paths.NOTEBOOK.is_file() else (own if own.is_file() else None)


def run_extras(worker, budget, hangs) -> list:
    """Lines on the submission's own Diffables (ungraded): a failure here costs nothing."""
    seconds = budget.allows(rubric_file.EXTRAS_TIMEOUT)
    if seconds < 1:
        return ["Your own Diffables were not checked: the grade's time budget ran out."]
    try:
        with worker.item(timeout=seconds, hangs=hangs) as child:
            return check_extras(child)
    except Exception as e:  # noqa: BLE001 - ungraded, so never fatal
        return [f"Your own Diffables could not be checked: {type(e).__name__}: {e}"]


def run_lanes(lanes, *args):
    """Lanes one after the other, in one thread: they share where the submission hung."""
    hangs = Hangs()
    for items, notebook, extras in lanes:
        run_lane(items, *args, notebook, extras, hangs)


def run_lane(items, code_dir, sandbox, reference, examples, out, budget, notebook=None,
             extras=None, hangs=None):
    """extras: a list to fill with the ungraded report on the submission's own Diffables.
    hangs: where the submission hung so far (a fresh table when None)."""
    hangs = Hangs() if hangs is None else hangs
    worker = Guest(code_dir, sandbox, confinement())
    try:
        for item in items:
            ref = LocalItem() if reference else None
            out[item.id] = run_item(item, worker, ref, paths.DATA, examples, budget, hangs)
        if extras is not None:
            extras.extend(run_extras(worker, budget, hangs))
    finally:
        worker.close()
    if notebook is not None:
        out.update(grade_notebook(*notebook, budget=budget, hangs=hangs))


class Grade:
    """The outcome of one grade: results per item, in rubric order."""

    def __init__(self, rubric, results, seconds, extras=(), cut=False):
        self.rubric, self.results, self.seconds = rubric, results, seconds
        self.extras = list(extras)  # ungraded lines on the submission's own Diffables
        self.cut = cut  # a lane was still busy at the deadline: its processes are orphans

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
        return Grade(rubric, shown, self.seconds, self.extras, self.cut)


def grade(submission: Path, public_only=False, examples=25, only=(), start=None) -> Grade:
    """Grade one submission. `only`: item ids or glob patterns (e.g. "dense.*") to run.
    `start`: when the grade began on the monotonic clock (default: now), for the deadline.

    Raises SubmissionError when there is nothing to grade.
    """
    start = time.monotonic() if start is None else start
    capacity.protect_grader()
    rubric = rubric_file.load()
    budget = Budget(rubric.deadline, start)
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
        nb_job = (nb_items, notebook, code_dir, paths.DATA, paths.SOLUTION if reference else None,
                  rubric.notebook.get("budget")) if nb_items else None
        jobs = [job for job in ((others, nb_job, extras), (training, None, None))
                if job[0] or job[1]]
        together = [[job] for job in jobs] if capacity.current().lanes > 1 else [jobs]
        lanes = [threading.Thread(target=run_lanes, args=(group, code_dir, sandbox, reference,
                                                          examples, out, budget),
                                  daemon=True)
                 for group in together]
        for lane in lanes:
            lane.start()
        for lane in lanes:  # the watchdog: a lane past the deadline is left behind
            lane.join(max(0.0, budget.left()) + WATCHDOG_GRACE)
        cut = any(lane.is_alive() for lane in lanes)
        results = [out.get(i.id) or not_run(i, budget) for i in rubric.items]
    finally:
        shutil.rmtree(sandbox, ignore_errors=True)
    return Grade(rubric, results, time.monotonic() - start, extras=list(extras), cut=cut)
