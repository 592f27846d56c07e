"""Only data crosses the worker boundary: what the grader reads is JSON and plain numeric
arrays, and anything else (a pickle, an object array, garbage, a huge length) is a
WireError, which costs the item and nothing more."""
import io
import json
import pickle
import struct

import numpy as np
import pytest

from hostile_helpers import KIT  # noqa: F401 - puts the kit on sys.path
from autograder.protocol.wire import MAX_FRAME, FrameReader, WireError, encode

LEN = struct.Struct("<Q")


def read(frame: bytes):
    return FrameReader(-1, read_exact=io.BytesIO(frame).read).read()


def frame(header: bytes, *arrays: bytes) -> bytes:
    parts = [LEN.pack(len(header)), header, LEN.pack(len(arrays))]
    for raw in arrays:
        parts += [LEN.pack(len(raw)), raw]
    return b"".join(parts)


def npy(arr, allow_pickle=False) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array(buf, arr, allow_pickle=allow_pickle)
    return buf.getvalue()


class Liar(np.ndarray):
    def __eq__(self, other):
        return np.ones(self.shape, dtype=bool)


def test_arrays_arrive_plain_and_writable():
    sent = {"out": np.arange(6.0).reshape(2, 3).view(Liar), "f": np.asfortranarray(np.eye(2)),
            "n": np.float32(1.5), "nested": [np.int8(3), (True, None, "s")]}
    got = read(encode(sent))
    assert type(got["out"]) is np.ndarray and got["out"].flags.writeable
    assert not np.all(got["out"] == 0)  # a plain array compares honestly
    np.testing.assert_array_equal(got["f"], np.eye(2))
    assert got["n"] == 1.5 and got["nested"] == [3, [True, None, "s"]]


def test_object_arrays_cannot_be_sent():
    with pytest.raises(TypeError):
        encode({"value": np.array([{"a": 1}], dtype=object)})


@pytest.mark.parametrize("raw", [
    npy(np.array([print], dtype=object), allow_pickle=True),  # a pickled object array
    npy(np.array(["text"])),                                  # strings: not numbers
    npy(np.zeros(2, dtype=[("a", "f8"), ("b", "i4")])),       # structured
    pickle.dumps(np.ones(3)),                                 # a bare pickle
], ids=["pickled-objects", "strings", "structured", "bare-pickle"])
def test_only_numeric_npy_is_read(raw):
    with pytest.raises(WireError):
        read(frame(b'{"value": {"__nd__": 0}}', raw))


def test_a_header_cannot_reserve_memory_its_bytes_do_not_hold():
    header = npy(np.zeros(4))[:-32]  # 4 float64s announced, none sent...
    big = header.replace(b"(4,)", b"(10000000000,)")  # ...or 80 GB announced
    for raw in (header, big):
        with pytest.raises(WireError, match="does not match"):
            read(frame(b'{"value": {"__nd__": 0}}', raw))


@pytest.mark.parametrize("header", [
    b"\x80\x04not json",                       # a pickle where JSON belongs
    b"[" * 100_000 + b"]" * 100_000,           # nesting deeper than the recursion limit
    b'{"value": {"__nd__": 3}}',               # an array that is not in the frame
    b'{"value": {"__nd__": -1}}',
    b'{"value": {"__nd__": "0"}}',
    b"\xff\xfe garbage",
], ids=["pickle", "deep", "missing-array", "negative-index", "string-index", "garbage"])
def test_malformed_headers_are_wire_errors(header):
    with pytest.raises(WireError):
        read(frame(header))


def test_a_huge_length_is_refused_before_anything_is_read():
    reads = []

    def read_exact(n):
        reads.append(n)
        return LEN.pack(MAX_FRAME + 1) if len(reads) == 1 else b"x" * n

    with pytest.raises(WireError, match="out of range"):
        FrameReader(-1, read_exact=read_exact).read()
    assert reads == [LEN.size]


def test_the_whole_frame_shares_one_budget():
    half = MAX_FRAME // 2 + 1  # two arrays of just over half the budget each
    chunks = iter([LEN.pack(2), b"{}", LEN.pack(2), LEN.pack(half), b"(data)", LEN.pack(half)])

    with pytest.raises(WireError, match="out of range"):
        FrameReader(-1, read_exact=lambda n: next(chunks)).read()


def test_json_values_pass_through():
    message = {"a": [1, 2.5, None, "x"]}
    assert read(frame(json.dumps(message).encode())) == message
