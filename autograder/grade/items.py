"""Run one rubric item's check and turn whatever happened into a scored result."""
import sys
import time
import traceback
from dataclasses import dataclass

from ..checks import REGISTRY, Context
from ..feedback import CheckFailed
from ..protocol.errors import AlreadyHung, GuestLost, ItemTimeout, OutOfMemory, StudentError
from ..checks._helpers import student_raised
from .budget import MIN_SECONDS

MAX_PRINTED = 2000


@dataclass
class Result:
    """One graded item. `summary` is the few words of the report table."""
    item: object
    passed: bool  # stated, not derived from the score: a 0-point item can fail too
    score: float
    output: str
    summary: str = "ok"
    seconds: float = 0.0


def scored(item, fraction: float | None, output: str = "") -> Result:
    fraction = 1.0 if fraction is None else max(0.0, min(1.0, float(fraction)))
    summary = "ok" if fraction == 1 else f"{fraction:.0%} credit"
    return Result(item, fraction == 1, round(item.points * fraction, 4), output, summary)


def failed(item, output: str, summary: str) -> Result:
    return Result(item, False, 0.0, output, summary)


def out_of_memory(item, e: OutOfMemory) -> Result:
    """The item's process used more memory than its share of the container."""
    limit, detail = e.limit_mb, e.detail
    return failed(item, f"Checked: {item.name}\nYour code used more than {limit} MB of "
                  f"memory ({detail}), so the item was stopped. Each of the grader's processes "
                  f"may use {limit} MB: keep one copy of the data, in float32, and let go of "
                  "what you no longer need.", f"used more than {limit} MB")


def with_printed(result: Result, printed: str) -> Result:
    """Visible items show what the student's code printed; hidden items never do."""
    if printed.strip() and result.item.visibility == "visible" and not result.passed:
        cut = printed if len(printed) <= MAX_PRINTED else printed[:MAX_PRINTED] + " …"
        result.output += f"\n\nYour code printed:\n{cut}"
    return result


def not_run(item, budget) -> Result:
    return failed(item, budget.note(), "not run")


def run_item(item, worker, reference, data_dir, examples, budget, hangs=None) -> Result:
    """Grade `item` with its registered check in a fresh worker child, within what is left
    of the grade's `budget`. `hangs`: the lane's table of where earlier items hung."""
    start = time.monotonic()
    check = REGISTRY.get(item.id)
    if check is None:
        return failed(item, f"No check is registered for {item.id}: tell the course staff.",
                      "grader error")
    seconds = budget.allows(item.timeout)
    if seconds < min(MIN_SECONDS, item.timeout):
        return not_run(item, budget)
    child = None
    try:
        child = worker.item(timeout=seconds, hangs=hangs)
        with child:
            outcome = check(Context(item, child, reference, data_dir, examples))
            # a check returns None, a fraction, or (fraction, output) to explain it
            result = scored(item, *outcome) if isinstance(outcome, tuple) else \
                scored(item, outcome)
    except CheckFailed as e:
        result = failed(item, e.failure.render(), e.failure.summary)
    except StudentError as e:
        f = student_raised(e, item.name, {}).failure
        result = failed(item, f.render(), f"raised {e.name}")
    except AlreadyHung as e:
        result = failed(item, f"Checked: {item.name}\n{e}, and this item calls it too, so it "
                        "was stopped at once rather than waiting that long again.",
                        "timed out")
    except ItemTimeout:
        if seconds < item.timeout:
            result = not_run(item, budget)
        else:
            label = None
            if child is not None and child.stuck is not None and hangs is not None:
                label = hangs.add(child.stuck, item.number, item.timeout)
            where = f" It was stopped in {label}." if label else ""
            result = failed(item, f"Checked: {item.name}\nYour code did not finish within "
                            f"{item.timeout:g} s (an infinite loop, or far too slow), so the "
                            f"item was stopped.{where}", "timed out")
    except OutOfMemory as e:
        result = out_of_memory(item, e)
    except GuestLost as e:
        result = failed(item, f"Checked: {item.name}\n{e}. Nothing after that could be "
                        "checked for this item.", "process died")
    except Exception:  # a bug in the grader must not cost the rest of the grade
        print(f"grader error in {item.id}:\n{traceback.format_exc()}", file=sys.stderr)
        result = failed(item, "The grader itself failed on this item. This is not your "
                        "fault: please tell the course staff.", "grader error")
    result.seconds = time.monotonic() - start
    return with_printed(result, child.output if child is not None else "")
