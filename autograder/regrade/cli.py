"""python -m autograder grade-all SUBMISSIONS [--jobs N] [--out DIR] [--items PATTERN ...]"""
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from . import gradebook, report
from .progress import Progress
from .runner import grade_one, kept_outcome
from .submissions import find, up_to_date


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


def note(outcome) -> str:
    score = f"{outcome.results['score']:g}" if outcome.results["tests"] else outcome.status
    return f"{outcome.name}: {score} ({outcome.seconds:.0f} s)"


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
    progress = Progress(len(subs))
    outcomes, todo = {}, []
    for sub in subs:
        if not args.force and up_to_date(sub, out / sub.name, extra):
            outcomes[sub.name] = kept_outcome(sub, out / sub.name)
            progress.step(f"{sub.name}: up to date", graded=False)
        else:
            todo.append(sub)
    jobs = max(1, args.jobs)
    progress.begin(len(todo))
    with ThreadPoolExecutor(jobs) as pool:
        running = [pool.submit(grade_one, sub, out / sub.name, extra, args.timeout)
                   for sub in todo]
        for future in as_completed(running):
            outcome = future.result()
            outcomes[outcome.name] = outcome
            progress.step(note(outcome))
    rows = [outcomes[sub.name] for sub in subs]
    csv_path = out / "gradebook.csv"
    gradebook.write_csv(rows, csv_path)
    print(gradebook.summary(rows, time.monotonic() - start, jobs, csv_path))
    print(f"Report: {report.build(subs, rows, out)}")
    return 0
