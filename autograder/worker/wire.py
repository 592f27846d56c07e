"""Frames that cross the worker boundary: JSON plus .npy arrays, never pickles.

A frame is `len(header) header n_arrays (len(array) array)*`, lengths as 8-byte
little-endian ints. The header is JSON in which every ndarray is replaced by
{"__nd__": i}; arrays are written with `np.lib.format` and read back with
`allow_pickle=False`, so a frame cannot run code on the side that reads it.
"""
import io
import json
import os
import struct

import numpy as np

MAX_FRAME = 1 << 31  # 2 GiB: a bigger length is a corrupt or hostile frame
_LEN = struct.Struct("<Q")
_KINDS = "biuf"      # bool, int, uint, float: no object, string or void arrays


class WireError(Exception):
    """The other side sent something that is not a valid frame."""


def to_plain(value, arrays):
    """Replace ndarrays in `value` by references into `arrays` (list, appended)."""
    if isinstance(value, np.ndarray):
        arr = np.ascontiguousarray(value).view(np.ndarray)
        if arr.dtype.kind not in _KINDS:
            raise TypeError(f"array of dtype {arr.dtype} cannot cross the boundary")
        arrays.append(arr)
        return {"__nd__": len(arrays) - 1}
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [to_plain(v, arrays) for v in value]
    if isinstance(value, dict):
        return {str(k): to_plain(v, arrays) for k, v in value.items()}
    raise TypeError(f"a {type(value).__name__} cannot cross the boundary")


def from_plain(value, arrays):
    if isinstance(value, list):
        return [from_plain(v, arrays) for v in value]
    if isinstance(value, dict):
        if set(value) == {"__nd__"}:
            return arrays[value["__nd__"]]
        return {k: from_plain(v, arrays) for k, v in value.items()}
    return value


def encode(message) -> bytes:
    arrays = []
    header = json.dumps(to_plain(message, arrays)).encode()
    parts = [_LEN.pack(len(header)), header, _LEN.pack(len(arrays))]
    for arr in arrays:
        buf = io.BytesIO()
        np.lib.format.write_array(buf, arr, allow_pickle=False)
        parts += [_LEN.pack(buf.tell()), buf.getvalue()]
    return b"".join(parts)


def write_frame(fd: int, message) -> None:
    view = memoryview(encode(message))
    while view:
        view = view[os.write(fd, view):]


class FrameReader:
    """Reads frames from a file descriptor; `read_exact` is the only blocking call."""

    def __init__(self, fd: int, read_exact=None):
        self.fd = fd
        self.read_exact = read_exact or self._read_exact

    def _read_exact(self, n: int) -> bytes:
        chunks, got = [], 0
        while got < n:
            chunk = os.read(self.fd, min(n - got, 1 << 20))
            if not chunk:
                raise EOFError("the other side closed the channel")
            chunks.append(chunk)
            got += len(chunk)
        return b"".join(chunks)

    def _length(self) -> int:
        (n,) = _LEN.unpack(self.read_exact(_LEN.size))
        if n > MAX_FRAME:
            raise WireError(f"frame length {n} is out of range")
        return n

    def read(self):
        try:
            header = json.loads(self.read_exact(self._length()))
            arrays = [self._array(self.read_exact(self._length()))
                      for _ in range(self._length())]
        except (ValueError, UnicodeDecodeError) as e:
            raise WireError(f"malformed frame: {e}") from None
        return from_plain(header, arrays)

    @staticmethod
    def _array(raw: bytes) -> np.ndarray:
        arr = np.lib.format.read_array(io.BytesIO(raw), allow_pickle=False)
        if arr.dtype.kind not in _KINDS:
            raise WireError(f"array of dtype {arr.dtype} is not accepted")
        return arr
