"""What can go wrong across the boundary, as the host reports it to the checks."""


class StudentError(Exception):
    """The student's code raised. `kind` is the exception's class path
    ('builtins.KeyError'), `name` the way people write it ('KeyError'); `trace` holds
    only the student's own frames."""

    def __init__(self, kind, message, trace=""):
        self.kind, self.message, self.trace = str(kind), message, trace
        self.name = self.kind.removeprefix("builtins.")
        super().__init__(f"{self.name}: {message}" if message else self.name)


class GuestLost(Exception):
    """The item's guest process died, hung, or broke the protocol."""


class ItemTimeout(GuestLost):
    pass


class OutOfMemory(GuestLost):
    """The item's process was killed for its memory; each may use `limit_mb`."""

    def __init__(self, limit_mb, detail=""):
        said = f"used more than {limit_mb} MB of memory" + (f" ({detail})" if detail else "")
        super().__init__(said)
        self.limit_mb, self.detail = limit_mb, detail


class AlreadyHung(ItemTimeout):
    """The item called code that had hung in an earlier item; it stopped at once."""
