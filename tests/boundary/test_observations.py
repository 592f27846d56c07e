"""The guest reports observations, the host decides: what Session and the procedures give
back is data (class paths, arrays read in a later request), and every procedure says
what a patch of it would gain."""
import inspect
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from autograder.guest import procedures  # noqa: E402
from autograder.guest.session import Session  # noqa: E402


class AssertionError(Exception):  # noqa: A001 - a student's class merely named so
    pass


def error_of(session, path, *args):
    reply = session.handle({"op": "func", "path": path, "args": list(args)})
    return reply["error"]


def test_an_exception_goes_back_as_its_class_path():
    session = Session()
    assert error_of(session, "builtins.int", "x")["type"] == "builtins.ValueError"
    try:
        raise AssertionError("not the builtin")
    except AssertionError as e:
        described = session.describe(e)
    assert described["type"] == f"{__name__}.AssertionError"


def test_a_kept_array_shows_in_a_later_request_what_a_call_did_to_it():
    session = Session()
    x = np.array([-1.0, 2.0])
    kept = session.handle({"op": "keep", "value": x})["value"]
    assert kept["type"] == "numpy.ndarray"
    session.handle({"op": "call", "ref": kept, "method": "__imul__", "args": [3.0]})
    assert np.array_equal(session.handle({"op": "fetch", "ref": kept})["value"], [-3.0, 6.0])


def test_a_kept_list_holds_the_kept_arrays_themselves():
    session = Session()
    refs = [session.handle({"op": "keep", "value": np.zeros(2)})["value"] for _ in range(2)]
    listed = session.handle({"op": "keep", "value": refs})["value"]
    session.objects[listed["__ref__"]][0] += 1.0
    assert np.array_equal(session.handle({"op": "fetch", "ref": refs[0]})["value"], [1.0, 1.0])


def test_every_procedure_says_what_a_patch_of_it_gains():
    public = [obj for name, obj in vars(procedures).items()
              if not name.startswith("_") and (inspect.isfunction(obj) or inspect.isclass(obj))
              and obj.__module__ == procedures.__name__]
    assert len(public) > 15
    silent = [obj.__name__ for obj in public if "Patched" not in (obj.__doc__ or "")]
    assert not silent, f"say in the docstring why patching these gains nothing: {silent}"
