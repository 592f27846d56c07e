"""A progress bar with the time left, on stderr: redrawn in place on a terminal, one line
per finished submission otherwise (a log file, CI)."""
import sys
import time

WIDTH = 24


def clock(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}" if seconds >= 3600 \
        else f"{seconds // 60}:{seconds % 60:02d}"


class Progress:
    def __init__(self, total: int, stream=sys.stderr):
        self.total, self.done, self.graded = total, 0, 0
        self.stream = stream
        self.tty = stream.isatty()
        self.start = time.monotonic()

    def line(self, note: str = "") -> str:
        elapsed = time.monotonic() - self.start
        filled = WIDTH * self.done // max(self.total, 1)
        bar = "#" * filled + "." * (WIDTH - filled)
        left = self.total - self.done
        if not left:
            eta = "done"
        elif self.graded:
            eta = f"~{clock(elapsed / self.graded * left)} left"  # the pace so far, all jobs
        else:
            eta = "time left unknown"
        text = (f"[{bar}] {self.done}/{self.total} {100 * self.done // max(self.total, 1):3d}%"
                f"  {clock(elapsed)} elapsed, {eta}")
        return f"{text}  {note}" if note else text

    def begin(self, todo: int) -> None:
        """On a terminal, a bar right away (the first grade may take a minute)."""
        if self.tty and todo:
            self.show(f"grading {todo}, {self.total - todo} up to date")

    def step(self, note: str, graded: bool = True) -> None:
        """One more submission finished (graded now, or skipped as up to date)."""
        self.done += 1
        self.graded += graded
        self.show(note)

    def show(self, note: str = "") -> None:
        text = self.line(note)
        if self.tty:
            self.stream.write("\r\033[K" + text[:200])
            if self.done == self.total:
                self.stream.write("\n")
        else:
            self.stream.write(text + "\n")
        self.stream.flush()
