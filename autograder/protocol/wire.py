"""Frames that cross the worker boundary: JSON plus .npy arrays, never pickles.

A frame is `len(header) header n_arrays (len(array) array)*`, lengths as 8-byte
little-endian ints. The header is JSON in which every ndarray is replaced by
{"__nd__": i}; arrays are written with `np.lib.format` (`allow_pickle=False`) and
rebuilt from their raw bytes once their header checks out, so a frame cannot run code
on the side that reads it, and what arrives is always a plain numeric ndarray.
"""
import io
import json
import math
import os
import struct

import numpy as np

MAX_FRAME = 1 << 30  # 1 GiB in all (MNIST in float64 is 0.4 GiB): more is hostile
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
            i = value["__nd__"]
            if type(i) is not int or not 0 <= i < len(arrays):
                raise WireError(f"array reference {i!r} is out of range")
            return arrays[i]
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
    """Reads frames from a file descriptor; `read_exact` is the only blocking call.

    A frame from the other side is hostile until decoded: lengths are checked against
    MAX_FRAME before anything is read, every array's header against its byte count before
    it is built, and anything malformed (bad JSON, nesting too deep, a bad array index)
    is a WireError, never another exception.
    """

    def __init__(self, fd: int, read_exact=None, wait=None):
        """wait: called before each read of fd; it may raise, e.g. at a deadline."""
        self.fd, self.wait = fd, wait
        self.read_exact = read_exact or self._read_exact

    def _read_exact(self, n: int) -> bytes:
        chunks, got = [], 0
        while got < n:
            if self.wait is not None:
                self.wait()
            chunk = os.read(self.fd, min(n - got, 1 << 20))
            if not chunk:
                raise EOFError("the other side closed the channel")
            chunks.append(chunk)
            got += len(chunk)
        return b"".join(chunks)

    def read(self):
        left = MAX_FRAME  # for the whole frame: header, lengths and arrays

        def length(each=1) -> int:
            nonlocal left
            (n,) = _LEN.unpack(self.read_exact(_LEN.size))
            if n * each > left:
                raise WireError(f"frame length {n} is out of range")
            left -= n * each
            return n

        header = self.read_exact(length())
        raw = [self.read_exact(length()) for _ in range(length(each=_LEN.size))]
        return decode(header, raw)


def decode(header: bytes, raw: list):
    """The message of a frame: its JSON header with the arrays put back."""
    try:
        arrays = [_array(r) for r in raw]
        return from_plain(json.loads(header), arrays)
    except WireError:
        raise
    except Exception as e:  # noqa: BLE001 - whatever the bytes were, they are not a frame
        raise WireError(f"malformed frame: {type(e).__name__}: {str(e)[:200]}") from None


_HEADER_READERS = {(1, 0): np.lib.format.read_array_header_1_0,
                   (2, 0): np.lib.format.read_array_header_2_0}


def array_from_npy(raw: bytes) -> np.ndarray:
    """A plain, writable ndarray from untrusted .npy bytes, or WireError (nothing else)."""
    try:
        return _array(raw)
    except WireError:
        raise
    except Exception as e:  # noqa: BLE001 - whatever the bytes were, they are not an array
        raise WireError(f"malformed array: {type(e).__name__}: {str(e)[:200]}") from None


def _array(raw: bytes) -> np.ndarray:
    """A plain, writable ndarray from .npy bytes, checked before any memory is reserved."""
    f = io.BytesIO(raw)
    version = np.lib.format.read_magic(f)
    if version not in _HEADER_READERS:
        raise WireError(f".npy version {version} is not accepted")
    shape, fortran, dtype = _HEADER_READERS[version](f)
    if dtype.kind not in _KINDS or dtype.hasobject or dtype.fields is not None:
        raise WireError(f"array of dtype {dtype} is not accepted")
    if any(not isinstance(d, int) or d < 0 for d in shape):
        raise WireError(f"array shape {shape} is not valid")
    count = math.prod(shape)
    if len(raw) - f.tell() != count * dtype.itemsize:
        raise WireError("array data does not match its header")
    flat = np.frombuffer(raw, dtype=dtype, count=count, offset=f.tell())
    return flat.reshape(shape, order="F" if fortran else "C").copy()
