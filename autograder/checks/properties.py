"""Run a property over hypothesis examples; a failure comes back shrunk."""
from hypothesis import HealthCheck, Verbosity, given, settings

from ..feedback import CheckFailed
from ..sandbox.worker import StudentError, WorkerLost
from ._helpers import student_raised


def for_all(examples: int, checked: str, test, **strategies):
    """Run test(**example) for up to `examples` examples drawn from `strategies`.

    Raises CheckFailed for the smallest failing example hypothesis finds. A worker that
    died (WorkerLost) stops the run at once: shrinking a crash would restart it again and
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
        except WorkerLost as e:
            lost.append(e)

    try:
        run()
    except CheckFailed as e:
        e.failure.shrunk = True
        e.failure.inputs = e.failure.inputs or dict(last)
        raise
    if lost:
        raise lost[0]
