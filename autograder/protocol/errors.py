"""What can go wrong across the boundary, as the host reports it to the checks."""


class StudentError(Exception):
    """The student's code raised; `trace` holds only the student's own frames."""

    def __init__(self, kind, message, trace=""):
        super().__init__(f"{kind}: {message}" if message else kind)
        self.kind, self.message, self.trace = kind, message, trace


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
