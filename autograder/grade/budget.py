"""The grade's time budget: the rubric's deadline, counted from the grade's start."""
import time

RAN_OUT = "the grade's time budget ran out"  # what a block of the notebook left out says
MIN_SECONDS = 1.0  # an item that would get less than this is not started


class Budget:
    def __init__(self, seconds: float, start: float | None = None):
        self.seconds = seconds
        self.end = (time.monotonic() if start is None else start) + seconds

    def left(self) -> float:
        return self.end - time.monotonic()

    def allows(self, timeout: float) -> float:
        """The seconds an item with this timeout may have now: its own, or what is left."""
        return max(0.0, min(timeout, self.left()))

    def note(self) -> str:
        return (f"Not run: the grade's time budget ran out ({self.seconds:g} s for the whole "
                "grade, so that Gradescope gets a result before its own timeout). The items "
                "that finished keep their scores.")
