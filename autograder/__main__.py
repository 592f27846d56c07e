"""python -m autograder grade SUBMISSION [--results FILE] [--public-only]
   python -m autograder grade-all SUBMISSIONS [--jobs N] [--out DIR]
   python -m autograder report SUBMISSIONS [--out DIR]"""
import time

STARTED = time.monotonic()  # the first grade's deadline counts from here, before the imports

import argparse  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

from .grade.run import grade  # noqa: E402
from .grade.submission import SubmissionError  # noqa: E402
from .rubric import RubricError  # noqa: E402
from .results import gradescope, report  # noqa: E402
from . import fingerprint, regrade  # noqa: E402
from .regrade import report as class_report  # noqa: E402


def parse(argv):
    parser = argparse.ArgumentParser(prog="python -m autograder",
                                     description="The Beras HW2 autograder.")
    verbs = parser.add_subparsers(dest="verb", required=True)
    g = verbs.add_parser("grade", help="grade one submission (a folder or a .zip)")
    g.add_argument("submission", type=Path)
    g.add_argument("--results", type=Path, default=Path("results.json"),
                   help="where to write Gradescope's results.json (default ./results.json)")
    g.add_argument("--public-only", action="store_true",
                   help="only the items students can run themselves (make check)")
    g.add_argument("--examples", type=int, default=25,
                   help="hypothesis examples per property (default 25)")
    g.add_argument("--items", nargs="+", default=(), metavar="PATTERN",
                   help="grade only items whose id matches, e.g. 'dense.*' 'notebook.*'")
    g.add_argument("--timing", action="store_true",
                   help="show how many seconds each item took")
    regrade.add_arguments(verbs.add_parser(
        "grade-all", help="grade every submission of a folder into a gradebook"))
    class_report.add_arguments(verbs.add_parser(
        "report", help="rebuild the class report (report.html) from grade-all's kept results"))
    return parser.parse_args(argv)


def run_grade(args) -> int:
    global STARTED
    start, STARTED = STARTED or time.monotonic(), None  # a later grade in-process: now
    try:
        outcome = grade(args.submission, public_only=args.public_only,
                        examples=args.examples, only=args.items, start=start)
    except SubmissionError as e:
        graded_by = fingerprint.current(args.public_only)
        message = f"Your submission could not be graded: {e}"
        gradescope.write(gradescope.error_json(message, time.monotonic() - start, graded_by),
                         args.results)
        print(message, file=sys.stderr)
        return 2
    # results.json's top-level output is what every student sees: only the visible items
    students_view = report.render(outcome.for_students(), public_only=True)
    graded_by = fingerprint.current(args.public_only)  # after grade() validated the rubric
    gradescope.write(gradescope.results_json(outcome, students_view, graded_by), args.results)
    print(report.render(outcome, args.public_only, timing=args.timing))
    if outcome.cut:  # a lane is still busy: end now, its processes die with this one
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
    return 0


def main(argv=None) -> int:
    args = parse(argv)
    if args.verb == "grade-all":
        return regrade.run(args)
    if args.verb == "report":
        return class_report.run(args)
    try:
        return run_grade(args)
    except RubricError as e:  # the TA's typo: name it, grade nothing
        gradescope.write(gradescope.error_json(
            "The autograder's rubric is invalid, so nothing was graded. This is not your "
            "fault: please tell the course staff."), args.results)
        print(e, file=sys.stderr)
        return 2
    except Exception as e:  # the grader's own failure: still a valid results.json
        message = f"The autograder failed: {type(e).__name__}: {e}. Please tell the course staff."
        gradescope.write(gradescope.error_json(message), args.results)
        print(message, file=sys.stderr)
        raise


if __name__ == "__main__":
    sys.exit(main())
