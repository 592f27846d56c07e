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


class AlreadyHung(ItemTimeout):
    """The item called code that had hung in an earlier item; it stopped at once."""
