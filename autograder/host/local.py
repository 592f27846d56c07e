"""The reference, run in the grader's own process through the same operations as a worker."""
import io
import sys
from pathlib import Path

from ..guest.session import Session
from ..protocol.wire import FrameReader, encode
from .requests import Operations


def roundtrip(value):
    """What `value` becomes after crossing the boundary: plain data, fresh arrays."""
    return FrameReader(-1, read_exact=io.BytesIO(encode(value)).read).read()


class LocalItem(Operations):
    """Same operations as host.supervisor.Item, served in-process (the reference is trusted)."""

    def __init__(self):
        self.session = Session()
        self.output = ""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def request(self, op, **fields):
        # Copies, as the boundary makes them: a procedure that updates arrays in place
        # must not change the check's own inputs before the submission sees them.
        reply = self.session.handle({"op": op, **roundtrip(fields)})
        if "error" in reply:
            e = reply["error"]
            raise RuntimeError(f"the reference raised {e['type']}: {e['message']}")
        return roundtrip(reply["value"])


def import_reference(code_dir: Path):
    """Put the reference's code folder first on sys.path (the grader never imports a student's)."""
    path = str(Path(code_dir).resolve())
    if path not in sys.path:
        sys.path.insert(0, path)
