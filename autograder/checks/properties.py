"""Run a property over fixed cases, then hypothesis examples; a failure comes back shrunk."""
from contextlib import contextmanager

from hypothesis import HealthCheck, Verbosity, given, settings

from ..feedback import CheckFailed
from ..protocol.errors import GuestLost, StudentError
from ._helpers import student_raised


def for_all(examples: int, checked: str, test, **strategies):
    """Run test(**example) for up to `examples` examples drawn from `strategies`.

    Raises CheckFailed for the smallest failing example hypothesis finds. A worker that
    died (GuestLost) stops the run at once: shrinking a crash would restart it again and
    again.
    """
    lost, last = [], {}

    @settings(max_examples=examples, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck), verbosity=Verbosity.quiet,
              print_blob=False)
    @given(**strategies)
    def run(**example):
        if lost:
            return
        last.clear()
        last.update(example)
        try:
            test(**example)
        except StudentError as e:
            raise student_raised(e, checked, dict(example)) from None
        except GuestLost as e:
            lost.append(e)

    try:
        run()
    except CheckFailed as e:
        e.failure.shrunk = True
        e.failure.inputs = e.failure.inputs or dict(last)
        raise
    if lost:
        raise lost[0]


@contextmanager
def explained(checked, inputs):
    """A raise in the submission inside this block fails the check showing these inputs."""
    try:
        yield
    except StudentError as e:
        raise student_raised(e, checked, inputs) from None


def examples(ctx, checked, test, strategy, smoke=()):
    """test(*case) on the fixed `smoke` cases, then on hypothesis's cases from `strategy`.

    A bug that shows on any input fails on a smoke case at once (no shrinking needed); the
    rest is found and shrunk by hypothesis.
    """
    for case in smoke:
        with explained(checked, {"case": case}):
            test(*case)
    for_all(ctx.examples, checked, lambda case: test(*case), case=strategy)
