"""python -m autograder grade-all SUBMISSIONS [--jobs N] [--out DIR] [--items PATTERN ...]"""
import os
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from .. import fingerprint
from . import gradebook, report
from .progress import Progress
from .runner import Outcome, grade_one, kept_outcome, stale, stop_all
from ..results import gradescope
from .submissions import find, label, up_to_date


def add_arguments(parser) -> None:
    parser.add_argument("submissions", type=Path,
                        help="a folder holding one sub-folder or .zip per submission")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="submissions graded at once (default: the number of cores)")
    parser.add_argument("--out", type=Path, default=None,
                        help="where gradebook.csv and each <name>/results.json go "
                             "(default SUBMISSIONS/gradebook)")
    parser.add_argument("--timeout", type=float, default=900,
                        help="wall-clock seconds for one submission (default 900)")
    parser.add_argument("--force", action="store_true",
                        help="regrade every submission, even those graded since they changed")
    parser.add_argument("--items", nargs="+", default=(), metavar="PATTERN",
                        help="grade only items whose id matches (passed to `grade`)")
    parser.add_argument("--examples", type=int, default=None,
                        help="hypothesis examples per property (passed to `grade`)")
    parser.add_argument("--public-only", action="store_true",
                        help="only the public items (passed to `grade`)")


def grade_args(args) -> list:
    """The options every `python -m autograder grade` subprocess gets."""
    out = []
    if args.public_only:
        out.append("--public-only")
    if args.examples is not None:
        out += ["--examples", str(args.examples)]
    if args.items:
        out += ["--items", *args.items]
    return out


REASONS = {"rubric": "the rubric changed", "grader": "the grader changed",
           "reference": "the reference changed",
           "fingerprint": "its grade records no fingerprint of the kit"}


def regrading(count: int, total: int, why: Counter) -> str:
    """`grade-all: grading 5 of 12 (5: the rubric changed; 2: --force)`."""
    reasons = "; ".join(f"{n}: {reason}" for reason, n in why.most_common())
    return f"grade-all: grading {count} of {total}" + (f" ({reasons})" if reasons else
                                                       ": every grade is up to date")


def note(outcome) -> str:
    score = f"{outcome.results['score']:g}" if outcome.results["tests"] else outcome.status
    return f"{label(outcome.name)}: {score} ({outcome.seconds:.0f} s)"


def grade_or_say_why(sub, kept, extra, timeout, graded_by) -> Outcome:
    """A grade that could not even start (its folder cannot be made, say) is still a row."""
    try:
        return grade_one(sub, kept, extra, timeout, graded_by)
    except Exception as e:  # noqa: BLE001 - one submission's failure is its own row
        why = f"The regrade could not grade this submission: {type(e).__name__}: {e}"
        return Outcome(sub.name, "grader error", 0.0, gradescope.error_json(why))


def run(args) -> int:
    folder = args.submissions
    if not folder.is_dir():
        print(f"grade-all: {folder} is not a folder", file=sys.stderr)
        return 2
    out = (args.out or folder / "gradebook").resolve()
    subs = find(folder, out)
    if not subs:
        print(f"grade-all: no submissions in {folder}: it should hold one folder or .zip "
              "per student (e.g. Gradescope's 'Export Submissions', unzipped)", file=sys.stderr)
        return 2
    start, extra = time.monotonic(), grade_args(args)
    graded_by = fingerprint.current(args.public_only)
    progress = Progress(len(subs))
    outcomes, todo, why = {}, [], Counter()
    for sub in subs:
        reasons = ["--force"] if args.force else \
            stale(out / sub.name, graded_by) if up_to_date(sub, out / sub.name, extra) else \
            ["new or changed since its last grade"]
        if reasons:
            todo.append(sub)
            why.update(REASONS.get(r, r) for r in reasons)
        else:
            outcomes[sub.name] = kept_outcome(sub, out / sub.name)
            progress.step(f"{label(sub.name)}: up to date", graded=False)
    print(regrading(len(todo), len(subs), why), file=sys.stderr)
    jobs = max(1, args.jobs)
    progress.begin(len(todo))
    pool = ThreadPoolExecutor(jobs)
    try:
        running = [pool.submit(grade_or_say_why, sub, out / sub.name, extra, args.timeout,
                               graded_by)
                   for sub in todo]
        for future in as_completed(running):
            outcome = future.result()
            outcomes[outcome.name] = outcome
            progress.step(note(outcome))
    except KeyboardInterrupt:
        pool.shutdown(wait=False, cancel_futures=True)
        stop_all()
        pool.shutdown(wait=True)
        print(f"\ngrade-all: interrupted; {out / 'gradebook.csv'} is left as it was",
              file=sys.stderr)
        return 130
    pool.shutdown()
    rows = [outcomes[sub.name] for sub in subs]
    csv_path = out / "gradebook.csv"
    gradebook.write_csv(rows, csv_path)
    print(gradebook.summary(rows, time.monotonic() - start, jobs, csv_path))
    print(f"Report: {report.build(subs, rows, out)}")
    return 0
